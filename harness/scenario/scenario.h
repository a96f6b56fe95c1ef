/* scenario: scenario files (INI) and their matrix. Owns parsing and validation (every
 * error names file:line), --set / --matrix overrides, the cartesian expansion into cells,
 * the report's flat params and the built-in default scenarios. The keys themselves, their
 * types, ranges and defaults, are the rows of common/schema.h. Pure: no kernel, no
 * processes.
 *   scenario.c  keys and sysctls, overrides, copies, validation, flat params
 *   ini.c       the INI reader: files and strings into a scenario
 *   matrix.c    matrix axes and their expansion into cells
 *   builtin.c   the built-in default scenarios */
#ifndef FINWAIT_SCENARIO_H
#define FINWAIT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "schema.h"

/* Most cells a matrix may expand to. */
#define SCEN_MAX_CELLS 4096

/* A scenario with every default (name "default"); NULL when out of memory. */
struct scenario *scenario_default_new(void);

/* Loads a scenario file and validates every key. A matrix is checked value by value;
 * its cells are checked when scenario_expand() makes them. Returns 0 and *out (free with
 * scenario_free), -EINVAL with err filled for a bad scenario, or -errno (err filled). */
int scenario_load(const char *path, struct scenario **out, struct fw_err *err);

/* Same as scenario_load for INI text held in memory; name is used in messages as
 * "<builtin:NAME>" and relative paths resolve against dir (NULL: "."). */
int scenario_load_string(const char *name, const char *text, const char *dir,
			 struct scenario **out, struct fw_err *err);

/* Same for len bytes at text, which may hold NUL bytes (refused, as in a file). */
int scenario_load_mem(const char *name, const char *text, size_t len, const char *dir,
		      struct scenario **out, struct fw_err *err);

/* Sets KEY (section.key, or a plain [scenario] key) to VALUE, validated as in a file;
 * errors name `where` (e.g. "--set"). A key that is also a matrix axis stops being one:
 * the value given here wins. Returns 0 or -EINVAL/-ENOMEM. */
int scenario_set(struct scenario *sc, const char *key, const char *value, const char *where,
		 struct fw_err *err);

/* Adds a matrix axis KEY = "V1,V2,..." (or replaces the values of an existing axis in
 * place); each value is validated. Returns 0 or -EINVAL/-ENOMEM. */
int scenario_add_axis(struct scenario *sc, const char *key, const char *values_csv,
		      const char *where, struct fw_err *err);

/* Checks the rules that span keys (program = command needs a command, ...) in a
 * scenario without axes (a cell). Returns 0, or -EINVAL with err naming the offending
 * key's location. */
int scenario_validate(const struct scenario *sc, struct fw_err *err);

/* Number of cells the matrix expands to (1 without axes); SIZE_MAX past SIZE_MAX. */
size_t scenario_cell_count(const struct scenario *sc);

/* Expands the matrix: *cells is an array of *n independent, validated scenarios without
 * axes, each with params set and named "NAME[short=v,...]"; the last axis varies fastest.
 * The one place where cells are made and checked. Free with scenario_free_cells.
 * Returns 0, -E2BIG (more than SCEN_MAX_CELLS), -EINVAL or -ENOMEM. */
int scenario_expand(const struct scenario *sc, struct scenario ***cells, size_t *n,
		    struct fw_err *err);

/* Deep copy; with_axes false leaves the copy without a matrix. NULL when out of memory. */
struct scenario *scenario_copy(const struct scenario *sc, bool with_axes);

/* Deep copy with the matrix (NULL when out of memory). */
struct scenario *scenario_dup(const struct scenario *sc);

/* Every effective setting as canonical "section.key" = value, in the schema's order
 * followed by the sysctls; for reports. Free with scen_kvlist_clear. Returns 0 or
 * -ENOMEM. */
int scenario_flatten(const struct scenario *sc, struct scen_kvlist *out);

/* The built-in default scenarios (the seed's story): *list of *n scenarios with their
 * matrices; free with scenario_free_cells. Returns 0 or -errno. */
int scenario_builtin(struct scenario ***list, size_t *n, struct fw_err *err);

/* The INI text of the built-in scenarios, NULL-terminated, for `finwait list`. */
extern const char *const scenario_builtin_text[];

void scenario_free(struct scenario *sc);
void scenario_free_cells(struct scenario **cells, size_t n);

/* Sets a key from a file (dup_is_error: a second setting from the same file is an
 * error) or an override; errors at file:line. Returns 0, -EINVAL or -ENOMEM. */
int scen_set_key(struct scenario *sc, const char *key, const char *value, const char *file,
		 int line, bool dup_is_error, struct fw_err *err);

/* Adds or replaces a matrix axis from a file (dup_is_error: the same axis twice in one
 * file is an error) or an override; each value is checked on a scratch scenario, errors
 * at file:line. Returns 0, -EINVAL or -ENOMEM. */
int scen_add_axis(struct scenario *sc, const char *key, const char *csv, const char *file,
		  int line, bool dup_is_error, struct fw_err *err);

/* Fills err for a rule broken by key a (an enum fw_key_id), or by b together with it:
 * at a's file:line when a was set, else at b's (a default has no line), else at the
 * scenario's name (the [scenario] section, where defaults are overridden), else at the
 * scenario's file. Returns -EINVAL. */
__attribute__((format(printf, 5, 6)))
int scen_fail_at(const struct scenario *sc, int a, int b, struct fw_err *err,
		 const char *fmt, ...);

/* "limit" -> "scenario.limit"; sysctl keys as they are. Returns 0, or -EINVAL with err
 * (message only) for an unknown key. */
int scen_canonical_key(const char *key, char *out, size_t len, struct fw_err *err);

/* Appends key = value (copied) to a list. Returns 0 or -ENOMEM. */
int scen_kvlist_add(struct scen_kvlist *l, const char *key, const char *value,
		    const char *file, int line);
/* The value of key in l, or NULL. */
const char *scen_kvlist_get(const struct scen_kvlist *l, const char *key);
void scen_kvlist_clear(struct scen_kvlist *l);

#endif
