/* Unit tests for profile/pstats_write: stacks -> pstats numbers (recursion,
 * callers, built-ins), and the marshal writer read back by hotpath's own
 * reader (round trip, big ints, references, non-UTF-8 names). */
#include <criterion/criterion.h>
#include <string.h>

#include "core/buf.h"
#include "profile/folded.h"
#include "profile/marshal.h"
#include "profile/pstats_write.h"

static struct hp_profile p;
static struct hp_pstats st, back;
static struct hp_err err;
static struct hp_buf out;

static void setup(void)
{
	hp_profile_init(&p);
	hp_pstats_init(&st);
	hp_pstats_init(&back);
	hp_buf_init(&out);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	hp_profile_release(&p);
	hp_pstats_release(&st);
	hp_pstats_release(&back);
	hp_buf_release(&out);
}

TestSuite(pstats_write, .init = setup, .fini = teardown);

static void convert(const char *folded, double unit)
{
	cr_assert_eq(hp_folded_read_mem(&p, folded, strlen(folded), NULL, NULL, &err), 0, "%s", err.msg);
	cr_assert_eq(hp_pstats_from_profile(&st, &p, 0, unit, &err), 0, "%s", err.msg);
}

static const struct hp_pstats_entry *entry(const struct hp_pstats *s, const char *file, int line,
					   const char *name)
{
	uint32_t e = hp_pstats_find(s, file, line, name);

	cr_assert_neq(e, HP_PSTATS_NONE, "no entry %s:%d(%s)", file, line, name);
	return &s->entries[e];
}

static const struct hp_pstats_call *caller(const struct hp_pstats *s, const struct hp_pstats_entry *e,
					   const char *file, int line, const char *name)
{
	for (uint32_t i = 0; i < e->nr_callers; i++) {
		const struct hp_pstats_call *c = &s->callers[e->first_caller + i];
		const struct hp_pstats_key *k = &s->keys[c->key];

		if (!strcmp(hp_pstats_str(s, k->file), file) && k->line == line &&
		    !strcmp(hp_pstats_str(s, k->name), name))
			return c;
	}
	cr_assert_fail("no caller %s:%d(%s)", file, line, name);
	return NULL;
}

Test(pstats_write, numbers_from_stacks)
{
	const struct hp_pstats_entry *e;
	const struct hp_pstats_call *c;

	convert("main (a.py:10);work (a.py:22);leaf (a.py:30) 5\n"
		"main (a.py:11);work (a.py:21) 3\n"
		"main (a.py:10);fib (a.py:40);fib (a.py:41);fib (a.py:41) 4\n"
		"main (a.py:12);fib (a.py:40) 2\n"
		"main (a.py:10);<built-in method sleep> 1\n", 0.5);
	cr_assert_eq(st.nr_entries, 5);
	/* the key's line is the smallest line seen */
	e = entry(&st, "a.py", 10, "main");
	cr_assert_eq(e->nc, 15);
	cr_assert_eq(e->cc, 15);
	cr_assert_float_eq(e->tt, 0, 1e-12);
	cr_assert_float_eq(e->ct, 7.5, 1e-12);
	cr_assert_eq(e->nr_callers, 0);
	e = entry(&st, "a.py", 21, "work");
	cr_assert_float_eq(e->tt, 1.5, 1e-12);
	cr_assert_float_eq(e->ct, 4.0, 1e-12);
	/* recursion: nc counts every frame, cc and ct once per stack */
	e = entry(&st, "a.py", 40, "fib");
	cr_assert_eq(e->nc, 14);
	cr_assert_eq(e->cc, 6);
	cr_assert_float_eq(e->tt, 3.0, 1e-12);
	cr_assert_float_eq(e->ct, 3.0, 1e-12);
	c = caller(&st, e, "a.py", 40, "fib");
	cr_assert_eq(c->nc, 8);
	cr_assert_eq(c->cc, 4);
	cr_assert_float_eq(c->tt, 2.0, 1e-12);
	cr_assert_float_eq(c->ct, 2.0, 1e-12);
	c = caller(&st, e, "a.py", 10, "main");
	cr_assert_eq(c->nc, 6);
	cr_assert_eq(c->cc, 6);
	cr_assert_float_eq(c->tt, 1.0, 1e-12);
	cr_assert_float_eq(c->ct, 3.0, 1e-12);
	/* no file: a built-in */
	e = entry(&st, "~", 0, "<built-in method sleep>");
	cr_assert_eq(e->nc, 1);
	cr_assert_eq(st.total_calls, 15 + 8 + 14 + 5 + 1);
	cr_assert_eq(st.prim_calls, 15 + 8 + 6 + 5 + 1);
	cr_assert_float_eq(st.total_tt, 7.5, 1e-12);
}

