/* load: from `finwait run`'s arguments to checked cells (see load.h); also where the
 * shipped scenarios and the programs are found (run.h, load.h). */
#include "load.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "external.h"
#include "judge.h"
#include "lab.h"
#include "run.h"
#include "sysctl.h"
#include "util.h"

#ifndef FINWAIT_SCENARIO_DIR
#define FINWAIT_SCENARIO_DIR "tests/scenarios"
#endif

/* One client address has 64 512 ephemeral ports towards one server port, and a cell's
 * client has up to LAB_CLIENT_ADDRS_MAX addresses. */
#define MAX_CELL_CONNECTIONS ((int)LAB_CLIENT_ADDRS_MAX * 64512)

const char *run_scenario_dir(void)
{
	const char *e = getenv("FINWAIT_SCENARIOS");

	return e && *e ? e : FINWAIT_SCENARIO_DIR;
}

int run_resolve_scenario(const char *arg, char *buf, size_t len)
{
	struct stat st;

	if (!stat(arg, &st)) {
		snprintf(buf, len, "%s", arg);
		return 0;
	}
	if (strchr(arg, '/'))
		return -ENOENT;
	snprintf(buf, len, "%s/%s", run_scenario_dir(), arg);
	if (!stat(buf, &st))
		return 0;
	snprintf(buf, len, "%s/%s.ini", run_scenario_dir(), arg);
	return stat(buf, &st) ? -ENOENT : 0;
}

void load_find_program(const char *env, const char *sub, const char *name, char *buf,
		       size_t len)
{
	char self[PATH_MAX], *dir;
	const char *e = getenv(env);
	ssize_t n;

	if (e && *e) {
		snprintf(buf, len, "%s", e);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		dir = dirname(self);
		snprintf(buf, len, "%s/../%s/%s", dir, sub, name);
		if (!access(buf, X_OK))
			return;
		snprintf(buf, len, "%s/%s", dir, name);
		if (!access(buf, X_OK))
			return;
	}
	snprintf(buf, len, "%s", name);
}

int load_kv_parse(const char *text, const char *where, struct load_kv *kv)
{
	char *eq, *k;

	if (!strchr(text, '='))
		return -EINVAL;
	kv->where = where;
	kv->key = strdup(text);
	if (!kv->key)
		return -ENOMEM;
	eq = strchr(kv->key, '=');
	*eq = '\0';
	kv->value = str_trim(eq + 1);
	/* The trimmed key moves to the start of the allocation, which key must hold. */
	k = str_trim(kv->key);
	memmove(kv->key, k, strlen(k) + 1);
	return 0;
}

/* Each cell gets its own established hash of lab-root's tcp_child_ehash_entries
 * buckets, and tcp_sk_init() gives such a namespace tcp_max_tw_buckets = buckets / 2:
 * past that, an orphan that should become a FIN_WAIT2 minisocket is dropped at once
 * (tcp_time_wait(): "time wait bucket table overflow"; docs/KERNEL.md, rule 5). Size
 * the table so that every connection of the largest cell can hold a minisocket: twice
 * its connections, rounded up to a power of two (the kernel rounds too), never below
 * LAB_EHASH_DEFAULT. */
unsigned load_ehash_for(struct scenario *const *cells, size_t n)
{
	unsigned long want = LAB_EHASH_DEFAULT, pow = 1;

	for (size_t i = 0; i < n; i++)
		if ((unsigned long)cells[i]->connections * 2 > want)
			want = (unsigned long)cells[i]->connections * 2;
	while (pow < want)
		pow <<= 1;
	return (unsigned)pow;
}

