/*
 * changepoint.c - windowed t-test change-point detection (see the header).
 * Written by hand: Debian has no C library for it (Hunter/Otava are Python).
 */
#include "stats/changepoint.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/stats.h"

struct sums {
	double *s, *q;   /* prefix sums of (x - centre) and its square */
};

/* Welch's t of x[a..b) versus x[b..c); p two-sided.  Sets mean1/mean2 as
 * offsets from the centre. */
static double welch(const struct sums *z, size_t a, size_t b, size_t c, double *p,
		    double *m1, double *m2)
{
	double n1 = (double)(b - a), n2 = (double)(c - b);
	double s1 = z->s[b] - z->s[a], s2 = z->s[c] - z->s[b];
	double q1 = z->q[b] - z->q[a], q2 = z->q[c] - z->q[b];
	double v1, v2, se2, t, df;

	*m1 = s1 / n1;
	*m2 = s2 / n2;
	v1 = n1 > 1 ? (q1 - s1 * s1 / n1) / (n1 - 1) : 0;
	v2 = n2 > 1 ? (q2 - s2 * s2 / n2) / (n2 - 1) : 0;
	if (v1 < 0)
		v1 = 0;
	if (v2 < 0)
		v2 = 0;
	se2 = v1 / n1 + v2 / n2;
	if (!(se2 > 0)) {
		/* no spread at all: any difference is certain */
		bool differ = fabs(*m2 - *m1) > 1e-12 * (fabs(*m1) + fabs(*m2));

		*p = differ ? 0 : 1;
		return differ ? copysign(INFINITY, *m2 - *m1) : 0;
	}
	t = (*m2 - *m1) / sqrt(se2);
	df = se2 * se2 / ((n1 > 1 ? (v1 / n1) * (v1 / n1) / (n1 - 1) : 0) +
			  (n2 > 1 ? (v2 / n2) * (v2 / n2) / (n2 - 1) : 0));
	if (!(df >= 1))
		df = 1;
	*p = 2 * hp_stats_t_cdf(-fabs(t), df);
	return t;
}

struct cand {
	size_t i;
	double abs_t;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->abs_t != y->abs_t)
		return x->abs_t < y->abs_t ? 1 : -1;
	return (x->i > y->i) - (x->i < y->i);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

size_t hp_changepoint_detect(const double *x, size_t n, const struct hp_changepoint_opts *o,
			     struct hp_changepoint **out)
{
	struct hp_changepoint_opts d = HP_CHANGEPOINT_OPTS_INIT;
	struct sums z;
	struct cand *c = NULL;
	size_t *cp = NULL, ncand = 0, ncp = 0, w, ms, excl;
	bool *blocked = NULL;
	double centre = 0, alpha;

	*out = NULL;
	if (!o)
		o = &d;
	w = o->window ? o->window : d.window;
	ms = o->min_segment >= 2 ? o->min_segment : 2;
	if (w < ms)
		w = ms;
	if (n < 2 * ms)
		return 0;
	for (size_t i = 0; i < n; i++)
		centre += x[i];
	centre /= (double)n;
	z.s = hp_xmalloc((n + 1) * sizeof(double));
	z.q = hp_xmalloc((n + 1) * sizeof(double));
	z.s[0] = z.q[0] = 0;
	for (size_t i = 0; i < n; i++) {
		double v = x[i] - centre;

		z.s[i + 1] = z.s[i] + v;
		z.q[i + 1] = z.q[i] + v * v;
	}

	/* the scan makes n correlated tests: split alpha between them
	 * (Bonferroni; conservative, as the tests overlap), so that alpha
	 * bounds the chance of a false change point anywhere in a stationary
	 * series, not per test */
	alpha = o->alpha / (double)n;
	/* 1. scan */
	c = hp_xmalloc(n * sizeof(*c));
	for (size_t i = ms; i + ms <= n; i++) {
		size_t a = i > w ? i - w : 0, e = i + w < n ? i + w : n;
		double p, m1, m2, t = welch(&z, a, i, e, &p, &m1, &m2);

		if (p < alpha) {
			c[ncand].i = i;
			c[ncand].abs_t = fabs(t);
			ncand++;
		}
	}
	/* 2. pick */
	qsort(c, ncand, sizeof(*c), cmp_cand);
	blocked = hp_xcalloc(n + 1, sizeof(bool));
	cp = hp_xmalloc((ncand ? ncand : 1) * sizeof(size_t));
	excl = w / 2 > ms ? w / 2 : ms;
	for (size_t k = 0; k < ncand; k++) {
		size_t i = c[k].i, lo = i > excl ? i - excl + 1 : 0, hi = i + excl < n ? i + excl : n;

		if (blocked[i])
			continue;
		cp[ncp++] = i;
		for (size_t j = lo; j < hi; j++)
			blocked[j] = true;
	}
	qsort(cp, ncp, sizeof(size_t), cmp_size);
	/* 3. prune */
	for (;;) {
		double worst_p = -1;
		size_t worst = 0;

		for (size_t k = 0; k < ncp; k++) {
			size_t a = k ? cp[k - 1] : 0, e = k + 1 < ncp ? cp[k + 1] : n, i = cp[k];
			double p, m1, m2, rel;

			if (i - a > w)
				a = i - w;
			if (e - i > w)
				e = i + w;
			welch(&z, a, i, e, &p, &m1, &m2);
			rel = fabs(m1 + centre) > 0 ? fabs(m2 - m1) / fabs(m1 + centre) : INFINITY;
			if (i - a < ms || e - i < ms)
				p = 2; /* too short a segment: drop first */
			else if (rel < o->min_change)
				p = 1.5;
			if (p >= alpha && p > worst_p) {
				worst_p = p;
				worst = k;
			}
		}
		if (worst_p < 0)
			break;
		memmove(cp + worst, cp + worst + 1, (ncp - worst - 1) * sizeof(size_t));
		ncp--;
	}
	if (ncp) {
		*out = hp_xmalloc(ncp * sizeof(**out));
		for (size_t k = 0; k < ncp; k++) {
			size_t a = k ? cp[k - 1] : 0, e = k + 1 < ncp ? cp[k + 1] : n, i = cp[k];
			struct hp_changepoint *r = &(*out)[k];
			double m1, m2;

			if (i - a > w)
				a = i - w;
			if (e - i > w)
				e = i + w;
			r->index = i;
			r->t = welch(&z, a, i, e, &r->pvalue, &m1, &m2);
			r->before = m1 + centre;
			r->after = m2 + centre;
			r->change = r->before != 0 ? (r->after - r->before) / fabs(r->before) : NAN;
		}
	}
	free(z.s);
	free(z.q);
	free(c);
	free(cp);
	free(blocked);
	return ncp;
}
