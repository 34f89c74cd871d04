/*
 * hotpath history - the run history kept by record, bench and check:
 * list runs, plot a metric over commits, find where a metric shifted.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd/commands.h"
#include "cmd/store_hook.h"
#include "core/afile.h"
#include "core/buf.h"
#include "report/trend.h"
#include "stats/changepoint.h"
#include "stats/stats.h"
#include "store/store.h"

static const char *opt_scenario, *opt_metric, *opt_branch, *opt_since, *opt_format = "text";
static const char *opt_plot, *opt_store;
static int opt_limit = -1, opt_window = 30;
static double opt_alpha = 0.001;
static bool opt_changes;

static const struct hp_opt history_opts[] = {
	HP_OPT_STR_("store", 0, &opt_store, "URL", "the history to read (default: as record/bench/check)"),
	HP_OPT_STR_("scenario", 's', &opt_scenario, "S", "only runs of this scenario (or command)"),
	HP_OPT_STR_("metric", 'm', &opt_metric, "M", "only this metric (--plot: default wall_seconds)"),
	HP_OPT_STR_("branch", 'b', &opt_branch, "B", "only runs on this branch"),
	HP_OPT_STR_("since", 0, &opt_since, "DATE", "only runs at or after DATE (YYYY-MM-DD[THH:MM[:SS]] UTC, or @UNIXTIME)"),
	HP_OPT_INT_("limit", 'n', &opt_limit, "N", "the most recent N runs (default 50 when listing, all for --plot/--changes; 0: all)"),
	HP_OPT_STR_("format", 'f', &opt_format, "FMT", "text, csv or json"),
	HP_OPT_STR_("plot", 0, &opt_plot, "FILE.svg", "write an SVG chart of the metric over commits"),
	HP_OPT_FLAG_("changes", 0, &opt_changes, "list change points of every scenario's metrics"),
	HP_OPT_INT_("window", 0, &opt_window, "N", "change points: points compared each side (default 30)"),
	HP_OPT_DBL_("alpha", 0, &opt_alpha, "P", "change points: significance (default 0.001)"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_history_help = {
	"history", "[--scenario S] [--metric M] [--branch B] [--since DATE] [--limit N] [--format text|csv|json]\n"
		   "--plot trend.svg [--scenario S] [--metric M]\n--changes [--scenario S] [--metric M]",
	"list, plot and find shifts in the run history",
	"record, bench and check keep every run in a history (--store URL;\n"
	"default sqlite:profiles/history.db, or postgresql://... for a team).\n"
	"Runs are listed oldest first with their metric values (medians).\n"
	"--changes runs a windowed Welch t-test (as Hunter/Otava do) over each\n"
	"scenario's series and lists the commits where a metric shifted, the size\n"
	"of the shift and its p-value.  --plot draws one metric's series with its\n"
	"interval band, the current baseline (dashed) and the change points.",
	history_opts,
};

enum fmt { FMT_TEXT, FMT_CSV, FMT_JSON };

static void iso_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%lld", (long long)t);
}

static void short_sha(const struct hp_store_run *r, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s%s", 7, *r->sha ? r->sha : "-", r->dirty ? "+" : "");
}

/* A CSV field from the store: invalid UTF-8 cleaned, then quoted as
 * hp_buf_add_csv does (a copy only when quoting is needed). */
static void csv_field(struct hp_buf *b, const char *s)
{
	size_t start = b->len;
	char *clean;

	hp_buf_add_utf8_clean(b, s, strlen(s));
	if (!strpbrk(b->data + start, ",\"\r\n"))
		return;
	clean = hp_xstrdup(b->data + start);
	hp_buf_truncate(b, start);
	hp_buf_add_csv(b, clean);
	free(clean);
}

static void csv_double(struct hp_buf *b, double v)
{
	if (isfinite(v))
		hp_buf_add_double(b, v);
}