/* The built-in scenario called name, copied into *out; -ENOENT when none is. */
static int builtin_named(const char *name, struct scenario **out, struct fw_err *err)
{
	struct scenario **b = NULL;
	size_t n = 0;
	int ret = scenario_builtin(&b, &n, err);

	if (ret)
		return ret == -ENOMEM ? ret : -ENOTRECOVERABLE;
	ret = -ENOENT;
	for (size_t i = 0; i < n && ret == -ENOENT; i++)
		if (!strcmp(b[i]->name, name))
			ret = (*out = scenario_dup(b[i])) ? 0 : -ENOMEM;
	scenario_free_cells(b, n);
	return ret == -ENOMEM ? fw_err_set(err, ret, NULL, 0, "out of memory") : ret;
}

/* --blank: one scenario of the schema's defaults, named "blank", its errors at the
 * option; the command line's --set and --matrix make its cells. */
static int blank_scenario(struct scenario **out, struct fw_err *err)
{
	struct scenario *sc = scenario_default_new();
	int ret;

	if (!sc)
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	free(sc->file);
	sc->file = strdup("--blank");
	ret = sc->file ? scenario_set(sc, "name", "blank", "--blank", err) : -ENOMEM;
	if (ret) {
		scenario_free(sc);
		return ret == -ENOMEM ? fw_err_set(err, ret, NULL, 0, "out of memory") : ret;
	}
	*out = sc;
	return 0;
}

/* One scenario argument: a file, a shipped scenario, or a built-in one, by name. */
static int load_one(const char *arg, struct scenario **out, struct fw_err *err)
{
	char path[4096];
	int ret;

	if (!run_resolve_scenario(arg, path, sizeof(path)))
		return scenario_load(path, out, err);
	ret = strchr(arg, '/') ? -ENOENT : builtin_named(arg, out, err);
	if (ret == -ENOENT)
		return fw_err_set(err, -ENOENT, NULL, 0, "no scenario '%s' (not a file, nor a "
				  "shipped or built-in scenario: see `finwait list`)", arg);
	return ret;
}

/* The scenarios named in req, or the blank one, or the built-in ones, as loaded
 * (matrices unexpanded). */
static int load_list(const struct load_req *req, struct scenario ***list, size_t *n,
		     struct fw_err *err)
{
	size_t want = req->blank ? 1 : req->n_scenarios;
	int ret;

	if (want == 0) {
		ret = scenario_builtin(list, n, err);
		return ret == -ENOMEM || !ret ? ret : -ENOTRECOVERABLE;
	}
	*list = calloc(want, sizeof(**list));
	if (!*list)
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	if (req->blank) {
		if ((ret = blank_scenario(&(*list)[0], err)))
			return ret;
		*n = 1;
		return 0;
	}
	for (size_t i = 0; i < req->n_scenarios; i++) {
		if ((ret = load_one(req->scenarios[i], &(*list)[i], err)))
			return ret;
		(*n)++;
	}
	return 0;
}

/* Applies the command line's --set (and --interval) entries, then its --matrix axes. */
static int apply_overrides(struct scenario *sc, const struct load_req *req,
			   struct fw_err *err)
{
	int ret;

	for (size_t i = 0; i < req->n_sets; i++) {
		const struct load_kv *kv = &req->sets[i];

		if ((ret = scenario_set(sc, kv->key, kv->value, kv->where, err)))
			return ret;
	}
	for (size_t i = 0; i < req->n_axes; i++) {
		const struct load_kv *kv = &req->axes[i];

		if ((ret = scenario_add_axis(sc, kv->key, kv->value, kv->where, err)))
			return ret;
	}
	return 0;
}

/* Expands sc's matrix (validating every cell) and appends the cells to *all. */
static int expand_into(const struct scenario *sc, struct scenario ***all, size_t *n_all,
		       struct fw_err *err)
{
	struct scenario **c = NULL, **na;
	size_t n = 0;
	int ret;

	if ((ret = scenario_expand(sc, &c, &n, err)))
		return ret;
	na = realloc(*all, (*n_all + n) * sizeof(**all));
	if (!na) {
		scenario_free_cells(c, n);
		return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
	}
	memcpy(na + *n_all, c, n * sizeof(*c));
	free(c);
	*all = na;
	*n_all += n;
	if (*n_all > SCEN_MAX_CELLS)
		return fw_err_set(err, -E2BIG, NULL, 0, "%zu cells in all; at most %d at once",
				  *n_all, SCEN_MAX_CELLS);
	return 0;
}

