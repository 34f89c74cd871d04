/*
 * u64map.h - open-addressing hash map from a non-zero-able uint64 key to a
 * uint32 value.  Used for frame and trie-child lookups, where keys are two
 * packed 32-bit ids.  Linear probing, load factor at most 3/4, no deletion.
 *
 * Ownership: the map owns its table; hp_u64map_release frees it.
 */
#ifndef HP_CORE_U64MAP_H
#define HP_CORE_U64MAP_H

#include <stdint.h>

struct hp_u64map_slot {
	uint64_t key;
	uint32_t val; /* UINT32_MAX = empty */
};

struct hp_u64map {
	struct hp_u64map_slot *slots;
	uint32_t mask;
	uint32_t nr;
};

void hp_u64map_init(struct hp_u64map *m, uint32_t hint);
void hp_u64map_release(struct hp_u64map *m);
/* Return the value for key, or UINT32_MAX. */
uint32_t hp_u64map_get(const struct hp_u64map *m, uint64_t key);
/* Insert key -> val (key must not be present). */
void hp_u64map_put(struct hp_u64map *m, uint64_t key, uint32_t val);

static inline uint64_t hp_u64map_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ULL;
	k ^= k >> 33;
	return k;
}

#endif
