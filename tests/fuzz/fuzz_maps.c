/* libFuzzer target: the /proc/PID/maps parser (sampler/proc.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sampler/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_proc_maps m = { 0 };
	struct hp_err err;

	if (hp_proc_maps_parse(&m, (const char *)data, size, &err) == 0) {
		for (size_t i = 0; i < m.nr; i++)
			if (!m.maps[i].path || m.maps[i].end < m.maps[i].start)
				abort();
	}
	hp_proc_maps_release(&m);
	return 0;
}