/* Every sysctl must be per namespace: refuse the run before anything is built. */
static int check_sysctls(const struct scenario *sc, struct fw_err *err)
{
	const struct scen_kvlist *lists[] = { &sc->sysctl, &sc->client_sysctl };

	for (size_t l = 0; l < 2; l++)
		for (size_t i = 0; i < lists[l]->n; i++) {
			const struct scen_kv *kv = &lists[l]->v[i];
			int r = sysctl_key_check(kv->key);

			if (r == -EPERM)
				return fw_err_set(err, r, kv->file, kv->line, "sysctl %s is not per "
						  "network namespace: setting it would change the "
						  "host; finwait refuses", kv->key);
			if (r)
				return fw_err_set(err, r, kv->file, kv->line,
						  "sysctl %s is not a valid key", kv->key);
		}
	return 0;
}

/* The server's configuration template must be there to be copied into each cell's
 * folder. */
static int check_config(const struct scenario *sc, struct fw_err *err)
{
	char path[4096];

	if (sc->server.program != FW_PROG_COMMAND || !sc->server.config)
		return 0;
	ext_config_path(sc, path, sizeof(path));
	if (access(path, R_OK))
		return scen_fail_at(sc, FW_K_CONFIG, FW_K_PROGRAM, err, "%s: cannot read the "
				    "server's config template %s: %s", sc->name, path,
				    strerror(errno));
	return 0;
}

/* scenario.rate with scenario.duration: the cell's connections are rate x duration,
 * each failing on its own (the faults a client performs itself; finwait's take the whole
 * client host down at once). */
static int apply_rate(struct scenario *sc, struct fw_err *err)
{
	enum fw_fault f = sc->client.fault;
	double n;

	if (!sc->rate && !sc->duration_ns)
		return 0;
	if (!sc->rate || !sc->duration_ns)
		return scen_fail_at(sc, sc->rate ? FW_K_RATE : FW_K_DURATION, FW_K_DURATION, err,
				    "%s: rate and duration go together (connections = rate x "
				    "duration)", sc->name);
	if (f == FW_FAULT_VANISH || f == FW_FAULT_REBOOT)
		return scen_fail_at(sc, FW_K_FAULT, FW_K_RATE, err, "%s: with a rate, each "
				    "connection fails on its own: fault %s takes the whole client "
				    "host down (use crash, freeze, hang or none)", sc->name,
				    fw_fault_name(f));
	n = (double)sc->rate * (double)sc->duration_ns / NSEC_PER_SEC;
	if (n < 1 || n > MAX_CELL_CONNECTIONS)
		return scen_fail_at(sc, FW_K_RATE, FW_K_DURATION, err, "%s: rate x duration is "
				    "%.0f connections (1..%d)", sc->name, n, MAX_CELL_CONNECTIONS);
	sc->connections = (long)(n + 0.5);
	return 0;
}

/* A command (key `cmd`, of program key `prog`) must split into words. */
static int check_command(const struct scenario *sc, const char *command, int cmd, int prog,
			 struct fw_err *err)
{
	struct ext_vars v = { "198.18.0.1", "8080", "/tmp", "1" };
	char **argv = NULL;
	int ret = ext_split(command ? command : "", &v, &argv);

	if (ret == -ENOMEM)
		return fw_err_set(err, ret, NULL, 0, "out of memory");
	if (ret)
		return scen_fail_at(sc, cmd, prog, err, "%s: %s.command is empty or has an "
				    "unterminated quote", sc->name, fw_keys[cmd].section);
	ext_argv_free(argv);
	return 0;
}

/* What the scenario parser accepts but a cell cannot run: refuse before anything is
 * built, naming the key's file:line (or option). */
static int check_runnable(const struct scenario *sc, const struct model_env *menv,
			  struct fw_err *err)
{
	struct prediction p;
	char a[32], b[32];
	int ret;

