/* Scenario keys and sysctls, overrides, copies, cross-key validation and the flat params
 * of reports. Every scalar key goes through its schema row (common/schema.c). */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

/* ---- sysctls ---- */

/* Only namespaced-looking names: net.* with dotted [A-Za-z0-9_-] components. Whether a
 * key really is per namespace is the lab's check, before the run. */
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
static int sysctl_value_ok(const char *k, const char *v, struct fw_err *err)
{
	static const struct { const char *key; long max; } ints[] = {
		{ "net.ipv4.tcp_fin_timeout", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_time", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_intvl", INT_MAX / 1000 },
		{ "net.ipv4.tcp_keepalive_probes", 255 },
	};
	long l;

	if (!*v)
		return fw_err_set(err, -EINVAL, NULL, 0, "empty value for sysctl %s", k);
	for (const char *p = v; *p; p++)
		if (iscntrl((unsigned char)*p))
			return fw_err_set(err, -EINVAL, NULL, 0,
					  "control character in the value of %s", k);
	for (size_t i = 0; i < ARRAY_SIZE(ints); i++)
		if (!strcmp(k, ints[i].key) && parse_long(v, 0, ints[i].max, &l))
			return fw_err_set(err, -EINVAL, NULL, 0, "bad value '%s' for %s (a whole "
					  "number, 0..%ld)", v, k, ints[i].max);
	return 0;
}

