/* report_out: where the report files go, for every writer (table, JSON, JUnit, CSV,
 * HTML) and every command that writes them (`finwait run`, `finwait merge`). Checks the
 * paths before anything runs, and writes each file whole or not at all: into a
 * temporary file in the same folder, renamed into place at the end, so that a symlink
 * at the final name is replaced, never followed, and a reader never sees half a file. */
#ifndef FINWAIT_REPORT_OUT_H
#define FINWAIT_REPORT_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* One report file: the option that asked for it, its path ("-": stdout) and its
 * writer, which writes the data given to report_out_write() (a struct report for
 * report.h's writers, the merged document for `finwait merge`) and returns 0 or
 * -errno. */
struct report_out {
	const char *option;	/* "--json", named in every message */
	const char *path;	/* NULL: not asked for */
	int (*write)(const void *data, FILE *f);
};

/* Refuses, before anything runs, what could not be written at the end: an empty path,
 * a folder that does not exist or where no file can be created, a path that is a
 * folder, the same file for two reports (however spelled), more than one "-". Entries
 * with a NULL path are skipped. Returns 0, or -EINVAL/-errno with err naming the
 * option (err->file) and the path. */
int report_out_check(const struct report_out *outs, size_t n, struct fw_err *err);

/* true when one of outs writes to stdout: the human output then goes to stderr. */
bool report_out_stdout(const struct report_out *outs, size_t n);

/* Writes one report: "-" to stdout, else into a new file beside the path, renamed over
 * it once complete (an existing file or symlink at the path is replaced; on failure
 * the path is left as it was). The file gets mode 0666 less the umask. Returns 0 or
 * -errno with err naming the option and the path. */
int report_out_write(const struct report_out *o, const void *data, struct fw_err *err);

/* Writes every entry with a path, going on after a failure; returns 0 or the first
 * -errno, with each failure passed to on_err (may be NULL) as it happens. */
int report_out_write_all(const struct report_out *outs, size_t n, const void *data,
			 void (*on_err)(const struct fw_err *err));

#endif
