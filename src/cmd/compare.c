/*
 * hotpath compare - what changed between two runs: overall time, the
 * functions whose share grew or shrank most, and those that appeared or
 * vanished.  Inputs: two folded profiles (with their record JSON beside them
 * when present), two .pstats files, or two output folders matched by name.
 */
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/load.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/compare.h"
#include "profile/meta_json.h"
#include "profile/pstats.h"
#include "report/check_report.h"

static const char *opt_format = "text", *opt_out = "-";
static int opt_n = 10;
static bool opt_strict;

static const struct hp_opt compare_opts[] = {
	HP_OPT_STR_("format", 'f', &opt_format, "FMT", "text (default), markdown or json"),
	HP_OPT_STR_("output", 'o', &opt_out, "FILE", "write to FILE instead of standard output"),
	HP_OPT_INT_("limit", 'n', &opt_n, "N", "rows per section (default 10)"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "fail on malformed folded lines"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_compare_help = {
	"compare", "[options] BASE NEW",
	"show what changed between two profiles, .pstats files or output folders",
	"BASE and NEW are two folded profiles (a record JSON of the same name beside\n"
	"a .folded file gives the run's duration), two .pstats files, or two output\n"
	"folders whose .folded and .pstats files are matched by name.  Shares are\n"
	"normalised by each profile's total, so runs of different lengths compare\n"
	"fairly; changes are in percentage points of the total.",
	compare_opts,
};

enum fmt { FMT_TEXT, FMT_MD, FMT_JSON };

static bool is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/* X.json -> X.folded (the stacks), X.folded -> X.json (the metadata) */
static void sibling(const char *path, const char *from, const char *to, struct hp_buf *out)
{
	hp_buf_reset(out);
	hp_buf_add(out, path, strlen(path) - strlen(from));
	hp_buf_adds(out, to);
}

static int load_profile(const char *path, struct hp_profile *p)
{
	struct hp_load_opts lo = { opt_strict, NULL };
	struct hp_buf other = HP_BUF_INIT;
	const char *stacks = path, *meta = NULL;
	struct hp_err err;
	int ret;

	if (ends_with(path, ".json")) {
		sibling(path, ".json", ".folded", &other);
		stacks = other.data;
		meta = path;
	} else if (ends_with(path, ".folded")) {
		sibling(path, ".folded", ".json", &other);
		if (access(other.data, R_OK) == 0)
			meta = other.data;
	}
	ret = hp_load_profile(stacks, &lo, p);
	if (!ret && meta) {
		char *data = NULL;
		size_t len;

		if (hp_read_file(meta, 16 << 20, &data, &len, &err) ||
		    hp_meta_read_json(&p->meta, data, len, meta, &err)) {
			if (meta == path)
				ret = hp_error_from(&err);
			/* a sibling JSON that is not ours is ignored */
		}
		free(data);
	}
	hp_buf_release(&other);
	return ret;
}

static int sniff_pstats(const char *path, bool *yes)
{
	unsigned char head[8];
	FILE *f = fopen(path, "rb");
	size_t n;

	*yes = false;
	if (!f)
		return hp_error("cannot open '%s': %s", path, strerror(errno));
	n = fread(head, 1, sizeof(head), f);
	fclose(f);
	*yes = hp_pstats_sniff(head, n);
	return 0;
}

static void add_pct(struct hp_buf *b, double v)
{
	hp_buf_addf(b, "%6.2f%%", 100 * v);
}

static void text_section(const struct hp_compare *c, int which, const char *title, struct hp_buf *out)
{
	size_t n, *idx = hp_compare_order(c, which, &n);

	hp_buf_addf(out, "\n%s:\n", title);
	if (!n)
		hp_buf_adds(out, "  (none)\n");
	else if (which <= HP_CMP_IMPROVEMENTS)
		hp_buf_addf(out, "  %-9s %-20s %-20s %s%s\n", "change", "self share", "total share",
			    c->pstats ? "tottime s          ncalls           " : "", "function");
	for (size_t k = 0; k < n && k < (size_t)opt_n; k++) {
		const struct hp_compare_row *r = &c->rows[idx[k]];
		const char *name = hp_strtab_str(&c->names, r->name);

		if (which <= HP_CMP_IMPROVEMENTS) {
			hp_buf_addf(out, "  %+7.2fpt ", 100 * hp_compare_delta_self(r));
			add_pct(out, r->base_self);
			hp_buf_adds(out, " -> ");
			add_pct(out, r->new_self);
			hp_buf_adds(out, "  ");
			add_pct(out, r->base_total);
			hp_buf_adds(out, " -> ");
			add_pct(out, r->new_total);
			hp_buf_adds(out, "  ");
			if (c->pstats)
				hp_buf_addf(out, "%7.3f -> %-7.3f %6lld -> %-6lld ", r->base_tt, r->new_tt,
					    (long long)r->base_nc, (long long)r->new_nc);
		} else {
			hp_buf_adds(out, "  self ");
			add_pct(out, which == HP_CMP_APPEARED ? r->new_self : r->base_self);
			hp_buf_adds(out, "  total ");
			add_pct(out, which == HP_CMP_APPEARED ? r->new_total : r->base_total);
			hp_buf_adds(out, "  ");
		}
		hp_buf_add_utf8_clean(out, name, strlen(name));
		hp_buf_addch(out, '\n');
	}
	if (n > (size_t)opt_n)
		hp_buf_addf(out, "  ... and %zu more\n", n - (size_t)opt_n);
	free(idx);
}

static void overall_line(const struct hp_compare *c, struct hp_buf *out, bool md)
{
	if (isfinite(c->base_seconds) && isfinite(c->new_seconds) && c->base_seconds > 0) {
		hp_buf_addf(out, "%s%.3f s -> %.3f s (%+.3f s, %+.1f%%)", md ? "**overall:** " : "overall: ",
			    c->base_seconds, c->new_seconds, c->new_seconds - c->base_seconds,
			    100 * (c->new_seconds / c->base_seconds - 1));
		if (!c->pstats)
			hp_buf_addf(out, ", %.0f -> %.0f samples", c->base_weight, c->new_weight);
	} else {
		hp_buf_addf(out, "%s%.0f -> %.0f %s", md ? "**overall:** " : "overall: ",
			    c->base_weight, c->new_weight, c->unit);
		if (c->base_weight > 0)
			hp_buf_addf(out, " (%+.1f%%; no duration known, so shares are compared)",
				    100 * (c->new_weight / c->base_weight - 1));
	}
	hp_buf_addch(out, '\n');
}

static void md_section(const struct hp_compare *c, int which, const char *title, struct hp_buf *out)
{
	size_t n, *idx = hp_compare_order(c, which, &n);

	hp_buf_addf(out, "\n#### %s\n\n", title);
	if (!n) {
		hp_buf_adds(out, "(none)\n");
		free(idx);
		return;
	}
	hp_buf_addf(out, "| change | self share | total share |%s function |\n|---:|---:|---:|%s---|\n",
		    c->pstats ? " tottime (s) | ncalls |" : "", c->pstats ? "---:|---:|" : "");
	for (size_t k = 0; k < n && k < (size_t)opt_n; k++) {
		const struct hp_compare_row *r = &c->rows[idx[k]];

		hp_buf_addf(out, "| %+.2f pt | %.2f%% → %.2f%% | %.2f%% → %.2f%% |",
			    100 * hp_compare_delta_self(r), 100 * r->base_self, 100 * r->new_self,
			    100 * r->base_total, 100 * r->new_total);
		if (c->pstats)
			hp_buf_addf(out, " %.3f → %.3f | %lld → %lld |", r->base_tt, r->new_tt,
				    (long long)r->base_nc, (long long)r->new_nc);
		hp_buf_adds(out, " ");
		hp_buf_add_markdown(out, hp_strtab_str(&c->names, r->name));
		hp_buf_adds(out, " |\n");
	}
	free(idx);
}

static json_t *json_section(const struct hp_compare *c, int which)
{
	size_t n, *idx = hp_compare_order(c, which, &n);
	json_t *a = json_array();

	for (size_t k = 0; k < n && k < (size_t)opt_n; k++) {
		const struct hp_compare_row *r = &c->rows[idx[k]];
		const char *name = hp_strtab_str(&c->names, r->name);
		struct hp_buf clean = HP_BUF_INIT;
		json_t *o = json_object();

		hp_buf_add_utf8_clean(&clean, name, strlen(name));
		json_object_set_new(o, "function", json_stringn(clean.data, clean.len));
		hp_buf_release(&clean);
		json_object_set_new(o, "base_self_share", json_real(r->base_self));
		json_object_set_new(o, "new_self_share", json_real(r->new_self));
		json_object_set_new(o, "base_total_share", json_real(r->base_total));
		json_object_set_new(o, "new_total_share", json_real(r->new_total));
		if (c->pstats) {
			json_object_set_new(o, "base_tottime", json_real(r->base_tt));
			json_object_set_new(o, "new_tottime", json_real(r->new_tt));
			json_object_set_new(o, "base_cumtime", json_real(r->base_ct));
			json_object_set_new(o, "new_cumtime", json_real(r->new_ct));
			json_object_set_new(o, "base_ncalls", json_integer(r->base_nc));
			json_object_set_new(o, "new_ncalls", json_integer(r->new_nc));
		}
		json_array_append_new(a, o);
	}
	free(idx);
	return a;
}

static const char *const titles[] = { "top regressions (self share grew)",
				      "top improvements (self share shrank)",
				      "appeared (only in NEW)", "vanished (only in BASE)" };

static void render(const struct hp_compare *c, const char *label, const char *base,
		   const char *cand, enum fmt f, struct hp_buf *out, json_t *jroot)
{
	if (f == FMT_JSON) {
		json_t *o = json_object();
		json_t *nb = isfinite(c->base_seconds) ? json_real(c->base_seconds) : json_null();
		json_t *nn = isfinite(c->new_seconds) ? json_real(c->new_seconds) : json_null();

		json_object_set_new(o, "name", json_string(label));
		json_object_set_new(o, "kind", json_string(c->pstats ? "pstats" : "sampled"));
		json_object_set_new(o, "base_seconds", nb);
		json_object_set_new(o, "new_seconds", nn);
		json_object_set_new(o, "base_weight", json_real(c->base_weight));
		json_object_set_new(o, "new_weight", json_real(c->new_weight));
		json_object_set_new(o, "unit", json_string(c->unit));
		json_object_set_new(o, "regressions", json_section(c, HP_CMP_REGRESSIONS));
		json_object_set_new(o, "improvements", json_section(c, HP_CMP_IMPROVEMENTS));
		json_object_set_new(o, "appeared", json_section(c, HP_CMP_APPEARED));
		json_object_set_new(o, "vanished", json_section(c, HP_CMP_VANISHED));
		json_array_append_new(json_object_get(jroot, "comparisons"), o);
		return;
	}
	if (f == FMT_MD) {
		hp_buf_adds(out, "### ");
		hp_buf_add_markdown(out, label);
		hp_buf_adds(out, "\n\n");
		overall_line(c, out, true);
		for (int w = 0; w < 4; w++)
			md_section(c, w, titles[w], out);
		hp_buf_addch(out, '\n');
		return;
	}
	hp_buf_addf(out, "Comparing %s -> %s\n", base, cand);
	overall_line(c, out, false);
	for (int w = 0; w < 4; w++)
		text_section(c, w, titles[w], out);
}

static int compare_files(const char *base, const char *cand, const char *label, enum fmt f,
			 struct hp_buf *out, json_t *jroot)
{
	struct hp_compare c;
	bool pa, pb;
	int ret;

	if ((ret = sniff_pstats(base, &pa)) || (ret = sniff_pstats(cand, &pb)))
		return ret;
	if (pa != pb)
		return hp_error("cannot compare '%s' with '%s': one is a .pstats file and the other is not",
				base, cand);
	hp_compare_init(&c);
	if (pa) {
		struct hp_pstats a, b;
		struct hp_err err;

		hp_pstats_init(&a);
		hp_pstats_init(&b);
		if (hp_pstats_read_file(&a, base, 0, &err) || hp_pstats_read_file(&b, cand, 0, &err))
			ret = hp_error_from(&err);
		else
			hp_compare_pstats(&c, &a, &b);
		hp_pstats_release(&a);
		hp_pstats_release(&b);
	} else {
		struct hp_profile a, b;

		hp_profile_init(&a);
		hp_profile_init(&b);
		ret = load_profile(base, &a);
		if (!ret)
			ret = load_profile(cand, &b);
		if (!ret)
			hp_compare_profiles(&c, &a, &b, 0, 0);
		hp_profile_release(&a);
		hp_profile_release(&b);
	}
	if (!ret)
		render(&c, label, base, cand, f, out, jroot);
	hp_compare_release(&c);
	return ret;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_dirs(const char *base, const char *cand, enum fmt f, struct hp_buf *out,
			json_t *jroot)
{
	DIR *d = opendir(base);
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0, alloc = 0, matched = 0;
	int ret = 0;

	if (!d)
		return hp_error("cannot open folder '%s': %s", base, strerror(errno));
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || !(ends_with(e->d_name, ".folded") || ends_with(e->d_name, ".pstats")))
			continue;
		HP_GROW(names, nr + 1, alloc);
		names[nr++] = hp_xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, nr, sizeof(char *), name_cmp);
	for (size_t i = 0; i < nr && !ret; i++) {
		struct hp_buf a = HP_BUF_INIT, b = HP_BUF_INIT;

		hp_buf_addf(&a, "%s/%s", base, names[i]);
		hp_buf_addf(&b, "%s/%s", cand, names[i]);
		if (access(b.data, R_OK) == 0) {
			if (f == FMT_TEXT && matched)
				hp_buf_adds(out, "\n");
			ret = compare_files(a.data, b.data, names[i], f, out, jroot);
			matched++;
		} else if (f == FMT_TEXT) {
			hp_buf_addf(out, "%s: only in '%s'\n", names[i], base);
		}
		hp_buf_release(&a);
		hp_buf_release(&b);
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	if (!ret && !matched)
		ret = hp_error("no .folded or .pstats file of '%s' has a namesake in '%s'", base, cand);
	return ret;
}

int cmd_compare(int argc, char **argv)
{
	struct hp_buf out = HP_BUF_INIT;
	json_t *jroot = json_object();
	struct hp_err err;
	char **args = NULL;
	size_t nargs;
	enum fmt f;
	int ret;

	json_object_set_new(jroot, "comparisons", json_array());
	ret = hp_parse_options(argc, argv, &cmd_compare_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 2) {
		ret = hp_usage_error("compare", "give two profiles, .pstats files or folders: BASE NEW");
		goto cleanup;
	}
	{
		static const char *const formats[] = { "text", "markdown", "json", "md", NULL };
		static const int fmt_of[] = { FMT_TEXT, FMT_MD, FMT_JSON, FMT_MD };
		int k = hp_parse_choice("compare", "format", opt_format, formats);

		if (k < 0) {
			ret = HP_EXIT_USAGE;
			goto cleanup;
		}
		f = fmt_of[k];
	}
	if (opt_n < 1) {
		ret = hp_usage_error("compare", "'--limit' must be at least 1");
		goto cleanup;
	}
	if (is_dir(args[0]) != is_dir(args[1])) {
		ret = hp_usage_error("compare", "give two files or two folders, not one of each");
		goto cleanup;
	}
	if (is_dir(args[0]))
		ret = compare_dirs(args[0], args[1], f, &out, jroot);
	else
		ret = compare_files(args[0], args[1], args[1], f, &out, jroot);
	if (ret)
		goto cleanup;
	if (f == FMT_JSON) {
		char *s = json_dumps(jroot, JSON_INDENT(2) | JSON_REAL_PRECISION(17));

		if (!s) {
			ret = hp_error("cannot encode JSON output");
			goto cleanup;
		}
		hp_buf_adds(&out, s);
		hp_buf_addch(&out, '\n');
		free(s);
	}
	if (hp_write_file_atomic(opt_out, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	ret = HP_EXIT_OK;
cleanup:
	json_decref(jroot);
	free(args);
	hp_buf_release(&out);
	return ret;
}
