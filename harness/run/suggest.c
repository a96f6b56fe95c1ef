/* suggest: the nearest scenario key or sysctl to a mistyped key (see suggest.h). */
#include "suggest.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "sysctl.h"
#include "util.h"

#define DIST_MAX 255u
/* Longer keys get no edit distance (it stays DIST_MAX). */
#define NAME_MAX_LEN 95

/* The sysctl folders whose files may be suggested, as "/proc/sys" below root and as the
 * key's prefix. */
static const char *const sysctl_dirs[] = { "net/ipv4", "net/ipv6", "net/core" };

/* The best candidate so far: a lower score wins; the first of equals stays. */
struct best {
	unsigned score;
	char *buf;
	size_t len;
};

unsigned suggest_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned char d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];	/* prefixes' distances */

	if (n > NAME_MAX_LEN || m > NAME_MAX_LEN)
		return DIST_MAX;
	for (size_t i = 0; i <= n; i++)
		for (size_t j = 0; j <= m; j++) {
			unsigned v;

			if (!i || !j) {
				d[i][j] = (unsigned char)(i + j);
				continue;
			}
			v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1u < v)
				v = d[i - 1][j] + 1u;
			if (d[i][j - 1] + 1u < v)
				v = d[i][j - 1] + 1u;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1u < v)
				v = d[i - 2][j - 2] + 1u;
			d[i][j] = (unsigned char)v;
		}
	return d[n][m];
}

static const char *last_part(const char *s)
{
	const char *dot = strrchr(s, '.');

	return dot ? dot + 1 : s;
}

/* How near key is to candidate cand (its last part: name): 0 the same last part, 1 a
 * suffix at a '_', 2 + the edit distance when within a third of the length, else
 * DIST_MAX. */
static unsigned score(const char *key, const char *cand, const char *name)
{
	const char *k = last_part(key);
	size_t kl = strlen(k), nl = strlen(name);
	unsigned d, dk, limit = kl / 3 ? (unsigned)(kl / 3) : 1;

	if (!strcmp(k, name))
		return 0;
	if (kl >= 3 && nl > kl && !strcmp(name + nl - kl, k) && name[nl - kl - 1] == '_')
		return 1;
	d = suggest_distance(k, name);
	dk = suggest_distance(key, cand);
	d = dk < d ? dk : d;
	return d <= limit ? 2 + d : DIST_MAX;
}

static void consider(struct best *b, const char *key, const char *cand, const char *name)
{
	unsigned s = score(key, cand, name);

	if (s < b->score) {
		b->score = s;
		snprintf(b->buf, b->len, "%s", cand);
	}
}

/* The per-namespace sysctls of one folder of sysctl_dirs. */
static void consider_sysctls(struct best *b, const char *key, const char *root,
			     const char *sub)
{
	char path[4096], cand[256], dotted[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", root, sub);
	if (!(d = opendir(path)))
		return;
	snprintf(dotted, sizeof(dotted), "%s", sub);
	for (char *p = dotted; *p; p++)
		*p = *p == '/' ? '.' : *p;
	while ((e = readdir(d))) {
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		if (e->d_name[0] == '.' || strlen(e->d_name) > NAME_MAX_LEN)
			continue;
		snprintf(cand, sizeof(cand), "%s.%s", dotted, e->d_name);
		if (sysctl_key_check(cand))
			continue;
		snprintf(cand, sizeof(cand), "sysctl.%s.%s", dotted, e->d_name);
		consider(b, key, cand, e->d_name);
	}
	closedir(d);
}

bool suggest_key(const char *key, const char *sysctl_root, char *buf, size_t len)
{
	struct best b = { DIST_MAX, buf, len };
	char cand[128];

	buf[0] = '\0';
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		snprintf(cand, sizeof(cand), "%s.%s", fw_keys[i].section, fw_keys[i].name);
		consider(&b, key, cand, fw_keys[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sysctl_dirs); i++)
		consider_sysctls(&b, key, sysctl_root, sysctl_dirs[i]);
	return b.score < DIST_MAX;
}
