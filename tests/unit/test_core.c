#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/afile.h"
#include "core/buf.h"
#include "core/strtab.h"
#include "core/u64map.h"

Test(buf, grows_and_formats)
{
	struct hp_buf b = HP_BUF_INIT;

	cr_assert_str_eq(b.data, "");
	for (int i = 0; i < 1000; i++)
		hp_buf_addf(&b, "%d,", i);
	cr_assert_eq(b.len, strlen(b.data));
	cr_assert(!strncmp(b.data, "0,1,2,", 6));
	hp_buf_truncate(&b, 2);
	cr_assert_str_eq(b.data, "0,");
	hp_buf_release(&b);
	cr_assert_str_eq(b.data, "");
}

Test(buf, shortest_double)
{
	struct hp_buf b = HP_BUF_INIT;

	hp_buf_add_double(&b, 0.1);
	hp_buf_addch(&b, ' ');
	hp_buf_add_double(&b, 1.0 / 3);
	cr_assert_str_eq(b.data, "0.1 0.3333333333333333");
	hp_buf_release(&b);
	/* integers stay integers; 16 and 17 digits where needed; subnormals
	 * shortest too; every form reads back as the value */
	{
		static const struct { double v; const char *s; } cases[] = {
			{ 70, "70" }, { 100, "100" }, { 2.5, "2.5" }, { 1e-5, "1e-05" },
			{ 0.30000000000000004, "0.30000000000000004" },
			{ 123456789012345678.0, "1.2345678901234568e+17" },
			{ 5e-324, "5e-324" }, { 1.7976931348623157e308, "1.7976931348623157e+308" },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			struct hp_buf c = HP_BUF_INIT;

			hp_buf_add_double(&c, cases[i].v);
			cr_assert_str_eq(c.data, cases[i].s);
			cr_assert_eq(strtod(c.data, NULL), cases[i].v);
			hp_buf_release(&c);
		}
	}
}

Test(buf, xml_escapes_everything_hostile)
{
	struct hp_buf b = HP_BUF_INIT;
	const char in[] = "<script>&\"']]>\x01\xff\xc3\xa9\xc2\x85";

	hp_buf_add_xml(&b, in, sizeof(in) - 1);
	/* é survives, the lone 0xff byte becomes U+FFFD, controls vanish */
	cr_assert_str_eq(b.data, "&lt;script&gt;&amp;&quot;&#39;]]&gt;\xef\xbf\xbd\xc3\xa9");
	hp_buf_release(&b);
}

