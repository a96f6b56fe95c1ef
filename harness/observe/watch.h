/* watch: the `finwait watch` subcommand: samples an existing namespace (or the caller's)
 * that finwait did not make, prints each state a socket leaves with its lifetime bounds,
 * and a summary on SIGINT/SIGTERM. Read-only: it never changes the namespace. */
#ifndef FINWAIT_WATCH_H
#define FINWAIT_WATCH_H

/* Runs `finwait watch`; argv[0] is the subcommand name ("watch"). Returns the exit code:
 * 0 after SIGINT/SIGTERM, 2 bad usage, 77 no permission to sample, 3 other failures. */
int cmd_watch(int argc, char **argv);

#endif
