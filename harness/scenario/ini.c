/* The INI reader: a scenario file (or INI text) into a scenario, with inih. Line
 * numbers and section names are checked here, values by scen_set_key. */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ini_ctx {
	struct scenario *sc;
	struct fw_err *err;
	const char *file;
	const char *p;		/* string input */
	FILE *f;		/* or file input */
	int line;
	int failed;		/* 0, or the -errno that stopped the parse (err is filled) */
};

/* Checks a "[section]" line; returns false with err filled for an unknown one. */
static bool check_section(struct ini_ctx *c, const char *line)
{
	const char *p = line, *e;

	while (isspace((unsigned char)*p))
		p++;
	if (*p != '[')
		return true;
	e = strchr(p, ']');
	if (!e)
		return true;	/* inih reports the syntax error */
	for (size_t i = 0; fw_sections[i].name; i++)
		if (strlen(fw_sections[i].name) == (size_t)(e - p - 1) &&
		    !strncmp(p + 1, fw_sections[i].name, (size_t)(e - p - 1)))
			return true;
	c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line, "unknown section [%.*s]",
			       (int)(e - p - 1), p + 1);
	return false;
}

/* fgets-like reader for inih that counts lines (the packaged inih is built without
 * INI_HANDLER_LINENO) and checks section names (inih does not report empty sections).
 * Returns buf, or NULL at the end of the input or after an error. */
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
			c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line + 1,
					       "line too long (at most %d characters)", num - 3);
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
	const struct fw_key *k;
	char key[512];
	int r;

	if (!section || !name || !value) {	/* value: only with INI_ALLOW_NO_VALUE (off) */
		c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line,
				       "syntax error: expected 'key = value'");
		return 0;
	}
	if (!*section) {
		c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line,
				       "key '%s' outside a section", name);
		return 0;
	}
	if (!strcmp(section, "matrix")) {
		r = scen_add_axis(c->sc, name, value, c->file, c->line, true, c->err);
		if (r) {
			c->failed = r;
			return 0;
		}
		return 1;
	}
	snprintf(key, sizeof(key), "%s.%s", section, name);
	if (strcmp(section, "sysctl") && strcmp(section, "client.sysctl") &&
	    (!(k = fw_key_find(key)) || strcmp(k->section, section))) {
		c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line,
				       "unknown key '%s' in [%s]", name, section);
		return 0;
	}
	r = scen_set_key(c->sc, key, value, c->file, c->line, true, c->err);
	if (r) {
		c->failed = r;
		return 0;
	}
	return 1;
}

static int load(const char *file, const char *dir, FILE *f, const char *text,
		struct scenario **out, struct fw_err *err)
{
	struct ini_ctx c = { .err = err, .file = file, .f = f, .p = text };
	int r;

	*out = NULL;
	c.sc = scenario_default_new();
	if (!c.sc)
		return fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	free(c.sc->file);
	free(c.sc->dir);
	c.sc->file = strdup(file);
	c.sc->dir = strdup(dir);
	if (!c.sc->file || !c.sc->dir) {
		r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
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
		r = c.failed;
		goto out;
	}
	if (r > 0) {
		r = fw_err_set(err, -EINVAL, file, r,
			       "syntax error: expected '[section]' or 'key = value'");
		goto out;
	}
	if (r < 0) {
		r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
		goto out;
	}
	if (!c.sc->loc[FW_K_NAME].file) {
		r = fw_err_set(err, -EINVAL, file, 0, "[scenario] needs a name");
		goto out;
	}
	/* Without a matrix the scenario is its one cell: check it now. With one, every
	 * cell is checked when scenario_expand() makes it. */
	if (!c.sc->n_axes && (r = scenario_validate(c.sc, err)))
		goto out;
	*out = c.sc;
	c.sc = NULL;
	r = 0;
out:
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
		return fw_err_set(err, -ENOMEM, path, 0, "out of memory");
	f = fopen(path, "r");
	if (!f) {
		r = -errno;
		fw_err_set(err, r, path, 0, "cannot open: %s", strerror(-r));
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