	if (sc->connections > MAX_CELL_CONNECTIONS)
		return scen_fail_at(sc, FW_K_CONNECTIONS, FW_K_CONNECTIONS, err, "%s: at most "
				    "%d connections a cell (the source ports of the client's %u "
				    "addresses)", sc->name, MAX_CELL_CONNECTIONS,
				    LAB_CLIENT_ADDRS_MAX);
	/* A socket still in FIN_WAIT2 at the limit is reported as lasting >= limit: an
	 * expected end later than that could never be seen. */
	if (!judge_expect(sc, menv, &p) && p.kind == PRED_RANGE &&
	    sc->limit_ns < p.max_ns + sc->server.close_after_ns)
		return scen_fail_at(sc, FW_K_LIMIT, FW_K_EXPECT_FW2, err, "%s: limit %s ends "
				    "before the expected FIN_WAIT2 end (up to %s after the "
				    "close): raise limit", sc->name,
				    dur_format(sc->limit_ns, a, sizeof(a)),
				    dur_format(p.max_ns + sc->server.close_after_ns, b, sizeof(b)));
	if ((sc->server.program == FW_PROG_COMMAND &&
	     (ret = check_command(sc, sc->server.command, FW_K_COMMAND, FW_K_PROGRAM, err))) ||
	    (sc->client.program == FW_PROG_COMMAND &&
	     (ret = check_command(sc, sc->client.command, FW_K_CCOMMAND, FW_K_CPROGRAM, err))))
		return ret;
	if (sc->client.program == FW_PROG_COMMAND && !strstr(sc->client.command, "{connections}") &&
	    sc->connections > FW_CLIENT_INSTANCES_MAX)
		return scen_fail_at(sc, FW_K_CONNECTIONS, FW_K_CCOMMAND, err, "%s: %ld instances "
				    "of client.command, at most %d: give the command {connections} "
				    "to open them all from one", sc->name, sc->connections,
				    FW_CLIENT_INSTANCES_MAX);
	return check_config(sc, err);
}

/* A key seen by the probe: each (side, key) is looked at once, for its first place. */
struct probed {
	enum cell_side side;
	const char *key;
};

/* Checks one sysctl of one side against the probe cell's namespace. */
static int probe_key(struct cell *probe, enum cell_side side, const struct scen_kv *kv,
		     struct fw_err *err)
{
	static const char *const ifname[] = { LAB_IFNAME_SERVER, LAB_IFNAME_CLIENT };
	char buf[SYSCTL_VALUE_MAX];
	int r = cell_sysctl_get(probe, side, kv->key, buf, sizeof(buf));

	if (r == -ENOENT)
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "no sysctl %s in a lab "
				  "namespace: misspelt, or a key of the host only (a cell's "
				  "interfaces are lo and %s)", kv->key, ifname[side]);
	/* The run reads the host's value around each write (sysctl_ns_write()). */
	if (r == -EACCES || r == -EPERM)
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "sysctl %s is write-only: "
				  "finwait reads every key it sets, so it refuses", kv->key);
	if (!r || r == -EOVERFLOW)
		r = sysctl_ns_writable(cell_netns(probe, side), kv->key);
	if (r == -EACCES || r == -EPERM)
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "sysctl %s is read-only "
				  "in a lab namespace (the host's value is shared): finwait "
				  "refuses", kv->key);
	if (r)
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "sysctl %s cannot be used "
				  "in a lab namespace: %s", kv->key, strerror(-r));
	return 0;
}

/* true when word is one of the blank-separated words of list. */
static bool in_words(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
		    (!p[n] || p[n] == ' ' || p[n] == '\t'))
			return true;
	return false;
}

/* A network namespace other than the host's may only choose a congestion control of
 * the host's tcp_allowed_congestion_control (tcp_set_default_congestion_control():
 * -EPERM without TCP_CONG_NON_RESTRICTED), and one the kernel does not have would make
 * it load a module on the host (request_module()). */
