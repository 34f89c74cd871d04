/*
 * hotpath check - the regression gate.
 *
 * Paired mode (two commands): baseline and candidate run back to back in
 * randomised ABBA/BAAB blocks after one warm-up each; verdicts are computed
 * at looks of 15, 30 and 50 pairs (alpha split between the looks) and the
 * run stops at the first look where every metric is decided.
 * Stored-baseline mode (--baseline FILE|NAME): the candidate's runs are
 * compared with the baseline's run distribution (prediction interval).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/bench_common.h"
#include "cmd/commands.h"
#include "cmd/store_hook.h"
#include "config/config.h"
#include "core/afile.h"
#include "report/check_report.h"
#include "stats/check.h"
#include "stats/stats.h"

static const char *opt_baseline_cmd, *opt_baseline, *opt_threshold = "5%", *opt_junit;
static const char *opt_metrics = "wall,cpu,rss";
static int opt_min_pairs = 15, opt_max_pairs = 50, opt_runs = 10, opt_sims = 100;
static double opt_confidence = 99, opt_min_rss_mib = 1;
static bool opt_fail, opt_strict, opt_aa, opt_update, opt_show_output, opt_quiet, opt_history;
static int opt_seed = -1;

static const struct hp_opt check_opts[] = {
	HP_OPT_STR_("baseline-cmd", 0, &opt_baseline_cmd, "'CMD'", "paired mode: the baseline command (split like a shell would, never run by one)"),
	HP_OPT_STR_("baseline", 'b', &opt_baseline, "FILE|NAME", "stored-baseline mode: a bench --export-json/--save file or saved name"),
	HP_OPT_STR_("threshold", 't', &opt_threshold, "PCT", "smallest change that counts (default 5%)"),
	HP_OPT_DBL_("confidence", 0, &opt_confidence, "PCT", "one-sided confidence of the bounds (default 99)"),
	HP_OPT_STR_("metrics", 0, &opt_metrics, "LIST", "any of wall,cpu,rss (default all)"),
	HP_OPT_INT_("min-pairs", 0, &opt_min_pairs, "N", "paired mode: first look (default 15)"),
	HP_OPT_INT_("max-pairs", 0, &opt_max_pairs, "N", "paired mode: last look (default 50; looks at N, 2N, max)"),
	HP_OPT_INT_("runs", 'r', &opt_runs, "N", "stored-baseline mode: candidate runs (default 10)"),
	HP_OPT_DBL_("min-rss-change", 0, &opt_min_rss_mib, "MIB", "peak RSS regressions need this absolute change (default 1)"),
	HP_OPT_FLAG_("fail-on-regression", 0, &opt_fail, "exit with status 1 on a REGRESSION"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "also exit with status 1 when INCONCLUSIVE"),
	HP_OPT_FLAG_("aa", 0, &opt_aa, "run the candidate against itself and report this machine's false-alarm rate"),
	HP_OPT_INT_("simulations", 0, &opt_sims, "N", "with --aa: simulated comparisons from the recorded noise (default 100)"),
	HP_OPT_FLAG_("update-baseline-if-improved", 0, &opt_update, "stored-baseline mode: rewrite the baseline when improved"),
	HP_OPT_STR_("junit", 0, &opt_junit, "FILE", "also write a JUnit XML report"),
	HP_OPT_INT_("seed", 0, &opt_seed, "N", "seed of the randomised run order (default: from the clock)"),
	HP_OPT_FLAG_("show-output", 0, &opt_show_output, "let the commands write to the terminal"),
	HP_OPT_FLAG_("quiet", 'q', &opt_quiet, "no progress line"),
	HP_OPT_FLAG_("against-history", 0, &opt_history, "stored-baseline mode with the last 10..64 comparable runs of the history"),
	HP_STORE_OPTS,
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_check_help = {
	"check", "--baseline-cmd 'CMD_A' [options] -- CMD_B [ARGS...]\n--baseline FILE|NAME [options] -- CMD [ARGS...]\n--aa [options] -- CMD [ARGS...]",
	"fail a CI job on a real performance regression, and only then",
	"Per metric (wall time, user+system CPU time, peak RSS) the change is the\n"
	"Hodges-Lehmann estimate of the per-pair log ratio with a one-sided\n"
	"Wilcoxon signed-rank interval.  REGRESSION: the whole interval is above the\n"
	"threshold; OK: it is below; INCONCLUSIVE otherwise.  Without\n"
	"--fail-on-regression the exit status is 0 whatever the verdict.\n"
	"A Markdown summary is appended to $GITHUB_STEP_SUMMARY when it is set.",
	check_opts,
};

struct pair_data {
	double *a[HP_METRIC_NR], *b[HP_METRIC_NR];
	size_t n;
};

static bool metric_on[HP_METRIC_NR];

static int parse_metrics(const char *s)
{
	memset(metric_on, 0, sizeof(metric_on));
	while (*s) {
		size_t len = strcspn(s, ",");

		if (len == 4 && !strncmp(s, "wall", 4))
			metric_on[HP_METRIC_WALL] = true;
		else if (len == 3 && !strncmp(s, "cpu", 3))
			metric_on[HP_METRIC_CPU] = true;
		else if (len == 3 && !strncmp(s, "rss", 3))
			metric_on[HP_METRIC_RSS] = true;
		else
			return -1;
		s += len;
		if (*s == ',')
			s++;
	}
	return metric_on[HP_METRIC_WALL] || metric_on[HP_METRIC_CPU] || metric_on[HP_METRIC_RSS] ? 0 : -1;
}

static void progress(bool tty, const char *fmt, size_t a, size_t b)
{
	if (!tty)
		return;
	fputs("\r\033[K", stderr);
	fprintf(stderr, fmt, a, b);
}

static size_t compute_results(const struct pair_data *pd, size_t n, double alpha, double thr,
			      double min_abs_rss, struct hp_metric_result *res)
{
	size_t k = 0;

	for (int m = 0; m < HP_METRIC_NR; m++) {
		if (!metric_on[m])
			continue;
		hp_check_paired((enum hp_metric)m, pd->a[m], pd->b[m], n, alpha, thr,
				m == HP_METRIC_RSS ? min_abs_rss : 0, &res[k++]);
	}
	return k;
}

/* The early-stopping looks (pair counts): --min-pairs, twice that while
 * below --max-pairs, then --max-pairs.  Returns how many. */
