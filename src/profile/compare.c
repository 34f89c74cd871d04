#include "profile/compare.h"

#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "profile/top.h"

void hp_compare_init(struct hp_compare *c)
{
	memset(c, 0, sizeof(*c));
	hp_strtab_init(&c->names);
	c->base_seconds = c->new_seconds = NAN;
	c->unit = "samples";
}

void hp_compare_release(struct hp_compare *c)
{
	hp_strtab_release(&c->names);
	free(c->rows);
	memset(c, 0, sizeof(*c));
}

static struct hp_compare_row *row_for(struct hp_compare *c, const char *name, size_t len)
{
	uint32_t id = hp_strtab_intern(&c->names, name, len);

	/* names id 0 is ""; rows are indexed by id - 1, created in id order */
	if (id == 0)
		id = hp_strtab_intern(&c->names, "?", 1);
	while (c->nr < id) {
		HP_GROW(c->rows, c->nr + 1, c->alloc);
		memset(&c->rows[c->nr], 0, sizeof(c->rows[0]));
		c->rows[c->nr].name = (uint32_t)c->nr + 1;
		c->nr++;
	}
	return &c->rows[id - 1];
}

static double seconds_of(const struct hp_meta *m, double weight)
{
	if (m->duration_s > 0)
		return m->duration_s;
	if (m->rate_achieved > 0)
		return weight / m->rate_achieved;
	return NAN;
}

static void add_profile(struct hp_compare *c, const struct hp_profile *p, uint32_t col, bool is_new)
{
	struct hp_top t;
	struct hp_buf name = HP_BUF_INIT;

	hp_top_compute(p, col, false, &t);
	for (size_t i = 0; i < t.nr; i++) {
		const struct hp_top_row *tr = &t.rows[i];
		struct hp_compare_row *r;
		double self = t.grand_total > 0 ? tr->self / t.grand_total : 0;
		double total = t.grand_total > 0 ? tr->total / t.grand_total : 0;

		hp_buf_reset(&name);
		hp_buf_adds(&name, hp_profile_str(p, tr->func));
		if (tr->file)
			hp_buf_addf(&name, " (%s)", hp_profile_str(p, tr->file));
		r = row_for(c, name.data, name.len);
		if (is_new) {
			r->in_new = true;
			r->new_self += self;
			r->new_total += total;
		} else {
			r->in_base = true;
			r->base_self += self;
			r->base_total += total;
		}
	}
	if (is_new)
		c->new_weight = t.grand_total;
	else
		c->base_weight = t.grand_total;
	hp_buf_release(&name);
	hp_top_release(&t);
}

void hp_compare_profiles(struct hp_compare *c, const struct hp_profile *base,
			 const struct hp_profile *cand, uint32_t base_col, uint32_t cand_col)
{
	add_profile(c, base, base_col, false);
	add_profile(c, cand, cand_col, true);
	c->base_seconds = seconds_of(&base->meta, c->base_weight);
	c->new_seconds = seconds_of(&cand->meta, c->new_weight);
}

static void add_pstats(struct hp_compare *c, const struct hp_pstats *st, bool is_new)
{
	struct hp_buf name = HP_BUF_INIT;
	double total = st->total_tt > 0 ? st->total_tt : 1;

	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];
		struct hp_compare_row *r;

		hp_buf_reset(&name);
		hp_pstats_std_name(st, e->key, &name);
		r = row_for(c, name.data, name.len);
		if (is_new) {
			r->in_new = true;
			r->new_tt += e->tt;
			r->new_ct += e->ct;
			r->new_nc += e->nc;
			r->new_self = r->new_tt / total;
			r->new_total = r->new_ct / total;
		} else {
			r->in_base = true;
			r->base_tt += e->tt;
			r->base_ct += e->ct;
			r->base_nc += e->nc;
			r->base_self = r->base_tt / total;
			r->base_total = r->base_ct / total;
		}
	}
	if (is_new)
		c->new_weight = c->new_seconds = st->total_tt;
	else
		c->base_weight = c->base_seconds = st->total_tt;
	hp_buf_release(&name);
}

void hp_compare_pstats(struct hp_compare *c, const struct hp_pstats *base,
		       const struct hp_pstats *cand)
{
	c->pstats = true;
	c->unit = "seconds";
	add_pstats(c, base, false);
	add_pstats(c, cand, true);
}

struct order_ctx {
	const struct hp_compare *c;
	int which;
};

static int cmp_order(const void *x, const void *y, void *arg)
{
	const struct order_ctx *o = arg;
	const struct hp_compare_row *a = &o->c->rows[*(const size_t *)x];
	const struct hp_compare_row *b = &o->c->rows[*(const size_t *)y];
	double ka, kb;

	switch (o->which) {
	case HP_CMP_REGRESSIONS:
		ka = -hp_compare_delta_self(a);
		kb = -hp_compare_delta_self(b);
		break;
	case HP_CMP_IMPROVEMENTS:
		ka = hp_compare_delta_self(a);
		kb = hp_compare_delta_self(b);
		break;
	case HP_CMP_APPEARED:
		ka = -(a->new_total + a->new_self);
		kb = -(b->new_total + b->new_self);
		break;
	default:
		ka = -(a->base_total + a->base_self);
		kb = -(b->base_total + b->base_self);
	}
	if (ka != kb)
		return ka < kb ? -1 : 1;
	return strcmp(hp_strtab_str(&o->c->names, a->name), hp_strtab_str(&o->c->names, b->name));
}

size_t *hp_compare_order(const struct hp_compare *c, int which, size_t *n)
{
	size_t *idx = hp_xmalloc((c->nr ? c->nr : 1) * sizeof(size_t));

	*n = 0;
	for (size_t i = 0; i < c->nr; i++) {
		const struct hp_compare_row *r = &c->rows[i];
		double d = hp_compare_delta_self(r);
		bool keep;

		switch (which) {
		case HP_CMP_REGRESSIONS:
			keep = r->in_base && r->in_new && d > 0;
			break;
		case HP_CMP_IMPROVEMENTS:
			keep = r->in_base && r->in_new && d < 0;
			break;
		case HP_CMP_APPEARED:
			keep = !r->in_base && r->in_new;
			break;
		default:
			keep = r->in_base && !r->in_new;
		}
		if (keep)
			idx[(*n)++] = i;
	}
	{
		struct order_ctx o = { c, which };

		qsort_r(idx, *n, sizeof(size_t), cmp_order, &o);
	}
	return idx;
}
