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
