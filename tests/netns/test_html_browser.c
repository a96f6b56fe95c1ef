/* The HTML page in a real browser: the page of the default run (`finwait run --html`)
 * loaded by Debian's headless Chromium inside an empty network namespace (nothing could
 * be fetched even if the page asked), which must render it with no console message (a
 * fetch the Content-Security-Policy blocked would print one), hold no reference to
 * anything outside the page, and show every cell of the run's JSON. The page, the JSON
 * and the screenshot stay in the build tree: tests/artifacts/html/ (default.html,
 * default.json, default.png).
 *
 * With the argument "control", the same checks run on a page with one image from the
 * network injected, and must catch it twice (the console's policy message and the
 * reference in the DOM): the checks can fail. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "report_html.h"
#include "runcmd.h"

static const char *chromium = "/usr/bin/chromium";
static char artifacts[4096];

/* Loads page in headless Chromium, in a new network namespace (a user namespace too
 * when not root); its DOM goes to tmpdir/TAG.out, its log to tmpdir/TAG.err, the
 * screenshot to artifacts/SHOT_NAME.png. */
static void browse(const char *page, const char *tag, const char *shot_name)
{
	char url[4200], shot[4300], profile[4200];
	const char *unshare_net = geteuid() == 0 ? "-n" : "-rn";
	const char *argv[] = { "unshare", unshare_net, "--", chromium, "--headless",
			       "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
			       "--no-first-run", "--enable-logging=stderr", "--log-level=0",
			       "--window-size=1280,2400", shot, profile, "--dump-dom", url, NULL };

	snprintf(shot, sizeof(shot), "--screenshot=%s/%s.png", artifacts, shot_name);
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile-%s", tmpdir, tag);
	snprintf(url, sizeof(url), "file://%s", page);
	assert_int_equal(finish(start_cmd(tag, argv)), 0);
}

/* What is wrong with a loaded page: a console message in the log, or a reference in
 * the DOM to anything but the page itself. Returns a bit per finding. */
enum { BAD_CONSOLE = 1, BAD_REFERENCE = 2, BAD_NO_POLICY = 4 };

static int page_problems(const char *dom, const char *log)
{
	static const char *const refs[] = { "://", " src=", "<script", "<link", "<iframe",
					    "<object", "<embed", "@import" };
	int bad = 0;

	if (strstr(log, ":CONSOLE"))
		bad |= BAD_CONSOLE;
	for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++)
		if (strstr(dom, refs[i])) {
			fprintf(stderr, "the DOM holds %s\n", refs[i]);
			bad |= BAD_REFERENCE;
		}
	/* href and url() only to the page's own anchors and patterns */
	for (const char *p = dom; (p = strstr(p, "href=\"")); p += 6)
		if (p[6] != '#')
			bad |= BAD_REFERENCE;
	for (const char *p = dom; (p = strstr(p, "url(")); p += 4)
		if (p[4] != '#')
			bad |= BAD_REFERENCE;
	if (!strstr(dom, "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"))
		bad |= BAD_NO_POLICY;
	return bad;
}

/* The cell's name as the DOM spells an attribute's value. */
static void attr_text(const char *name, char *buf, size_t len)
{
	size_t k = 0;

	for (; *name && k + 7 < len; name++) {
		const char *e = *name == '&' ? "&amp;" : *name == '"' ? "&quot;" : NULL;

		if (e)
			k += (size_t)snprintf(buf + k, len - k, "%s", e);
		else
			buf[k++] = *name;
	}
	buf[k] = '\0';
}

