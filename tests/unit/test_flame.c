/*
 * Unit tests for src/report/flame.c: the SVG's frames (widths, order,
 * nesting, totals), pruning, layouts, colours, escaping, option checks.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "profile/folded.h"
#include "report/flame.h"

/* One drawn frame, read back from the SVG text. */
struct fr {
	char title[512];
	double x, y, w;
	bool label;
};

static double attr(const char *from, const char *end, const char *name)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), " %s=\"", name);
	p = strstr(from, key);
	cr_assert(p && p < end, "no %s in frame", name);
	return strtod(p + strlen(key), NULL);
}

/* Parse every <g> of #frames; returns the count. */
static size_t parse_frames(const char *svg, struct fr *out, size_t max)
{
	const char *p = strstr(svg, "<g id=\"frames\" data-");
	size_t n = 0;

	cr_assert(p, "no frames group");
	while ((p = strstr(p, "<g><title>")) && n < max) {
		const char *t = p + 10, *te = strstr(t, "</title>"), *ge = strstr(t, "</g>");

		cr_assert(te && ge && te < ge);
		cr_assert(te - t < (long)sizeof(out[n].title));
		memcpy(out[n].title, t, (size_t)(te - t));
		out[n].title[te - t] = '\0';
		out[n].x = attr(te, ge, "x");
		out[n].y = attr(te, ge, "y");
		out[n].w = attr(te, ge, "width");
		out[n].label = strstr(te, "<text") && strstr(te, "<text") < ge;
		n++;
		p = ge;
	}
	return n;
}

static uint32_t frame(struct hp_profile *p, const char *name)
{
	return hp_folded_parse_frame(p, name, strlen(name));
}

/* add "a;b;c" with weight w (column 0; column 1 gets 2 * w when present) */
static void add(struct hp_profile *p, uint32_t labelset, const char *stack, double w)
{
	uint32_t fr[64];
	size_t n = 0;
	double vals[HP_MAX_WEIGHTS] = { w, 2 * w };
	char *s = strdup(stack), *save = NULL;

	for (char *t = strtok_r(s, ";", &save); t; t = strtok_r(NULL, ";", &save))
		fr[n++] = frame(p, t);
	hp_profile_add_stack(p, labelset, fr, n, vals);
	free(s);
}

static void render(const struct hp_profile *p, const struct hp_flame_opts *o,
		   struct hp_buf *out, struct hp_flame_stats *st)
{
	struct hp_err err;

	hp_buf_reset(out);
	cr_assert_eq(hp_flame_render_stats(p, o, out, st, &err), 0, "%s", err.msg);
	cr_assert(!strncmp(out->data, "<?xml", 5));
	cr_assert(strstr(out->data, "</svg>\n"));
}

static struct hp_profile prof;
static struct hp_buf out;

static void setup(void)
{
	hp_profile_init(&prof);
	hp_profile_weight(&prof, "samples", "count");
	hp_buf_init(&out);
}

static void teardown(void)
{
	hp_profile_release(&prof);
	hp_buf_release(&out);
}

TestSuite(flame, .init = setup, .fini = teardown);

Test(flame, widths_order_nesting_totals)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct hp_flame_stats st;
	struct fr f[16];
	size_t n;

	add(&prof, 0, "main;zeta", 30);
	add(&prof, 0, "main;alpha;x", 50);
	add(&prof, 0, "main", 20);
	o.minwidth = 0;
	render(&prof, &o, &out, &st);
	cr_assert_eq(st.total, 100);
	cr_assert_eq(st.frames, 5);
	cr_assert_eq(st.max_depth, 3);
	n = parse_frames(out.data, f, 16);
	cr_assert_eq(n, 5);
	/* pre-order, children sorted by name, packed from the parent's left */
	cr_assert_str_eq(f[0].title, "all (100 samples, 100.00%)");
	cr_assert_str_eq(f[1].title, "main (100 samples, 100.00%)");
	cr_assert_str_eq(f[2].title, "alpha (50 samples, 50.00%)");
	cr_assert_str_eq(f[3].title, "x (50 samples, 50.00%)");
	cr_assert_str_eq(f[4].title, "zeta (30 samples, 30.00%)");
	cr_assert_float_eq(f[0].x, 10, 1e-9);
	cr_assert_float_eq(f[0].w, 1180, 1e-9);
	cr_assert_float_eq(f[2].x, 10, 1e-9);
	cr_assert_float_eq(f[2].w, 590, 1e-9);
	cr_assert_float_eq(f[4].x, 600, 1e-9);
	cr_assert_float_eq(f[4].w, 354, 1e-9);
	/* flame: each level one frame height above its parent */
	cr_assert_float_eq(f[1].y, f[0].y - 16, 1e-9);
	cr_assert_float_eq(f[3].y, f[2].y - 16, 1e-9);
	cr_assert_float_eq(f[4].y, f[2].y, 1e-9);
}

