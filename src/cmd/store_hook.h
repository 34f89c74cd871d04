/*
 * store_hook.h - what record, bench and check call to save their runs in
 * the history (src/store/), and what check --against-history reads back.
 *
 * The options: HP_STORE_OPTS adds --store URL, --no-store and
 * --scenario NAME to a command's option table (one line).  The store used
 * is --store, else `[defaults] store` of the configuration file, else
 * sqlite:profiles/history.db; --no-store turns storing off.
 *
 * The hp_store_hook_* functions print their own error ("hotpath: error:
 * cannot open store ...") and return an exit status (0 or HP_EXIT_RUNTIME).
 */
#ifndef HP_CMD_STORE_HOOK_H
#define HP_CMD_STORE_HOOK_H

#include <stdbool.h>
#include <stddef.h>

#include "cmd/cli.h"
#include "stats/bench.h"

struct hp_profile;

extern const char *hp_store_opt_url;
extern bool hp_store_opt_off;
extern const char *hp_store_opt_scenario;

#define HP_STORE_OPTS \
	HP_OPT_STR_("store", 0, &hp_store_opt_url, "URL", "keep the run in this history (default sqlite:profiles/history.db)"), \
	HP_OPT_FLAG_("no-store", 0, &hp_store_opt_off, "do not keep the run in the history"), \
	HP_OPT_STR_("scenario", 0, &hp_store_opt_scenario, "NAME", "the run's name in the history (default: the command)")

/* The store URL to use (a new string), or NULL with 0 when storing is off. */
int hp_store_hook_url(char **url, struct hp_err *err);

/* Save b (kind "bench" or "check") as one run. */
int hp_store_hook_bench(const char *kind, char *const *argv, const struct hp_bench *b, bool quiet);
/* check: the candidate's runs, from cand (stored-baseline mode) or, when
 * cand is NULL, from the paired arrays b[metric][0..n). */
int hp_store_hook_check(char *const *argv, const struct hp_bench *cand, double *const *b,
			size_t n, bool quiet);
/* record: duration, CPU time, peak RSS, samples and the folded profile. */
int hp_store_hook_record(const struct hp_profile *p, char *const *argv, bool quiet);

/* check --against-history: the last comparable runs (same scenario, same
 * machine, at most max) as baseline b, one "run" per stored run holding
 * its medians.  b is initialised here.  -1 with err on failure. */
int hp_store_hook_history_baseline(char *const *argv, size_t max, struct hp_bench *b,
				   char **desc, struct hp_err *err);

#endif
