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
#include <sys/stat.h>

#include "util.h"

/* The longest logical line, its '\n' and '\0' included: far beyond any hand-written
 * key, so that a matrix axis of hundreds of values fits on its line. Debian's libinih
 * reads into a buffer of ini_max_line bytes (the packaged default, 200, would cut at
 * 197 characters). */
#define INI_LINE_MAX 65536

struct ini_ctx {
	struct scenario *sc;
	struct fw_err *err;
	const char *file;
	const char *p, *end;	/* in-memory input */
	FILE *f;		/* or file input */
	int line;
	int first_section;	/* line of the first [section], of [scenario]; 0: none */
	int scenario_line;
	bool content;		/* a line that is not blank or a comment was read */
	int failed;		/* 0, or the -errno that stopped the parse (err is filled) */
};

/* Checks a "[section]" line; returns false with err filled for an unknown one. */
static bool check_section(struct ini_ctx *c, const char *line)
{
	const char *p = line, *e;

	while (isspace((unsigned char)*p))
		p++;
	if (*p && !strchr(";#", *p))
		c->content = true;
	if (*p != '[')
		return true;
	e = strchr(p, ']');
	if (!e)
		return true;	/* inih reports the syntax error */
	for (size_t i = 0; fw_sections[i].name; i++)
		if (strlen(fw_sections[i].name) == (size_t)(e - p - 1) &&
		    !strncmp(p + 1, fw_sections[i].name, (size_t)(e - p - 1))) {
			if (!c->first_section)
				c->first_section = c->line;
			if (!c->scenario_line && !strcmp(fw_sections[i].name, "scenario"))
				c->scenario_line = c->line;
			return true;
		}
	c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line, "unknown section [%.*s]",
			       (int)(e - p - 1), p + 1);
	return false;
}

/* Refuses what inih would pass on silently: a NUL byte (it would cut the value) and
 * bytes that are not UTF-8 (they would go raw into the JSON report). */
static bool check_bytes(struct ini_ctx *c, const char *buf, size_t n)
{
	const char *nul = memchr(buf, '\0', n);
	size_t bad = utf8_invalid_at(buf, n);

	if (nul)
		c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line, "a NUL byte at column "
				       "%zu: scenario files are text", (size_t)(nul - buf) + 1);
	else if (bad < n)
		c->failed = fw_err_set(c->err, -EINVAL, c->file, c->line, "byte 0x%02x at column "
				       "%zu is not UTF-8: scenario files are UTF-8 text",
				       (unsigned char)buf[bad], bad + 1);
	return !nul && bad == n;
}

static int next_char(struct ini_ctx *c)
{
	if (c->f)
		return fgetc(c->f);
	return c->p < c->end ? (unsigned char)*c->p++ : EOF;
}

/* fgets-like reader for inih that counts lines (the packaged inih is built without
 * INI_HANDLER_LINENO), checks the bytes and section names (inih does not report empty
 * sections). Returns buf, or NULL at the end of the input or after an error. */
static char *ini_read_line(char *buf, int num, void *stream)
{
	struct ini_ctx *c = stream;
	size_t n = 0, max = (size_t)num - 1;
	int ch;

	if (c->failed)
		return NULL;
	for (;;) {
		ch = next_char(c);
		if (ch == EOF) {
			if (c->f && ferror(c->f))
				c->failed = fw_err_set(c->err, -EIO, c->file, c->line + 1,
						       "cannot read: %s", strerror(errno));
			if (!n || c->failed)
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
	if (!check_bytes(c, buf, n) || !check_section(c, buf))
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

/* The scenario must be named: say where the name belongs. */
static int no_name(const struct ini_ctx *c)
{
	if (c->scenario_line)
		return fw_err_set(c->err, -EINVAL, c->file, c->scenario_line,
				  "[scenario] needs a name (name = ...)");
	if (c->first_section)
		return fw_err_set(c->err, -EINVAL, c->file, c->first_section, "no [scenario] "
				  "section: a scenario file starts with [scenario] and name = ...");
	return fw_err_set(c->err, -EINVAL, c->file, c->line ? 1 : 0, "%s: a scenario file "
			  "needs a [scenario] section with name = ...", c->content ?
			  "no section" : c->line ? "only comments" : "empty file");
}

/* Parses the input of c (a file or memory) into c->sc. Returns 0 or -errno with err. */
static int parse(struct ini_ctx *c)
{
	int r;

	/* Process-wide inih switches (the Debian build exposes them as variables): no
	 * continuation lines, so an indented key is a key; '#' comments inline too; stop at
	 * the first error; a heap line buffer of INI_LINE_MAX bytes. */
	ini_allow_multiline = false;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = (char *)";#";
	ini_start_comment_prefixes = (char *)";#";
	ini_stop_on_first_error = true;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = ini_initial_alloc = INI_LINE_MAX;
	r = ini_parse_stream(ini_read_line, c, ini_on_key, c);
	if (c->failed)
		return c->failed;
	if (r > 0)
		return fw_err_set(c->err, -EINVAL, c->file, r,
				  "syntax error: expected '[section]' or 'key = value'");
	if (r < 0)
		return fw_err_set(c->err, -ENOMEM, c->file, 0, "out of memory");
	if (!c->sc->loc[FW_K_NAME].file)
		return no_name(c);
	/* Without a matrix the scenario is its one cell: check it now. With one, every
	 * cell is checked when scenario_expand() makes it. */
	return c->sc->n_axes ? 0 : scenario_validate(c->sc, c->err);
}

static int load(const char *file, const char *dir, FILE *f, const char *text, size_t len,
		struct scenario **out, struct fw_err *err)
{
	struct ini_ctx c = { .err = err, .file = file, .f = f, .p = text,
			       .end = text ? text + len : NULL };
	int r;

	*out = NULL;
	c.sc = scenario_default_new();
	if (!c.sc)
		return fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	free(c.sc->file);
	free(c.sc->dir);
	c.sc->file = strdup(file);
	c.sc->dir = strdup(dir);
	if (!c.sc->file || !c.sc->dir)
		r = fw_err_set(err, -ENOMEM, file, 0, "out of memory");
	else
		r = parse(&c);
	if (!r) {
		*out = c.sc;
		c.sc = NULL;
	}
	scenario_free(c.sc);
	return r;
}

int scenario_load(const char *path, struct scenario **out, struct fw_err *err)
{
	char *tmp = strdup(path);
	struct stat st;
	FILE *f;
	int r;

	*out = NULL;
	if (!tmp)
		return fw_err_set(err, -ENOMEM, path, 0, "out of memory");
	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st)) {
		r = -errno;
		fw_err_set(err, r, path, 0, "cannot open: %s", strerror(-r));
	} else if (S_ISDIR(st.st_mode)) {
		r = fw_err_set(err, -EISDIR, path, 0, "a directory, not a scenario file");
	} else {
		r = load(path, dirname(tmp), f, NULL, 0, out, err);
	}
	if (f)
		fclose(f);
	free(tmp);
	return r;
}

int scenario_load_mem(const char *name, const char *text, size_t len, const char *dir,
		      struct scenario **out, struct fw_err *err)
{
	char file[256];

	snprintf(file, sizeof(file), "<builtin:%s>", name);
	return load(file, dir ? dir : ".", NULL, text, len, out, err);
}

int scenario_load_string(const char *name, const char *text, const char *dir,
			 struct scenario **out, struct fw_err *err)
{
	return scenario_load_mem(name, text, strlen(text), dir, out, err);
}
