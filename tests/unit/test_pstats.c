/* Unit tests for the pstats model: hand-built stats dumps, the caller tuple
 * order, totals, sorting as pstats sorts, callees, and malformed input. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "profile/marshal.h"
#include "profile/pstats.h"

static struct hp_pstats st;
static struct hp_err err;
static struct hp_buf in;

static void setup(void)
{
	hp_pstats_init(&st);
	hp_buf_init(&in);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	hp_pstats_release(&st);
	hp_buf_release(&in);
}

TestSuite(pstats, .init = setup, .fini = teardown);

/* ---- the direct reader against the tree reader ---- */


/* ---- a tiny marshal writer ---- */
static void w_i32(int32_t v)
{
	uint32_t u = (uint32_t)v;

	hp_buf_addch(&in, 'i');
	for (int k = 0; k < 4; k++)
		hp_buf_addch(&in, (char)(u >> (8 * k)));
}

static void w_f64(double d)
{
	uint64_t u;

	memcpy(&u, &d, 8);
	hp_buf_addch(&in, 'g');
	for (int k = 0; k < 8; k++)
		hp_buf_addch(&in, (char)(u >> (8 * k)));
}

static void w_str(const char *s)
{
	hp_buf_addch(&in, 'z');
	hp_buf_addch(&in, (char)strlen(s));
	hp_buf_adds(&in, s);
}

static void w_key(const char *file, int line, const char *name)
{
	hp_buf_add(&in, ")\x03", 2);
	w_str(file);
	w_i32(line);
	w_str(name);
}

/* (cc, nc, tt, ct, {  -- callers follow, then w_end() */
static void w_func(const char *file, int line, const char *name, int cc, int nc, double tt, double ct)
{
	w_key(file, line, name);
	hp_buf_add(&in, ")\x05", 2);
	w_i32(cc);
	w_i32(nc);
	w_f64(tt);
	w_f64(ct);
	hp_buf_addch(&in, '{');
}

static void w_caller(const char *file, int line, const char *name, int nc, int cc, double tt, double ct)
{
	w_key(file, line, name);
	hp_buf_add(&in, ")\x04", 2);
	w_i32(nc);
	w_i32(cc);
	w_f64(tt);
	w_f64(ct);
}

static void w_end(void)
{
	hp_buf_addch(&in, '0');
}

/* main -> fib (recursive), main -> len (a built-in) */
static void sample(void)
{
	hp_buf_addch(&in, '{');
	w_func("p.py", 1, "main", 1, 1, 0.5, 3.0);
	w_end();
	w_func("p.py", 5, "fib", 1, 9, 2.0, 2.0);
	w_caller("p.py", 1, "main", 1, 1, 0.25, 2.0);
	w_caller("p.py", 5, "fib", 8, 0, 1.75, 1.75);
	w_end();
	w_func("~", 0, "<built-in method builtins.len>", 4, 4, 0.5, 0.5);
	w_caller("p.py", 1, "main", 4, 4, 0.5, 0.5);
	w_end();
	w_end();
}

static void load(void)
{
	int rc = hp_pstats_read_mem(&st, in.data, in.len, &err);

	cr_assert_eq(rc, 0, "read failed: %s", err.msg);
}

static void load_bad(const char *want)
{
	int rc = hp_pstats_read_mem(&st, in.data, in.len, &err);

	cr_assert_eq(rc, -1, "read should fail (%s)", want);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
}

Test(pstats, model)
{
	uint32_t fib;
	const struct hp_pstats_entry *e;
	const struct hp_pstats_call *c;

	sample();
	cr_assert(hp_pstats_sniff(in.data, in.len));
	load();
	cr_assert_eq(st.nr_entries, 3);
	cr_assert_eq(st.total_calls, 14);
	cr_assert_eq(st.prim_calls, 6);
	cr_assert_float_eq(st.total_tt, 3.0, 1e-12);
	cr_assert(st.tuple_callers);
	fib = hp_pstats_find(&st, "p.py", 5, "fib");
	cr_assert_eq(fib, 1);
	cr_assert_eq(hp_pstats_find(&st, "p.py", 6, "fib"), HP_PSTATS_NONE);
	e = &st.entries[fib];
	cr_assert_eq(e->cc, 1);
	cr_assert_eq(e->nc, 9);
	cr_assert_eq(e->nr_callers, 2);
	/* the caller tuple is (nc, cc, ...): the recursive call has nc 8, cc 0 */
	c = &st.callers[e->first_caller + 1];
	cr_assert_eq(c->nc, 8);
	cr_assert_eq(c->cc, 0);
	cr_assert_float_eq(c->tt, 1.75, 1e-12);
}

