/* load: what `finwait run` is asked to run, turned into checked cells. Owns finding
 * scenarios (files, shipped ones, the built-in default) and the programs, applying the
 * command line's overrides, expanding each matrix (once), and refusing up front what a
 * cell could not run (sysctls that are not per namespace, too many connections, a limit
 * shorter than the expectation, a server command that does not split). Prints nothing:
 * errors come back in a struct fw_err. */
#ifndef FINWAIT_LOAD_H
#define FINWAIT_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "model.h"
#include "scenario.h"

/* One KEY=VALUE of the command line, split at the first '=' and trimmed. */
struct load_kv {
	const char *where;	/* the option, named in errors: "--set", "--interval", ... */
	char *key;		/* a malloc'd copy of the text; value points into it */
	char *value;
};

/* Splits text ("KEY=VALUE") into *kv, naming `where`. Returns 0, -EINVAL (no '=') or
 * -ENOMEM. Free kv->key. */
int load_kv_parse(const char *text, const char *where, struct load_kv *kv);

struct load_req {
	char *const *scenarios;		/* paths, shipped or built-in names; none: the
					 * built-in default */
	size_t n_scenarios;
	bool blank;			/* no scenario: one of the schema's defaults, named
					 * "blank" (--blank); n_scenarios is then 0 */
	const struct load_kv *sets;	/* scenario_set(), in order (--set, --interval) */
	size_t n_sets;
	const struct load_kv *axes;	/* scenario_add_axis(), in order, after the sets */
	size_t n_axes;
};

/* Loads, overrides, expands and checks every cell. Returns 0 and *cells (*n of them;
 * free with scenario_free_cells), or -errno with err filled: -ENOMEM, or
 * -ENOTRECOVERABLE when the built-in scenarios do not load (a bug), are internal errors;
 * any other (-EINVAL, -ENOENT, -E2BIG, -EPERM...) is a bad request. */
int load_cells(const struct load_req *req, const struct model_env *menv,
	       struct scenario ***cells, size_t *n, struct fw_err *err);

/* Checks every sysctl of every cell against a probe cell of lab (made here, destroyed
 * before returning; nothing is written): the key must exist in a lab namespace of that
 * side and be writable there, and a congestion control must be available. Returns 0,
 * -EINVAL (bad input: err names the key's file:line or option), or -errno of building
 * the probe (err from cell_create(); lab_err_is_skip() tells when the lab cannot be
 * built here). */
struct lab;
int load_probe(struct lab *lab, struct scenario *const *cells, size_t n,
	       struct fw_err *err);

/* tcp_child_ehash_entries for lab_open(): enough buckets that every connection of the
 * largest cell can hold a FIN_WAIT2 minisocket. */
unsigned load_ehash_for(struct scenario *const *cells, size_t n);

/* Writes into buf the program to run for finwait-server or finwait-client (`name`):
 * $<env> when set, else next to this program in the build tree (../<sub>/<name>), else
 * beside it, else the bare name (looked up in PATH). */
void load_find_program(const char *env, const char *sub, const char *name, char *buf,
		       size_t len);

#endif
