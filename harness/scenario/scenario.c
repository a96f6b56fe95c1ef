#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Scalar keys, in the order scenario_flatten reports them. */
enum key_id {
	K_NAME, K_DESCRIPTION, K_CONNECTIONS, K_LIMIT, K_INTERVAL, K_FAMILY,
	K_PROGRAM, K_COMMAND, K_CONFIG, K_SMODE, K_PORT, K_CLOSE, K_CLOSE_AFTER, K_KEEPALIVE,
	K_KEEPIDLE, K_KEEPINTVL, K_KEEPCNT, K_LINGER2, K_USER_TIMEOUT,
	K_FAULT, K_AT, K_CMODE,
	K_EXPECT_FW2,
	K_COUNT
};

static const struct key_def {
	const char *section;
	const char *name;
	bool matrix_ok;		/* may be a matrix axis */
} keys[K_COUNT] = {
	[K_NAME] = { "scenario", "name", false },
	[K_DESCRIPTION] = { "scenario", "description", false },
	[K_CONNECTIONS] = { "scenario", "connections", true },
	[K_LIMIT] = { "scenario", "limit", true },
	[K_INTERVAL] = { "scenario", "interval", true },
	[K_FAMILY] = { "scenario", "family", true },
	[K_PROGRAM] = { "server", "program", true },
	[K_COMMAND] = { "server", "command", true },
	[K_CONFIG] = { "server", "config", true },
	[K_SMODE] = { "server", "mode", true },
	[K_PORT] = { "server", "port", true },
	[K_CLOSE] = { "server", "close", true },
	[K_CLOSE_AFTER] = { "server", "close_after", true },
	[K_KEEPALIVE] = { "server", "keepalive", true },
	[K_KEEPIDLE] = { "server", "keepidle", true },
	[K_KEEPINTVL] = { "server", "keepintvl", true },
	[K_KEEPCNT] = { "server", "keepcnt", true },
	[K_LINGER2] = { "server", "linger2", true },
	[K_USER_TIMEOUT] = { "server", "user_timeout", true },
	[K_FAULT] = { "client", "fault", true },
	[K_AT] = { "client", "at", true },
	[K_CMODE] = { "client", "mode", true },
	[K_EXPECT_FW2] = { "expect", "fin_wait2", true },
};

_Static_assert(K_COUNT <= SCEN_NKEYS, "SCEN_NKEYS too small");

static const char *const family_names[] = { "ipv4", "ipv6", NULL };
static const char *const program_names[] = { "builtin", "command", NULL };
static const char *const mode_names[] = { "raw", "http", NULL };
static const char *const close_names[] = { "close", "shutdown", "linger0", "linger", "none",
					   NULL };
static const char *const fault_names[] = { "none", "crash", "freeze", "hang", "vanish",
					   "reboot", NULL };
static const char *const at_names[] = { "after-connect", "after-response", "after-fin",
					NULL };

const char *scen_close_name(enum scen_close c) { return close_names[c]; }
const char *scen_fault_name(enum scen_fault f) { return fault_names[f]; }
const char *scen_at_name(enum scen_at a) { return at_names[a]; }
const char *scen_mode_name(enum scen_mode m) { return mode_names[m]; }

/* Kernel limits of the per-socket keepalive options (include/net/tcp.h). */
#define MAX_KEEPIDLE 32767
#define MAX_KEEPINTVL 32767
#define MAX_KEEPCNT 127

__attribute__((format(printf, 4, 5)))
static int set_err(struct fw_err *err, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int oom(struct fw_err *err, const char *file)
{
	set_err(err, file, 0, "out of memory");
	return -ENOMEM;
}

/* ---- key/value lists ---- */

int scen_kvlist_add(struct scen_kvlist *l, const char *key, const char *value,
		    const char *file, int line)
{
	struct scen_kv *v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v = &l->v[l->n];
	v->key = strdup(key);
	v->value = strdup(value);
	v->file = strdup(file ? file : "<default>");
	v->line = line;
	if (!v->key || !v->value || !v->file) {
		free(v->key);
		free(v->value);
		free(v->file);
		return -ENOMEM;
	}
	l->n++;
	return 0;
}

static struct scen_kv *kvlist_find(const struct scen_kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].key, key))
			return &l->v[i];
	return NULL;
}

const char *scen_kvlist_get(const struct scen_kvlist *l, const char *key)
{
	struct scen_kv *kv = kvlist_find(l, key);

	return kv ? kv->value : NULL;
}

void scen_kvlist_clear(struct scen_kvlist *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].key);
		free(l->v[i].value);
		free(l->v[i].file);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int kvlist_copy(struct scen_kvlist *dst, const struct scen_kvlist *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (scen_kvlist_add(dst, src->v[i].key, src->v[i].value, src->v[i].file,
				    src->v[i].line))
			return -ENOMEM;
	return 0;
}

/* ---- value parsers: each returns 0 or -EINVAL with msg filled ---- */

static int parse_enum(const char *v, const char *const *names, int *out)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static void enum_list(const char *const *names, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (int i = 0; names[i] && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? " | " : "", names[i]);
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "on", "yes", "true", "1", NULL };
	static const char *const no[] = { "off", "no", "false", "0", NULL };
	int i;

	if (!parse_enum(v, yes, &i))
		*out = true;
	else if (!parse_enum(v, no, &i))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

/* A duration that must be a whole number of `unit` nanoseconds in [lo, hi] units. */
static int parse_whole(const char *v, int64_t unit, int64_t lo, int64_t hi, int64_t *out)
{
	int64_t ns;

	if (dur_parse(v, &ns) || ns % unit)
		return -EINVAL;
	if (ns / unit < lo || ns / unit > hi)
		return -ERANGE;
	*out = ns / unit;
	return 0;
}

