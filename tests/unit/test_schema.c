/* Unit tests for common/schema.c and common/vocab.c: the rows are consistent, every
 * default and every formatted value parses back to itself, and the README's scenario
 * block shows exactly the schema's keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "schema.h"
#include "util.h"

#ifndef FW_SOURCE_DIR
#define FW_SOURCE_DIR "."
#endif

static void *scope_base(const struct fw_key *k, struct scenario *sc, unsigned **has)
{
	return fw_key_field_base(k, sc, has);
}

static void test_rows(void **state)
{
	unsigned bits = 0;
	(void)state;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];

		if (!k->section || !k->name || !k->help || !*k->help)
			fail_msg("row %zu has no section, name or help", i);
		/* A presence bit is one bit, used once, and only where `has` lives. */
		if (k->has) {
			if (k->has & (k->has - 1) || bits & k->has)
				fail_msg("%s: presence bit reused or not a single bit", k->name);
			if (k->scope != FW_SCOPE_SERVER)
				fail_msg("%s: presence bit outside [server]", k->name);
			bits |= k->has;
		}
		if (k->opt && k->scope == FW_SCOPE_SCENARIO)
			fail_msg("%s: an endpoint option on a scenario-wide key", k->name);
		/* A socket option is set only when asked: it needs a presence bit. */
		if (k->level && !k->has)
			fail_msg("%s: a socket option without a presence bit", k->name);
		if (k->type == FW_T_ENUM && !k->names)
			fail_msg("%s: an enum without names", k->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(fw_keys[j].section, k->section) &&
			    !strcmp(fw_keys[j].name, k->name))
				fail_msg("%s.%s twice", k->section, k->name);
		char full[64];

		snprintf(full, sizeof(full), "%s.%s", k->section, k->name);
		assert_ptr_equal(fw_key_find(full), k);
	}
}

/* Each default, set then formatted, gives its own text back; the scenario's defaults are
 * those of scenario_default_new's users (checked in test_scenario). */
static void test_defaults_round_trip(void **state)
{
	struct scenario sc = { 0 };
	char buf[256];
	(void)state;

	for (size_t i = 0; i < FW_K_COUNT; i++) {
		const struct fw_key *k = &fw_keys[i];
		unsigned *has;
		void *base = scope_base(k, &sc, &has);

		const char *d = fw_key_default(k);

		if (!d || !*d)
			continue;
		assert_int_equal(fw_key_set(k, base, has, d, 0, NULL), 0);
		assert_true(fw_key_format(k, base, has ? *has : 0, buf, sizeof(buf)));
		if (strcmp(buf, d))
			fail_msg("%s: default '%s' formats as '%s'", k->name, d, buf);
	}
	fw_keys_free(FW_SCOPE_SCENARIO, &sc);
	fw_keys_free(FW_SCOPE_SERVER, &sc.server);
}

/* A formatted value parses back to the same value: what the report's params and the
 * endpoints' command lines rely on. */
static void test_values_round_trip(void **state)
{
	static const struct { enum fw_key_id id; const char *in, *out; } cases[] = {
		{ FW_K_CONNECTIONS, "100000", "100000" },
		{ FW_K_LIMIT, "1.5s", "1500ms" },
		{ FW_K_INTERVAL, "100us", "100us" },
		{ FW_K_CLOSE, "linger:2m", "linger:120s" },
		{ FW_K_CLOSE, "linger:0", "linger0" },
		{ FW_K_KEEPALIVE, "yes", "on" },
		{ FW_K_KEEPIDLE, "2m", "2m" },
		{ FW_K_KEEPCNT, "127", "127" },
		{ FW_K_SNDBUF, "4096", "4096" },
		{ FW_K_LINGER2, "-1", "-1" },
		{ FW_K_LINGER2, "2s", "2" },
		{ FW_K_USER_TIMEOUT, "1.5s", "1500ms" },
		{ FW_K_FAULT, "vanish", "vanish" },
		{ FW_K_EXPECT_FW2, "1s..2500ms", "1s..2500ms" },
		{ FW_K_EXPECT_FW2, "3s", "3s" },
	};
	char a[128], b[128];
	(void)state;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fw_key *k = &fw_keys[cases[i].id];
		struct scenario one = { 0 }, two = { 0 };
		unsigned *h1, *h2;
		void *b1 = scope_base(k, &one, &h1), *b2 = scope_base(k, &two, &h2);

		assert_int_equal(fw_key_set(k, b1, h1, cases[i].in, 0, NULL), 0);
		assert_true(fw_key_format(k, b1, h1 ? *h1 : 0, a, sizeof(a)));
		assert_string_equal(a, cases[i].out);
		assert_int_equal(fw_key_set(k, b2, h2, a, 0, NULL), 0);
		assert_true(fw_key_format(k, b2, h2 ? *h2 : 0, b, sizeof(b)));
		assert_string_equal(a, b);
	}
}

