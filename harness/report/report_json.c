/* report_json: the JSON report, one line for the header and one a cell, each cell's
 * connections streamed into it one at a time (docs/DESIGN.md lists the keys). */
#include "report.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report_priv.h"
#include "util.h"

/* ---- JSON ---- */

static struct json_object *jsec(int64_t ns)
{
	char b[48];

	return json_object_new_double_s(ns_to_s(ns), report_sec_text(ns, b, sizeof(b)));
}

static struct json_object *jpair(int64_t lo, int64_t hi)
{
	struct json_object *a = json_object_new_array();

	if (a) {
		json_object_array_add(a, jsec(lo));
		json_object_array_add(a, jsec(hi));
	}
	return a;
}

static void jset(struct json_object *o, const char *k, struct json_object *v)
{
	json_object_object_add(o, k, v);
}

/* json-c copies bytes as they are: text from outside the scenario (a process's name, a
 * kernel's release, an error's strerror) may not be UTF-8, and the report must parse. */
static struct json_object *jstr(const char *s)
{
	struct json_object *o;
	char *fixed;

	if (!s || utf8_invalid_at(s, strlen(s)) == strlen(s))
		return json_object_new_string(s ? s : "");
	fixed = utf8_sanitize(s);
	o = fixed ? json_object_new_string(fixed) : NULL;
	free(fixed);
	return o;
}

static struct json_object *json_sockopts(const struct report_sockopts *so)
{
	struct json_object *o = json_object_new_object();

	if (so->pid)
		jset(o, "pid", json_object_new_int(so->pid));
	if (so->process)
		jset(o, "process", jstr(so->process));
	for (size_t i = 0; so->read && i < so->n_opts; i++)
		jset(o, so->opts[i].key, json_object_new_int64(so->opts[i].value));
	if (so->read && so->has_linger)
		jset(o, "so_linger", so->linger_on ? json_object_new_int(so->linger_s)
						   : jstr("off"));
	if (so->read && so->source)
		jset(o, "source", jstr(so->source));
	jset(o, "read", json_object_new_boolean(so->read));
	if (!so->read)
		jset(o, "why", jstr(so->why));
	return o;
}

/* "entered", "left" and "lifetime" of a state or a phase, into o. */
static void json_span(struct json_object *o, const struct report_span *sp)
{
	struct json_object *life = json_object_new_object();

	jset(o, "entered", jpair(sp->entered_lo_ns, sp->entered_hi_ns));
	jset(o, "left", sp->open ? NULL : jpair(sp->left_lo_ns, sp->left_hi_ns));
	jset(life, "min", jsec(sp->life_min_ns));
	jset(life, "max", sp->open ? NULL : jsec(sp->life_max_ns));
	jset(o, "lifetime", life);
}

static struct json_object *json_phase(const struct report_phase *p)
{
	struct json_object *o = json_object_new_object();

	jset(o, "owner", jstr(p->held ? "held" : "orphan"));
	jset(o, "process", p->process ? jstr(p->process) : NULL);
	jset(o, "pid", p->pid ? json_object_new_int(p->pid) : NULL);
	jset(o, "timer", jstr(p->timer));
	json_span(o, &p->span);
	jset(o, "rto", p->rto_ns ? jsec(p->rto_ns) : NULL);
	if (p->mixed)
		jset(o, "mixed", json_object_new_boolean(1));
	return o;
}

static struct json_object *json_state(const struct report_state *s)
{
	struct json_object *o = json_object_new_object(), *phases;

	jset(o, "state", jstr(s->state));
	json_span(o, &s->span);
	if (s->span.open && s->end_unseen)
		jset(o, "end_unseen", json_object_new_boolean(1));
	phases = json_object_new_array();
	for (size_t k = 0; k < s->n_phases; k++)
		json_object_array_add(phases, json_phase(&s->phases[k]));
	jset(o, "phases", phases);
	return o;
}

static struct json_object *json_packet(const struct report_packet *p)
{
	struct json_object *o = json_object_new_object();

	jset(o, "t", jsec(p->t_ns));
	jset(o, "dir", jstr(p->out ? "out" : "in"));
	jset(o, "flags", jstr(p->flags));
	jset(o, "kind", jstr(p->kind));
	jset(o, "len", json_object_new_int64(p->len));
	return o;
}

static struct json_object *json_conn(const struct report_conn *cn, bool captured)
{
	struct json_object *o = json_object_new_object(), *states, *pk;