static bool name_ok(const char *v)
{
	if (!*v || strlen(v) > 64)
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

/* The expect.fin_wait2 syntax: model | forever | none | DUR | MIN..MAX. */
static int parse_expect(const char *v, struct scenario *sc)
{
	const char *dots = strstr(v, "..");
	int64_t a, b;

	if (!strcmp(v, "model")) {
		sc->expect = SCEN_EXPECT_MODEL;
		return 0;
	}
	if (!strcmp(v, "forever")) {
		sc->expect = SCEN_EXPECT_FOREVER;
		return 0;
	}
	if (!strcmp(v, "none")) {
		sc->expect = SCEN_EXPECT_NONE;
		return 0;
	}
	if (dots) {
		char lo[64];
		size_t n = (size_t)(dots - v);

		if (n >= sizeof(lo))
			return -EINVAL;
		memcpy(lo, v, n);
		lo[n] = '\0';
		if (dur_parse(lo, &a) || dur_parse(dots + 2, &b) || a > b)
			return -EINVAL;
	} else {
		a = 0;
		if (dur_parse(v, &b))
			return -EINVAL;
	}
	sc->expect = SCEN_EXPECT_RANGE;
	sc->expect_min_ns = a;
	sc->expect_max_ns = b;
	return 0;
}

static int replace_str(char **dst, const char *v)
{
	char *s = NULL;

	if (*v && !(s = strdup(v)))
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Sets one scalar key from its text. Returns 0, -ENOMEM, or -EINVAL with msg set. */
static int set_scalar(struct scenario *sc, enum key_id id, const char *v, char *msg,
		      size_t mlen)
{
	struct scen_server *s = &sc->server;
	char names[128];
	int64_t x, ns;
	long l;
	int e, r;

	switch (id) {
	case K_NAME:
		if (!name_ok(v)) {
			snprintf(msg, mlen, "bad name '%s' (1-64 letters, digits, '.', '_', '-')", v);
			return -EINVAL;
		}
		return replace_str(&sc->name, v);
	case K_DESCRIPTION:
		if (replace_str(&sc->description, v))
			return -ENOMEM;
		return 0;
	case K_CONNECTIONS:
		r = parse_long(v, 1, 100000, &l);
		if (r) {
			snprintf(msg, mlen, "bad connections '%s' (a whole number, 1..100000)", v);
			return -EINVAL;
		}
		sc->connections = l;
		return 0;
	case K_LIMIT:
	case K_INTERVAL:
	case K_CLOSE_AFTER:
		if (dur_parse(v, &ns) || (id != K_CLOSE_AFTER && ns == 0)) {
			snprintf(msg, mlen, "bad duration '%s' for %s (e.g. 500ms, 2s, 1m%s)", v,
				 keys[id].name, id != K_CLOSE_AFTER ? "; more than 0" : "");
			return -EINVAL;
		}
		if (id == K_LIMIT)
			sc->limit_ns = ns;
		else if (id == K_INTERVAL)
			sc->interval_ns = ns;
		else
			s->close_after_ns = ns;
		return 0;
	case K_FAMILY:
	case K_PROGRAM:
	case K_SMODE:
	case K_FAULT:
	case K_AT:
	case K_CMODE: {
		const char *const *t = id == K_FAMILY ? family_names :
				       id == K_PROGRAM ? program_names :
				       id == K_FAULT ? fault_names :
				       id == K_AT ? at_names : mode_names;
		if (parse_enum(v, t, &e)) {
			enum_list(t, names, sizeof(names));
			snprintf(msg, mlen, "bad value '%s' for %s (%s)", v, keys[id].name, names);
			return -EINVAL;
		}
		if (id == K_FAMILY)
			sc->family = (enum scen_family)e;
		else if (id == K_PROGRAM)
			s->program = (enum scen_program)e;
		else if (id == K_SMODE)
			s->mode = (enum scen_mode)e;
		else if (id == K_FAULT)
			sc->client.fault = (enum scen_fault)e;
		else if (id == K_AT)
			sc->client.at = (enum scen_at)e;
		else
			sc->client.mode = (enum scen_mode)e;
		return 0;
	}
	case K_COMMAND:
		return replace_str(&s->command, v);
	case K_CONFIG:
		return replace_str(&s->config, v);
	case K_PORT:
		if (!*v) {
			s->has &= ~HAS_PORT;
			return 0;
		}
		if (parse_long(v, 1, 65535, &l)) {
			snprintf(msg, mlen, "bad port '%s' (1..65535)", v);
			return -EINVAL;
		}
		s->port = (int)l;
		s->has |= HAS_PORT;
		return 0;
	case K_CLOSE:
		if (str_startswith(v, "linger:")) {
			/* SO_LINGER's l_linger is whole seconds. */
			if (parse_whole(v + 7, NSEC_PER_SEC, 0, 65535, &x)) {
				snprintf(msg, mlen, "bad linger time in '%s' (whole seconds, 0..65535s)",
					 v);
				return -EINVAL;
			}
			s->close = x ? SCEN_CLOSE_LINGER : SCEN_CLOSE_LINGER0;
			s->linger_s = (int)x;
			return 0;
		}
		if (parse_enum(v, close_names, &e) || e == SCEN_CLOSE_LINGER) {
			snprintf(msg, mlen, "bad value '%s' for close (close | shutdown | linger0 | "
					    "linger:DUR | none)", v);
			return -EINVAL;
		}
		s->close = (enum scen_close)e;
		s->linger_s = 0;
		return 0;
	case K_KEEPALIVE:
		if (parse_bool(v, &s->keepalive)) {
			snprintf(msg, mlen, "bad value '%s' for keepalive (on | off)", v);
			return -EINVAL;
		}
		return 0;
	case K_KEEPIDLE:
	case K_KEEPINTVL: {
		unsigned bit = id == K_KEEPIDLE ? HAS_KEEPIDLE : HAS_KEEPINTVL;
		if (!*v) {
			s->has &= ~bit;
			return 0;
		}
		/* TCP_KEEPIDLE / TCP_KEEPINTVL take whole seconds, 1..32767. */
		if (parse_whole(v, NSEC_PER_SEC, 1, id == K_KEEPIDLE ? MAX_KEEPIDLE : MAX_KEEPINTVL,
				&x)) {
			snprintf(msg, mlen, "bad %s '%s' (whole seconds, 1s..32767s)", keys[id].name, v);
			return -EINVAL;
		}
		if (id == K_KEEPIDLE)
			s->keepidle_s = (int)x;
		else
			s->keepintvl_s = (int)x;
		s->has |= bit;
		return 0;
	}
	case K_KEEPCNT:
		if (!*v) {
			s->has &= ~HAS_KEEPCNT;
			return 0;
		}
		if (parse_long(v, 1, MAX_KEEPCNT, &l)) {
			snprintf(msg, mlen, "bad keepcnt '%s' (a whole number, 1..127)", v);
			return -EINVAL;
		}
		s->keepcnt = (int)l;
		s->has |= HAS_KEEPCNT;
		return 0;
	case K_LINGER2:
		if (!*v) {
			s->has &= ~HAS_LINGER2;
			return 0;
		}
		if (!strcmp(v, "-1")) {
			x = -1;
		} else if (parse_whole(v, NSEC_PER_SEC, 0, 86400, &x)) {
			snprintf(msg, mlen, "bad linger2 '%s' (-1, or whole seconds 0..86400s)", v);
			return -EINVAL;
		}
		s->linger2_s = (int)x;
		s->has |= HAS_LINGER2;
		return 0;
	case K_USER_TIMEOUT:
		if (!*v) {
			s->has &= ~HAS_USER_TIMEOUT;
			return 0;
		}
		/* TCP_USER_TIMEOUT is an int of milliseconds. */
		if (parse_whole(v, NSEC_PER_MSEC, 0, INT_MAX, &x)) {
			snprintf(msg, mlen, "bad user_timeout '%s' (whole milliseconds, e.g. 1500ms)", v);
			return -EINVAL;
		}
		s->user_timeout_ns = x * NSEC_PER_MSEC;
		s->has |= HAS_USER_TIMEOUT;
		return 0;
	case K_EXPECT_FW2:
		if (parse_expect(v, sc)) {
			snprintf(msg, mlen, "bad value '%s' for fin_wait2 (model | forever | none | DUR | "
					    "MIN..MAX)", v);
			return -EINVAL;
		}
		return 0;
	case K_COUNT:
		break;
	}
	return -EINVAL;
}

/* ---- keys ---- */

enum key_kind { KEY_SCALAR, KEY_SYSCTL, KEY_CLIENT_SYSCTL, KEY_UNKNOWN };

/* Resolves "section.key" (or a plain [scenario] key) to a scalar id or a sysctl name.
 * *rest points at the sysctl name for the sysctl kinds. */
static enum key_kind resolve_key(const char *key, enum key_id *id, const char **rest)
{
	if (str_startswith(key, "sysctl.")) {
		*rest = key + 7;
		return KEY_SYSCTL;
	}
	if (str_startswith(key, "client.sysctl.")) {
		*rest = key + 14;
		return KEY_CLIENT_SYSCTL;
	}
	for (int i = 0; i < K_COUNT; i++) {
		size_t sl = strlen(keys[i].section);

		if ((!strncmp(key, keys[i].section, sl) && key[sl] == '.' &&
		     !strcmp(key + sl + 1, keys[i].name)) ||
		    (!strcmp(keys[i].section, "scenario") && !strcmp(key, keys[i].name))) {
			*id = (enum key_id)i;
			return KEY_SCALAR;
		}
	}
	return KEY_UNKNOWN;
}

static void unknown_key_msg(const char *key, char *msg, size_t mlen)
{
	static const char *const sections[] = { "scenario", "server", "client", "expect", NULL };
	const char *dot = strchr(key, '.');

	for (int i = 0; dot && sections[i]; i++)
		if ((size_t)(dot - key) == strlen(sections[i]) &&
		    !strncmp(key, sections[i], (size_t)(dot - key))) {
			snprintf(msg, mlen, "unknown key '%s' in [%s]", dot + 1, sections[i]);
			return;
		}
	snprintf(msg, mlen, "unknown key '%s'", key);
}

/* Only namespaced-looking names: net.* with dotted [A-Za-z0-9_-] components. Whether a
 * key really is per namespace is the lab's check, at run time. */
static bool sysctl_name_ok(const char *k)
{
	bool empty = true;

	if (!str_startswith(k, "net."))
		return false;
	for (const char *p = k; *p; p++) {
		if (*p == '.') {
			if (empty)
				return false;
			empty = true;
		} else if (isalnum((unsigned char)*p) || *p == '_' || *p == '-') {
			empty = false;
		} else {
			return false;
		}
	}
	return !empty;
}

/* The server sysctls the model reads must be numbers; everything else is the kernel's to
 * judge when the lab writes it. */
static int sysctl_value_ok(const char *k, const char *v, char *msg, size_t mlen)
{
	static const struct { const char *key; long max; } ints[] = {
		{ "net.ipv4.tcp_fin_timeout", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_time", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_intvl", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_probes", 255 },
	};
	long l;

	if (!*v) {
		snprintf(msg, mlen, "empty value for sysctl %s", k);
		return -EINVAL;
	}
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p)) {
			snprintf(msg, mlen, "control character in the value of %s", k);
			return -EINVAL;
		}
	for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
		if (!strcmp(k, ints[i].key) && parse_long(v, 0, ints[i].max, &l)) {
			snprintf(msg, mlen, "bad value '%s' for %s (a whole number, 0..%ld)", v, k,
				 ints[i].max);
			return -EINVAL;
		}
	return 0;
}

static int set_sysctl(struct scen_kvlist *l, const char *k, const char *v, const char *file,
		      int line, bool dup_is_error, char *msg, size_t mlen)
{
	struct scen_kv *kv;
	char *nv, *nf;

	if (!sysctl_name_ok(k)) {
		snprintf(msg, mlen, "bad sysctl name '%s' (net.* keys only, e.g. "
				    "net.ipv4.tcp_fin_timeout)", k);
		return -EINVAL;
	}
	if (sysctl_value_ok(k, v, msg, mlen))
		return -EINVAL;
	kv = kvlist_find(l, k);
	if (!kv)
		return scen_kvlist_add(l, k, v, file, line);
	if (dup_is_error && !strcmp(kv->file, file)) {
		snprintf(msg, mlen, "duplicate sysctl '%s' (first at line %d)", k, kv->line);
		return -EINVAL;
	}
	nv = strdup(v);
	nf = strdup(file);
	if (!nv || !nf) {
		free(nv);
		free(nf);
		return -ENOMEM;
	}
	free(kv->value);
	free(kv->file);
	kv->value = nv;
	kv->file = nf;
	kv->line = line;
	return 0;
}

/* Sets a canonical or plain key. dup_is_error: a second setting from the same file is an
 * error (file loading). Errors are reported at file:line. */
static int set_key(struct scenario *sc, const char *key, const char *value, const char *file,
		   int line, bool dup_is_error, struct fw_err *err)
{
	char msg[256] = "", *vcopy, *nf;
	const char *rest = NULL;
	enum key_id id = K_COUNT;
	int r;

	if (!(vcopy = strdup(value)))
		return oom(err, file);
	value = str_trim(vcopy);
	switch (resolve_key(key, &id, &rest)) {
	case KEY_SYSCTL:
	case KEY_CLIENT_SYSCTL:
		r = set_sysctl(str_startswith(key, "client.") ? &sc->client_sysctl : &sc->sysctl,
			       rest, value, file, line, dup_is_error, msg, sizeof(msg));
		break;
	case KEY_SCALAR:
		if (dup_is_error && sc->loc[id].file && !strcmp(sc->loc[id].file, file)) {
			snprintf(msg, sizeof(msg), "duplicate key '%s' in [%s] (first at line %d)",
				 keys[id].name, keys[id].section, sc->loc[id].line);
			r = -EINVAL;
			break;
		}
		r = set_scalar(sc, id, value, msg, sizeof(msg));
		if (r)
			break;
		if (!(nf = strdup(file))) {
			r = -ENOMEM;
			break;
		}
		free(sc->loc[id].file);
		sc->loc[id].file = nf;
		sc->loc[id].line = line;
		break;
	default:
		unknown_key_msg(key, msg, sizeof(msg));
		r = -EINVAL;
	}
	free(vcopy);
	if (r == -ENOMEM)
		return oom(err, file);
	if (r)
		return set_err(err, file, line, "%s", msg[0] ? msg : "bad value");
	return 0;
}

/* ---- matrix axes ---- */

static void axis_free_fields(struct scen_axis *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->values[i]);
	free(a->values);
	free(a->key);
	free(a->file);
}

