/* runcmd: the finwait binary run as a user runs it, for the command tests (test_run.c,
 * test_cli.c): stdout and stderr of each run kept in a temporary folder under a tag. */
#ifndef FINWAIT_TESTS_RUNCMD_H
#define FINWAIT_TESTS_RUNCMD_H

#include <sys/types.h>

/* The binary (build/harness/finwait) and the folder for this test's files. */
extern char finwait[4096];
extern char tmpdir[];

/* cmocka's group setup: finds the binary ($FINWAIT_BUILD_DIR) and makes tmpdir; exits
 * 77 where no namespace can be made. Returns 0 or -1. */
int runcmd_setup(void **state);

/* cmocka's group teardown: removes tmpdir. Returns 0 or -1. */
int runcmd_teardown(void **state);

/* The whole file as a string (free it), NULL when it cannot be read. */
char *slurp(const char *path);

/* Writes text to path (a failed test when it cannot). */
void write_file(const char *path, const char *text);

/* Starts finwait with args (NULL-terminated, after "finwait"), stdout and stderr to
 * tmpdir/TAG.out and TAG.err. Returns the pid. */
pid_t start(const char *tag, const char *const *args);

/* Starts argv (argv[0] looked up in PATH), stdout and stderr to tmpdir/TAG.out and
 * TAG.err. Returns the pid. */
pid_t start_cmd(const char *tag, const char *const *argv);

/* Waits for pid, which must exit (not be killed); returns its exit code. */
int finish(pid_t pid);

/* start() then finish(). */
int run(const char *tag, const char *const *args);

/* What the run TAG printed: ext "out" or "err" (free it). */
char *output(const char *tag, const char *ext);

#endif
