/* libFuzzer target: the folded-stacks reader, then writer and re-reader
 * (a write -> read round trip must keep the total weight). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "profile/folded.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_profile p, q;
	struct hp_folded_opts o = HP_FOLDED_OPTS_INIT;
	struct hp_folded_stats st;
	struct hp_buf out = HP_BUF_INIT;
	struct hp_err err;

	hp_profile_init(&p);
	hp_profile_init(&q);
	o.strict = size && (data[0] & 1);
	if (hp_folded_read_mem(&p, (const char *)data, size, &o, &st, &err) == 0) {
		hp_folded_write(&p, NULL, &out);
		o.strict = true;
		/* the format is ambiguous for a leaf named "x 12": a round trip
		 * carries the single/differential decision, as callers do */
		o.diff = st.differential ? HP_FOLDED_DIFF : HP_FOLDED_SINGLE;
		if (hp_folded_read_mem(&q, out.data, out.len, &o, &st, &err))
			abort(); /* our own output must always parse */
		if (p.nr_weights && q.nr_weights) {
			double a = hp_profile_total(&p, 0), b = hp_profile_total(&q, 0);

			if (isfinite(a) && fabs(a - b) > 1e-6 * (fabs(a) + 1))
				abort();
		}
	}
	hp_buf_release(&out);
	hp_profile_release(&p);
	hp_profile_release(&q);
	return 0;
}
