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
		if (a != b || (a == 0 && !hp_pstats_equal(&st, &tree)) || (a && strcmp(err.msg, terr.msg)))
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
