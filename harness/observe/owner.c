/* owner: which process holds a socket (see owner.h). */
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define DEFAULT_RESCAN_NS (50 * NSEC_PER_MSEC)
/* A walk may take at most this share of the time between two: 1 in WALK_SHARE. */
#define WALK_SHARE 4

struct owner_cache {
	struct owner_ns ns;
	char *procroot;
	int64_t rescan_ns;
	struct inode_map map;	/* inode -> index in procs */
	struct owner *procs;	/* the processes of the namespace at the latest walk */
	size_t nprocs, capprocs;
	bool denied;		/* a process of the namespace could not be read */
	bool walked;
	int64_t last_walk, last_walk_len;
	uint64_t walks;
};

int owner_ns_of_fd(int netns_fd, struct owner_ns *ns)
{
	struct stat st;

	if (fstat(netns_fd, &st) < 0)
		return -errno;
	ns->dev = (uint64_t)st.st_dev;
	ns->ino = (uint64_t)st.st_ino;
	return 0;
}

uint64_t owner_parse_link(const char *text)
{
	static const char prefix[] = "socket:[";
	uint64_t v = 0;
	const char *p;

	if (strncmp(text, prefix, sizeof(prefix) - 1))
		return 0;
	for (p = text + sizeof(prefix) - 1; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return p[0] == ']' && !p[1] ? v : 0;
}

/* ---- the inode map ---- */

static size_t slot_of(uint64_t inode, size_t cap)
{
	/* Fibonacci hashing: inodes are mostly consecutive numbers. */
	return (size_t)((inode * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static int map_grow(struct inode_map *m)
{
	size_t cap = m->cap ? m->cap * 2 : 64;
	struct inode_map n = { calloc(cap, sizeof(*n.keys)), calloc(cap, sizeof(*n.vals)), 0,
			       cap };

	if (!n.keys || !n.vals) {
		inode_map_free(&n);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			inode_map_put(&n, m->keys[i], m->vals[i]);
	inode_map_free(m);
	*m = n;
	return 0;
}

int inode_map_put(struct inode_map *m, uint64_t inode, uint32_t v)
{
	size_t i;
	int ret;

	if (!inode)
		return -EINVAL;
	/* At most half full: probes stay short. */
	if (2 * (m->n + 1) > m->cap && (ret = map_grow(m)))
		return ret;
	for (i = slot_of(inode, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == inode)
			return 0;
	m->keys[i] = inode;
	m->vals[i] = v;
	m->n++;
	return 0;
}

/* The value slot of inode, NULL when it is not there. */
static uint32_t *map_val(const struct inode_map *m, uint64_t inode)
{
	if (!m->cap || !inode)
		return NULL;
	for (size_t i = slot_of(inode, m->cap); m->keys[i]; i = (i + 1) & (m->cap - 1))
		if (m->keys[i] == inode)
			return &m->vals[i];
	return NULL;
}

bool inode_map_get(const struct inode_map *m, uint64_t inode, uint32_t *v)
{
	const uint32_t *p = map_val(m, inode);

	if (p)
		*v = *p;
	return p != NULL;
}

void inode_map_free(struct inode_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ---- one process ---- */

static const char *root_of(const char *procroot)
{
	return procroot ? procroot : "/proc";
}

/* Calls fn(inode, fd, arg) for every socket descriptor of the process whose /proc
 * folder is open as pdir; stops when fn returns nonzero and returns that. Returns 0,
 * -errno when the fd folder cannot be read, or fn's value. */
static int each_socket(int pdir, int (*fn)(uint64_t inode, int fd, void *arg), void *arg)
{
	struct dirent *e;
	int dfd, ret = 0;
	DIR *d;

	if ((dfd = openat(pdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	if (!(d = fdopendir(dfd))) {
		ret = -errno;
		close(dfd);
		return ret;
	}
	while (!ret && (e = readdir(d))) {
		char link[64];
		ssize_t n;
		uint64_t inode;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		n = readlinkat(dfd, e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue; /* closed meanwhile */
		link[n] = '\0';
		if ((inode = owner_parse_link(link)))
			ret = fn(inode, atoi(e->d_name), arg);
	}
	closedir(d);
	return ret;
}

struct fd_search {
	uint64_t inode;
	int fd;
};

static int match_fd(uint64_t inode, int fd, void *arg)
{
	struct fd_search *s = arg;

	if (inode != s->inode)
		return 0;
	s->fd = fd;
	return 1;
}

int owner_fd_of(const char *procroot, int pid, uint64_t inode, int *fd)
{
	struct fd_search s = { inode, -1 };
	char path[300];
	int pdir, ret;

	snprintf(path, sizeof(path), "%s/%d", root_of(procroot), pid);
	if ((pdir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	ret = each_socket(pdir, match_fd, &s);
	close(pdir);
	if (ret < 0)
		return ret == -ENOENT ? -ESRCH : ret;
	if (!ret)
		return -ENOENT;
	*fd = s.fd;
	return 0;
}

/* ---- the cache ---- */

int owner_cache_new(const struct owner_ns *ns, const struct owner_cache_conf *conf,
		    struct owner_cache **out)
{
	struct owner_cache *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c || !(c->procroot = strdup(root_of(conf ? conf->procroot : NULL)))) {
		free(c);
		return -ENOMEM;
	}
	c->ns = *ns;
	c->rescan_ns = conf && conf->rescan_ns > 0 ? conf->rescan_ns : DEFAULT_RESCAN_NS;
	*out = c;
	return 0;
}

void owner_cache_free(struct owner_cache *c)
{
	if (!c)
		return;
	inode_map_free(&c->map);
	free(c->procs);
	free(c->procroot);
	free(c);
}

/* The process folder pdir is in the cache's namespace. */
static bool in_ns(const struct owner_cache *c, int pdir)
{
	struct stat st;

	return !fstatat(pdir, "ns/net", &st, 0) && (uint64_t)st.st_dev == c->ns.dev &&
	       (uint64_t)st.st_ino == c->ns.ino;
}

static void read_comm(int pdir, char *comm)
{
	ssize_t n = -1;
	int fd = openat(pdir, "comm", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		n = read(fd, comm, OWNER_COMM_LEN - 1);
		close(fd);
	}
	comm[n > 0 ? n : 0] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

static int map_socket(uint64_t inode, int fd, void *arg)
{
	struct owner_cache *c = arg;
	uint32_t *v = map_val(&c->map, inode), self = (uint32_t)(c->nprocs - 1);

	(void)fd;
	/* A socket shared by several processes (inherited across fork) goes to the lowest
	 * pid, whatever the order of the folder. */
	if (v) {
		if (c->procs[*v].pid > c->procs[self].pid)
			*v = self;
		return 0;
	}
	return inode_map_put(&c->map, inode, self);
}

/* Adds process pid (its folder open as pdir) and its sockets. Returns 0 or -ENOMEM. */
static int add_process(struct owner_cache *c, int pid, int pdir)
{
	struct owner *o;
	int ret;

	if (c->nprocs == c->capprocs) {
		size_t cap = c->capprocs ? 2 * c->capprocs : 16;

		if (!(o = realloc(c->procs, cap * sizeof(*o))))
			return -ENOMEM;
		c->procs = o;
		c->capprocs = cap;
	}
	o = &c->procs[c->nprocs++];
	o->pid = pid;
	read_comm(pdir, o->comm);
	ret = each_socket(pdir, map_socket, c);
	if (ret == -EACCES || ret == -EPERM)
		c->denied = true;
	return ret == -ENOMEM ? ret : 0; /* gone meanwhile, or unreadable: skipped */
}

int owner_cache_walk(struct owner_cache *c, int64_t now_ns)
{
	int64_t t0 = mono_ns();
	struct dirent *e;
	int ret = 0;
	DIR *d;

	if (!(d = opendir(c->procroot)))
		return -errno;
	inode_map_free(&c->map);
	c->nprocs = 0;
	c->denied = false;
	while (!ret && (e = readdir(d))) {
		int pdir;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pdir = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (pdir < 0)
			continue;
		if (in_ns(c, pdir))
			ret = add_process(c, atoi(e->d_name), pdir);
		close(pdir);
	}
	closedir(d);
	c->walked = true;
	c->walks++;
	c->last_walk = now_ns;
	c->last_walk_len = mono_ns() - t0;
	return ret;
}

/* An unknown inode may be looked for again: the period has passed, and so has
 * WALK_SHARE times the last walk's length. */
static bool may_walk(const struct owner_cache *c, int64_t now_ns)
{
	int64_t gap = c->rescan_ns;

	if (!c->walked)
		return true;
	if (c->last_walk_len > gap / WALK_SHARE)
		gap = c->last_walk_len * WALK_SHARE;
	return now_ns - c->last_walk >= gap;
}

static bool cached(const struct owner_cache *c, uint64_t inode, struct owner *o)
{
	uint32_t i;

	if (!inode_map_get(&c->map, inode, &i))
		return false;
	*o = c->procs[i];
	return true;
}

int owner_lookup(struct owner_cache *c, uint64_t inode, int64_t now_ns, struct owner *o)
{
	int ret;

	if (!inode)
		return -EINVAL;
	if (cached(c, inode, o))
		return 0;
	if (!may_walk(c, now_ns))
		return -EAGAIN;
	if ((ret = owner_cache_walk(c, now_ns)))
		return ret;
	if (cached(c, inode, o))
		return 0;
	return c->denied ? -EACCES : -ENOENT;
}

uint64_t owner_cache_walks(const struct owner_cache *c, int64_t *last_walk_ns)
{
	if (last_walk_ns)
		*last_walk_ns = c->last_walk_len;
	return c->walks;
}

int owner_find(int netns_fd, uint64_t inode, struct owner *o)
{
	struct owner_cache *c;
	struct owner_ns ns;
	int ret;

	if ((ret = owner_ns_of_fd(netns_fd, &ns)) || (ret = owner_cache_new(&ns, NULL, &c)))
		return ret;
	ret = owner_lookup(c, inode, mono_ns(), o);
	owner_cache_free(c);
	return ret;
}