	jset(o, "local", jstr(cn->local));
	jset(o, "remote", jstr(cn->remote));
	states = json_object_new_array();
	for (size_t j = 0; j < cn->n_states; j++)
		json_object_array_add(states, json_state(&cn->states[j]));
	jset(o, "states", states);
	if (captured) {
		pk = json_object_new_array();
		for (size_t j = 0; j < cn->n_packets; j++)
			json_object_array_add(pk, json_packet(&cn->packets[j]));
		jset(o, "packets", pk);
		if (cn->packets_omitted)
			jset(o, "packets_omitted", json_object_new_int64((int64_t)cn->packets_omitted));
	}
	return o;
}

static struct json_object *json_capture(const struct report_capture *c)
{
	struct json_object *o = json_object_new_object();

	jset(o, "segments", json_object_new_int64((int64_t)c->segments));
	jset(o, "kernel_dropped", json_object_new_int64((int64_t)c->kernel_dropped));
	jset(o, "omitted", json_object_new_int64((int64_t)c->omitted));
	jset(o, "file", c->file ? jstr(c->file) : NULL);
	jset(o, "realtime_offset", jsec(c->offset_ns));
	jset(o, "drift", jsec(c->drift_ns));
	return o;
}

/* "expects": {STATE: {"min", "max", "why", "verdict"}} (min and max null when the state
 * is not judged; max null for forever). */
static struct json_object *json_expects(const struct report_cell *c)
{
	struct json_object *all = json_object_new_object();

	for (size_t i = 0; i < c->n_expects; i++) {
		const struct report_expect *e = &c->expects[i];
		struct json_object *o = json_object_new_object();
		bool judged = e->p.kind != PRED_UNMODELLED;

		jset(o, "min", !judged ? NULL : e->p.kind == PRED_FOREVER ? jsec(c->limit_ns) :
			       jsec(e->p.min_ns));
		jset(o, "max", judged && e->p.kind != PRED_FOREVER ? jsec(e->p.max_ns) : NULL);
		jset(o, "why", jstr(e->p.reason));
		jset(o, "verdict", jstr(e->verdict));
		if (e->why && *e->why)
			jset(o, "measured", jstr(e->why));
		jset(all, e->state, o);
	}
	return all;
}

/* "counters": {NAME: delta} in the kernel's order ({} and "counters_why" when none were
 * read; a cell with neither has no key), and "counters_expected": {NAME: {"min", "max",
 * "measured", "why", "verdict"}} for those the model predicts. */
static void json_counters(struct json_object *o, const struct report_cell *c)
{
	struct json_object *all;

	if (!c->n_counters && !c->counters_why)
		return;
	all = json_object_new_object();

	for (size_t i = 0; i < c->n_counters; i++)
		jset(all, c->counters[i].name, json_object_new_int64(c->counters[i].delta));
	jset(o, "counters", all);
	if (c->counters_why)
		jset(o, "counters_why", jstr(c->counters_why));
	if (!c->n_counter_checks)
		return;
	all = json_object_new_object();
	for (size_t i = 0; i < c->n_counter_checks; i++) {
		const struct report_counter_check *k = &c->counter_checks[i];
		struct json_object *e = json_object_new_object();

		jset(e, "min", json_object_new_int64(k->min));
		jset(e, "max", json_object_new_int64(k->max));
		jset(e, "measured", json_object_new_int64(k->measured));
		jset(e, "why", jstr(k->why));
		jset(e, "verdict", jstr(k->pass ? "pass" : "fail"));
		jset(all, k->name, e);
	}
	jset(o, "counters_expected", all);
}

/* "series": {"t": [s, ...], STATE: [n, ...], ...}, times to the microsecond. */
static struct json_object *json_series(const struct report_series *sr)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_array_ext(
		(int)sr->n);

	for (size_t i = 0; i < sr->n; i++)
		json_object_array_add(t, jsec(sr->t_ns[i] / NSEC_PER_USEC * NSEC_PER_USEC));
	jset(o, "t", t);
	for (size_t k = 0; k < sr->n_states; k++) {
		struct json_object *a = json_object_new_array_ext((int)sr->n);

		for (size_t i = 0; i < sr->n; i++)
			json_object_array_add(a, json_object_new_int64(sr->count[k][i]));
		jset(o, sr->state[k], a);
	}
	return o;
}

/* "plateau": {STATE: {rate, lifetime, min, max, measured, verdict, why}}. */
static struct json_object *json_plateaus(const struct report_cell *c)
{
	struct json_object *all = json_object_new_object();

	for (size_t i = 0; i < c->n_plateaus; i++) {
		const struct report_plateau *q = &c->plateaus[i];
		struct json_object *o = json_object_new_object();

		jset(o, "rate", json_object_new_int64(q->rate));
		jset(o, "lifetime", jpair(q->life_min_ns, q->life_max_ns));
		jset(o, "min", json_object_new_int64(q->min));
		jset(o, "max", json_object_new_int64(q->max));
		jset(o, "measured", json_object_new_int64(q->measured));
		jset(o, "verdict", jstr(q->pass ? "pass" : "fail"));
		jset(o, "why", jstr(q->why));
		jset(all, q->state, o);
	}
	return all;
}

