/* external: a scenario's own server (program = command): its command line and folder
 * (pure, external.h), and starting it in a cell until it listens (cellrun_priv.h). */
#include "external.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cellrun_priv.h"

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
	static const char *const names[] = { "{addr}", "{port}", "{dir}", "{connections}" };
	const char *vals[] = { v->addr, v->port, v->dir, v->connections };
	struct buf b = { 0 };
	const char *p = tmpl;

	if (buf_add(&b, "", 0))
		return NULL;
	while (*p) {
		size_t i, n = 1;
		const char *val = NULL;

		for (i = 0; i < ARRAY_SIZE(names) && *p == '{'; i++)
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
	rm_tree(pattern);
	return ret;
}

/* The port a scenario's server listens on when server.port is unset. */
#define DEFAULT_COMMAND_PORT 8080

/* Waits until a listener on c->port shows in the server's namespace: a program of the
 * user's has no status pipe, so sock_diag is asked at the sampling interval (a dump costs
 * microseconds). Gives up when the server (`name`) dies, after READY_TIMEOUT_NS, or when
 * the run stops. Returns 0 or -errno with the cell's error recorded. */
static int wait_listening(struct ctx *c, const char *name)
{
	struct timespec period = { (time_t)(c->sc->interval_ns / NSEC_PER_SEC),
				   (long)(c->sc->interval_ns % NSEC_PER_SEC) };
	struct diag_filter f = { 0 };
	struct diag *d = NULL;
	int64_t deadline;
	int ret;

	if ((ret = diag_open(cell_netns(c->cell, CELL_SERVER), &d))) {
		fail(c, ret, "sock_diag: %s", strerror(-ret));
		return ret;
	}
	f.families = c->sc->family == FW_IPV6 ? DIAG_F_IPV6 : DIAG_F_IPV4;
	f.states = DIAG_MASK(DIAG_LISTEN);
	f.lport = (uint16_t)c->port;
	if ((ret = diag_set_filter(d, &f))) {
		fail(c, ret, "sock_diag filter: %s", strerror(-ret));
		goto out;
	}
	deadline = mono_ns() + READY_TIMEOUT_NS;
	while (!stopping(c)) {
		const struct diag_sock *socks;
		size_t n = 0;

		if ((ret = diag_dump(d, &socks, &n))) {
			fail(c, ret, "sock_diag dump: %s", strerror(-ret));
			goto out;
		}
		if (n) {
			c->listening = true;
			break;
		}
		if (child_died(&c->server, name, c)) {
			ret = c->out->rc;
			goto out;
		}
		if (mono_ns() >= deadline) {
			ret = -ETIMEDOUT;
			fail(c, ret, "'%s' did not listen on port %d within 10 s", name, c->port);
			goto out;
		}
		nanosleep(&period, NULL);
	}
	ret = 0;
out:
	diag_close(d);
	return ret;
}

char *ext_config_path(const struct scenario *sc, char *buf, size_t len)
{
	const char *cfg = sc->server.config;

	if (cfg[0] == '/')
		snprintf(buf, len, "%s", cfg);
	else
		snprintf(buf, len, "%s/%s", sc->dir, cfg);
	return buf;
}

int ext_start_server(struct ctx *c)
{
	const struct fw_server_cfg *s = &c->sc->server;
	struct proc_io io = { PROC_DEVNULL, PROC_DEVNULL, PROC_INHERIT, -1, 3 };
	char port[16], tmpl[4096], *cfg = NULL, **argv = NULL;
	struct ext_vars v = { c->addr, port, NULL, NULL };
	int ret;

	c->port = s->has & FW_HAS_PORT ? s->port : DEFAULT_COMMAND_PORT;
	snprintf(port, sizeof(port), "%d", c->port);
	if (s->config)
		cfg = ext_config_path(c->sc, tmpl, sizeof(tmpl));
	if ((ret = ext_prepare_dir(cfg, &v, &c->dir))) {
		fail(c, ret, "cannot prepare the server's folder%s%s: %s", cfg ? " from " : "",
		     cfg ? cfg : "", strerror(-ret));
		return ret;
	}
	if ((ret = pidns_set_dir(&c->pidns, c->dir))) {
		fail(c, ret, "cannot hand the folder %s over: %s", c->dir, strerror(-ret));
		rm_tree(c->dir);
		return ret;
	}
	v.dir = c->dir;
	if ((ret = ext_split(s->command, &v, &argv))) {
		fail(c, ret, "bad server command '%s'", s->command);
		return ret;
	}
	ret = proc_spawn(&c->server, cell_netns(c->cell, CELL_SERVER), pidns_fd(&c->pidns), argv,
			 &io);
	if (ret)
		fail(c, ret, "cannot start '%s': %s", argv[0], strerror(-ret));
	else
		ret = wait_listening(c, argv[0]);
	ext_argv_free(argv);
	return ret;
}
