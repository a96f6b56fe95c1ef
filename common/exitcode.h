/* exitcode: the exit codes of every finwait program (a contract: extended, never
 * renumbered). */
#ifndef FINWAIT_EXITCODE_H
#define FINWAIT_EXITCODE_H

enum fw_exit {
	FW_EXIT_OK = 0,		/* every expectation held; an endpoint ended normally */
	FW_EXIT_FAILED = 1,	/* an expectation failed; the client reached no point */
	FW_EXIT_USAGE = 2,	/* bad usage or bad scenario, refused before anything ran */
	FW_EXIT_INTERNAL = 3,	/* internal error (a system call, the lab, a child) */
	FW_EXIT_SKIP = 77,	/* the lab cannot be built here (CTest's skip code) */
	FW_EXIT_INTERRUPTED = 130,	/* SIGINT, SIGTERM: the lab was torn down first */
};

#endif