/* "sampler": the period, the dumps, the deadlines missed and what a dump cost. */
static struct json_object *json_sampling(const struct report_sampling *s)
{
	struct json_object *o = json_object_new_object();

	jset(o, "interval", jsec(s->interval_ns));
	jset(o, "samples", json_object_new_int64((int64_t)s->samples));
	jset(o, "missed", json_object_new_int64((int64_t)s->missed));
	jset(o, "dump_mean", jsec(s->dump_mean_ns));
	jset(o, "dump_max", jsec(s->dump_max_ns));
	return o;
}

static struct json_object *json_cell(const struct report_cell *c, bool shard)
{
	struct json_object *o = json_object_new_object(), *params, *fw, *ex;

	jset(o, "name", jstr(c->name));
	if (shard)
		jset(o, "index", json_object_new_int64((int64_t)c->index));
	params = json_object_new_object();
	for (size_t i = 0; i < c->n_params; i++)
		jset(params, c->params[i].key, jstr(c->params[i].value));
	jset(o, "params", params);
	jset(o, "connections", json_object_new_array()); /* json_write_cell() fills it */
	fw = json_object_new_object();
	jset(fw, "count", json_object_new_int64((int64_t)c->fw2.count));
	jset(fw, "min", c->fw2.ended ? jsec(c->fw2.min_ns) : NULL);
	jset(fw, "p50", c->fw2.ended ? jsec(c->fw2.p50_ns) : NULL);
	jset(fw, "p99", c->fw2.ended ? jsec(c->fw2.p99_ns) : NULL);
	jset(fw, "max", c->fw2.ended ? jsec(c->fw2.max_ns) : NULL);
	jset(fw, "forever", json_object_new_int64((int64_t)c->fw2.forever));
	jset(o, "fin_wait2", fw);
	if (c->n_aggs) {
		struct json_object *all = json_object_new_object();

		for (size_t i = 0; i < c->n_aggs; i++) {
			const struct report_agg *a = &c->aggs[i];
			struct json_object *js = json_object_new_object();
			bool b = a->bounded > 0;

			jset(js, "count", json_object_new_int64((int64_t)a->count));
			jset(js, "bounded", json_object_new_int64((int64_t)a->bounded));
			jset(js, "forever", json_object_new_int64((int64_t)a->forever));
			jset(js, "peak", json_object_new_int64((int64_t)a->peak));
			jset(js, "min", b ? jpair(a->lo_min, a->hi_min) : NULL);
			jset(js, "p50", b ? jpair(a->lo_p50, a->hi_p50) : NULL);
			jset(js, "p99", b ? jpair(a->lo_p99, a->hi_p99) : NULL);
			jset(js, "max", b ? jpair(a->lo_max, a->hi_max) : NULL);
			jset(all, a->state, js);
		}
		jset(o, "states", all);
	}
	ex = json_object_new_object();
	if (c->expect.kind == PRED_FOREVER) {
		jset(ex, "min", jsec(c->limit_ns));
		jset(ex, "max", NULL);
	} else {
		jset(ex, "min", jsec(c->expect.min_ns));
		jset(ex, "max", jsec(c->expect.max_ns));
	}
	jset(ex, "why", jstr(c->expect.reason));
	jset(ex, "kind", jstr(report_kind_name(c->expect.kind)));
	if (c->expect.after_held)
		jset(ex, "after_held", json_object_new_boolean(1));
	jset(o, "expect", ex);
	jset(o, "elapsed", jsec(c->elapsed_ns));
	jset(o, "verdict", jstr(report_verdict_name(c->verdict)));
	if (c->n_expects)
		jset(o, "expects", json_expects(c));
	json_counters(o, c);
	if (c->series)
		jset(o, "series", json_series(c->series));
	if (c->error)
		jset(o, "error", jstr(c->error));
	if (c->sampling.have)
		jset(o, "sampler", json_sampling(&c->sampling));
	if (c->n_plateaus)
		jset(o, "plateau", json_plateaus(c));
	if (c->n_sockopts) {
		struct json_object *so = json_sockopts(&c->sockopts[0]), *others;

		if (c->n_sockopts > 1) {
			others = json_object_new_array();
			for (size_t i = 1; i < c->n_sockopts; i++)
				json_object_array_add(others, json_sockopts(&c->sockopts[i]));
			jset(so, "others", others);
		}
		jset(o, "server_sockopts", so);
	}
	if (c->capture.on)
		jset(o, "capture", json_capture(&c->capture));
	return o;
}

