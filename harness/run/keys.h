/* keys: the `finwait keys` command: every scenario key, from the schema. */
#ifndef FINWAIT_KEYS_H
#define FINWAIT_KEYS_H

/* `finwait keys`; returns the exit code. */
int cmd_keys(int argc, char **argv);

#endif
