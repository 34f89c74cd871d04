/*
 * changepoint.h - where did a metric's history shift?
 *
 * The windowed Welch t-test that Hunter/Otava use on performance history:
 *  1. scan: at every index i, compare the window of (up to) W points before
 *     i with the W points from i on (Welch's t, two-sided p from Student's
 *     t); indices with p < alpha are candidates.  Prefix sums make the scan
 *     O(n).
 *  2. pick: take candidates by decreasing |t|, skipping any within W/2 of
 *     one already taken (a step lights up its whole neighbourhood).
 *  3. prune: re-test every change point against the segments between its
 *     neighbours (again at most W points each side) and drop the least
 *     significant one while any has p >= alpha; this removes the echoes of
 *     a step that step 2 let through and the weaker of two close points.
 * alpha is for the whole series: the scan's n tests share it
 * (Bonferroni), so a stationary series shows a false change point with
 * probability at most about alpha, however long it is.
 * A change point's index is the first point of the new level.
 *
 * Ownership: hp_changepoint_detect returns a new array (caller frees).
 */
#ifndef HP_STATS_CHANGEPOINT_H
#define HP_STATS_CHANGEPOINT_H

#include <stddef.h>

struct hp_changepoint_opts {
	size_t window;        /* W: points each side (default 30) */
	size_t min_segment;   /* fewest points each side of a change (default 10) */
	double alpha;         /* false-alarm rate per series (default 0.001) */
	double min_change;    /* smallest relative shift reported (default 0) */
};

#define HP_CHANGEPOINT_OPTS_INIT { 30, 10, 0.001, 0 }

struct hp_changepoint {
	size_t index;         /* first point after the shift */
	double before, after; /* means of the neighbouring segments */
	double change;        /* (after - before) / |before| */
	double t, pvalue;
};

/* Change points of x[0..n) in increasing index order.  Returns their number
 * (*out is NULL when there are none).  NaN values are not allowed. */
size_t hp_changepoint_detect(const double *x, size_t n, const struct hp_changepoint_opts *o,
			     struct hp_changepoint **out);

#endif
