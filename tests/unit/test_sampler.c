/*
 * Sampler parsers on known and hostile input: line tables against
 * CPython's own co_lines() (oracle generated at test time with python3),
 * the /proc parsers on synthetic files, and the remote unicode decoder.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/linetable.h"
#include "sampler/proc.h"
#include "sampler/pylayout.h"
#include "sampler/pyproc.h"

/* ---- line tables ---- */

/* For every code object of a few sources (nested, long jumps backwards
 * and forwards, lines without location, huge line numbers): firstlineno,
 * the co_linetable bytes in hex, then the line of every code unit from
 * co_lines() (-1 for None). */
static const char oracle_py[] =
	"import sys, types\n"
	"srcs = [open(sys.argv[1], encoding='utf-8').read(),\n"
	"  'def f(a):\\n' + '\\n' * 300 + '    return [x for x in a\\n\\n\\n if x]\\n',\n"
	"  '\\n' * 70000 + 'def g():\\n    try:\\n        pass\\n    finally:\\n        h()\\n'\n"
	"  + '\\n'.join('    x%d = %d' % (i, i) for i in range(400)) + '\\n',\n"
	"  'async def c():\\n    async with a as b:\\n        await b\\n    yield 1\\n'\n"
	"  'lambda: (1,\\n 2)\\nclass K:\\n    def m(self): return self\\n']\n"
	"def walk(co):\n"
	"    yield co\n"
	"    for c in co.co_consts:\n"
	"        if isinstance(c, types.CodeType):\n"
	"            yield from walk(c)\n"
	"for s in srcs:\n"
	"    for co in walk(compile(s, 'x', 'exec')):\n"
	"        n = len(co.co_code) // 2\n"
	"        lines = [-2] * n\n"
	"        for st, en, ln in co.co_lines():\n"
	"            for b in range(st, en, 2):\n"
	"                lines[b // 2] = -1 if ln is None else ln\n"
	"        print(co.co_firstlineno, co.co_linetable.hex() or '-', n, *lines)\n";

static char *run_oracle(void)
{
	char dir[] = "/tmp/hp-lt-XXXXXX", path[64], cmd[512];
	FILE *f, *p;
	char *out = NULL;
	size_t len = 0, cap = 0;
	char buf[65536];
	size_t n;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/o.py", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(oracle_py, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys; assert sys.version_info >= (3, 11)' 2>/dev/null && "
		 "python3 '%s/o.py' '%s/src/sampler/../../tests/fixtures/python/genasync.py'; "
		 "rc=$?; rm -rf '%s'; exit $rc", dir, HP_SOURCE_ROOT, dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
			cr_assert_not_null(out);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	if (out)
		out[len] = '\0';
	return out;
}

Test(sampler_linetable, matches_co_lines_of_real_code_objects, .timeout = 60)
{
	char *oracle = run_oracle(), *save = NULL;
	size_t codes = 0, units = 0;

	if (!oracle)
		cr_skip_test("no python3 >= 3.11 to generate line-table oracle data");
	for (char *line = strtok_r(oracle, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *end;
		long first = strtol(p, &end, 10), n;
		char *hex;
		uint8_t *tab;
		size_t tlen;

		p = end + 1;
		hex = p;
		p = strchr(p, ' ');
		cr_assert_not_null(p);
		*p++ = '\0';
		tlen = strcmp(hex, "-") ? strlen(hex) / 2 : 0;
		tab = malloc(tlen + 1);
		for (size_t i = 0; i < tlen; i++) {
			unsigned v;

			cr_assert_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
			tab[i] = (uint8_t)v;
		}
		n = strtol(p, &end, 10);
		p = end;
		for (long idx = 0; idx < n; idx++) {
			long want = strtol(p, &end, 10);
			int got = 0;

			cr_assert_neq(end, p);
			p = end;
			if (want == -2)
				continue;   /* not covered by co_lines (never) */
			cr_assert_eq(hp_linetable_line(tab, tlen, (int)first, (int)idx, &got), 0,
				     "code at line %ld: unit %ld not found", first, idx);
			cr_assert_eq(got, want, "code at line %ld, unit %ld: got line %d, co_lines says %ld",
				     first, idx, got, want);
			units++;
		}
		/* one past the end is not an instruction */
		{
			int got;

			cr_assert_eq(hp_linetable_line(tab, tlen, (int)first, (int)n + 8, &got), -1);
		}
		free(tab);
		codes++;
	}
	cr_assert_gt(codes, 10);
	cr_assert_gt(units, 1000);
	free(oracle);
}

Test(sampler_linetable, hostile_tables_fail_cleanly)
{
	const uint8_t no_start[] = { 0x01, 0x02 };
	const uint8_t trunc_varint[] = { 0xf0, 0x40 | 0x3f };   /* code 14, endless varint */
	const uint8_t huge[] = { 0xe8, 0x7f, 0x7f, 0x7f, 0x7f, 0x3f };
	int line;

	cr_assert_eq(hp_linetable_line(no_start, sizeof(no_start), 1, 0, &line), -1);
	cr_assert_eq(hp_linetable_line(trunc_varint, sizeof(trunc_varint), 1, 0, &line), -1);
	/* a 30-bit delta decodes (bounded), it does not wrap */
	cr_assert_eq(hp_linetable_line(huge, sizeof(huge), 1, 0, &line), 0);
	cr_assert(line > (1 << 28) || line < -(1 << 28));
	cr_assert_eq(hp_linetable_line(NULL, 0, 5, 0, &line), -1);
	cr_assert_eq(hp_linetable_line(NULL, 0, 5, -1, &line), 0);
	cr_assert_eq(line, 5);
}

/* ---- /proc parsers ---- */

Test(sampler_proc, stat_with_parens_and_spaces_in_comm)
{
	const char s[] = "1234 (a) b) (c d) S 1 1234 1234 0 -1 4194304 10 0 0 0 17 3 0 0 20 0 "
			 "1 0 5555 1000 100 18446744073709551615\n";
	struct hp_proc_stat st;
	struct hp_err err;

	cr_assert_eq(hp_proc_stat_parse(&st, s, strlen(s), &err), 0, "%s", err.msg);
	cr_assert_eq(st.state, 'S');
	cr_assert_eq(st.ppid, 1);
	cr_assert_eq(st.pgrp, 1234);
	cr_assert_eq(st.utime, 17);
	cr_assert_eq(st.stime, 3);
	cr_assert_eq(st.starttime, 5555);
	cr_assert_str_eq(st.comm, "a) b) (c d");
}

Test(sampler_proc, stat_truncated_and_garbage)
{
	const char *bad[] = { "", "1234", "1234 (x", "1234 (x)", "1234 (x) R", "1234 (x) R 1 2",
			      "1234 (x) R z 1 1 0 -1 0 0 0 0 0 1 2", ")))))" };
	struct hp_proc_stat st;
	struct hp_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(hp_proc_stat_parse(&st, bad[i], strlen(bad[i]), &err), -1, "'%s'", bad[i]);
}

Test(sampler_proc, maps_lines)
{
	const char m[] =
		"55d0c0000000-55d0c0001000 r--p 00000000 08:01 123 /usr/bin/python3.11\n"
		"7f0000000000-7f0000002000 r-xp 00001000 08:01 124 /opt/x y/libpython3.11.so.1.0\n"
		"7ffd0000-7ffd1000 rw-p 00000000 00:00 0 [stack]\n"
		"7ffe0000-7ffe1000 rw-p 00000000 00:00 0\n";
	struct hp_proc_maps maps = { 0 };
	struct hp_err err;

	cr_assert_eq(hp_proc_maps_parse(&maps, m, strlen(m), &err), 0, "%s", err.msg);
	cr_assert_eq(maps.nr, 4);
	cr_assert_eq(maps.maps[0].start, 0x55d0c0000000ull);
	cr_assert_eq(maps.maps[0].end, 0x55d0c0001000ull);
	cr_assert_str_eq(maps.maps[0].path, "/usr/bin/python3.11");
	cr_assert_eq(maps.maps[1].offset, 0x1000);
	cr_assert_str_eq(maps.maps[1].perms, "r-xp");
	cr_assert_str_eq(maps.maps[1].path, "/opt/x y/libpython3.11.so.1.0");
	cr_assert_str_eq(maps.maps[2].path, "[stack]");
	cr_assert_str_eq(maps.maps[3].path, "");
	hp_proc_maps_release(&maps);
}

Test(sampler_proc, maps_malformed)
{
	const char *bad[] = { "zz-10 r--p 0 0:0 0 /x\n", "10-5 r--p 0 0:0 0 /x\n", "10 r--p\n",
			      "10-20\n", "10-20 r--p 0" };
	struct hp_proc_maps maps = { 0 };
	struct hp_err err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(hp_proc_maps_parse(&maps, bad[i], strlen(bad[i]), &err), -1, "'%s'", bad[i]);
		hp_proc_maps_release(&maps);
	}
}

