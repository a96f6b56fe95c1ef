/* list: `finwait list` (see list.h). */
#include "list.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "run.h"
#include "scenario.h"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_ini(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && !strcmp(d->d_name + n - 4, ".ini");
}

static void line(const struct scenario *sc, const char *what)
{
	size_t cells = scenario_cell_count(sc);

	printf("  %-26s %3zu cell%s  %s\n", what, cells, cells == 1 ? " " : "s",
	       sc->description && *sc->description ? sc->description : sc->name);
}

int cmd_list(int argc, char **argv)
{
	const char *dir = run_scenario_dir();
	struct dirent **names = NULL;
	struct scenario **builtin = NULL;
	size_t n_builtin = 0;
	struct fw_err err = { 0 };
	char path[4096], msg[600];
	int n, rc = FW_EXIT_OK;

	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("Usage: finwait list\nLists the built-in default and the shipped "
			       "scenarios (from %s,\nor $FINWAIT_SCENARIOS): name, number of cells, "
			       "what it reproduces.\n`finwait run NAME` runs one.\n", dir);
			return FW_EXIT_OK;
		}
		fprintf(stderr, "finwait list: unexpected argument '%s'\n", argv[1]);
		return FW_EXIT_USAGE;
	}
	printf("Built in (`finwait run NAME`; `finwait run` with no scenario runs both):\n");
	if (scenario_builtin(&builtin, &n_builtin, &err)) {
		fprintf(stderr, "finwait list: %s\n", fw_err_format(&err, msg, sizeof(msg)));
		return FW_EXIT_INTERNAL;
	}
	for (size_t i = 0; i < n_builtin; i++)
		line(builtin[i], builtin[i]->name);
	scenario_free_cells(builtin, n_builtin);

	printf("Shipped (%s):\n", dir);
	n = scandir(dir, &names, is_ini, by_name);
	if (n < 0) {
		fprintf(stderr, "finwait list: cannot read %s: %m\n", dir);
		return FW_EXIT_INTERNAL;
	}
	for (int i = 0; i < n; i++) {
		struct scenario *sc = NULL;
		char name[256];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		snprintf(name, sizeof(name), "%.*s", (int)strlen(names[i]->d_name) - 4,
			 names[i]->d_name);
		if (scenario_load(path, &sc, &err)) {
			fprintf(stderr, "%s\n", fw_err_format(&err, msg, sizeof(msg)));
			rc = FW_EXIT_USAGE;
		} else {
			line(sc, name);
		}
		scenario_free(sc);
		free(names[i]);
	}
	free(names);
	return rc;
}
