/*
 * elf.h - symbol lookup in an ELF file with libelf (.symtab and .dynsym),
 * and the load bias of a mapped file.
 *
 * Ownership: results are plain values in caller-provided arrays.
 */
#ifndef HP_SAMPLER_ELF_H
#define HP_SAMPLER_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "sampler/proc.h"

struct hp_elf_syms {
	const char *const *names;  /* symbols to find (in) */
	size_t nr;
	uint64_t *values;          /* st_value per name, 0 = not found (out) */
	uint64_t *sizes;           /* st_size per name (out, may be NULL) */
	/* first PT_LOAD segment (out) */
	bool has_load;
	uint64_t load_vaddr, load_offset;
};

/* Look the names up in the file at path.  Returns 0 even when some names
 * are missing (their value stays 0); -1 when the file is unreadable or not
 * ELF. */
int hp_elf_lookup_file(const char *path, struct hp_elf_syms *s, struct hp_err *err);
/* The same on an in-memory image (fuzzing, tests). */
int hp_elf_lookup_mem(const void *data, size_t len, struct hp_elf_syms *s, struct hp_err *err);

/* Load bias of the file mapped as path in maps: the address of the mapping
 * that holds the first PT_LOAD segment minus that segment's page-aligned
 * virtual address.  Returns -1 if no mapping matches. */
int hp_elf_load_bias(const struct hp_proc_maps *maps, const char *path,
		     const struct hp_elf_syms *s, uint64_t *bias);

#endif
