/*
 * pstats_write.c - see pstats_write.h.
 */
#include "profile/pstats_write.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/u64map.h"
#include "profile/marshal.h"

#define NO_FILE (UINT32_MAX - 1) /* file id of frames without a file */

struct fn {
	uint32_t file, name;  /* string ids in the profile; file NO_FILE = none */
	int32_t line;         /* smallest line seen, 0 = none */
	uint32_t stamp;       /* last stack that counted it */
	int64_t nc, cc;
	double tt, ct;
};

struct edge {
	uint32_t caller, callee; /* fn indices */
	uint32_t stamp;
	int64_t nc, cc;
	double tt, ct;
};

struct conv {
	const struct hp_profile *p;
	int col;
	double unit;
	uint32_t *frame_fn;      /* by frame id, UINT32_MAX = not yet */
	struct hp_u64map fn_index, edge_index;
	struct fn *fns;
	uint32_t nr_fns, alloc_fns;
	struct edge *edges;
	uint32_t nr_edges, alloc_edges;
	uint32_t *path;          /* fn per frame of the stack being added */
	size_t alloc_path;
	uint32_t stack_no;
	bool overflow;
};

static uint32_t fn_of_frame(struct conv *c, uint32_t frame)
{
	const struct hp_frame *f = &c->p->frames[frame];
	uint32_t file = f->file ? f->file : NO_FILE, i;
	uint64_t key = ((uint64_t)file + 1) << 32 | f->func;

	if (c->frame_fn[frame] != UINT32_MAX)
		return c->frame_fn[frame];
	i = hp_u64map_get(&c->fn_index, key);
	if (i == UINT32_MAX) {
		HP_GROW(c->fns, (size_t)c->nr_fns + 1, c->alloc_fns);
		i = c->nr_fns++;
		memset(&c->fns[i], 0, sizeof(c->fns[i]));
		c->fns[i].file = file;
		c->fns[i].name = f->func;
		hp_u64map_put(&c->fn_index, key, i);
	}
	if (f->line > 0 && (!c->fns[i].line || f->line < c->fns[i].line))
		c->fns[i].line = f->line;
	c->frame_fn[frame] = i;
	return i;
}

static struct edge *edge_of(struct conv *c, uint32_t caller, uint32_t callee)
{
	uint64_t key = ((uint64_t)callee + 1) << 32 | caller;
	uint32_t i = hp_u64map_get(&c->edge_index, key);

	if (i == UINT32_MAX) {
		HP_GROW(c->edges, (size_t)c->nr_edges + 1, c->alloc_edges);
		i = c->nr_edges++;
		memset(&c->edges[i], 0, sizeof(c->edges[i]));
		c->edges[i].caller = caller;
		c->edges[i].callee = callee;
		hp_u64map_put(&c->edge_index, key, i);
	}
	return &c->edges[i];
}

static void add_count(struct conv *c, int64_t *to, int64_t n)
{
	if (__builtin_add_overflow(*to, n, to))
		c->overflow = true;
}

static int add_stack(void *ctx, uint32_t labelset, const uint32_t *frames, size_t depth,
		     const double *weights)
{
	struct conv *c = ctx;
	double wt = weights[c->col], time = wt * c->unit;
	int64_t count;

	(void)labelset;
	if (!(wt > 0) || !depth)
		return 0;
	count = wt < 9e18 ? llround(wt) : INT64_MAX;
	c->stack_no++;
	HP_GROW(c->path, depth, c->alloc_path);
	for (size_t i = 0; i < depth; i++) {
		uint32_t k = fn_of_frame(c, frames[i]);
		struct fn *f = &c->fns[k];

		c->path[i] = k;
		add_count(c, &f->nc, count);
		if (f->stamp != c->stack_no) {
			f->stamp = c->stack_no;
			add_count(c, &f->cc, count);
			f->ct += time;
		}
		if (i == depth - 1)
			f->tt += time;
	}
	for (size_t i = 1; i < depth; i++) {
		struct edge *e = edge_of(c, c->path[i - 1], c->path[i]);

		add_count(c, &e->nc, count);
		if (e->stamp != c->stack_no) {
			e->stamp = c->stack_no;
			add_count(c, &e->cc, count);
			e->ct += time;
		}
		if (i == depth - 1)
			e->tt += time;
	}
	return 0;
}

/* Fill st from the collected functions and edges (callers grouped by
 * callee, each group in first-seen order). */