static void round_trip(void)
{
	hp_buf_reset(&out);
	hp_pstats_write(&st, &out);
	cr_assert_eq(hp_pstats_read_mem(&back, out.data, out.len, &err), 0, "%s", err.msg);
	cr_assert_eq(back.nr_entries, st.nr_entries);
	cr_assert_eq(back.nr_callers, st.nr_callers);
	for (uint32_t i = 0; i < st.nr_entries; i++) {
		const struct hp_pstats_entry *a = &st.entries[i], *b = &back.entries[i];
		const struct hp_pstats_key *ka = &st.keys[a->key], *kb = &back.keys[b->key];

		cr_assert_str_eq(hp_pstats_str(&st, ka->file), hp_pstats_str(&back, kb->file));
		cr_assert_str_eq(hp_pstats_str(&st, ka->name), hp_pstats_str(&back, kb->name));
		cr_assert_eq(ka->line, kb->line);
		cr_assert_eq(a->nc, b->nc);
		cr_assert_eq(a->cc, b->cc);
		cr_assert(a->tt == b->tt && a->ct == b->ct);
		cr_assert_eq(a->nr_callers, b->nr_callers);
		for (uint32_t j = 0; j < a->nr_callers; j++) {
			const struct hp_pstats_call *x = &st.callers[a->first_caller + j];
			const struct hp_pstats_call *y = &back.callers[b->first_caller + j];

			cr_assert_eq(hp_pstats_key_cmp(&st, x->key, x->key), 0);
			cr_assert_str_eq(hp_pstats_str(&st, st.keys[x->key].name),
					 hp_pstats_str(&back, back.keys[y->key].name));
			cr_assert_eq(x->nc, y->nc);
			cr_assert_eq(x->cc, y->cc);
			cr_assert(x->tt == y->tt && x->ct == y->ct);
		}
	}
	cr_assert_eq(back.total_calls, st.total_calls);
	cr_assert(back.total_tt == st.total_tt);
}

Test(pstats_write, round_trip_through_reader)
{
	convert("main (a.py:10);work (a.py:22);leaf (a.py:30) 5\n"
		"main (a.py:10);fib (a.py:40);fib (a.py:41);fib (a.py:41) 4\n"
		"main (a.py:10);a (b.py:1);b (b.py:2);a (b.py:1);leaf (a.py:30) 7\n"
		"main (a.py:10);g\xc3\xb6\xc3\x9f (\xc3\xbc.py:3) 2\n", 1.0 / 97);
	round_trip();
	/* key tuples are written once, then referred back to */
	cr_assert(memchr(out.data, 'r', out.len));
	cr_assert_eq((unsigned char)out.data[0], '{');
	cr_assert_eq(out.data[out.len - 1], '0');
}

Test(pstats_write, big_counts_and_long_names)
{
	char name[400];
	struct hp_buf f = HP_BUF_INIT;

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	/* a count beyond int32 is written as a marshal long ('l') */
	hp_buf_addf(&f, "main (a.py:1);%s (a.py:2) 5000000000\nmain (a.py:1) 3\n", name);
	convert(f.data, 1e-3);
	hp_buf_release(&f);
	cr_assert_eq(entry(&st, "a.py", 1, "main")->nc, 5000000003LL);
	round_trip();
	cr_assert(memchr(out.data, 'l', out.len));
}

Test(pstats_write, invalid_utf8_is_cleaned)
{
	const struct hp_pstats_entry *e;

	convert("main (a.py:1);bad\xff (x.py:2) 2\n", 1);
	hp_pstats_write(&st, &out);
	cr_assert_eq(hp_pstats_read_mem(&back, out.data, out.len, &err), 0, "%s", err.msg);
	e = entry(&back, "x.py", 2, "bad\xef\xbf\xbd");
	cr_assert_eq(e->nc, 2);
}

Test(pstats_write, empty_profile)
{
	convert("", 1);
	cr_assert_eq(st.nr_entries, 0);
	hp_pstats_write(&st, &out);
	cr_assert_eq(out.len, 2);
	cr_assert_eq(memcmp(out.data, "{0", 2), 0);
	cr_assert_eq(hp_pstats_read_mem(&back, out.data, out.len, &err), 0, "%s", err.msg);
	cr_assert_eq(back.nr_entries, 0);
}