/* The canonical name of a key ("limit" -> "scenario.limit"). */
static int canonical_key(const char *key, char *out, size_t len)
{
	enum key_id id;
	const char *rest;

	switch (resolve_key(key, &id, &rest)) {
	case KEY_SCALAR:
		snprintf(out, len, "%s.%s", keys[id].section, keys[id].name);
		return 0;
	case KEY_SYSCTL:
	case KEY_CLIENT_SYSCTL:
		snprintf(out, len, "%s", key);
		return 0;
	default:
		return -EINVAL;
	}
}

static int add_axis(struct scenario *sc, const char *key, const char *csv, const char *file,
		    int line, bool dup_is_error, struct fw_err *err)
{
	struct scen_axis ax = { 0 }, *slot = NULL;
	struct scenario *probe = NULL;
	char canon[256], *copy = NULL, *save = NULL, *tok;
	enum key_id id;
	const char *rest;
	int r = -EINVAL;

	if (canonical_key(key, canon, sizeof(canon))) {
		char msg[256];

		unknown_key_msg(key, msg, sizeof(msg));
		return set_err(err, file, line, "%s", msg);
	}
	if (resolve_key(key, &id, &rest) == KEY_SCALAR && !keys[id].matrix_ok)
		return set_err(err, file, line, "'%s' cannot be a matrix axis", canon);
	for (size_t i = 0; i < sc->n_axes; i++)
		if (!strcmp(sc->axes[i].key, canon)) {
			if (dup_is_error && !strcmp(sc->axes[i].file, file))
				return set_err(err, file, line, "duplicate matrix axis '%s' (first at "
					       "line %d)", canon, sc->axes[i].line);
			slot = &sc->axes[i];
		}
	/* Each value is checked on a scratch copy, so a bad one is reported here, at the
	 * axis's own line, before anything runs. */
	probe = scenario_default_new();
	ax.key = strdup(canon);
	ax.file = strdup(file);
	copy = strdup(csv);
	if (!probe || !ax.key || !ax.file || !copy) {
		r = oom(err, file);
		goto out;
	}
	ax.line = line;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *v = str_trim(tok), **nv;

		if (!*v) {
			r = set_err(err, file, line, "empty value in the list of '%s'", canon);
			goto out;
		}
		for (size_t i = 0; i < ax.n; i++)
			if (!strcmp(ax.values[i], v)) {
				r = set_err(err, file, line, "value '%s' repeated in the list of '%s'",
					    v, canon);
				goto out;
			}
		r = set_key(probe, canon, v, file, line, false, err);
		if (r)
			goto out;
		nv = realloc(ax.values, (ax.n + 1) * sizeof(*nv));
		if (!nv || !(nv[ax.n] = strdup(v))) {
			if (nv)
				ax.values = nv;
			r = oom(err, file);
			goto out;
		}
		ax.values = nv;
		ax.n++;
	}
	/* strtok_r skips empty fields, so check the ends and doubled commas by hand. */
	{
		const char *p = csv;
		while (isspace((unsigned char)*p))
			p++;
		size_t n = strlen(csv);
		while (n && isspace((unsigned char)csv[n - 1]))
			n--;
		if (!ax.n || *p == ',' || (n && csv[n - 1] == ',') || strstr(csv, ",,")) {
			r = set_err(err, file, line, "empty value in the list of '%s'", canon);
			goto out;
		}
	}
	if (slot) {
		axis_free_fields(slot);
		*slot = ax;
	} else {
		struct scen_axis *na = realloc(sc->axes, (sc->n_axes + 1) * sizeof(*na));

		if (!na) {
			r = oom(err, file);
			goto out;
		}
		sc->axes = na;
		sc->axes[sc->n_axes++] = ax;
	}
	memset(&ax, 0, sizeof(ax));
	r = 0;
