/* Unit tests for evpipe.c: status lines cut from a pipe, and the times they report held
 * to what the reader saw (a fake endpoint writes lines with wrong t= and done=). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "evpipe.h"
#include "util.h"

static void put(int fd, const char *line)
{
	assert_int_equal(write(fd, line, strlen(line)), (ssize_t)strlen(line));
}

static void test_times_clamped(void **state)
{
	struct evpipe p;
	struct status_event ev;
	int64_t t_open, t_read, now;
	char line[128];
	long long done;
	int w;
	(void)state;

	evpipe_init(&p);
	t_open = mono_ns();
	assert_int_equal(evpipe_open(&p, &w), 0);
	now = mono_ns();
	snprintf(line, sizeof(line), "point t=%lld n=1\n", (long long)now);
	put(w, "point t=1 n=1\n");				/* long before the pipe */
	put(w, "point t=9000000000000000000 n=1\n");		/* in the future */
	put(w, line);						/* a true time */
	put(w, "close t=-5 id=1 done=9000000000000000000\n");
	close(w);
	evpipe_fill(&p);
	t_read = mono_ns();
	assert_true(evpipe_next(&p, &ev));
	assert_true(ev.t >= t_open && ev.t <= now);
	assert_true(evpipe_next(&p, &ev));
	assert_true(ev.t >= now && ev.t <= t_read);
	assert_true(evpipe_next(&p, &ev));
	assert_int_equal(ev.t, now);
	assert_true(evpipe_next(&p, &ev));
	assert_int_equal(ev.type, STATUS_CLOSE);
	assert_true(ev.t >= t_open && ev.t <= now);
	assert_int_equal(status_get_long(&ev, "done", &done), 0);
	assert_true(evpipe_clamp(&p, done) >= now && evpipe_clamp(&p, done) <= t_read);
	assert_false(evpipe_next(&p, &ev));
	assert_true(p.eof);
	evpipe_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_times_clamped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
