/* merge: `finwait merge`: the JSON reports of a matrix's shares (finwait run --shard K/N)
 * or of whole runs joined into one report, table, JSON, JUnit and HTML, with one exit
 * code. */
#ifndef FINWAIT_MERGE_H
#define FINWAIT_MERGE_H

/* `finwait merge [OPTIONS] FILE...`; returns the exit code (enum fw_exit). */
int cmd_merge(int argc, char **argv);

#endif
