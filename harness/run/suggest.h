/* suggest: "did you mean ...?" for a key that is not a scenario key. The candidates are
 * the schema's rows (common/schema.c fw_keys[], as section.key) and the per-namespace
 * sysctls this kernel has (the files of /proc/sys/net/ipv4, ipv6 and core that
 * sysctl_key_check() accepts, as sysctl.net.ipv4.KEY). Reads /proc/sys's folders only. */
#ifndef FINWAIT_SUGGEST_H
#define FINWAIT_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* The candidate nearest to key (section.key or a bare key, as --set takes it) into buf:
 * a row or a sysctl whose last part equals key's, or ends in "_" + key's last part
 * (fin_timeout -> sysctl.net.ipv4.tcp_fin_timeout), else the one within the smallest
 * edit distance of key or of its last part (at most a third of its length). Returns
 * false (buf "") when nothing is near enough. sysctl_root: where the sysctl folders are
 * ("/proc/sys"; tests give a fake tree). */
bool suggest_key(const char *key, const char *sysctl_root, char *buf, size_t len);

/* The edit distance (insertions, deletions, substitutions, adjacent swaps) between a
 * and b; 255 when either is longer than 95 characters. */
unsigned suggest_distance(const char *a, const char *b);

#endif
