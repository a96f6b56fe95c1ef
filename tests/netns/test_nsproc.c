/* Namespace test for nsproc.c, the fault on a client command's processes: a shell in a
 * network namespace and a PID namespace of its own forks two children; nsproc freezes all
 * three (SIGSTOP, as `ps` shows them stopped), leaves alone a process of the same network
 * namespace outside that PID namespace, lets them go on (SIGCONT), then kills them
 * (crash): a walk after the shell is reaped finds nothing left. `ps -o netns,pidns,stat`
 * is the independent witness. Needs root (else exits 77). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nsproc.h"
#include "pidns.h"
#include "proc.h"

static int netns_fd = -1;

static unsigned long ino_of(int fd)
{
	struct stat st;

	assert_int_equal(fstat(fd, &st), 0);
	return (unsigned long)st.st_ino;
}

/* Processes `ps` shows in network namespace net (and PID namespace pid, unless 0) whose
 * state starts with st (any live one when st is 0; zombies never count). */
static int ps_count(unsigned long net, unsigned long pid, char st)
{
	FILE *f = popen("ps -e -o netns=,pidns=,stat=", "r");
	unsigned long n, p;
	char line[128], s[16];
	int count = 0;

	assert_non_null(f);
	/* a process whose namespaces ps cannot read shows "-": skipped */
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lu %lu %15s", &n, &p, s) == 3 && n == net && (!pid || p == pid) && s[0] != 'Z' && (!st || s[0] == st))
			count++;
	pclose(f);
	return count;
}

/* Waits (at most 5 s) until ps_count() is want. */
static int ps_wait(unsigned long net, unsigned long pid, char st, int want)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };
	int n = -1;

	for (int i = 0; i < 500 && (n = ps_count(net, pid, st)) != want; i++)
		nanosleep(&ms10, NULL);
	return n;
}

static void test_freeze_then_crash(void **state)
{
	char *sh[] = { "sh", "-c", "sleep 30 & sleep 30 & echo ready; wait", NULL };
	char *outsider[] = { "sleep", "30", NULL };
	struct proc p = { 0, -1 }, o = { 0, -1 };
	struct pidns ns;
	unsigned long net = ino_of(netns_fd), pid;
	int pfd[2], status;
	size_t n;
	char buf[16] = "";

	(void)state;
	pidns_init(&ns);
	assert_int_equal(pidns_open(&ns, false), 0);
	pid = ino_of(pidns_fd(&ns));
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	struct proc_io io = { PROC_DEVNULL, pfd[1], PROC_INHERIT, -1, -1 };
	assert_int_equal(proc_spawn(&p, netns_fd, pidns_fd(&ns), sh, &io), 0);
	close(pfd[1]);
	assert_true(read(pfd[0], buf, sizeof(buf) - 1) > 0);	/* both children forked */
	close(pfd[0]);
	assert_string_equal(buf, "ready\n");
	assert_int_equal(proc_spawn(&o, netns_fd, -1, outsider, NULL), 0);
	assert_int_equal(ps_count(net, 0, 0), 4);

	/* freeze: the three of the PID namespace, not the outsider */
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGSTOP, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ps_wait(net, pid, 'T', 3), 3);
	assert_int_equal(ps_count(net, 0, 'T'), 3);
	/* again: already stopped, counted, nothing new */
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGSTOP, &n), 0);
	assert_int_equal(n, 3);
	/* and they go on */
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGCONT, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ps_wait(net, pid, 'T', 0), 0);
	assert_int_equal(ps_count(net, pid, 0), 3);

	/* crash: every one of them, stopped or not */
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGSTOP, &n), 0);
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGKILL, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(proc_wait(&p, 5 * 1000000000LL, &status), 0);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_int_equal(ps_wait(net, pid, 0, 0), 0);
	assert_int_equal(nsproc_signal(NULL, netns_fd, pidns_fd(&ns), SIGKILL, &n), 0);
	assert_int_equal(n, 0);
	/* the outsider was never touched */
	assert_int_equal(ps_count(net, 0, 'S'), 1);
	proc_reap(&o);
	assert_int_equal(pidns_close(&ns), 0);
}

static void test_stat_state(void **state)
{
	(void)state;
	assert_int_equal(nsproc_stat_state("12 (sleep) S 1 12"), 'S');
	assert_int_equal(nsproc_stat_state("12 (a) b) T 1 12"), 'T');
	assert_int_equal(nsproc_stat_state("12 (a"), '?');
	assert_int_equal(nsproc_stat_state("12 (a)"), '?');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_state),
		cmocka_unit_test(test_freeze_then_crash),
	};
	int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (geteuid() != 0 || self < 0 || unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_nsproc: needs root (a network namespace)\n");
		return 77;
	}
	netns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_fd < 0 || setns(self, CLONE_NEWNET) < 0)
		return 3;
	close(self);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