Test(sampler_proc, status_hwm_and_pidlist)
{
	const char st[] = "Name:\tpython\nVmPeak:\t  100 kB\nVmHWM:\t   4242 kB\nVmRSS:\t 10 kB\n";
	const char nohwm[] = "Name:\tx\nVmRSS:\t10 kB";
	pid_t *pids = NULL;
	size_t nr = 0, alloc = 0;

	cr_assert_eq(hp_proc_status_hwm_parse(st, strlen(st)), 4242);
	cr_assert_eq(hp_proc_status_hwm_parse(nohwm, strlen(nohwm)), -1);
	cr_assert_eq(hp_proc_status_hwm_parse("VmHWM:", 6), -1);
	cr_assert_eq(hp_proc_pidlist_parse("12 34  56\n", 10, &pids, &nr, &alloc), 0);
	cr_assert_eq(nr, 3);
	cr_assert_eq(pids[0], 12);
	cr_assert_eq(pids[2], 56);
	cr_assert_eq(hp_proc_pidlist_parse("7 x", 3, &pids, &nr, &alloc), -1);
	cr_assert_eq(hp_proc_pidlist_parse("99999999999999999999", 20, &pids, &nr, &alloc), -1);
	free(pids);
}

/* ---- unicode objects as read from the target ---- */

static size_t make_str(const struct hp_pylayout *l, unsigned char *buf, unsigned kind, int ascii,
		       const void *data, uint64_t length)
{
	uint32_t state = (kind << 2) | (1u << 5) | ((ascii ? 1u : 0u) << 6);
	size_t off = ascii ? l->unicode_ascii_size : l->unicode_compact_size;

	memset(buf, 0, 1024);
	memcpy(buf + l->unicode_length, &length, 8);
	memcpy(buf + l->unicode_state, &state, 4);
	memcpy(buf + off, data, length * kind);
	/* the decoder wants at least a whole compact header, as the sampler
	 * always reads one */
	return off + length * kind < l->unicode_compact_size ? l->unicode_compact_size
							      : off + length * kind;
}

Test(sampler_unicode, kinds_and_bounds)
{
	const struct hp_pylayout *l = hp_pylayout_find(3, 11);
	unsigned char buf[1024];
	char out[64];
	size_t need, len;
	const uint16_t ucs2[] = { 0x00fc, 0x540d, 'x' };
	const uint32_t ucs4[] = { 0x1f600, 0xd800, 'a' };

	len = make_str(l, buf, 1, 1, "hello", 5);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), 0);
	cr_assert_str_eq(out, "hello");
	len = make_str(l, buf, 1, 0, "\xe9t\xe9", 3);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), 0);
	cr_assert_str_eq(out, "\xc3\xa9t\xc3\xa9");
	len = make_str(l, buf, 2, 0, ucs2, 3);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), 0);
	cr_assert_str_eq(out, "\xc3\xbc\xe5\x90\x8dx");
	len = make_str(l, buf, 4, 0, ucs4, 3);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), 0);
	cr_assert_str_eq(out, "\xf0\x9f\x98\x80\xef\xbf\xbd" "a");   /* lone surrogate -> U+FFFD */
	/* short buffer: asks for more */
	len = make_str(l, buf, 1, 1, "0123456789012345678901234567890123456789", 40);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len - 2, out, sizeof(out), &need), 1);
	cr_assert_eq(need, len);
	/* output too small, bad kind, non-ascii in an ascii string, not compact */
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, 3, &need), -1);
	len = make_str(l, buf, 3, 0, "abc", 1);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), -1);
	len = make_str(l, buf, 1, 1, "\xff", 1);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), -1);
	len = make_str(l, buf, 1, 1, "ok", 2);
	buf[l->unicode_state] &= (unsigned char)~(1u << 5);
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), -1);
	/* absurd length */
	{
		uint64_t huge = UINT64_C(1) << 40;

		len = make_str(l, buf, 1, 1, "ok", 2);
		memcpy(buf + l->unicode_length, &huge, 8);
		cr_assert_eq(hp_pyproc_unicode_decode(l, buf, len, out, sizeof(out), &need), -1);
	}
	cr_assert_eq(hp_pyproc_unicode_decode(l, buf, 4, out, sizeof(out), &need), -1);
}

/* ---- 3.8/3.9 co_lnotab and 3.10 co_linetable (Objects/lnotab_notes.txt) ----
 *
 * co_lnotab (3.8, 3.9), firstlineno 1, worked by hand from the notes' rules
 * (offset steps > 255 split into (255, 0) first; line steps > 127 split as
 * (offset, 127) then (0, rest); line increments are signed bytes):
 *   offset   0 -> line 1
 *   offset   6 -> line 2     pair (6, 1)
 *   offset  50 -> line 7     pair (44, 5)
 *   offset 350 -> line 207   offset +300, line +200:
 *                            (255, 0) (45, 127) (0, 73)
 *   offset 361 -> line 206   pair (11, -1) = (0x0b, 0xff)
 * Line of A = 1 + every line increment whose cumulative offset is <= A. */
static const uint8_t lnotab38[] = { 0x06, 0x01, 0x2c, 0x05, 0xff, 0x00, 0x2d, 0x7f,
				    0x00, 0x49, 0x0b, 0xff };

Test(sampler_linetable_old, lnotab_hand_worked)
{
	static const int q[][2] = {
		{ -1, 1 }, { 0, 1 }, { 5, 1 }, { 6, 2 }, { 49, 2 }, { 50, 7 }, { 304, 7 },
		{ 305, 7 }, { 349, 7 }, { 350, 207 }, { 360, 207 }, { 361, 206 }, { 5000, 206 },
	};
	int line;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		cr_assert_eq(hp_lnotab_line(lnotab38, sizeof(lnotab38), 1, q[i][0], &line), 0);
		cr_assert_eq(line, q[i][1], "offset %d: line %d, want %d", q[i][0], line, q[i][1]);
	}
	/* through the dispatcher: code-unit index 175 = byte offset 350 */
	cr_assert_eq(hp_linetable_line_fmt(HP_LINETABLE_LNOTAB, lnotab38, sizeof(lnotab38), 1,
					   175, &line), 0);
	cr_assert_eq(line, 207);
	/* empty table and a trailing odd byte: firstlineno / ignored */
	cr_assert_eq(hp_lnotab_line(NULL, 0, 9, 40, &line), 0);
	cr_assert_eq(line, 9);
	cr_assert_eq(hp_lnotab_line(lnotab38, 3, 1, 100, &line), 0);
	cr_assert_eq(line, 2);
	/* a line decreasing across many pairs stays exact: 0x80 = -128 */
	{
		static const uint8_t down[] = { 2, 0x80, 2, 0x80, 2, 0x81 };

		cr_assert_eq(hp_lnotab_line(down, sizeof(down), 1000, 6, &line), 0);
		cr_assert_eq(line, 1000 - 128 - 128 - 127);
	}
}

