#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "profile/folded.h"
#include "profile/profile.h"

static void load(struct hp_profile *p, const char *text)
{
	struct hp_err err;

	hp_profile_init(p);
	cr_assert_eq(hp_folded_read_mem(p, text, strlen(text), NULL, NULL, &err), 0, "%s", err.msg);
}

static char *dump(const struct hp_profile *p)
{
	struct hp_buf b = HP_BUF_INIT;

	hp_folded_write(p, NULL, &b);
	return hp_buf_detach(&b, NULL);
}

static void expect(const struct hp_profile *p, const char *want)
{
	char *got = dump(p);

	cr_assert_str_eq(got, want);
	free(got);
}

Test(profile, stacks_share_prefixes_and_totals_add_up)
{
	struct hp_profile p;
	double *inc;
	uint32_t root;

	load(&p, "a;b;c 1\na;b;c 2\na;b 4\na;d 8\n");
	/* root + a, b, c, d: memory grows with unique prefixes, not samples */
	cr_assert_eq(p.nr_nodes, 5);
	cr_assert_eq(hp_profile_total(&p, 0), 15);
	cr_assert_eq(hp_profile_nr_stacks(&p), 3);
	inc = hp_profile_inclusive(&p, 0);
	root = p.roots[0];
	cr_assert_eq(inc[root], 15);
	cr_assert_eq(inc[p.nodes[root].first_child], 15); /* a */
	free(inc);
	hp_profile_release(&p);
}

Test(profile, labels_are_unordered_sets)
{
	struct hp_profile p;
	struct hp_label l1[2], l2[2], *got;
	uint32_t f, s1, s2;
	double one = 1;

	hp_profile_init(&p);
	hp_profile_weight(&p, "samples", "count");
	l1[0].key = hp_profile_intern(&p, "thread", 6);
	l1[0].value = hp_profile_intern(&p, "7", 1);
	l1[1].key = hp_profile_intern(&p, "pid", 3);
	l1[1].value = hp_profile_intern(&p, "42", 2);
	l2[0] = l1[1];
	l2[1] = l1[0];
	s1 = hp_profile_labelset(&p, l1, 2);
	s2 = hp_profile_labelset(&p, l2, 2);
	cr_assert_eq(s1, s2);
	cr_assert_neq(s1, 0);
	cr_assert_eq(hp_profile_labels(&p, s1, &got), 2);
	cr_assert_eq(got[0].key, l1[0].key < l1[1].key ? l1[0].key : l1[1].key);
	free(got);
	f = hp_profile_frame(&p, hp_profile_intern(&p, "main", 4), 0, 0, HP_KIND_PYTHON);
	hp_profile_add_stack(&p, s1, &f, 1, &one);
	hp_profile_add_stack(&p, 0, &f, 1, &one);
	cr_assert_eq(p.nr_roots, s1 + 1);
	{
		struct hp_profile q;
		struct hp_folded_write_opts wo = HP_FOLDED_WRITE_OPTS_INIT;
		struct hp_buf b = HP_BUF_INIT;

		hp_profile_init(&q);
		hp_profile_unlabel(&q, &p);
		expect(&q, "main 2\n");
		wo.labels = true;
		hp_folded_write(&p, &wo, &b);
		cr_assert_str_eq(b.data, "main 1\nthread 7;pid 42;main 1\n");
		hp_buf_release(&b);
		hp_profile_release(&q);
	}
	hp_profile_release(&p);
}

Test(profile, weight_column_added_after_nodes)
{
	struct hp_profile p;
	double v[2] = { 3, 5 };
	uint32_t f;
	int c;

	load(&p, "a;b 2\n");
	c = hp_profile_weight(&p, "cpu", "nanoseconds");
	cr_assert_eq(c, 1);
	f = hp_profile_frame(&p, hp_profile_intern(&p, "x", 1), 0, 0, HP_KIND_OTHER);
	hp_profile_add_stack(&p, 0, &f, 1, v);
	cr_assert_eq(hp_profile_total(&p, 0), 5);
	cr_assert_eq(hp_profile_total(&p, 1), 5);
	cr_assert_eq(hp_profile_find_weight(&p, "cpu"), 1);
	cr_assert_eq(hp_profile_find_weight(&p, "nope"), -1);
	hp_profile_release(&p);
}

Test(profile, merge_adds_weights)
{
	struct hp_profile a, b, m;
	struct hp_err err;

	load(&a, "x;y 1\nx 2\n");
	load(&b, "x;y 10\nz 5\n");
	hp_profile_init(&m);
	cr_assert_eq(hp_profile_merge(&m, &a, &err), 0);
	cr_assert_eq(hp_profile_merge(&m, &b, &err), 0);
	expect(&m, "x 2\nx;y 11\nz 5\n");
	hp_profile_release(&a);
	hp_profile_release(&b);
	hp_profile_release(&m);
}

