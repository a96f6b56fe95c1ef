/* capture: what a function that prints to a FILE printed, as a string (free it). For
 * tests of --help texts. */
#ifndef FINWAIT_TESTS_CAPTURE_H
#define FINWAIT_TESTS_CAPTURE_H

#include <stdio.h>

static inline char *capture(void (*print)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	print(f);
	fclose(f);
	return text;
}

#endif
