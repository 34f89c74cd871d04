/* Unit tests for the marshal reader: hand-built byte strings for every type
 * code, references, and truncated or hostile input (errors with offsets). */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "profile/marshal.h"

#define B(s) (s), sizeof(s) - 1

static struct hp_marshal m;
static struct hp_err err;

static void setup(void)
{
	hp_marshal_init(&m);
	memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
	hp_marshal_release(&m);
}

static const struct hp_mval *ok(const char *data, size_t len)
{
	int rc = hp_marshal_parse(&m, data, len, NULL, &err);

	cr_assert_eq(rc, 0, "parse failed: %s", err.msg);
	return hp_marshal_val(&m, 0);
}

static void bad(const char *data, size_t len, const char *want)
{
	int rc = hp_marshal_parse(&m, data, len, NULL, &err);

	cr_assert_eq(rc, -1, "parse should fail (%s)", want);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg, want);
}

static const struct hp_mval *child(const struct hp_mval *v, size_t i)
{
	return hp_marshal_val(&m, hp_marshal_item(&m, v, i));
}

TestSuite(marshal, .init = setup, .fini = teardown);

Test(marshal, singletons)
{
	cr_assert_eq(ok(B("N"))->type, HP_MV_NONE);
	cr_assert_eq(ok(B("T"))->u.i, 1);
	cr_assert_eq(ok(B("F"))->u.i, 0);
	cr_assert_eq(ok(B("S"))->type, HP_MV_STOPITER);
	cr_assert_eq(ok(B("."))->type, HP_MV_ELLIPSIS);
}

Test(marshal, int32)
{
	cr_assert_eq(ok(B("i\x2a\x00\x00\x00"))->u.i, 42);
	cr_assert_eq(ok(B("i\xff\xff\xff\xff"))->u.i, -1);
	cr_assert_eq(ok(B("\xe9\x00\x00\x00\x80"))->u.i, INT32_MIN); /* with FLAG_REF */
}

Test(marshal, long_ints)
{
	/* 2**40 = digits (15 bits each) 0, 0, 1024 */
	const struct hp_mval *v = ok(B("l\x03\x00\x00\x00\x00\x00\x00\x00\x00\x04"));

	cr_assert_eq(v->type, HP_MV_INT);
	cr_assert_eq(v->u.i, (int64_t)1 << 40);
	/* -(2**40): negative digit count */
	v = ok(B("l\xfd\xff\xff\xff\x00\x00\x00\x00\x00\x04"));
	cr_assert_eq(v->u.i, -((int64_t)1 << 40));
	/* 2**75 does not fit: a BIGINT with an approximate value */
	v = ok(B("l\x06\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00"));
	cr_assert_eq(v->type, HP_MV_BIGINT);
	cr_assert_float_eq(v->u.f, ldexp(1, 75), 1e6);
	/* zero digits = 0 */
	cr_assert_eq(ok(B("l\x00\x00\x00\x00"))->u.i, 0);
}

Test(marshal, bad_longs)
{
	bad(B("l\x01\x00\x00\x00\x00\x80"), "bad digit in marshal long at byte 5");
	bad(B("l\x02\x00\x00\x00\x01\x00\x00\x00"), "unnormalized marshal long at byte 1");
	bad(B("l\x05\x00\x00\x00\x01\x00"), "truncated marshal data at byte 1");
	bad(B("l\x00\x00\x00\x80"), "truncated marshal data at byte 1");
}

Test(marshal, floats)
{
	/* 1.5 little-endian IEEE double */
	cr_assert_eq(ok(B("g\x00\x00\x00\x00\x00\x00\xf8\x3f"))->u.f, 1.5);
	cr_assert_eq(ok(B("f\x04-2.5"))->u.f, -2.5);
	bad(B("f\x03" "abc"), "bad float text in marshal data at byte 1");
	bad(B("g\x00\x00\x00"), "truncated marshal data at byte 1");
}