Test(flame, inverted_flips_levels)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct fr f[8];

	add(&prof, 0, "a;b;c", 1);
	o.inverted = true;
	render(&prof, &o, &out, NULL);
	cr_assert_eq(parse_frames(out.data, f, 8), 4);
	cr_assert_float_eq(f[1].y, f[0].y + 16, 1e-9);
	cr_assert_float_eq(f[3].y, f[0].y + 48, 1e-9);
	cr_assert(strstr(out.data, ">Icicle Graph</text>"));
	cr_assert(strstr(out.data, "data-inv=\"1\""));
}

Test(flame, pruning_keeps_parent_totals)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct hp_flame_stats st;
	struct fr f[2100];
	char stack[64];
	size_t n;

	/* 2000 leaves of weight 1 under "wide", one big leaf: each small leaf is
	 * 1180 / 12000 = 0.098 px, under the 0.1 px default */
	for (int i = 0; i < 2000; i++) {
		snprintf(stack, sizeof(stack), "root;wide;leaf%04d", i);
		add(&prof, 0, stack, 1);
	}
	add(&prof, 0, "root;big", 10000);
	render(&prof, &o, &out, &st);
	cr_assert_eq(st.pruned, 2000);
	n = parse_frames(out.data, f, 2100);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(f[2].title, "big (10,000 samples, 83.33%)");
	cr_assert_str_eq(f[3].title, "wide (2,000 samples, 16.67%)");
	cr_assert_float_eq(f[3].w, 1180.0 * 2000 / 12000, 0.05);
	/* as a percentage: 0.01% of 12000 = 1.2 > 1 */
	o.minwidth = 0.0001;
	o.minwidth_fraction = true;
	render(&prof, &o, &out, &st);
	cr_assert_eq(st.frames, 4);
	o.minwidth = 0;
	render(&prof, &o, &out, &st);
	cr_assert_eq(st.frames, 2004);
	cr_assert_eq(st.pruned, 0);
	n = parse_frames(out.data, f, 2100);
	cr_assert_str_eq(f[3].title, "wide (2,000 samples, 16.67%)");
	cr_assert_str_eq(f[4].title, "leaf0000 (1 samples, 0.01%)");
}

Test(flame, labels_only_where_three_chars_fit)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct fr f[8];

	add(&prof, 0, "a_very_long_function_name_indeed", 1);
	add(&prof, 0, "b", 99);
	o.width = 120; /* 100 px of drawing: "a..." gets 1 px, b 99 px */
	o.minwidth = 0;
	render(&prof, &o, &out, NULL);
	cr_assert_eq(parse_frames(out.data, f, 8), 3);
	cr_assert(!f[1].label);
	cr_assert(f[2].label);
	o.width = 1020; /* 10 px for the long name: still no label; b 990 px */
	render(&prof, &o, &out, NULL);
	parse_frames(out.data, f, 8);
	cr_assert(!f[1].label);
	o.width = 2 * 10 + 10000; /* 100 px: 100 / 7.08 = 14 characters */
	render(&prof, &o, &out, NULL);
	cr_assert(strstr(out.data, ">a_very_long_..</text>"), "%s", out.data);
}

Test(flame, reverse_and_merged_roots)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct hp_label t1 = { hp_profile_intern(&prof, "thread", 6), hp_profile_intern(&prof, "1", 1) };
	struct hp_label t2 = { t1.key, hp_profile_intern(&prof, "2", 1) };
	uint32_t l1 = hp_profile_labelset(&prof, &t1, 1), l2 = hp_profile_labelset(&prof, &t2, 1);
	struct fr f[8];

	add(&prof, l1, "main;work", 3);
	add(&prof, l2, "main;work", 2);
	add(&prof, l2, "main;idle", 5);
	o.minwidth = 0;
	render(&prof, &o, &out, NULL);
	cr_assert_eq(parse_frames(out.data, f, 8), 4);
	cr_assert_str_eq(f[0].title, "all (10 samples, 100.00%)");
	cr_assert_str_eq(f[1].title, "main (10 samples, 100.00%)");
	cr_assert_str_eq(f[2].title, "idle (5 samples, 50.00%)");
	cr_assert_str_eq(f[3].title, "work (5 samples, 50.00%)");
	o.reverse = true;
	render(&prof, &o, &out, NULL);
	cr_assert_eq(parse_frames(out.data, f, 8), 5);
	cr_assert_str_eq(f[1].title, "idle (5 samples, 50.00%)");
	cr_assert_str_eq(f[2].title, "main (5 samples, 50.00%)");
	cr_assert_str_eq(f[3].title, "work (5 samples, 50.00%)");
	cr_assert_str_eq(f[4].title, "main (5 samples, 50.00%)");
	cr_assert_float_eq(f[4].y, f[3].y - 16, 1e-9);
}