/* co_linetable (3.10), firstlineno 10, worked by hand from the notes
 * (entries (start delta, line delta) cover [end, end + delta); -128 = no
 * line and leaves the running line alone; line deltas beyond +-127 go
 * first in zero-length entries; ranges over 254 bytes split as (254, d),
 * (rest, 0)):
 *   [  0,   6) line  10    (6, 0)
 *   [  6, 306) line 210    +200: (0, 127) (254, 73) (46, 0)
 *   [306, 310) no line     (4, -128)
 *   [310, 320) line 205    -5 from 210: (10, -5)
 *   [320, 324) line   5    -200: (0, -127) (4, -73) */
static const uint8_t linetable310[] = { 0x06, 0x00, 0x00, 0x7f, 0xfe, 0x49, 0x2e, 0x00,
					0x04, 0x80, 0x0a, 0xfb, 0x00, 0x81, 0x04, 0xb7 };

Test(sampler_linetable_old, linetable310_hand_worked)
{
	static const int q[][2] = {
		{ -2, 10 }, { 0, 10 }, { 5, 10 }, { 6, 210 }, { 259, 210 }, { 260, 210 },
		{ 305, 210 }, { 306, -1 }, { 309, -1 }, { 310, 205 }, { 319, 205 }, { 320, 5 },
		{ 323, 5 },
	};
	int line;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		cr_assert_eq(hp_linetable310_line(linetable310, sizeof(linetable310), 10, q[i][0],
						  &line), 0, "offset %d", q[i][0]);
		cr_assert_eq(line, q[i][1], "offset %d: line %d, want %d", q[i][0], line, q[i][1]);
	}
	/* past the last range, truncated pair, empty table: errors */
	cr_assert_eq(hp_linetable310_line(linetable310, sizeof(linetable310), 10, 324, &line), -1);
	cr_assert_eq(hp_linetable310_line(linetable310, 1, 10, 0, &line), -1);
	cr_assert_eq(hp_linetable310_line(NULL, 0, 10, 0, &line), -1);
	/* f_lasti 155 (code units) = byte 310 */
	cr_assert_eq(hp_linetable_line_fmt(HP_LINETABLE_310, linetable310, sizeof(linetable310),
					   10, 155, &line), 0);
	cr_assert_eq(line, 205);
	/* not started (-1): firstlineno */
	cr_assert_eq(hp_linetable_line_fmt(HP_LINETABLE_310, linetable310, sizeof(linetable310),
					   10, -1, &line), 0);
	cr_assert_eq(line, 10);
}

Test(sampler_linetable_old, hostile_old_tables)
{
	uint8_t up[4096];
	int line;

	/* 2048 pairs of +127: 1 + 2048 * 127 fits; lines never overflow */
	for (size_t i = 0; i < sizeof(up); i += 2) {
		up[i] = 0;
		up[i + 1] = 0x7f;
	}
	cr_assert_eq(hp_lnotab_line(up, sizeof(up), 1, 0, &line), 0);
	cr_assert_eq(line, 1 + 2048 * 127);
	cr_assert_eq(hp_lnotab_line(up, sizeof(up), (1 << 30) - 5, 0, &line), -1);
	cr_assert_eq(hp_linetable310_line(up, sizeof(up), (1 << 30) - 5, 0, &line), -1);
	cr_assert_eq(hp_linetable_line_fmt(HP_LINETABLE_310, up, sizeof(up), 1, 1 << 29, &line), -1);
}

/* ---- the <= 3.10 frame-object walker over a fake target image ---- */

#define IMG_BASE UINT64_C(0x7f0000100000)
#define IMG_SIZE 65536

struct img {
	uint8_t mem[IMG_SIZE];
	size_t used;
};

static ssize_t img_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	const struct img *im = ctx;
	size_t off, n;

	if (addr < IMG_BASE || addr - IMG_BASE >= IMG_SIZE)
		return -1;
	off = (size_t)(addr - IMG_BASE);
	n = IMG_SIZE - off < len ? IMG_SIZE - off : len;
	memcpy(buf, im->mem + off, n);
	return (ssize_t)n;
}

/* allocate size bytes, 16-aligned, zeroed; returns the target address */
static uint64_t img_alloc(struct img *im, size_t size)
{
	uint64_t a = IMG_BASE + im->used;

	im->used += (size + 15) & ~(size_t)15;
	cr_assert(im->used <= IMG_SIZE);
	return a;
}

static void put64(struct img *im, uint64_t addr, uint64_t v)
{
	memcpy(im->mem + (addr - IMG_BASE), &v, 8);
}

static uint64_t get64(const struct img *im, uint64_t addr)
{
	uint64_t v;

	memcpy(&v, im->mem + (addr - IMG_BASE), 8);
	return v;
}

static void put32(struct img *im, uint64_t addr, uint32_t v)
{
	memcpy(im->mem + (addr - IMG_BASE), &v, 4);
}

/* fake type objects: only their addresses matter */
#define T_CODE (IMG_BASE + 0x100)
#define T_UNICODE (IMG_BASE + 0x200)
#define T_BYTES (IMG_BASE + 0x300)
#define T_FRAME (IMG_BASE + 0x400)

static uint64_t mk_str(struct img *im, const struct hp_pylayout *l, const char *s)
{
	size_t n = strlen(s);
	uint64_t a = img_alloc(im, l->unicode_ascii_size + n + 1);

	put64(im, a + l->ob_type, T_UNICODE);
	put64(im, a + l->unicode_length, n);
	/* kind 1 (bits 2-4), compact (5), ascii (6), ready (7) */
	put32(im, a + l->unicode_state, (1u << 2) | (1u << 5) | (1u << 6) | (1u << 7));
	memcpy(im->mem + (a - IMG_BASE) + l->unicode_ascii_size, s, n);
	return a;
}

static uint64_t mk_bytes(struct img *im, const struct hp_pylayout *l, const uint8_t *b, size_t n)
{
	uint64_t a = img_alloc(im, l->bytes_sval + n + 1);

	put64(im, a + l->ob_type, T_BYTES);
	put64(im, a + l->bytes_size, n);
	memcpy(im->mem + (a - IMG_BASE) + l->bytes_sval, b, n);
	return a;
}

static uint64_t mk_code(struct img *im, const struct hp_pylayout *l, const char *name,
			const char *file, int first, const uint8_t *tab, size_t tablen)
{
	uint64_t a = img_alloc(im, 256);

	put64(im, a + l->ob_type, T_CODE);
	put32(im, a + l->co_firstlineno, (uint32_t)first);
	put64(im, a + l->co_name, mk_str(im, l, name));
	put64(im, a + l->co_filename, mk_str(im, l, file));
	put64(im, a + l->co_linetable, mk_bytes(im, l, tab, tablen));
	return a;
}

static uint64_t mk_frame(struct img *im, const struct hp_pylayout *l, uint64_t code,
			 uint64_t back, int lasti)
{
	uint64_t a = img_alloc(im, 512);

	put64(im, a + l->ob_type, T_FRAME);
	put64(im, a + l->frame_code, code);
	put64(im, a + l->frame_previous, back);
	put32(im, a + l->frame_lasti, (uint32_t)lasti);
	return a;
}

struct got {
	int calls;
	uint64_t tid;
	size_t n;
	char names[8][32];
	int lines[8];
};

static void on_stack(void *ctx, pid_t pid, uint64_t tid, const struct hp_pyframe *f, size_t n)
{
	struct got *g = ctx;

	(void)pid;
	g->calls++;
	g->tid = tid;
	g->n = n;
	for (size_t i = 0; i < n && i < 8; i++) {
		snprintf(g->names[i], sizeof(g->names[i]), "%s@%s", f[i].qualname, f[i].filename);
		g->lines[i] = f[i].line;
	}
}