static json_t *json_num(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static int list_runs(const struct hp_store_runs *rs, enum fmt fmt, struct hp_buf *out)
{
	char when[40], sha[16];

	if (fmt == FMT_CSV) {
		hp_buf_adds(out, "id,time,commit,branch,dirty,scenario,machine,metric,unit,value,lo,hi,n\n");
		for (size_t i = 0; i < rs->nr; i++) {
			const struct hp_store_run *r = &rs->runs[i];

			iso_time(r->time, when, sizeof(when));
			for (size_t k = 0; k < r->nr_metrics; k++) {
				const struct hp_store_metric *m = &r->metrics[k];

				hp_buf_addf(out, "%lld,%s,", (long long)r->id, when);
				csv_field(out, r->sha);
				hp_buf_addch(out, ',');
				csv_field(out, r->branch);
				hp_buf_addf(out, ",%d,", r->dirty);
				csv_field(out, r->scenario);
				hp_buf_addch(out, ',');
				csv_field(out, r->machine);
				hp_buf_addch(out, ',');
				csv_field(out, m->name);
				hp_buf_addch(out, ',');
				csv_field(out, m->unit);
				hp_buf_addch(out, ',');
				csv_double(out, m->value);
				hp_buf_addch(out, ',');
				csv_double(out, m->lo);
				hp_buf_addch(out, ',');
				csv_double(out, m->hi);
				hp_buf_addf(out, ",%zu\n", m->n);
			}
		}
		return 0;
	}
	if (fmt == FMT_JSON) {
		json_t *root = json_object(), *arr = json_array();
		char *s;

		for (size_t i = 0; i < rs->nr; i++) {
			const struct hp_store_run *r = &rs->runs[i];
			json_t *o = json_object(), *ms = json_object();

			iso_time(r->time, when, sizeof(when));
			json_object_set_new(o, "id", json_integer(r->id));
			json_object_set_new(o, "time", json_string(when));
			json_object_set_new(o, "commit", json_string(r->sha));
			json_object_set_new(o, "branch", json_string(r->branch));
			json_object_set_new(o, "dirty", json_boolean(r->dirty));
			json_object_set_new(o, "scenario", json_string(r->scenario));
			json_object_set_new(o, "command", json_string(r->command));
			json_object_set_new(o, "command_hash", json_string(r->command_hash));
			json_object_set_new(o, "kind", json_string(r->kind));
			json_object_set_new(o, "machine", json_string(r->machine));
			json_object_set_new(o, "host", json_string(r->host));
			json_object_set_new(o, "cpu", json_string(r->cpu));
			json_object_set_new(o, "cores", json_integer(r->cores));
			json_object_set_new(o, "kernel", json_string(r->kernel));
			json_object_set_new(o, "version", json_string(r->version));
			for (size_t k = 0; k < r->nr_metrics; k++) {
				const struct hp_store_metric *m = &r->metrics[k];
				json_t *mo = json_object(), *raw = json_array();

				json_object_set_new(mo, "unit", json_string(m->unit));
				json_object_set_new(mo, "value", json_num(m->value));
				json_object_set_new(mo, "lo", json_num(m->lo));
				json_object_set_new(mo, "hi", json_num(m->hi));
				json_object_set_new(mo, "n", json_integer((json_int_t)m->n));
				for (size_t j = 0; m->raw && j < m->n; j++)
					json_array_append_new(raw, json_num(m->raw[j]));
				json_object_set_new(mo, "raw", raw);
				json_object_set_new(ms, m->name, mo);
			}
			json_object_set_new(o, "metrics", ms);
			json_array_append_new(arr, o);
		}
		json_object_set_new(root, "runs", arr);
		/* strings from the store may hold invalid UTF-8: jansson then
		 * fails to build them (NULL) and dumps the rest */
		s = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(root);
		if (!s)
			return -1;
		hp_buf_adds(out, s);
		hp_buf_addch(out, '\n');
		free(s);
		return 0;
	}
	for (size_t i = 0; i < rs->nr; i++) {
		const struct hp_store_run *r = &rs->runs[i];

		iso_time(r->time, when, sizeof(when));
		short_sha(r, sha, sizeof(sha));
		hp_buf_addf(out, "%-6lld %s  %-8s %-12s ", (long long)r->id, when, sha, *r->branch ? r->branch : "-");
		hp_buf_add_utf8_clean(out, r->scenario, strlen(r->scenario));
		for (size_t k = 0; k < r->nr_metrics; k++)
			hp_buf_addf(out, "  %s=%.6g", r->metrics[k].name, r->metrics[k].value);
		hp_buf_addch(out, '\n');
	}
	if (!rs->nr)
		hp_buf_adds(out, "no runs\n");
	return 0;
}

/* One metric series of one scenario, in run order. */
struct series {
	const char *scenario, *metric, *unit;
	double *v;
	size_t *run;     /* index into the runs */
	size_t n;
};

/* Group runs into (scenario, metric) series, in order of first appearance. */
static struct series *make_series(const struct hp_store_runs *rs, const char *metric, size_t *nr)
{
	struct series *s = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < rs->nr; i++) {
		const struct hp_store_run *r = &rs->runs[i];

		for (size_t k = 0; k < r->nr_metrics; k++) {
			const struct hp_store_metric *m = &r->metrics[k];
			struct series *t = NULL;

			if ((metric && strcmp(m->name, metric)) || !isfinite(m->value))
				continue;
			for (size_t j = n; j-- > 0;)
				if (!strcmp(s[j].scenario, r->scenario) && !strcmp(s[j].metric, m->name)) {
					t = &s[j];
					break;
				}
			if (!t) {
				HP_GROW(s, n + 1, alloc);
				t = &s[n++];
				memset(t, 0, sizeof(*t));
				t->scenario = r->scenario;
				t->metric = m->name;
				t->unit = m->unit;
				t->v = hp_xmalloc(rs->nr * sizeof(double));
				t->run = hp_xmalloc(rs->nr * sizeof(size_t));
			}
			t->v[t->n] = m->value;
			t->run[t->n++] = i;
		}
	}
	*nr = n;
	return s;
}