static int set_sysctl(struct scen_kvlist *l, const char *k, const char *v, const char *file,
		      int line, bool dup_is_error, struct fw_err *err)
{
	struct scen_kv *kv;
	char *nv, *nf;

	if (!sysctl_name_ok(k))
		return fw_err_set(err, -EINVAL, NULL, 0, "bad sysctl name '%s' (net.* keys only, "
				  "e.g. net.ipv4.tcp_fin_timeout)", k);
	if (sysctl_value_ok(k, v, err))
		return -EINVAL;
	kv = kvlist_find(l, k);
	if (!kv)
		return scen_kvlist_add(l, k, v, file, line);
	if (dup_is_error && !strcmp(kv->file, file))
		return fw_err_set(err, -EINVAL, NULL, 0, "duplicate sysctl '%s' (first at line %d)",
				  k, kv->line);
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

/* ---- keys ---- */

static void unknown_key(const char *key, struct fw_err *err)
{
	const char *dot = strchr(key, '.');

	for (size_t i = 0; dot && fw_sections[i].name; i++)
		if ((size_t)(dot - key) == strlen(fw_sections[i].name) &&
		    !strncmp(key, fw_sections[i].name, (size_t)(dot - key))) {
			fw_err_set(err, -EINVAL, NULL, 0, "unknown key '%s' in [%s]", dot + 1,
				   fw_sections[i].name);
			return;
		}
	fw_err_set(err, -EINVAL, NULL, 0, "unknown key '%s'", key);
}

int scen_canonical_key(const char *key, char *out, size_t len, struct fw_err *err)
{
	const struct fw_key *k;

	if (str_startswith(key, "sysctl.") || str_startswith(key, "client.sysctl.")) {
		snprintf(out, len, "%s", key);
		return 0;
	}
	k = fw_key_find(key);
	if (!k) {
		unknown_key(key, err);
		return -EINVAL;
	}
	snprintf(out, len, "%s.%s", k->section, k->name);
	return 0;
}

static int set_scalar(struct scenario *sc, const struct fw_key *k, const char *value,
		      const char *file, int line, bool dup_is_error, struct fw_err *err)
{
	size_t id = (size_t)(k - fw_keys);
	unsigned *has;
	void *base = fw_key_field_base(k, sc, &has);
	char *nf;
	int r;

	if (dup_is_error && sc->loc[id].file && !strcmp(sc->loc[id].file, file))
		return fw_err_set(err, -EINVAL, NULL, 0, "duplicate key '%s' in [%s] (first at "
				  "line %d)", k->name, k->section, sc->loc[id].line);
	r = fw_key_set(k, base, has, value, 0, err);
	if (r)
		return r;
	if (!(nf = strdup(file)))
		return -ENOMEM;
	free(sc->loc[id].file);
	sc->loc[id].file = nf;
	sc->loc[id].line = line;
	return 0;
}

int scen_set_key(struct scenario *sc, const char *key, const char *value, const char *file,
		 int line, bool dup_is_error, struct fw_err *err)
{
	const struct fw_key *k;
	char *vcopy;
	int r;

	if (!(vcopy = strdup(value)))
		return fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	value = str_trim(vcopy);
	if (str_startswith(key, "sysctl."))
		r = set_sysctl(&sc->sysctl, key + 7, value, file, line, dup_is_error, err);
	else if (str_startswith(key, "client.sysctl."))
		r = set_sysctl(&sc->client_sysctl, key + 14, value, file, line, dup_is_error,
			       err);
	else if ((k = fw_key_find(key)))
		r = set_scalar(sc, k, value, file, line, dup_is_error, err);
	else {
		unknown_key(key, err);
		r = -EINVAL;
	}
	free(vcopy);
	if (r == -ENOMEM)
		return fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	if (r) {
		/* The message is the parser's; the place is ours. */
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = line;
	}
	return r;
}

int scenario_set(struct scenario *sc, const char *key, const char *value, const char *where,
		 struct fw_err *err)
{
	char canon[256];
	int r;

	where = where ? where : "--set";
	r = scen_set_key(sc, key, value, where, 0, false, err);
	if (r)
		return r;
	/* A value pinned on the command line replaces a matrix axis of the same key. */
	if (!scen_canonical_key(key, canon, sizeof(canon), NULL))
		for (size_t i = 0; i < sc->n_axes; i++)
			if (!strcmp(sc->axes[i].key, canon)) {
				struct scen_axis *a = &sc->axes[i];

				for (size_t j = 0; j < a->n; j++)
					free(a->values[j]);
				free(a->values);
				free(a->key);
				free(a->file);
				memmove(a, a + 1, (sc->n_axes - i - 1) * sizeof(*a));
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
	if (!sc->file || !sc->dir ||
	    fw_keys_defaults(FW_SCOPE_SCENARIO, sc, NULL, true) ||
	    fw_keys_defaults(FW_SCOPE_SERVER, &sc->server, &sc->server.has, true) ||
	    fw_keys_defaults(FW_SCOPE_CLIENT, &sc->client, NULL, true)) {
		scenario_free(sc);
		return NULL;
	}
	return sc;
}

static void free_axes(struct scen_axis *axes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < axes[i].n; j++)
			free(axes[i].values[j]);
		free(axes[i].values);
		free(axes[i].key);
		free(axes[i].file);
	}
	free(axes);
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	free(sc->file);
	free(sc->dir);
	fw_keys_free(FW_SCOPE_SCENARIO, sc);
	fw_keys_free(FW_SCOPE_SERVER, &sc->server);
	fw_keys_free(FW_SCOPE_CLIENT, &sc->client);
	scen_kvlist_clear(&sc->sysctl);
	scen_kvlist_clear(&sc->client_sysctl);
	scen_kvlist_clear(&sc->params);
	free_axes(sc->axes, sc->n_axes);
	for (int i = 0; i < FW_K_COUNT; i++)
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

static int copy_axes(struct scenario *d, const struct scenario *sc)
{
	d->axes = calloc(sc->n_axes, sizeof(*d->axes));
	if (!d->axes)
		return -ENOMEM;
	for (size_t i = 0; i < sc->n_axes; i++) {
		struct scen_axis *a = &d->axes[i];

		d->n_axes = i + 1;
		a->line = sc->axes[i].line;
		if (dup_str(&a->key, sc->axes[i].key) || dup_str(&a->file, sc->axes[i].file) ||
		    !(a->values = calloc(sc->axes[i].n, sizeof(char *))))
			return -ENOMEM;
		for (size_t j = 0; j < sc->axes[i].n; j++) {
			a->n = j + 1;
			if (dup_str(&a->values[j], sc->axes[i].values[j]))
				return -ENOMEM;
		}
	}
	return 0;
}

struct scenario *scenario_copy(const struct scenario *sc, bool with_axes)
{
	struct scenario *d = calloc(1, sizeof(*d));
	int r = 0;

	if (!d)
		return NULL;
	*d = *sc;
	/* Nothing of sc's may stay in d before the copies below can fail. */
	d->file = d->dir = NULL;
	fw_keys_forget(FW_SCOPE_SCENARIO, d);
	fw_keys_forget(FW_SCOPE_SERVER, &d->server);
	fw_keys_forget(FW_SCOPE_CLIENT, &d->client);
	memset(&d->sysctl, 0, sizeof(d->sysctl));
	memset(&d->client_sysctl, 0, sizeof(d->client_sysctl));
	memset(&d->params, 0, sizeof(d->params));
	memset(d->loc, 0, sizeof(d->loc));
	d->axes = NULL;
	d->n_axes = 0;
	for (int i = 0; i < FW_K_COUNT; i++) {
		r |= dup_str(&d->loc[i].file, sc->loc[i].file);
		d->loc[i].line = sc->loc[i].line;
	}
	r |= dup_str(&d->file, sc->file);
	r |= dup_str(&d->dir, sc->dir);
	r |= fw_keys_dup(FW_SCOPE_SCENARIO, d, sc);
	r |= fw_keys_dup(FW_SCOPE_SERVER, &d->server, &sc->server);
	r |= fw_keys_dup(FW_SCOPE_CLIENT, &d->client, &sc->client);
	r |= kvlist_copy(&d->sysctl, &sc->sysctl);
	r |= kvlist_copy(&d->client_sysctl, &sc->client_sysctl);
	r |= kvlist_copy(&d->params, &sc->params);
	if (!r && with_axes && sc->n_axes)
		r = copy_axes(d, sc);
	if (r) {
		scenario_free(d);
		return NULL;
	}
	return d;
}

struct scenario *scenario_dup(const struct scenario *sc)
{
	return scenario_copy(sc, true);
}

/* ---- validation ---- */

int scen_fail_at(const struct scenario *sc, int a, int b, struct fw_err *err,
		 const char *fmt, ...)
{
	int id = sc->loc[a].file ? a : sc->loc[b].file ? b : FW_K_NAME;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!sc->loc[id].file)
		return fw_err_set(err, -EINVAL, sc->file, 0, "%s", msg);
	return fw_err_set(err, -EINVAL, sc->loc[id].file, sc->loc[id].line, "%s", msg);
}

