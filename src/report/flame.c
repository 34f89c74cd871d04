#include "report/flame.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/alloc.h"

/* src/report/flame.js, turned into a C array by embed.py at build time */
extern const char hp_flame_js[];

/* Geometry, as flamegraph.pl: side padding, the average glyph width of the
 * label font as a fraction of its size (Verdana), the gap between levels. */
#define XPAD 10
#define FONT_WIDTH 0.59
#define FRAME_PAD 1

static const char *const palette_names[HP_FLAME_PAL_NR] = {
	"hotpath", "hot", "mem", "io", "red", "green", "blue", "aqua", "yellow", "purple", "orange",
};

int hp_flame_palette_parse(const char *name)
{
	for (int i = 0; i < HP_FLAME_PAL_NR; i++)
		if (!strcmp(name, palette_names[i]))
			return i;
	return -1;
}

const char *hp_flame_palette_name(enum hp_flame_palette pal)
{
	return (unsigned)pal < HP_FLAME_PAL_NR ? palette_names[pal] : "?";
}

const char *hp_flame_script(void)
{
	return hp_flame_js;
}

/*
 * Colours.  Three numbers in [0, 1) come from a hash of the names and pick
 * a colour inside the palette's range; the ranges are flamegraph.pl's, so
 * "hot" looks like the classic flame graph.
 */
static void pal_rgb(enum hp_flame_palette pal, double v1, double v2, double v3,
		    unsigned char rgb[3])
{
	int r = 0, g = 0, b = 0;

	switch (pal) {
	case HP_FLAME_PAL_HOTPATH: /* resolved by kind before we get here */
	case HP_FLAME_PAL_NR:
	case HP_FLAME_PAL_HOT:
		r = 205 + (int)(50 * v3);
		g = (int)(230 * v1);
		b = (int)(55 * v2);
		break;
	case HP_FLAME_PAL_MEM:
		r = 0;
		g = 190 + (int)(50 * v2);
		b = (int)(210 * v1);
		break;
	case HP_FLAME_PAL_IO:
		r = 80 + (int)(60 * v1);
		g = r;
		b = 190 + (int)(55 * v2);
		break;
	case HP_FLAME_PAL_RED:
		r = 200 + (int)(55 * v1);
		g = b = 50 + (int)(80 * v1);
		break;
	case HP_FLAME_PAL_GREEN:
		g = 200 + (int)(55 * v1);
		r = b = 50 + (int)(60 * v1);
		break;
	case HP_FLAME_PAL_BLUE:
		b = 205 + (int)(50 * v1);
		r = g = 80 + (int)(60 * v1);
		break;
	case HP_FLAME_PAL_AQUA:
		r = 50 + (int)(60 * v1);
		g = 165 + (int)(55 * v1);
		b = 165 + (int)(55 * v1);
		break;
	case HP_FLAME_PAL_YELLOW:
		r = g = 175 + (int)(55 * v1);
		b = 50 + (int)(20 * v1);
		break;
	case HP_FLAME_PAL_PURPLE:
		r = b = 190 + (int)(65 * v1);
		g = 80 + (int)(60 * v1);
		break;
	case HP_FLAME_PAL_ORANGE:
		r = 190 + (int)(65 * v1);
		g = 90 + (int)(65 * v1);
		b = 0;
		break;
	}
	rgb[0] = (unsigned char)r;
	rgb[1] = (unsigned char)g;
	rgb[2] = (unsigned char)b;
}

void hp_flame_color(enum hp_flame_palette pal, enum hp_frame_kind kind,
		    const char *func, size_t func_len, const char *file, size_t file_len,
		    unsigned char rgb[3])
{
	uint64_t h = XXH3_64bits_withSeed(file, file_len, XXH3_64bits(func, func_len));
	double v1 = (double)(h & 0xffff) / 65536.0;
	double v2 = (double)((h >> 16) & 0xffff) / 65536.0;
	double v3 = (double)((h >> 32) & 0xffff) / 65536.0;

	if (pal == HP_FLAME_PAL_HOTPATH) {
		switch (kind) {
		case HP_KIND_PYTHON: pal = HP_FLAME_PAL_GREEN; break;
		case HP_KIND_NATIVE: pal = HP_FLAME_PAL_YELLOW; break;
		case HP_KIND_KERNEL: pal = HP_FLAME_PAL_ORANGE; break;
		default: pal = HP_FLAME_PAL_HOT; break;
		}
	}
	pal_rgb(pal, v1, v2, v3, rgb);
}

