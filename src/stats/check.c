#include "stats/check.h"

#include <math.h>
#include <stdlib.h>

#include "core/alloc.h"
#include "stats/stats.h"

const char *const hp_verdict_names[] = { "OK", "IMPROVED", "INCONCLUSIVE", "REGRESSION" };

double hp_check_alpha_per_look(double alpha_total, size_t nr_looks)
{
	return nr_looks ? alpha_total / (double)nr_looks : alpha_total;
}

static double rel(double log_ratio)
{
	return expm1(log_ratio);
}

static enum hp_verdict decide(double lo, double hi, double t, int *below_min_abs, int abs_ok)
{
	*below_min_abs = 0;
	if (lo > t) {
		if (abs_ok)
			return HP_VERDICT_REGRESSION;
		*below_min_abs = 1;
		return HP_VERDICT_OK;
	}
	if (hi < -t)
		return HP_VERDICT_IMPROVED;
	if (hi < t)
		return HP_VERDICT_OK;
	return HP_VERDICT_INCONCLUSIVE;
}

void hp_check_paired(enum hp_metric m, const double *a, const double *b, size_t n,
		     double alpha, double threshold, double min_abs,
		     struct hp_metric_result *r)
{
	double *d = hp_xmalloc((n ? n : 1) * sizeof(double));
	double lo, hi, t = log1p(threshold);
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (a[i] > 0 && b[i] > 0 && isfinite(a[i]) && isfinite(b[i]))
			d[k++] = log(b[i] / a[i]);
	r->metric = m;
	r->n = k;
	r->threshold = threshold;
	r->confidence = 1 - alpha;
	r->base_median = hp_stats_median(a, n);
	r->new_median = hp_stats_median(b, n);
	r->change = k ? rel(hp_stats_hodges_lehmann(d, k)) : NAN;
	if (k == 0 || hp_stats_wilcoxon_bounds(d, k, alpha, &lo, &hi)) {
		r->lo = -INFINITY;
		r->hi = INFINITY;
		r->verdict = HP_VERDICT_INCONCLUSIVE;
		r->below_min_abs = 0;
	} else {
		r->lo = rel(lo);
		r->hi = rel(hi);
		r->verdict = decide(lo, hi, t, &r->below_min_abs,
				    fabs(r->new_median - r->base_median) >= min_abs);
	}
	free(d);
}

void hp_check_stored(enum hp_metric m, const double *base, size_t nb,
		     const double *cand, size_t nc, double alpha, double threshold,
		     double min_abs, struct hp_metric_result *r)
{
	double *lb = hp_xmalloc((nb ? nb : 1) * sizeof(double));
	double plo, phi, mean = 0, t = log1p(threshold), ratio;
	size_t k = 0;

	for (size_t i = 0; i < nb; i++)
		if (base[i] > 0 && isfinite(base[i]))
			lb[k++] = log(base[i]);
	r->metric = m;
	r->n = nc;
	r->threshold = threshold;
	r->confidence = 1 - alpha;
	r->base_median = hp_stats_median(base, nb);
	r->new_median = hp_stats_median(cand, nc);
	r->below_min_abs = 0;
	ratio = log(r->new_median / r->base_median);
	r->change = rel(ratio);
	r->lo = -INFINITY;
	r->hi = INFINITY;
	for (size_t i = 0; i < nc; i++)
		mean += log(cand[i]);
	mean /= (double)(nc ? nc : 1);
	if (!nc || !isfinite(ratio) || hp_stats_prediction_interval(lb, k, nc, alpha, &plo, &phi)) {
		/* a baseline of fewer than two runs has no spread: the threshold
		 * alone decides */
		if (!isfinite(ratio) || !nc)
			r->verdict = HP_VERDICT_INCONCLUSIVE;
		else if (ratio > t)
			r->verdict = fabs(r->new_median - r->base_median) >= min_abs ?
				HP_VERDICT_REGRESSION : HP_VERDICT_OK;
		else
			r->verdict = ratio < -t ? HP_VERDICT_IMPROVED : HP_VERDICT_OK;
		free(lb);
		return;
	}
	{
		/* the interval of the change: where the new mean sits relative to
		 * the baseline's prediction bounds */
		double centre = (plo + phi) / 2;

		r->lo = rel(mean - (phi - centre) - centre);
		r->hi = rel(mean + (phi - centre) - centre);
	}
	if (mean > phi && ratio > t) {
		r->verdict = HP_VERDICT_REGRESSION;
		if (fabs(r->new_median - r->base_median) < min_abs) {
			r->verdict = HP_VERDICT_OK;
			r->below_min_abs = 1;
		}
	} else if (mean < plo && ratio < -t) {
		r->verdict = HP_VERDICT_IMPROVED;
	} else {
		r->verdict = HP_VERDICT_OK;
	}
	free(lb);
}

size_t hp_check_simulate_false_alarms(enum hp_metric m, const double *a, const double *b,
				      size_t nr, size_t n, size_t sims, double alpha,
				      double threshold, double min_abs, unsigned long long seed)
{
	double *sa = hp_xmalloc((n ? n : 1) * sizeof(double));
	double *sb = hp_xmalloc((n ? n : 1) * sizeof(double));
	struct hp_rng rng;
	size_t alarms = 0;

	if (!nr || !n) {
		free(sa);
		free(sb);
		return 0;
	}
	hp_rng_seed(&rng, seed);
	for (size_t s = 0; s < sims; s++) {
		struct hp_metric_result r;

		for (size_t i = 0; i < n; i++) {
			size_t j = hp_rng_below(&rng, nr);

			sa[i] = a[j];
			sb[i] = b[j];
		}
		hp_check_paired(m, sa, sb, n, alpha, threshold, min_abs, &r);
		alarms += r.verdict == HP_VERDICT_REGRESSION;
	}
	free(sa);
	free(sb);
	return alarms;
}