Test(pstats, std_names)
{
	struct hp_buf b = HP_BUF_INIT;

	sample();
	load();
	hp_pstats_std_name(&st, st.entries[1].key, &b);
	cr_assert_str_eq(b.data, "p.py:5(fib)");
	hp_buf_reset(&b);
	hp_pstats_std_name(&st, st.entries[2].key, &b);
	cr_assert_str_eq(b.data, "{built-in method builtins.len}");
	hp_buf_release(&b);
}

Test(pstats, sorting)
{
	enum hp_pstats_sort_key keys[HP_PSTATS_MAX_SORT_KEYS];
	struct hp_buf desc = HP_BUF_INIT;
	uint32_t *o;
	int n;

	sample();
	load();
	n = hp_pstats_sort_parse("cumulative", keys, &desc, &err);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(desc.data, "cumulative time");
	o = hp_pstats_sort(&st, keys, n);
	cr_assert_eq(o[0], 0);
	cr_assert_eq(o[1], 1);
	cr_assert_eq(o[2], 2);
	free(o);
	/* ties keep file order: main and len both have tt 0.5 */
	hp_buf_reset(&desc);
	n = hp_pstats_sort_parse("tottime,name", keys, &desc, &err);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(desc.data, "internal time, function name");
	o = hp_pstats_sort(&st, keys, n);
	cr_assert_eq(o[0], 1);
	cr_assert_eq(o[1], 2); /* "<built-in ...>" < "main" */
	cr_assert_eq(o[2], 0);
	free(o);
	n = hp_pstats_sort_parse("stdname", keys, NULL, &err);
	o = hp_pstats_sort(&st, keys, n);
	cr_assert_eq(o[0], 0); /* "p.py:1(main)" < "p.py:5(fib)" < "{built-in ...}" */
	cr_assert_eq(o[2], 2);
	free(o);
	hp_buf_release(&desc);
}

Test(pstats, sort_words)
{
	enum hp_pstats_sort_key keys[HP_PSTATS_MAX_SORT_KEYS];

	/* pstats' abbreviation rules */
	cr_assert_eq(hp_pstats_sort_parse("cu", keys, NULL, &err), 1);
	cr_assert_eq(keys[0], HP_PSORT_CUMULATIVE);
	cr_assert_eq(hp_pstats_sort_parse("cum", keys, NULL, &err), -1);
	cr_assert_eq(hp_pstats_sort_parse("tot", keys, NULL, &err), 1);
	cr_assert_eq(keys[0], HP_PSORT_TIME);
	cr_assert_eq(hp_pstats_sort_parse("file", keys, NULL, &err), 1);
	cr_assert_eq(keys[0], HP_PSORT_FILE);
	cr_assert_eq(hp_pstats_sort_parse("ncalls", keys, NULL, &err), 1);
	cr_assert_eq(keys[0], HP_PSORT_CALLS);
	cr_assert_eq(hp_pstats_sort_parse("total", keys, NULL, &err), 1);
	cr_assert_eq(keys[0], HP_PSORT_CUMULATIVE);
	cr_assert_eq(hp_pstats_sort_parse("bogus", keys, NULL, &err), -1);
	cr_assert(strstr(err.msg, "unknown sort key 'bogus'"));
	cr_assert_eq(hp_pstats_sort_parse("name,", keys, NULL, &err), -1);
}

Test(pstats, callees)
{
	struct hp_pstats_callees ce;

	sample();
	load();
	hp_pstats_callees_build(&st, &ce);
	/* main (entry 0) calls fib and len; fib calls itself */
	cr_assert_eq(ce.first[1] - ce.first[0], 2);
	cr_assert_eq(ce.first[2] - ce.first[1], 1);
	cr_assert_eq(ce.items[ce.first[1]].callee, 1);
	cr_assert_eq(ce.first[3] - ce.first[2], 0);
	hp_pstats_callees_release(&ce);
}

Test(pstats, duplicate_keys)
{
	/* a repeated key: the last value wins, in the first place */
	hp_buf_addch(&in, '{');
	w_func("a.py", 1, "f", 1, 1, 1.0, 1.0);
	w_caller("a.py", 2, "g", 1, 1, 1.0, 1.0);
	w_end();
	w_func("a.py", 2, "g", 1, 1, 0.0, 2.0);
	w_end();
	w_func("a.py", 1, "f", 2, 2, 3.0, 3.0);
	w_end();
	w_end();
	load();
	cr_assert_eq(st.nr_entries, 2);
	cr_assert_eq(st.entries[0].nc, 2);
	cr_assert_eq(st.entries[0].nr_callers, 0);
	cr_assert_eq(st.total_calls, 3);
}

