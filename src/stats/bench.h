/*
 * bench.h - a set of measured runs of one command, and its JSON file.
 *
 * The file uses hyperfine's export format where the meaning is the same
 * ({"results": [{"command", "mean", "stddev", "median", "user", "system",
 * "min", "max", "times", "exit_codes"}]}) plus hotpath's per-run arrays
 * "user_times", "system_times", "max_rss_bytes" and the "argv" array, so
 * hyperfine's own exports can be used as baselines too (wall time only).
 *
 * Ownership: struct hp_bench owns its argv strings, command and runs;
 * hp_bench_release frees them.
 */
#ifndef HP_STATS_BENCH_H
#define HP_STATS_BENCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

enum hp_metric {
	HP_METRIC_WALL,      /* seconds */
	HP_METRIC_CPU,       /* user + system seconds */
	HP_METRIC_RSS,       /* peak RSS, bytes */
	HP_METRIC_NR
};

struct hp_bench_run {
	double wall_s;
	double user_s;      /* NAN when unknown (hyperfine files) */
	double sys_s;
	double max_rss_bytes;
	int exit_code;
};

struct hp_bench {
	char **argv;        /* NULL-terminated, or NULL when unknown */
	char *command;      /* display form */
	struct hp_bench_run *runs;
	size_t nr, alloc;
};

extern const char *const hp_metric_names[HP_METRIC_NR]; /* "wall_seconds", ... */
extern const char *const hp_metric_units[HP_METRIC_NR]; /* "s", "s", "bytes" */

void hp_bench_init(struct hp_bench *b, char *const *argv);
void hp_bench_release(struct hp_bench *b);
void hp_bench_add(struct hp_bench *b, const struct hp_bench_run *r);
/* The metric's value for run i (NAN when unknown). */
double hp_bench_value(const struct hp_bench *b, size_t i, enum hp_metric m);
/* Copy a metric's known values into a new array (caller frees); *n set. */
double *hp_bench_values(const struct hp_bench *b, enum hp_metric m, size_t *n);

/* Join argv for display, quoting words that need it (never executed). */
void hp_argv_display(char *const *argv, struct hp_buf *out);

int hp_bench_write_json(const struct hp_bench *b, struct hp_buf *out, struct hp_err *err);
/* Parse a bench/hyperfine JSON file (the first result), or a `hotpath
 * record` JSON (one run).  name is used in error messages.  b is
 * initialised here. */
int hp_bench_read_json(struct hp_bench *b, const char *data, size_t len,
		       const char *name, struct hp_err *err);

#endif