/* The empty "connections" of json_cell()'s text, where json_write_cell() puts them. It
 * cannot occur earlier in the text: "name" and "params" hold strings only, whose quotes
 * are escaped. */
#define CONNS_SLOT "\"connections\": [ ]"

/* Writes cell c's object (without a line break): the cell without its connections first,
 * then each connection streamed into its slot, so that the memory taken is one
 * connection's tree, not the cell's (100 000 connections built as one tree took over a
 * gigabyte). The text is the one json-c would give for the whole tree. */
static int json_write_cell(FILE *f, const struct report_cell *c, bool shard, int flags)
{
	struct json_object *cell = json_cell(c, shard);
	const char *text = cell ? json_object_to_json_string_ext(cell, flags) : NULL;
	const char *slot = text ? strstr(text, CONNS_SLOT) : NULL;
	int ret = -ENOMEM;

	if (!slot)
		goto out;
	fprintf(f, "%.*s", (int)(slot + strlen(CONNS_SLOT) - 2 - text), text);
	for (size_t i = 0; i < c->n_conns; i++) {
		struct json_object *conn = json_conn(&c->conns[i], c->capture.on);
		const char *ct = conn ? json_object_to_json_string_ext(conn, flags) : NULL;

		if (ct)
			fprintf(f, "%s%s", i ? ", " : " ", ct);
		json_object_put(conn);
		if (!ct)
			goto out;
	}
	fputs(slot + strlen(CONNS_SLOT) - 2, f);
	ret = 0;
out:
	json_object_put(cell);
	return ret;
}

static const char *const kind_names[] = {
	[PRED_NONE] = "none", [PRED_RANGE] = "range", [PRED_FOREVER] = "forever",
	[PRED_UNMODELLED] = "unmodelled",
};

const char *report_kind_name(enum pred_kind k)
{
	return (size_t)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "range";
}

int report_kind_parse(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(kind_names[i], name))
			return (int)i;
	return -1;
}

char *report_matrix_id(const char *const *names, size_t n, char *buf)
{
	uint64_t h = 0xcbf29ce484222325ull;	/* FNV-1a 64 */

	for (size_t i = 0; i < n; i++)
		for (const char *p = names[i];; p++) {
			h = (h ^ (unsigned char)(*p ? *p : '\n')) * 0x100000001b3ull;
			if (!*p)
				break;
		}
	snprintf(buf, 17, "%016llx", (unsigned long long)h);
	return buf;
}

int report_json_open(const struct report *r, FILE *f)
{
	struct json_object *head = json_object_new_object(), *sh;
	const char *text;
	size_t len;
	int ret = -ENOMEM;

	if (!head)
		return -ENOMEM;
	jset(head, "finwait", jstr(r->version));
	jset(head, "kernel", jstr(r->kernel));
	jset(head, "hz", json_object_new_int(r->hz));
	jset(head, "elapsed", jsec(r->elapsed_ns));
	if (r->shard_count) {
		sh = json_object_new_object();
		jset(sh, "index", json_object_new_int((int)r->shard_index));
		jset(sh, "count", json_object_new_int((int)r->shard_count));
		jset(sh, "cells", json_object_new_int64((int64_t)r->matrix_cells));
		jset(sh, "matrix", jstr(r->matrix_id));
		jset(head, "shard", sh);
	}
	jset(head, "cells", json_object_new_array());
	text = json_object_to_json_string_ext(head, REPORT_JSON_FLAGS);
	/* The header object ends in "[ ] }": open the array; the cells follow. */
	len = text ? strlen(text) : 0;
	if (len >= 5 && !strcmp(text + len - 5, "[ ] }")) {
		fprintf(f, "%.*s[\n", (int)(len - 5), text);
		ret = ferror(f) ? -EIO : 0;
	}
	json_object_put(head);
	return ret;
}

/* One line for the header and one per cell: readable, greppable, and compact enough for
 * cells of 100 000 connections (a pretty-printed state takes ~20 lines). */
int report_write_json(const struct report *r, FILE *f)
{
	int ret = report_json_open(r, f);

	for (size_t i = 0; !ret && i < r->n_cells; i++) {
		fputs("  ", f);
		ret = json_write_cell(f, &r->cells[i], r->shard_count > 0, REPORT_JSON_FLAGS);
		fputs(i + 1 < r->n_cells ? ",\n" : "\n", f);
	}
	if (ret)
		return ret;
	fprintf(f, "] }\n");
	return ferror(f) ? -EIO : 0;
}
