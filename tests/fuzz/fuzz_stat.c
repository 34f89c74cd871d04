/* libFuzzer target: the /proc/PID/stat parser (sampler/proc.c). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sampler/proc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hp_proc_stat st;
	struct hp_err err;

	if (hp_proc_stat_parse(&st, (const char *)data, size, &err) == 0 &&
	    strnlen(st.comm, sizeof(st.comm)) == sizeof(st.comm))
		abort();   /* comm must stay NUL-terminated */
	return 0;
}