static size_t plan_looks(size_t looks[3])
{
	size_t n = 0;

	looks[n++] = (size_t)opt_min_pairs;
	if ((size_t)opt_min_pairs * 2 < (size_t)opt_max_pairs)
		looks[n++] = (size_t)opt_min_pairs * 2;
	if ((size_t)opt_max_pairs > (size_t)opt_min_pairs)
		looks[n++] = (size_t)opt_max_pairs;
	return n;
}

static int run_paired(char **base_argv, char **cand_argv, const struct hp_run_opts *ro,
		      double thr, double alpha_total, bool tty, struct pair_data *pd,
		      struct hp_metric_result *res, size_t *nres, struct hp_err *err)
{
	size_t looks[3], nlooks = plan_looks(looks), look = 0;
	struct hp_rng rng;
	struct hp_bench_run w;
	double alpha;

	alpha = hp_check_alpha_per_look(alpha_total, nlooks);
	hp_rng_seed(&rng, opt_seed >= 0 ? (unsigned long long)opt_seed
					 : (unsigned long long)time(NULL) ^ (unsigned long long)getpid() << 16);
	for (int m = 0; m < HP_METRIC_NR; m++) {
		pd->a[m] = hp_xcalloc((size_t)opt_max_pairs + 2, sizeof(double));
		pd->b[m] = hp_xcalloc((size_t)opt_max_pairs + 2, sizeof(double));
	}
	progress(tty, "warm-up (%zu/%zu)", 1, 2);
	if (hp_bench_run_once(base_argv, ro, false, "baseline warm-up run", 1, &w, err))
		return -1;
	progress(tty, "warm-up (%zu/%zu)", 2, 2);
	if (hp_bench_run_once(cand_argv, ro, false, "candidate warm-up run", 1, &w, err))
		return -1;
	pd->n = 0;
	while (pd->n < (size_t)opt_max_pairs) {
		/* a block of two pairs: ABBA or BAAB, chosen at random */
		bool a_first = hp_rng_below(&rng, 2) == 0;

		for (int half = 0; half < 2 && pd->n < (size_t)opt_max_pairs; half++) {
			struct hp_bench_run ra, rb;
			bool af = half == 0 ? a_first : !a_first;
			size_t i = pd->n;

			if (af) {
				if (hp_bench_run_once(base_argv, ro, false, "baseline run", i + 1, &ra, err) ||
				    hp_bench_run_once(cand_argv, ro, false, "candidate run", i + 1, &rb, err))
					return -1;
			} else {
				if (hp_bench_run_once(cand_argv, ro, false, "candidate run", i + 1, &rb, err) ||
				    hp_bench_run_once(base_argv, ro, false, "baseline run", i + 1, &ra, err))
					return -1;
			}
			pd->a[HP_METRIC_WALL][i] = ra.wall_s;
			pd->b[HP_METRIC_WALL][i] = rb.wall_s;
			pd->a[HP_METRIC_CPU][i] = ra.user_s + ra.sys_s;
			pd->b[HP_METRIC_CPU][i] = rb.user_s + rb.sys_s;
			pd->a[HP_METRIC_RSS][i] = ra.max_rss_bytes;
			pd->b[HP_METRIC_RSS][i] = rb.max_rss_bytes;
			pd->n++;
			progress(tty, "pair %zu of up to %zu", pd->n, (size_t)opt_max_pairs);
			if (pd->n == looks[look]) {
				bool decided = true;

				*nres = compute_results(pd, pd->n, alpha, thr, opt_min_rss_mib * 1048576.0, res);
				for (size_t k = 0; k < *nres; k++)
					decided &= res[k].verdict != HP_VERDICT_INCONCLUSIVE;
				look++;
				if (decided || look == nlooks)
					goto done;
			}
		}
	}
done:
	if (tty)
		fputs("\r\033[K", stderr);
	return 0;
}

