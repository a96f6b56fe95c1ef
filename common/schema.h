/* schema: every scenario key, once. One row a key (section, name, type, range, default,
 * presence bit, whether a matrix may vary it, the endpoint option it maps to, the socket
 * option it sets, one line of help), and the data those keys fill: the scenario, and its
 * [server] and [client] parts, which finwait-server and finwait-client parse their own
 * command lines into with the same rows. The scenario parser, its messages, defaults, the
 * report's params, the endpoints' command lines and `finwait keys` all iterate fw_keys[].
 * Pure. */
#ifndef FINWAIT_SCHEMA_H
#define FINWAIT_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vocab.h"

/* Presence bits of struct fw_server_cfg.has: unset and 0 differ. */
#define FW_HAS_PORT (1u << 0)
#define FW_HAS_KEEPALIVE (1u << 1)
#define FW_HAS_KEEPIDLE (1u << 2)
#define FW_HAS_KEEPINTVL (1u << 3)
#define FW_HAS_KEEPCNT (1u << 4)
#define FW_HAS_LINGER2 (1u << 5)
#define FW_HAS_USER_TIMEOUT (1u << 6)
#define FW_HAS_SNDBUF (1u << 7)

/* The largest server.response_size: 16 MiB (the server keeps one copy of the response). */
#define FW_RESPONSE_MAX (16L * 1024 * 1024)

/* [server]: what the server is and what it does with each connection. */
struct fw_server_cfg {
	enum fw_program program;
	char *command;		/* argv template for program = command; NULL when unset */
	char *config;		/* template file, resolved against the scenario's folder */
	enum fw_mode mode;
	unsigned has;		/* FW_HAS_* */
	long port;		/* 1..65535 when FW_HAS_PORT */
	struct fw_close close;
	int64_t close_after_ns;
	long response_size;	/* bytes of each response's body */
	bool keepalive;		/* SO_KEEPALIVE */
	int keepidle_s, keepintvl_s;	/* TCP_KEEPIDLE, TCP_KEEPINTVL */
	long keepcnt;		/* TCP_KEEPCNT */
	int linger2_s;		/* TCP_LINGER2; -1: no FIN_WAIT2 */
	int user_timeout_ms;	/* TCP_USER_TIMEOUT */
	long sndbuf;		/* SO_SNDBUF, bytes asked (the kernel doubles it) */
};

/* Instances of a client command a cell runs at most (one a connection, unless the command
 * takes {connections}). */
#define FW_CLIENT_INSTANCES_MAX 32

/* [client]: what the client does, and where its fault strikes. */
struct fw_client_cfg {
	enum fw_fault fault;
	enum fw_point at;
	enum fw_mode mode;
	enum fw_program program;	/* finwait-client, or a command finwait faults itself */
	char *command;		/* argv template for program = command; NULL when unset */
};

/* [middlebox]: a router namespace between the client and the server (when fault is not
 * none or loss is above 0), and what it does. */
struct fw_middlebox_cfg {
	enum fw_mb_fault fault;
	enum fw_point at;	/* blackhole: from the client's point (the same as client.at) */
	enum fw_mb_dir direction;
	int idle_timeout_s;	/* idle-timeout*: every TCP state's conntrack timeout */
	long loss_pct;		/* random loss in both directions, 0..100 */
};

/* [expect] STATE: model | forever | none | any | DUR (= 0..DUR) | MIN..MAX */
enum fw_expect_kind { FW_EXPECT_MODEL, FW_EXPECT_FOREVER, FW_EXPECT_NONE, FW_EXPECT_RANGE,
		      FW_EXPECT_ANY /* "any": not judged */ };

struct fw_expect {
	enum fw_expect_kind kind;
	int64_t min_ns, max_ns;	/* FW_EXPECT_RANGE */
};

/* The [expect] keys besides fin_wait2: the server's other close states, and the part of
 * FIN_WAIT2 an application held the socket (the application's part). */
enum fw_expect_state {
	FW_ES_FIN_WAIT1, FW_ES_TIME_WAIT, FW_ES_CLOSE_WAIT, FW_ES_LAST_ACK, FW_ES_HELD,
	FW_ES_COUNT
};

