/*
 * gen_folded - write a deterministic, realistic large folded-stacks file.
 *
 * usage: gen_folded STACKS SEED > out.folded
 *
 * Stacks come from random walks down a synthetic call tree: each node has
 * up to 6 callees chosen with weights 1/(j+1)^2 (most calls follow a hot
 * path, a few branch off, as in real programs), depth 5-40, frames named
 * like py-spy's "func (mod.py:line)" from a pool of 20,000 functions.
 * Walks are repeated until STACKS distinct stacks exist; each gets a
 * Zipf-like count.  Output is unsorted (as py-spy writes it).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rng(void)
{
	/* splitmix64: deterministic across platforms */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t z = a * 0x9e3779b97f4a7c15ULL + b + 0x632be59bd9b4e019ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int pick_child(void)
{
	/* weights 1, 1/4, 1/9, 1/16, 1/25, 1/36 scaled to 1e6 */
	static const uint32_t cum[6] = { 680910, 851137, 926793, 969351, 996587, 1000000 };
	uint32_t r = (uint32_t)(rng() % 1000000);

	for (int j = 0; j < 6; j++)
		if (r < cum[j])
			return j;
	return 5;
}

int main(int argc, char **argv)
{
	size_t want, have = 0, cap;
	uint64_t *seen;
	char line[8192];

	if (argc != 3) {
		fprintf(stderr, "usage: gen_folded STACKS SEED\n");
		return 2;
	}
	want = strtoull(argv[1], NULL, 10);
	rng_state = strtoull(argv[2], NULL, 10);
	cap = 1;
	while (cap < want * 2)
		cap *= 2;
	seen = calloc(cap, sizeof(*seen));
	if (!seen)
		return 1;
	while (have < want) {
		int depth = 5 + (int)(rng() % 36), len = 0;
		uint64_t node = 1;
		size_t slot;

		for (int d = 0; d < depth; d++) {
			uint64_t fn;

			node = mix(node, (uint64_t)pick_child());
			fn = node % 20000;
			len += snprintf(line + len, sizeof(line) - (size_t)len, "%sf%" PRIu64 " (m%" PRIu64 ".py:%" PRIu64 ")",
					d ? ";" : "", fn, fn % 97, 1 + fn % 90);
		}
		node |= 1;
		for (slot = node & (cap - 1); seen[slot]; slot = (slot + 1) & (cap - 1))
			if (seen[slot] == node)
				break;
		if (seen[slot] == node)
			continue;
		seen[slot] = node;
		have++;
		printf("%s %" PRIu64 "\n", line, 1 + 5000 / (1 + rng() % 5000));
	}
	free(seen);
	return ferror(stdout) ? 1 : 0;
}
