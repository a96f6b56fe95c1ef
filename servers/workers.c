/* workers: see workers.h. */
#include "workers.h"

#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int workers_needed(long conns, long per)
{
	long n;

	if (per <= 0)
		return 0;
	n = conns <= 0 ? 1 : (conns + per - 1) / per;
	return n > WORKERS_MAX ? 0 : (int)n;
}

int workers_init(struct workers *w)
{
	void *p = mmap(NULL, sizeof(*w->next_id), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	w->n = 1;
	w->index = 0;
	if (p == MAP_FAILED) {
		w->next_id = NULL;
		return -errno;
	}
	w->next_id = p;
	*w->next_id = 0;
	return 0;
}

int workers_fork(struct workers *w, int n)
{
	pid_t first = getpid();

	for (int i = 1; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			int err = -errno;

			workers_stop(w);
			return err;
		}
		if (pid == 0) {
			/* Dies with the first process; and if that already happened, now. */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != first)
				_exit(0);
			w->index = i;
			w->n = n;
			return 1;
		}
		w->pid[w->n++ - 1] = pid;
	}
	return 0;
}

uint32_t workers_next_id(struct workers *w)
{
	uint32_t id;

	if (!w->next_id)
		return 0;
	do
		id = __atomic_add_fetch(w->next_id, 1, __ATOMIC_RELAXED);
	while (id == 0);
	return id;
}

pid_t workers_reap(struct workers *w, int *status)
{
	for (int i = 0; i < w->n - 1; i++) {
		if (w->pid[i] <= 0 || waitpid(w->pid[i], status, WNOHANG) != w->pid[i])
			continue;
		pid_t pid = w->pid[i];

		w->pid[i] = 0;
		return pid;
	}
	return 0;
}

void workers_stop(struct workers *w)
{
	if (w->index != 0)
		return;
	for (int i = 0; i < w->n - 1; i++)
		if (w->pid[i] > 0)
			kill(w->pid[i], SIGTERM);
	for (int i = 0; i < w->n - 1; i++) {
		while (w->pid[i] > 0 && waitpid(w->pid[i], NULL, 0) < 0 && errno == EINTR)
			;
		w->pid[i] = 0;
	}
}

void workers_free(struct workers *w)
{
	if (w->next_id)
		munmap(w->next_id, sizeof(*w->next_id));
	w->next_id = NULL;
}
