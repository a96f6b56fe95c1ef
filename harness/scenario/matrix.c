/* The matrix: axes (a key and its values) and their cartesian expansion into cells,
 * the one place where cells are made and checked. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static void axis_free_fields(struct scen_axis *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->values[i]);
	free(a->values);
	free(a->key);
	free(a->file);
}

/* true when csv has an empty field: strtok_r skips them, so look at the ends and at
 * doubled commas. */
static bool has_empty_field(const char *csv)
{
	const char *p = csv;
	size_t n = strlen(csv);

	while (isspace((unsigned char)*p))
		p++;
	while (n && isspace((unsigned char)csv[n - 1]))
		n--;
	return *p == ',' || (n && csv[n - 1] == ',') || strstr(csv, ",,") || !n;
}

/* Splits csv into ax's values, each checked by setting it on probe. */
static int axis_values(struct scen_axis *ax, struct scenario *probe, const char *csv,
		       const char *file, int line, struct fw_err *err)
{
	char *copy = strdup(csv), *save = NULL, *tok;
	int r = 0;

	if (!copy)
		return fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		char *v = str_trim(tok), **nv;

		for (size_t i = 0; i < ax->n && !r; i++)
			if (!strcmp(ax->values[i], v))
				r = fw_err_set(err, -EINVAL, file, line, "value '%s' repeated in the "
					       "list of '%s'", v, ax->key);
		if (r || (r = scen_set_key(probe, ax->key, v, file, line, false, err)))
			break;
		nv = realloc(ax->values, (ax->n + 1) * sizeof(*nv));
		if (nv)
			ax->values = nv;
		if (!nv || !(nv[ax->n] = strdup(v)))
			r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
		else
			ax->n++;
	}
	free(copy);
	return r;
}

int scen_add_axis(struct scenario *sc, const char *key, const char *csv, const char *file,
		  int line, bool dup_is_error, struct fw_err *err)
{
	struct scen_axis ax = { 0 }, *slot = NULL;
	struct scenario *probe = NULL;
	const struct fw_key *k;
	char canon[256];
	int r;

	if (scen_canonical_key(key, canon, sizeof(canon), err)) {
		snprintf(err->file, sizeof(err->file), "%s", file);
		err->line = line;
		return -EINVAL;
	}
	if ((k = fw_key_find(canon)) && !k->matrix)
		return fw_err_set(err, -EINVAL, file, line, "'%s' cannot be a matrix axis", canon);
	for (size_t i = 0; i < sc->n_axes; i++)
		if (!strcmp(sc->axes[i].key, canon)) {
			if (dup_is_error && !strcmp(sc->axes[i].file, file))
				return fw_err_set(err, -EINVAL, file, line, "duplicate matrix axis "
						  "'%s' (first at line %d)", canon, sc->axes[i].line);
			slot = &sc->axes[i];
		}
	if (has_empty_field(csv))
		return fw_err_set(err, -EINVAL, file, line, "empty value in the list of '%s'",
				  canon);
	/* Each value is checked on a scratch copy, so a bad one is reported here, at the
	 * axis's own line, before anything runs. */
	probe = scenario_default_new();
	ax.key = strdup(canon);
	ax.file = strdup(file);
	ax.line = line;
	if (!probe || !ax.key || !ax.file)
		r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	else
		r = axis_values(&ax, probe, csv, file, line, err);
	if (!r && !slot) {
		struct scen_axis *na = realloc(sc->axes, (sc->n_axes + 1) * sizeof(*na));

		if (!na)
			r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
		else
			slot = &(sc->axes = na)[sc->n_axes++];
	} else if (!r) {
		axis_free_fields(slot);
	}
	if (!r) {
		*slot = ax;
		memset(&ax, 0, sizeof(ax));
	}
	axis_free_fields(&ax);
	scenario_free(probe);
	return r;
}

int scenario_add_axis(struct scenario *sc, const char *key, const char *values_csv,
		      const char *where, struct fw_err *err)
{
	return scen_add_axis(sc, key, values_csv, where ? where : "--matrix", 0, false, err);
}

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

