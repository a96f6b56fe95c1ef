/* workers: finwait-server split across processes that share one listening socket, so
 * that a cell may hold more connections than one process has descriptors (RLIMIT_NOFILE
 * is 20 000 here and cannot be raised without CAP_SYS_RESOURCE). The first process
 * listens, then forks the others; each runs its own epoll loop and accepts from the
 * shared listener while it has room, so the kernel's accept queue spreads the
 * connections over them. Accept ids come from one counter in shared memory, so they
 * stay unique across the processes. Workers die with the first process
 * (PR_SET_PDEATHSIG), and it stops them and reaps them when it stops. */
#ifndef FINWAIT_WORKERS_H
#define FINWAIT_WORKERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define WORKERS_MAX 64

struct workers {
	int n;			/* processes serving, the first one included */
	int index;		/* this process's: 0 for the first */
	pid_t pid[WORKERS_MAX];	/* the others' pids, in the first process */
	uint32_t *next_id;	/* shared: the last accept id handed out */
};

/* How many processes hold `conns` connections when each has `per` descriptors for them
 * (per > 0); 0 when more than WORKERS_MAX would be needed. Pure. */
int workers_needed(long conns, long per);

/* Maps the shared id counter; one process so far. Returns 0 or -errno. */
int workers_init(struct workers *w);

/* Forks n - 1 workers (n <= WORKERS_MAX). Returns 0 in the first process (w->pid
 * filled), 1 in a worker (w->index set; it dies with the first process), or -errno
 * (the workers already forked are stopped). */
int workers_fork(struct workers *w, int n);

/* The next accept id, never 0 (0 marks a free slot). */
uint32_t workers_next_id(struct workers *w);

/* In the first process, after SIGCHLD: reaps the workers that ended. Returns the pid of
 * one that ended (its wait status in *status), or 0 when none did. */
pid_t workers_reap(struct workers *w, int *status);

/* In the first process: SIGTERM to every worker, then waits for each. */
void workers_stop(struct workers *w);

/* Unmaps the counter. */
void workers_free(struct workers *w);

#endif
