/* libFuzzer target: a scenario file (any bytes) through the parser, the validation and
 * the matrix expansion, as `finwait run FILE` takes it before the lab. Beyond the
 * sanitizers' checks it asserts what the parser promises: an error has a message, and
 * every value of a scenario it accepts is UTF-8 text without control characters that
 * could break a report. Built by tests/fuzz/fuzz.cmake under clang only. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s)
{
	if (utf8_invalid_at(s, strlen(s)) != strlen(s))
		__builtin_trap();
}

/* Every effective setting of a cell, checked. */
static void check_cell(const struct scenario *cell)
{
	struct scen_kvlist flat = { 0 };

	check_text(cell->name);
	if (scenario_flatten(cell, &flat))
		return;
	for (size_t i = 0; i < flat.n; i++) {
		check_text(flat.v[i].key);
		check_text(flat.v[i].value);
	}
	scen_kvlist_clear(&flat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *sc = NULL, **cells = NULL;
	struct fw_err err = { 0 };
	size_t n = 0;

	if (scenario_load_mem("fuzz", (const char *)data, size, NULL, &sc, &err)) {
		if (sc || !err.msg[0] || err.line < 0)
			__builtin_trap();
		return 0;
	}
	/* Expanding thousands of cells is slow, not interesting: a few suffice. */
	if (scenario_cell_count(sc) <= 64 && !scenario_expand(sc, &cells, &n, &err))
		for (size_t i = 0; i < n; i++)
			check_cell(cells[i]);
	scenario_free_cells(cells, n);
	scenario_free(sc);
	return 0;
}
