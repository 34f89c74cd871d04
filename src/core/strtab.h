/*
 * strtab.h - string interning.
 *
 * Each distinct byte string is stored once and named by a dense uint32 id;
 * id 0 is always the empty string.  Strings may contain any bytes (including
 * NUL and invalid UTF-8); every stored string is also NUL-terminated so it can
 * be printed directly.  Lookup is an open-addressing table of (hash, id) keyed
 * by XXH3.  Memory: one copy of each string in large chunks plus 16 bytes of
 * index per string, independent of how often a string is interned.
 *
 * Ownership: the table owns all strings; pointers returned by hp_strtab_str
 * stay valid until hp_strtab_release (chunks are never moved).
 */
#ifndef HP_CORE_STRTAB_H
#define HP_CORE_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct hp_strtab_entry {
	const char *str;
	uint32_t len;
};

struct hp_strtab {
	struct hp_strtab_entry *strs; /* by id */
	uint32_t nr, alloc;
	uint64_t *slots;              /* (hash32 << 32) | (id + 1); 0 = empty */
	uint32_t slot_mask;
	char **chunks;
	size_t nr_chunks, alloc_chunks;
	char *chunk_pos;
	size_t chunk_left;
};

void hp_strtab_init(struct hp_strtab *t);
void hp_strtab_release(struct hp_strtab *t);
uint32_t hp_strtab_intern(struct hp_strtab *t, const char *s, size_t len);
/* Like intern, but returns UINT32_MAX when s is not present. */
uint32_t hp_strtab_find(const struct hp_strtab *t, const char *s, size_t len);

static inline const char *hp_strtab_str(const struct hp_strtab *t, uint32_t id)
{
	return t->strs[id].str;
}

static inline uint32_t hp_strtab_len(const struct hp_strtab *t, uint32_t id)
{
	return t->strs[id].len;
}

#endif
