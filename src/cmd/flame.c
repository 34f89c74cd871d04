/*
 * hotpath flame - draw a profile as an interactive flame graph SVG.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/commands.h"
#include "cmd/flame_common.h"
#include "cmd/load.h"
#include "core/afile.h"
#include "core/buf.h"
#include "report/flame.h"

static bool opt_inverted, opt_reverse, opt_strict, opt_verbose;
static const char *opt_out, *opt_title, *opt_subtitle, *opt_countname, *opt_weight;
static const char *opt_minwidth = "0.1", *opt_palette = "hotpath";
static int opt_width = 1200, opt_height = 16, opt_fontsize = 12;

static const struct hp_opt flame_opts[] = {
	HP_OPT_STR_("output", 'o', &opt_out, "FILE", "write to FILE ('-' = standard output)"),
	HP_OPT_STR_("title", 0, &opt_title, "TEXT", "title (default \"Flame Graph\" or \"Icicle Graph\")"),
	HP_OPT_STR_("subtitle", 0, &opt_subtitle, "TEXT", "second title line"),
	HP_OPT_INT_("width", 0, &opt_width, "PX", "image width (default 1200)"),
	HP_OPT_INT_("height", 0, &opt_height, "PX", "height of one frame (default 16)"),
	HP_OPT_INT_("fontsize", 0, &opt_fontsize, "PX", "font size (default 12)"),
	HP_OPT_STR_("minwidth", 0, &opt_minwidth, "W",
		    "omit frames narrower than W pixels, or W% of the total (default 0.1)"),
	HP_OPT_STR_("countname", 0, &opt_countname, "NAME", "unit in tooltips (default: the weight's name)"),
	HP_OPT_STR_("weight", 'w', &opt_weight, "NAME", "weight column to draw (default: the first; 'after' if differential)"),
	HP_OPT_STR_("palette", 0, &opt_palette, "NAME",
		    "hotpath (by frame kind), hot, mem, io, red, green, blue, aqua, yellow, purple, orange"),
	HP_OPT_FLAG_("inverted", 0, &opt_inverted, "icicle graph: root at the top"),
	HP_OPT_FLAG_("reverse", 0, &opt_reverse, "merge stacks from the leaf (callers of hot functions)"),
	HP_OPT_FLAG_("strict", 0, &opt_strict, "fail on malformed input lines instead of skipping them"),
	HP_OPT_FLAG_("verbose", 'v', &opt_verbose, "print what was drawn and how long each step took"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_flame_help = {
	"flame", "[options] IN.folded [-o OUT.svg]",
	"draw a flame graph (or icicle graph) as an interactive SVG",
	"Each box is a function on a stack: its width is the weight of the samples\n"
	"with it there, the box below it (above, with --inverted) is its caller.\n"
	"Open the SVG in a browser: hover for counts, click to zoom, Ctrl-F to\n"
	"search by regular expression.  The output defaults to IN with '.svg'\n"
	"replacing '.folded'.  See docs/flame.md.",
	flame_opts,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* IN.folded -> IN.svg; other names get ".svg" appended; "-" -> "-" */
static char *default_output(const char *in)
{
	size_t n = strlen(in);
	char *out;

	if (!strcmp(in, "-"))
		return hp_xstrdup("-");
	if (n > 7 && !strcmp(in + n - 7, ".folded"))
		n -= 7;
	out = hp_xmalloc(n + 5);
	memcpy(out, in, n);
	memcpy(out + n, ".svg", 5);
	return out;
}

/* "0.1" pixels or "0.5%" of the total */
int hp_flame_parse_minwidth(const char *s, struct hp_flame_opts *o)
{
	size_t n = strlen(s);
	double v;

	if (hp_parse_percent(s, &v) || v < 0)
		return -1;
	o->minwidth_fraction = n && s[n - 1] == '%';
	if (o->minwidth_fraction && v > 1)
		return -1;
	o->minwidth = v;
	return 0;
}

int cmd_flame(int argc, char **argv)
{
	struct hp_flame_opts fo = HP_FLAME_OPTS_INIT;
	struct hp_load_opts lo = { false, NULL };
	struct hp_flame_stats st;
	struct hp_profile p;
	struct hp_buf out = HP_BUF_INIT;
	struct hp_err err;
	char **args = NULL, *path = NULL;
	size_t nargs;
	double t0, t1, t2;
	int ret, pal;

	hp_profile_init(&p);
	ret = hp_parse_options(argc, argv, &cmd_flame_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs != 1) {
		ret = hp_usage_error("flame", nargs ? "too many arguments" : "no input file given");
		goto cleanup;
	}
	pal = hp_flame_palette_parse(opt_palette);
	if (pal < 0) {
		ret = hp_usage_error("flame", "unknown palette '%s'", opt_palette);
		goto cleanup;
	}
	fo.palette = (enum hp_flame_palette)pal;
	if (hp_flame_parse_minwidth(opt_minwidth, &fo)) {
		ret = hp_usage_error("flame", "'--minwidth' expects pixels or a percentage, not '%s'",
				     opt_minwidth);
		goto cleanup;
	}
	if (opt_width < 30 || opt_width > 1000000 || opt_height < 2 || opt_height > 1000 ||
	    opt_fontsize < 1 || opt_fontsize > 1000) {
		ret = hp_usage_error("flame", "'--width' must be 30 to 1000000, '--height' 2 to 1000 "
				     "and '--fontsize' 1 to 1000");
		goto cleanup;
	}
	fo.width = opt_width;
	fo.frame_height = opt_height;
	fo.font_size = opt_fontsize;
	fo.title = opt_title;
	fo.subtitle = opt_subtitle;
	fo.countname = opt_countname;
	fo.inverted = opt_inverted;
	fo.reverse = opt_reverse;
	path = opt_out ? hp_xstrdup(opt_out) : default_output(args[0]);

	t0 = now_s();
	lo.strict = opt_strict;
	ret = hp_load_profile(args[0], &lo, &p);
	if (ret)
		goto cleanup;
	if (opt_weight) {
		fo.col = hp_profile_find_weight(&p, opt_weight);
		if (fo.col < 0) {
			ret = hp_error("'%s' has no weight column '%s'", args[0], opt_weight);
			goto cleanup;
		}
	}
	t1 = now_s();
	if (hp_flame_render_stats(&p, &fo, &out, &st, &err)) {
		ret = hp_error("cannot draw '%s': %s", args[0], err.msg);
		goto cleanup;
	}
	if (!(st.total > 0))
		hp_warning("'%s' has no samples to draw", args[0]);
	t2 = now_s();
	if (hp_write_file_atomic(path, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (opt_verbose)
		fprintf(stderr, "hotpath: flame: %zu frames drawn (%zu labelled, %zu subtrees "
			"narrower than the minimum width left out), depth %u, %zu bytes\n"
			"hotpath: flame: read %.3f s, render %.3f s, write %.3f s\n",
			st.frames, st.labels, st.pruned, st.max_depth, out.len,
			t1 - t0, t2 - t1, now_s() - t2);
	ret = HP_EXIT_OK;
cleanup:
	free(args);
	free(path);
	hp_buf_release(&out);
	hp_profile_release(&p);
	return ret;
}