/* A client finwait did not write: finwait performs its fault (crash, freeze on its
 * processes; vanish, reboot on its host) at a point it can see in sock_diag. */
static int validate_client_command(const struct scenario *sc, struct fw_err *err)
{
	const struct fw_client_cfg *c = &sc->client;

	if (c->program != FW_PROG_COMMAND)
		return 0;
	if (!c->command)
		return scen_fail_at(sc, FW_K_CPROGRAM, FW_K_CCOMMAND, err,
			       "program = command needs a command in [client]");
	if (fw_fault_actor(c->fault) == FW_ACTOR_CLIENT && c->fault != FW_FAULT_CRASH &&
	    c->fault != FW_FAULT_FREEZE)
		return scen_fail_at(sc, FW_K_FAULT, FW_K_CPROGRAM, err, "fault = %s is what "
			       "finwait-client does by itself; a client command gets crash, "
			       "freeze, vanish or reboot", fw_fault_name(c->fault));
	if (sc->rate)
		return scen_fail_at(sc, FW_K_RATE, FW_K_CPROGRAM, err, "rate needs finwait-client: "
			       "a client command's instances all start at once");
	if (c->at != FW_AT_CONNECT && c->at != FW_AT_FIN)
		return scen_fail_at(sc, FW_K_AT, FW_K_CPROGRAM, err, "at = %s cannot be seen "
			       "in a client command's sockets: sock_diag shows after-connect "
			       "(ESTABLISHED) and after-fin (CLOSE_WAIT)", fw_point_name(c->at));
	return 0;
}