out:
	axis_free_fields(&ax);
	free(copy);
	scenario_free(probe);
	return r;
}

int scenario_add_axis(struct scenario *sc, const char *key, const char *values_csv,
		      const char *where, struct fw_err *err)
{
	return add_axis(sc, key, values_csv, where ? where : "--matrix", 0, false, err);
}

int scenario_set(struct scenario *sc, const char *key, const char *value, const char *where,
		 struct fw_err *err)
{
	char canon[256];
	int r;

	where = where ? where : "--set";
	r = set_key(sc, key, value, where, 0, false, err);
	if (r)
		return r;
	/* A value pinned on the command line replaces a matrix axis of the same key. */
	if (!canonical_key(key, canon, sizeof(canon)))
		for (size_t i = 0; i < sc->n_axes; i++)
			if (!strcmp(sc->axes[i].key, canon)) {
				axis_free_fields(&sc->axes[i]);
				memmove(&sc->axes[i], &sc->axes[i + 1],
					(sc->n_axes - i - 1) * sizeof(sc->axes[0]));
				sc->n_axes--;
				break;
			}
	return 0;
}

/* ---- construction, copies, freeing ---- */

struct scenario *scenario_default_new(void)
{
	struct scenario *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return NULL;
	sc->file = strdup("<default>");
	sc->dir = strdup(".");
	sc->name = strdup("default");
	sc->description = strdup("");
	if (!sc->file || !sc->dir || !sc->name || !sc->description) {
		scenario_free(sc);
		return NULL;
	}
	sc->connections = 1;
	sc->limit_ns = 30 * NSEC_PER_SEC;
	sc->interval_ns = NSEC_PER_MSEC;
	sc->family = SCEN_IPV4;
	sc->server.program = SCEN_PROG_BUILTIN;
	sc->server.mode = SCEN_MODE_RAW;
	sc->server.close = SCEN_CLOSE_CLOSE;
	sc->client.fault = SCEN_FAULT_FREEZE;
	sc->client.at = SCEN_AT_AFTER_FIN;
	sc->client.mode = SCEN_MODE_RAW;
	sc->expect = SCEN_EXPECT_MODEL;
	return sc;
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->file);
	free(sc->dir);
	free(sc->name);
	free(sc->description);
	free(sc->server.command);
	free(sc->server.config);
	scen_kvlist_clear(&sc->sysctl);
	scen_kvlist_clear(&sc->client_sysctl);
	scen_kvlist_clear(&sc->params);
	for (size_t i = 0; i < sc->n_axes; i++)
		axis_free_fields(&sc->axes[i]);
	free(sc->axes);
	for (int i = 0; i < SCEN_NKEYS; i++)
		free(sc->loc[i].file);
	free(sc);
}

