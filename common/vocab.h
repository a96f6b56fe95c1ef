/* vocab: the one vocabulary of finwait. Every name a scenario, finwait-server or
 * finwait-client accepts for an address family, a server program, a protocol mode, a
 * close style, a fault point or a fault is spelled here, once, with which side performs
 * each fault. Pure. */
#ifndef FINWAIT_VOCAB_H
#define FINWAIT_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

enum fw_family { FW_IPV4, FW_IPV6 };
enum fw_program { FW_PROG_BUILTIN, FW_PROG_COMMAND };
enum fw_mode { FW_MODE_RAW, FW_MODE_HTTP };

/* How the server ends a connection. FW_CLOSE_LINGER is SO_LINGER {1, linger_s} then
 * close(); "linger:0" is FW_CLOSE_LINGER0 (an RST instead of a FIN). */
enum fw_close_kind {
	FW_CLOSE_CLOSE,		/* close(): the socket becomes an orphan */
	FW_CLOSE_SHUTDOWN,	/* shutdown(SHUT_WR), the descriptor stays open */
	FW_CLOSE_LINGER0,	/* SO_LINGER {1, 0} then close() */
	FW_CLOSE_LINGER,	/* SO_LINGER {1, linger_s} then close() */
	FW_CLOSE_NONE,		/* never close: the peer closes first */
};

struct fw_close {
	enum fw_close_kind kind;
	int linger_s;		/* FW_CLOSE_LINGER only */
};

/* Where in the close the client's fault strikes. At after-request the client has sent its
 * request and never reads again: its receive window fills with the response. */
enum fw_point { FW_AT_CONNECT, FW_AT_REQUEST, FW_AT_RESPONSE, FW_AT_FIN };

enum fw_fault {
	FW_FAULT_NONE,		/* close normally at the point */
	FW_FAULT_CRASH,		/* SIGKILL: the client's kernel closes its sockets */
	FW_FAULT_FREEZE,	/* SIGSTOP: the client's kernel keeps ACKing */
	FW_FAULT_HANG,		/* alive, never closes */
	FW_FAULT_VANISH,	/* the client's link goes down: nothing answers */
	FW_FAULT_REBOOT,	/* vanish, the client's connections are destroyed, link back */
	FW_FAULT_WAIT,		/* finwait-client only: stay as hang while finwait acts */
};

/* What a middlebox between the client and the server does ([middlebox] fault). */
enum fw_mb_fault {
	FW_MB_NONE,		/* routes every packet */
	FW_MB_BLACKHOLE,	/* drops every packet from `at` on, in `direction` */
	FW_MB_IDLE,		/* forgets a flow idle for idle_timeout; drops what follows */
	FW_MB_IDLE_RESET,	/* the same, answering what follows with a reset */
};

/* Which packets a middlebox blackhole drops. */
enum fw_mb_dir { FW_DIR_BOTH, FW_DIR_TO_SERVER, FW_DIR_TO_CLIENT };

/* Who performs a fault: the client process itself, or finwait on the client's host. */
enum fw_actor { FW_ACTOR_CLIENT, FW_ACTOR_ORCHESTRATOR };

/* A set of names for the values 0..n-1 of an enum. The first `public` names are what
 * scenarios accept; the rest only the endpoints' command lines. */
struct fw_names {
	const char *const *names;
	size_t n;
	size_t public;
};

extern const struct fw_names fw_family_names, fw_program_names, fw_mode_names,
	fw_close_names, fw_point_names, fw_fault_names, fw_mb_fault_names, fw_direction_names;

/* The value of name s in set t, counting only the public names when public_only.
 * Returns the value, or -EINVAL. */
int fw_name_lookup(const struct fw_names *t, const char *s, bool public_only);

/* The name of value v in t, or "?" out of range. */
const char *fw_name(const struct fw_names *t, int v);

/* Writes "a | b | c" (the public names) into buf; returns buf. */
char *fw_names_list(const struct fw_names *t, char *buf, size_t len);

enum fw_actor fw_fault_actor(enum fw_fault f);

static inline const char *fw_family_name(enum fw_family v) { return fw_name(&fw_family_names, v); }
static inline const char *fw_mode_name(enum fw_mode v) { return fw_name(&fw_mode_names, v); }
static inline const char *fw_point_name(enum fw_point v) { return fw_name(&fw_point_names, v); }
static inline const char *fw_fault_name(enum fw_fault v) { return fw_name(&fw_fault_names, v); }

#endif
