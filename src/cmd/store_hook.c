/*
 * store_hook.c - saving record/bench/check runs in the history; see
 * store_hook.h.
 */
#include "cmd/store_hook.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "config/config.h"
#include "core/buf.h"
#include "profile/folded.h"
#include "profile/profile.h"
#include "store/gitinfo.h"
#include "store/machine.h"
#include "store/store.h"

const char *hp_store_opt_url;
bool hp_store_opt_off;
const char *hp_store_opt_scenario;

int hp_store_hook_url(char **url, struct hp_err *err)
{
	struct hp_config cfg;
	int ret = 0;

	*url = NULL;
	if (hp_store_opt_off)
		return 0;
	if (hp_store_opt_url) {
		*url = hp_xstrdup(hp_store_opt_url);
		return 0;
	}
	hp_config_init(&cfg);
	switch (hp_config_discover(NULL, ".", &cfg, err)) {
	case -1:
		ret = -1;
		break;
	case 0:
		if (cfg.defaults.store && *cfg.defaults.store) {
			const char *s = cfg.defaults.store, *slash = cfg.path ? strrchr(cfg.path, '/') : NULL;

			/* a relative SQLite path is relative to the configuration file */
			if (!strncmp(s, "sqlite:", 7) && s[7] != '/' && slash) {
				struct hp_buf b = HP_BUF_INIT;

				hp_buf_adds(&b, "sqlite:");
				hp_buf_add(&b, cfg.path, (size_t)(slash - cfg.path + 1));
				hp_buf_adds(&b, s + 7);
				*url = hp_buf_detach(&b, NULL);
			} else {
				*url = hp_xstrdup(s);
			}
		}
		break;
	default:
		break;
	}
	hp_config_release(&cfg);
	if (!ret && !*url)
		*url = hp_xstrdup(HP_STORE_DEFAULT_URL);
	return ret;
}

static void command_hash(char *const *argv, char out[17])
{
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		hp_oom(1024);
	XXH3_64bits_reset(st);
	for (size_t i = 0; argv && argv[i]; i++)
		XXH3_64bits_update(st, argv[i], strlen(argv[i]) + 1);
	snprintf(out, 17, "%016llx", (unsigned long long)XXH3_64bits_digest(st));
	XXH3_freeState(st);
}

/* Fill the run's identity fields; strings point into the given buffers. */
static void describe(struct hp_store_run *run, const char *kind, char *const *argv,
		     struct hp_buf *cmd, struct hp_gitinfo *g, struct hp_machine *m, char hash[17])
{
	memset(run, 0, sizeof(*run));
	hp_buf_reset(cmd);
	if (argv)
		hp_argv_display(argv, cmd);
	hp_gitinfo_get(g);
	hp_machine_get(m);
	command_hash(argv, hash);
	run->sha = g->sha;
	run->branch = g->branch;
	run->dirty = g->dirty;
	run->scenario = hp_store_opt_scenario && *hp_store_opt_scenario ? hp_store_opt_scenario : cmd->data;
	run->command = cmd->data;
	run->command_hash = hash;
	run->machine = m->fingerprint;
	run->host = m->host;
	run->cpu = m->cpu;
	run->kernel = m->kernel;
	run->cores = m->cores;
	run->version = HP_VERSION;
	run->kind = kind;
}

