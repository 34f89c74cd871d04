/* libFuzzer target: the 3.8/3.9 co_lnotab and 3.10 co_linetable decoders
 * (sampler/linetable.c).  Byte 0 picks the format, bytes 1-4 firstlineno
 * and the byte offset looked up; every offset up to the table's reach is
 * then looked up too. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/linetable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int16_t first = 0, addr = 0;
	int line, fmt;

	if (size < 5)
		return 0;
	fmt = data[0] & 1 ? HP_LINETABLE_310 : HP_LINETABLE_LNOTAB;
	memcpy(&first, data + 1, 2);
	memcpy(&addr, data + 3, 2);
	data += 5;
	size -= 5;
	(void)hp_linetable_line_fmt(fmt, data, size, first, addr, &line);
	for (int a = -1; a < (int)size * 128 && a < 65536; a++) {
		if (fmt == HP_LINETABLE_LNOTAB) {
			/* never fails on lines this small */
			if (hp_lnotab_line(data, size, first, a, &line))
				abort();
		} else if (hp_linetable310_line(data, size, first, a, &line) == 0 && a < 0 &&
			   line != first) {
			abort();
		}
	}
	return 0;
}
