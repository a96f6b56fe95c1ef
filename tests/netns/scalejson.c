/* scalejson: see scalejson.h. */
#include "scalejson.h"

#include <string.h>

json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The lower (i 0) or upper (i 1) bound of an [lo, hi] pair. */
static double bound(json_object *pair, size_t i)
{
	return json_object_get_double(json_object_array_get_idx(pair, i));
}

double established_span(json_object *cell)
{
	json_object *conns = get(cell, "connections");
	double first = 1e300, last = 0;

	for (size_t i = 0; i < json_object_array_length(conns); i++) {
		json_object *sts = get(json_object_array_get_idx(conns, i), "states");

		for (size_t j = 0; j < json_object_array_length(sts); j++) {
			json_object *s = json_object_array_get_idx(sts, j);

			if (strcmp(json_object_get_string(get(s, "state")), "ESTABLISHED"))
				continue;
			if (bound(get(s, "entered"), 0) < first)
				first = bound(get(s, "entered"), 0);
			if (bound(get(s, "entered"), 1) > last)
				last = bound(get(s, "entered"), 1);
		}
	}
	return last - first;
}