static int save(struct hp_store_run *run, bool quiet)
{
	struct hp_store *s = NULL;
	struct hp_err err;
	char *url = NULL;
	int ret = HP_EXIT_OK;

	if (hp_store_hook_url(&url, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!url)
		goto cleanup;
	if (hp_store_open(url, &s, &err) || hp_store_insert(s, run, &err)) {
		ret = hp_error("%s (use --no-store to run without a history)", err.msg);
		goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: stored run %lld in '%s'\n", (long long)run->id, url);
cleanup:
	hp_store_close(s);
	free(url);
	return ret;
}

int hp_store_hook_bench(const char *kind, char *const *argv, const struct hp_bench *b, bool quiet)
{
	struct hp_store_metric ms[HP_METRIC_NR];
	double *vals[HP_METRIC_NR] = { NULL };
	struct hp_store_run run;
	struct hp_buf cmd = HP_BUF_INIT;
	struct hp_gitinfo g;
	struct hp_machine m;
	char hash[17];
	size_t k = 0;
	int ret;

	if (hp_store_opt_off)
		return HP_EXIT_OK;
	describe(&run, kind, argv ? argv : b->argv, &cmd, &g, &m, hash);
	for (int i = 0; i < HP_METRIC_NR; i++) {
		size_t n;

		vals[i] = hp_bench_values(b, (enum hp_metric)i, &n);
		if (n)
			hp_store_metric_from_values(&ms[k++], hp_metric_names[i], hp_metric_units[i], vals[i], n);
	}
	run.metrics = ms;
	run.nr_metrics = k;
	ret = save(&run, quiet);
	for (int i = 0; i < HP_METRIC_NR; i++)
		free(vals[i]);
	hp_buf_release(&cmd);
	return ret;
}

int hp_store_hook_check(char *const *argv, const struct hp_bench *cand, double *const *b,
			size_t n, bool quiet)
{
	struct hp_bench tmp;
	int ret;

	if (hp_store_opt_off)
		return HP_EXIT_OK;
	if (cand)
		return hp_store_hook_bench("check", argv, cand, quiet);
	hp_bench_init(&tmp, argv);
	for (size_t i = 0; i < n; i++) {
		struct hp_bench_run r = { b[HP_METRIC_WALL][i], b[HP_METRIC_CPU][i], 0,
					  b[HP_METRIC_RSS][i], 0 };

		hp_bench_add(&tmp, &r);
	}
	ret = hp_store_hook_bench("check", argv, &tmp, quiet);
	hp_bench_release(&tmp);
	return ret;
}

int hp_store_hook_record(const struct hp_profile *p, char *const *argv, bool quiet)
{
	struct hp_folded_write_opts fo = HP_FOLDED_WRITE_OPTS_INIT;
	struct hp_store_metric ms[4];
	struct hp_store_run run;
	struct hp_buf cmd = HP_BUF_INIT, folded = HP_BUF_INIT;
	struct hp_gitinfo g;
	struct hp_machine m;
	struct hp_err err;
	unsigned char *z = NULL;
	size_t zlen = 0;
	char hash[17];
	double v[4];
	int ret;

	if (hp_store_opt_off)
		return HP_EXIT_OK;
	describe(&run, "record", argv, &cmd, &g, &m, hash);
	v[0] = p->meta.duration_s;
	v[1] = p->meta.user_cpu_s + p->meta.sys_cpu_s;
	v[2] = p->meta.peak_rss_kb > 0 ? (double)p->meta.peak_rss_kb * 1024 : NAN;
	v[3] = (double)p->meta.samples;
	hp_store_metric_from_values(&ms[0], "wall_seconds", "s", &v[0], 1);
	hp_store_metric_from_values(&ms[1], "cpu_seconds", "s", &v[1], 1);
	hp_store_metric_from_values(&ms[2], "peak_rss_bytes", "bytes", &v[2], 1);
	hp_store_metric_from_values(&ms[3], "samples", "samples", &v[3], 1);
	run.metrics = ms;
	run.nr_metrics = 4;
	hp_folded_write(p, &fo, &folded);
	if (hp_store_compress(folded.data, folded.len, &z, &zlen, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	run.profile = z;
	run.profile_len = zlen;
	ret = save(&run, quiet);
cleanup:
	free(z);
	hp_buf_release(&folded);
	hp_buf_release(&cmd);
	return ret;
}

int hp_store_hook_history_baseline(char *const *argv, size_t max, struct hp_bench *b,
				   char **desc, struct hp_err *err)
{
	struct hp_store_filter f;
	struct hp_store_runs runs;
	struct hp_store *s = NULL;
	struct hp_machine m;
	struct hp_buf cmd = HP_BUF_INIT, d = HP_BUF_INIT;
	char *url = NULL;
	int ret = -1;

	hp_bench_release(b);
	hp_bench_init(b, argv);
	hp_store_runs_init(&runs);
	*desc = NULL;
	if (hp_store_hook_url(&url, err))
		goto cleanup;
	if (!url) {
		hp_err_set(err, "'--against-history' needs a store (it cannot be used with --no-store)");
		goto cleanup;
	}
	hp_argv_display(argv, &cmd);
	hp_machine_get(&m);
	memset(&f, 0, sizeof(f));
	f.scenario = hp_store_opt_scenario && *hp_store_opt_scenario ? hp_store_opt_scenario : cmd.data;
	f.machine = m.fingerprint;
	f.limit = max;
	if (hp_store_open(url, &s, err) || hp_store_query(s, &f, &runs, err))
		goto cleanup;
	for (size_t i = 0; i < runs.nr; i++) {
		const struct hp_store_metric *w = hp_store_run_metric(&runs.runs[i], "wall_seconds");
		const struct hp_store_metric *c = hp_store_run_metric(&runs.runs[i], "cpu_seconds");
		const struct hp_store_metric *r = hp_store_run_metric(&runs.runs[i], "peak_rss_bytes");
		struct hp_bench_run br = { w ? w->value : NAN, c ? c->value : NAN, 0, r ? r->value : NAN, 0 };

		hp_bench_add(b, &br);
	}
	hp_buf_addf(&d, "history: %zu run%s of '%s' on this machine in %s", runs.nr, runs.nr == 1 ? "" : "s",
		    f.scenario, url);
	*desc = hp_buf_detach(&d, NULL);
	ret = 0;
cleanup:
	hp_store_runs_release(&runs);
	hp_store_close(s);
	hp_buf_release(&cmd);
	hp_buf_release(&d);
	free(url);
	return ret;
}
