/*
 * hotpath bench - run a command repeatedly and summarise wall time, CPU time
 * and peak RSS (hyperfine's job, with CPU and memory as first-class metrics).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/bench_common.h"
#include "cmd/commands.h"
#include "cmd/store_hook.h"
#include "core/afile.h"
#include "core/buf.h"
#include "stats/stats.h"

static int opt_runs = -1, opt_warmup = 1;
static double opt_min_time = 3.0;
static bool opt_show_output, opt_ignore_failure, opt_quiet;
static const char *opt_export_json, *opt_save;

static const struct hp_opt bench_opts[] = {
	HP_OPT_INT_("runs", 'r', &opt_runs, "N", "exactly N timed runs (default: at least 10 and at least 3 s)"),
	HP_OPT_INT_("warmup", 'w', &opt_warmup, "N", "untimed warm-up runs first (default 1)"),
	HP_OPT_DBL_("min-time", 0, &opt_min_time, "SECONDS", "keep running until this much time is spent (default 3)"),
	HP_OPT_STR_("export-json", 0, &opt_export_json, "FILE", "write every run to FILE (hyperfine's field names)"),
	HP_OPT_STR_("save", 0, &opt_save, "NAME", "also store the runs as baseline NAME (.hotpath/baselines/NAME.json)"),
	HP_OPT_FLAG_("show-output", 0, &opt_show_output, "let the command write to the terminal"),
	HP_OPT_FLAG_("ignore-failure", 'i', &opt_ignore_failure, "time runs that exit non-zero instead of failing"),
	HP_OPT_FLAG_("quiet", 'q', &opt_quiet, "no progress line"),
	HP_STORE_OPTS,
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_bench_help = {
	"bench", "[options] -- COMMAND [ARGS...]",
	"run a command repeatedly and summarise its time and memory",
	"Runs the warm-up runs, then at least 10 runs and at least 3 seconds (or\n"
	"exactly --runs N).  Each run's wall time, user and system CPU time, peak RSS\n"
	"and exit status are kept.  The command is executed directly, never through a\n"
	"shell.  A run that exits non-zero stops the benchmark with an error unless\n"
	"--ignore-failure is given.",
	bench_opts,
};

static void print_metric(const char *label, const double *v, size_t n, bool bytes)
{
	struct hp_summary s;
	char a[32], b[32], c[32], d[32], e[32];

	hp_stats_summary(v, n, &s);
	hp_format_value(s.median, bytes, a, sizeof(a));
	hp_format_value(s.mean, bytes, b, sizeof(b));
	hp_format_value(s.stddev, bytes, c, sizeof(c));
	hp_format_value(s.min, bytes, d, sizeof(d));
	hp_format_value(s.max, bytes, e, sizeof(e));
	printf("  %-6s median %-10s mean %-10s ± %-10s min %-10s max %s", label, a, b, c, d, e);
	if (s.outliers_low + s.outliers_high)
		printf("   (%zu outlier%s)", s.outliers_low + s.outliers_high,
		       s.outliers_low + s.outliers_high == 1 ? "" : "s");
	putchar('\n');
}

int cmd_bench(int argc, char **argv)
{
	struct hp_bench b;
	struct hp_err err;
	struct hp_run_opts ro = { false, NULL, NULL };
	char **args = NULL;
	size_t nargs, dd;
	int ret;
	double spent = 0;
	bool tty;

	hp_bench_init(&b, NULL);
	ret = hp_parse_options(argc, argv, &cmd_bench_help, &args, &nargs, &dd);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (dd != 0 || nargs == 0) {
		ret = hp_usage_error("bench", "give the command after '--': hotpath bench [options] -- COMMAND");
		goto cleanup;
	}
	if (opt_runs == 0 || opt_runs < -1 || opt_warmup < 0 || !(opt_min_time >= 0)) {
		ret = hp_usage_error("bench", "'--runs' must be at least 1, '--warmup' and '--min-time' not negative");
		goto cleanup;
	}
	if (opt_save && !hp_baseline_name_ok(opt_save)) {
		ret = hp_usage_error("bench", "baseline name '%s' may only use letters, digits, '.', '_' and '-'", opt_save);
		goto cleanup;
	}
	tty = isatty(2) && !opt_quiet;
	ro.show_output = opt_show_output;
	hp_bench_release(&b);
	hp_bench_init(&b, args);
	for (int i = 0; i < opt_warmup; i++) {
		struct hp_bench_run r;

		if (hp_bench_run_once(args, &ro, opt_ignore_failure, "warm-up run", i + 1, &r, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
	}
	for (size_t i = 0;; i++) {
		struct hp_bench_run r;

		if (opt_runs > 0 ? i >= (size_t)opt_runs : (i >= 10 && spent >= opt_min_time))
			break;
		if (i >= 100000)
			break;
		if (hp_bench_run_once(args, &ro, opt_ignore_failure, "run", i + 1, &r, &err)) {
			if (tty)
				fputs("\r\033[K", stderr);
			ret = hp_error_from(&err);
			goto cleanup;
		}
		hp_bench_add(&b, &r);
		spent += r.wall_s;
		if (tty)
			fprintf(stderr, "\r\033[Krun %zu: %.3f s (%.1f s spent)", i + 1, r.wall_s, spent);
	}
	if (tty)
		fputs("\r\033[K", stderr);
	printf("Benchmark: %s\n", b.command);
	printf("  runs   %zu (+%d warm-up)\n", b.nr, opt_warmup);
	for (int m = 0; m < HP_METRIC_NR; m++) {
		size_t n;
		double *v = hp_bench_values(&b, (enum hp_metric)m, &n);

		print_metric(m == HP_METRIC_WALL ? "wall" : m == HP_METRIC_CPU ? "cpu" : "rss", v, n,
			     m == HP_METRIC_RSS);
		free(v);
	}
	{
		size_t failed = 0;

		for (size_t i = 0; i < b.nr; i++)
			failed += b.runs[i].exit_code != 0;
		if (failed)
			printf("  %zu run%s exited non-zero (timed anyway: --ignore-failure)\n", failed,
			       failed == 1 ? "" : "s");
	}
	if (opt_export_json && hp_bench_save_file(&b, opt_export_json, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (opt_save) {
		struct hp_buf path = HP_BUF_INIT;

		hp_baseline_path(opt_save, &path);
		if (hp_mkdir_p(".hotpath/baselines", &err) || hp_bench_save_file(&b, path.data, &err)) {
			hp_buf_release(&path);
			ret = hp_error_from(&err);
			goto cleanup;
		}
		printf("saved baseline '%s' (%s)\n", opt_save, path.data);
		hp_buf_release(&path);
	}
	ret = hp_store_hook_bench("bench", b.argv, &b, opt_quiet);
cleanup:
	free(args);
	hp_bench_release(&b);
	return ret;
}