Test(marshal, strings)
{
	static const struct { const char *data; size_t len; } cases[] = {
		{ B("u\x03\x00\x00\x00" "abc") }, { B("t\x03\x00\x00\x00" "abc") },
		{ B("a\x03\x00\x00\x00" "abc") }, { B("A\x03\x00\x00\x00" "abc") },
		{ B("z\x03" "abc") }, { B("Z\x03" "abc") }, { B("\xda\x03" "abc") },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hp_mval *v;

		hp_marshal_release(&m);
		v = ok(cases[i].data, cases[i].len);
		cr_assert_eq(v->type, HP_MV_STR, "case %zu", i);
		cr_assert_eq(v->n, 3);
		cr_assert(!memcmp(v->u.s, "abc", 3));
	}
	cr_assert_eq(ok(B("s\x02\x00\x00\x00\x00\x01"))->type, HP_MV_BYTES);
	bad(B("u\x10\x00\x00\x00" "abc"), "truncated marshal data at byte 1");
	bad(B("u\xff\xff\xff\xff"), "negative string length -1 in marshal data at byte 1");
	bad(B("z\x05" "ab"), "truncated marshal data at byte 2");
}

Test(marshal, tuples_and_refs)
{
	/* ((flagged 'x'), r 0, r 0): the ref shares the string's value */
	const struct hp_mval *v = ok(B(")\x03\xfa\x01x" "r\x00\x00\x00\x00" "r\x00\x00\x00\x00"));

	cr_assert_eq(v->type, HP_MV_TUPLE);
	cr_assert_eq(v->n, 3);
	cr_assert_eq(hp_marshal_item(&m, v, 0), hp_marshal_item(&m, v, 1));
	cr_assert_eq(child(v, 2)->n, 1);
	/* a large tuple, list, set and frozenset */
	v = ok(B("(\x02\x00\x00\x00NN"));
	cr_assert_eq(v->n, 2);
	cr_assert_eq(ok(B("[\x01\x00\x00\x00N"))->type, HP_MV_LIST);
	cr_assert_eq(ok(B("<\x00\x00\x00\x00"))->type, HP_MV_SET);
	cr_assert_eq(ok(B(">\x01\x00\x00\x00i\x01\x00\x00\x00"))->type, HP_MV_FROZENSET);
	/* a flagged tuple is referable after it is complete */
	v = ok(B(")\x02\xa9\x01N" "r\x00\x00\x00\x00"));
	cr_assert_eq(hp_marshal_item(&m, v, 0), hp_marshal_item(&m, v, 1));
}

Test(marshal, dicts)
{
	const struct hp_mval *v = ok(B("{z\x01" "ai\x01\x00\x00\x00" "z\x01" "bN0"));

	cr_assert_eq(v->type, HP_MV_DICT);
	cr_assert_eq(v->n, 2);
	cr_assert_eq(child(v, 1)->u.i, 1);
	cr_assert_eq(child(v, 3)->type, HP_MV_NONE);
	/* a key followed by the end marker ends the dict, as in CPython */
	cr_assert_eq(ok(B("{N0"))->n, 0);
	cr_assert_eq(ok(B("\xfb" "0trailing"))->n, 0);
	cr_assert_eq(m.end, 2);
}

Test(marshal, hostile)
{
	bad(B(""), "empty marshal data at byte 0");
	bad(B("r\x00\x00\x00\x00"), "bad marshal reference 0 (0 objects are referable) at byte 0");
	bad(B(")\x01r\x05\x00\x00\x00"), "bad marshal reference 5");
	/* a reference to the tuple that contains it: a cycle */
	bad(B("\xa9\x01r\x00\x00\x00\x00"), "names an unfinished object (a cycle)");
	bad(B("{N"), "truncated marshal data at byte 2");
	bad(B(")\x05NN"), "truncated marshal data at byte 4");
	bad(B("(\x00\x00\x00\x10"), "item count 268435456 is past the end");
	bad(B("(\xff\xff\xff\xff"), "negative item count");
	bad(B("0"), "unexpected null object in marshal data at byte 0");
	bad(B(")\x01?"), "unknown marshal type code 0x3f at byte 2");
	bad(B("c"), "unsupported code object");
	bad(B("y"), "unsupported complex");
}

Test(marshal, depth_limit)
{
	char deep[2 * (HP_MARSHAL_MAX_DEPTH + 5)];
	size_t n = 0;

	for (int i = 0; i < HP_MARSHAL_MAX_DEPTH + 5; i++) {
		deep[n++] = ')';
		deep[n++] = 1;
	}
	bad(deep, n, "nested too deeply");
}

Test(marshal, value_limit)
{
	struct hp_marshal_opts o = { 3 };
	int rc = hp_marshal_parse(&m, B(")\x05NNNNN"), &o, &err);

	cr_assert_eq(rc, -1);
	cr_assert(strstr(err.msg, "too many objects"), "%s", err.msg);
}
