/* libFuzzer target: the marshal reader and the pstats model built on it
 * (the direct reader must agree with the tree reader: same result, same
 * model, same message),
 * then every view's building blocks (sort by each key, callees, names),
 * and the writer (profile/pstats_write.h): what was read must read back. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile/marshal.h"
#include "profile/pstats.h"
#include "profile/pstats_write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the direct reader against the tree reader ---- */

static bool same_str(const struct hp_pstats *a, uint32_t x, const struct hp_pstats *b, uint32_t y)
{
	return hp_strtab_len(&a->strs, x) == hp_strtab_len(&b->strs, y) &&
	       !memcmp(hp_pstats_str(a, x), hp_pstats_str(b, y), hp_strtab_len(&a->strs, x));
}

static bool same_key(const struct hp_pstats *a, uint32_t x, const struct hp_pstats *b, uint32_t y)
{
	return a->keys[x].line == b->keys[y].line && same_str(a, a->keys[x].file, b, b->keys[y].file) &&
	       same_str(a, a->keys[x].name, b, b->keys[y].name);
}

/* The same model, number for number (bitwise, so NaNs compare). */
static bool same_model(const struct hp_pstats *a, const struct hp_pstats *b)
{
	if (a->nr_entries != b->nr_entries || a->nr_keys != b->nr_keys ||
	    a->total_calls != b->total_calls || a->prim_calls != b->prim_calls ||
	    memcmp(&a->total_tt, &b->total_tt, sizeof(double)) || a->tuple_callers != b->tuple_callers)
		return false;
	for (uint32_t k = 0; k < a->nr_keys; k++)
		if (!same_key(a, k, b, k) || a->entry_of_key[k] != b->entry_of_key[k])
			return false;
	for (uint32_t i = 0; i < a->nr_entries; i++) {
		const struct hp_pstats_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->key != y->key || x->cc != y->cc || x->nc != y->nc || x->nr_callers != y->nr_callers ||
		    memcmp(&x->tt, &y->tt, sizeof(double)) || memcmp(&x->ct, &y->ct, sizeof(double)))
			return false;
		for (uint32_t j = 0; j < x->nr_callers; j++) {
			const struct hp_pstats_call *c = &a->callers[x->first_caller + j];
			const struct hp_pstats_call *d = &b->callers[y->first_caller + j];

			if (c->key != d->key || c->count_only != d->count_only || c->nc != d->nc ||
			    c->cc != d->cc || memcmp(&c->tt, &d->tt, sizeof(double)) ||
			    memcmp(&c->ct, &d->ct, sizeof(double)))
				return false;
		}
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_marshal m;
	struct hp_pstats st;
	struct hp_err err;

	hp_marshal_init(&m);
	(void)hp_marshal_parse(&m, data, size, NULL, &err);
	hp_marshal_release(&m);

	hp_pstats_init(&st);
	{
		struct hp_pstats tree;
		struct hp_err terr;
		int a = hp_pstats_read_mem(&st, data, size, &err);
		int b;

		hp_pstats_init(&tree);
		b = hp_pstats_read_mem_tree(&tree, data, size, &terr);
		if (a != b || (a == 0 && !same_model(&st, &tree)) || (a && strcmp(err.msg, terr.msg)))
			abort();
		hp_pstats_release(&tree);
		if (a) {
			hp_pstats_release(&st);
			return 0;
		}
	}
	{
		struct hp_pstats_callees ce;
		struct hp_buf b = HP_BUF_INIT;

		for (int k = 0; k < HP_PSORT_NR; k++) {
			enum hp_pstats_sort_key key = (enum hp_pstats_sort_key)k;

			free(hp_pstats_sort(&st, &key, 1));
		}
		hp_pstats_callees_build(&st, &ce);
		hp_pstats_callees_release(&ce);
		for (uint32_t i = 0; i < st.nr_keys; i++)
			hp_pstats_std_name(&st, i, &b);
		/* whatever was read writes back into something readable */
		{
			struct hp_pstats back;

			hp_buf_reset(&b);
			hp_pstats_write(&st, &b);
			hp_pstats_init(&back);
			if (hp_pstats_read_mem(&back, b.data, b.len, &err) ||
			    back.nr_entries > st.nr_entries || back.nr_callers > st.nr_callers)
				abort();
			hp_pstats_release(&back);
		}
		hp_buf_release(&b);
	}
	hp_pstats_release(&st);
	return 0;
}
