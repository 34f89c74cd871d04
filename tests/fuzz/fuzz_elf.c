/* libFuzzer target: ELF symbol lookup from memory (hp_elf_lookup_mem,
 * libelf underneath) with the names the sampler asks for. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sampler/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "_PyRuntime", "Py_Version", "PyCode_Type" };
	uint64_t vals[3], sizes[3];
	struct hp_elf_syms s = { names, 3, vals, sizes, false, 0, 0 };
	struct hp_err err;

	(void)hp_elf_lookup_mem(data, size, &s, &err);
	return 0;
}