void scenario_free_cells(struct scenario **cells, size_t n)
{
	if (!cells)
		return;
	for (size_t i = 0; i < n; i++)
		scenario_free(cells[i]);
	free(cells);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src && !(*dst = strdup(src)))
		return -ENOMEM;
	return 0;
}

/* Deep copy; with_axes false leaves the copy without a matrix. */
static struct scenario *dup_scenario(const struct scenario *sc, bool with_axes)
{
	struct scenario *d = calloc(1, sizeof(*d));
	int r = 0;

	if (!d)
		return NULL;
	*d = *sc;
	d->file = d->dir = d->name = d->description = NULL;
	d->server.command = d->server.config = NULL;
	memset(&d->sysctl, 0, sizeof(d->sysctl));
	memset(&d->client_sysctl, 0, sizeof(d->client_sysctl));
	memset(&d->params, 0, sizeof(d->params));
	d->axes = NULL;
	d->n_axes = 0;
	for (int i = 0; i < SCEN_NKEYS; i++)
		r |= dup_str(&d->loc[i].file, sc->loc[i].file);
	r |= dup_str(&d->file, sc->file);
	r |= dup_str(&d->dir, sc->dir);
	r |= dup_str(&d->name, sc->name);
	r |= dup_str(&d->description, sc->description);
	r |= dup_str(&d->server.command, sc->server.command);
	r |= dup_str(&d->server.config, sc->server.config);
	r |= kvlist_copy(&d->sysctl, &sc->sysctl);
	r |= kvlist_copy(&d->client_sysctl, &sc->client_sysctl);
	r |= kvlist_copy(&d->params, &sc->params);
	if (!r && with_axes && sc->n_axes) {
		d->axes = calloc(sc->n_axes, sizeof(*d->axes));
		if (!d->axes)
			r = -ENOMEM;
		for (size_t i = 0; !r && i < sc->n_axes; i++) {
			struct scen_axis *a = &d->axes[i];

			d->n_axes = i + 1;
			r |= dup_str(&a->key, sc->axes[i].key);
			r |= dup_str(&a->file, sc->axes[i].file);
			a->line = sc->axes[i].line;
			a->values = calloc(sc->axes[i].n, sizeof(char *));
			if (!a->values) {
				r = -ENOMEM;
				break;
			}
			for (size_t j = 0; j < sc->axes[i].n; j++) {
				a->n = j + 1;
				r |= dup_str(&a->values[j], sc->axes[i].values[j]);
			}
		}
	}
	if (r) {
		scenario_free(d);
		return NULL;
	}
	return d;
}

struct scenario *scenario_dup(const struct scenario *sc)
{
	return dup_scenario(sc, true);
}

/* ---- validation ---- */

static const char *loc_file(const struct scenario *sc, enum key_id id)
{
	return sc->loc[id].file ? sc->loc[id].file : sc->file;
}

