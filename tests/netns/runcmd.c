/* runcmd: the finwait binary run as a user runs it (see runcmd.h). */
#include "runcmd.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

char finwait[4096];
char tmpdir[] = "/tmp/fwtest-cmd-XXXXXX";

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

pid_t start_cmd(const char *tag, const char *const *argv)
{
	char out[4200], err[4200];
	pid_t pid;

	snprintf(out, sizeof(out), "%s/%s.out", tmpdir, tag);
	snprintf(err, sizeof(err), "%s/%s.err", tmpdir, tag);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* Starts finwait with args (NULL-terminated, after "finwait"). */
pid_t start(const char *tag, const char *const *args)
{
	const char *argv[32] = { finwait };
	size_t n = 1;

	for (; args[n - 1]; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	return start_cmd(tag, argv);
}

int finish(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

int run(const char *tag, const char *const *args)
{
	return finish(start(tag, args));
}

char *output(const char *tag, const char *ext)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s.%s", tmpdir, tag, ext);
	return slurp(path);
}

int runcmd_setup(void **state)
{
	const char *b = getenv("FINWAIT_BUILD_DIR");

	(void)state;
	if (geteuid() != 0 && access("/proc/self/ns/user", F_OK)) {
		fprintf(stderr, "no namespaces here\n");
		exit(77);
	}
	snprintf(finwait, sizeof(finwait), "%s/harness/finwait", b ? b : ".");
	if (access(finwait, X_OK)) {
		fprintf(stderr, "%s not built\n", finwait);
		return -1;
	}
	return mkdtemp(tmpdir) ? 0 : -1;
}

int runcmd_teardown(void **state)
{
	char cmd[200];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

