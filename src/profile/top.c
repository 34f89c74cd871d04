#include "profile/top.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

void hp_top_compute(const struct hp_profile *p, uint32_t col, bool by_line, struct hp_top *out)
{
	struct hp_strtab keys;
	uint32_t *frame_key = hp_xmalloc((size_t)(p->nr_frames + 1) * sizeof(uint32_t));
	uint32_t *onpath;
	double *inc;
	size_t alloc = 0;

	memset(out, 0, sizeof(*out));
	hp_strtab_init(&keys);
	/* map every frame to its row: strtab id 0 is "", so row = id - 1 */
	for (uint32_t f = 0; f < p->nr_frames; f++) {
		const struct hp_frame *fr = &p->frames[f];
		unsigned char key[12];
		int32_t line = by_line ? fr->line : 0;
		uint32_t id;

		memcpy(key, &fr->func, 4);
		memcpy(key + 4, &fr->file, 4);
		memcpy(key + 8, &line, 4);
		id = hp_strtab_intern(&keys, (const char *)key, sizeof(key)) - 1;
		frame_key[f] = id;
		if (id == out->nr) {
			HP_GROW(out->rows, out->nr + 1, alloc);
			memset(&out->rows[id], 0, sizeof(out->rows[id]));
			out->rows[id].func = fr->func;
			out->rows[id].file = fr->file;
			out->rows[id].line = line;
			out->rows[id].kind = fr->kind;
			out->nr++;
		}
	}
	hp_strtab_release(&keys);
	if (!p->nr_weights || col >= p->nr_weights) {
		free(frame_key);
		return;
	}
	inc = hp_profile_inclusive(p, col);
	onpath = hp_xcalloc(out->nr + 1, sizeof(uint32_t));
	for (uint32_t r = 0; r < p->nr_roots; r++) {
		uint32_t root = p->roots[r], n;

		if (root == HP_NO_NODE)
			continue;
		out->grand_total += inc[root];
		n = p->nodes[root].first_child;
		while (n != HP_NO_NODE) {
			uint32_t k = frame_key[p->nodes[n].frame];

			/* enter n */
			if (!onpath[k])
				out->rows[k].total += inc[n];
			onpath[k]++;
			out->rows[k].self += hp_profile_self(p, n, col);
			if (p->nodes[n].first_child != HP_NO_NODE) {
				n = p->nodes[n].first_child;
				continue;
			}
			/* leave n and every ancestor whose children are done */
			for (;;) {
				onpath[frame_key[p->nodes[n].frame]]--;
				if (p->nodes[n].next_sibling != HP_NO_NODE) {
					n = p->nodes[n].next_sibling;
					break;
				}
				n = p->nodes[n].parent;
				if (n == root) {
					n = HP_NO_NODE;
					break;
				}
			}
		}
	}
	/* drop rows that never carried weight (frames only in zero stacks) */
	{
		size_t w = 0;

		for (size_t i = 0; i < out->nr; i++)
			if (out->rows[i].total != 0 || out->rows[i].self != 0)
				out->rows[w++] = out->rows[i];
		out->nr = w;
	}
	free(onpath);
	free(inc);
	free(frame_key);
}

struct sort_ctx {
	const struct hp_profile *p;
	enum hp_top_sort how;
};

static int cmp_name(const struct hp_profile *p, const struct hp_top_row *a,
		    const struct hp_top_row *b)
{
	int c = strcmp(hp_profile_str(p, a->func), hp_profile_str(p, b->func));

	if (!c)
		c = strcmp(hp_profile_str(p, a->file), hp_profile_str(p, b->file));
	if (!c && a->line != b->line)
		c = a->line < b->line ? -1 : 1;
	return c;
}

static int cmp_rows(const void *x, const void *y, void *arg)
{
	const struct sort_ctx *o = arg;
	const struct hp_top_row *a = x, *b = y;
	double ka, kb, sa, sb;

	if (o->how == HP_TOP_SORT_NAME)
		return cmp_name(o->p, a, b);
	ka = o->how == HP_TOP_SORT_SELF ? a->self : a->total;
	kb = o->how == HP_TOP_SORT_SELF ? b->self : b->total;
	if (ka != kb)
		return ka > kb ? -1 : 1;
	sa = o->how == HP_TOP_SORT_SELF ? a->total : a->self;
	sb = o->how == HP_TOP_SORT_SELF ? b->total : b->self;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return cmp_name(o->p, a, b);
}

void hp_top_sort(struct hp_top *t, const struct hp_profile *p, enum hp_top_sort how)
{
	struct sort_ctx o = { p, how };

	qsort_r(t->rows, t->nr, sizeof(*t->rows), cmp_rows, &o);
}

void hp_top_release(struct hp_top *t)
{
	free(t->rows);
	memset(t, 0, sizeof(*t));
}