/* Names cell "NAME[label=v,...]" from the values picked. Returns 0 or -ENOMEM. */
static int name_cell(struct scenario *cell, const struct scenario *sc, const size_t *pick)
{
	size_t len = strlen(sc->name) + 3, o;
	char *name;

	for (size_t i = 0; i < sc->n_axes; i++)
		len += strlen(axis_label(sc, i)) + strlen(sc->axes[i].values[pick[i]]) + 2;
	if (!(name = malloc(len)))
		return -ENOMEM;
	o = (size_t)snprintf(name, len, "%s[", sc->name);
	for (size_t i = 0; i < sc->n_axes; i++)
		o += (size_t)snprintf(name + o, len - o, "%s%s=%s", i ? "," : "",
				      axis_label(sc, i), sc->axes[i].values[pick[i]]);
	snprintf(name + o, len - o, "]");
	free(cell->name);
	cell->name = name;
	return 0;
}

/* Cell number idx of sc's matrix, named and checked. Returns 0 or -errno with err. */
static int make_cell(const struct scenario *sc, size_t idx, struct scenario **out,
		     struct fw_err *err)
{
	struct scenario *cell = scenario_copy(sc, false);
	size_t pick[64];
	int r = 0;

	*out = cell;
	if (!cell)
		return fw_err_set(err, -ENOMEM, sc->file, 0, "out of memory");
	if (sc->n_axes > ARRAY_SIZE(pick))
		return fw_err_set(err, -EINVAL, sc->file, 0, "too many matrix axes (at most %zu)",
				  ARRAY_SIZE(pick));
	/* Mixed-radix digits of the cell index; the last axis varies fastest. */
	for (size_t i = sc->n_axes; i-- > 0;) {
		pick[i] = idx % sc->axes[i].n;
		idx /= sc->axes[i].n;
	}
	for (size_t i = 0; i < sc->n_axes && !r; i++) {
		const struct scen_axis *a = &sc->axes[i];
		const char *v = a->values[pick[i]];

		r = scen_set_key(cell, a->key, v, a->file, a->line, false, err);
		if (!r && scen_kvlist_add(&cell->params, a->key, v, a->file, a->line))
			r = fw_err_set(err, -ENOMEM, sc->file, 0, "out of memory");
	}
	if (!r && sc->n_axes && name_cell(cell, sc, pick))
		r = fw_err_set(err, -ENOMEM, sc->file, 0, "out of memory");
	if (r)
		return r;
	r = scenario_validate(cell, err);
	if (r && sc->n_axes) {
		size_t mo = strlen(err->msg);

		/* Truncating the cell's name is fine: the key's line is given. */
		snprintf(err->msg + mo, sizeof(err->msg) - mo, " (in cell %s)", cell->name);
	}
	return r;
}

int scenario_expand(const struct scenario *sc, struct scenario ***cells, size_t *n,
		    struct fw_err *err)
{
	size_t total = scenario_cell_count(sc), made;
	struct scenario **out;
	int r = 0;

	*cells = NULL;
	*n = 0;
	if (total > SCEN_MAX_CELLS) {
		char sizes[128] = "";
		size_t o = 0;

		for (size_t i = 0; i < sc->n_axes && o < sizeof(sizes); i++)
			o += (size_t)snprintf(sizes + o, sizeof(sizes) - o, "%s%zu", i ? " x " : "",
					      sc->axes[i].n);
		fw_err_set(err, -E2BIG, sc->file, 0, "the matrix has %s%zu cells (%s), more than %d",
			   total == SIZE_MAX ? "over " : "", total, sizes, SCEN_MAX_CELLS);
		return -E2BIG;
	}
	out = calloc(total, sizeof(*out));
	if (!out)
		return fw_err_set(err, -ENOMEM, sc->file, 0, "out of memory");
	for (made = 0; made < total && !r; made++)
		r = make_cell(sc, made, &out[made], err);
	if (r) {
		scenario_free_cells(out, made);
		return r;
	}
	*cells = out;
	*n = total;
	return 0;
}
