/* libFuzzer target: CPython 3.11+ location tables (sampler/linetable.c).
 * The first 4 bytes pick firstlineno and the index looked up. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/linetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_linetable_iter it;
	int16_t first = 0, idx = 0;
	int s, e, l, r, line, prev_end = 0;

	if (size < 4)
		return 0;
	memcpy(&first, data, 2);
	memcpy(&idx, data + 2, 2);
	data += 4;
	size -= 4;
	(void)hp_linetable_line(data, size, first, idx, &line);
	hp_linetable_iter_init(&it, data, size, first);
	while ((r = hp_linetable_next(&it, &s, &e, &l)) == 1) {
		/* ranges are contiguous and never empty */
		if (s != prev_end || e <= s)
			abort();
		prev_end = e;
	}
	return 0;
}
