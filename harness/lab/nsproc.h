/* nsproc: every process of one network namespace inside one PID namespace, signalled by
 * a walk of /proc: the processes of a client finwait did not write (its instances and
 * whatever they forked), frozen or killed together at the point. A process is matched by
 * its /proc/PID/ns/net and ns/pid, then signalled through a pidfd opened before the
 * match, so a recycled pid is never hit. Holds nothing between calls. */
#ifndef FINWAIT_NSPROC_H
#define FINWAIT_NSPROC_H

#include <stddef.h>

/* Sends sig to every live process (zombies are skipped) whose network namespace is
 * netns_fd's and whose PID namespace is pidns_fd's (-1: any), walking procroot (NULL:
 * "/proc") again until a walk finds no process it had not signalled: a child forked
 * before its parent got the signal is found by the next walk, and none is forked after
 * (copy_process() gives way to a pending signal). With SIGSTOP, a process already
 * stopped is counted but not signalled. Returns the number of processes signalled or
 * stopped (*n), 0 or -errno (-E2BIG: more than 4096 processes). */
int nsproc_signal(const char *procroot, int netns_fd, int pidns_fd, int sig, size_t *n);

/* Pure: the state letter of a /proc/PID/stat text ("12 (a b) S 1 ..."), the field after
 * the last ')'; '?' when there is none. */
char nsproc_stat_state(const char *stat);

#endif
