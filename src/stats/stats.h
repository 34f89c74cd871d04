/*
 * stats.h - the statistics behind bench, check and compare.
 *
 * Written by hand: Debian packages no C library with the Hodges-Lehmann
 * estimator, the exact Wilcoxon signed-rank interval or Student's t quantile
 * (GSL has the last, but is a large dependency for one function).
 *
 * All functions are pure; none keeps state.  Arrays passed in are never
 * modified unless the name says so (the *_inplace variants sort).
 * Ownership: functions that return arrays say so; the caller frees them.
 */
#ifndef HP_STATS_STATS_H
#define HP_STATS_STATS_H

#include <stdbool.h>
#include <stddef.h>

struct hp_summary {
	size_t n;
	double mean, stddev, median, min, max;
	double q1, q3;           /* quartiles (linear interpolation, R type 7) */
	size_t outliers_low;     /* below q1 - 1.5 IQR */
	size_t outliers_high;    /* above q3 + 1.5 IQR */
};

/* Descriptive statistics of x[0..n). stddev is the sample (n-1) one. */
void hp_stats_summary(const double *x, size_t n, struct hp_summary *s);
/* Quantile p in [0,1] of sorted x (R type 7, numpy's default). */
double hp_stats_quantile_sorted(const double *sorted, size_t n, double p);
double hp_stats_median(const double *x, size_t n);
/* true if x lies outside Tukey's fences of s. */
bool hp_stats_is_outlier(const struct hp_summary *s, double x);

/* Hodges-Lehmann one-sample estimate: the median of the n(n+1)/2 Walsh
 * averages (x_i + x_j)/2, i <= j. */
double hp_stats_hodges_lehmann(const double *x, size_t n);

/*
 * Distribution-free confidence bounds for the pseudo-median (the centre of
 * a symmetric distribution) from the Wilcoxon signed-rank statistic, with
 * the exact null distribution (no ties correction needed for continuous
 * data).  alpha is the one-sided error: *lo is a (1 - alpha) lower bound and
 * *hi a (1 - alpha) upper bound.  Returns -1 when n is too small for any
 * bound at this alpha (then *lo = -inf, *hi = +inf).
 */
int hp_stats_wilcoxon_bounds(const double *x, size_t n, double alpha, double *lo, double *hi);

/* P(T+ <= k) under H0 for the signed-rank statistic with n observations. */
double hp_stats_signed_rank_cdf(size_t n, double k);

/* Student's t distribution: CDF and quantile with df degrees of freedom. */
double hp_stats_t_cdf(double t, double df);
double hp_stats_t_quantile(double p, double df);
/* Regularised incomplete beta function I_x(a, b). */
double hp_stats_betai(double a, double b, double x);

/*
 * Prediction interval (two-sided level 1 - 2*alpha, i.e. one-sided alpha
 * each side) for the mean of m future observations, from a baseline sample
 * x[0..n) assumed normal: mean +- t(1-alpha, n-1) * s * sqrt(1/n + 1/m).
 */
int hp_stats_prediction_interval(const double *x, size_t n, size_t m, double alpha,
				 double *lo, double *hi);

/* Deterministic PRNG (splitmix64) for randomised order and resampling. */
struct hp_rng {
	unsigned long long state;
};
void hp_rng_seed(struct hp_rng *r, unsigned long long seed);
unsigned long long hp_rng_next(struct hp_rng *r);
/* Uniform integer in [0, n). */
size_t hp_rng_below(struct hp_rng *r, size_t n);

#endif
