/* scenario: the scenario file (INI) and its matrix. Owns parsing, validation (every error
 * names file:line), --set / --matrix overrides, the cartesian expansion into cells and
 * the built-in default scenarios. Pure: no kernel, no processes. */
#ifndef FINWAIT_SCENARIO_H
#define FINWAIT_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"


enum scen_family { SCEN_IPV4, SCEN_IPV6 };
enum scen_program { SCEN_PROG_BUILTIN, SCEN_PROG_COMMAND };
enum scen_mode { SCEN_MODE_RAW, SCEN_MODE_HTTP };
/* SCEN_CLOSE_LINGER is SO_LINGER {1, linger_ns}; "linger:0" is stored as LINGER0. */
enum scen_close { SCEN_CLOSE_CLOSE, SCEN_CLOSE_SHUTDOWN, SCEN_CLOSE_LINGER0,
		  SCEN_CLOSE_LINGER, SCEN_CLOSE_NONE };
enum scen_fault { SCEN_FAULT_NONE, SCEN_FAULT_CRASH, SCEN_FAULT_FREEZE, SCEN_FAULT_HANG,
		  SCEN_FAULT_VANISH, SCEN_FAULT_REBOOT };
enum scen_at { SCEN_AT_AFTER_CONNECT, SCEN_AT_AFTER_RESPONSE, SCEN_AT_AFTER_FIN };
/* [expect] fin_wait2: model | forever | none | DUR (= 0..DUR) | MIN..MAX */
enum scen_expect { SCEN_EXPECT_MODEL, SCEN_EXPECT_FOREVER, SCEN_EXPECT_NONE,
		   SCEN_EXPECT_RANGE };

/* Names of the enum values as written in scenario files ("after-fin", "vanish"...). */
const char *scen_close_name(enum scen_close c);
const char *scen_fault_name(enum scen_fault f);
const char *scen_at_name(enum scen_at a);
const char *scen_mode_name(enum scen_mode m);

/* Presence bits of struct scen_server.has: unset and 0 differ. */
#define HAS_PORT (1u << 0)
#define HAS_KEEPIDLE (1u << 1)
#define HAS_KEEPINTVL (1u << 2)
#define HAS_KEEPCNT (1u << 3)
#define HAS_LINGER2 (1u << 4)
#define HAS_USER_TIMEOUT (1u << 5)

/* One key = value with where it was set: sysctls, cell parameters. */
struct scen_kv {
	char *key;
	char *value;
	char *file;	/* file, "--set", "--matrix", "<default>" */
	int line;
};

struct scen_kvlist {
	struct scen_kv *v;
	size_t n;
};

/* A matrix axis: a key (canonical, "sysctl.net.ipv4.tcp_fin_timeout") and its values. */
struct scen_axis {
	char *key;
	char **values;
	size_t n;
	char *file;
	int line;
};

/* Number of scalar keys (scenario.*, server.*, client.*, expect.*); internal. */
#define SCEN_NKEYS 32

struct scen_server {
	enum scen_program program;
	char *command;		/* argv template for program = command; NULL when unset */
	char *config;		/* template file, resolved against scenario->dir; NULL unset */
	enum scen_mode mode;
	unsigned has;		/* HAS_* */
	int port;		/* 1..65535 when HAS_PORT */
	enum scen_close close;
	int linger_s;		/* SO_LINGER l_linger for SCEN_CLOSE_LINGER (whole seconds) */
	int64_t close_after_ns;
	bool keepalive;
	int keepidle_s, keepintvl_s, keepcnt;	/* TCP_KEEPIDLE/INTVL (s), TCP_KEEPCNT */
	int linger2_s;		/* TCP_LINGER2 in seconds; -1 = no FIN_WAIT2 */
	int64_t user_timeout_ns;	/* TCP_USER_TIMEOUT (whole milliseconds) */
};

struct scen_client {
	enum scen_fault fault;
	enum scen_at at;
	enum scen_mode mode;
};

struct scenario {
	char *file;		/* where it was loaded from ("<builtin:NAME>" for strings) */
	char *dir;		/* folder of file, for server.config; "." for strings */
	char *name;
	char *description;	/* "" when unset */
	long connections;	/* 1..100000 */
	int64_t limit_ns;
	int64_t interval_ns;
	enum scen_family family;
	struct scen_server server;
	struct scen_client client;
	struct scen_kvlist sysctl;		/* server namespace, file order */
	struct scen_kvlist client_sysctl;	/* client namespace, file order */
	enum scen_expect expect;
	int64_t expect_min_ns, expect_max_ns;	/* SCEN_EXPECT_RANGE */
	struct scen_axis *axes;	/* the matrix, in file order then --matrix order */
	size_t n_axes;
	struct scen_kvlist params;	/* a cell's axis values, in axis order (empty otherwise) */
	/* private: where each scalar key was last set (file NULL: default), for duplicate
	 * and cross-key errors */
	struct { char *file; int line; } loc[SCEN_NKEYS];
};

/* Most cells a matrix may expand to. */
#define SCEN_MAX_CELLS 4096

/* A scenario with every default (name "default"); NULL when out of memory. */
struct scenario *scenario_default_new(void);

/* Loads and fully validates a scenario file. Returns 0 and *out (free with
 * scenario_free), -EINVAL with err filled for a bad scenario, or -errno (err filled). */
int scenario_load(const char *path, struct scenario **out, struct fw_err *err);

/* Same as scenario_load for INI text held in memory; name is used in messages as
 * "<builtin:NAME>" and relative paths resolve against dir (NULL: "."). */
int scenario_load_string(const char *name, const char *text, const char *dir,
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

/* Checks rules that span keys (e.g. program = command needs command), in every cell
 * when there is a matrix. Returns 0, -EINVAL with err naming the offending key's
 * location, or -E2BIG for too many cells. */
int scenario_validate(const struct scenario *sc, struct fw_err *err);

/* Number of cells the matrix expands to (1 without axes); SIZE_MAX past SIZE_MAX. */
size_t scenario_cell_count(const struct scenario *sc);

/* Expands the matrix: *cells is an array of *n independent, validated scenarios without
 * axes, each with params set and named "NAME[short=v,...]"; the last axis varies fastest.
 * Free with scenario_free_cells. Returns 0, -E2BIG (more than SCEN_MAX_CELLS), -EINVAL. */
int scenario_expand(const struct scenario *sc, struct scenario ***cells, size_t *n,
		    struct fw_err *err);

/* Deep copy (NULL when out of memory). */
struct scenario *scenario_dup(const struct scenario *sc);

/* Every effective setting as canonical "section.key" = value, in a fixed order followed
 * by the sysctls; for reports. Free with scen_kvlist_clear. Returns 0 or -ENOMEM. */
int scenario_flatten(const struct scenario *sc, struct scen_kvlist *out);

/* The built-in default scenarios (the seed's story): *list of *n scenarios with their
 * matrices; free with scenario_free_cells. Returns 0 or -errno. */
int scenario_builtin(struct scenario ***list, size_t *n, struct fw_err *err);

/* The INI text of the built-in scenarios, NULL-terminated, for `finwait list`. */
extern const char *const scenario_builtin_text[];

void scenario_free(struct scenario *sc);
void scenario_free_cells(struct scenario **cells, size_t n);

/* Appends key = value (copied) to a list. Returns 0 or -ENOMEM. */
int scen_kvlist_add(struct scen_kvlist *l, const char *key, const char *value,
		    const char *file, int line);
/* The value of key in l, or NULL. */
const char *scen_kvlist_get(const struct scen_kvlist *l, const char *key);
void scen_kvlist_clear(struct scen_kvlist *l);

#endif