Test(profile, filter_keep_drop_hide)
{
	struct hp_profile p, k, d, h;
	struct hp_err err;

	load(&p, "main;io_read;sys 3\nmain;compute 5\nmain;io_write 2\n");
	hp_profile_init(&k);
	hp_profile_init(&d);
	hp_profile_init(&h);
	cr_assert_eq(hp_profile_filter(&k, &p, "^io_", HP_FILTER_KEEP, false, &err), 0);
	expect(&k, "main;io_read;sys 3\nmain;io_write 2\n");
	cr_assert_eq(hp_profile_filter(&d, &p, "IO_", HP_FILTER_DROP, true, &err), 0);
	expect(&d, "main;compute 5\n");
	cr_assert_eq(hp_profile_filter(&h, &p, "^io_", HP_FILTER_HIDE, false, &err), 0);
	expect(&h, "main 2\nmain;compute 5\nmain;sys 3\n");
	cr_assert_eq(hp_profile_total(&h, 0), 10);
	hp_profile_release(&k);
	hp_profile_init(&k);
	cr_assert_eq(hp_profile_filter(&k, &p, "([", HP_FILTER_KEEP, false, &err), -1);
	cr_assert(strstr(err.msg, "invalid regular expression '(['"), "%s", err.msg);
	hp_profile_release(&p);
	hp_profile_release(&k);
	hp_profile_release(&d);
	hp_profile_release(&h);
}

Test(profile, focus_reroots_at_outermost_match)
{
	struct hp_profile p, f;
	struct hp_err err;

	load(&p, "main;a;rec;rec;leaf 4\nmain;b 1\nmain;rec 2\n");
	hp_profile_init(&f);
	cr_assert_eq(hp_profile_focus(&f, &p, "^rec$", false, &err), 0);
	expect(&f, "rec 2\nrec;rec;leaf 4\n");
	hp_profile_release(&p);
	hp_profile_release(&f);
}

Test(profile, reverse_and_strip_lines)
{
	struct hp_profile p, r, s;

	load(&p, "main (a.py:1);f (a.py:5) 1\nmain (a.py:1);f (a.py:7) 2\n");
	hp_profile_init(&r);
	hp_profile_reverse(&r, &p);
	expect(&r, "f (a.py:5);main (a.py:1) 1\nf (a.py:7);main (a.py:1) 2\n");
	hp_profile_init(&s);
	hp_profile_strip_lines(&s, &p);
	expect(&s, "main (a.py);f (a.py) 3\n");
	hp_profile_release(&p);
	hp_profile_release(&r);
	hp_profile_release(&s);
}

Test(profile, frame_names)
{
	struct hp_profile p;
	struct hp_buf b = HP_BUF_INIT;

	load(&p, "Engine.step (/x/engine.py:42);read_[k];plain 1\n");
	cr_assert_eq(p.nr_frames, 3);
	cr_assert_eq(p.frames[0].kind, HP_KIND_PYTHON);
	cr_assert_eq(p.frames[0].line, 42);
	cr_assert_eq(p.frames[1].kind, HP_KIND_KERNEL);
	cr_assert_eq(p.frames[2].kind, HP_KIND_OTHER);
	hp_frame_name(&p, 0, &b);
	cr_assert_str_eq(b.data, "Engine.step (/x/engine.py:42)");
	hp_buf_release(&b);
	hp_profile_release(&p);
}

Test(profile, merge_column_builds_a_differential_profile)
{
	struct hp_profile a, b, d;
	struct hp_err err;
	struct hp_buf out = HP_BUF_INIT;

	load(&a, "x;y 3\nx 1\n");
	load(&b, "x;y 5\nz 2\n");
	hp_profile_init(&d);
	cr_assert_eq(hp_profile_weight(&d, "before", "count"), 0);
	cr_assert_eq(hp_profile_weight(&d, "after", "count"), 1);
	cr_assert_eq(hp_profile_merge_column(&d, &a, 0, "before", &err), 0);
	cr_assert_eq(hp_profile_merge_column(&d, &b, 0, "after", &err), 0);
	hp_folded_write(&d, NULL, &out); /* writes both columns */
	cr_assert_str_eq(out.data, "x 1 0\nx;y 3 5\nz 0 2\n");
	cr_assert_eq(hp_profile_merge_column(&d, &a, 7, "before", &err), -1);
	hp_buf_release(&out);
	hp_profile_release(&a);
	hp_profile_release(&b);
	hp_profile_release(&d);
}

Test(profile, labels_become_root_frames)
{
	struct hp_profile p, q;
	struct hp_label l[2];
	struct hp_buf out = HP_BUF_INIT;
	static const char *const keys[] = { "pid", "thread" };
	double one = 1;
	uint32_t f, ls;

	hp_profile_init(&p);
	hp_profile_weight(&p, "samples", "count");
	l[0].key = hp_profile_intern(&p, "thread", 6);
	l[0].value = hp_profile_intern(&p, "7 (worker)", 10);
	l[1].key = hp_profile_intern(&p, "pid", 3);
	l[1].value = hp_profile_intern(&p, "42", 2);
	ls = hp_profile_labelset(&p, l, 2);
	f = hp_profile_frame(&p, hp_profile_intern(&p, "main", 4), 0, 0, HP_KIND_PYTHON);
	hp_profile_add_stack(&p, ls, &f, 1, &one);
	hp_profile_init(&q);
	hp_profile_labels_to_frames(&q, &p, keys, 2);
	hp_folded_write(&q, NULL, &out);
	cr_assert_str_eq(out.data, "pid 42;thread 7 (worker);main 1\n");
	hp_buf_release(&out);
	hp_profile_release(&q);
	hp_profile_init(&q);
	hp_profile_labels_to_frames(&q, &p, keys + 1, 1);
	hp_folded_write(&q, NULL, &out);
	cr_assert_str_eq(out.data, "thread 7 (worker);main 1\n");
	hp_buf_release(&out);
	hp_profile_release(&q);
	hp_profile_release(&p);
}