/*
 * Number formatting.  The SVG holds tens of thousands of coordinates, so
 * they are written without printf and without a redundant ".0".
 */
static void add_uint(struct hp_buf *b, uint64_t v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	hp_buf_add(b, tmp + n, sizeof(tmp) - n);
}

/* v rounded to one decimal, "12" rather than "12.0"; coordinates are
 * always far below 2^53 / 10 (the width is checked). */
static void add_coord(struct hp_buf *b, double v)
{
	int64_t t = llround(v * 10);

	if (t < 0) {
		hp_buf_addch(b, '-');
		t = -t;
	}
	add_uint(b, (uint64_t)t / 10);
	if (t % 10) {
		hp_buf_addch(b, '.');
		hp_buf_addch(b, (char)('0' + t % 10));
	}
}

/* A count as flamegraph.pl shows it: thousands separated by commas in the
 * integer part; fractional counts keep every significant digit. */
static void add_count(struct hp_buf *b, double v)
{
	struct hp_buf t = HP_BUF_INIT;
	size_t int_len;

	if (v == floor(v) && v < 9007199254740992.0) {
		if (v < 1000) {
			add_uint(b, (uint64_t)v);
			return;
		}
		add_uint(&t, (uint64_t)v);
	} else {
		hp_buf_add_double(&t, v);
	}
	int_len = strspn(t.data, "0123456789");
	if (t.data[int_len] == 'e' || t.data[int_len] == 'E') {
		hp_buf_add(b, t.data, t.len); /* 1e+300: exponent forms stay as they are */
	} else {
		for (size_t i = 0; i < int_len; i++) {
			if (i && (int_len - i) % 3 == 0)
				hp_buf_addch(b, ',');
			hp_buf_addch(b, t.data[i]);
		}
		hp_buf_add(b, t.data + int_len, t.len - int_len);
	}
	hp_buf_release(&t);
}

/* "%.2f" for a percentage in [0, 100] */
static void add_pct(struct hp_buf *b, double pct)
{
	int64_t t = llround(pct * 100);

	if (t < 0)
		t = 0;
	add_uint(b, (uint64_t)t / 100);
	hp_buf_addch(b, '.');
	hp_buf_addch(b, (char)('0' + (t / 10) % 10));
	hp_buf_addch(b, (char)('0' + t % 10));
}

static void add_rgb(struct hp_buf *b, const unsigned char rgb[3])
{
	static const char hex[] = "0123456789abcdef";
	char s[7] = { '#' };

	for (int i = 0; i < 3; i++) {
		s[1 + 2 * i] = hex[rgb[i] >> 4];
		s[2 + 2 * i] = hex[rgb[i] & 15];
	}
	hp_buf_add(b, s, sizeof(s));
}

/*
 * Render state.  vis lists the frames to draw in depth-first pre-order with
 * their left edge in weight units; names and colours are computed once per
 * profile frame, and only for frames that get drawn (or sorted).
 */
struct vis {
	uint32_t node;
	double x;
};

struct kid {
	const char *name;
	size_t len;
	uint32_t node;
	double w, x;
};

struct render {
	const struct hp_profile *p;
	const struct hp_flame_opts *o;
	uint32_t col, root;
	double *inc;
	double total, wpt;          /* weight and pixels per weight unit */
	struct hp_buf names;        /* display names of frames, concatenated */
	size_t *name_off;           /* per frame, SIZE_MAX = not built yet */
	size_t *name_len;
	uint32_t *color;            /* per frame: 0x01rrggbb, 0 = not yet */
	struct vis *vis;
	size_t nr_vis, alloc_vis;
	struct hp_flame_stats st;
	/* differential graphs */
	double *before_inc;         /* inclusive weight of diff_col */
	double before_total;
	double max_delta;           /* largest |self share change| drawn */
};

