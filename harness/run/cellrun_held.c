/* cellrun_held: the server's held sockets during one cell (cellrun_priv.h): which process
 * holds each one (owner.h: /proc, as `ss -p` does), and the socket options of the first
 * one seen held in each process (sockopts.h: pidfd_getfd). Runs on
 * the cell's thread, from its loop; it reads the sampler's latest sample through
 * sampler_held(), so the sampler's thread does no work for it. */
#include <stdlib.h>
#include <string.h>

#include "cellrun_priv.h"
#include "sampler.h"

/* The least time between two looks; a look may also take at most 1 in LOOK_SHARE of the
 * cell thread's time (30 000 held sockets take ~1 ms). */
#define HELD_PERIOD_NS (10 * NSEC_PER_MSEC)
#define LOOK_SHARE 10
/* Attempts at one process's options: a socket may close between the look and the read. */
#define MAX_TRIES 3

static __attribute__((format(printf, 2, 3))) void set_why(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->out->sockopts_why, sizeof(c->out->sockopts_why), fmt, ap);
	va_end(ap);
}

static const char *read_error(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "not permitted (pidfd_getfd needs ptrace access: run as root)";
	case -ESRCH:
		return "the process exited before its socket could be read";
	case -ENOENT:
	case -EBADF:
		return "the socket was closed before it could be read";
	case -ENOSYS:
		return "this kernel has no pidfd_getfd (Linux 5.6 and later)";
	default:
		return strerror(-err);
	}
}

static int add_owner(struct ctx *c, uint64_t inode, const struct owner *o)
{
	struct cell_outcome *out = c->out;
	struct cell_held *h = &c->held;
	struct cell_owner *w;

	if (out->n_owners == h->cap_owners) {
		size_t cap = h->cap_owners ? 2 * h->cap_owners : 64;

		if (!(w = realloc(out->owners, cap * sizeof(*w))))
			return -ENOMEM;
		out->owners = w;
		h->cap_owners = cap;
	}
	w = &out->owners[out->n_owners];
	w->inode = inode;
	w->pid = o->pid;
	memcpy(w->comm, o->comm, sizeof(w->comm));
	if (inode_map_put(&h->seen, inode, (uint32_t)out->n_owners))
		return -ENOMEM;
	out->n_owners++;
	return 0;
}

/* pid's entry in the table of processes whose options are read; NULL when it is full. */
static struct held_pid *pid_slot(struct cell_held *h, int pid)
{
	for (size_t i = h->npids; i-- > 0;)
		if (h->pids[i].pid == pid)
			return &h->pids[i];
	if (h->npids == HELD_MAX_PIDS)
		return NULL;
	h->pids[h->npids] = (struct held_pid){ .pid = pid };
	return &h->pids[h->npids++];
}

/* Reads the options of socket inode, held by o, unless that process's are known: kept
 * when they are the first, or differ from every reading so far. old: the socket was seen
 * in an earlier look. A socket seen for the first time may be just accepted, its server
 * not yet done setting its options (an audit cell read SO_KEEPALIVE off from a socket that
 * then sent keepalive probes): such a reading stands only until one of an old socket
 * replaces it. */
static void read_opts(struct ctx *c, uint64_t inode, const struct owner *o, bool old)
{
	struct held_pid *p = pid_slot(&c->held, o->pid);
	struct cell_outcome *out = c->out;
	struct sockopts so;
	int ret;

	if (!p || p->done || p->tries >= MAX_TRIES || (p->slot1 && !old))
		return;
	p->tries++;
	if ((ret = sockopts_read_inode(o->pid, inode, &so))) {
		set_why(c, "%s (pid %d): %s", o->comm, o->pid, read_error(ret));
		p->done = ret == -EPERM || ret == -EACCES || ret == -ENOSYS;
		return;
	}
	p->done = old;
	if (p->slot1) {
		out->sockopts[p->slot1 - 1].opts = so;
		return;
	}
	for (size_t i = 0; i < out->n_sockopts; i++)
		if (sockopts_equal(&out->sockopts[i].opts, &so))
			return;
	if (out->n_sockopts == CELL_SOCKOPTS_MAX)
		return;
	out->sockopts[out->n_sockopts] = (struct cell_sockopts){ .pid = o->pid, .opts = so };
	memcpy(out->sockopts[out->n_sockopts++].comm, o->comm, sizeof(o->comm));
	if (!old)
		p->slot1 = out->n_sockopts;
}

/* The held sockets of the sampler's latest sample; *n of them in h->snap. */
static int snapshot(struct cell_held *h, struct sampler *s, size_t *n)
{
	size_t want;

	while ((want = sampler_held(s, DIAG_TRACKED_STATES, h->snap, h->cap_snap, NULL)) >
	       h->cap_snap) {
		struct diag_sock *p = realloc(h->snap, 2 * want * sizeof(*p));

		if (!p)
			return -ENOMEM;
		h->snap = p;
		h->cap_snap = 2 * want;
	}
	*n = want;
	return 0;
}

/* One look: each held socket's owner, from the outcome's table or a lookup, and its
 * options when its process's are not known yet. Any held state will do: ESTABLISHED or
 * CLOSE_WAIT come first, but a server that shut down its sending side (shutdown(), or a
 * lingering close) still holds its socket in FIN_WAIT1 or FIN_WAIT2 with the options it
 * closes with, and may never be seen in ESTABLISHED (docs/KERNEL.md, rules 7-11, 18). */
