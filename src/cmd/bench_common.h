/*
 * bench_common.h - what bench and check share: running one measured run
 * with failure handling, named baselines, formatting values.
 */
#ifndef HP_CMD_BENCH_COMMON_H
#define HP_CMD_BENCH_COMMON_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/run.h"
#include "stats/bench.h"

/* Run argv once.  A run that cannot start, is killed, or exits non-zero
 * (unless ignore_failure) is an error naming what and which run. */
int hp_bench_run_once(char *const *argv, const struct hp_run_opts *ro, bool ignore_failure,
		      const char *what, size_t index, struct hp_bench_run *out, struct hp_err *err);

bool hp_baseline_name_ok(const char *name);
/* .hotpath/baselines/NAME.json */
void hp_baseline_path(const char *name, struct hp_buf *out);
/* Load a baseline given as a file path, or as a name saved by --save. */
int hp_baseline_load(const char *spec, struct hp_bench *b, struct hp_buf *path, struct hp_err *err);
int hp_bench_save_file(const struct hp_bench *b, const char *path, struct hp_err *err);

/* "1.234 s", "12.3 ms", "45.2 MiB" */
void hp_format_value(double v, bool bytes, char *buf, size_t len);

#endif
