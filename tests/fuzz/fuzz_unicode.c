/* libFuzzer target: decoding a remote PyUnicode object
 * (hp_pyproc_unicode_decode) with the 3.11 and 3.12 layouts. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/pylayout.h"
#include "sampler/pyproc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[4096 * 4 + 1];
	const struct hp_pylayout *l;
	size_t need, cap;

	if (size < 1)
		return 0;
	l = hp_pylayout_find(3, (data[0] & 1) ? 12 : 11);
	cap = (data[0] & 2) ? 8 : sizeof(out);
	if (hp_pyproc_unicode_decode(l, data + 1, size - 1, out, cap, &need) == 0 &&
	    strlen(out) >= cap)
		abort();
	return 0;
}