static void look(struct ctx *c, int64_t now)
{
	struct cell_held *h = &c->held;
	size_t n;

	if (snapshot(h, c->sampler, &n))
		return; /* out of memory: the next look may do better */
	for (size_t i = 0; i < n; i++) {
		const struct diag_sock *d = &h->snap[i];
		struct owner o;
		uint32_t k;
		int ret;

		bool old = inode_map_get(&h->seen, d->inode, &k);

		if (old) {
			o.pid = c->out->owners[k].pid;
			memcpy(o.comm, c->out->owners[k].comm, sizeof(o.comm));
		} else if ((ret = owner_lookup(h->cache, d->inode, now, &o))) {
			/* -EAGAIN, -ENOENT: not (yet) in /proc; a later look tries again. */
			if (ret != -EAGAIN && ret != -ENOENT)
				set_why(c, "cannot tell which process holds the server's socket: %s",
					ret == -EACCES ? "/proc/PID/fd not readable" : strerror(-ret));
			continue;
		} else if (add_owner(c, d->inode, &o)) {
			return;
		}
		read_opts(c, d->inode, &o, old);
	}
}

static int start_cache(struct ctx *c)
{
	struct owner_ns ns;
	int ret = owner_ns_of_fd(cell_netns(c->cell, CELL_SERVER), &ns);

	return ret ? ret : owner_cache_new(&ns, NULL, &c->held.cache);
}

void held_poll(struct ctx *c)
{
	struct cell_held *h = &c->held;
	struct sampler_counts k;
	int64_t now = mono_ns(), took;
	int ret;

	if (!c->sampler || now < h->next)
		return;
	if (!h->cache && (ret = start_cache(c))) {
		set_why(c, "cannot look for the server's processes: %s", strerror(-ret));
		h->next = INT64_MAX;
		return;
	}
	sampler_counts(c->sampler, &k);
	if (k.samples == h->samples)
		return;
	h->samples = k.samples;
	look(c, now);
	took = mono_ns() - now;
	h->next = now + (took * LOOK_SHARE > HELD_PERIOD_NS ? took * LOOK_SHARE : HELD_PERIOD_NS);
}

/* finwait-server's command name, as the kernel makes it: the file's name, cut to 15
 * bytes. */
static void builtin_comm(const struct ctx *c, char *comm)
{
	const char *bin = c->env->server_bin, *slash = strrchr(bin, '/');

	snprintf(comm, OWNER_COMM_LEN, "%s", slash ? slash + 1 : bin);
}

void held_on_opts_line(struct ctx *c, const struct status_event *ev)
{
	struct cell_sockopts *r = &c->held.reported;
	const char *lg = status_get(ev, "so_linger");
	long long v;

	if (c->held.have_reported)
		return;
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; i < FW_K_COUNT; i++)
		if (sockopts_row(&fw_keys[i]) && !status_get_long(ev, fw_keys[i].name, &v))
			sockopts_set(&r->opts, &fw_keys[i], (int)v);
	if (lg) {
		r->opts.has_linger = true;
		r->opts.linger_on = strcmp(lg, "off") != 0;
		r->opts.linger_s = r->opts.linger_on ? atoi(lg) : 0;
	}
	r->pid = status_get_long(ev, "pid", &v) ? c->server.pid : (int)v;
	builtin_comm(c, r->comm);
	r->reported = true;
	c->held.have_reported = true;
}

static int by_inode(const void *a, const void *b)
{
	const struct cell_owner *x = a, *y = b;

	return x->inode < y->inode ? -1 : x->inode > y->inode;
}

void held_finish(struct ctx *c)
{
	struct cell_outcome *out = c->out;
	struct cell_held *h = &c->held;

	/* The last look walks /proc (~220 ms for 15 000 descriptors): not when the run is
	 * being interrupted, whose cells are not judged. */
	if (c->sampler && h->cache && !stopping(c)) {
		h->next = 0;
		held_poll(c);
	}
	if (out->n_owners)
		qsort(out->owners, out->n_owners, sizeof(*out->owners), by_inode);
	/* finwait-server in one process is the only one finwait starts in the server's
	 * namespace: a held socket there is its own, even one held only between two looks
	 * (a close right after the response holds it for a millisecond). Split across
	 * processes, it is one of them: which, only a look can tell. */
	if (c->sc->server.program == FW_PROG_BUILTIN && c->server.pid && !out->sole_holder.pid &&
	    c->server_procs <= 1) {
		out->sole_holder.pid = c->server.pid;
		builtin_comm(c, out->sole_holder.comm);
	}
	if (!out->n_sockopts && h->have_reported) {
		out->sockopts[0] = h->reported;
		out->n_sockopts = 1;
	}
	if (!out->n_sockopts && !out->sockopts_why[0])
		set_why(c, h->samples ? "no server socket was seen held (an application's, "
					"inode != 0) while sampling"
				      : "the server's sockets were never sampled");
	owner_cache_free(h->cache);
	inode_map_free(&h->seen);
	free(h->snap);
	memset(h, 0, sizeof(*h));
	h->next = INT64_MAX;
}

const struct cell_owner *cell_owner_of(const struct cell_outcome *out, uint64_t inode)
{
	struct cell_owner key = { .inode = inode };
	const struct cell_owner *w = NULL;

	if (out->n_owners)
		w = bsearch(&key, out->owners, out->n_owners, sizeof(key), by_inode);
	return w ? w : out->sole_holder.pid ? &out->sole_holder : NULL;
}