static void free_series(struct series *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].v);
		free(s[i].run);
	}
	free(s);
}

static int show_changes(const struct hp_store_runs *rs, enum fmt fmt, struct hp_buf *out)
{
	struct hp_changepoint_opts co = HP_CHANGEPOINT_OPTS_INIT;
	struct series *s;
	size_t ns, total = 0;
	json_t *arr = json_array();

	co.window = (size_t)opt_window;
	co.alpha = opt_alpha;
	s = make_series(rs, opt_metric, &ns);
	if (fmt == FMT_CSV)
		hp_buf_adds(out, "scenario,metric,run,commit,time,before,after,change,p\n");
	for (size_t i = 0; i < ns; i++) {
		struct hp_changepoint *cp;
		size_t ncp = hp_changepoint_detect(s[i].v, s[i].n, &co, &cp);

		for (size_t k = 0; k < ncp; k++) {
			const struct hp_store_run *r = &rs->runs[s[i].run[cp[k].index]];
			char when[40], sha[16];

			iso_time(r->time, when, sizeof(when));
			short_sha(r, sha, sizeof(sha));
			total++;
			if (fmt == FMT_TEXT) {
				hp_buf_adds(out, "'");
				hp_buf_add_utf8_clean(out, s[i].scenario, strlen(s[i].scenario));
				hp_buf_addf(out, "' %s: shift at run %lld (commit %s, %s): %.6g -> %.6g %s (%+.1f%%), p=%.2g\n",
					    s[i].metric, (long long)r->id, sha, when, cp[k].before, cp[k].after,
					    s[i].unit, 100 * cp[k].change, cp[k].pvalue);
			} else if (fmt == FMT_CSV) {
				csv_field(out, s[i].scenario);
				hp_buf_addch(out, ',');
				csv_field(out, s[i].metric);
				hp_buf_addf(out, ",%lld,", (long long)r->id);
				csv_field(out, r->sha);
				hp_buf_addf(out, ",%s,", when);
				csv_double(out, cp[k].before);
				hp_buf_addch(out, ',');
				csv_double(out, cp[k].after);
				hp_buf_addch(out, ',');
				csv_double(out, cp[k].change);
				hp_buf_addch(out, ',');
				csv_double(out, cp[k].pvalue);
				hp_buf_addch(out, '\n');
			} else {
				json_t *o = json_object();

				json_object_set_new(o, "scenario", json_string(s[i].scenario));
				json_object_set_new(o, "metric", json_string(s[i].metric));
				json_object_set_new(o, "run", json_integer(r->id));
				json_object_set_new(o, "commit", json_string(r->sha));
				json_object_set_new(o, "time", json_string(when));
				json_object_set_new(o, "before", json_num(cp[k].before));
				json_object_set_new(o, "after", json_num(cp[k].after));
				json_object_set_new(o, "change", json_num(cp[k].change));
				json_object_set_new(o, "p", json_num(cp[k].pvalue));
				json_array_append_new(arr, o);
			}
		}
		free(cp);
	}
	if (fmt == FMT_TEXT && !total)
		hp_buf_addf(out, "no change points in %zu series (window %d, alpha %g)\n", ns, opt_window, opt_alpha);
	if (fmt == FMT_JSON) {
		json_t *root = json_object();
		char *txt;

		json_object_set_new(root, "changes", arr);
		arr = NULL;
		txt = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		json_decref(root);
		if (txt) {
			hp_buf_adds(out, txt);
			hp_buf_addch(out, '\n');
			free(txt);
		}
	}
	json_decref(arr);
	free_series(s, ns);
	return 0;
}

