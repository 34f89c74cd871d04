/*
 * check.h - verdicts of the regression gate.
 *
 * Paired mode: per pair i (baseline a_i, candidate b_i run back to back)
 * the log ratio d_i = ln(b_i / a_i).  The change is the Hodges-Lehmann
 * estimate of d; its one-sided (1 - alpha) Wilcoxon signed-rank bounds give
 * the interval.  With t = ln(1 + threshold):
 *   REGRESSION    lower bound > t (and, for peak RSS, |median b - median a|
 *                 at least min_abs)
 *   IMPROVED      upper bound < -t
 *   OK            upper bound < t
 *   INCONCLUSIVE  otherwise
 * Logs make the test scale-free and symmetric (2x slower and 2x faster are
 * equally far from 0); pairing removes the drift of a shared machine.
 *
 * Stored-baseline mode: the baseline runs x and the new runs y (logs);
 * REGRESSION when mean(ln y) is above the upper (1 - alpha) prediction bound
 * for a mean of |y| new runs AND the median ratio is beyond the threshold;
 * IMPROVED symmetrically; OK otherwise.
 *
 * Ownership: results hold no pointers that need freeing.
 */
#ifndef HP_STATS_CHECK_H
#define HP_STATS_CHECK_H

#include <stddef.h>

#include "stats/bench.h"

enum hp_verdict {
	HP_VERDICT_OK,
	HP_VERDICT_IMPROVED,
	HP_VERDICT_INCONCLUSIVE,
	HP_VERDICT_REGRESSION,
};

extern const char *const hp_verdict_names[]; /* "OK", "IMPROVED", ... */

struct hp_metric_result {
	enum hp_metric metric;
	enum hp_verdict verdict;
	size_t n;              /* pairs (paired) or new runs (stored) */
	double change;         /* estimated relative change, e.g. +0.023 = +2.3 % */
	double lo, hi;         /* its bounds (relative), +-inf when unknown */
	double base_median, new_median;
	double threshold;      /* relative, e.g. 0.05 */
	double confidence;     /* 1 - alpha of the bounds */
	int below_min_abs;     /* regression ignored: absolute change too small */
};

/* a[i], b[i]: paired values (all > 0).  min_abs: smallest absolute change of
 * the medians that may count as a regression (0 = any). */
void hp_check_paired(enum hp_metric m, const double *a, const double *b, size_t n,
		     double alpha, double threshold, double min_abs,
		     struct hp_metric_result *r);

void hp_check_stored(enum hp_metric m, const double *base, size_t nb,
		     const double *cand, size_t nc, double alpha, double threshold,
		     double min_abs, struct hp_metric_result *r);

/* The alpha of each look when early stopping splits alpha_total between
 * nr_looks looks (Bonferroni: alpha_total / nr_looks, which keeps the
 * overall error at most alpha_total whatever the looks' correlation). */
double hp_check_alpha_per_look(double alpha_total, size_t nr_looks);

/*
 * False-alarm rate on recorded noise: draw `sims` comparisons of n pairs
 * each by resampling (with replacement) the recorded pairs (a[i], b[i]) of
 * an A-versus-A run, and return how many give REGRESSION.
 */
size_t hp_check_simulate_false_alarms(enum hp_metric m, const double *a, const double *b,
				      size_t nr, size_t n, size_t sims, double alpha,
				      double threshold, double min_abs, unsigned long long seed);

#endif
