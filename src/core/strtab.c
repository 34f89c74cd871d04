#include "core/strtab.h"

#include <string.h>
#include <xxhash.h>

#include "core/alloc.h"

#define CHUNK_SIZE (256 * 1024)

static uint32_t hash32(const char *s, size_t len)
{
	uint32_t h = (uint32_t)XXH3_64bits(s, len);
	return h ? h : 1;
}

static const char *store(struct hp_strtab *t, const char *s, size_t len)
{
	char *p;

	if (len + 1 > t->chunk_left) {
		size_t sz = len + 1 > CHUNK_SIZE / 4 ? len + 1 : CHUNK_SIZE;

		HP_GROW(t->chunks, t->nr_chunks + 1, t->alloc_chunks);
		p = hp_xmalloc(sz);
		t->chunks[t->nr_chunks++] = p;
		if (sz == CHUNK_SIZE) {
			t->chunk_pos = p + len + 1;
			t->chunk_left = sz - len - 1;
		}
	} else {
		p = t->chunk_pos;
		t->chunk_pos += len + 1;
		t->chunk_left -= len + 1;
	}
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

static void rehash(struct hp_strtab *t)
{
	uint32_t nslots = (t->slot_mask + 1) * 2, i, mask = nslots - 1;
	uint64_t *slots = hp_xcalloc(nslots, sizeof(*slots));

	for (i = 0; i <= t->slot_mask; i++) {
		uint64_t v = t->slots[i];
		uint32_t j;

		if (!v)
			continue;
		j = (uint32_t)(v >> 32) & mask;
		while (slots[j])
			j = (j + 1) & mask;
		slots[j] = v;
	}
	free(t->slots);
	t->slots = slots;
	t->slot_mask = mask;
}

void hp_strtab_init(struct hp_strtab *t)
{
	memset(t, 0, sizeof(*t));
	t->slot_mask = 1023;
	t->slots = hp_xcalloc(t->slot_mask + 1, sizeof(*t->slots));
	hp_strtab_intern(t, "", 0);
}

void hp_strtab_release(struct hp_strtab *t)
{
	size_t i;

	for (i = 0; i < t->nr_chunks; i++)
		free(t->chunks[i]);
	free(t->chunks);
	free(t->strs);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static uint32_t lookup(const struct hp_strtab *t, const char *s, size_t len,
		       uint32_t h, uint32_t *slot)
{
	uint32_t j = h & t->slot_mask;

	for (;;) {
		uint64_t v = t->slots[j];

		if (!v)
			break;
		if ((uint32_t)(v >> 32) == h) {
			uint32_t id = (uint32_t)v - 1;

			if (t->strs[id].len == len && !memcmp(t->strs[id].str, s, len))
				return id;
		}
		j = (j + 1) & t->slot_mask;
	}
	*slot = j;
	return UINT32_MAX;
}

uint32_t hp_strtab_find(const struct hp_strtab *t, const char *s, size_t len)
{
	uint32_t slot;

	return lookup(t, s, len, hash32(s, len), &slot);
}

uint32_t hp_strtab_intern(struct hp_strtab *t, const char *s, size_t len)
{
	uint32_t h = hash32(s, len), slot, id;

	if (len > UINT32_MAX)
		len = UINT32_MAX; /* names are never this long; keep the index sound */
	id = lookup(t, s, len, h, &slot);
	if (id != UINT32_MAX)
		return id;
	id = t->nr;
	HP_GROW(t->strs, t->nr + 1, t->alloc);
	t->strs[id].str = store(t, s, len);
	t->strs[id].len = (uint32_t)len;
	t->nr++;
	t->slots[slot] = ((uint64_t)h << 32) | (id + 1);
	if ((uint64_t)t->nr * 4 > (uint64_t)(t->slot_mask + 1) * 3)
		rehash(t);
	return id;
}
