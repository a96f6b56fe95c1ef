/* The packet witness through the real binary: --pcap writes one file per cell that
 * tcpdump reads back, segment for segment as the JSON counts them; the JSON's "packets"
 * show a frozen client's keepalive probes and their ACKs, checked against sock_diag (the
 * cell passes); a --pcap that cannot be a folder is refused before anything runs. */
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "runcmd.h"

static struct json_object *get(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(o, k, &v))
		fail_msg("no key %s", k);
	return v;
}

/* Lines tcpdump prints for file (each a packet). */
static long tcpdump_count(const char *file)
{
	char cmd[4600], line[512];
	long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "tcpdump -nr '%s' 2>/dev/null", file);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p))
		n++;
	assert_int_equal(pclose(p), 0);
	return n;
}

/* How many of a connection's packets have this kind and direction. */
static int count_kind(struct json_object *conn, const char *kind, const char *dir)
{
	struct json_object *pk = get(conn, "packets");
	int n = 0;

	for (size_t i = 0; i < json_object_array_length(pk); i++) {
		struct json_object *p = json_object_array_get_idx(pk, i);

		if (!strcmp(json_object_get_string(get(p, "kind")), kind) &&
		    !strcmp(json_object_get_string(get(p, "dir")), dir))
			n++;
	}
	return n;
}

static void test_pcap_and_packets(void **state)
{
	char dir[4200], json[4200], file[4400];
	struct json_object *doc, *cell, *cap, *conn;
	long segs;
	(void)state;

	snprintf(dir, sizeof(dir), "%s/caps", tmpdir);
	snprintf(json, sizeof(json), "%s/r.json", tmpdir);
	/* shutdown + keepalive, the client frozen: probes every second after 1 s idle,
	 * each ACKed, until the limit. */
	const char *args[] = { "run", "--blank", "--set", "connections=2", "--set", "limit=3500ms",
			       "--set", "server.close=shutdown", "--set", "server.keepalive=on",
			       "--set", "server.keepidle=1s", "--set", "server.keepintvl=1s",
			       "--set", "client.fault=freeze", "--pcap", dir, "--json", json,
			       "-q", NULL };
	assert_int_equal(run("pcap", args), 0);
	doc = json_object_from_file(json);
	assert_non_null(doc);
	cell = json_object_array_get_idx(get(doc, "cells"), 0);
	cap = get(cell, "capture");
	segs = (long)json_object_get_int64(get(cap, "segments"));
	assert_true(segs > 10);
	assert_int_equal(json_object_get_int64(get(cap, "kernel_dropped")), 0);
	snprintf(file, sizeof(file), "%s", json_object_get_string(get(cap, "file")));
	assert_non_null(strstr(file, "/caps/blank.pcap"));
	assert_int_equal(tcpdump_count(file), segs);
	conn = json_object_array_get_idx(get(cell, "connections"), 0);
	assert_int_equal(count_kind(conn, "syn", "in"), 1);
	assert_int_equal(count_kind(conn, "fin", "out"), 1);
	assert_int_equal(count_kind(conn, "ack-of-fin", "in"), 1);
	assert_true(count_kind(conn, "keepalive-probe", "out") >= 2);
	assert_int_equal(count_kind(conn, "keepalive-probe", "out"),
			 count_kind(conn, "keepalive-ack", "in"));
	json_object_put(doc);
}

static void test_pcap_dir_refused(void **state)
{
	char file[4200], *err;
	(void)state;

	const char *missing[] = { "run", "--pcap", "/nonexistent-dir/caps", NULL };
	assert_int_equal(run("missing", missing), 2);
	err = output("missing", "err");
	assert_non_null(strstr(err, "--pcap /nonexistent-dir/caps"));
	free(err);
	snprintf(file, sizeof(file), "%s/plain", tmpdir);
	write_file(file, "x\n");
	const char *notdir[] = { "run", "--pcap", file, NULL };
	assert_int_equal(run("notdir", notdir), 2);
	err = output("notdir", "err");
	assert_non_null(strstr(err, "not a directory"));
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_and_packets),
		cmocka_unit_test(test_pcap_dir_refused),
	};

	return cmocka_run_group_tests(tests, runcmd_setup, runcmd_teardown);
}
