/*
 * hotpath convert - write a sampled profile as Python profile statistics
 * (.pstats), which python3's pstats, snakeviz and gprof2dot load.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/commands.h"
#include "cmd/load.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/meta_json.h"
#include "profile/pstats_write.h"

static const char *opt_out, *opt_weight;
static double opt_rate;
static bool opt_strict, opt_quiet;

static const struct hp_opt convert_opts[] = {
	HP_OPT_STR_("output", 'o', &opt_out, "OUT.pstats", "the stats file to write (default: IN with '.pstats')"),
	HP_OPT_DBL_("rate", 'r', &opt_rate, "HZ", "samples per second (default: rate_achieved of the record JSON\n"
		    "beside IN, else one time unit per sample)"),
	HP_OPT_STR_("weight", 'w', &opt_weight, "NAME", "weight column to convert (default: samples, else the first)"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "fail on malformed input lines instead of skipping them"),
	HP_OPT_FLAG_("quiet", 'q', &opt_quiet, "no note about the time unit"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_convert_help = {
	"convert", "[options] IN.folded -o OUT.pstats\n[options] NAME.json -o OUT.pstats",
	"write a sampled profile as a Python .pstats file (pstats, snakeviz)",
	"Self time comes from the leaf frame of each stack, cumulative time counts\n"
	"each stack once per function (recursion is not counted twice), callers\n"
	"come from adjacent frames.  A sample takes 1/rate seconds, the rate being\n"
	"--rate or the record JSON's rate_achieved (NAME.json beside NAME.folded);\n"
	"without either, one sample counts as one second.  Call counts are sample\n"
	"counts.  A record JSON given as IN names its NAME.folded.  See\n"
	"docs/pstats.md.",
	convert_opts,
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* "dir/NAME.folded" -> "dir/NAME" + suffix; other names get suffix appended. */
static void swap_ext(const char *in, const char *from, const char *suffix, struct hp_buf *out)
{
	size_t n = strlen(in);

	if (ends_with(in, from))
		n -= strlen(from);
	hp_buf_add(out, in, n);
	hp_buf_adds(out, suffix);
}

/* Samples per second from the record JSON at path: 1 = found (*rate set),
 * 0 = no such file, -1 = unreadable (err set). */
static int rate_from_json(const char *path, double *rate, struct hp_err *err)
{
	struct hp_meta m;
	struct stat sb;
	char *data = NULL;
	size_t len;
	int ret = -1;

	hp_meta_init(&m);
	if (stat(path, &sb) < 0)
		return 0;
	if (hp_read_file(path, 1 << 24, &data, &len, err) ||
	    hp_meta_read_json(&m, data, len, path, err))
		goto cleanup;
	ret = 0;
	if (m.rate_achieved > 0 && isfinite(m.rate_achieved)) {
		*rate = m.rate_achieved;
		ret = 1;
	} else if (m.rate_requested > 0 && isfinite(m.rate_requested)) {
		*rate = m.rate_requested;
		ret = 1;
	}
cleanup:
	free(data);
	hp_meta_release(&m);
	return ret;
}

int cmd_convert(int argc, char **argv)
{
	struct hp_profile p;
	struct hp_pstats st;
	struct hp_load_opts lo = { false, NULL };
	struct hp_buf in = HP_BUF_INIT, json = HP_BUF_INIT, out = HP_BUF_INIT, data = HP_BUF_INIT;
	struct hp_err err;
	char **args = NULL;
	size_t nargs = 0, dashdash = 0;
	double rate = 0;
	int ret, col, found = 0;

	hp_profile_init(&p);
	hp_pstats_init(&st);
	ret = hp_parse_options(argc, argv, &cmd_convert_help, &args, &nargs, &dashdash);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 1) {
		ret = hp_usage_error("convert", nargs ? "give one input profile" : "no input profile given");
		goto cleanup;
	}
	if (opt_rate < 0 || !isfinite(opt_rate)) {
		ret = hp_usage_error("convert", "'--rate' must be positive");
		goto cleanup;
	}
	if (!strcmp(args[0], "-") && !opt_out) {
		ret = hp_usage_error("convert", "give '-o OUT.pstats' when reading standard input");
		goto cleanup;
	}
	/* a record JSON names its folded stacks; a folded file its JSON */
	if (ends_with(args[0], ".json")) {
		hp_buf_add(&json, args[0], strlen(args[0]));
		swap_ext(args[0], ".json", ".folded", &in);
	} else {
		hp_buf_adds(&in, args[0]);
		if (strcmp(args[0], "-"))
			swap_ext(args[0], ".folded", ".json", &json);
	}
	if (opt_out)
		hp_buf_adds(&out, opt_out);
	else
		swap_ext(in.data, ".folded", ".pstats", &out);
	if (!strcmp(out.data, "-")) {
		ret = hp_usage_error("convert", "a .pstats file is binary: give '-o FILE'");
		goto cleanup;
	}
	if (opt_rate > 0) {
		rate = opt_rate;
	} else if (json.len) {
		found = rate_from_json(json.data, &rate, &err);
		if (found < 0) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
	}
	lo.strict = opt_strict;
	ret = hp_load_profile(in.data, &lo, &p);
	if (ret)
		goto cleanup;
	col = opt_weight ? hp_profile_find_weight(&p, opt_weight) : hp_profile_find_weight(&p, "samples");
	if (col < 0 && opt_weight) {
		ret = hp_error("'%s' has no weight column '%s'", in.data, opt_weight);
		goto cleanup;
	}
	if (col < 0)
		col = 0;
	if (!p.nr_weights) {
		ret = hp_error("'%s' holds no samples", in.data);
		goto cleanup;
	}
	if (!rate && !opt_quiet)
		hp_warning("no sample rate for '%s' (no record JSON beside it, no '--rate'): "
			   "one sample counts as one second", in.data);
	if (hp_pstats_from_profile(&st, &p, col, rate > 0 ? 1.0 / rate : 1.0, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	hp_pstats_write(&st, &data);
	if (hp_write_file_atomic(out.data, data.data, data.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!opt_quiet && rate > 0)
		fprintf(stderr, "hotpath: wrote %s (%u functions, %u call edges, %.6g Hz)\n",
			out.data, st.nr_entries, st.nr_callers, rate);
	else if (!opt_quiet)
		fprintf(stderr, "hotpath: wrote %s (%u functions, %u call edges)\n",
			out.data, st.nr_entries, st.nr_callers);
	ret = HP_EXIT_OK;
cleanup:
	free(args);
	hp_buf_release(&in);
	hp_buf_release(&json);
	hp_buf_release(&out);
	hp_buf_release(&data);
	hp_pstats_release(&st);
	hp_profile_release(&p);
	return ret;
}