Test(pstats, profile_module_callers)
{
	/* the pure-Python profile module stores a call count per caller */
	hp_buf_addch(&in, '{');
	w_func("a.py", 1, "f", 3, 3, 1.0, 1.0);
	w_key("a.py", 9, "main");
	w_i32(3);
	w_end();
	w_end();
	load();
	cr_assert(st.callers[0].count_only);
	cr_assert_eq(st.callers[0].nc, 3);
	cr_assert(!st.tuple_callers);
}

Test(pstats, malformed)
{
	hp_buf_adds(&in, "i\x01\x00\x00\x00");
	load_bad("no marshalled dict at byte 0");
}

Test(pstats, wrong_arity)
{
	hp_buf_addch(&in, '{');
	w_key("a.py", 1, "f");
	hp_buf_add(&in, ")\x02NN", 4);
	w_end();
	/* the value tuple starts at byte 1 + key (2 + 6 + 5 + 3) = 17 */
	load_bad("expected a function's numbers (cc, nc, tt, ct, callers) (a tuple of 5), found a tuple of 2 at byte 17");
}

Test(pstats, wrong_types)
{
	hp_buf_addch(&in, '{');
	w_func("a.py", 1, "f", 1, 1, 1.0, 1.0);
	hp_buf_add(&in, ")\x03NNN", 5);
	w_i32(1);
	w_end();
	w_end();
	load_bad("expected a file name (a str), found None at byte");
}

Test(pstats, truncated)
{
	sample();
	for (size_t cut = 1; cut < in.len; cut++) {
		struct hp_pstats t;

		hp_pstats_init(&t);
		cr_assert_eq(hp_pstats_read_mem(&t, in.data, cut, &err), -1, "cut at %zu", cut);
		cr_assert(strstr(err.msg, "at byte"), "%s", err.msg);
		hp_pstats_release(&t);
	}
}

/* Both readers on in[0..len): the same result, model and message. */
static const char *agree_ctx = "";

static void agree(size_t len)
{
	struct hp_pstats a, b;
	struct hp_err ea, eb;
	int ra, rb;

	hp_pstats_init(&a);
	hp_pstats_init(&b);
	ra = hp_pstats_read_mem(&a, in.data, len, &ea);
	rb = hp_pstats_read_mem_tree(&b, in.data, len, &eb);
	cr_assert_eq(ra, rb, "length %zu%s: %d vs %d (%s)", len, agree_ctx, ra, rb, rb ? eb.msg : ea.msg);
	if (ra)
		cr_assert_str_eq(ea.msg, eb.msg, "length %zu", len);
	else
		cr_assert(hp_pstats_equal(&a, &b), "length %zu: the models differ", len);
	hp_pstats_release(&a);
	hp_pstats_release(&b);
}

static void w_raw(const char *s, size_t n)
{
	hp_buf_add(&in, s, n);
}

/*
 * References everywhere the direct reader follows them: a flagged key
 * tuple (ref 0) and file name (ref 1) referred back to; a function value
 * (ref 2) shared by two functions, its callers dict (ref 3) shared again,
 * a caller tuple (ref 4); a count-only caller; an 'l' int; a repeated key.
 */
static void refs_sample(void)
{
	hp_buf_addch(&in, '{');
	w_raw("\xa9\x03\xfa\x01" "a", 5);               /* ref 0 ('a', 1, 'f'); ref 1 'a' */
	w_i32(1);
	w_str("f");
	w_raw("\xa9\x05", 2);                            /* ref 2: (1, 5, 0.5, 2, {...}) */
	w_i32(1);
	w_raw("l\x01\x00\x00\x00\x05\x00", 7);
	w_f64(0.5);
	w_i32(2);
	hp_buf_addch(&in, (char)0xfb);                    /* ref 3: the callers */
	w_raw("r\x00\x00\x00\x00", 5);                  /* ('a', 1, 'f') */
	w_raw("\xa9\x04", 2);                            /* ref 4: (1, 2, 0.25, 0.5) */
	w_i32(1);
	w_i32(2);
	w_f64(0.25);
	w_f64(0.5);
	w_raw("\xa9\x03r\x01\x00\x00\x00", 7);          /* ref 5 ('a', 2, 'g') */
	w_i32(2);
	w_raw("u\x01\x00\x00\x00g", 6);
	w_i32(7);                                         /* a count-only caller */
	w_end();
	w_raw("r\x05\x00\x00\x00r\x02\x00\x00\x00", 10);  /* g: the value of f */
	w_raw("r\x00\x00\x00\x00)\x05", 7);               /* f again: (3, 3, 1.0, 1.5, ref 3) */
	w_i32(3);
	w_i32(3);
	w_f64(1.0);
	w_f64(1.5);
	w_raw("r\x03\x00\x00\x00", 5);
	w_raw("r\x05\x00\x00\x00)\x05", 7);               /* and a new h with caller tuple ref 4 */
	w_i32(1);
	w_i32(1);
	w_f64(0.0);
	w_f64(0.0);
	hp_buf_addch(&in, '{');
	w_raw("r\x05\x00\x00\x00r\x04\x00\x00\x00", 10);
	w_end();
	w_end();
}