int scenario_validate(const struct scenario *sc, struct fw_err *err)
{
	const struct scen_server *s = &sc->server;

	/* With a matrix, the rules apply to each cell, not to the values the axes replace:
	 * expanding checks every cell. */
	if (sc->n_axes) {
		struct scenario **cells = NULL;
		size_t n = 0;
		int r = scenario_expand(sc, &cells, &n, err);

		scenario_free_cells(cells, n);
		return r;
	}

#define FAIL_AT(id, ...) return set_err(err, loc_file(sc, id), sc->loc[id].line, __VA_ARGS__)
	if (s->program == SCEN_PROG_COMMAND && !s->command)
		FAIL_AT(K_PROGRAM, "program = command needs a command in [server]");
	/* command and config are ignored by the builtin server, so that a matrix can
	 * compare program = builtin, command. */
	if (sc->interval_ns >= sc->limit_ns)
		FAIL_AT(K_INTERVAL, "interval must be shorter than limit");
	if (s->close_after_ns >= sc->limit_ns)
		FAIL_AT(K_CLOSE_AFTER, "close_after must be shorter than limit");
	/* A socket still alive at the limit is only known to last >= limit: an upper bound
	 * at or past the limit could never fail. */
	if (sc->expect == SCEN_EXPECT_RANGE && sc->expect_max_ns >= sc->limit_ns)
		FAIL_AT(K_EXPECT_FW2, "the expected maximum must be shorter than limit, or a "
				      "socket alive at the limit could not fail it");
#undef FAIL_AT
	return 0;
}

/* ---- the INI reader: line numbers and section names are ours ---- */

static const char *const sections[] = { "scenario", "server", "client", "sysctl",
					"client.sysctl", "matrix", "expect", NULL };

struct ini_ctx {
	struct scenario *sc;
	struct fw_err *err;
	const char *file;
	const char *p;		/* string input */
	FILE *f;		/* or file input */
	int line;
	int failed;		/* err is filled */
};

/* Checks a "[section]" line; returns false with err filled for an unknown one. */
static bool check_section(struct ini_ctx *c, const char *line)
{
	const char *p = line, *e;
	int i;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[')
		return true;
	e = strchr(p, ']');
	if (!e)
		return true;	/* inih reports the syntax error */
	for (i = 0; sections[i]; i++)
		if (strlen(sections[i]) == (size_t)(e - p - 1) &&
		    !strncmp(p + 1, sections[i], (size_t)(e - p - 1)))
			return true;
	set_err(c->err, c->file, c->line, "unknown section [%.*s]", (int)(e - p - 1), p + 1);
	c->failed = 1;
	return false;
}

/* fgets-like reader for inih that counts lines (the packaged inih is built without
 * INI_HANDLER_LINENO) and checks section names (inih does not report empty sections). */
static char *ini_read_line(char *buf, int num, void *stream)
{
	struct ini_ctx *c = stream;
	size_t n = 0, max = (size_t)num - 1;
	int ch;

	if (c->failed)
		return NULL;
	for (;;) {
		if (c->f)
			ch = fgetc(c->f);
		else
			ch = *c->p ? (unsigned char)*c->p++ : EOF;
		if (ch == EOF) {
			if (!n)
				return NULL;
			break;
		}
		if (n == max) {
			set_err(c->err, c->file, c->line + 1, "line too long (at most %d characters)",
				num - 3);
			c->failed = 1;
			return NULL;
		}
		buf[n++] = (char)ch;
		if (ch == '\n')
			break;
	}
	buf[n] = '\0';
	c->line++;
	if (!check_section(c, buf))
		return NULL;
	return buf;
}

static int ini_on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_ctx *c = user;
	char key[512];
	int r;

	if (!section || !name || !value) {	/* value: only with INI_ALLOW_NO_VALUE (off) */
		set_err(c->err, c->file, c->line, "syntax error: expected 'key = value'");
		goto fail;
	}
	if (!*section) {
		set_err(c->err, c->file, c->line, "key '%s' outside a section", name);
		goto fail;
	}
	if (!strcmp(section, "matrix")) {
		r = add_axis(c->sc, name, value, c->file, c->line, true, c->err);
	} else {
		snprintf(key, sizeof(key), "%s.%s", section, name);
		if (strcmp(section, "sysctl") && strcmp(section, "client.sysctl") &&
		    (resolve_key(key, &(enum key_id){ 0 }, &(const char *){ NULL }) != KEY_SCALAR ||
		     strchr(name, '.'))) {
			set_err(c->err, c->file, c->line, "unknown key '%s' in [%s]", name, section);
			goto fail;
		}
		r = set_key(c->sc, key, value, c->file, c->line, true, c->err);
	}
	if (!r)
		return 1;
fail:
	c->failed = 1;
	return 0;
}

static int load(const char *file, const char *dir, FILE *f, const char *text,
		struct scenario **out, struct fw_err *err)
{
	struct ini_ctx c = { .err = err, .file = file, .f = f, .p = text };
	struct scenario **cells = NULL;
	size_t n = 0;
	int r;

	*out = NULL;
	c.sc = scenario_default_new();
	if (!c.sc)
		return oom(err, file);
	free(c.sc->file);
	free(c.sc->dir);
	c.sc->file = strdup(file);
	c.sc->dir = strdup(dir);
	if (!c.sc->file || !c.sc->dir) {
		r = oom(err, file);
		goto out;
	}
	/* Process-wide inih switches (the Debian build exposes them as variables): no
	 * continuation lines, so an indented key is a key; '#' comments inline too; stop at
	 * the first error. */
	ini_allow_multiline = false;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = (char *)";#";
	ini_start_comment_prefixes = (char *)";#";
	ini_stop_on_first_error = true;
	r = ini_parse_stream(ini_read_line, &c, ini_on_key, &c);
	if (c.failed) {
		r = err->msg[0] && !strcmp(err->msg, "out of memory") ? -ENOMEM : -EINVAL;
		goto out;
	}
	if (r > 0) {
		r = set_err(err, file, r, "syntax error: expected '[section]' or 'key = value'");
		goto out;
	}
	if (r < 0) {
		r = oom(err, file);
		goto out;
	}
	if (!c.sc->loc[K_NAME].file) {
		r = set_err(err, file, 0, "[scenario] needs a name");
		goto out;
	}
	/* Expanding validates every cell now, before anything runs. */
	r = scenario_expand(c.sc, &cells, &n, err);
	if (r)
		goto out;
	*out = c.sc;
	c.sc = NULL;
out:
	scenario_free_cells(cells, n);
	scenario_free(c.sc);
	return r;
}