static int run_stored(const struct hp_bench *base, char **cand_argv, const struct hp_run_opts *ro,
		      double thr, double alpha, bool tty, struct hp_bench *cand,
		      struct hp_metric_result *res, size_t *nres, struct hp_err *err)
{
	struct hp_bench_run w;

	progress(tty, "warm-up (%zu/%zu)", 1, 1);
	if (hp_bench_run_once(cand_argv, ro, false, "warm-up run", 1, &w, err))
		return -1;
	for (int i = 0; i < opt_runs; i++) {
		struct hp_bench_run r;

		if (hp_bench_run_once(cand_argv, ro, false, "run", (size_t)i + 1, &r, err))
			return -1;
		hp_bench_add(cand, &r);
		progress(tty, "run %zu of %zu", (size_t)i + 1, (size_t)opt_runs);
	}
	if (tty)
		fputs("\r\033[K", stderr);
	*nres = 0;
	for (int m = 0; m < HP_METRIC_NR; m++) {
		size_t nb, nc;
		double *vb, *vc;

		if (!metric_on[m])
			continue;
		vb = hp_bench_values(base, (enum hp_metric)m, &nb);
		vc = hp_bench_values(cand, (enum hp_metric)m, &nc);
		if (opt_history && nc) /* history holds one median per run: compare like with like */
			vc[0] = hp_stats_median(vc, nc), nc = 1;
		if (nb == 0) {
			free(vb);
			free(vc);
			continue; /* e.g. a hyperfine file has no CPU or RSS per run */
		}
		hp_check_stored((enum hp_metric)m, vb, nb, vc, nc, alpha, thr,
				m == HP_METRIC_RSS ? opt_min_rss_mib * 1048576.0 : 0, &res[(*nres)++]);
		free(vb);
		free(vc);
	}
	return 0;
}

