/* finwait: command-line entry point; dispatches subcommands. */
#include <stdio.h>
#include <string.h>

#include "util.h"

int main(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--version")))
		printf("finwait %s\n", FINWAIT_VERSION);
	return 0;
}
