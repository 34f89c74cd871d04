/*
 * strtab.h - string interning.
 *
 * Each distinct byte string is stored once and named by a dense uint32 id;
 * id 0 is always the empty string.  Strings may contain any bytes (including
 * NUL and invalid UTF-8); every stored string is also NUL-terminated so it can
 * be printed directly.  Lookup is an open-addressing table of (hash, id) keyed
 * by XXH3.  Memory: one copy of each string in chunks (growing to 4 MiB,
 * huge-page backed when large) plus 16 bytes of index per string,
 * independent of how often a string is interned.  A reader that knows
 * roughly how much it will intern calls hp_strtab_reserve first, so the
 * index is sized once and nothing is copied as it grows.
 *
 * Ownership: the table owns all strings; pointers returned by hp_strtab_str
 * stay valid until hp_strtab_release (chunks are never moved).  The arrays
 * are the table's own: callers read them through the functions below.
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
	char *block;         /* hp_strtab_reserve's one allocation (slots, strs, a
			      * chunk not in chunks[]), or NULL */
	unsigned in_block;   /* which of slots and strs still live in block */
};

void hp_strtab_init(struct hp_strtab *t);
void hp_strtab_release(struct hp_strtab *t);
uint32_t hp_strtab_intern(struct hp_strtab *t, const char *s, size_t len);
/* Room for nr more strings of bytes more bytes in all (terminating NULs
 * included) without growing; a hint, interning more is fine.  On a fresh
 * table the index and the bytes share one allocation (huge pages when big:
 * one page fault and one zeroing rather than three). */
void hp_strtab_reserve(struct hp_strtab *t, size_t nr, size_t bytes);
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
