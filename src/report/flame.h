/*
 * flame.h - flame graph and icicle graph SVG (after Brendan Gregg's
 * flamegraph.pl, whose look and interaction users know).
 *
 * The output is one standalone SVG document: a <g> per drawn frame holding a
 * <title> tooltip "name (N samples, P%)", a <rect> and, when the frame is
 * wide enough for three characters, a <text> label; the script embedded in
 * a CDATA section (src/report/flame.js, compiled into the binary) adds click
 * to zoom, regex search and URL state.  Every user-controlled string (frame
 * names, titles, count name) is XML-escaped into element text; none ever
 * goes inside the CDATA section or into the script.
 *
 * Layout: widths are inclusive weights of the chosen column, so a frame's
 * width is proportional to its count.  Children are sorted by name and
 * packed from their parent's left edge; the parent's self weight and its
 * pruned children make up the gap at its right.  Frames narrower than
 * minwidth are dropped with their whole subtree (a child is never wider
 * than its parent); dropping never changes the counts shown for the frames
 * that stay, since those are the profile's own inclusive weights.
 *
 * Frames are written flat, in depth-first pre-order (a frame's parent is
 * the nearest earlier frame one level closer to the root); the script
 * rebuilds the tree from that order, so zooming lays frames out exactly
 * from their counts rather than from rounded pixel positions.
 *
 * Profiles with several roots (label sets: threads, processes) are merged
 * into one (hp_profile_unlabel); --reverse merges stacks from the leaf
 * (hp_profile_reverse).  Both work on temporary copies.
 *
 * Ownership: the renderer appends to a caller-owned hp_buf and keeps no
 * reference to the profile or the options after it returns.
 */
#ifndef HP_REPORT_FLAME_H
#define HP_REPORT_FLAME_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "profile/profile.h"

enum hp_flame_palette {
	HP_FLAME_PAL_HOTPATH = 0, /* by frame kind: python green, native yellow,
				     kernel orange, other "hot" */
	HP_FLAME_PAL_HOT,
	HP_FLAME_PAL_MEM,
	HP_FLAME_PAL_IO,
	HP_FLAME_PAL_RED,
	HP_FLAME_PAL_GREEN,
	HP_FLAME_PAL_BLUE,
	HP_FLAME_PAL_AQUA,
	HP_FLAME_PAL_YELLOW,
	HP_FLAME_PAL_PURPLE,
	HP_FLAME_PAL_ORANGE,
	HP_FLAME_PAL_NR
};

struct hp_flame_opts {
	int col;                /* weight column; -1: "after" in a differential
				   profile, else column 0 */
	const char *title;      /* NULL: "Flame Graph" / "Icicle Graph" */
	const char *subtitle;   /* NULL or "": none */
	const char *countname;  /* NULL: the column's name ("samples") */
	int width;              /* image width in pixels */
	int frame_height;       /* pixels per stack level */
	int font_size;          /* pixels */
	double minwidth;        /* drop frames narrower than this many pixels... */
	bool minwidth_fraction; /* ...or, when set, than this fraction of the
				   total (0.005 for "0.5%") */
	bool inverted;          /* icicle graph: root at the top */
	bool reverse;           /* merge stacks from the leaf */
	enum hp_flame_palette palette;
	int diff_col;           /* >= 0: differential graph -- widths from col
				   (after), colour from the change of each
				   frame's self share from diff_col (before):
				   red grew, blue shrank, intensity |change| /
				   max |change|; tooltips show both values */
	bool negate;            /* differential: swap red and blue */
};

/* flamegraph.pl's defaults */
#define HP_FLAME_OPTS_INIT \
	{ -1, NULL, NULL, NULL, 1200, 16, 12, 0.1, false, false, false, HP_FLAME_PAL_HOTPATH, -1, false }

/* What a render drew (for the command's --verbose and for tests). */
struct hp_flame_stats {
	double total;           /* weight of the whole graph */
	size_t frames;          /* frames drawn, including the root "all" */
	size_t labels;          /* frames drawn with a text label */
	size_t pruned;          /* subtrees dropped as narrower than minwidth */
	unsigned max_depth;     /* deepest level drawn (root = 0) */
};

/*
 * Append the SVG for column o->col of p to out.  Returns -1 with err set on
 * invalid options, a missing column, or negative or non-finite weights.
 * An empty profile gives a valid SVG that says so.
 */
int hp_flame_render(const struct hp_profile *p, const struct hp_flame_opts *o,
		    struct hp_buf *out, struct hp_err *err);
/* The same, also filling *stats (which may be NULL). */
int hp_flame_render_stats(const struct hp_profile *p, const struct hp_flame_opts *o,
			  struct hp_buf *out, struct hp_flame_stats *stats,
			  struct hp_err *err);

/* Palette by name ("hotpath", "hot", "mem", ...); -1 when unknown. */
int hp_flame_palette_parse(const char *name);
const char *hp_flame_palette_name(enum hp_flame_palette pal);

/*
 * The fill colour of a frame: derived only from the palette, the frame's
 * kind (for the "hotpath" palette) and a hash of its function and file
 * names, so a function keeps its colour across graphs and lines.
 */
void hp_flame_color(enum hp_flame_palette pal, enum hp_frame_kind kind,
		    const char *func, size_t func_len, const char *file, size_t file_len,
		    unsigned char rgb[3]);

/* The embedded script (static storage), for tests. */
const char *hp_flame_script(void);

#endif
