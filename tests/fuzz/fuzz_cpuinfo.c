/* /proc/cpuinfo parsing (src/store/machine.c): any bytes, bounded output. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "store/machine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64];

	if (hp_machine_parse_cpuinfo((const char *)data, size, out, sizeof(out)) == 0 && strlen(out) >= sizeof(out))
		__builtin_trap();
	return 0;
}