/* interp -> one tstate -> frame chain: leaf "step" in engine.py called
 * from "main" in app.py.  Line tables: the hand-worked ones above for the
 * version's format.  Returns the tstate address. */
struct scene {
	uint64_t interp, tstate, leaf, caller, code_leaf, code_main;
};

static void build_scene(struct img *im, const struct hp_pylayout *l, struct scene *sc,
			int leaf_lasti, int caller_lasti)
{
	const uint8_t *tab = l->linetable_format == HP_LINETABLE_310 ? linetable310 : lnotab38;
	size_t tablen = l->linetable_format == HP_LINETABLE_310 ? sizeof(linetable310)
								: sizeof(lnotab38);
	int first = l->linetable_format == HP_LINETABLE_310 ? 10 : 1;

	memset(im, 0, sizeof(*im));
	im->used = 0x1000; /* past the fake type objects */
	sc->interp = img_alloc(im, 256);
	sc->tstate = img_alloc(im, 512);
	sc->code_leaf = mk_code(im, l, "step", "engine.py", first, tab, tablen);
	sc->code_main = mk_code(im, l, "main", "app.py", first, tab, tablen);
	sc->caller = mk_frame(im, l, sc->code_main, 0, caller_lasti);
	sc->leaf = mk_frame(im, l, sc->code_leaf, sc->caller, leaf_lasti);
	put64(im, sc->interp + l->interp_threads_head, sc->tstate);
	put64(im, sc->tstate + l->tstate_interp, sc->interp);
	put64(im, sc->tstate + l->tstate_next, 0);
	put64(im, sc->tstate + l->tstate_current_frame, sc->leaf);
	put64(im, sc->tstate + l->tstate_thread_id, 0x7f00deadbeef);
}

/* A walker reading a fake image through read(ctx, ...) instead of a
 * process, with the fake type objects. */
static void setup_pp(struct hp_pyproc *pp, const struct hp_pylayout *l, uint64_t interp,
		     ssize_t (*read)(void *, uint64_t, void *, size_t), void *ctx)
{
	hp_pyproc_init(pp, 1);
	pp->layout = *l;
	pp->interp = interp;
	pp->code_type = T_CODE;
	pp->unicode_type = T_UNICODE;
	pp->bytes_type = T_BYTES;
	pp->src.read = read;
	pp->src.ctx = ctx;
	pp->found = true;
}

static int sample_img(struct img *im, const struct hp_pylayout *l, const struct scene *sc,
		      struct got *g, struct hp_pysample_stats *st)
{
	struct hp_pyproc pp;
	int r;

	memset(g, 0, sizeof(*g));
	memset(st, 0, sizeof(*st));
	setup_pp(&pp, l, sc->interp, img_read, im);
	pp.frame_type = T_FRAME;
	r = hp_pyproc_sample(&pp, on_stack, g, st);
	hp_pyproc_release(&pp);
	return r;
}

Test(sampler_walk_old, stacks_and_lines_per_version)
{
	static struct img im;
	/* lasti of leaf and caller, and the expected lines, per format:
	 * 3.8/3.9 byte offsets 350 and 6 -> lines 207 and 2 (lnotab38);
	 * 3.10 code units 155 (byte 310) and 3 (byte 6) -> 205 and 210 */
	static const struct { int minor, leaf_lasti, caller_lasti, leaf_line, caller_line; } v[] = {
		{ 8, 350, 6, 207, 2 }, { 9, 6, 50, 2, 7 }, { 10, 155, 3, 205, 210 },
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		const struct hp_pylayout *l = hp_pylayout_find(3, v[i].minor);
		struct scene sc;
		struct got g;
		struct hp_pysample_stats st;

		cr_assert_not_null(l);
		cr_assert(l->frame_objects);
		build_scene(&im, l, &sc, v[i].leaf_lasti, v[i].caller_lasti);
		cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
		cr_assert_eq(st.errors, 0, "3.%d: %llu errors", v[i].minor,
			     (unsigned long long)st.errors);
		cr_assert_eq(g.calls, 1);
		cr_assert_eq(g.n, 2);
		cr_assert_eq(g.tid, 0x7f00deadbeef);
		cr_assert_str_eq(g.names[0], "step@engine.py");
		cr_assert_str_eq(g.names[1], "main@app.py");
		cr_assert_eq(g.lines[0], v[i].leaf_line, "3.%d leaf line %d", v[i].minor, g.lines[0]);
		cr_assert_eq(g.lines[1], v[i].caller_line, "3.%d caller line %d", v[i].minor,
			     g.lines[1]);
	}
}

Test(sampler_walk_old, not_started_leaf_goes_to_caller)
{
	static struct img im;
	const struct hp_pylayout *l = hp_pylayout_find(3, 8);
	struct scene sc;
	struct got g;
	struct hp_pysample_stats st;

	build_scene(&im, l, &sc, -1, 50);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.n, 1);
	cr_assert_str_eq(g.names[0], "main@app.py");
	cr_assert_eq(g.lines[0], 7);
}

Test(sampler_walk_old, corrupted_images_are_errors)
{
	static struct img im;
	const struct hp_pylayout *l = hp_pylayout_find(3, 10);
	struct scene sc;
	struct got g;
	struct hp_pysample_stats st;

	/* cycle: caller's f_back points at the leaf */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.caller + l->frame_previous, sc.leaf);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(st.errors, 1);
	/* self loop */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.leaf + l->frame_previous, sc.leaf);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(st.errors, 1);
	/* wild f_back, misaligned f_back, wild f_code */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.caller + l->frame_previous, UINT64_C(0xdead0000));
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(st.errors, 1);
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.caller + l->frame_previous, sc.leaf + 3);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.leaf + l->frame_code, UINT64_C(0x4000));
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(st.errors, 1);
	/* a frame of another type (freed and reused memory) */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.caller + l->ob_type, T_BYTES);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	/* f_code pointing at something that is not a code object */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.code_main + l->ob_type, T_BYTES);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	/* huge string length, huge line table */
	build_scene(&im, l, &sc, 3, 3);
	{
		uint64_t s;

		memcpy(&s, im.mem + (sc.code_leaf + l->co_name - IMG_BASE), 8);
		put64(&im, s + l->unicode_length, UINT64_C(1) << 40);
	}
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	build_scene(&im, l, &sc, 3, 3);
	{
		uint64_t b;

		memcpy(&b, im.mem + (sc.code_leaf + l->co_linetable - IMG_BASE), 8);
		put64(&im, b + l->bytes_size, UINT64_C(1) << 40);
	}
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	/* f_lasti past the line table, and absurd */
	build_scene(&im, l, &sc, 5000, 3);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	build_scene(&im, l, &sc, -7, 3);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	/* thread state pointing at another interpreter */
	build_scene(&im, l, &sc, 3, 3);
	put64(&im, sc.tstate + l->tstate_interp, sc.interp + 8);
	cr_assert_eq(sample_img(&im, l, &sc, &g, &st), 0);
	cr_assert_eq(g.calls, 0);
	cr_assert_eq(st.errors, 1);
}

/* ---- the 3.11 data-stack walker over a fake target image ----
 * A thread state, its cframe and one data-stack chunk holding frames
 * (72-byte headers) at the addresses their code's frame sizes give.  The
 * reader can make the second read of datastack_top differ from the first
 * (frames pushed or popped during the copy: churn). */

struct churn_img {
	struct img *im;
	uint64_t watch;       /* tstate->datastack_top */
	uint64_t tops[2];     /* its first, then every later 8-byte read */
	int reads;
};

static ssize_t churn_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct churn_img *c = ctx;

	if (addr == c->watch && len == 8) {
		memcpy(buf, &c->tops[c->reads++ ? 1 : 0], 8);
		return 8;
	}
	return img_read(c->im, addr, buf, len);
}

