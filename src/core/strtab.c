#include "core/strtab.h"

#include <string.h>
#include <xxhash.h>

#include "core/alloc.h"

/* String bytes go into chunks that start small (most tables hold a few
 * names) and double up to CHUNK_MAX; chunks of HP_BIG_MIN and more are
 * huge-page backed (core/alloc.h), so a big table costs a page fault per
 * 2 MiB of names rather than per 4 KiB. */
#define CHUNK_MIN ((size_t)16 * 1024)
#define CHUNK_MAX ((size_t)4 << 20)

/* Bits of in_block. */
enum { IN_BLOCK_SLOTS = 1u << 0, IN_BLOCK_STRS = 1u << 1 };

static uint32_t hash32(const char *s, size_t len)
{
	uint32_t h = (uint32_t)XXH3_64bits(s, len);
	return h ? h : 1;
}

/* A new current chunk with room for at least need bytes. */
static void new_chunk(struct hp_strtab *t, size_t need)
{
	size_t sz = t->nr_chunks ? (t->nr_chunks < 16 ? CHUNK_MIN << t->nr_chunks : CHUNK_MAX) : CHUNK_MIN;

	if (sz > CHUNK_MAX)
		sz = CHUNK_MAX;
	if (sz < need)
		sz = need;
	HP_GROW(t->chunks, t->nr_chunks + 1, t->alloc_chunks);
	t->chunk_pos = hp_xmalloc_big(sz, &sz);
	t->chunks[t->nr_chunks++] = t->chunk_pos;
	t->chunk_left = sz;
}

static const char *store(struct hp_strtab *t, const char *s, size_t len)
{
	char *p;

	if (len + 1 > t->chunk_left) {
		if (len + 1 > CHUNK_MAX / 4) {
			/* a huge string gets a chunk of its own; the current
			 * chunk stays current */
			HP_GROW(t->chunks, t->nr_chunks + 1, t->alloc_chunks);
			p = hp_xmalloc(len + 1);
			t->chunks[t->nr_chunks++] = p;
			memcpy(p, s, len);
			p[len] = '\0';
			return p;
		}
		new_chunk(t, len + 1);
	}
	p = t->chunk_pos;
	t->chunk_pos += len + 1;
	t->chunk_left -= len + 1;
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

/* Slots for a table of nslots (a power of two), all empty. */
static uint64_t *new_slots(uint32_t nslots)
{
	size_t bytes = (size_t)nslots * sizeof(uint64_t);
	uint64_t *slots;

	slots = hp_xmalloc_big(bytes, NULL);
	memset(slots, 0, bytes);
	return slots;
}

static void rehash_to(struct hp_strtab *t, uint32_t nslots)
{
	uint32_t i, mask = nslots - 1;
	uint64_t *slots = new_slots(nslots);

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
	if (!(t->in_block & IN_BLOCK_SLOTS))
		free(t->slots);
	t->in_block &= ~(unsigned)IN_BLOCK_SLOTS;
	t->slots = slots;
	t->slot_mask = mask;
}

/* Room for n entries in the by-id array; big arrays are huge-page backed
 * (core/alloc.h) and copied rather than realloc'd, so they stay that way. */
static void grow_strs(struct hp_strtab *t, size_t n)
{
	size_t want = t->alloc ? t->alloc : 16, bytes;
	struct hp_strtab_entry *strs;

	if (n <= t->alloc)
		return;
	if (n > UINT32_MAX)
		hp_oom(SIZE_MAX);
	while (want < n)
		want *= 2;
	if (want > UINT32_MAX)
		want = UINT32_MAX;
	bytes = want * sizeof(*strs);
	if (bytes < HP_BIG_MIN && !(t->in_block & IN_BLOCK_STRS)) {
		t->strs = hp_xreallocarray(t->strs, want, sizeof(*strs));
	} else {
		strs = hp_xmalloc_big(bytes, &bytes);
		if (t->nr)
			memcpy(strs, t->strs, (size_t)t->nr * sizeof(*strs));
		if (!(t->in_block & IN_BLOCK_STRS))
			free(t->strs);
		t->in_block &= ~(unsigned)IN_BLOCK_STRS;
		t->strs = strs;
		want = bytes / sizeof(*strs);
		if (want > UINT32_MAX)
			want = UINT32_MAX;
	}
	t->alloc = (uint32_t)want;
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
	if (!(t->in_block & IN_BLOCK_STRS))
		free(t->strs);
	if (!(t->in_block & IN_BLOCK_SLOTS))
		free(t->slots);
	free(t->block);
	memset(t, 0, sizeof(*t));
}

void hp_strtab_reserve(struct hp_strtab *t, size_t nr, size_t bytes)
{
	uint64_t total = (uint64_t)t->nr + nr, nslots = (uint64_t)t->slot_mask + 1;

	if (total > (uint64_t)1 << 26)
		total = (uint64_t)1 << 26; /* a hint: keep the table in range */
	while (total * 4 > nslots * 3)
		nslots *= 2;
	if (!t->block && t->nr <= 1 && bytes <= SIZE_MAX / 4 && total > 4096) {
		/* a fresh table ("" only): index, by-id array and bytes in one
		 * block, each part 64-byte aligned; the chunk takes the rest */
		size_t sb = ((size_t)nslots * sizeof(uint64_t) + 63) & ~(size_t)63;
		size_t eb = ((size_t)total * sizeof(*t->strs) + 63) & ~(size_t)63;
		size_t size = sb + eb + bytes + 1, cb;
		uint64_t *slots;

		t->block = hp_xmalloc_big(size, &size);
		slots = (uint64_t *)(void *)t->block;
		memset(slots, 0, sb);
		/* move over what is there (just "") */
		for (uint32_t i = 0; i <= t->slot_mask; i++) {
			uint64_t v = t->slots[i];
			uint32_t j;

			if (!v)
				continue;
			j = (uint32_t)(v >> 32) & (uint32_t)(nslots - 1);
			while (slots[j])
				j = (j + 1) & (uint32_t)(nslots - 1);
			slots[j] = v;
		}
		free(t->slots);
		t->slots = slots;
		t->slot_mask = (uint32_t)(nslots - 1);
		memcpy(t->block + sb, t->strs, (size_t)t->nr * sizeof(*t->strs));
		free(t->strs);
		t->strs = (struct hp_strtab_entry *)(void *)(t->block + sb);
		t->alloc = (uint32_t)total;
		cb = size - sb - eb;
		t->chunk_pos = t->block + sb + eb;
		t->chunk_left = cb;
		t->in_block = IN_BLOCK_SLOTS | IN_BLOCK_STRS;
		return;
	}
	if (nslots > (uint64_t)t->slot_mask + 1)
		rehash_to(t, (uint32_t)nslots);
	grow_strs(t, (size_t)total);
	if (bytes > t->chunk_left && bytes <= SIZE_MAX / 2)
		new_chunk(t, bytes);
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
	grow_strs(t, (size_t)t->nr + 1);
	t->strs[id].str = store(t, s, len);
	t->strs[id].len = (uint32_t)len;
	t->nr++;
	t->slots[slot] = ((uint64_t)h << 32) | (id + 1);
	if ((uint64_t)t->nr * 4 > (uint64_t)(t->slot_mask + 1) * 3)
		rehash_to(t, (t->slot_mask + 1) * 2);
	return id;
}
