/* What `finwait run` leaves behind when its server daemonizes: nothing. A server command
 * double-forks a setsid daemon that writes into the cell's folder; finwait is then
 * SIGKILLed (FINWAIT_SIGKILL_TRIALS trials, default 3) or sent SIGHUP mid-cell, or the
 * run passes while a helper keeps writing into the folder. Afterwards no process of the
 * cell, no process in its namespaces and no folder may remain. Also: an endpoint's
 * wrong t= on its point line neither ends a cell early nor stretches its limit, and
 * --keep keeps (and names) the namespaces and the folder, or is refused without root. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

static char finwait[4096], server[4096];
static char tmpdir[] = "/tmp/fwtest-clean-XXXXXX";
static char cells[4200];	/* finwait's TMPDIR: where the cells' folders go */

static void write_text(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(close(fd), 0);
}

/* Starts `finwait run ARGS...` with TMPDIR=cells and the NAME=VALUE strings of env (NULL:
 * none), in a user namespace of its own when userns (no mapping: not root); stdout and
 * stderr go to tmpdir/TAG.out and .err. */
static pid_t start_run(const char *tag, const char *const *env, bool userns,
		       const char *const *args)
{
	const char *argv[16] = { finwait, "run" };
	char out[4300];
	size_t n = 2;
	pid_t pid;

	for (; args[n - 2]; n++)
		argv[n] = args[n - 2];
	argv[n] = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("TMPDIR", cells, 1);
		for (; env && *env; env++)
			putenv((char *)*env);
		if (userns && unshare(CLONE_NEWUSER))
			_exit(126);
		setpgid(0, 0); /* as a shell starts a job: not in the test's process group */
		snprintf(out, sizeof(out), "%s/%s.out", tmpdir, tag);
		dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 1);
		snprintf(out, sizeof(out), "%s/%s.err", tmpdir, tag);
		dup2(open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644), 2);
		execv(finwait, (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Waits at most timeout_s for pid (a child) through a pidfd; returns its wait status,
 * or -1 after SIGKILLing and reaping it when it did not end in time. */
static int wait_child(pid_t pid, int timeout_s)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0), status;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	bool ended;

	assert_true(fd >= 0);
	ended = poll(&p, 1, timeout_s * 1000) == 1;
	close(fd);
	if (!ended)
		kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return ended ? status : -1;
}

/* The pids (up to max) of processes whose command line holds tag. */
static int pids_with(const char *tag, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[4096];
		ssize_t len;
		int fd;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", e->d_name);
		if ((fd = open(path, O_RDONLY)) < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		for (ssize_t i = 0; i < len; i++)
			buf[i] = buf[i] ? buf[i] : ' ';
		if (len > 0 && (buf[len] = '\0', strstr(buf, tag)) && atoi(e->d_name) != getpid()) {
			if (n < max)
				out[n] = atoi(e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

/* How many processes are in the namespace whose /proc/PID/ns/<kind> inode is ino. */
static int procs_in_ns(const char *kind, ino_t ino)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300];
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%s/ns/%s", e->d_name, kind);
		n += e->d_name[0] >= '1' && e->d_name[0] <= '9' && !stat(path, &st) &&
		     st.st_ino == ino;
	}
	closedir(d);
	return n;
}

/* Entries in the cells' folder (the cells' own folders). */
static int cell_dirs(char *first, size_t len)
{
	DIR *d = opendir(cells);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && n++ == 0 && first)
			snprintf(first, len, "%s/%s", cells, e->d_name);
	closedir(d);
	return n;
}

/* Writes the server commands (scenario lines are short): `daemonize TAG DIR ADDR:PORT`
 * double-forks a setsid daemon (its command line holds TAG) that appends to
 * DIR/daemon.log every 20 ms, then execs finwait-server; `busy DIR ADDR:PORT` leaves a
 * helper rewriting eight files in DIR as fast as a shell can; `pgkill ADDR:PORT` runs
 * finwait-server and, told to stop, signals its whole process group (as apache2's
 * prefork MPM does). */