static void fill(struct hp_pstats *st, const struct conv *c)
{
	const struct hp_profile *p = c->p;
	uint32_t *key = hp_xreallocarray(NULL, (size_t)c->nr_fns + 1, sizeof(*key));
	uint32_t *first = hp_xcalloc((size_t)c->nr_fns + 2, sizeof(*first));
	uint32_t *order = hp_xreallocarray(NULL, (size_t)c->nr_edges + 1, sizeof(*order));

	for (uint32_t i = 0; i < c->nr_fns; i++) {
		const struct fn *f = &c->fns[i];
		const char *name = hp_profile_str(p, f->name);
		size_t nlen = hp_strtab_len(&p->strs, f->name);

		if (f->file == NO_FILE)
			key[i] = hp_pstats_key(st, "~", 1, 0, name, nlen);
		else
			key[i] = hp_pstats_key(st, hp_profile_str(p, f->file),
					       hp_strtab_len(&p->strs, f->file), f->line, name, nlen);
	}
	/* counting sort of the edges by callee, stable */
	for (uint32_t i = 0; i < c->nr_edges; i++)
		first[c->edges[i].callee + 2]++;
	for (uint32_t i = 0; i < c->nr_fns; i++)
		first[i + 2] += first[i + 1];
	for (uint32_t i = 0; i < c->nr_edges; i++)
		order[first[c->edges[i].callee + 1]++] = i;
	hp_pstats_reserve(st, (size_t)c->nr_fns, (size_t)c->nr_edges);
	for (uint32_t i = 0; i < c->nr_fns; i++) {
		const struct fn *f = &c->fns[i];
		struct hp_pstats_entry *e;
		uint32_t ei = st->entry_of_key[key[i]];

		if (ei != HP_PSTATS_NONE) {
			/* two functions with one key (a file literally named "~"):
			 * Python's dict would keep one; so do we, the first */
			continue;
		}
		ei = st->nr_entries++;
		st->entry_of_key[key[i]] = ei;
		e = &st->entries[ei];
		memset(e, 0, sizeof(*e));
		e->key = key[i];
		e->cc = f->cc;
		e->nc = f->nc;
		e->tt = f->tt;
		e->ct = f->ct;
		e->first_caller = st->nr_callers;
		for (uint32_t j = first[i]; j < first[i + 1]; j++) {
			const struct edge *ed = &c->edges[order[j]];
			struct hp_pstats_call *call = &st->callers[st->nr_callers++];

			memset(call, 0, sizeof(*call));
			call->key = key[ed->caller];
			call->nc = ed->nc;
			call->cc = ed->cc;
			call->tt = ed->tt;
			call->ct = ed->ct;
			e->nr_callers++;
		}
	}
	free(key);
	free(first);
	free(order);
}

int hp_pstats_from_profile(struct hp_pstats *st, const struct hp_profile *p, int col,
			   double unit, struct hp_err *err)
{
	struct conv c;
	int ret = -1;

	memset(&c, 0, sizeof(c));
	c.p = p;
	c.col = col;
	c.unit = unit;
	c.frame_fn = hp_xreallocarray(NULL, (size_t)p->nr_frames + 1, sizeof(*c.frame_fn));
	memset(c.frame_fn, 0xff, ((size_t)p->nr_frames + 1) * sizeof(*c.frame_fn));
	hp_u64map_init(&c.fn_index, 0);
	hp_u64map_init(&c.edge_index, 0);
	if (col < 0 || (uint32_t)col >= p->nr_weights) {
		hp_err_set(err, "the profile has no weight column %d", col);
		goto cleanup;
	}
	hp_profile_foreach_stack(p, add_stack, &c);
	if (c.overflow) {
		hp_err_set(err, "sample counts too large to add up");
		goto cleanup;
	}
	fill(st, &c);
	if (hp_pstats_totals(st, err))
		goto cleanup;
	ret = 0;
cleanup:
	free(c.frame_fn);
	free(c.fns);
	free(c.edges);
	free(c.path);
	hp_u64map_release(&c.fn_index);
	hp_u64map_release(&c.edge_index);
	return ret;
}

/* ---- marshal writer ---- */

struct writer {
	const struct hp_pstats *st;
	struct hp_buf *out;
	uint32_t *ref_of_key;   /* by key id: ref index + 1, 0 = not written */
	uint32_t nr_refs;
	struct hp_buf tmp;
};