static int probe_cc(struct cell *probe, const struct scen_kv *kv, struct fw_err *err)
{
	static const char *const lists[] = { "net.ipv4.tcp_available_congestion_control",
					     "net.ipv4.tcp_allowed_congestion_control" };
	char words[2][SYSCTL_VALUE_MAX];
	int r;

	for (size_t i = 0; i < 2; i++)
		if ((r = cell_sysctl_get(probe, CELL_SERVER, lists[i], words[i], sizeof(words[i]))))
			return fw_err_set(err, r, "lab", 0, "cannot read %s: %s", lists[i],
					  strerror(-r));
	if (!in_words(words[0], kv->value))
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "congestion control '%s' "
				  "is not available (this kernel has: %s)", kv->value, words[0]);
	if (!in_words(words[1], kv->value))
		return fw_err_set(err, -EINVAL, kv->file, kv->line, "congestion control '%s' "
				  "is not allowed in a network namespace (the host's "
				  "net.ipv4.tcp_allowed_congestion_control: %s)", kv->value,
				  words[1]);
	return 0;
}

/* Probes one side's sysctls of a cell; keys already probed are skipped. */
static int probe_list(struct cell *probe, enum cell_side side, const struct scen_kvlist *l,
		      struct probed **seen, size_t *n_seen, struct fw_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct scen_kv *kv = &l->v[i];
		struct probed *ns;
		size_t j;
		int r;

		if (!strcmp(kv->key, "net.ipv4.tcp_congestion_control") &&
		    (r = probe_cc(probe, kv, err)))
			return r;
		for (j = 0; j < *n_seen; j++)
			if ((*seen)[j].side == side && !strcmp((*seen)[j].key, kv->key))
				break;
		if (j < *n_seen)
			continue;
		if ((r = probe_key(probe, side, kv, err)))
			return r;
		if (!(ns = realloc(*seen, (*n_seen + 1) * sizeof(*ns))))
			return fw_err_set(err, -ENOMEM, NULL, 0, "out of memory");
		*seen = ns;
		ns[(*n_seen)++] = (struct probed){ side, kv->key };
	}
	return 0;
}

int load_probe(struct lab *lab, struct scenario *const *cells, size_t n, struct fw_err *err)
{
	struct probed *seen = NULL;
	struct cell *probe = NULL;
	size_t n_seen = 0;
	int r = 0;

	for (size_t i = 0; i < n && !r; i++) {
		if (!cells[i]->sysctl.n && !cells[i]->client_sysctl.n)
			continue;
		if (!probe && (r = cell_create(lab, 0, &probe, err)))
			break;
		r = probe_list(probe, CELL_SERVER, &cells[i]->sysctl, &seen, &n_seen, err);
		if (!r)
			r = probe_list(probe, CELL_CLIENT, &cells[i]->client_sysctl, &seen,
				       &n_seen, err);
	}
	cell_destroy(probe);
	free(seen);
	return r;
}

int load_cells(const struct load_req *req, const struct model_env *menv,
	       struct scenario ***cells, size_t *n, struct fw_err *err)
{
	struct scenario **list = NULL, **all = NULL;
	size_t n_list = 0, n_all = 0;
	int ret;

	*cells = NULL;
	*n = 0;
	if ((ret = load_list(req, &list, &n_list, err)))
		goto out;
	for (size_t i = 0; i < n_list; i++)
		if ((ret = apply_overrides(list[i], req, err)) ||
		    (ret = expand_into(list[i], &all, &n_all, err)))
			goto out;
	for (size_t i = 0; i < n_all; i++)
		if ((ret = apply_rate(all[i], err)) || (ret = check_sysctls(all[i], err)) ||
		    (ret = check_runnable(all[i], menv, err)))
			goto out;
	*cells = all;
	*n = n_all;
	all = NULL;
	n_all = 0;
out:
	scenario_free_cells(list, n_list);
	scenario_free_cells(all, n_all);
	return ret;
}