static void write_servers(void)
{
	char path[4300], text[8192];

	snprintf(path, sizeof(path), "%s/daemonize", tmpdir);
	snprintf(text, sizeof(text), "#!/bin/sh\n(setsid sh -c 'while :; do echo x >> \"$1\"/"
		 "daemon.log; sleep 0.02; done' \"$1\" \"$2\" </dev/null >/dev/null 2>&1 &)\n"
		 "exec %s --listen \"$3\"\n", server);
	write_text(path, text, 0755);
	snprintf(path, sizeof(path), "%s/pgkill", tmpdir);
	snprintf(text, sizeof(text), "#!/bin/sh\ntrap 'trap - TERM; kill -TERM 0' TERM\n"
		 "%s --listen \"$1\" &\nwait\n", server);
	write_text(path, text, 0755);
	snprintf(path, sizeof(path), "%s/busy", tmpdir);
	snprintf(text, sizeof(text), "#!/bin/sh\n(while :; do for i in 1 2 3 4 5 6 7 8; do "
		 "echo x > \"$1\"/f$i; done; done) &\nexec %s --listen \"$2\"\n", server);
	write_text(path, text, 0755);
}

/* Writes tmpdir/FILE.ini: a scenario named name whose server is tmpdir/COMMAND (a
 * script of write_servers()), with client (and more sections) after [client]. */
static const char *command_scenario(const char *file, const char *name, const char *limit,
				    const char *command, const char *client)
{
	static char path[4300];
	char text[8192];

	snprintf(text, sizeof(text),
		 "[scenario]\nname = %s\nconnections = 2\nlimit = %s\n\n[server]\n"
		 "program = command\ncommand = %s/%s\n\n[client]\n%s\n", name, limit, tmpdir,
		 command, client);
	snprintf(path, sizeof(path), "%s/%s.ini", tmpdir, file);
	write_text(path, text, 0644);
	return path;
}

/* A scenario whose server is `daemonize TAG`; its file is not named after tag: finwait's
 * own command line must not hold it. */
static const char *daemon_scenario(const char *tag, const char *client)
{
	char command[128];

	snprintf(command, sizeof(command), "daemonize %s {dir} {addr}:{port}", tag);
	return command_scenario("daemon", tag, "30s", command, client);
}

/* The client of a passing cell: frozen after the FIN, tcp_fin_timeout 1 s. */
#define FROZEN_CLIENT "fault = freeze\nat = after-fin\n\n[sysctl]\nnet.ipv4.tcp_fin_timeout = 1"

struct daemon {
	pid_t pid;
	int pidfd;
	ino_t netns, pidns;
	int netns_fd, pidns_fd;	/* held, so that their inode numbers are not reused */
	char dir[4600];
};

/* Waits (20 s at most) until the daemon tagged tag runs and has written into its
 * cell's folder; records its namespaces. */