int scenario_load(const char *path, struct scenario **out, struct fw_err *err)
{
	char *tmp = strdup(path);
	FILE *f;
	int r;

	*out = NULL;
	if (!tmp)
		return oom(err, path);
	f = fopen(path, "r");
	if (!f) {
		r = -errno;
		set_err(err, path, 0, "cannot open: %s", strerror(-r));
		free(tmp);
		return r;
	}
	r = load(path, dirname(tmp), f, NULL, out, err);
	fclose(f);
	free(tmp);
	return r;
}

int scenario_load_string(const char *name, const char *text, const char *dir,
			 struct scenario **out, struct fw_err *err)
{
	char file[256];

	snprintf(file, sizeof(file), "<builtin:%s>", name);
	return load(file, dir ? dir : ".", NULL, text, out, err);
}

/* ---- the matrix ---- */

size_t scenario_cell_count(const struct scenario *sc)
{
	size_t n = 1;

	for (size_t i = 0; i < sc->n_axes; i++) {
		if (sc->axes[i].n && n > SIZE_MAX / sc->axes[i].n)
			return SIZE_MAX;
		n *= sc->axes[i].n;
	}
	return n;
}

static const char *short_name(const char *key)
{
	const char *dot = strrchr(key, '.');

	return dot ? dot + 1 : key;
}

/* The name shown for an axis: the key's last component, unless another axis shares it. */
static const char *axis_label(const struct scenario *sc, size_t i)
{
	const char *s = short_name(sc->axes[i].key);

	for (size_t j = 0; j < sc->n_axes; j++)
		if (j != i && !strcmp(short_name(sc->axes[j].key), s))
			return sc->axes[i].key;
	return s;
}

int scenario_expand(const struct scenario *sc, struct scenario ***cells, size_t *n,
		    struct fw_err *err)
{
	size_t total = scenario_cell_count(sc), made = 0;
	struct scenario **out = NULL;
	char *name = NULL;
	int r = 0;

	*cells = NULL;
	*n = 0;
	if (total > SCEN_MAX_CELLS) {
		char sizes[128] = "";
		size_t o = 0;

		for (size_t i = 0; i < sc->n_axes && o < sizeof(sizes); i++)
			o += (size_t)snprintf(sizes + o, sizeof(sizes) - o, "%s%zu", i ? " x " : "",
					      sc->axes[i].n);
		set_err(err, sc->file, 0, "the matrix has %s%zu cells (%s), more than %d",
			total == SIZE_MAX ? "over " : "", total, sizes, SCEN_MAX_CELLS);
		return -E2BIG;
	}
	out = calloc(total, sizeof(*out));
	if (!out)
		return oom(err, sc->file);
	for (made = 0; made < total; made++) {
		struct scenario *cell = dup_scenario(sc, false);
		size_t idx = made, len = strlen(sc->name) + 3, o;
		size_t pick[64];

		if (!cell || sc->n_axes > ARRAY_SIZE(pick)) {
			scenario_free(cell);
			r = cell ? set_err(err, sc->file, 0, "too many matrix axes") : oom(err, sc->file);
			goto out;
		}
		out[made] = cell;
		/* Mixed-radix digits of the cell index; the last axis varies fastest. */
		for (size_t i = sc->n_axes; i-- > 0;) {
			pick[i] = idx % sc->axes[i].n;
			idx /= sc->axes[i].n;
		}
		for (size_t i = 0; i < sc->n_axes; i++) {
			const struct scen_axis *a = &sc->axes[i];
			const char *v = a->values[pick[i]];

			r = set_key(cell, a->key, v, a->file, a->line, false, err);
			if (!r && scen_kvlist_add(&cell->params, a->key, v, a->file, a->line))
				r = oom(err, sc->file);
			if (r)
				goto out;
			len += strlen(axis_label(sc, i)) + strlen(v) + 2;
		}
		if (sc->n_axes) {
			free(name);
			name = malloc(len);
			if (!name) {
				r = oom(err, sc->file);
				goto out;
			}
			o = (size_t)snprintf(name, len, "%s[", sc->name);
			for (size_t i = 0; i < sc->n_axes; i++)
				o += (size_t)snprintf(name + o, len - o, "%s%s=%s", i ? "," : "",
						      axis_label(sc, i), sc->axes[i].values[pick[i]]);
			snprintf(name + o, len - o, "]");
			free(cell->name);
			cell->name = name;
			name = NULL;
		}
		r = scenario_validate(cell, err);
		if (r) {
			if (sc->n_axes) {
				size_t mo = strlen(err->msg);

				/* Truncating the cell's name is fine: the key's line is given. */
				if (mo + 12 < sizeof(err->msg)) {
					memcpy(err->msg + mo, " (in cell ", 11);
					mo += 10;
					strncat(err->msg + mo, cell->name, sizeof(err->msg) - mo - 2);
					strcat(err->msg + mo, ")");
				}
			}
			goto out;
		}
	}
	*cells = out;
	*n = total;
	out = NULL;
out:
	free(name);
	if (out)
		scenario_free_cells(out, made < total ? made + 1 : total);
	return r;
}

/* ---- flat parameters for reports ---- */

