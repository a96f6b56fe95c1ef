/* Benchmark: how long one lab cell takes to create and destroy (median of many), next to
 * the same cell made by an iproute2 shell script (tests/bench/lab_iproute2.sh). Also
 * breaks cell_create() down: the two namespaces alone. Goals: <= 5 ms a cell and
 * >= 15x faster than the script. Usage: bench_lab [SCRIPT [N [N_SHELL]]]. With
 * FINWAIT_BENCH_STRICT=1 a missed goal exits 1. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "netns.h"
#include "proc.h"
#include "util.h"

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Sorts v and returns its q-quantile (0..1). */
static double quant_ms(int64_t *v, size_t n, double q)
{
	qsort(v, n, sizeof(*v), cmp_i64);
	return (double)v[(size_t)(q * (double)(n - 1) + 0.5)] / 1e6;
}

static void report(const char *what, int64_t *v, size_t n)
{
	printf("  %-34s median %7.3f ms   p10 %7.3f   p90 %7.3f   (n=%zu)\n", what,
	       quant_ms(v, n, 0.5), quant_ms(v, n, 0.1), quant_ms(v, n, 0.9), n);
}

int main(int argc, char **argv)
{
	const char *script = argc > 1 ? argv[1] : NULL;
	size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 200;
	size_t n_sh = argc > 3 ? strtoul(argv[3], NULL, 10) : 100;
	int64_t *create = NULL, *destroy = NULL, *both = NULL, *nsonly = NULL, *shell = NULL;
	double med, med_sh = 0;
	bool strict = getenv("FINWAIT_BENCH_STRICT") != NULL, ok = true;
	struct lab *lab = NULL;
	struct fw_err err = { 0 };
	char msg[600];
	int ret = 3;

	create = calloc(n, sizeof(int64_t));
	destroy = calloc(n, sizeof(int64_t));
	both = calloc(n, sizeof(int64_t));
	nsonly = calloc(n, sizeof(int64_t));
	shell = calloc(n_sh ? n_sh : 1, sizeof(int64_t));
	if (!n || !create || !destroy || !both || !nsonly || !shell)
		goto out;
	if (lab_open(&lab, 0, &err) < 0) {
		fprintf(stderr, "bench_lab: %s\n", fw_err_format(&err, msg, sizeof(msg)));
		ret = 77;
		goto out;
	}
	/* Warm up caches and the allocator. */
	for (int i = 0; i < 10; i++) {
		struct cell *c = NULL;

		if (cell_create(lab, (unsigned)i, &c, &err) < 0) {
			fprintf(stderr, "bench_lab: %s\n", fw_err_format(&err, msg, sizeof(msg)));
			goto out;
		}
		cell_destroy(c);
	}
	for (size_t i = 0; i < n; i++) {
		struct cell *c = NULL;
		int64_t t0 = mono_ns(), t1, t2;

		if (cell_create(lab, (unsigned)(i % ADDR_SLOTS), &c, &err) < 0) {
			fprintf(stderr, "bench_lab: %s\n", fw_err_format(&err, msg, sizeof(msg)));
			goto out;
		}
		t1 = mono_ns();
		cell_destroy(c);
		t2 = mono_ns();
		create[i] = t1 - t0;
		destroy[i] = t2 - t1;
		both[i] = t2 - t0;
	}
	/* The part of cell_create() that is only making the two namespaces. */
	for (size_t i = 0; i < n; i++) {
		int64_t t0 = mono_ns();
		int a = netns_new(lab_root_netns(lab)), b = netns_new(lab_root_netns(lab));

		nsonly[i] = mono_ns() - t0;
		if (a < 0 || b < 0) {
			fprintf(stderr, "bench_lab: netns_new: %s\n", strerror(-(a < 0 ? a : b)));
			goto out;
		}
		close(a);
		close(b);
	}
	if (script && n_sh && geteuid() == 0) {
		for (size_t i = 0; i < n_sh; i++) {
			char name[64];
			char *args[] = { (char *)script, name, NULL };
			struct proc p;
			int st = 0;
			int64_t t0 = mono_ns();

			snprintf(name, sizeof(name), "fwbench%d-%zu", (int)getpid(), i);
			if (proc_spawn(&p, -1, -1, args, NULL) < 0 || proc_wait(&p, -1, &st) < 0 ||
			    !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				fprintf(stderr, "bench_lab: %s failed\n", script);
				goto out;
			}
			shell[i] = mono_ns() - t0;
		}
	}

	printf("bench_lab: one lab cell (2 netns from lab-root, veth, 4 addresses, links up, "
	       "waited until usable)\n");
	report("cell_create", create, n);
	report("cell_destroy (close fds)", destroy, n);
	report("create + destroy", both, n);
	report("  of which: two netns_new()", nsonly, n);
	med = quant_ms(both, n, 0.5);
	if (script && n_sh && geteuid() == 0) {
		report("iproute2 script (create+destroy)", shell, n_sh);
		med_sh = quant_ms(shell, n_sh, 0.5);
		printf("  ratio: the lab is %.1fx faster than the iproute2 script\n", med_sh / med);
	} else {
		printf("  iproute2 comparison skipped (needs root and the script path)\n");
	}
	printf("  goal <= 5 ms a cell: %s (median create+destroy %.3f ms)\n",
	       med <= 5.0 ? "met" : "MISSED", med);
	ok = med <= 5.0;
	if (med_sh > 0) {
		printf("  goal >= 15x faster than iproute2: %s (%.1fx)\n",
		       med_sh / med >= 15.0 ? "met" : "MISSED", med_sh / med);
		ok = ok && med_sh / med >= 15.0;
	}
	printf("  note: destroy only drops fds; the kernel frees namespaces later in "
	       "cleanup_net() (a workqueue), as it does after `ip netns del`\n");
	ret = strict && !ok ? 1 : 0;
out:
	lab_close(lab);
	free(create);
	free(destroy);
	free(both);
	free(nsonly);
	free(shell);
	return ret;
}