static int plot(const struct hp_store_runs *rs, const char *metric, const char *path, struct hp_err *err)
{
	struct hp_changepoint_opts co = HP_CHANGEPOINT_OPTS_INIT;
	struct hp_trend_point *pts = NULL;
	struct hp_trend_mark *marks = NULL;
	struct hp_changepoint *cp = NULL;
	struct hp_trend t;
	struct hp_buf svg = HP_BUF_INIT, title = HP_BUF_INIT;
	char (*labels)[16] = NULL, (*mlabels)[64] = NULL;
	double *v = NULL;
	size_t n = 0, ncp, from;
	int ret;

	co.window = (size_t)opt_window;
	co.alpha = opt_alpha;
	memset(&t, 0, sizeof(t));
	pts = hp_xcalloc(rs->nr + 1, sizeof(*pts));
	labels = hp_xcalloc(rs->nr + 1, sizeof(*labels));
	v = hp_xcalloc(rs->nr + 1, sizeof(double));
	for (size_t i = 0; i < rs->nr; i++) {
		const struct hp_store_metric *m = hp_store_run_metric(&rs->runs[i], metric);

		if (!m || !isfinite(m->value))
			continue;
		if (!t.unit)
			t.unit = m->unit;
		short_sha(&rs->runs[i], labels[n], sizeof(labels[n]));
		pts[n].value = m->value;
		pts[n].lo = m->lo;
		pts[n].hi = m->hi;
		pts[n].label = labels[n];
		v[n++] = m->value;
	}
	ncp = hp_changepoint_detect(v, n, &co, &cp);
	marks = hp_xcalloc(ncp + 1, sizeof(*marks));
	mlabels = hp_xcalloc(ncp + 1, sizeof(*mlabels));
	for (size_t k = 0; k < ncp; k++) {
		snprintf(mlabels[k], sizeof(mlabels[k]), "%s %+.1f%%", labels[cp[k].index], 100 * cp[k].change);
		marks[k].index = cp[k].index;
		marks[k].label = mlabels[k];
	}
	/* the current baseline: the median of the last level (since the last
	 * change point), at most 64 runs, as check --against-history uses */
	from = ncp ? cp[ncp - 1].index : 0;
	if (n - from > 64)
		from = n - 64;
	{
		double *tail = v + from;
		size_t tn = n - from;

		t.baseline = tn ? hp_stats_median(tail, tn) : NAN;
	}
	hp_buf_adds(&title, metric);
	if (rs->nr) {
		hp_buf_adds(&title, " of ");
		hp_buf_adds(&title, rs->runs[0].scenario);
	}
	t.title = title.data;
	t.pts = pts;
	t.n = n;
	t.marks = marks;
	t.nr_marks = ncp;
	hp_trend_render(&t, &svg);
	ret = hp_write_file_atomic(path, svg.data, svg.len, err);
	free(pts);
	free(labels);
	free(v);
	free(cp);
	free(marks);
	free(mlabels);
	hp_buf_release(&svg);
	hp_buf_release(&title);
	return ret;
}