int scenario_flatten(const struct scenario *sc, struct scen_kvlist *out)
{
	const struct scen_server *s = &sc->server;
	char v[64], k[300];
	int r = 0;

#define ADD(id, val) r |= scen_kvlist_add(out, (snprintf(k, sizeof(k), "%s.%s", \
		keys[id].section, keys[id].name), k), (val), "<flat>", 0)
	ADD(K_NAME, sc->name);
	if (sc->description && *sc->description)
		ADD(K_DESCRIPTION, sc->description);
	snprintf(v, sizeof(v), "%ld", sc->connections);
	ADD(K_CONNECTIONS, v);
	ADD(K_LIMIT, dur_format(sc->limit_ns, v, sizeof(v)));
	ADD(K_INTERVAL, dur_format(sc->interval_ns, v, sizeof(v)));
	ADD(K_FAMILY, family_names[sc->family]);
	ADD(K_PROGRAM, program_names[s->program]);
	if (s->command)
		ADD(K_COMMAND, s->command);
	if (s->config)
		ADD(K_CONFIG, s->config);
	ADD(K_SMODE, mode_names[s->mode]);
	if (s->has & HAS_PORT) {
		snprintf(v, sizeof(v), "%d", s->port);
		ADD(K_PORT, v);
	}
	if (s->close == SCEN_CLOSE_LINGER)
		snprintf(v, sizeof(v), "linger:%ds", s->linger_s);
	else
		snprintf(v, sizeof(v), "%s", close_names[s->close]);
	ADD(K_CLOSE, v);
	ADD(K_CLOSE_AFTER, dur_format(s->close_after_ns, v, sizeof(v)));
	ADD(K_KEEPALIVE, s->keepalive ? "on" : "off");
	if (s->has & HAS_KEEPIDLE)
		ADD(K_KEEPIDLE, dur_format(s->keepidle_s * NSEC_PER_SEC, v, sizeof(v)));
	if (s->has & HAS_KEEPINTVL)
		ADD(K_KEEPINTVL, dur_format(s->keepintvl_s * NSEC_PER_SEC, v, sizeof(v)));
	if (s->has & HAS_KEEPCNT) {
		snprintf(v, sizeof(v), "%d", s->keepcnt);
		ADD(K_KEEPCNT, v);
	}
	if (s->has & HAS_LINGER2) {
		snprintf(v, sizeof(v), "%d", s->linger2_s);
		ADD(K_LINGER2, v);
	}
	if (s->has & HAS_USER_TIMEOUT)
		ADD(K_USER_TIMEOUT, dur_format(s->user_timeout_ns, v, sizeof(v)));
	ADD(K_FAULT, fault_names[sc->client.fault]);
	ADD(K_AT, at_names[sc->client.at]);
	ADD(K_CMODE, mode_names[sc->client.mode]);
	switch (sc->expect) {
	case SCEN_EXPECT_MODEL: ADD(K_EXPECT_FW2, "model"); break;
	case SCEN_EXPECT_FOREVER: ADD(K_EXPECT_FW2, "forever"); break;
	case SCEN_EXPECT_NONE: ADD(K_EXPECT_FW2, "none"); break;
	case SCEN_EXPECT_RANGE: {
		char a[32], b[32];

		if (sc->expect_min_ns)
			snprintf(v, sizeof(v), "%s..%s", dur_format(sc->expect_min_ns, a, sizeof(a)),
				 dur_format(sc->expect_max_ns, b, sizeof(b)));
		else
			dur_format(sc->expect_max_ns, v, sizeof(v));
		ADD(K_EXPECT_FW2, v);
		break;
	}
	}
#undef ADD
	for (size_t i = 0; i < sc->sysctl.n; i++) {
		snprintf(k, sizeof(k), "sysctl.%s", sc->sysctl.v[i].key);
		r |= scen_kvlist_add(out, k, sc->sysctl.v[i].value, "<flat>", 0);
	}
	for (size_t i = 0; i < sc->client_sysctl.n; i++) {
		snprintf(k, sizeof(k), "client.sysctl.%s", sc->client_sysctl.v[i].key);
		r |= scen_kvlist_add(out, k, sc->client_sysctl.v[i].value, "<flat>", 0);
	}
	if (r) {
		scen_kvlist_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* ---- the built-in default: the seed's story in two matrices ---- */

const char *const scenario_builtin_text[] = {
	"; The seed's story, part 1: the server closes first and the client freezes, crashes\n"
	"; or vanishes before its own close. A frozen client's kernel still ACKs the FIN, so\n"
	"; the orphaned socket sits in FIN_WAIT2 for tcp_fin_timeout; a vanished one had ACKed\n"
	"; it already; a crashed client's kernel sends its own FIN at once.\n"
	"[scenario]\n"
	"name = orphan-close\n"
	"description = close() first; client freezes, crashes or vanishes: FIN_WAIT2 for tcp_fin_timeout or not at all\n"
	"connections = 4\n"
	"limit = 5s\n"
	"interval = 1ms\n"
	"[server]\n"
	"close = close\n"
	"[client]\n"
	"at = after-fin\n"
	"[matrix]\n"
	"sysctl.net.ipv4.tcp_fin_timeout = 1, 2\n"
	"client.fault = freeze, crash, vanish\n"
	"[expect]\n"
	"fin_wait2 = model\n",

	"; Part 2: the server half-closes and keeps its descriptor, so no FIN_WAIT2 timer\n"
	"; runs; only keepalive can end it. A vanished client host is reaped after idle +\n"
	"; cnt x intvl; a frozen client's kernel ACKs every probe: forever.\n"
	"[scenario]\n"
	"name = shutdown-keepalive\n"
	"description = shutdown() + SO_KEEPALIVE: vanished client reaped after idle + cnt x intvl, frozen one never\n"
	"connections = 4\n"
	"limit = 5s\n"
	"interval = 1ms\n"
	"[server]\n"
	"close = shutdown\n"
	"keepalive = on\n"
	"keepidle = 1s\n"
	"keepintvl = 1s\n"
	"keepcnt = 2\n"
	"[client]\n"
	"at = after-fin\n"
	"[matrix]\n"
	"client.fault = vanish, freeze\n"
	"[expect]\n"
	"fin_wait2 = model\n",
	NULL,
};

int scenario_builtin(struct scenario ***list, size_t *n, struct fw_err *err)
{
	static const char *const names[] = { "orphan-close", "shutdown-keepalive" };
	struct scenario **l;
	size_t i;
	int r = 0;

	*list = NULL;
	*n = 0;
	l = calloc(ARRAY_SIZE(names), sizeof(*l));
	if (!l)
		return oom(err, "<builtin>");
	for (i = 0; i < ARRAY_SIZE(names) && scenario_builtin_text[i]; i++) {
		r = scenario_load_string(names[i], scenario_builtin_text[i], NULL, &l[i], err);
		if (r)
			break;
	}
	if (r) {
		scenario_free_cells(l, i);
		return r;
	}
	*list = l;
	*n = i;
	return 0;
}
