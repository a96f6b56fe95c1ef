/* model_priv: what model.c (the machine: jiffies, timer wheel, floors; expectations and
 * checks) and rules.c (the kernel's rules) share. Not for other modules. */
#ifndef FINWAIT_MODEL_PRIV_H
#define FINWAIT_MODEL_PRIV_H

#include "model.h"

/* ns rounded up to jiffies, as msecs_to_jiffies() does; one jiffy in ns. */
int64_t model_jiffies(int64_t ns, int hz);
int64_t model_jiffy_ns(int hz);

/* tcp_fin_time()'s 3.5 x RTO floor for an RTO of rto_j jiffies, in ns. */
int64_t model_floor_of(int64_t rto_j, int hz);

/* The greatest floor: env->rto_max_ns, rounded up a jiffy as __tcp_set_rto() may. */
int64_t model_rto_floor_hi(const struct model_env *env);

/* Sets / appends to p's reason. */
__attribute__((format(printf, 2, 3)))
void model_say(struct prediction *p, const char *fmt, ...);
__attribute__((format(printf, 2, 3)))
void model_append(struct prediction *p, const char *fmt, ...);

/* "No timer-driven FIN_WAIT2": shorter than the least 3.5 RTO floor less a jiffy. */
void model_predict_none(struct prediction *p, const struct model_env *env);

/* A range [T - 1 jiffy, T + slack + latency]. */
void model_predict_range(struct prediction *p, const struct model_env *env, int64_t t_ns,
			 int64_t slack_ns);

/* The client namespace's net.ipv4.tcp_fin_timeout ([client.sysctl]), else def. */
long model_client_fin_timeout(const struct scenario *c, long def);

#endif