static void test_default_page(void **state)
{
	char page[4200], json[4200], shot[4200], want[1200];
	const char *args[] = { "run", "-q", "--json", json, "--html", page, NULL };
	struct json_object *doc, *cells;
	struct stat st;
	char *dom, *log;
	size_t n;

	(void)state;
	snprintf(page, sizeof(page), "%s/default.html", artifacts);
	snprintf(json, sizeof(json), "%s/default.json", artifacts);
	snprintf(shot, sizeof(shot), "%s/default.png", artifacts);
	unlink(shot);
	assert_int_equal(run("default", args), 0);
	browse(page, "browse", "default");
	dom = output("browse", "out");
	log = output("browse", "err");
	assert_non_null(dom);
	assert_non_null(log);
	assert_int_equal(page_problems(dom, log), 0);
	/* rendered: a screenshot of the page (a blank one is a few kB) */
	assert_int_equal(stat(shot, &st), 0);
	assert_true(st.st_size > 20000);
	/* every cell of the JSON has its section, by name */
	doc = json_object_from_file(json);
	assert_non_null(doc);
	assert_true(json_object_object_get_ex(doc, "cells", &cells));
	n = json_object_array_length(cells);
	assert_true(n >= 2);
	for (size_t i = 0; i < n; i++) {
		struct json_object *name;
		char attr[1024];

		assert_true(json_object_object_get_ex(json_object_array_get_idx(cells, i), "name",
						      &name));
		attr_text(json_object_get_string(name), attr, sizeof(attr));
		snprintf(want, sizeof(want), "<section id=\"cell-%zu\" data-cell=\"%s\">", i, attr);
		if (!strstr(dom, want))
			fail_msg("no section %s in the DOM", want);
	}
	snprintf(want, sizeof(want), "<section id=\"cell-%zu\"", n);
	assert_null(strstr(dom, want));
	json_object_put(doc);
	free(dom);
	free(log);
}

/* The checks catch a page that fetches: one image from the network, injected. */
static void test_control(void **state)
{
	static const char json[] =
		"{ \"finwait\": \"0.1.0\", \"kernel\": \"6.1.0\", \"hz\": 250, \"cells\": [\n"
		"{ \"name\": \"control\", \"connections\": [ ], \"verdict\": \"pass\" } ] }\n";
	char path[4200], *text = NULL, *dom, *log;
	size_t len = 0;
	FILE *in = fmemopen((void *)json, strlen(json), "r"), *out = open_memstream(&text, &len);
	struct fw_err err = { 0 };
	const char *body;
	FILE *f;

	(void)state;
	assert_int_equal(report_html_from_json(in, "control", out, &err), 0);
	fclose(in);
	fclose(out);
	body = strstr(text, "<body>");
	assert_non_null(body);
	snprintf(path, sizeof(path), "%s/control.html", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%.*s<img src=\"http://198.18.0.9/x.png\" alt=\"\">%s",
		(int)(body + 6 - text), text, body + 6);
	fclose(f);
	browse(path, "control", "control");
	dom = output("control", "out");
	log = output("control", "err");
	assert_non_null(dom);
	assert_non_null(log);
	assert_int_equal(page_problems(dom, log), BAD_CONSOLE | BAD_REFERENCE);
	assert_non_null(strstr(log, "Content Security Policy"));
	free(text);
	free(dom);
	free(log);
}

static int setup(void **state)
{
	const char *b = getenv("FINWAIT_BUILD_DIR");

	if (getenv("FW_CHROMIUM"))
		chromium = getenv("FW_CHROMIUM");
	if (access(chromium, X_OK)) {
		fprintf(stderr, "%s: not installed (ci/deps installs chromium)\n", chromium);
		exit(77);
	}
	snprintf(artifacts, sizeof(artifacts), "%s/tests/artifacts", b ? b : ".");
	mkdir(artifacts, 0755);
	strncat(artifacts, "/html", sizeof(artifacts) - strlen(artifacts) - 1);
	if (mkdir(artifacts, 0755) && errno != EEXIST)
		return -1;
	return runcmd_setup(state);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest page[] = { cmocka_unit_test(test_default_page) };
	const struct CMUnitTest control[] = { cmocka_unit_test(test_control) };

	if (argc > 1 && !strcmp(argv[1], "control"))
		return cmocka_run_group_tests(control, setup, runcmd_teardown);
	return cmocka_run_group_tests(page, setup, runcmd_teardown);
}
