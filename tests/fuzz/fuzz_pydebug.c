/* libFuzzer target: the 3.13+ _Py_DebugOffsets table read from a target
 * (hp_pylayout_from_debug): any accepted layout must keep every field
 * inside the sizes the sampler reads. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/pylayout.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char buf[HP_PYDEBUG_READ_SIZE];
	struct hp_pylayout l;
	struct hp_err err;
	uint64_t v;

	/* most inputs get the cookie and version, so the fuzzer explores the
	 * offsets rather than the first 16 bytes */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, data, size < sizeof(buf) ? size : sizeof(buf));
	if (size && (data[0] & 1)) {
		memcpy(buf, "xdebugpy", 8);
		v = 0x030d00f0;
		memcpy(buf + 8, &v, 8);
	}
	if (hp_pylayout_from_debug(buf, size < sizeof(buf) ? size : sizeof(buf), &l, &v, &err) == 0) {
		if (l.frame_size > 512 || l.frame_owner >= l.frame_size ||
		    l.frame_previous + 8 > l.frame_size || l.tstate_size > 4096 ||
		    l.tstate_next + 8 > l.tstate_size)
			abort();
	}
	return 0;
}
