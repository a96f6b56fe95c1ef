#include "kinfo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <zlib.h>

#include "util.h"

int kinfo_hz_from_config(const char *text, size_t len)
{
	static const char key[] = "CONFIG_HZ=";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (n > sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1)) {
			char num[16] = { 0 };
			long v;
			size_t k = n - (sizeof(key) - 1);

			if (k < sizeof(num)) {
				memcpy(num, p + sizeof(key) - 1, k);
				if (!parse_long(num, 1, 100000, &v))
					return (int)v;
			}
		}
		p += n + 1;
	}
	return 0;
}

int kinfo_hz_round(double measured)
{
	static const int choices[] = { 100, 250, 300, 1000 };

	for (size_t i = 0; i < ARRAY_SIZE(choices); i++)
		if (fabs(measured - choices[i]) <= 0.1 * choices[i])
			return choices[i];
	return 0;
}

/* Reads a (possibly gzip-compressed) file whole; gzread passes plain files through. */
static char *slurp_gz(const char *path, size_t *len)
{
	gzFile f = gzopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *buf;
	int r;

	if (!f)
		return NULL;
	buf = malloc(cap);
	while (buf && (r = gzread(f, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	gzclose(f);
	*len = n;
	return buf;
}

static int hz_from_file(const char *path)
{
	size_t len = 0;
	char *text = slurp_gz(path, &len);
	int hz = text ? kinfo_hz_from_config(text, len) : 0;

	free(text);
	return hz;
}

static int read_jiffies(unsigned long long *j)
{
	FILE *f = fopen("/proc/timer_list", "r");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "jiffies: %llu", j) == 1) {
			ret = 0;
			break;
		}
	fclose(f);
	return ret;
}

/* The jiffies counter advances HZ times a second; watch it for ~100 ms. */
static int hz_measured(void)
{
	unsigned long long j0, j1;
	int64_t t0, t1;
	struct timespec d = { 0, 100 * NSEC_PER_MSEC };

	t0 = mono_ns();
	if (read_jiffies(&j0))
		return 0;
	nanosleep(&d, NULL);
	if (read_jiffies(&j1))
		return 0;
	t1 = mono_ns();
	return kinfo_hz_round((double)(j1 - j0) / ns_to_s(t1 - t0));
}

void kinfo_read(struct kinfo *ki)
{
	struct utsname u;
	char path[300];

	memset(ki, 0, sizeof(*ki));
	if (!uname(&u))
		snprintf(ki->release, sizeof(ki->release), "%s", u.release);
	if ((ki->hz = hz_from_file("/proc/config.gz"))) {
		snprintf(ki->hz_source, sizeof(ki->hz_source), "/proc/config.gz");
		return;
	}
	snprintf(path, sizeof(path), "/boot/config-%s", ki->release);
	if ((ki->hz = hz_from_file(path))) {
		snprintf(ki->hz_source, sizeof(ki->hz_source), "/boot/config");
		return;
	}
	if ((ki->hz = hz_measured()))
		snprintf(ki->hz_source, sizeof(ki->hz_source), "measured jiffies");
	else
		snprintf(ki->hz_source, sizeof(ki->hz_source), "unknown");
}
