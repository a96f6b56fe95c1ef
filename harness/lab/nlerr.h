/* nlerr: libnl's -NLE_* error codes as -errno, for the modules that talk netlink (link,
 * diag), so that no NLE_* code leaves them. */
#ifndef FINWAIT_NLERR_H
#define FINWAIT_NLERR_H

/* Maps a libnl error (negative NLE_* or positive) to a negative errno; 0 stays 0 and an
 * unknown code becomes -EIO. */
int nlerr_to_errno(int nlerr);

#endif
