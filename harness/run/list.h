/* list: the `finwait list` command: the shipped scenarios with one line each. */
#ifndef FINWAIT_LIST_H
#define FINWAIT_LIST_H

/* `finwait list`; returns the exit code (enum fw_exit). */
int cmd_list(int argc, char **argv);

#endif