Test(pstats, direct_reader_refs)
{
	refs_sample();
	load();
	cr_assert_eq(st.nr_entries, 2);
	cr_assert_eq(st.nr_keys, 2);
	/* f: replaced in place by its second value */
	cr_assert_eq(st.entries[0].cc, 3);
	cr_assert_eq(st.entries[0].nr_callers, 2);
	cr_assert_eq(st.callers[st.entries[0].first_caller].cc, 2);
	cr_assert(st.callers[st.entries[0].first_caller + 1].count_only);
	cr_assert_eq(st.callers[st.entries[0].first_caller + 1].nc, 7);
	/* g: the second (a, 2, g) pair replaced the first, caller tuple by ref */
	cr_assert_eq(st.entries[1].nc, 1);
	cr_assert_eq(st.entries[1].nr_callers, 1);
	cr_assert(st.callers[st.entries[1].first_caller].tt == 0.25);
	cr_assert_eq(st.total_calls, 4);
	agree(in.len);
}

Test(pstats, direct_reader_agrees)
{
	/* every prefix and every one-byte change of two samples */
	for (int s = 0; s < 2; s++) {
		hp_buf_reset(&in);
		if (s)
			refs_sample();
		else
			sample();
		for (size_t cut = 0; cut <= in.len; cut++)
			agree(cut);
		for (size_t i = 0; i < in.len; i++) {
			static const unsigned char vals[] = { 0x00, 0x01, 0x03, 0x05, 0xff, '0', 'r', 'l', ')', '(' };
			char old = in.data[i];
			static char ctx[64];

			snprintf(ctx, sizeof(ctx), ", sample %d, byte %zu changed", s, i);
			agree_ctx = ctx;

			for (size_t v = 0; v < sizeof(vals); v++) {
				in.data[i] = (char)vals[v];
				agree(in.len);
				in.data[i] = (char)(old ^ (char)HP_MARSHAL_FLAG_REF);
				agree(in.len);
			}
			in.data[i] = old;
		}
		agree_ctx = "";
	}
}

/* ---- generated dumps big enough for the readers' sized arrays ---- */

static uint32_t gen_refs; /* FLAG_REF objects written so far */

static void g_ref(uint32_t idx)
{
	hp_buf_addch(&in, 'r');
	for (int k = 0; k < 4; k++)
		hp_buf_addch(&in, (char)(idx >> (8 * k)));
}

/* A line number as 'i' or, beyond 32 bits, as an 'l' of 3 digits. */
static void g_line(int64_t line)
{
	uint64_t m = (uint64_t)(line < 0 ? -line : line);

	if (line >= INT32_MIN && line <= INT32_MAX) {
		w_i32((int32_t)line);
		return;
	}
	w_raw(line < 0 ? "l\xfd\xff\xff\xff" : "l\x03\x00\x00\x00", 5);
	for (int k = 0; k < 3; k++, m >>= 15) {
		hp_buf_addch(&in, (char)(m & 0xff));
		hp_buf_addch(&in, (char)((m >> 8) & 0x7f));
	}
}

/* A key tuple; flagged (referable) when *ref is not NULL, which then gets
 * its ref index.  The file name is written once, flagged, and referred
 * back to after (file_ref[f], 0 = not yet). */
static void g_key(uint32_t *file_ref, uint32_t f, int64_t line, const char *name, uint32_t *ref)
{
	char file[32];

	if (ref) {
		hp_buf_add(&in, "\xa9\x03", 2);
		*ref = gen_refs++;
	} else {
		hp_buf_add(&in, ")\x03", 2);
	}
	if (file_ref[f]) {
		g_ref(file_ref[f] - 1);
	} else {
		snprintf(file, sizeof(file), "/src/mod%u.py", f);
		hp_buf_addch(&in, (char)('z' | 0x80));
		hp_buf_addch(&in, (char)strlen(file));
		hp_buf_adds(&in, file);
		file_ref[f] = ++gen_refs;
	}
	g_line(line);
	w_str(name);
}