static int write_reports(const struct hp_check_report *rep, struct hp_err *err)
{
	const char *summary = getenv("GITHUB_STEP_SUMMARY");
	struct hp_buf out = HP_BUF_INIT;
	int ret = 0;

	if (opt_junit) {
		hp_check_report_junit(rep, &out);
		ret = hp_write_file_atomic(opt_junit, out.data, out.len, err);
		hp_buf_reset(&out);
	}
	if (!ret && summary && *summary) {
		/* appended, as GitHub expects: other steps write there too */
		FILE *f = fopen(summary, "a");

		hp_check_report_markdown(rep, &out);
		if (!f)
			ret = hp_err_errno(err, "cannot open '%s' ($GITHUB_STEP_SUMMARY)", summary);
		else if (fwrite(out.data, 1, out.len, f) != out.len || fclose(f))
			ret = hp_err_errno(err, "cannot write '%s' ($GITHUB_STEP_SUMMARY)", summary);
	}
	hp_buf_release(&out);
	return ret;
}

int cmd_check(int argc, char **argv)
{
	struct hp_metric_result res[HP_METRIC_NR];
	struct pair_data pd;
	struct hp_bench base, cand;
	struct hp_buf base_path = HP_BUF_INIT, out = HP_BUF_INIT, cand_disp = HP_BUF_INIT;
	struct hp_run_opts ro = { false, NULL, NULL };
	struct hp_check_report rep;
	struct hp_err err;
	char **args = NULL, **base_argv = NULL;
	size_t nargs, dd, nres = 0;
	double thr, alpha;
	struct timespec t0, t1;
	enum hp_verdict overall;
	bool tty;
	int ret;

	memset(&pd, 0, sizeof(pd));
	hp_bench_init(&base, NULL);
	hp_bench_init(&cand, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = hp_parse_options(argc, argv, &cmd_check_help, &args, &nargs, &dd);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	tty = isatty(2) && !opt_quiet;
	ro.show_output = opt_show_output;
	if (dd != 0 || nargs == 0) {
		ret = hp_usage_error("check", "give the candidate command after '--'");
		goto cleanup;
	}
	if (!!opt_baseline_cmd + !!opt_baseline + opt_aa + opt_history != 1) {
		ret = hp_usage_error("check", "give exactly one of --baseline-cmd, --baseline, --against-history or --aa");
		goto cleanup;
	}
	if (hp_parse_percent(opt_threshold, &thr) || thr < 0 || thr >= 10) {
		ret = hp_usage_error("check", "'--threshold' expects a percentage such as 5%% or 0.05, not '%s'", opt_threshold);
		goto cleanup;
	}
	if (!(opt_confidence > 50 && opt_confidence < 100)) {
		ret = hp_usage_error("check", "'--confidence' must be between 50 and 100");
		goto cleanup;
	}
	alpha = 1 - opt_confidence / 100;
	if (opt_min_pairs < 5 || opt_max_pairs < opt_min_pairs || opt_max_pairs > 10000 || opt_runs < 2 ||
	    opt_sims < 1) {
		ret = hp_usage_error("check", "need 5 <= --min-pairs <= --max-pairs <= 10000, --runs >= 2, --simulations >= 1");
		goto cleanup;
	}
	if (parse_metrics(opt_metrics)) {
		ret = hp_usage_error("check", "'--metrics' takes a comma-separated list of wall, cpu and rss");
		goto cleanup;
	}
	hp_argv_display(args, &cand_disp);
	if (opt_baseline_cmd) {
		size_t nbase;

		if (hp_shell_split(opt_baseline_cmd, &base_argv, &nbase, &err)) {
			ret = hp_usage_error("check", "cannot split '--baseline-cmd': %s", err.msg);
			goto cleanup;
		}
		if (!nbase) {
			ret = hp_usage_error("check", "'--baseline-cmd' is empty");
			goto cleanup;
		}
	}
	if (opt_history) {
		char *desc = NULL;

		if (hp_store_hook_history_baseline(args, 64, &base, &desc, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		hp_buf_adds(&base_path, desc);
		free(desc);
		if (base.nr < 10) {
			hp_warning("%s; at least 10 are needed: nothing to compare yet", base_path.data);
			base.nr = 0; /* every metric is skipped; the runs are still stored */
		}
	}
	if (opt_baseline || opt_history) {
		if (opt_baseline && hp_baseline_load(opt_baseline, &base, &base_path, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		if (base.nr == 0 && opt_baseline) {
			ret = hp_error("baseline '%s' holds no runs", base_path.data);
			goto cleanup;
		}
		if (run_stored(&base, args, &ro, thr, alpha, tty, &cand, res, &nres, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
	} else {
		if (run_paired(opt_aa ? args : base_argv, args, &ro, thr, alpha, tty, &pd, res, &nres, &err)) {
			if (tty)
				fputs("\r\033[K", stderr);
			ret = hp_error_from(&err);
			goto cleanup;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	memset(&rep, 0, sizeof(rep));
	rep.mode = opt_history ? "history" : opt_baseline ? "stored baseline" : opt_aa ? "A/A" : "paired";
	rep.baseline = opt_baseline || opt_history ? base_path.data : opt_aa ? cand_disp.data : opt_baseline_cmd;
	rep.candidate = cand_disp.data;
	rep.results = res;
	rep.nr = nres;
	rep.seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	hp_check_report_console(&rep, &out);
	if (opt_aa) {
		size_t looks[3];
		double a1 = hp_check_alpha_per_look(alpha, plan_looks(looks));

		hp_buf_addf(&out, "A/A on this machine, %zu recorded pairs; false alarms in %d simulated comparisons of %d pairs:\n",
			    pd.n, opt_sims, opt_min_pairs);
		for (size_t k = 0; k < nres; k++) {
			enum hp_metric m = res[k].metric;
			size_t fa = hp_check_simulate_false_alarms(m, pd.a[m], pd.b[m], pd.n, (size_t)opt_min_pairs,
								   (size_t)opt_sims, a1, thr,
								   m == HP_METRIC_RSS ? opt_min_rss_mib * 1048576.0 : 0,
								   opt_seed >= 0 ? (unsigned long long)opt_seed : 1);

			hp_buf_addf(&out, "  %s: %zu/%d (%.1f%%)\n", hp_metric_names[m], fa, opt_sims,
				    100.0 * (double)fa / opt_sims);
		}
	}
	fwrite(out.data, 1, out.len, stdout);
	if (write_reports(&rep, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!opt_aa && (ret = hp_store_hook_check(args, opt_baseline_cmd ? NULL : &cand, pd.b, pd.n, opt_quiet)))
		goto cleanup;
	overall = hp_check_overall(res, nres);
	if (opt_update && opt_baseline && overall == HP_VERDICT_IMPROVED) {
		if (hp_bench_save_file(&cand, base_path.data, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		printf("baseline '%s' updated with the improved runs\n", base_path.data);
	}
	ret = HP_EXIT_OK;
	if ((opt_fail || opt_strict) && overall == HP_VERDICT_REGRESSION)
		ret = HP_EXIT_FAIL;
	if (opt_strict && overall == HP_VERDICT_INCONCLUSIVE)
		ret = HP_EXIT_FAIL;
cleanup:
	for (int m = 0; m < HP_METRIC_NR; m++) {
		free(pd.a[m]);
		free(pd.b[m]);
	}
	if (base_argv)
		hp_argv_free(base_argv);
	free(args);
	hp_bench_release(&base);
	hp_bench_release(&cand);
	hp_buf_release(&base_path);
	hp_buf_release(&out);
	hp_buf_release(&cand_disp);
	return ret;
}