/* lines: firstlineno for every code unit (3.11 entries of 8 units, no
 * columns, line delta 0) */
static const uint8_t linetable311[] = { 0xef, 0x00, 0xef, 0x00, 0xef, 0x00 };

static uint64_t mk_code311(struct img *im, const struct hp_pylayout *l, const char *name,
			   int first, int stacksize, int nlocals, const uint8_t *ops, size_t nops)
{
	uint64_t a = mk_code(im, l, name, "app.py", first, linetable311, sizeof(linetable311));

	put64(im, a + l->co_qualname, mk_str(im, l, name));
	put32(im, a + l->co_stacksize, (uint32_t)stacksize);
	put32(im, a + l->co_nlocalsplus, (uint32_t)nlocals);
	cr_assert(l->co_code_adaptive + 2 * nops <= 256);
	for (size_t i = 0; i < nops; i++)
		im->mem[a - IMG_BASE + l->co_code_adaptive + 2 * i] = ops[i];
	return a;
}

static uint64_t frame_size311(const struct hp_pylayout *l, int stacksize, int nlocals)
{
	return l->frame_size + 8 * (uint64_t)(stacksize + nlocals);
}

static void put_frame311(struct img *im, const struct hp_pylayout *l, uint64_t at, uint64_t code,
			 uint64_t prev, int index, int stacktop, bool entry)
{
	put64(im, at + l->frame_code, code);
	put64(im, at + l->frame_previous, prev);
	put64(im, at + l->frame_instr, code + l->co_code_adaptive + 2 * (uint64_t)index);
	put32(im, at + l->frame_stacktop, (uint32_t)stacktop);
	im->mem[at - IMG_BASE + l->frame_is_entry] = entry;
	im->mem[at - IMG_BASE + l->frame_owner] = 0; /* owned by the thread */
}

/* The walk CI once got wrong (lambdas.py): main moved on from a map() of
 * a lambda (an entry frame, called from C) to a list comprehension, which
 * calls the same lambda inline; the copy of the data stack shows main
 * executing, the map's lambda returned in the slot above it (stacktop >= 0
 * on RETURN_VALUE), and above that a returned lambda of the last
 * comprehension, linked to the slot: main -> lambda -> lambda.  The top
 * named after the copy is that last slot, and frames were pushed and
 * popped meanwhile.  With `live`, the slot's lambda still runs
 * (stacktop -1). */
static void build_scene311(struct img *im, const struct hp_pylayout *l, struct scene *sc,
			   struct churn_img *ci, bool live)
{
	/* 171 CALL; 0 CACHE; 83 RETURN_VALUE */
	static const uint8_t mod_ops[] = { 151, 171, 0, 0, 0, 0, 1, 83 };
	static const uint8_t main_ops[] = { 151, 124, 124, 171, 0, 0, 0, 0, 1, 83 };
	static const uint8_t lam_ops[] = { 151, 124, 124, 122, 0, 100, 122, 0, 83 };
	uint64_t cframe, chunk, code_mod, code_lam, m0, m1, m2, m3, top;

	memset(im, 0, sizeof(*im));
	im->used = 0x1000;
	sc->interp = img_alloc(im, 256);
	sc->tstate = img_alloc(im, 512);
	cframe = img_alloc(im, 64);
	code_mod = mk_code311(im, l, "<module>", 27, 2, 0, mod_ops, sizeof(mod_ops));
	sc->code_main = mk_code311(im, l, "main", 18, 4, 2, main_ops, sizeof(main_ops));
	code_lam = mk_code311(im, l, "main.<locals>.<lambda>", 19, 2, 1, lam_ops, sizeof(lam_ops));
	sc->code_leaf = code_lam;
	chunk = img_alloc(im, 4096);
	put64(im, chunk, 0);        /* previous chunk */
	put64(im, chunk + 8, 4096); /* size */
	m0 = chunk + 32;            /* the root frame: data[1] */
	m1 = m0 + frame_size311(l, 2, 0);
	m2 = m1 + frame_size311(l, 4, 2);
	m3 = m2 + frame_size311(l, 6, 2); /* a comprehension's frame size */
	top = m3 + frame_size311(l, 2, 1);
	put_frame311(im, l, m0, code_mod, 0, 5, 0, true);             /* waits on CALL */
	put_frame311(im, l, m1, sc->code_main, m0, 2, -1, false);     /* executing */
	put_frame311(im, l, m2, code_lam, m1, live ? 3 : 8, live ? -1 : 1, true);
	put_frame311(im, l, m3, code_lam, m2, 8, 1, false);           /* returned */
	put64(im, cframe + l->cframe_current_frame, m3);
	put64(im, sc->tstate + l->tstate_cframe, cframe);
	put64(im, sc->tstate + l->tstate_datastack_chunk, chunk);
	put64(im, sc->tstate + l->tstate_datastack_top, top);
	put64(im, sc->interp + l->interp_threads_head, sc->tstate);
	put64(im, sc->tstate + l->tstate_interp, sc->interp);
	put64(im, sc->tstate + l->tstate_thread_id, 0x7f00deadbeef);
	sc->leaf = m3;
	sc->caller = m1;
	ci->im = im;
	ci->watch = sc->tstate + l->tstate_datastack_top;
	ci->tops[0] = top;
	ci->tops[1] = m2;           /* popped during the copy */
	ci->reads = 0;
}

static int sample_churn(struct churn_img *ci, const struct hp_pylayout *l, const struct scene *sc,
			struct got *g, struct hp_pysample_stats *st, size_t want)
{
	struct hp_pyproc pp;
	int r;

	memset(g, 0, sizeof(*g));
	memset(st, 0, sizeof(*st));
	setup_pp(&pp, l, sc->interp, churn_read, ci);
	/* twice: the second walk has the code objects cached (frame sizes,
	 * call sites), as in a real run */
	r = hp_pyproc_sample(&pp, on_stack, g, st);
	cr_assert_eq(g->calls, 1, "first sample: %llu errors", (unsigned long long)st->errors);
	cr_assert_eq(g->n, want, "first sample: %zu frames, leaf %s", g->n, g->names[0]);
	memset(g, 0, sizeof(*g));
	ci->reads = 0;
	if (r == 0)
		r = hp_pyproc_sample(&pp, on_stack, g, st);
	hp_pyproc_release(&pp);
	cr_assert_eq(g->calls, 1, "%llu errors", (unsigned long long)st->errors);
	cr_assert_eq(g->n, want, "got %zu frames, leaf %s", g->n, g->names[0]);
	return r;
}

/* What a data-stack scene test works on (build_scene311). */
struct scene_fx {
	struct img im;
	const struct hp_pylayout *l;
	struct churn_img ci;
	struct scene sc;
	struct got g;
	struct hp_pysample_stats st;
};

Test(sampler_walk_311, returned_entry_frame_is_not_a_caller)
{
	static struct scene_fx fx;

	fx.l = hp_pylayout_find(3, 11);
	cr_assert_not_null(fx.l);
	/* the slot's lambda returned: main was on top */
	build_scene311(&fx.im, fx.l, &fx.sc, &fx.ci, false);
	cr_assert_eq(sample_churn(&fx.ci, fx.l, &fx.sc, &fx.g, &fx.st, 2), 0);
	cr_assert_str_eq(fx.g.names[0], "main@app.py");
	cr_assert_str_eq(fx.g.names[1], "<module>@app.py");
	/* control: the slot's lambda runs, called from C under main */
	build_scene311(&fx.im, fx.l, &fx.sc, &fx.ci, true);
	cr_assert_eq(sample_churn(&fx.ci, fx.l, &fx.sc, &fx.g, &fx.st, 3), 0);
	cr_assert_str_eq(fx.g.names[0], "main.<locals>.<lambda>@app.py");
	cr_assert_str_eq(fx.g.names[1], "main@app.py");
	cr_assert_str_eq(fx.g.names[2], "<module>@app.py");
	cr_assert_eq(fx.g.lines[0], 19);
}