static void test_ranges_and_messages(void **state)
{
	struct fw_server_cfg s = { 0 };
	struct fw_err err = { 0 };
	struct scenario sc = { 0 };
	(void)state;

	/* Ranges come from the row: the message says what was expected. */
	assert_int_equal(fw_key_set(&fw_keys[FW_K_KEEPIDLE], &s, &s.has, "32768", 0, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "bad keepidle '32768' (whole seconds, 1s..32767s)");
	assert_int_equal(fw_key_set(&fw_keys[FW_K_INTERVAL], &sc, NULL, "50us", 0, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "bad interval '50us' (a duration such as 500ms, 2s, 1m; "
				     "at least 100us)");
	/* An empty value unsets a key with a presence bit. */
	assert_int_equal(fw_key_set(&fw_keys[FW_K_KEEPCNT], &s, &s.has, "3", 0, NULL), 0);
	assert_int_equal(s.has, FW_HAS_KEEPCNT);
	assert_int_equal(fw_key_set(&fw_keys[FW_K_KEEPCNT], &s, &s.has, "", 0, NULL), 0);
	assert_int_equal(s.has, 0);
	/* "wait" is for the endpoints only. */
	struct fw_client_cfg c = { 0 };
	assert_int_equal(fw_key_set(&fw_keys[FW_K_FAULT], &c, NULL, "wait", 0, NULL), -EINVAL);
	assert_int_equal(fw_key_set(&fw_keys[FW_K_FAULT], &c, NULL, "wait", FW_SET_ENDPOINT,
				    NULL), 0);
	assert_int_equal(c.fault, FW_FAULT_WAIT);
}

static void test_endpoint_options(void **state)
{
	(void)state;
	assert_ptr_equal(fw_key_by_opt(FW_SCOPE_SERVER, "close-after"),
			 &fw_keys[FW_K_CLOSE_AFTER]);
	assert_ptr_equal(fw_key_by_opt(FW_SCOPE_SERVER, "user-timeout"),
			 &fw_keys[FW_K_USER_TIMEOUT]);
	assert_ptr_equal(fw_key_by_opt(FW_SCOPE_CLIENT, "mode"), &fw_keys[FW_K_CMODE]);
	assert_null(fw_key_by_opt(FW_SCOPE_CLIENT, "close"));
	assert_ptr_equal(fw_key_find("limit"), &fw_keys[FW_K_LIMIT]);
	assert_ptr_equal(fw_key_find("server.mode"), &fw_keys[FW_K_SMODE]);
	assert_null(fw_key_find("mode"));
}

/* The keys of the README's scenario block ("A scenario file (all keys"), as
 * "section.key", sysctl and matrix sections left out. Returns how many. */
static size_t readme_keys(char keys[][64], size_t max)
{
	char path[512], line[512], section[64] = "";
	bool in = false, armed = false;
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/README.md", FW_SOURCE_DIR);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *eq;

		if (strstr(line, "A scenario file (all keys"))
			armed = true;
		if (armed && !in && !strncmp(line, "```ini", 6)) {
			in = true;
			continue;
		}
		if (in && !strncmp(line, "```", 3))
			break;
		if (!in)
			continue;
		if (*p == '[') {
			sscanf(p + 1, "%63[^]]", section);
			continue;
		}
		eq = strchr(p, '=');
		if (!eq || *p == ';' || *p == '#' || !strcmp(section, "matrix") ||
		    strstr(section, "sysctl"))
			continue;
		while (eq > p && eq[-1] == ' ')
			eq--;
		*eq = '\0';
		if (n < max)
			snprintf(keys[n++], 64, "%.31s.%.31s", section, p);
	}
	fclose(f);
	if (!in)
		fail_msg("no scenario block in README.md");
	return n;
}

static void test_readme_agrees(void **state)
{
	char keys[64][64], name[64];
	size_t n = readme_keys(keys, 64);
	(void)state;

	for (size_t i = 0; i < n; i++)
		if (!fw_key_find(keys[i]))
			fail_msg("README.md shows %s, which is not a key", keys[i]);
	for (size_t i = 0; i < FW_K_COUNT; i++) {
		bool found = false;

		snprintf(name, sizeof(name), "%s.%s", fw_keys[i].section, fw_keys[i].name);
		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(keys[j], name);
		if (!found)
			fail_msg("README.md's scenario block does not show %s", name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_defaults_round_trip),
		cmocka_unit_test(test_values_round_trip),
		cmocka_unit_test(test_ranges_and_messages),
		cmocka_unit_test(test_endpoint_options),
		cmocka_unit_test(test_readme_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
