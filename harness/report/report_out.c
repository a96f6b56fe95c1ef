/* report_out: report paths checked up front, files written whole (see report_out.h). */
#include "report_out.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


/* A report path cut into its folder and its file name. */
struct out_path {
	char dir[4096];
	const char *base;	/* into the path */
};

static int split(const char *path, struct out_path *p)
{
	const char *slash = strrchr(path, '/');

	if (!slash) {
		snprintf(p->dir, sizeof(p->dir), ".");
		p->base = path;
		return 0;
	}
	if ((size_t)(slash - path) >= sizeof(p->dir))
		return -ENAMETOOLONG;
	snprintf(p->dir, sizeof(p->dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	p->base = slash + 1;
	return 0;
}

/* "DIR/.BASE.XXXXXX" for mkstemp. */
static int tmp_name(const struct out_path *p, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/.%s.XXXXXX", p->dir, p->base) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* One entry's path: usable, and where (*dir_st) its folder is. */
static int check_one(const struct report_out *o, struct out_path *p, struct stat *dir_st,
		     struct fw_err *err)
{
	char tmp[4200];
	struct stat st;
	int fd, ret;

	if (!*o->path)
		return fw_err_set(err, -EINVAL, o->option, 0, "an empty path");
	if ((ret = split(o->path, p)) || (ret = tmp_name(p, tmp, sizeof(tmp))))
		return fw_err_set(err, ret, o->option, 0, "%s: path too long", o->path);
	if (!*p->base || !strcmp(p->base, ".") || !strcmp(p->base, ".."))
		return fw_err_set(err, -EISDIR, o->option, 0, "%s is a folder, not a file",
				  o->path);
	if (stat(p->dir, dir_st))
		return fw_err_set(err, -errno, o->option, 0, "%s: the folder %s: %s", o->path,
				  p->dir, strerror(errno));
	if (!S_ISDIR(dir_st->st_mode))
		return fw_err_set(err, -ENOTDIR, o->option, 0, "%s: %s is not a folder",
				  o->path, p->dir);
	if (!lstat(o->path, &st) && S_ISDIR(st.st_mode))
		return fw_err_set(err, -EISDIR, o->option, 0, "%s is a folder, not a file",
				  o->path);
	/* The one sure test that the file can be made: make one (and remove it). */
	fd = mkstemp(tmp);
	if (fd < 0)
		return fw_err_set(err, -errno, o->option, 0, "%s: cannot create a file in %s: %s",
				  o->path, p->dir, strerror(errno));
	unlink(tmp);
	close(fd);
	return 0;
}

int report_out_check(const struct report_out *outs, size_t n, struct fw_err *err)
{
	struct out_path *p = calloc(n ? n : 1, sizeof(*p));
	struct stat *st = calloc(n ? n : 1, sizeof(*st));
	const struct report_out *dash = NULL;
	int ret = 0;

	if (!p || !st) {
		ret = fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		const struct report_out *o = &outs[i];

		if (!o->path)
			continue;
		if (!strcmp(o->path, "-")) {
			if (dash)
				ret = fw_err_set(err, -EINVAL, o->option, 0, "stdout (-) is "
						 "already %s's: one report at most on stdout",
						 dash->option);
			dash = o;
			continue;
		}
		if ((ret = check_one(o, &p[i], &st[i], err)))
			break;
		/* The same folder (whatever its spelling) and the same name: one file. */
		for (size_t j = 0; j < i && !ret; j++)
			if (outs[j].path && strcmp(outs[j].path, "-") &&
			    st[j].st_dev == st[i].st_dev && st[j].st_ino == st[i].st_ino &&
			    !strcmp(p[j].base, p[i].base))
				ret = fw_err_set(err, -EINVAL, o->option, 0, "%s is the file of %s "
						 "too: give each report its own file", o->path,
						 outs[j].option);
	}
out:
	free(p);
	free(st);
	return ret;
}

bool report_out_stdout(const struct report_out *outs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (outs[i].path && !strcmp(outs[i].path, "-"))
			return true;
	return false;
}

/* The mode a file made with open(0666) would get: mkstemp makes 0600. */
static mode_t file_mode(void)
{
	mode_t mask = umask(022);

	umask(mask);
	return 0666 & ~mask;
}

/* Writes data into fd (a new temporary file) and closes it; 0 or -errno. */
static int write_tmp(int fd, const struct report_out *o, const void *data)
{
	FILE *f = fdopen(fd, "w");
	int ret;

	if (!f) {
		ret = -errno;
		close(fd);
		return ret;
	}
	ret = o->write(data, f);
	if (!ret && fflush(f))
		ret = -errno;
	if (!ret && fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int report_out_write(const struct report_out *o, const void *data, struct fw_err *err)
{
	struct out_path p;
	char tmp[4200];
	int fd, ret;

	if (!strcmp(o->path, "-")) {
		ret = o->write(data, stdout);
		if (!ret && fflush(stdout))
			ret = -errno;
		return ret ? fw_err_set(err, ret, o->option, 0, "cannot write to stdout: %s",
					strerror(-ret)) : 0;
	}
	if ((ret = split(o->path, &p)) || (ret = tmp_name(&p, tmp, sizeof(tmp))))
		return fw_err_set(err, ret, o->option, 0, "%s: path too long", o->path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return fw_err_set(err, -errno, o->option, 0, "cannot write %s: %s", o->path,
				  strerror(errno));
	if (fchmod(fd, file_mode()))
		ret = -errno;
	ret = ret ? (close(fd), ret) : write_tmp(fd, o, data);
	/* rename() replaces a symlink at the path; it never writes through it. */
	if (!ret && rename(tmp, o->path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		return fw_err_set(err, ret, o->option, 0, "cannot write %s: %s", o->path,
				  strerror(-ret));
	}
	return 0;
}

int report_out_write_all(const struct report_out *outs, size_t n, const void *data,
			 void (*on_err)(const struct fw_err *err))
{
	int first = 0;

	for (size_t i = 0; i < n; i++) {
		struct fw_err err = { 0 };
		int ret;

		if (!outs[i].path)
			continue;
		ret = report_out_write(&outs[i], data, &err);
		if (ret && on_err)
			on_err(&err);
		if (ret && !first)
			first = ret;
	}
	return first;
}