int cmd_history(int argc, char **argv)
{
	struct hp_store_filter f;
	struct hp_store_runs rs;
	struct hp_store *s = NULL;
	struct hp_buf out = HP_BUF_INIT;
	struct hp_err err;
	char **args = NULL, *url = NULL;
	size_t nargs, dd;
	enum fmt fmt;
	int ret;

	hp_store_runs_init(&rs);
	ret = hp_parse_options(argc, argv, &cmd_history_help, &args, &nargs, &dd);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs) {
		ret = hp_usage_error("history", "unexpected argument '%s'", args[0]);
		goto cleanup;
	}
	{
		static const char *const formats[] = { "text", "csv", "json", NULL };
		static const int fmt_of[] = { FMT_TEXT, FMT_CSV, FMT_JSON };
		int k = hp_parse_choice("history", "format", opt_format, formats);

		if (k < 0) {
			ret = HP_EXIT_USAGE;
			goto cleanup;
		}
		fmt = fmt_of[k];
	}
	if (opt_limit < -1 || opt_window < 2 || !(opt_alpha > 0 && opt_alpha < 1)) {
		ret = hp_usage_error("history", "need --limit >= 0, --window >= 2 and 0 < --alpha < 1");
		goto cleanup;
	}
	if (opt_plot && opt_changes) {
		ret = hp_usage_error("history", "give --plot or --changes, not both");
		goto cleanup;
	}
	memset(&f, 0, sizeof(f));
	f.scenario = opt_scenario;
	f.metric = opt_plot && !opt_metric ? "wall_seconds" : opt_metric;
	f.branch = opt_branch;
	f.with_raw = fmt == FMT_JSON && !opt_changes && !opt_plot;
	f.limit = opt_limit >= 0 ? (size_t)opt_limit : opt_plot || opt_changes ? 0 : 50;
	if (opt_since && hp_store_parse_date(opt_since, &f.since)) {
		ret = hp_usage_error("history", "'--since' expects YYYY-MM-DD[THH:MM[:SS]] or @UNIXTIME, not '%s'", opt_since);
		goto cleanup;
	}
	if (opt_store)
		hp_store_opt_url = opt_store;
	if (hp_store_hook_url(&url, &err) || hp_store_open(url, &s, &err) ||
	    hp_store_query(s, &f, &rs, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (opt_plot) {
		for (size_t i = 1; i < rs.nr; i++)
			if (strcmp(rs.runs[i].scenario, rs.runs[0].scenario)) {
				ret = hp_usage_error("history", "the history holds several scenarios: choose one with --scenario to plot");
				goto cleanup;
			}
		if (plot(&rs, f.metric, opt_plot, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		printf("wrote %s (%zu runs)\n", opt_plot, rs.nr);
	} else if (opt_changes) {
		show_changes(&rs, fmt, &out);
	} else if (list_runs(&rs, fmt, &out)) {
		ret = hp_error("cannot write the runs as JSON");
		goto cleanup;
	}
	fwrite(out.data, 1, out.len, stdout);
	ret = HP_EXIT_OK;
cleanup:
	hp_store_runs_release(&rs);
	hp_store_close(s);
	hp_buf_release(&out);
	free(url);
	free(args);
	return ret;
}
