/*
 * hotpath diff - a differential flame graph of two profiles: widths from
 * NEW, red where a frame's self share grew, blue where it shrank, intensity
 * by the size of the change (Brendan Gregg's differential flame graphs, with
 * shares normalised so runs of different lengths compare).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/commands.h"
#include "cmd/flame_common.h"
#include "cmd/load.h"
#include "core/afile.h"
#include "core/buf.h"

static const char *opt_out = "diff.svg", *opt_title, *opt_subtitle, *opt_minwidth = "0.1";
static int opt_width = 1200;
static bool opt_negate, opt_inverted, opt_strict;

static const struct hp_opt diff_opts[] = {
	HP_OPT_STR_("output", 'o', &opt_out, "FILE", "write to FILE (default diff.svg; '-' = standard output)"),
	HP_OPT_FLAG_("negate", 0, &opt_negate, "swap the colours: blue grew, red shrank"),
	HP_OPT_STR_("title", 0, &opt_title, "TEXT", "title (default \"Differential Flame Graph\")"),
	HP_OPT_STR_("subtitle", 0, &opt_subtitle, "TEXT", "second title line (default: the two inputs)"),
	HP_OPT_INT_("width", 0, &opt_width, "PX", "image width (default 1200)"),
	HP_OPT_STR_("minwidth", 0, &opt_minwidth, "W", "drop frames narrower than W pixels, or W% of the total"),
	HP_OPT_FLAG_("inverted", 0, &opt_inverted, "icicle layout: root at the top"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "fail on malformed input lines"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_diff_help = {
	"diff", "[options] BASE.folded NEW.folded [-o diff.svg]",
	"draw a differential flame graph of two profiles",
	"Frame widths are NEW's counts.  Each frame is coloured by the change of its\n"
	"self share (its own samples over the profile's total) from BASE to NEW: red\n"
	"where it grew, blue where it shrank, the deeper the larger the change; grey\n"
	"where it did not change.  Tooltips show both counts and the change.",
	diff_opts,
};

int cmd_diff(int argc, char **argv)
{
	struct hp_flame_opts fo = HP_FLAME_OPTS_INIT;
	struct hp_load_opts lo = { false, NULL };
	struct hp_profile a, b, d;
	struct hp_buf out = HP_BUF_INIT, sub = HP_BUF_INIT;
	struct hp_err err;
	char **args = NULL;
	size_t nargs;
	int ret, before, after;

	hp_profile_init(&a);
	hp_profile_init(&b);
	hp_profile_init(&d);
	ret = hp_parse_options(argc, argv, &cmd_diff_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 2) {
		ret = hp_usage_error("diff", "give two profiles: BASE NEW");
		goto cleanup;
	}
	if (hp_flame_parse_minwidth(opt_minwidth, &fo)) {
		ret = hp_usage_error("diff", "'--minwidth' expects pixels or a percentage, not '%s'", opt_minwidth);
		goto cleanup;
	}
	lo.strict = opt_strict;
	if ((ret = hp_load_profile(args[0], &lo, &a)) || (ret = hp_load_profile(args[1], &lo, &b)))
		goto cleanup;
	before = hp_profile_weight(&d, "before", "count");
	after = hp_profile_weight(&d, "after", "count");
	if (before < 0 || after < 0 || !a.nr_weights || !b.nr_weights ||
	    hp_profile_merge_column(&d, &a, 0, "before", &err) ||
	    hp_profile_merge_column(&d, &b, 0, "after", &err)) {
		ret = hp_error("cannot combine '%s' and '%s'", args[0], args[1]);
		goto cleanup;
	}
	fo.col = after;
	fo.diff_col = before;
	fo.negate = opt_negate;
	fo.width = opt_width;
	fo.inverted = opt_inverted;
	fo.title = opt_title ? opt_title : "Differential Flame Graph";
	if (opt_subtitle) {
		fo.subtitle = opt_subtitle;
	} else {
		hp_buf_addf(&sub, "%s → %s: widths from the second, red grew, blue shrank", args[0], args[1]);
		fo.subtitle = sub.data;
	}
	fo.countname = "samples";
	if (hp_flame_render(&d, &fo, &out, &err) ||
	    hp_write_file_atomic(opt_out, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (strcmp(opt_out, "-"))
		fprintf(stderr, "wrote %s\n", opt_out);
	ret = HP_EXIT_OK;
cleanup:
	free(args);
	hp_buf_release(&out);
	hp_buf_release(&sub);
	hp_profile_release(&a);
	hp_profile_release(&b);
	hp_profile_release(&d);
	return ret;
}