static void find_daemon(const char *tag, struct daemon *dm)
{
	int64_t deadline = mono_ns() + 20 * NSEC_PER_SEC;
	char log[4700] = "";
	struct stat st;

	while (mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * NSEC_PER_MSEC };

		if (pids_with(tag, &dm->pid, 1) == 1 && cell_dirs(dm->dir, sizeof(dm->dir)) == 1 &&
		    (snprintf(log, sizeof(log), "%s/daemon.log", dm->dir), !stat(log, &st)))
			break;
		nanosleep(&ts, NULL);
	}
	assert_int_equal(stat(log, &st), 0);
	dm->pidfd = (int)syscall(SYS_pidfd_open, dm->pid, 0);
	assert_true(dm->pidfd >= 0);
	snprintf(log, sizeof(log), "/proc/%d/ns/net", (int)dm->pid);
	assert_true((dm->netns_fd = open(log, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(fstat(dm->netns_fd, &st), 0);
	dm->netns = st.st_ino;
	snprintf(log, sizeof(log), "/proc/%d/ns/pid", (int)dm->pid);
	assert_true((dm->pidns_fd = open(log, O_RDONLY | O_CLOEXEC)) >= 0);
	assert_int_equal(fstat(dm->pidns_fd, &st), 0);
	dm->pidns = st.st_ino;
}

/* Nothing of the cell is left: the daemon ended (waited for up to wait_s: after a
 * SIGKILL the cleanup outlives finwait), no process is in its namespaces, no folder. */
static void assert_nothing_left(const char *tag, struct daemon *dm, int wait_s)
{
	struct pollfd p = { .fd = dm->pidfd, .events = POLLIN };
	int64_t deadline = mono_ns() + wait_s * NSEC_PER_SEC;
	pid_t left;

	assert_int_equal(poll(&p, 1, wait_s * 1000), 1);
	close(dm->pidfd);
	while (cell_dirs(NULL, 0) && mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * NSEC_PER_MSEC };

		nanosleep(&ts, NULL);
	}
	assert_int_equal(cell_dirs(NULL, 0), 0);
	assert_int_equal(pids_with(tag, &left, 1), 0);
	assert_int_equal(procs_in_ns("net", dm->netns), 0);
	assert_int_equal(procs_in_ns("pid", dm->pidns), 0);
	close(dm->netns_fd);
	close(dm->pidns_fd);
}

static void test_sigkill_daemon_leaves_nothing(void **state)
{
	const char *env = getenv("FINWAIT_SIGKILL_TRIALS");
	int trials = env ? atoi(env) : 3;
	(void)state;

	for (int i = 0; i < trials; i++) {
		char tag[64];
		struct daemon dm;
		struct timespec ts = { 0, (i * 37 % 300) * NSEC_PER_MSEC };
		const char *args[] = { NULL, NULL };
		pid_t pid;

		snprintf(tag, sizeof(tag), "fwdaemon-kill-%d-%d", (int)getpid(), i);
		args[0] = daemon_scenario(tag, "fault = hang\nat = after-connect");
		pid = start_run(tag, NULL, false, args);
		find_daemon(tag, &dm);
		nanosleep(&ts, NULL); /* a different moment of the cell in each trial */
		assert_int_equal(kill(pid, SIGKILL), 0);
		assert_int_equal(wait_child(pid, 5), SIGKILL);
		assert_nothing_left(tag, &dm, 5);
		printf("SIGKILL trial %d: nothing left\n", i + 1);
	}
}

/* SIGHUP (a closed terminal) is SIGTERM: the run is torn down and exits 130, and by
 * then nothing is left. */
static void test_sighup_like_sigterm(void **state)
{
	char tag[64];
	struct daemon dm;
	const char *args[] = { NULL, NULL };
	int status;
	pid_t pid;
	(void)state;

	snprintf(tag, sizeof(tag), "fwdaemon-hup-%d", (int)getpid());
	args[0] = daemon_scenario(tag, "fault = hang\nat = after-connect");
	pid = start_run(tag, NULL, false, args);
	find_daemon(tag, &dm);
	assert_int_equal(kill(pid, SIGHUP), 0);
	status = wait_child(pid, 10);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 130);
	assert_nothing_left(tag, &dm, 0);
}

/* A passing run whose server left a helper creating files in the folder (as fast as a
 * shell can): the folder must still be gone when finwait exits. Removed before the
 * helper was killed, it was left behind, recreated entries and all. */
static void test_pass_removes_busy_folder(void **state)
{
	const char *args[] = { "--quiet", NULL, NULL };
	(void)state;

	args[1] = command_scenario("busy", "busy-folder", "4s", "busy {dir} {addr}:{port}",
				   FROZEN_CLIENT);
	for (int i = 0; i < 2; i++) {
		int status = wait_child(start_run("busy", NULL, false, args), 30);

		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
		assert_int_equal(cell_dirs(NULL, 0), 0);
	}
}

/* A server that signals its process group when it stops reaches only its own: finwait
 * (its own process group leader here, as under a shell) runs on and passes. */
static void test_server_signals_its_group(void **state)
{
	const char *args[] = { "--quiet", NULL, NULL };
	int status;
	(void)state;

	args[1] = command_scenario("pgkill", "pgkill", "4s", "pgkill {addr}:{port}",
				   FROZEN_CLIENT);
	status = wait_child(start_run("pgkill", NULL, false, args), 30);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* A client that reports its point with a wrong t=: far in the past (the cell ended at
 * once) or far in the future (the limit never came). finwait holds the time to what it
 * saw itself, so the cell samples for its 1 s limit from the point, and no longer. */
static void test_point_time_clamped(void **state)
{
	static const char *const lies[] = { "FWTEST_T=1", "FWTEST_T=9000000000000000000" };
	char client[4300], scen[4300], env[4400];
	const char *args[] = { "--quiet", "--set", "limit=1s", "--set", "connections=1", scen,
			       NULL };
	(void)state;

	snprintf(client, sizeof(client), "%s/lying-client", tmpdir);
	write_text(client, "#!/bin/bash\n# connects, then reports its point at t=$FWTEST_T\n"
		   "while [ $# -gt 0 ]; do [ \"$1\" = --connect ] && c=$2; shift; done\n"
		   "exec 5<>/dev/tcp/${c%:*}/${c##*:} || exit 3\n"
		   "echo \"point t=$FWTEST_T at=after-connect n=1 failed=0\" >&3\n"
		   "exec sleep 1000\n", 0755);
	snprintf(scen, sizeof(scen), "%s/lie.ini", tmpdir);
	write_text(scen, "[scenario]\nname = lie\n\n[client]\nfault = hang\nat = after-connect\n",
		   0644);
	snprintf(env, sizeof(env), "FINWAIT_CLIENT=%s", client);
	for (size_t i = 0; i < ARRAY_SIZE(lies); i++) {
		const char *envs[] = { env, lies[i], NULL };
		int64_t t0 = mono_ns(), took;
		int status = wait_child(start_run("lie", envs, false, args), 20);

		took = mono_ns() - t0;
		printf("%s: exit %d after %.3f s\n", lies[i], WEXITSTATUS(status), ns_to_s(took));
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1); /* judged: no internal error */
		assert_true(took >= NSEC_PER_SEC);
		assert_true(took < 10 * NSEC_PER_SEC);
	}
}

