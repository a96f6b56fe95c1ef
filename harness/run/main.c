/* finwait: command-line entry point; dispatches subcommands through a small table. */
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "exitcode.h"
#include "list.h"
#include "merge.h"
#include "run.h"
#include "util.h"
#include "watch.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "run", cmd_run, "Run scenarios (or the built-in default) in a namespace lab; report pass/fail" },
	{ "watch", cmd_watch, "Sample an existing namespace and print socket-state lifetimes" },
	{ "list", cmd_list, "List the shipped scenarios" },
	{ "keys", cmd_keys, "List every scenario key: type, default, meaning" },
	{ "merge", cmd_merge, "Join the JSON reports of a matrix's shares (run --shard) into one" },
};

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "Usage: %s COMMAND [OPTIONS]\n\n"
		   "Measures how long TCP sockets really stay in FIN_WAIT2 (and FIN_WAIT1,\n"
		   "CLOSE_WAIT, TIME_WAIT) when a client crashes, freezes or vanishes mid-close,\n"
		   "and compares it with the kernel's rules.\n\nCommands:\n", prog);
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-6s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'%s COMMAND --help' describes a command's options.\n"
		   "Exit codes: 0 every expectation held, 1 an expectation failed, 2 bad usage or\n"
		   "scenario, 3 internal error, 77 the lab cannot be built here, 130 interrupted.\n",
		prog);
}

int main(int argc, char **argv)
{
	const char *prog = "finwait";

	if (argc < 2) {
		usage(stderr, prog);
		return FW_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout, prog);
		return FW_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("finwait %s\n", FINWAIT_VERSION);
		return FW_EXIT_OK;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n\n", prog, argv[1]);
	usage(stderr, prog);
	return FW_EXIT_USAGE;
}
