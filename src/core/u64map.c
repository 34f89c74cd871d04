#include "core/u64map.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static void alloc_slots(struct hp_u64map *m, uint32_t n)
{
	uint32_t i;

	/* huge-page backed when large: the loop below touches every page */
	m->slots = hp_xmalloc_big((size_t)n * sizeof(*m->slots), NULL);
	for (i = 0; i < n; i++)
		m->slots[i].val = UINT32_MAX;
	m->mask = n - 1;
}

void hp_u64map_init(struct hp_u64map *m, uint32_t hint)
{
	uint32_t n = 64;

	while (n < hint + hint / 3 && n < (1u << 31))
		n *= 2;
	m->nr = 0;
	alloc_slots(m, n);
}

void hp_u64map_release(struct hp_u64map *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}

uint32_t hp_u64map_get(const struct hp_u64map *m, uint64_t key)
{
	uint32_t j = (uint32_t)hp_u64map_hash(key) & m->mask;

	for (;;) {
		const struct hp_u64map_slot *s = &m->slots[j];

		if (s->val == UINT32_MAX)
			return UINT32_MAX;
		if (s->key == key)
			return s->val;
		j = (j + 1) & m->mask;
	}
}

static void put_raw(struct hp_u64map *m, uint64_t key, uint32_t val)
{
	uint32_t j = (uint32_t)hp_u64map_hash(key) & m->mask;

	while (m->slots[j].val != UINT32_MAX)
		j = (j + 1) & m->mask;
	m->slots[j].key = key;
	m->slots[j].val = val;
}

void hp_u64map_put(struct hp_u64map *m, uint64_t key, uint32_t val)
{
	if ((uint64_t)(m->nr + 1) * 4 > (uint64_t)(m->mask + 1) * 3) {
		struct hp_u64map_slot *old = m->slots;
		uint32_t i, oldn = m->mask + 1;

		alloc_slots(m, oldn * 2);
		for (i = 0; i < oldn; i++)
			if (old[i].val != UINT32_MAX)
				put_raw(m, old[i].key, old[i].val);
		free(old);
	}
	put_raw(m, key, val);
	m->nr++;
}