int scenario_validate(const struct scenario *sc, struct fw_err *err)
{
	const struct fw_server_cfg *s = &sc->server;
	int ret;

	if (s->program == FW_PROG_COMMAND && !s->command)
		return scen_fail_at(sc, FW_K_PROGRAM, FW_K_COMMAND, err,
			       "program = command needs a command in [server]");
	if ((ret = validate_client_command(sc, err)))
		return ret;
	/* command and config are ignored by the builtin server, so that a matrix can
	 * compare program = builtin, command. */
	if (sc->interval_ns >= sc->limit_ns)
		return scen_fail_at(sc, FW_K_INTERVAL, FW_K_LIMIT, err,
			       "interval must be shorter than limit");
	if (s->close_after_ns >= sc->limit_ns)
		return scen_fail_at(sc, FW_K_CLOSE_AFTER, FW_K_LIMIT, err,
			       "close_after must be shorter than limit");
	/* The built-in server never sends a FIN with close = none, and resets with
	 * linger0: a client waiting for the FIN would wait until the limit. */
	if (s->program == FW_PROG_BUILTIN && sc->client.at == FW_AT_FIN &&
	    (s->close.kind == FW_CLOSE_NONE || s->close.kind == FW_CLOSE_LINGER0))
		return scen_fail_at(sc, FW_K_AT, FW_K_CLOSE, err, "at = after-fin waits for the "
			       "server's FIN, which close = %s never sends",
			       s->close.kind == FW_CLOSE_NONE ? "none" : "linger0");
	if ((sc->mb.fault != FW_MB_NONE || sc->mb.loss_pct) && sc->family == FW_IPV6)
		return scen_fail_at(sc, FW_K_MB_FAULT, FW_K_FAMILY, err, "a [middlebox] routes "
			       "IPv4 only (its proxy ARP has no IPv6 counterpart here yet)");
	/* The router routes the client's first address only: a cell that needs the extra
	 * client addresses (more than half the 64 512 ports of one) cannot have one. */
	if ((sc->mb.fault != FW_MB_NONE || sc->mb.loss_pct) && sc->connections > 32256)
		return scen_fail_at(sc, FW_K_MB_FAULT, FW_K_CONNECTIONS, err, "a [middlebox] "
			       "routes the client's one address: at most 32256 connections");
	/* finwait learns only the client's point: the blackhole strikes there. */
	if (sc->mb.fault == FW_MB_BLACKHOLE && sc->loc[FW_K_MB_AT].file &&
	    sc->mb.at != sc->client.at)
		return scen_fail_at(sc, FW_K_MB_AT, FW_K_AT, err, "middlebox.at must be the "
			       "client's point (client.at = %s): finwait acts at the point the "
			       "client reports", fw_point_name(sc->client.at));
	/* A socket still alive at the limit is only known to last >= limit: an upper bound
	 * at or past the limit could never fail. */
	if (sc->expect.kind == FW_EXPECT_RANGE && sc->expect.max_ns >= sc->limit_ns)
		return scen_fail_at(sc, FW_K_EXPECT_FW2, FW_K_LIMIT, err, "the expected maximum must "
			       "be shorter than limit, or a socket alive at the limit could not "
			       "fail it");
	return 0;
}

/* ---- flat parameters for reports ---- */

int scenario_flatten(const struct scenario *sc, struct scen_kvlist *out)
{
	char v[512], k[300];
	int r = 0;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *key = &fw_keys[i];
		unsigned *has;
		const void *base = fw_key_field_base(key, (struct scenario *)sc, &has);

		if (!fw_key_format(key, base, has ? *has : 0, v, sizeof(v)))
			continue;
		snprintf(k, sizeof(k), "%s.%s", key->section, key->name);
		r |= scen_kvlist_add(out, k, v, "<flat>", 0);
	}
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