static void put_u32(struct hp_buf *b, uint32_t v)
{
	unsigned char x[4] = { (unsigned char)v, (unsigned char)(v >> 8),
			       (unsigned char)(v >> 16), (unsigned char)(v >> 24) };

	hp_buf_add(b, x, 4);
}

static void put_int(struct hp_buf *b, int64_t v)
{
	uint64_t mag;
	unsigned char digits[10][2];
	uint32_t nd = 0;

	if (v >= INT32_MIN && v <= INT32_MAX) {
		hp_buf_addch(b, 'i');
		put_u32(b, (uint32_t)(int32_t)v);
		return;
	}
	/* 'l': signed digit count, then 15-bit digits, least significant first */
	mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	while (mag) {
		digits[nd][0] = (unsigned char)(mag & 0xff);
		digits[nd][1] = (unsigned char)((mag >> 8) & 0x7f);
		mag >>= 15;
		nd++;
	}
	hp_buf_addch(b, 'l');
	put_u32(b, v < 0 ? (uint32_t)-(int32_t)nd : nd);
	hp_buf_add(b, digits, 2 * (size_t)nd);
}

static void put_float(struct hp_buf *b, double d)
{
	uint64_t bits;
	unsigned char x[8];

	memcpy(&bits, &d, sizeof(bits));
	for (int i = 0; i < 8; i++)
		x[i] = (unsigned char)(bits >> (8 * i));
	hp_buf_addch(b, 'g');
	hp_buf_add(b, x, 8);
}

static void put_str(struct writer *w, const char *s, size_t len)
{
	struct hp_buf *b = w->out;
	bool ascii = true;

	hp_buf_reset(&w->tmp);
	hp_buf_add_utf8_clean(&w->tmp, s, len);
	for (size_t i = 0; i < w->tmp.len && ascii; i++)
		ascii = (unsigned char)w->tmp.data[i] < 0x80;
	if (ascii && w->tmp.len < 256) {
		hp_buf_addch(b, 'z');
		hp_buf_addch(b, (char)w->tmp.len);
	} else {
		hp_buf_addch(b, ascii ? 'a' : 'u');
		put_u32(b, (uint32_t)w->tmp.len);
	}
	hp_buf_add(b, w->tmp.data, w->tmp.len);
}

/* A key tuple: written in full (and made referable) the first time, as a
 * back-reference after that, like marshal.dump of cProfile's shared keys. */
static void put_key(struct writer *w, uint32_t key)
{
	const struct hp_pstats *st = w->st;
	const struct hp_pstats_key *k = &st->keys[key];

	if (w->ref_of_key[key]) {
		hp_buf_addch(w->out, 'r');
		put_u32(w->out, w->ref_of_key[key] - 1);
		return;
	}
	w->ref_of_key[key] = ++w->nr_refs;
	hp_buf_addch(w->out, (char)(')' | HP_MARSHAL_FLAG_REF));
	hp_buf_addch(w->out, 3);
	put_str(w, hp_pstats_str(st, k->file), hp_strtab_len(&st->strs, k->file));
	put_int(w->out, k->line);
	put_str(w, hp_pstats_str(st, k->name), hp_strtab_len(&st->strs, k->name));
}

void hp_pstats_write(const struct hp_pstats *st, struct hp_buf *out)
{
	struct writer w;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.out = out;
	w.ref_of_key = hp_xcalloc((size_t)st->nr_keys + 1, sizeof(*w.ref_of_key));
	hp_buf_init(&w.tmp);
	hp_buf_addch(out, '{');
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		put_key(&w, e->key);
		hp_buf_addch(out, ')');
		hp_buf_addch(out, 5);
		put_int(out, e->cc);
		put_int(out, e->nc);
		put_float(out, e->tt);
		put_float(out, e->ct);
		hp_buf_addch(out, '{');
		for (uint32_t j = 0; j < e->nr_callers; j++) {
			const struct hp_pstats_call *c = &st->callers[e->first_caller + j];

			put_key(&w, c->key);
			if (c->count_only) {
				put_int(out, c->nc);
				continue;
			}
			hp_buf_addch(out, ')');
			hp_buf_addch(out, 4);
			put_int(out, c->nc);
			put_int(out, c->cc);
			put_float(out, c->tt);
			put_float(out, c->ct);
		}
		hp_buf_addch(out, '0');
	}
	hp_buf_addch(out, '0');
	free(w.ref_of_key);
	hp_buf_release(&w.tmp);
}
