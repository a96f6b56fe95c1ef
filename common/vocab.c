#include "vocab.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define NAMES(var, pub, ...)                                                      \
	static const char *const var##_v[] = { __VA_ARGS__ };                     \
	const struct fw_names var = { var##_v, ARRAY_SIZE(var##_v), pub }

NAMES(fw_family_names, 2, [FW_IPV4] = "ipv4", [FW_IPV6] = "ipv6");
NAMES(fw_program_names, 2, [FW_PROG_BUILTIN] = "builtin", [FW_PROG_COMMAND] = "command");
NAMES(fw_mode_names, 2, [FW_MODE_RAW] = "raw", [FW_MODE_HTTP] = "http");
/* "linger" is written "linger:DUR" (fw_close_parse); its bare name is never accepted. */
NAMES(fw_close_names, 5, [FW_CLOSE_CLOSE] = "close", [FW_CLOSE_SHUTDOWN] = "shutdown",
      [FW_CLOSE_LINGER0] = "linger0", [FW_CLOSE_LINGER] = "linger",
      [FW_CLOSE_NONE] = "none");
NAMES(fw_point_names, 4, [FW_AT_CONNECT] = "after-connect",
      [FW_AT_REQUEST] = "after-request", [FW_AT_RESPONSE] = "after-response",
      [FW_AT_FIN] = "after-fin");
NAMES(fw_fault_names, 6, [FW_FAULT_NONE] = "none", [FW_FAULT_CRASH] = "crash",
      [FW_FAULT_FREEZE] = "freeze", [FW_FAULT_HANG] = "hang", [FW_FAULT_VANISH] = "vanish",
      [FW_FAULT_REBOOT] = "reboot", [FW_FAULT_WAIT] = "wait");
NAMES(fw_mb_fault_names, 4, [FW_MB_NONE] = "none", [FW_MB_BLACKHOLE] = "blackhole",
      [FW_MB_IDLE] = "idle-timeout", [FW_MB_IDLE_RESET] = "idle-timeout-reset");
NAMES(fw_direction_names, 3, [FW_DIR_BOTH] = "both", [FW_DIR_TO_SERVER] = "to-server",
      [FW_DIR_TO_CLIENT] = "to-client");

int fw_name_lookup(const struct fw_names *t, const char *s, bool public_only)
{
	size_t n = public_only ? t->public : t->n;

	for (size_t i = 0; s && i < n; i++)
		if (t->names[i] && !strcmp(s, t->names[i]))
			return (int)i;
	return -EINVAL;
}

const char *fw_name(const struct fw_names *t, int v)
{
	return v >= 0 && (size_t)v < t->n && t->names[v] ? t->names[v] : "?";
}

char *fw_names_list(const struct fw_names *t, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < t->public && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " | " : "", t->names[i]);
	return buf;
}

enum fw_actor fw_fault_actor(enum fw_fault f)
{
	switch (f) {
	case FW_FAULT_VANISH:
	case FW_FAULT_REBOOT:
	case FW_FAULT_WAIT:
		return FW_ACTOR_ORCHESTRATOR;
	default:
		return FW_ACTOR_CLIENT;
	}
}
