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