/* Every scalar key, in the order of fw_keys[] (the order of the report's params). */
enum fw_key_id {
	FW_K_NAME, FW_K_DESCRIPTION, FW_K_CONNECTIONS, FW_K_LIMIT, FW_K_INTERVAL, FW_K_FAMILY,
	FW_K_RATE, FW_K_DURATION,
	FW_K_PROGRAM, FW_K_COMMAND, FW_K_CONFIG, FW_K_SMODE, FW_K_PORT, FW_K_CLOSE,
	FW_K_CLOSE_AFTER, FW_K_RESPONSE_SIZE, FW_K_KEEPALIVE, FW_K_KEEPIDLE, FW_K_KEEPINTVL,
	FW_K_KEEPCNT,
	FW_K_LINGER2, FW_K_USER_TIMEOUT, FW_K_SNDBUF,
	FW_K_FAULT, FW_K_AT, FW_K_CMODE, FW_K_CPROGRAM, FW_K_CCOMMAND,
	FW_K_MB_FAULT, FW_K_MB_AT, FW_K_MB_DIRECTION, FW_K_MB_IDLE_TIMEOUT, FW_K_MB_LOSS,
	FW_K_EXPECT_FW2, FW_K_EXPECT_FW1, FW_K_EXPECT_TW, FW_K_EXPECT_CW, FW_K_EXPECT_LA,
	FW_K_EXPECT_HELD,
	FW_K_COUNT
};

/* One key = value with where it was set: sysctls, a cell's parameters. */
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

/* A scenario, or one cell of its matrix. */
struct scenario {
	char *file;		/* where it was loaded from ("<builtin:NAME>" for strings) */
	char *dir;		/* folder of file, for server.config; "." for strings */
	/* [scenario] */
	char *name;
	char *description;	/* "" when unset */
	long connections;
	int64_t limit_ns;
	int64_t interval_ns;
	enum fw_family family;
	long rate;		/* connections a second, 0: all at once */
	int64_t duration_ns;	/* over which they arrive, with rate */
	struct fw_server_cfg server;
	struct fw_client_cfg client;
	struct fw_middlebox_cfg mb;	/* [middlebox] */
	struct fw_expect expect;	/* [expect] fin_wait2 */
	struct fw_expect expects[FW_ES_COUNT];	/* the other [expect] keys */
	struct scen_kvlist sysctl;		/* [sysctl]: the server's namespace, file order */
	struct scen_kvlist client_sysctl;	/* [client.sysctl] */
	struct scen_axis *axes;	/* the matrix, in file order then --matrix order */
	size_t n_axes;
	struct scen_kvlist params;	/* a cell's axis values, in axis order (else empty) */
	/* where each key was last set (file NULL: its default), for duplicate and
	 * cross-key errors */
	struct { char *file; int line; } loc[FW_K_COUNT];
};

/* Value types. Ranges (lo, hi) are in the type's unit. */
enum fw_type {
	FW_T_NAME,	/* char *: 1-64 of [A-Za-z0-9._-] */
	FW_T_TEXT,	/* char *: anything; empty is unset */
	FW_T_COMMAND,	/* char *: an argv template with {addr} {port} {dir} */
	FW_T_PATH,	/* char *: a file, relative to the scenario's folder */
	FW_T_INT,	/* long, lo..hi */
	FW_T_DURATION,	/* int64_t ns, lo..hi ns */
	FW_T_SECONDS,	/* int whole seconds, lo..hi (lo -1: -1 is allowed too) */
	FW_T_MSEC,	/* int whole milliseconds, lo..hi */
	FW_T_BOOL,	/* bool: on | off (also yes/no, true/false, 1/0) */
	FW_T_ENUM,	/* int: one of names */
	FW_T_CLOSE,	/* struct fw_close: a name, or linger:DUR in seconds lo..hi */
	FW_T_EXPECT,	/* struct fw_expect */
	FW_T_RATE,	/* long per second, lo..hi, written N/s; 0 is unset */
	FW_T_PERCENT,	/* long: a whole percentage lo..hi, written "P%" (or "P") */
};