/* --keep names the namespaces in /run/netns and keeps the folder, and says so; without
 * root (here: an unprivileged user namespace) it is refused before anything runs. */
static void test_keep(void **state)
{
	char tag[64], path[4300], want[128], *text, dir[4600] = "", *p;
	const char *args[] = { "--quiet", "--keep", NULL, NULL };
	int status, deleted = 0;
	pid_t pid;
	FILE *f;
	(void)state;

	snprintf(tag, sizeof(tag), "fwdaemon-keep-%d", (int)getpid());
	args[2] = daemon_scenario(tag, FROZEN_CLIENT);
	pid = start_run("keep", NULL, false, args);
	status = wait_child(pid, 60);
	/* The one cell's names, removed first so that a failure leaves none behind. */
	for (const char *side = "srv\0cli\0"; *side; side += 4) {
		snprintf(path, sizeof(path), "ip netns del finwait-%d-0-%s", (int)pid, side);
		deleted += system(path) == 0;
	}
	assert_true(WIFEXITED(status));
	assert_int_equal(deleted, 2);
	snprintf(path, sizeof(path), "%s/keep.err", tmpdir);
	assert_non_null(f = fopen(path, "r"));
	text = calloc(1, 8192);
	assert_true(fread(text, 1, 8191, f) > 0);
	fclose(f);
	snprintf(want, sizeof(want), "/run/netns/finwait-%d-0-srv", (int)pid);
	assert_non_null(strstr(text, want));
	assert_non_null(p = strstr(text, "folder "));
	sscanf(p + 7, "%4599s", dir);
	free(text);
	assert_int_equal(cell_dirs(NULL, 0), 1);
	assert_int_equal(access(dir, F_OK), 0);
	assert_int_equal(rm_tree(dir), 0);
	assert_int_equal(pids_with(tag, &pid, 1), 0);

	/* Unmapped in a new user namespace: not root, no capability in the host's. */
	status = wait_child(start_run("keep-user", NULL, true, args), 30);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 2);
	assert_int_equal(cell_dirs(NULL, 0), 0);
}

static int setup(void **state)
{
	const char *b = getenv("FINWAIT_BUILD_DIR");
	(void)state;

	if (geteuid() != 0) {
		fprintf(stderr, "needs root (kills, /run/netns)\n");
		exit(77);
	}
	snprintf(finwait, sizeof(finwait), "%s/harness/finwait", b ? b : ".");
	snprintf(server, sizeof(server), "%s/servers/finwait-server", b ? b : ".");
	if (access(finwait, X_OK) || access(server, X_OK)) {
		fprintf(stderr, "%s or %s not built\n", finwait, server);
		return -1;
	}
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(cells, sizeof(cells), "%s/cells", tmpdir);
	write_servers();
	return mkdir(cells, 0755);
}

static int teardown(void **state)
{
	(void)state;
	return rm_tree(tmpdir) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_daemon_leaves_nothing),
		cmocka_unit_test(test_sighup_like_sigterm),
		cmocka_unit_test(test_pass_removes_busy_folder),
		cmocka_unit_test(test_server_signals_its_group),
		cmocka_unit_test(test_point_time_clamped),
		cmocka_unit_test(test_keep),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
