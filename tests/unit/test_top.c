#include <criterion/criterion.h>
#include <string.h>

#include "profile/folded.h"
#include "profile/top.h"

static const struct hp_top_row *row(const struct hp_profile *p, const struct hp_top *t,
				    const char *func, int line)
{
	for (size_t i = 0; i < t->nr; i++)
		if (!strcmp(hp_profile_str(p, t->rows[i].func), func) && t->rows[i].line == line)
			return &t->rows[i];
	cr_assert_fail("no row for %s", func);
	return NULL;
}

static void load(struct hp_profile *p, const char *text)
{
	struct hp_err err;

	hp_profile_init(p);
	cr_assert_eq(hp_folded_read_mem(p, text, strlen(text), NULL, NULL, &err), 0);
}

Test(top, recursion_counts_total_once_per_stack)
{
	struct hp_profile p;
	struct hp_top t;

	load(&p, "main;fib;fib;fib 10\nmain;fib 5\nmain;other 5\n");
	hp_top_compute(&p, 0, false, &t);
	cr_assert_eq(t.grand_total, 20);
	cr_assert_eq(row(&p, &t, "fib", 0)->total, 15);
	cr_assert_eq(row(&p, &t, "fib", 0)->self, 15);
	cr_assert_eq(row(&p, &t, "main", 0)->total, 20);
	cr_assert_eq(row(&p, &t, "main", 0)->self, 0);
	hp_top_sort(&t, &p, HP_TOP_SORT_TOTAL);
	cr_assert_str_eq(hp_profile_str(&p, t.rows[0].func), "main");
	cr_assert_str_eq(hp_profile_str(&p, t.rows[1].func), "fib");
	hp_top_sort(&t, &p, HP_TOP_SORT_NAME);
	cr_assert_str_eq(hp_profile_str(&p, t.rows[0].func), "fib");
	hp_top_release(&t);
	hp_profile_release(&p);
}

Test(top, by_function_or_by_line)
{
	struct hp_profile p;
	struct hp_top t;

	load(&p, "main (a.py:1);f (a.py:5) 3\nmain (a.py:2);f (a.py:6) 1\n");
	hp_top_compute(&p, 0, false, &t);
	cr_assert_eq(t.nr, 2);
	cr_assert_eq(row(&p, &t, "f", 0)->self, 4);
	hp_top_release(&t);
	hp_top_compute(&p, 0, true, &t);
	cr_assert_eq(t.nr, 4);
	cr_assert_eq(row(&p, &t, "f", 5)->self, 3);
	cr_assert_eq(row(&p, &t, "f", 6)->self, 1);
	cr_assert_eq(row(&p, &t, "main", 1)->total, 3);
	hp_top_sort(&t, &p, HP_TOP_SORT_SELF);
	cr_assert_eq(t.rows[0].line, 5);
	hp_top_release(&t);
	hp_profile_release(&p);
}