/* The same moment named differently: the frame current after the copy is
 * the map's lambda in the slot above main, but the copy shows that lambda
 * returned (main had moved on to the comprehension and was about to push
 * it there).  main was on top, on the very first sample too, before any
 * code object is cached (the leaf's state needs no frame size). */
Test(sampler_walk_311, returned_leaf_goes_to_caller_before_codes_are_cached)
{
	static struct scene_fx fx;
	uint64_t cframe, m2;

	fx.l = hp_pylayout_find(3, 11);
	cr_assert_not_null(fx.l);
	for (int churn = 0; churn < 2; churn++) {
		build_scene311(&fx.im, fx.l, &fx.sc, &fx.ci, false);
		cframe = get64(&fx.im, fx.sc.tstate + fx.l->tstate_cframe);
		m2 = get64(&fx.im, fx.sc.leaf + fx.l->frame_previous);
		put64(&fx.im, cframe + fx.l->cframe_current_frame, m2);
		if (!churn)
			fx.ci.tops[1] = fx.ci.tops[0];
		cr_assert_eq(sample_churn(&fx.ci, fx.l, &fx.sc, &fx.g, &fx.st, 2), 0);
		cr_assert_str_eq(fx.g.names[0], "main@app.py");
		cr_assert_str_eq(fx.g.names[1], "<module>@app.py");
	}
}

/* 151 RESUME, 116 LOAD_GLOBAL (5 cache entries), 124 LOAD_FAST, 171 CALL
 * (4 cache entries), 83 RETURN_VALUE: in fake_call_ops the 171 is one of
 * LOAD_GLOBAL's cache entries */
static const uint8_t fake_call_ops[] = { 151, 116, 0, 171, 0, 0, 0, 83 };
static const uint8_t real_call_ops[] = { 151, 124, 124, 171, 0, 0, 0, 0, 83 };

/* build_scene311 with "leaf" (real or fake call ops, its frame size from
 * stack and nlocals) in the map lambda's slot above main, standing on unit
 * index with stacktop >= 0 and current; with `pushed`, its callee, pushed
 * and not started, is current instead.  The leaf must stay on top (real)
 * or go to main (fake). */
static void check_leaf_on_call(bool real, int stack, int nlocals, int index, bool pushed)
{
	static struct img im;
	const struct hp_pylayout *l = hp_pylayout_find(3, 11);
	struct churn_img ci;
	struct scene sc;
	struct got g;
	struct hp_pysample_stats st;
	uint64_t m2, m3, code, cframe;

	cr_assert_not_null(l);
	build_scene311(&im, l, &sc, &ci, false);
	code = real ? mk_code311(&im, l, "leaf", 40, stack, nlocals, real_call_ops,
				 sizeof(real_call_ops))
		    : mk_code311(&im, l, "leaf", 40, stack, nlocals, fake_call_ops,
				 sizeof(fake_call_ops));
	m3 = sc.leaf;
	m2 = get64(&im, m3 + l->frame_previous);
	cframe = get64(&im, sc.tstate + l->tstate_cframe);
	put_frame311(&im, l, m2, code, sc.caller, index, 1, true);
	if (pushed)
		put_frame311(&im, l, m3, sc.code_leaf, m2, -1, 1, false);
	else
		put64(&im, cframe + l->cframe_current_frame, m2);
	ci.tops[1] = ci.tops[0];
	cr_assert_eq(sample_churn(&ci, l, &sc, &g, &st, real ? 3 : 2), 0);
	cr_assert_str_eq(g.names[0], real ? "leaf@app.py" : "main@app.py");
	cr_assert_str_eq(g.names[1], real ? "main@app.py" : "<module>@app.py");
}

/* A leaf that returned stands on RETURN_VALUE with stacktop >= 0, like a
 * frame waiting on a call, which stands on the call's last cache entry
 * (unit index - 4 is the CALL).  Cache entries are data: here the unit
 * four before RETURN_VALUE is a LOAD_GLOBAL cache entry whose low byte
 * is CALL's opcode, and only decoding the instructions from the start
 * tells that it is no call.  Control: the same leaf standing on a real
 * call (its callee gone) is kept. */
Test(sampler_walk_311, cache_entry_that_looks_like_a_call_is_no_call_site)
{
	check_leaf_on_call(false, 2, 1, 7, false);
	check_leaf_on_call(true, 2, 1, 7, false);
}

/* A frame calling a function inline stores its stack top, then its
 * instruction, then switches to the callee; the compiler may sink the
 * instruction store, so for a moment the caller stands on the CALL itself
 * (not yet on its last cache entry) with stacktop >= 0, and the callee,
 * pushed and not started, is current.  The caller waits on a call: it is
 * on top, not a frame that returned (single-stepping found it dropped).
 * Control: a unit holding CALL's opcode inside another instruction's
 * cache entries is no call. */
Test(sampler_walk_311, caller_standing_on_the_call_itself_is_kept)
{
	check_leaf_on_call(false, 6, 2, 3, false);
	check_leaf_on_call(true, 6, 2, 3, true);
}

/* A generator calling a function per item (gencalls.py): consume (on the
 * thread's data stack) resumed the generator `items` (its frame lives in
 * the generator object), which called `square` inline: square's frame sits
 * in the slot right above consume's, with `previous` = the generator.
 * items' line table gives unit i line 101 + i, so its line tells its
 * instruction.  With `gen_waits`, the generator's frame (read apart from
 * the copy) still stands on the call (unit 8, the CALL's last cache
 * entry); otherwise it has moved on and suspended (`previous` NULL, on
 * YIELD_VALUE), as it mostly has by the time it is read.  Each resume runs
 * a C-level eval loop of its own: the thread state names consume's cframe
 * (`on_consume`) or the generator's. */
static const uint8_t linetable_units[] = {
	0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0,
	0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0, 0xd8, 0, 0,
};

struct gen_scene {
	struct scene sc;
	uint64_t gen, code_items, square_slot, consume, cframe_gen, cframe_consume;
};

