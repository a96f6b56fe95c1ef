#include "external.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np)
			return -ENOMEM;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

char *ext_fill(const char *tmpl, const struct ext_vars *v)
{
	static const char *const names[] = { "{addr}", "{port}", "{dir}" };
	const char *vals[] = { v->addr, v->port, v->dir };
	struct buf b = { 0 };
	const char *p = tmpl;

	if (buf_add(&b, "", 0))
		return NULL;
	while (*p) {
		size_t i, n = 1;
		const char *val = NULL;

		for (i = 0; i < 3 && *p == '{'; i++)
			if (vals[i] && !strncmp(p, names[i], strlen(names[i]))) {
				val = vals[i];
				n = strlen(names[i]);
				break;
			}
		if (val ? buf_add(&b, val, strlen(val)) : buf_add(&b, p, 1)) {
			free(b.p);
			return NULL;
		}
		p += n;
	}
	return b.p;
}

void ext_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

static int argv_push(char ***argv, size_t *n, char *word)
{
	char **na = realloc(*argv, (*n + 2) * sizeof(**argv));

	if (!na)
		return -ENOMEM;
	na[(*n)++] = word;
	na[*n] = NULL;
	*argv = na;
	return 0;
}

int ext_split(const char *cmdline, const struct ext_vars *v, char ***argv_out)
{
	char **argv = NULL;
	size_t n = 0;
	const char *p = cmdline;
	int ret = -EINVAL;

	while (*p) {
		struct buf w = { 0 };
		char quote = 0;
		bool word = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		for (; *p && (quote || (*p != ' ' && *p != '\t')); p++) {
			word = true;
			if (quote == '\'' && *p == '\'') {
				quote = 0;
			} else if (quote != '\'' && *p == '\\' && p[1]) {
				if (buf_add(&w, ++p, 1))
					goto nomem;
			} else if (quote == '"' && *p == '"') {
				quote = 0;
			} else if (!quote && (*p == '\'' || *p == '"')) {
				quote = *p;
			} else if (buf_add(&w, p, 1)) {
				goto nomem;
			}
		}
		if (quote) {
			free(w.p);
			goto out;
		}
		if (word) {
			char *filled = ext_fill(w.p ? w.p : "", v);

			free(w.p);
			if (!filled || argv_push(&argv, &n, filled)) {
				free(filled);
				goto nomem_nobuf;
			}
		}
		continue;
nomem:
		free(w.p);
nomem_nobuf:
		ret = -ENOMEM;
		goto out;
	}
	if (!n)
		goto out;
	*argv_out = argv;
	argv = NULL;
	ret = 0;
out:
	ext_argv_free(argv);
	return ret;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b = { 0 };
	char chunk[4096];
	size_t r;

	if (!f)
		return NULL;
	if (buf_add(&b, "", 0))
		goto fail;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_add(&b, chunk, r))
			goto fail;
	if (ferror(f))
		goto fail;
	fclose(f);
	return b.p;
fail:
	fclose(f);
	free(b.p);
	return NULL;
}

int ext_prepare_dir(const char *template_path, const struct ext_vars *v0, char **dir_out)
{
	const char *tmp = getenv("TMPDIR");
	char pattern[4096], out_path[4096 + 256];
	char *tmpl = NULL, *filled = NULL, *copy = NULL, *base;
	struct ext_vars v = *v0;
	size_t blen;
	int fd = -1, ret;

	snprintf(pattern, sizeof(pattern), "%s/finwait-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(pattern))
		return -errno;
	v.dir = pattern;
	if (template_path) {
		ret = -errno;
		if (!(tmpl = read_file(template_path))) {
			ret = errno ? -errno : -EIO;
			goto fail;
		}
		ret = -ENOMEM;
		if (!(filled = ext_fill(tmpl, &v)) || !(copy = strdup(template_path)))
			goto fail;
		base = basename(copy);
		blen = strlen(base);
		if (blen > 3 && !strcmp(base + blen - 3, ".in"))
			base[blen - 3] = '\0';
		snprintf(out_path, sizeof(out_path), "%s/%s", pattern, base);
		fd = open(out_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write(fd, filled, strlen(filled)) != (ssize_t)strlen(filled)) {
			ret = errno ? -errno : -EIO;
			goto fail;
		}
		close(fd);
		fd = -1;
	}
	if (!(*dir_out = strdup(pattern))) {
		ret = -ENOMEM;
		goto fail;
	}
	free(tmpl);
	free(filled);
	free(copy);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(tmpl);
	free(filled);
	free(copy);
	ext_remove_dir(pattern);
	return ret;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

int ext_remove_dir(const char *dir)
{
	if (!dir)
		return 0;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}