Test(buf, utf8_validation)
{
	cr_assert_eq(hp_utf8_seq_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	cr_assert_eq(hp_utf8_seq_len((const unsigned char *)"\xe2\x82", 2), 0);     /* truncated */
	cr_assert_eq(hp_utf8_seq_len((const unsigned char *)"\xc0\xaf", 2), 0);     /* overlong */
	cr_assert_eq(hp_utf8_seq_len((const unsigned char *)"\xed\xa0\x80", 3), 0); /* surrogate */
	cr_assert_eq(hp_utf8_seq_len((const unsigned char *)"\xf0\x9f\x94\xa5", 4), 4);
}

Test(strtab, interns_once_and_keeps_bytes)
{
	struct hp_strtab t;
	uint32_t a, b, c;

	hp_strtab_init(&t);
	cr_assert_eq(hp_strtab_intern(&t, "", 0), 0);
	a = hp_strtab_intern(&t, "foo", 3);
	b = hp_strtab_intern(&t, "foo\0bar", 7);
	c = hp_strtab_intern(&t, "foo", 3);
	cr_assert_eq(a, c);
	cr_assert_neq(a, b);
	cr_assert_eq(hp_strtab_len(&t, b), 7);
	cr_assert(!memcmp(hp_strtab_str(&t, b), "foo\0bar", 8));
	cr_assert_eq(hp_strtab_find(&t, "nope", 4), UINT32_MAX);
	/* many strings force rehashes and new chunks; ids stay dense and stable */
	for (uint32_t i = 0; i < 100000; i++) {
		char s[32];
		int n = snprintf(s, sizeof(s), "s%u", i);

		cr_assert_eq(hp_strtab_intern(&t, s, (size_t)n), i + 3);
	}
	cr_assert_str_eq(hp_strtab_str(&t, 3 + 99999), "s99999");
	cr_assert_eq(hp_strtab_intern(&t, "foo", 3), a);
	hp_strtab_release(&t);
}

Test(strtab, reserve_then_outgrow)
{
	/* a fresh table's reservation is one block; interning past it moves
	 * the index, the by-id array and the bytes out, a reservation on a
	 * table in use grows it in place; strings and ids survive all that */
	static const struct { size_t nr, bytes, first, more; } cases[] = {
		{ 10000, 60000, 0, 50000 },   /* index and bytes outgrown */
		{ 20000, 1000, 0, 30000 },    /* bytes outgrown first, then the rest */
		{ 100, 100, 0, 20000 },       /* too small for a block */
		{ 50000, 500000, 3000, 60000 }, /* reserved on a table in use */
	};

	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct hp_strtab t;
		char s[48];
		const char *big = NULL;
		uint32_t big_id = 0;

		hp_strtab_init(&t);
		for (uint32_t i = 0; i < cases[k].first; i++)
			hp_strtab_intern(&t, s, (size_t)snprintf(s, sizeof(s), "early-%u", i));
		hp_strtab_reserve(&t, cases[k].nr, cases[k].bytes);
		for (uint32_t i = 0; i < cases[k].more; i++) {
			int n = snprintf(s, sizeof(s), "name-%u-%s", i, i % 3 ? "x" : "a longer one");

			cr_assert_eq(hp_strtab_intern(&t, s, (size_t)n), cases[k].first + i + 1);
			if (i == cases[k].more / 2) {
				/* a string longer than a chunk gets one of its own */
				static char huge[3 << 20];

				memset(huge, 'h', sizeof(huge));
				big_id = hp_strtab_intern(&t, huge, sizeof(huge));
				big = hp_strtab_str(&t, big_id);
				i++; /* the id this iteration would have had went to it */
			}
		}
		for (uint32_t i = 0; i < cases[k].more; i++) {
			int n = snprintf(s, sizeof(s), "name-%u-%s", i, i % 3 ? "x" : "a longer one");
			uint32_t id = hp_strtab_find(&t, s, (size_t)n);

			if (i == cases[k].more / 2 + 1) {
				cr_assert_eq(id, UINT32_MAX);
				continue;
			}
			cr_assert_eq(id, cases[k].first + i + 1, "case %zu, string %u", k, i);
			cr_assert_eq(hp_strtab_len(&t, id), (uint32_t)n);
			cr_assert_str_eq(hp_strtab_str(&t, id), s);
		}
		for (uint32_t i = 0; i < cases[k].first; i++)
			cr_assert_eq(hp_strtab_find(&t, s, (size_t)snprintf(s, sizeof(s), "early-%u", i)), i + 1);
		cr_assert_eq(hp_strtab_find(&t, "", 0), 0);
		cr_assert_eq(hp_strtab_str(&t, big_id), big);
		cr_assert_eq(hp_strtab_len(&t, big_id), 3u << 20);
		hp_strtab_release(&t);
	}
}

Test(u64map, put_get_many)
{
	struct hp_u64map m;

	hp_u64map_init(&m, 0);
	for (uint32_t i = 0; i < 50000; i++)
		hp_u64map_put(&m, ((uint64_t)i << 32) | (i * 7u), i);
	for (uint32_t i = 0; i < 50000; i++)
		cr_assert_eq(hp_u64map_get(&m, ((uint64_t)i << 32) | (i * 7u)), i);
	cr_assert_eq(hp_u64map_get(&m, 12345), UINT32_MAX);
	hp_u64map_release(&m);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

Test(afile, commit_and_abort)
{
	char dir[] = "/tmp/hp-afile-XXXXXX", path[128], *data;
	struct hp_afile f;
	struct hp_err err;
	size_t len;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out.txt", dir);
	cr_assert_eq(hp_afile_open(&f, path, &err), 0);
	fputs("half", f.fp);
	hp_afile_abort(&f);
	cr_assert_eq(count_entries(dir), 0, "abort must leave nothing behind");
	cr_assert_eq(hp_write_file_atomic(path, "whole", 5, &err), 0);
	cr_assert_eq(count_entries(dir), 1);
	cr_assert_eq(hp_read_file(path, 100, &data, &len, &err), 0);
	cr_assert_eq(len, 5);
	cr_assert_str_eq(data, "whole");
	free(data);
	cr_assert_eq(hp_read_file(path, 3, &data, &len, &err), -1);
	cr_assert(strstr(err.msg, "larger than"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/no/such/dir/out.txt", dir);
	cr_assert_eq(hp_write_file_atomic(path, "x", 1, &err), -1);
	cr_assert(strstr(err.msg, "cannot create a temporary file for"), "%s", err.msg);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	cr_assert_eq(hp_mkdir_p(path, &err), 0);
	cr_assert_eq(hp_mkdir_p(path, &err), 0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	cr_assert_eq(system(path), 0);
}

Test(buf, csv_fields)
{
	struct hp_buf b = HP_BUF_INIT;

	hp_buf_add_csv(&b, "plain");
	hp_buf_addch(&b, ',');
	hp_buf_add_csv(&b, "a,\"b\"\nc");
	cr_assert_str_eq(b.data, "plain,\"a,\"\"b\"\"\nc\"");
	hp_buf_release(&b);
}
