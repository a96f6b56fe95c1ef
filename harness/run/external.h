/* external: running a user's server binary (program = command) in a cell: argv splitting,
 * {addr} {port} {dir} substitution, the per-cell folder and its configuration template. */
#ifndef FINWAIT_EXTERNAL_H
#define FINWAIT_EXTERNAL_H

#include <stddef.h>

struct ext_vars {
	const char *addr;	/* server address, as text (IPv6 without brackets) */
	const char *port;
	const char *dir;	/* the cell's temporary folder */
	const char *connections;	/* a client command's {connections}; NULL: kept */
};

/* Replaces {addr}, {port}, {dir} and {connections} (each given) in tmpl. Other text, including other braces, is kept.
 * Returns a malloc'd string (caller frees) or NULL on allocation failure. Pure. */
char *ext_fill(const char *tmpl, const struct ext_vars *v);

/* Splits a command line into argv, shell-like: words separated by blanks, 'single' and
 * "double" quotes group, backslash escapes the next character outside single quotes.
 * Placeholders are filled in each word after splitting, so a value with spaces stays one
 * argument. Returns 0 and a NULL-terminated malloc'd vector (free with ext_argv_free),
 * -EINVAL for an unterminated quote or an empty command, -ENOMEM. Pure. */
int ext_split(const char *cmdline, const struct ext_vars *v, char ***argv);
void ext_argv_free(char **argv);

/* Makes the cell's folder (mkdtemp under $TMPDIR or /tmp, "finwait-<name>-XXXXXX"),
 * writes <dir>/<basename of template> with the placeholders filled (minus a trailing
 * ".in"), when template_path is not NULL. Returns 0 and *dir (malloc'd) or -errno. */
int ext_prepare_dir(const char *template_path, const struct ext_vars *v_without_dir,
		    char **dir);

/* The path of the server's configuration template (server.config, which must be set):
 * as written when absolute, else relative to the scenario file's folder. Returns buf. */
struct scenario;
char *ext_config_path(const struct scenario *sc, char *buf, size_t len);

#endif