/* (nc, cc, tt, ct) of a caller, with small ints as cProfile shares them */
static void g_call(int i)
{
	hp_buf_add(&in, ")\x04", 2);
	w_i32(i % 5 + 1);
	w_i32(i % 3);
	w_f64(i * 0.001);
	w_f64(i * 0.002);
}

/*
 * nfn functions over 97 files; every key flagged.  Each function has
 * `callers` callers chosen among the earlier functions (by reference; in
 * `dup` of the dicts one caller repeats, so the dict keeps its first place
 * and last value), and every third one a caller known only as a caller (a
 * literal key tuple, flagged every other time).  Lines beyond 32 bits,
 * and INT32_MIN, now and then.
 */
static void gen_sample(uint32_t nfn, uint32_t callers, uint32_t dup)
{
	uint32_t file_ref[97] = { 0 }, *key_ref = calloc(nfn, sizeof(uint32_t)), spare;
	char name[32];

	cr_assert(key_ref);
	gen_refs = 0;
	hp_buf_reset(&in);
	hp_buf_addch(&in, '{');
	for (uint32_t i = 0; i < nfn; i++) {
		int64_t line = i % 7 == 3 ? ((int64_t)1 << 40) + i : i % 11 == 5 ? INT32_MIN : (int64_t)i % 500;

		snprintf(name, sizeof(name), "f%u", i % 3000);
		g_key(file_ref, i % 97, line, name, &key_ref[i]);
		hp_buf_add(&in, ")\x05", 2);
		w_i32((int32_t)(i % 4));
		w_i32((int32_t)(i % 6));
		w_f64(i * 0.5);
		w_f64(i * 1.5);
		hp_buf_addch(&in, '{');
		for (uint32_t c = 0; i && c < callers; c++) {
			g_ref(key_ref[(i * 7 + c * 13) % i]);
			g_call((int)(i + c));
			if (dup && i % dup == 0 && c == callers / 2) {
				g_ref(key_ref[(i * 7) % i]); /* the first caller again */
				g_call((int)i + 1000);
			}
		}
		if (i % 3 == 0) {
			snprintf(name, sizeof(name), "caller%u", i % 5000);
			g_key(file_ref, (i + 1) % 97, i % 7 == 0 ? -((int64_t)1 << 41) : (int64_t)i % 900, name,
			      i % 2 ? &spare : NULL);
			g_call((int)i);
		}
		w_end();
	}
	w_end();
	free(key_ref);
}

Test(pstats, generated_dumps_agree)
{
	/* wide: long callers dicts with repeats (merged through the per-key
	 * marks) and short ones (merged pair by pair); dense: more keys,
	 * references and callers per byte than the reader sizes for, so its
	 * arrays grow out of their block; both past the size where the
	 * string table is reserved in one block */
	static const struct { uint32_t nfn, callers, dup; } g[] = {
		{ 6000, 24, 5 }, { 20000, 3, 4 }, { 40000, 0, 0 }, { 9000, 40, 2 },
	};

	for (size_t k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
		struct hp_pstats t;

		gen_sample(g[k].nfn, g[k].callers, g[k].dup);
		cr_assert_gt(in.len, 786432, "sample %zu is only %zu bytes", k, in.len);
		agree(in.len);
		hp_pstats_init(&t);
		cr_assert_eq(hp_pstats_read_mem(&t, in.data, in.len, &err), 0, "%s", err.msg);
		cr_assert_eq(t.nr_entries, g[k].nfn);
		for (uint32_t i = 0; i < t.nr_entries; i++) {
			const struct hp_pstats_entry *e = &t.entries[i];
			const struct hp_pstats_key *key = &t.keys[e->key];

			cr_assert_eq(hp_pstats_find(&t, hp_pstats_str(&t, key->file), key->line,
						    hp_pstats_str(&t, key->name)), i);
			/* no repeated caller survives */
			for (uint32_t a = 0; a < e->nr_callers; a++)
				for (uint32_t b = a + 1; b < e->nr_callers; b++)
					cr_assert_neq(t.callers[e->first_caller + a].key,
						      t.callers[e->first_caller + b].key);
		}
		hp_pstats_release(&t);
	}
}
