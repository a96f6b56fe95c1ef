/* err: the project's one error convention. A function that can fail returns 0 or -errno
 * and, when it has something to say, fills a struct fw_err: where the problem is (a
 * file and line, a command-line option, or a component such as "lab") and a one-line
 * message without the program's name. Only the command-line layer prints it. */
#ifndef FINWAIT_ERR_H
#define FINWAIT_ERR_H

#include <stddef.h>

struct fw_err {
	char file[256];	/* file, "--set", "--matrix", "<builtin:NAME>", or a component */
	int line;	/* 0 when there is no line */
	char msg[256];
};

/* Writes "file:line: msg", "file: msg" (line 0) or "msg" (no file) to buf; returns buf. */
char *fw_err_format(const struct fw_err *err, char *buf, size_t len);

/* Fills err (when not NULL) and returns ret, so that `return fw_err_set(...)` reads as
 * the failure it reports. ret is a negative errno. */
__attribute__((format(printf, 5, 6)))
int fw_err_set(struct fw_err *err, int ret, const char *file, int line, const char *fmt, ...);

#endif
