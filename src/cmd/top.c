/*
 * hotpath top - self and total time by function (or function:line).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/load.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/top.h"
#include "cmd/top_pstats.h"

static bool opt_lines, opt_strict;
static const char *opt_sort, *opt_format = "text", *opt_out = "-", *opt_weight;
static const char *const formats[] = { "text", "csv", "json", NULL };
static const char *opt_filter, *opt_callers, *opt_callees; /* pstats input only */
static int opt_n = 25;

static const struct hp_opt top_opts[] = {
	HP_OPT_FLAG_("lines", 'l', &opt_lines, "one row per function and line"),
	HP_OPT_STR_("sort", 's', &opt_sort, "KEY", "self (default), total or name; pstats: cumulative (default),\n"
		    "                               tottime, ncalls, pcalls, name, file, line, nfl, stdname, or\n"
		    "                               several joined by commas"),
	HP_OPT_INT_("limit", 'n', &opt_n, "N", "show the first N rows (default 25, 0 = all)"),
	HP_OPT_STR_("format", 'f', &opt_format, "FMT", "text (default), csv or json"),
	HP_OPT_STR_("weight", 'w', &opt_weight, "NAME", "weight column to rank by (default: the first)"),
	HP_OPT_STR_("output", 'o', &opt_out, "FILE", "write to FILE instead of standard output"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "fail on malformed input lines instead of skipping them"),
	HP_OPT_STR_("filter", 0, &opt_filter, "REGEX", "pstats: only functions whose file:line(function) matches"),
	HP_OPT_STR_("callers", 0, &opt_callers, "REGEX", "pstats: show who called the matching functions"),
	HP_OPT_STR_("callees", 0, &opt_callees, "REGEX", "pstats: show what the matching functions called"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_top_help = {
	"top", "[options] IN.folded\n[options] IN.pstats",
	"show the functions with the most self and total time",
	"Self is the weight of samples whose leaf is the function; total counts\n"
	"every sample with the function anywhere on its stack, once per stack even\n"
	"under recursion.  Percentages are of the whole profile.\n"
	"\n"
	"Python profile statistics (cProfile/profile dumps, recognised by content)\n"
	"are shown as python's pstats print_stats shows them (print_callers and\n"
	"print_callees with --callers/--callees); see docs/pstats.md.",
	top_opts,
};

static void add_count(struct hp_buf *b, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		hp_buf_addf(b, "%.0f", v);
	else
		hp_buf_addf(b, "%.3f", v);
}

static void row_name(const struct hp_profile *p, const struct hp_top_row *r, struct hp_buf *b)
{
	hp_buf_adds(b, hp_profile_str(p, r->func));
	if (r->file) {
		hp_buf_addf(b, " (%s", hp_profile_str(p, r->file));
		if (r->line > 0)
			hp_buf_addf(b, ":%d", (int)r->line);
		hp_buf_addch(b, ')');
	}
}

static double pct(double v, double total)
{
	return total > 0 ? 100.0 * v / total : 0.0;
}

static void render_text(const struct hp_profile *p, const struct hp_top *t, size_t n,
			const char *unit, struct hp_buf *out)
{
	struct hp_buf num = HP_BUF_INIT, name = HP_BUF_INIT;

	hp_buf_addf(out, "%12s %7s %12s %7s  %s\n", "self", "self%", "total", "total%",
		    opt_lines ? "function (file:line)" : "function (file)");
	for (size_t i = 0; i < n; i++) {
		const struct hp_top_row *r = &t->rows[i];

		hp_buf_reset(&num);
		add_count(&num, r->self);
		hp_buf_addf(out, "%12s %6.2f%% ", num.data, pct(r->self, t->grand_total));
		hp_buf_reset(&num);
		add_count(&num, r->total);
		hp_buf_addf(out, "%12s %6.2f%%  ", num.data, pct(r->total, t->grand_total));
		hp_buf_reset(&name);
		row_name(p, r, &name);
		hp_buf_add_utf8_clean(out, name.data, name.len);
		hp_buf_addch(out, '\n');
	}
	hp_buf_reset(&num);
	add_count(&num, t->grand_total);
	hp_buf_addf(out, "total: %s %s, %zu %s%s\n", num.data, unit, t->nr,
		    opt_lines ? "line" : "function", t->nr == 1 ? "" : "s");
	hp_buf_release(&num);
	hp_buf_release(&name);
}

static void render_csv(const struct hp_profile *p, const struct hp_top *t, size_t n,
		       struct hp_buf *out)
{
	hp_buf_adds(out, "function,file,line,self,self_percent,total,total_percent\n");
	for (size_t i = 0; i < n; i++) {
		const struct hp_top_row *r = &t->rows[i];
		struct hp_buf f = HP_BUF_INIT;

		hp_buf_add_utf8_clean(&f, hp_profile_str(p, r->func), hp_strtab_len(&p->strs, r->func));
		hp_buf_add_csv(out, f.data);
		hp_buf_addch(out, ',');
		hp_buf_reset(&f);
		hp_buf_add_utf8_clean(&f, hp_profile_str(p, r->file), hp_strtab_len(&p->strs, r->file));
		hp_buf_add_csv(out, f.data);
		hp_buf_release(&f);
		hp_buf_addf(out, ",%d,", (int)r->line);
		add_count(out, r->self);
		hp_buf_addf(out, ",%.4f,", pct(r->self, t->grand_total));
		add_count(out, r->total);
		hp_buf_addf(out, ",%.4f\n", pct(r->total, t->grand_total));
	}
}

static json_t *clean_string(const struct hp_profile *p, uint32_t id)
{
	struct hp_buf b = HP_BUF_INIT;
	json_t *s;

	hp_buf_add_utf8_clean(&b, hp_profile_str(p, id), hp_strtab_len(&p->strs, id));
	s = json_stringn(b.data, b.len);
	hp_buf_release(&b);
	return s;
}

static int render_json(const struct hp_profile *p, const struct hp_top *t, size_t n,
		       const char *weight, const char *unit, struct hp_buf *out)
{
	json_t *root = json_object(), *rows = json_array();
	char *s;

	json_object_set_new(root, "weight", json_string(weight));
	json_object_set_new(root, "unit", json_string(unit));
	json_object_set_new(root, "total", json_real(t->grand_total));
	json_object_set_new(root, "by", json_string(opt_lines ? "line" : "function"));
	for (size_t i = 0; i < n; i++) {
		const struct hp_top_row *r = &t->rows[i];
		json_t *o = json_object();

		json_object_set_new(o, "function", clean_string(p, r->func));
		json_object_set_new(o, "file", clean_string(p, r->file));
		json_object_set_new(o, "line", json_integer(r->line));
		json_object_set_new(o, "self", json_real(r->self));
		json_object_set_new(o, "self_percent", json_real(pct(r->self, t->grand_total)));
		json_object_set_new(o, "total", json_real(r->total));
		json_object_set_new(o, "total_percent", json_real(pct(r->total, t->grand_total)));
		json_array_append_new(rows, o);
	}
	json_object_set_new(root, "rows", rows);
	s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	json_decref(root);
	if (!s)
		return -1;
	hp_buf_adds(out, s);
	hp_buf_addch(out, '\n');
	free(s);
	return 0;
}

int cmd_top(int argc, char **argv)
{
	struct hp_profile p;
	struct hp_load_opts lo = { false, NULL };
	struct hp_top t = { 0 };
	struct hp_buf out = HP_BUF_INIT;
	struct hp_err err;
	enum hp_top_sort how;
	char **args = NULL;
	size_t nargs, n;
	int col = 0, ret;

	hp_profile_init(&p);
	ret = hp_parse_options(argc, argv, &cmd_top_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 1) {
		ret = hp_usage_error("top", nargs ? "too many arguments" : "no input file given");
		goto cleanup;
	}
	if (hp_parse_choice("top", "format", opt_format, formats) < 0) {
		ret = HP_EXIT_USAGE;
		goto cleanup;
	}
	if (hp_top_is_pstats(args[0])) {
		struct hp_top_pstats_opts po = { args[0], opt_sort, opt_n, opt_filter, opt_callers,
						 opt_callees, opt_format, opt_out };

		if (opt_n < 0) {
			ret = hp_usage_error("top", "'--limit' must not be negative");
			goto cleanup;
		}
		ret = hp_top_pstats(&po);
		goto cleanup;
	}
	if (opt_filter || opt_callers || opt_callees) {
		ret = hp_usage_error("top", "'--filter', '--callers' and '--callees' need a pstats input");
		goto cleanup;
	}
	if (!opt_sort || !strcmp(opt_sort, "self"))
		how = HP_TOP_SORT_SELF;
	else if (!strcmp(opt_sort, "total"))
		how = HP_TOP_SORT_TOTAL;
	else if (!strcmp(opt_sort, "name"))
		how = HP_TOP_SORT_NAME;
	else {
		ret = hp_usage_error("top", "unknown sort key '%s' (self, total or name)", opt_sort);
		goto cleanup;
	}
	if (opt_n < 0) {
		ret = hp_usage_error("top", "'--limit' must not be negative");
		goto cleanup;
	}
	lo.strict = opt_strict;
	ret = hp_load_profile(args[0], &lo, &p);
	if (ret)
		goto cleanup;
	if (opt_weight) {
		col = hp_profile_find_weight(&p, opt_weight);
		if (col < 0) {
			ret = hp_error("'%s' has no weight column '%s'", args[0], opt_weight);
			goto cleanup;
		}
	}
	hp_top_compute(&p, (uint32_t)col, opt_lines, &t);
	hp_top_sort(&t, &p, how);
	n = opt_n == 0 || (size_t)opt_n > t.nr ? t.nr : (size_t)opt_n;
	{
		const char *wname = p.nr_weights ? hp_profile_str(&p, p.weights[col].name) : "samples";
		const char *unit = p.nr_weights ? hp_profile_str(&p, p.weights[col].name) : "samples";

		if (!strcmp(opt_format, "text"))
			render_text(&p, &t, n, unit, &out);
		else if (!strcmp(opt_format, "csv"))
			render_csv(&p, &t, n, &out);
		else if (render_json(&p, &t, n, wname,
				     p.nr_weights ? hp_profile_str(&p, p.weights[col].unit) : "count", &out)) {
			ret = hp_error("cannot encode JSON output");
			goto cleanup;
		}
	}
	if (hp_write_file_atomic(opt_out, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	ret = HP_EXIT_OK;
cleanup:
	free(args);
	hp_top_release(&t);
	hp_buf_release(&out);
	hp_profile_release(&p);
	return ret;
}