/* Change of a node's self share between the before and after columns. */
static double self_delta(const struct render *r, uint32_t node)
{
	double after = hp_profile_self(r->p, node, r->col);
	double before = hp_profile_self(r->p, node, (uint32_t)r->o->diff_col);

	return (r->total > 0 ? after / r->total : 0) -
	       (r->before_total > 0 ? before / r->before_total : 0);
}

/* flamegraph.pl's differential colours: red where the share grew, blue
 * where it shrank, paler the smaller the change. */
static void diff_rgb(const struct render *r, double delta, unsigned char rgb[3])
{
	double t = r->max_delta > 0 ? fabs(delta) / r->max_delta : 0;
	unsigned char pale = (unsigned char)lround(210 * (1 - t));
	bool grew = (delta > 0) != r->o->negate;

	if (delta == 0) {
		rgb[0] = rgb[1] = rgb[2] = 220;
	} else if (grew) {
		rgb[0] = 255;
		rgb[1] = rgb[2] = pale;
	} else {
		rgb[0] = rgb[1] = pale;
		rgb[2] = 255;
	}
}

/* The text a frame is shown with: py-spy's "func (file:line)" form for
 * frames with a location, flamegraph.pl's "_[k]" suffix on kernel frames,
 * so a folded file's frames look as they were written. */
static void ensure_name(struct render *r, uint32_t frame)
{
	size_t start;

	if (r->name_off[frame] != SIZE_MAX)
		return;
	start = r->names.len;
	hp_frame_name(r->p, frame, &r->names);
	if (r->p->frames[frame].kind == HP_KIND_KERNEL)
		hp_buf_adds(&r->names, "_[k]");
	r->name_off[frame] = start;
	r->name_len[frame] = r->names.len - start;
}