static void build_gen_scene(struct img *im, const struct hp_pylayout *l, struct gen_scene *gs,
			    bool gen_waits, bool square_runs, bool on_consume)
{
	/* 151 RESUME, 171 CALL, 0 CACHE, 93 FOR_ITER, 124 LOAD_FAST,
	 * 86 YIELD_VALUE, 83 RETURN_VALUE */
	static const uint8_t call_ops[] = { 151, 171, 0, 0, 0, 0, 1, 83 };
	static const uint8_t consume_ops[] = { 151, 100, 125, 93, 125, 83 };
	static const uint8_t items_ops[] = { 151, 93, 125, 124, 171, 0, 0, 0, 0, 86, 1, 83 };
	static const uint8_t square_ops[] = { 151, 124, 124, 122, 0, 83 };
	struct scene *sc = &gs->sc;
	uint64_t cframe, cframe_consume, chunk, code_mod, code_consume, code_square, m0, m1, m2,
		m3;

	memset(im, 0, sizeof(*im));
	im->used = 0x1000;
	sc->interp = img_alloc(im, 256);
	sc->tstate = img_alloc(im, 512);
	cframe = img_alloc(im, 64);
	cframe_consume = img_alloc(im, 64);
	code_mod = mk_code311(im, l, "<module>", 39, 2, 0, call_ops, sizeof(call_ops));
	sc->code_main = mk_code311(im, l, "main", 33, 4, 2, call_ops, sizeof(call_ops));
	code_consume = mk_code311(im, l, "consume", 26, 4, 3, consume_ops, sizeof(consume_ops));
	gs->code_items = mk_code311(im, l, "items", 20, 4, 2, items_ops, sizeof(items_ops));
	put64(im, gs->code_items + l->co_linetable, mk_bytes(im, l, linetable_units,
							     sizeof(linetable_units)));
	put32(im, gs->code_items + l->co_firstlineno, 100);
	put32(im, gs->code_items + l->co_flags, 0x20); /* CO_GENERATOR */
	code_square = mk_code311(im, l, "square", 16, 2, 1, square_ops, sizeof(square_ops));
	chunk = img_alloc(im, 4096);
	put64(im, chunk + 8, 4096);
	m0 = chunk + 32;
	m1 = m0 + frame_size311(l, 2, 0);
	m2 = m1 + frame_size311(l, 4, 2);
	m3 = m2 + frame_size311(l, 4, 3);
	gs->gen = img_alloc(im, 512);   /* the frame inside the generator object */
	gs->square_slot = m3;
	gs->consume = m2;
	gs->cframe_gen = cframe;
	gs->cframe_consume = cframe_consume;
	put_frame311(im, l, m0, code_mod, 0, 5, 0, true);
	put_frame311(im, l, m1, sc->code_main, m0, 5, 0, false);
	put_frame311(im, l, m2, code_consume, m1, 3, -1, false);    /* in FOR_ITER */
	/* square: running, or returned (RETURN_VALUE, stacktop >= 0) */
	put_frame311(im, l, m3, code_square, gs->gen, square_runs ? 3 : 5, square_runs ? -1 : 1,
		     false);
	if (gen_waits)
		put_frame311(im, l, gs->gen, gs->code_items, m2, 8, 3, true);
	else
		put_frame311(im, l, gs->gen, gs->code_items, 0, 9, 3, true);
	im->mem[gs->gen - IMG_BASE + l->frame_owner] = 1;          /* the generator's */
	put64(im, cframe + l->cframe_current_frame, m3);
	put64(im, cframe_consume + l->cframe_current_frame, m2);
	put64(im, sc->tstate + l->tstate_cframe, on_consume ? cframe_consume : cframe);
	put64(im, sc->tstate + l->tstate_datastack_chunk, chunk);
	put64(im, sc->tstate + l->tstate_datastack_top,
	      on_consume ? m3 : m3 + frame_size311(l, 2, 1));
	put64(im, sc->interp + l->interp_threads_head, sc->tstate);
	put64(im, sc->tstate + l->tstate_interp, sc->interp);
	put64(im, sc->tstate + l->tstate_thread_id, 0x7f00deadbeef);
}

/* One sample of pp: the stack in *g (calls 0 when none), the counts in *st;
 * n_want frames expected (0: no stack, one error). */
static void gen_sample(struct hp_pyproc *pp, struct got *g, struct hp_pysample_stats *st,
		       size_t n_want)
{
	memset(g, 0, sizeof(*g));
	memset(st, 0, sizeof(*st));
	cr_assert_eq(hp_pyproc_sample(pp, on_stack, g, st), 0);
	if (!n_want) {
		cr_assert_eq(g->calls, 0, "got a stack of %zu frames, leaf %s", g->n, g->names[0]);
		cr_assert_eq(st->errors, 1);
		return;
	}
	cr_assert_eq(g->calls, 1, "%llu errors", (unsigned long long)st->errors);
	cr_assert_eq(g->n, n_want, "%zu frames, leaf %s", g->n, g->names[0]);
	if (n_want == 5) {
		cr_assert_str_eq(g->names[0], "square@app.py");
		cr_assert_str_eq(g->names[1], "items@app.py");
		cr_assert_eq(g->lines[1], 109, "items on line %d", g->lines[1]);
		cr_assert_str_eq(g->names[2], "consume@app.py");
	}
}

/* What a generator test works on: the image, the 3.11 layout, the scene
 * and a walker reading it (through read and ctx; NULL: the image). */
struct gen_fx {
	struct img im;
	const struct hp_pylayout *l;
	struct gen_scene gs;
	struct hp_pyproc pp;
	struct got g;
	struct hp_pysample_stats st;
};

static void gen_fx_start(struct gen_fx *fx, bool gen_waits, bool square_runs, bool on_consume,
			 ssize_t (*read)(void *, uint64_t, void *, size_t), void *ctx)
{
	fx->l = hp_pylayout_find(3, 11);
	cr_assert_not_null(fx->l);
	build_gen_scene(&fx->im, fx->l, &fx->gs, gen_waits, square_runs, on_consume);
	setup_pp(&fx->pp, fx->l, fx->gs.sc.interp, read ? read : img_read, read ? ctx : &fx->im);
}

Test(sampler_walk_311, generator_call_site_is_inferred_from_the_copy)
{
	static struct gen_fx fx;

	/* consume on top (the generator suspended): its cframe is seen */
	gen_fx_start(&fx, false, false, true, NULL, NULL);
	gen_sample(&fx.pp, &fx.g, &fx.st, 3);
	cr_assert_str_eq(fx.g.names[0], "consume@app.py");
	/* the generator read standing on its call: the stack as it is, and
	 * its call site learnt */
	build_gen_scene(&fx.im, fx.l, &fx.gs, true, true, false);
	for (int i = 0; i < 2; i++) {
		gen_sample(&fx.pp, &fx.g, &fx.st, 5);
		cr_assert_eq(fx.st.inferred, 0);
	}
	/* read apart, it has suspended since: the copy still shows square
	 * running above consume, called by it: inferred on the learnt site */
	build_gen_scene(&fx.im, fx.l, &fx.gs, false, true, false);
	gen_sample(&fx.pp, &fx.g, &fx.st, 5);
	cr_assert_eq(fx.st.inferred, 1);
	/* square had returned too (its slot, read with the generator, shows
	 * it on RETURN_VALUE): the generator suspended, consume on top */
	build_gen_scene(&fx.im, fx.l, &fx.gs, false, false, false);
	gen_sample(&fx.pp, &fx.g, &fx.st, 3);
	cr_assert_str_eq(fx.g.names[0], "consume@app.py");
	hp_pyproc_release(&fx.pp);
	/* a fresh sampler has learnt no site: no inference, torn */
	gen_fx_start(&fx, false, false, true, NULL, NULL);
	gen_sample(&fx.pp, &fx.g, &fx.st, 3);
	build_gen_scene(&fx.im, fx.l, &fx.gs, false, true, false);
	gen_sample(&fx.pp, &fx.g, &fx.st, 0);
	hp_pyproc_release(&fx.pp);
}

/* square returned (RETURN_VALUE, stacktop >= 0) while the generator, read
 * apart, still stands on its call: items was on top, square is dropped
 * although its caller lives outside the data stack (it was kept, and
 * inflated square's share of gencalls.py). */
Test(sampler_walk_311, returned_leaf_under_a_generator_goes_to_it)
{
	static struct gen_fx fx;

	gen_fx_start(&fx, true, false, false, NULL, NULL);
	for (int i = 0; i < 2; i++) {
		gen_sample(&fx.pp, &fx.g, &fx.st, 4);
		cr_assert_str_eq(fx.g.names[0], "items@app.py");
		cr_assert_eq(fx.g.lines[0], 109, "items on line %d", fx.g.lines[0]);
		cr_assert_str_eq(fx.g.names[1], "consume@app.py");
	}
	hp_pyproc_release(&fx.pp);
}

/* A generator that yielded keeps `previous` = its resumer until its eval
 * loop has returned: standing on YIELD_VALUE with stacktop >= 0 it still
 * runs while the thread state names its cframe, and no longer once it
 * names the resumer's (single-stepping showed the window).  Learnt first:
 * both cframes, and the generator on top with consume under it. */
