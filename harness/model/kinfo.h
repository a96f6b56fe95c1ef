/* kinfo: facts about the running kernel that the model needs (release, HZ). */
#ifndef FINWAIT_KINFO_H
#define FINWAIT_KINFO_H

#include <stddef.h>

struct kinfo {
	char release[128];	/* uname -r */
	int hz;			/* CONFIG_HZ, 0 when it could not be found */
	char hz_source[64];	/* where hz came from, for reports: "/proc/config.gz", ... */
};

/* Fills *ki. HZ is read from CONFIG_HZ in /proc/config.gz, else
 * /boot/config-<release>, else measured from the jiffies counter in /proc/timer_list
 * against CLOCK_MONOTONIC (needs root; ~100 ms). Never fails: hz = 0 when unknown. */
void kinfo_read(struct kinfo *ki);

/* Parses "CONFIG_HZ=<n>" out of kernel-config text; returns n or 0. Pure. */
int kinfo_hz_from_config(const char *text, size_t len);

/* Rounds a measured tick rate to the nearest CONFIG_HZ choice (100, 250, 300, 1000);
 * 0 when none is within 10 %. Pure. */
int kinfo_hz_round(double measured);

#endif