Test(flame, weight_columns)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct hp_flame_stats st;
	struct hp_err err;
	double neg[HP_MAX_WEIGHTS] = { -1, 0 };
	uint32_t fr;

	hp_profile_weight(&prof, "cpu", "nanoseconds");
	add(&prof, 0, "a;b", 3);
	o.col = 1;
	render(&prof, &o, &out, &st);
	cr_assert_eq(st.total, 6);
	cr_assert(strstr(out.data, "<title>all (6 cpu, 100.00%)</title>"));
	o.countname = "ns";
	render(&prof, &o, &out, &st);
	cr_assert(strstr(out.data, "<title>b (6 ns, 100.00%)</title>"));
	o.col = 2;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	cr_assert(strstr(err.msg, "no weight column 2"), "%s", err.msg);
	o.col = 0;
	fr = frame(&prof, "neg");
	hp_profile_add_stack(&prof, 0, &fr, 1, neg);
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	cr_assert(strstr(err.msg, "negative"), "%s", err.msg);
}

Test(flame, differential_profile_draws_after)
{
	struct hp_profile d;
	struct hp_flame_stats st;

	hp_profile_init(&d);
	cr_assert_eq(hp_folded_read_mem(&d, "a;b 5 7\na;c 3 1\n", 16, NULL, NULL, NULL), 0);
	render(&d, NULL, &out, &st);
	cr_assert_eq(st.total, 8);
	cr_assert(strstr(out.data, "<title>b (7 after, 87.50%)</title>"));
	hp_profile_release(&d);
}

Test(flame, escaping_and_script)
{
	static const char *names[] = {
		"<script>alert(1)</script>", "]]><script>alert(2)</script>", "a&b \"q\" 's'",
		"bad \xff\xfe\xc3 utf8", "ctl \x01\x1b x",
	};
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	const char *cdata, *cend, *js = hp_flame_script();
	char stack[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(stack, sizeof(stack), "main;%s", names[i]);
		add(&prof, 0, stack, 1);
	}
	o.title = "<T&>";
	o.subtitle = "]]>";
	o.countname = "<u>";
	render(&prof, &o, &out, NULL);
	cr_assert(strstr(out.data, "<title>&lt;script&gt;alert(1)&lt;/script&gt; (1 &lt;u&gt;, 20.00%)</title>"));
	cr_assert(strstr(out.data, "<title>]]&gt;&lt;script&gt;alert(2)&lt;/script&gt; (1 "));
	cr_assert(strstr(out.data, "<title>a&amp;b &quot;q&quot; &#39;s&#39; (1 "));
	cr_assert(strstr(out.data, "<title>bad \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd utf8 (1 "));
	cr_assert(strstr(out.data, "<title>ctl  x (1 "));
	cr_assert(strstr(out.data, ">&lt;T&amp;&gt;</text>"));
	cr_assert(strstr(out.data, ">]]&gt;</text>"));
	/* exactly one script, one CDATA section holding exactly the script */
	cdata = strstr(out.data, "<script type=\"text/ecmascript\"><![CDATA[\n");
	cr_assert(cdata);
	cr_assert(!strstr(cdata + 1, "<script"));
	cr_assert_eq(strstr(out.data, "<![CDATA["), cdata + strlen("<script type=\"text/ecmascript\">"));
	cdata += strlen("<script type=\"text/ecmascript\"><![CDATA[\n");
	cend = strstr(cdata, "]]>");
	cr_assert(cend);
	cr_assert_eq((size_t)(cend - cdata), strlen(js));
	cr_assert(!memcmp(cdata, js, strlen(js)));
	cr_assert(!strstr(js, "]]>"));
	cr_assert(!strstr(cend + 3, "<![CDATA["));
	/* no raw markup from names anywhere */
	cr_assert(!strstr(out.data, "<script>"));
	cr_assert(!strstr(out.data, "\xff"));
}

