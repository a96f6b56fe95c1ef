/* report_read: a report's cells read back from its JSON (see report_read.h). */
#include "report_read.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int64_t report_json_ns(struct json_object *v)
{
	return v ? (int64_t)llround(json_object_get_double(v) * (double)NSEC_PER_SEC) : 0;
}

/* The member k of o when it has type t (json_type_null: absent or null is fine). */
static struct json_object *member(struct json_object *o, const char *k, json_type t)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

static bool is_number(struct json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

/* A number or null member: *ns (0 for null); false when neither. */
static bool seconds(struct json_object *o, const char *k, int64_t *ns, bool *null)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		return false;
	*null = !v;
	if (v && !is_number(v))
		return false;
	*ns = report_json_ns(v);
	return true;
}

static int read_fw2(struct json_object *o, struct report_fw2 *s, struct fw_err *err)
{
	struct json_object *fw = member(o, "fin_wait2", json_type_object);
	struct json_object *count = fw ? member(fw, "count", json_type_int) : NULL;
	struct json_object *forever = fw ? member(fw, "forever", json_type_int) : NULL;
	bool null = false;

	if (!count || !forever || json_object_get_int64(count) < 0 ||
	    json_object_get_int64(forever) < 0 ||
	    json_object_get_int64(forever) > json_object_get_int64(count))
		return fw_err_set(err, -EINVAL, NULL, 0, "\"fin_wait2\" lacks a valid count or "
				  "forever");
	s->count = (size_t)json_object_get_int64(count);
	s->forever = (size_t)json_object_get_int64(forever);
	s->ended = s->count - s->forever;
	if (!seconds(fw, "min", &s->min_ns, &null) || !seconds(fw, "p50", &s->p50_ns, &null) ||
	    !seconds(fw, "p99", &s->p99_ns, &null) || !seconds(fw, "max", &s->max_ns, &null) ||
	    (null && s->ended))
		return fw_err_set(err, -EINVAL, NULL, 0, "\"fin_wait2\" lacks min, p50, p99 or "
				  "max");
	return 0;
}

static int read_expect(struct json_object *o, struct report_cell *c, struct fw_err *err)
{
	struct json_object *ex = member(o, "expect", json_type_object), *v;
	struct prediction *p = &c->expect;
	bool null_min = false, null_max = false;
	int kind;

	if (!ex || !seconds(ex, "min", &p->min_ns, &null_min) ||
	    !seconds(ex, "max", &p->max_ns, &null_max))
		return fw_err_set(err, -EINVAL, NULL, 0, "\"expect\" lacks min or max");
	v = member(ex, "kind", json_type_string);
	kind = v ? report_kind_parse(json_object_get_string(v)) : null_max ? PRED_FOREVER :
								    PRED_RANGE;
	if (kind < 0)
		return fw_err_set(err, -EINVAL, NULL, 0, "\"expect\" has an unknown kind");
	p->kind = (enum pred_kind)kind;
	if (p->kind == PRED_FOREVER) {	/* its min is the cell's limit */
		c->limit_ns = p->min_ns;
		p->min_ns = p->max_ns = 0;
	}
	v = member(ex, "why", json_type_string);
	snprintf(p->reason, sizeof(p->reason), "%s", v ? json_object_get_string(v) : "");
	v = member(ex, "after_held", json_type_boolean);
	p->after_held = v && json_object_get_boolean(v);
	return 0;
}

static int read_params(struct json_object *o, struct report_cell *c, struct fw_err *err)
{
	struct json_object *params = member(o, "params", json_type_object);
	struct report_param *ps;
	size_t n = 0;

	if (!params)
		return fw_err_set(err, -EINVAL, NULL, 0, "no \"params\" object");
	ps = calloc((size_t)json_object_object_length(params) + 1, sizeof(*ps));
	if (!ps)
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	json_object_object_foreach(params, k, v) {
		if (!json_object_is_type(v, json_type_string)) {
			free(ps);
			return fw_err_set(err, -EINVAL, NULL, 0, "param %s is not a string", k);
		}
		ps[n].key = k;
		ps[n++].value = json_object_get_string(v);
	}
	c->params = ps;
	c->n_params = n;
	return 0;
}

int report_cell_read(struct json_object *o, struct report_cell *c, struct fw_err *err)
{
	struct json_object *name = member(o, "name", json_type_string);
	struct json_object *verdict = member(o, "verdict", json_type_string);
	struct json_object *v;
	const char *vs = verdict ? json_object_get_string(verdict) : "";
	bool null = false;
	int ret;

	memset(c, 0, sizeof(*c));
	if (!name)
		return fw_err_set(err, -EINVAL, NULL, 0, "a cell without a \"name\"");
	c->name = json_object_get_string(name);
	if (strcmp(vs, "pass") && strcmp(vs, "fail") && strcmp(vs, "skip"))
		return fw_err_set(err, -EINVAL, NULL, 0, "cell %s: no \"verdict\" pass, fail or "
				  "skip", c->name);
	c->verdict = !strcmp(vs, "pass") ? REPORT_PASS : !strcmp(vs, "fail") ? REPORT_FAIL :
									     REPORT_SKIP;
	if ((ret = read_fw2(o, &c->fw2, err)) || (ret = read_expect(o, c, err)) ||
	    (ret = read_params(o, c, err))) {
		if (ret == -EINVAL) {	/* name the cell in the message */
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			fw_err_set(err, ret, NULL, 0, "cell %s: %s", c->name, msg);
		}
		return ret;
	}
	if (json_object_object_get_ex(o, "elapsed", &v) && !seconds(o, "elapsed",
								     &c->elapsed_ns, &null))
		return fw_err_set(err, -EINVAL, NULL, 0, "cell %s: \"elapsed\" is not a number",
				  c->name);
	if ((v = member(o, "error", json_type_string)))
		c->error = json_object_get_string(v);
	if ((v = member(o, "index", json_type_int)))
		c->index = (size_t)json_object_get_int64(v);
	return 0;
}

void report_cell_read_clear(struct report_cell *c)
{
	free((void *)c->params);
	c->params = NULL;
	c->n_params = 0;
}
