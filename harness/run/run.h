/* run: the `finwait run` command: loads scenarios (or the built-in default), expands
 * their matrices, runs the cells in parallel (cellrun), judges each against its
 * expectation (model) and writes the reports; and where the shipped scenarios are.
 * cmd_run() is in cli.c, the rest in load.c. */
#ifndef FINWAIT_RUN_H
#define FINWAIT_RUN_H

#include <stddef.h>

/* `finwait run [OPTIONS] [SCENARIO ...]`; returns the exit code (enum fw_exit). */
int cmd_run(int argc, char **argv);

/* The folder of the shipped scenarios: $FINWAIT_SCENARIOS, else the source tree's
 * tests/scenarios. */
const char *run_scenario_dir(void);

/* Resolves a scenario argument: an existing path as is, else a shipped scenario's name
 * (with or without .ini). Writes the path into buf; returns 0 or -ENOENT. */
int run_resolve_scenario(const char *arg, char *buf, size_t len);

#endif