Test(flame, colours)
{
	unsigned char a[3], b[3], c[3];

	/* the same names give the same colour; the line does not matter */
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_PYTHON, "f", 1, "x.py", 4, a);
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_PYTHON, "f", 1, "x.py", 4, b);
	cr_assert(!memcmp(a, b, 3));
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_PYTHON, "g", 1, "x.py", 4, c);
	cr_assert(memcmp(a, c, 3));
	/* kinds: python green, native yellow, kernel orange, other hot */
	cr_assert(a[1] >= 200 && a[0] == a[2]);
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_NATIVE, "f", 1, "", 0, a);
	cr_assert(a[0] == a[1] && a[2] >= 50 && a[2] < 70);
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_KERNEL, "f", 1, "", 0, a);
	cr_assert(a[2] == 0 && a[0] >= 190);
	hp_flame_color(HP_FLAME_PAL_HOTPATH, HP_KIND_OTHER, "f", 1, "", 0, a);
	hp_flame_color(HP_FLAME_PAL_HOT, HP_KIND_PYTHON, "f", 1, "", 0, b);
	cr_assert(!memcmp(a, b, 3), "other frames use the hot palette");
	cr_assert(a[0] >= 205 && a[2] <= 55);
	for (int i = 0; i < 1000; i++) {
		char name[16];

		snprintf(name, sizeof(name), "fn%d", i);
		hp_flame_color(HP_FLAME_PAL_BLUE, HP_KIND_OTHER, name, strlen(name), "", 0, a);
		cr_assert(a[0] == a[1] && a[2] >= 205);
		hp_flame_color(HP_FLAME_PAL_MEM, HP_KIND_OTHER, name, strlen(name), "", 0, a);
		cr_assert(a[0] == 0 && a[1] >= 190 && a[1] < 240);
		hp_flame_color(HP_FLAME_PAL_HOT, HP_KIND_OTHER, name, strlen(name), "", 0, a);
		cr_assert(a[0] >= 205 && a[1] < 230 && a[2] < 55);
	}
	for (int p = 0; p < HP_FLAME_PAL_NR; p++)
		cr_assert_eq(hp_flame_palette_parse(hp_flame_palette_name((enum hp_flame_palette)p)), p);
	cr_assert_eq(hp_flame_palette_parse("nope"), -1);
	cr_assert_eq(hp_flame_palette_parse("hotpath"), HP_FLAME_PAL_HOTPATH);
}

Test(flame, frame_kinds_display)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;

	add(&prof, 0, "run (app.py:12);memcpy (libc.so.6);do_sys_open_[k]", 1);
	render(&prof, &o, &out, NULL);
	cr_assert(strstr(out.data, "<title>run (app.py:12) (1 samples"));
	cr_assert(strstr(out.data, "<title>memcpy (libc.so.6) (1 samples"));
	cr_assert(strstr(out.data, "<title>do_sys_open_[k] (1 samples"));
}

Test(flame, empty_profile)
{
	struct hp_flame_stats st;
	struct hp_profile none;

	render(&prof, NULL, &out, &st);
	cr_assert_eq(st.total, 0);
	cr_assert_eq(st.frames, 0);
	cr_assert(strstr(out.data, "No samples to draw"));
	cr_assert(strstr(out.data, "<g id=\"frames\"></g>"));
	hp_profile_init(&none); /* no weight columns at all */
	render(&none, NULL, &out, &st);
	cr_assert_eq(st.frames, 0);
	hp_profile_release(&none);
}

Test(flame, deep_stack)
{
	struct hp_flame_stats st;
	uint32_t *fr = malloc(20000 * sizeof(*fr));
	double one[HP_MAX_WEIGHTS] = { 1 };

	for (int i = 0; i < 20000; i++)
		fr[i] = frame(&prof, i % 2 ? "even" : "odd");
	hp_profile_add_stack(&prof, 0, fr, 20000, one);
	render(&prof, NULL, &out, &st);
	cr_assert_eq(st.frames, 20001);
	cr_assert_eq(st.max_depth, 20000);
	free(fr);
}

Test(flame, option_checks)
{
	struct hp_flame_opts o = HP_FLAME_OPTS_INIT;
	struct hp_err err;

	add(&prof, 0, "a", 1);
	o.width = 10;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	cr_assert(strstr(err.msg, "width"));
	o.width = 1200;
	o.frame_height = 1;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.frame_height = 16;
	o.font_size = 0;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.font_size = 12;
	o.minwidth = NAN;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.minwidth = 2;
	o.minwidth_fraction = true;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.minwidth = -1;
	o.minwidth_fraction = false;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.minwidth = 0.1;
	o.palette = HP_FLAME_PAL_NR;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), -1);
	o.palette = HP_FLAME_PAL_HOT;
	cr_assert_eq(hp_flame_render(&prof, &o, &out, &err), 0);
}
