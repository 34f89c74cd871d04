#include "stats/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double *sorted_copy(const double *x, size_t n)
{
	double *s = hp_xmalloc((n ? n : 1) * sizeof(double));

	if (n)
		memcpy(s, x, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	return s;
}

double hp_stats_quantile_sorted(const double *s, size_t n, double p)
{
	double h, lo;
	size_t i;

	if (!n)
		return NAN;
	if (p <= 0)
		return s[0];
	if (p >= 1)
		return s[n - 1];
	h = (double)(n - 1) * p;
	lo = floor(h);
	i = (size_t)lo;
	if (i + 1 >= n)
		return s[n - 1];
	return s[i] + (h - lo) * (s[i + 1] - s[i]);
}

double hp_stats_median(const double *x, size_t n)
{
	double *s = sorted_copy(x, n), m = hp_stats_quantile_sorted(s, n, 0.5);

	free(s);
	return m;
}

void hp_stats_summary(const double *x, size_t n, struct hp_summary *out)
{
	double *s = sorted_copy(x, n), sum = 0, ss = 0, iqr;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (!n) {
		out->mean = out->stddev = out->median = out->min = out->max = NAN;
		out->q1 = out->q3 = NAN;
		free(s);
		return;
	}
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	out->mean = sum / (double)n;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - out->mean) * (x[i] - out->mean);
	out->stddev = n > 1 ? sqrt(ss / (double)(n - 1)) : 0;
	out->min = s[0];
	out->max = s[n - 1];
	out->median = hp_stats_quantile_sorted(s, n, 0.5);
	out->q1 = hp_stats_quantile_sorted(s, n, 0.25);
	out->q3 = hp_stats_quantile_sorted(s, n, 0.75);
	iqr = out->q3 - out->q1;
	for (size_t i = 0; i < n; i++) {
		if (x[i] < out->q1 - 1.5 * iqr)
			out->outliers_low++;
		else if (x[i] > out->q3 + 1.5 * iqr)
			out->outliers_high++;
	}
	free(s);
}

bool hp_stats_is_outlier(const struct hp_summary *s, double x)
{
	double iqr = s->q3 - s->q1;

	return x < s->q1 - 1.5 * iqr || x > s->q3 + 1.5 * iqr;
}

static double *walsh_averages(const double *x, size_t n, size_t *m)
{
	double *w;
	size_t k = 0;

	*m = n * (n + 1) / 2;
	w = hp_xmalloc((*m ? *m : 1) * sizeof(double));
	for (size_t i = 0; i < n; i++)
		for (size_t j = i; j < n; j++)
			w[k++] = (x[i] + x[j]) / 2;
	qsort(w, *m, sizeof(double), cmp_double);
	return w;
}

double hp_stats_hodges_lehmann(const double *x, size_t n)
{
	size_t m;
	double *w, r;

	if (!n)
		return NAN;
	w = walsh_averages(x, n, &m);
	r = hp_stats_quantile_sorted(w, m, 0.5);
	free(w);
	return r;
}

/* Null distribution of T+: P(T+ = t) for t = 0..n(n+1)/2, by the recurrence
 * over ranks (each rank is in the positive set with probability 1/2). */
static double *signed_rank_pmf(size_t n, size_t *maxt)
{
	size_t M = n * (n + 1) / 2;
	double *p = hp_xcalloc(M + 1, sizeof(double));

	p[0] = 1;
	for (size_t r = 1; r <= n; r++) {
		size_t top = r * (r + 1) / 2;

		/* downwards, so p[t - r] still holds the previous rank's value */
		for (size_t t = top + 1; t-- > 0;)
			p[t] = 0.5 * (p[t] + (t >= r ? p[t - r] : 0));
	}
	*maxt = M;
	return p;
}

double hp_stats_signed_rank_cdf(size_t n, double k)
{
	size_t M;
	double *p, c = 0;

	if (k < 0)
		return 0;
	p = signed_rank_pmf(n, &M);
	for (size_t t = 0; t <= M && (double)t <= k; t++)
		c += p[t];
	free(p);
	return c > 1 ? 1 : c;
}

int hp_stats_wilcoxon_bounds(const double *x, size_t n, double alpha, double *lo, double *hi)
{
	size_t M, m, k = 0;
	double *p, *w, c = 0;

	*lo = -INFINITY;
	*hi = INFINITY;
	if (n == 0)
		return -1;
	p = signed_rank_pmf(n, &M);
	/* k = the largest count with P(T+ <= k - 1) <= alpha: the k-th smallest
	 * Walsh average is a (1 - alpha) lower bound (Hollander & Wolfe) */
	while (k <= M && c + p[k] <= alpha) {
		c += p[k];
		k++;
	}
	free(p);
	if (k == 0)
		return -1;
	w = walsh_averages(x, n, &m);
	*lo = w[k - 1];
	*hi = w[m - k];
	free(w);
	return 0;
}

/* Continued fraction for the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x)
{
	const double tiny = 1e-300, eps = 1e-15;
	double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= 300; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		if (fabs(d) < tiny)
			d = tiny;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < eps)
			break;
	}
	return h;
}

double hp_stats_betai(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double hp_stats_t_cdf(double t, double df)
{
	double t2 = t * t, tail, centre;

	if (t2 < df) {
		/* near the centre: P(|T| < |t|) = I_{t^2/(df+t^2)}(1/2, df/2),
		 * accurate where 1 - I_{df/(df+t^2)} would cancel */
		centre = 0.5 * hp_stats_betai(0.5, df / 2, t2 / (df + t2));
		return t >= 0 ? 0.5 + centre : 0.5 - centre;
	}
	tail = 0.5 * hp_stats_betai(df / 2, 0.5, df / (df + t2));
	return t >= 0 ? 1 - tail : tail;
}

double hp_stats_t_quantile(double p, double df)
{
	double lo = -1e4, hi = 1e4;

	if (p <= 0)
		return -INFINITY;
	if (p >= 1)
		return INFINITY;
	/* the CDF is monotonic: bisection to double precision */
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;

		if (hp_stats_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
		if (hi - lo < 1e-12 * (1 + fabs(mid)))
			break;
	}
	return (lo + hi) / 2;
}

int hp_stats_prediction_interval(const double *x, size_t n, size_t m, double alpha,
				 double *lo, double *hi)
{
	struct hp_summary s;
	double t, half;

	*lo = -INFINITY;
	*hi = INFINITY;
	if (n < 2 || m < 1)
		return -1;
	hp_stats_summary(x, n, &s);
	t = hp_stats_t_quantile(1 - alpha, (double)(n - 1));
	half = t * s.stddev * sqrt(1.0 / (double)n + 1.0 / (double)m);
	*lo = s.mean - half;
	*hi = s.mean + half;
	return 0;
}

void hp_rng_seed(struct hp_rng *r, unsigned long long seed)
{
	r->state = seed;
}

unsigned long long hp_rng_next(struct hp_rng *r)
{
	unsigned long long z = (r->state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

size_t hp_rng_below(struct hp_rng *r, size_t n)
{
	/* rejection sampling keeps the draw unbiased */
	unsigned long long lim = n ? -(unsigned long long)n % n : 0, v;

	if (n <= 1)
		return 0;
	do
		v = hp_rng_next(r);
	while (v < lim);
	return (size_t)(v % n);
}
