/* libFuzzer target: /proc/PID/status (VmHWM) and the children pid list
 * parsers (sampler/proc.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "sampler/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pid_t *pids = NULL;
	size_t nr = 0, alloc = 0;

	if (hp_proc_status_hwm_parse((const char *)data, size) < -1)
		abort();
	if (hp_proc_pidlist_parse((const char *)data, size, &pids, &nr, &alloc) == 0) {
		for (size_t i = 0; i < nr; i++)
			if (pids[i] <= 0)
				abort();
	}
	free(pids);
	return 0;
}