static int kid_cmp(const void *a, const void *b)
{
	const struct kid *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = n ? memcmp(x->name, y->name, n) : 0;

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/*
 * Pass 1: choose the frames to draw.  A depth-first walk from the root with
 * an explicit stack (stacks may be thousands of frames deep); at each drawn
 * node its children at least mintime wide are sorted by name and given
 * their left edges; narrower ones are dropped with their subtrees unseen.
 */
static void select_frames(struct render *r, double mintime)
{
	const struct hp_node *nodes = r->p->nodes;
	struct vis *stk = NULL;
	struct kid *kids = NULL;
	size_t nstk = 0, alloc_stk = 0, alloc_kids = 0;

	HP_GROW(stk, 1, alloc_stk);
	stk[nstk].node = r->root;
	stk[nstk++].x = 0;
	while (nstk) {
		struct vis v = stk[--nstk];
		uint32_t depth = nodes[v.node].depth - nodes[r->root].depth;
		size_t nk = 0;
		double x;

		HP_GROW(r->vis, r->nr_vis + 1, r->alloc_vis);
		r->vis[r->nr_vis++] = v;
		if (depth > r->st.max_depth)
			r->st.max_depth = depth;
		for (uint32_t ch = nodes[v.node].first_child; ch != HP_NO_NODE;
		     ch = nodes[ch].next_sibling) {
			double w = r->inc[ch];

			if (!(w > 0))
				continue;
			if (w < mintime) {
				r->st.pruned++;
				continue;
			}
			HP_GROW(kids, nk + 1, alloc_kids);
			kids[nk].node = ch;
			kids[nk].w = w;
			nk++;
			ensure_name(r, nodes[ch].frame);
		}
		if (!nk)
			continue;
		/* names are complete now: their buffer no longer moves */
		for (size_t i = 0; i < nk; i++) {
			uint32_t f = nodes[kids[i].node].frame;

			kids[i].name = r->names.data + r->name_off[f];
			kids[i].len = r->name_len[f];
		}
		if (nk > 1)
			qsort(kids, nk, sizeof(*kids), kid_cmp);
		x = v.x;
		for (size_t i = 0; i < nk; i++) {
			kids[i].x = x;
			x += kids[i].w;
		}
		HP_GROW(stk, nstk + nk, alloc_stk);
		for (size_t i = nk; i-- > 0;) {
			stk[nstk].node = kids[i].node;
			stk[nstk++].x = kids[i].x;
		}
	}
	free(stk);
	free(kids);
}

static uint32_t frame_color(struct render *r, uint32_t frame)
{
	if (!r->color[frame]) {
		const struct hp_frame *f = &r->p->frames[frame];
		unsigned char rgb[3];

		hp_flame_color(r->o->palette, (enum hp_frame_kind)f->kind,
			       hp_profile_str(r->p, f->func), hp_strtab_len(&r->p->strs, f->func),
			       hp_profile_str(r->p, f->file), hp_strtab_len(&r->p->strs, f->file), rgb);
		r->color[frame] = 0x1000000u | (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
	}
	return r->color[frame];
}

/* Append the label for a frame width_px wide: as many characters of name as
 * fit (flamegraph.pl's estimate of the glyph width), with ".." replacing the
 * last two when it is cut; returns false when fewer than three fit.  Characters are UTF-8 sequences; an invalid byte
 * counts as one (it is shown as U+FFFD). */
static bool add_label(struct hp_buf *out, const char *name, size_t len, double width_px,
		      int font_size)
{
	double fit = width_px / (font_size * FONT_WIDTH);
	size_t chars = fit >= 1e6 ? 1000000 : (size_t)fit, i = 0, n = 0, cut = 0;

	if (chars < 3)
		return false;
	while (i < len && n < chars) {
		size_t k = hp_utf8_seq_len((const unsigned char *)name + i, len - i);

		i += k ? k : 1;
		n++;
		if (n == chars - 2)
			cut = i;
	}
	if (i < len) {
		hp_buf_add_xml(out, name, cut);
		hp_buf_adds(out, "..");
	} else {
		hp_buf_add_xml(out, name, len);
	}
	return true;
}

static void write_head(struct render *r, struct hp_buf *out, unsigned height,
		       const char *title)
{
	const struct hp_flame_opts *o = r->o;
	int w = o->width, fs = o->font_size;
	bool sub = o->subtitle && *o->subtitle;

	hp_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	hp_buf_addf(out, "<svg version=\"1.1\" width=\"%d\" height=\"%u\" viewBox=\"0 0 %d %u\" "
		    "xmlns=\"http://www.w3.org/2000/svg\" onload=\"init(evt)\">\n",
		    w, height, w, height);
	/* generated from numbers only: no user text in the style sheet */
	hp_buf_addf(out,
		    "<style type=\"text/css\">\n"
		    "text{font-family:Verdana,sans-serif;font-size:%dpx;fill:#000}\n"
		    "#title{text-anchor:middle;font-size:%dpx}\n"
		    "#subtitle{text-anchor:middle;fill:#a0a0a0}\n"
		    "#matched{text-anchor:end}\n"
		    "#frames rect{rx:2px;ry:2px}\n"
		    "#frames>g:hover>rect{stroke:#000;stroke-width:0.5}\n"
		    "#frames>g{cursor:pointer}\n"
		    "#frames text{pointer-events:none}\n"
		    "#unzoom{cursor:pointer}\n"
		    "#search,#ignorecase{cursor:pointer;opacity:0.1}\n"
		    "#search:hover,#ignorecase:hover,#search.show,#ignorecase.show{opacity:1}\n"
		    ".hide{display:none}\n"
		    ".parent{opacity:0.5}\n"
		    "</style>\n",
		    fs, fs + 5);
	hp_buf_adds(out, "<script type=\"text/ecmascript\"><![CDATA[\n");
	hp_buf_adds(out, hp_flame_js);
	hp_buf_adds(out, "]]></script>\n");
	hp_buf_adds(out, "<defs><linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\">"
		    "<stop stop-color=\"#eeeeee\" offset=\"5%\"/>"
		    "<stop stop-color=\"#eeeeb0\" offset=\"95%\"/></linearGradient></defs>\n");
	hp_buf_addf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%u\" fill=\"url(#background)\"/>\n",
		    w, height);
	hp_buf_addf(out, "<text id=\"title\" x=\"%d\" y=\"%d\">", w / 2, fs * 2);
	hp_buf_add_xml(out, title, strlen(title));
	hp_buf_adds(out, "</text>\n");
	if (sub) {
		hp_buf_addf(out, "<text id=\"subtitle\" x=\"%d\" y=\"%d\">", w / 2, fs * 4);
		hp_buf_add_xml(out, o->subtitle, strlen(o->subtitle));
		hp_buf_adds(out, "</text>\n");
	}
	hp_buf_addf(out, "<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n",
		    XPAD, height - (unsigned)(fs * 2 + 10) / 2);
	hp_buf_addf(out, "<text id=\"unzoom\" class=\"hide\" x=\"%d\" y=\"%d\">Reset Zoom</text>\n",
		    XPAD, fs * 2);
	hp_buf_addf(out, "<text id=\"search\" x=\"%d\" y=\"%d\">Search</text>\n",
		    w - XPAD - 100, fs * 2);
	hp_buf_addf(out, "<text id=\"ignorecase\" x=\"%d\" y=\"%d\">ic</text>\n",
		    w - XPAD - 16, fs * 2);
	hp_buf_addf(out, "<text id=\"matched\" x=\"%d\" y=\"%u\"> </text>\n",
		    w - XPAD, height - (unsigned)(fs * 2 + 10) / 2);
}

/* Pass 2: write every selected frame. */
static void write_frames(struct render *r, struct hp_buf *out, unsigned height,
			 const char *countname)
{
	const struct hp_flame_opts *o = r->o;
	const struct hp_node *nodes = r->p->nodes;
	int fh = o->frame_height, fs = o->font_size;
	int ypad1 = fs * 3 + (o->subtitle && *o->subtitle ? fs * 2 : 0);
	int ypad2 = fs * 2 + 10;
	struct hp_buf cn = HP_BUF_INIT;

	hp_buf_add_xml(&cn, countname, strlen(countname));
	/* the script's parameters: numbers only */
	hp_buf_addf(out, "<g id=\"frames\" data-fh=\"%d\" data-fs=\"%d\" data-fw=\"%g\" "
		    "data-xpad=\"%d\" data-inv=\"%d\">\n",
		    fh, fs, FONT_WIDTH, XPAD, o->inverted ? 1 : 0);
	for (size_t i = 0; i < r->nr_vis; i++) {
		uint32_t node = r->vis[i].node, frame = nodes[node].frame;
		uint32_t depth = nodes[node].depth - nodes[r->root].depth;
		double w = r->inc[node], x1 = XPAD + r->vis[i].x * r->wpt, wpx = w * r->wpt;
		double y1 = o->inverted ? ypad1 + (double)depth * fh
					: (double)height - ypad2 - (double)(depth + 1) * fh + FRAME_PAD;
		const char *name = "all";
		size_t len = 3;
		uint32_t c;
		unsigned char rgb[3];
		size_t mark;

		if (node != r->root) {
			ensure_name(r, frame);
			name = r->names.data + r->name_off[frame];
			len = r->name_len[frame];
			c = frame_color(r, frame);
		} else {
			hp_flame_color(o->palette, HP_KIND_OTHER, "all", 3, "", 0, rgb);
			c = (uint32_t)rgb[0] << 16 | (uint32_t)rgb[1] << 8 | rgb[2];
		}
		rgb[0] = (unsigned char)(c >> 16);
		rgb[1] = (unsigned char)(c >> 8);
		rgb[2] = (unsigned char)c;

		hp_buf_grow(out, 160 + len * 2);
		hp_buf_adds(out, "<g><title>");
		hp_buf_add_xml(out, name, len);
		hp_buf_adds(out, " (");
		if (o->diff_col >= 0) {
			double before = r->before_inc[node];
			double d = self_delta(r, node);

			diff_rgb(r, d, rgb);
			hp_buf_adds(out, "before ");
			add_count(out, before);
			hp_buf_adds(out, ", ");
			add_pct(out, r->before_total > 0 ? 100.0 * before / r->before_total : 0);
			hp_buf_adds(out, "%; after ");
			add_count(out, w);
			hp_buf_addch(out, ' ');
			hp_buf_add(out, cn.data, cn.len);
			hp_buf_adds(out, ", ");
			add_pct(out, 100.0 * w / r->total);
			hp_buf_addf(out, "%%; self share %+.2f pts", 100.0 * d);
			hp_buf_adds(out, ")</title><rect x=\"");
		} else {
			add_count(out, w);
			hp_buf_addch(out, ' ');
			hp_buf_add(out, cn.data, cn.len);
			hp_buf_adds(out, ", ");
			add_pct(out, 100.0 * w / r->total);
			hp_buf_adds(out, "%)</title><rect x=\"");
		}
		add_coord(out, x1);
		hp_buf_adds(out, "\" y=\"");
		add_coord(out, y1);
		hp_buf_adds(out, "\" width=\"");
		add_coord(out, wpx);
		hp_buf_adds(out, "\" height=\"");
		add_uint(out, (uint64_t)(fh - FRAME_PAD));
		hp_buf_adds(out, "\" fill=\"");
		add_rgb(out, rgb);
		hp_buf_adds(out, "\"/>");
		/* a label only where three characters fit; the script makes the
		 * others when a zoom widens their frame */
		mark = out->len;
		hp_buf_adds(out, "<text x=\"");
		add_coord(out, x1 + 3);
		hp_buf_adds(out, "\" y=\"");
		add_coord(out, y1 + (fh - FRAME_PAD) / 2.0 + 3);
		hp_buf_adds(out, "\">");
		if (add_label(out, name, len, wpx, fs)) {
			hp_buf_adds(out, "</text>");
			r->st.labels++;
		} else {
			hp_buf_truncate(out, mark);
		}
		hp_buf_adds(out, "</g>\n");
	}
	hp_buf_adds(out, "</g>\n");
	r->st.frames = r->nr_vis;
	hp_buf_release(&cn);
}

static int check_opts(const struct hp_profile *p, const struct hp_flame_opts *o,
		      uint32_t *col, struct hp_err *err)
{
	if (o->width < 2 * XPAD + 10 || o->width > 1000000)
		return hp_err_set(err, "image width %d is out of range (%d to 1000000)",
				  o->width, 2 * XPAD + 10);
	if (o->frame_height < 2 || o->frame_height > 1000)
		return hp_err_set(err, "frame height %d is out of range (2 to 1000)", o->frame_height);
	if (o->font_size < 1 || o->font_size > 1000)
		return hp_err_set(err, "font size %d is out of range (1 to 1000)", o->font_size);
	if (!isfinite(o->minwidth) || o->minwidth < 0 || (o->minwidth_fraction && o->minwidth > 1))
		return hp_err_set(err, "minimum width must be %s",
				  o->minwidth_fraction ? "between 0 and 100%" : "a number of pixels, 0 or more");
	if ((unsigned)o->palette >= HP_FLAME_PAL_NR)
		return hp_err_set(err, "unknown palette %d", (int)o->palette);
	if (o->col >= 0) {
		if ((uint32_t)o->col >= p->nr_weights)
			return hp_err_set(err, "the profile has no weight column %d", o->col);
		*col = (uint32_t)o->col;
	} else {
		int a = hp_profile_find_weight(p, "before"), b = hp_profile_find_weight(p, "after");

		*col = a >= 0 && b >= 0 ? (uint32_t)b : 0;
	}
	return 0;
}

/* The one root to draw from, or HP_NO_NODE when p has none; *several is
 * set when more than one root holds stacks. */
static uint32_t find_root(const struct hp_profile *p, uint32_t col, bool *several)
{
	uint32_t root = HP_NO_NODE;

	*several = false;
	for (uint32_t i = 0; i < p->nr_roots; i++) {
		uint32_t n = p->roots[i];

		if (n == HP_NO_NODE || (p->nodes[n].first_child == HP_NO_NODE &&
					(!p->nr_weights || hp_profile_self(p, n, col) == 0)))
			continue;
		if (root != HP_NO_NODE)
			*several = true;
		root = n;
	}
	return root;
}

int hp_flame_render_stats(const struct hp_profile *p, const struct hp_flame_opts *o,
			  struct hp_buf *out, struct hp_flame_stats *stats,
			  struct hp_err *err)
{
	static const struct hp_flame_opts defaults = HP_FLAME_OPTS_INIT;
	struct hp_profile rev, merged;
	struct render r;
	const char *title, *countname;
	unsigned height;
	bool several;
	int ret = -1;

	if (!o)
		o = &defaults;
	memset(&r, 0, sizeof(r));
	hp_buf_init(&r.names);
	hp_profile_init(&rev);
	hp_profile_init(&merged);
	if (check_opts(p, o, &r.col, err))
		goto cleanup;
	if (o->reverse) {
		hp_profile_reverse(&rev, p);
		p = &rev;
	}
	r.root = find_root(p, r.col, &several);
	if (several) {
		hp_profile_unlabel(&merged, p);
		p = &merged;
		r.root = find_root(p, r.col, &several);
	}
	r.p = p;
	r.o = o;
	if (p->nr_weights) {
		for (uint32_t n = 0; n < p->nr_nodes; n++) {
			double v = hp_profile_self(p, n, r.col);

			if (!isfinite(v) || v < 0) {
				hp_err_set(err, "cannot draw negative or non-finite weights");
				goto cleanup;
			}
		}
		r.inc = hp_profile_inclusive(p, r.col);
		if (r.root != HP_NO_NODE)
			r.total = r.inc[r.root];
		if (!isfinite(r.total)) {
			hp_err_set(err, "the total weight is too large to draw");
			goto cleanup;
		}
	}
	title = o->title ? o->title : o->inverted ? "Icicle Graph" : "Flame Graph";
	countname = o->countname ? o->countname
		    : p->nr_weights ? hp_profile_str(p, p->weights[r.col].name) : "samples";
	r.st.total = r.total;
	if (!(r.total > 0)) {
		height = (unsigned)(o->font_size * 8 + 10);
		write_head(&r, out, height, title);
		hp_buf_addf(out, "<text x=\"%d\" y=\"%d\">No samples to draw</text>\n",
			    XPAD, o->font_size * 6);
		hp_buf_adds(out, "<g id=\"frames\"></g>\n</svg>\n");
		ret = 0;
		goto cleanup;
	}
	r.name_off = hp_xmalloc((size_t)(p->nr_frames + 1) * sizeof(size_t));
	memset(r.name_off, 0xff, (size_t)(p->nr_frames + 1) * sizeof(size_t));
	r.name_len = hp_xcalloc((size_t)p->nr_frames + 1, sizeof(size_t));
	r.color = hp_xcalloc((size_t)p->nr_frames + 1, sizeof(uint32_t));
	r.wpt = (o->width - 2.0 * XPAD) / r.total;
	select_frames(&r, o->minwidth_fraction ? o->minwidth * r.total : o->minwidth / r.wpt);
	if ((uint64_t)(r.st.max_depth + 1) * (uint64_t)o->frame_height > 100000000) {
		hp_err_set(err, "stacks %u deep are too deep to draw", r.st.max_depth);
		goto cleanup;
	}
	height = (r.st.max_depth + 1) * (unsigned)o->frame_height + (unsigned)o->font_size * 3 +
		 (o->subtitle && *o->subtitle ? (unsigned)o->font_size * 2 : 0) +
		 (unsigned)o->font_size * 2 + 10;
	if (o->diff_col >= 0) {
		if ((uint32_t)o->diff_col >= p->nr_weights || (uint32_t)o->diff_col == r.col) {
			hp_err_set(err, "differential graph needs a second weight column");
			goto cleanup;
		}
		r.before_inc = hp_profile_inclusive(p, (uint32_t)o->diff_col);
		r.before_total = r.root != HP_NO_NODE ? r.before_inc[r.root] : 0;
		for (size_t i = 0; i < r.nr_vis; i++) {
			double d = fabs(self_delta(&r, r.vis[i].node));

			if (d > r.max_delta)
				r.max_delta = d;
		}
	}
	write_head(&r, out, height, title);
	write_frames(&r, out, height, countname);
	hp_buf_adds(out, "</svg>\n");
	ret = 0;
cleanup:
	free(r.before_inc);
	if (stats)
		*stats = r.st;
	free(r.inc);
	free(r.name_off);
	free(r.name_len);
	free(r.color);
	free(r.vis);
	hp_buf_release(&r.names);
	hp_profile_release(&rev);
	hp_profile_release(&merged);
	return ret;
}

int hp_flame_render(const struct hp_profile *p, const struct hp_flame_opts *o,
		    struct hp_buf *out, struct hp_err *err)
{
	return hp_flame_render_stats(p, o, out, NULL, err);
}
