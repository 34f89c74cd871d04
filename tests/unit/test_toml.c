/*
 * Tests of the TOML reader.  tests/data/toml/valid/NAME.toml must parse to
 * the tagged JSON in NAME.json (written by tests/data/toml/mkexpected.py
 * from Python's tomllib, except the hand-written hp-*.json); every
 * tests/data/toml/invalid/NAME.toml must fail with a line/column message.
 * Files named spec-* hold the examples of the TOML 1.0 specification.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/toml.h"
#include "core/afile.h"

#define DATA HP_SOURCE_ROOT "/tests/data/toml"

static int has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);

	return n >= m && !strcmp(s + n - m, suf);
}

/* Sorted *.toml names in dir; returns the count. */
static size_t list_toml(const char *dir, char ***names)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	cr_assert(d, "cannot open %s", dir);
	*names = NULL;
	while ((e = readdir(d))) {
		if (!has_suffix(e->d_name, ".toml"))
			continue;
		*names = realloc(*names, (n + 1) * sizeof(**names));
		(*names)[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(*names, n, sizeof(**names), (int (*)(const void *, const void *))strcmp);
	return n;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static struct hp_toml *parse_ok(const char *text)
{
	struct hp_toml *t = NULL;
	struct hp_err err = { "" };

	cr_assert_eq(hp_toml_parse("t.toml", text, strlen(text), &t, &err), 0, "%s", err.msg);
	return t;
}

static void parse_fails(const char *text, const char *msg)
{
	struct hp_toml *t = NULL;
	struct hp_err err = { "" };

	cr_assert_eq(hp_toml_parse("t.toml", text, strlen(text), &t, &err), -1, "accepted: %s", text);
	cr_assert_null(t);
	cr_assert_str_eq(err.msg, msg);
}

Test(toml, valid_files_match_expected_trees)
{
	char **names, path[1024];
	size_t n = list_toml(DATA "/valid", &names), spec = 0;

	cr_assert_geq(n, 70);
	for (size_t i = 0; i < n; i++) {
		struct hp_toml *t = NULL;
		struct hp_err err = { "" };
		struct hp_buf dump = HP_BUF_INIT;
		char *expected = NULL;
		size_t len;

		snprintf(path, sizeof(path), DATA "/valid/%s", names[i]);
		cr_expect_eq(hp_toml_parse_file(path, &t, &err), 0, "%s: %s", names[i], err.msg);
		if (!t)
			continue;
		strcpy(path + strlen(path) - 5, ".json");
		cr_assert_eq(hp_read_file(path, 1 << 20, &expected, &len, &err), 0, "%s", err.msg);
		while (len && expected[len - 1] == '\n')
			expected[--len] = '\0';
		hp_toml_dump_json(t, &dump);
		cr_expect_str_eq(dump.data, expected, "%s", names[i]);
		spec += !strncmp(names[i], "spec-", 5);
		free(expected);
		hp_buf_release(&dump);
		hp_toml_free(t);
	}
	cr_assert_geq(spec, 50);
	free_names(names, n);
}

Test(toml, invalid_files_fail_with_position)
{
	char **names, path[1024], prefix[1100];
	size_t n = list_toml(DATA "/invalid", &names);

	cr_assert_geq(n, 120);
	for (size_t i = 0; i < n; i++) {
		struct hp_toml *t = NULL;
		struct hp_err err = { "" };
		unsigned line = 0, col = 0;

		snprintf(path, sizeof(path), DATA "/invalid/%s", names[i]);
		cr_expect_eq(hp_toml_parse_file(path, &t, &err), -1, "%s was accepted", names[i]);
		hp_toml_free(t);
		snprintf(prefix, sizeof(prefix), "'%s' line ", path);
		cr_expect(!strncmp(err.msg, prefix, strlen(prefix)), "%s: %s", names[i], err.msg);
		cr_expect_eq(sscanf(err.msg + strlen(prefix), "%u, column %u: ", &line, &col), 2,
			     "%s: %s", names[i], err.msg);
		cr_expect(line >= 1 && col >= 1, "%s: %s", names[i], err.msg);
	}
	free_names(names, n);
}

Test(toml, error_positions)
{
	parse_fails("a = 1\nb = 2\na = 3\n", "'t.toml' line 3, column 1: duplicate key 'a'");
	/* columns count characters: "é" is two bytes */
	parse_fails("x = \"é\" y\n", "'t.toml' line 1, column 9: expected end of line, found 'y'");
	parse_fails("[a]\n[b]\n  [a]\n", "'t.toml' line 3, column 3: table 'a' is defined twice");
	parse_fails("a = [\n  1,\n  2\n  3\n]\n",
		    "'t.toml' line 4, column 3: expected ',' or ']' in an array, found '3'");
	parse_fails("s = \"\"\"\nok\n\\q\"\"\"\n",
		    "'t.toml' line 3, column 1: invalid escape sequence: backslash followed by 'q'");
	parse_fails("a = 1\r\nb = 00\r\n", "'t.toml' line 2, column 5: leading zeros are not allowed in '00'");
	parse_fails("a = 1 b", "'t.toml' line 1, column 7: expected end of line, found 'b'");
	parse_fails("a = \"x\001y\"", "'t.toml' line 1, column 7: control character U+0001 in a string");
}

Test(toml, values_and_types)
{
	struct hp_toml *t = parse_ok("i = -9223372036854775808\nj = 0xff\nf = 1.5e3\n"
				     "n = -nan\ninf = -inf\nb = true\ns = 'x'\nnul = \"a\\u0000b\"\n"
				     "d = 2024-02-29\ndt = 2024-02-29 10:00:00z\n");
	const struct hp_toml *v;
	const char *s = NULL;
	int64_t i = 0;
	double f = 0;
	bool b = false;
	struct hp_err err;

	cr_assert_eq(hp_toml_get_int(t, "i", &i, &err), 0);
	cr_assert_eq(i, INT64_MIN);
	cr_assert_eq(hp_toml_get_int(t, "j", &i, &err), 0);
	cr_assert_eq(i, 255);
	cr_assert_eq(hp_toml_get_double(t, "f", &f, &err), 0);
	cr_assert_float_eq(f, 1500.0, 1e-9);
	cr_assert_eq(hp_toml_get_double(t, "j", &f, &err), 0); /* integers widen */
	cr_assert_float_eq(f, 255.0, 1e-9);
	cr_assert(isnan(hp_toml_get(t, "n")->u.f));
	cr_assert(isinf(hp_toml_get(t, "inf")->u.f) && hp_toml_get(t, "inf")->u.f < 0);
	cr_assert_eq(hp_toml_get_bool(t, "b", &b, &err), 0);
	cr_assert(b);
	cr_assert_eq(hp_toml_get_string(t, "s", &s, &err), 0);
	cr_assert_str_eq(s, "x");
	v = hp_toml_get(t, "nul");
	cr_assert_eq(v->u.str.len, 3);
	cr_assert(!memcmp(v->u.str.s, "a\0b", 4));
	v = hp_toml_get(t, "d");
	cr_assert_eq(v->type, HP_TOML_DATE_LOCAL);
	cr_assert_str_eq(v->u.str.s, "2024-02-29");
	v = hp_toml_get(t, "dt");
	cr_assert_eq(v->type, HP_TOML_DATETIME);
	cr_assert_str_eq(v->u.str.s, "2024-02-29T10:00:00Z");

	cr_assert_eq(hp_toml_get_string(t, "missing", &s, &err), 1);
	cr_assert_eq(hp_toml_get_string(t, "i", &s, &err), -1);
	cr_assert_str_eq(err.msg, "'i' must be a string, not an integer");
	cr_assert_eq(hp_toml_get_int(t, "s", &i, &err), -1);
	cr_assert_str_eq(err.msg, "'s' must be an integer, not a string");
	cr_assert_null(hp_toml_get(t, "s.x"));
	hp_toml_free(t);
}

Test(toml, dotted_lookup_order_and_positions)
{
	struct hp_toml *t = parse_ok("z = 1\n[tool.hotpath.defaults]\nrate = 99\n"
				     "[tool.other]\n[[tool.list]]\nx = 1\n[[tool.list]]\nx = 2\n");
	const struct hp_toml *tool = hp_toml_get(t, "tool"), *list;
	const struct hp_toml_entry *e;
	int64_t r = 0;

	cr_assert_eq(hp_toml_get_int(t, "tool.hotpath.defaults.rate", &r, NULL), 0);
	cr_assert_eq(r, 99);
	cr_assert_eq(t->u.tab.nr, 2);
	cr_assert_str_eq(t->u.tab.items[0].key, "z");
	cr_assert_eq(tool->u.tab.nr, 3);
	cr_assert_str_eq(tool->u.tab.items[0].key, "hotpath");
	cr_assert_str_eq(tool->u.tab.items[1].key, "other");
	cr_assert_str_eq(tool->u.tab.items[2].key, "list");
	list = hp_toml_get(t, "tool.list");
	cr_assert_eq(list->type, HP_TOML_ARRAY);
	cr_assert(list->u.arr.is_aot);
	cr_assert_eq(list->u.arr.nr, 2);
	cr_assert_eq(list->u.arr.items[1]->line, 7);
	e = hp_toml_find(hp_toml_get(t, "tool.hotpath.defaults"), "rate", 4);
	cr_assert_eq(e->line, 3);
	cr_assert_eq(e->col, 1);
	cr_assert_eq(e->val->col, 8);
	hp_toml_free(t);
}

Test(toml, many_keys_use_the_index)
{
	struct hp_buf b = HP_BUF_INIT;
	struct hp_toml *t;
	char key[32];

	for (int i = 0; i < 5000; i++)
		hp_buf_addf(&b, "k%d = %d\n", i, i);
	t = parse_ok(b.data);
	for (int i = 0; i < 5000; i += 7) {
		const struct hp_toml_entry *e;

		snprintf(key, sizeof(key), "k%d", i);
		e = hp_toml_find(t, key, strlen(key));
		cr_assert(e);
		cr_assert_eq(e->val->u.i, i);
	}
	cr_assert_null(hp_toml_find(t, "k5000", 5));
	hp_buf_addf(&b, "k4321 = 0\n");
	parse_fails(b.data, "'t.toml' line 5001, column 1: duplicate key 'k4321'");
	hp_buf_release(&b);
	hp_toml_free(t);
}

/* The reader must never look past len: parse every prefix of a document
 * from an exactly sized heap copy (ASan catches over-reads). */
Test(toml, every_prefix_is_safe)
{
	char *text = NULL, *copy;
	size_t len;
	struct hp_err err;

	cr_assert_eq(hp_read_file(DATA "/valid/spec-example.toml", 1 << 20, &text, &len, &err), 0);
	for (size_t n = 0; n <= len; n++) {
		struct hp_toml *t = NULL;

		copy = malloc(n ? n : 1);
		memcpy(copy, text, n);
		if (hp_toml_parse("p", copy, n, &t, &err) == 0)
			hp_toml_free(t);
		free(copy);
	}
	free(text);
}

Test(toml, type_names)
{
	cr_assert_str_eq(hp_toml_type_name(HP_TOML_DATETIME_LOCAL), "datetime-local");
	cr_assert_str_eq(hp_toml_type_name(HP_TOML_TABLE), "table");
}