Test(sampler_walk_311, generator_on_yield_runs_until_its_resumer_is_current)
{
	static struct gen_fx fx;
	/* the generator: executing (unit 3), or on YIELD_VALUE (unit 9) */
	const struct {
		bool on_consume;
		int index, stacktop;
		bool linked;
		const char *top;
	} steps[] = {
		{ true, 9, 3, false, "consume@app.py" }, /* suspended */
		{ false, 3, -1, true, "items@app.py" },  /* resumed, running */
		{ false, 9, 3, true, "items@app.py" },   /* yielding, its cframe */
		{ true, 9, 3, true, "consume@app.py" },  /* back in consume */
		{ false, 3, -1, true, "items@app.py" },
	};

	gen_fx_start(&fx, false, false, true, NULL, NULL);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		put_frame311(&fx.im, fx.l, fx.gs.gen, fx.gs.code_items, steps[i].linked ? fx.gs.consume : 0,
			     steps[i].index, steps[i].stacktop, true);
		fx.im.mem[fx.gs.gen - IMG_BASE + fx.l->frame_owner] = 1;
		put64(&fx.im, fx.gs.cframe_gen + fx.l->cframe_current_frame, fx.gs.gen);
		put64(&fx.im, fx.gs.sc.tstate + fx.l->tstate_cframe,
		      steps[i].on_consume ? fx.gs.cframe_consume : fx.gs.cframe_gen);
		put64(&fx.im, fx.gs.sc.tstate + fx.l->tstate_datastack_top, fx.gs.square_slot);
		gen_sample(&fx.pp, &fx.g, &fx.st, strcmp(steps[i].top, "items@app.py") ? 3 : 4);
		cr_assert_str_eq(fx.g.names[0], steps[i].top, "step %zu: %s on top", i, fx.g.names[0]);
		if (!strcmp(steps[i].top, "items@app.py"))
			cr_assert_eq(fx.g.lines[0], 101 + steps[i].index, "step %zu: line %d", i,
				     fx.g.lines[0]);
	}
	hp_pyproc_release(&fx.pp);
}

/* A reader that serves one frame header read on its own (slot, len)
 * from hdr, and everything else, the chunk copy included, from the
 * image: the header as read next to the generator's, a moment after the
 * copy. */
struct split_img {
	struct img *im;
	uint64_t slot;
	size_t len;
	unsigned char hdr[512];
};

static ssize_t split_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
	struct split_img *si = ctx;

	if (si->len && addr == si->slot && len == si->len) {
		memcpy(buf, si->hdr, len);
		return (ssize_t)len;
	}
	return img_read(si->im, addr, buf, len);
}

/* The generator's callee lives a few hundred instructions; the copy is
 * older than the reads that decide the top.  The callee's slot is read
 * next to the generator's header and decides with it: square running
 * there is on top though the copy shows it returned; square returned
 * there is not, though the copy shows it running (the generator has
 * moved on, executing past the call). */
Test(sampler_walk_311, generator_callee_is_decided_with_the_generator)
{
	static struct gen_fx fx;
	struct split_img si;
	uint64_t code_square;
	int32_t running = -1, returned = 1;

	memset(&si, 0, sizeof(si));
	si.im = &fx.im;
	/* learnt: the pair, the callee's slot and the call site */
	gen_fx_start(&fx, true, true, false, split_read, &si);
	for (int i = 0; i < 2; i++)
		gen_sample(&fx.pp, &fx.g, &fx.st, 5);
	code_square = get64(&fx.im, fx.gs.square_slot + fx.l->frame_code);
	/* the copy: square returned; read with the generator: running */
	build_gen_scene(&fx.im, fx.l, &fx.gs, true, false, false);
	si.slot = fx.gs.square_slot;
	si.len = fx.l->frame_size;
	memcpy(si.hdr, fx.im.mem + (fx.gs.square_slot - IMG_BASE), fx.l->frame_size);
	put_frame311(&fx.im, fx.l, fx.gs.square_slot, code_square, fx.gs.gen, 5, 1, false);
	memcpy(si.hdr + fx.l->frame_stacktop, &running, 4);
	{
		uint64_t instr = code_square + fx.l->co_code_adaptive + 2 * 3;

		memcpy(si.hdr + fx.l->frame_instr, &instr, 8);
	}
	gen_sample(&fx.pp, &fx.g, &fx.st, 5);
	/* the copy: square running; read with the generator: returned, and
	 * the generator executes past the call (its cframe names it) */
	build_gen_scene(&fx.im, fx.l, &fx.gs, true, true, false);
	put_frame311(&fx.im, fx.l, fx.gs.gen, fx.gs.code_items, fx.gs.consume, 10, -1, true);
	fx.im.mem[fx.gs.gen - IMG_BASE + fx.l->frame_owner] = 1;
	put64(&fx.im, fx.gs.cframe_gen + fx.l->cframe_current_frame, fx.gs.gen);
	memcpy(si.hdr, fx.im.mem + (fx.gs.square_slot - IMG_BASE), fx.l->frame_size);
	memcpy(si.hdr + fx.l->frame_stacktop, &returned, 4);
	{
		uint64_t instr = code_square + fx.l->co_code_adaptive + 2 * 5;

		memcpy(si.hdr + fx.l->frame_instr, &instr, 8);
	}
	gen_sample(&fx.pp, &fx.g, &fx.st, 4);
	cr_assert_str_eq(fx.g.names[0], "items@app.py");
	cr_assert_eq(fx.g.lines[0], 111, "items on line %d", fx.g.lines[0]);
	hp_pyproc_release(&fx.pp);
}

/* The generator's header says it runs, resumed by consume; consume's own
 * header, read after it, has moved off the FOR_ITER that resumed it (the
 * generator yielded meanwhile).  consume is placed on the instruction it
 * was last seen resuming the generator from (an inference, counted);
 * a sampler that has not seen it resume yet drops the walk. */
static void resumer_scene(struct img *im, const struct hp_pylayout *l, struct gen_scene *gs,
			  bool gen_runs, int consume_index)
{
	uint64_t code_consume, main_frame;

	build_gen_scene(im, l, gs, false, false, !gen_runs);
	code_consume = get64(im, gs->consume + l->frame_code);
	main_frame = get64(im, gs->consume + l->frame_previous);
	put_frame311(im, l, gs->consume, code_consume, main_frame, consume_index, -1, false);
	put_frame311(im, l, gs->gen, gs->code_items, gen_runs ? gs->consume : 0, gen_runs ? 3 : 9,
		     gen_runs ? -1 : 3, true);
	im->mem[gs->gen - IMG_BASE + l->frame_owner] = 1;
	put64(im, gs->cframe_gen + l->cframe_current_frame, gs->gen);
	put64(im, gs->sc.tstate + l->tstate_datastack_top, gs->square_slot);
}

Test(sampler_walk_311, resumer_read_after_it_moved_on_is_placed_on_its_resume)
{
	static struct gen_fx fx;

	fx.l = hp_pylayout_find(3, 11);
	cr_assert_not_null(fx.l);
	for (int learnt = 0; learnt < 2; learnt++) {
		resumer_scene(&fx.im, fx.l, &fx.gs, false, 3);
		setup_pp(&fx.pp, fx.l, fx.gs.sc.interp, img_read, &fx.im);
		gen_sample(&fx.pp, &fx.g, &fx.st, 3);
		cr_assert_str_eq(fx.g.names[0], "consume@app.py");
		/* seen resuming from FOR_ITER (unit 3), or not seen yet */
		resumer_scene(&fx.im, fx.l, &fx.gs, true, learnt ? 3 : 4);
		gen_sample(&fx.pp, &fx.g, &fx.st, learnt ? 4 : 0);
		/* read standing on unit 4 (STORE_FAST) */
		resumer_scene(&fx.im, fx.l, &fx.gs, true, 4);
		gen_sample(&fx.pp, &fx.g, &fx.st, learnt ? 4 : 0);
		if (learnt) {
			cr_assert_str_eq(fx.g.names[0], "items@app.py");
			cr_assert_str_eq(fx.g.names[1], "consume@app.py");
			cr_assert_eq(fx.st.inferred, 1);
		}
		hp_pyproc_release(&fx.pp);
	}
}