/* Which struct a key's field is in: struct scenario, struct fw_server_cfg or
 * struct fw_client_cfg. */
enum fw_scope { FW_SCOPE_SCENARIO, FW_SCOPE_SERVER, FW_SCOPE_CLIENT };

struct fw_key {
	const char *section, *name;
	enum fw_type type;
	enum fw_scope scope;
	size_t off;		/* of the field in its scope's struct */
	unsigned has;		/* presence bit (FW_HAS_*); 0: the key always has a value */
	int64_t lo, hi;
	const struct fw_names *names;	/* FW_T_ENUM */
	const char *dflt;	/* default as text; NULL: unset. FW_T_ENUM: unused */
	int dval;		/* FW_T_ENUM: the default value (its name is in names) */
	bool matrix;		/* may be a matrix axis */
	bool plain;		/* FW_T_SECONDS written as a bare number ("2", not "2s") */
	const char *opt;	/* the endpoint's long option (scope server or client) */
	int level, optname;	/* setsockopt(level, optname) on every connection (server) */
	const char *help;
};

extern const struct fw_key fw_keys[FW_K_COUNT];

/* The sections of a scenario file, with what each holds, NULL-terminated. */
extern const struct fw_section {
	const char *name;
	const char *help;
} fw_sections[];

/* The row of "section.name", or of a bare name in [scenario]; NULL when there is none. */
const struct fw_key *fw_key_find(const char *key);

/* The row whose endpoint option is opt, in scope; NULL when there is none. */
const struct fw_key *fw_key_by_opt(enum fw_scope scope, const char *opt);

/* Flags of fw_key_set. */
#define FW_SET_ENDPOINT (1u << 0)	/* also the names only the endpoints accept */

/* Sets k's field in base (the struct of k's scope) from text; an empty text unsets a key
 * with a presence bit (and empties a string). has: the presence word of base (NULL in
 * scopes without one). Returns 0, -ENOMEM, or -EINVAL with err->msg saying what was
 * expected (err->file and line are left to the caller). */
int fw_key_set(const struct fw_key *k, void *base, unsigned *has, const char *text,
	       unsigned flags, struct fw_err *err);

/* Writes k's value as the text that sets it; returns false (buf "") when unset. */
bool fw_key_format(const struct fw_key *k, const void *base, unsigned has, char *buf,
		   size_t len);

/* The value of an integer-like key (int, seconds, milliseconds, bool, enum) as the int a
 * socket option takes. */
int fw_key_int(const struct fw_key *k, const void *base);

/* What k accepts, e.g. "whole seconds, 1s..32767s"; returns buf. */
char *fw_key_hint(const struct fw_key *k, char *buf, size_t len);

/* k's default as text (NULL when unset): dflt, or for an enum the name of dval. */
const char *fw_key_default(const struct fw_key *k);

/* The type's name for `finwait keys` ("duration", "seconds", ...). */
const char *fw_type_name(enum fw_type t);

/* The field of k and the presence word in a scenario. */
void *fw_key_field_base(const struct fw_key *k, struct scenario *sc, unsigned **has);

/* Sets every key of scope in base to its default (with_optional false: only the keys
 * without a presence bit, as the endpoints start). Returns 0 or -ENOMEM. */
int fw_keys_defaults(enum fw_scope scope, void *base, unsigned *has, bool with_optional);

/* Frees the strings of scope's keys in base. */
void fw_keys_free(enum fw_scope scope, void *base);

/* Sets the string pointers of scope's keys in base to NULL without freeing them: after a
 * shallow copy, before fw_keys_dup. */
void fw_keys_forget(enum fw_scope scope, void *base);

/* Copies the strings of scope's keys from src to dst (the rest is copied by the caller).
 * Returns 0 or -ENOMEM (dst's strings then NULL or copied: free with fw_keys_free). */
int fw_keys_dup(enum fw_scope scope, void *dst, const void *src);

#endif
