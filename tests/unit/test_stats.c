/*
 * Statistics checked against values computed independently:
 * - signed-rank null CDF and Walsh averages by brute-force enumeration in
 *   python3 (all 2^n sign patterns; all i <= j pairs),
 * - quantiles, mean and stdev with python3's statistics module
 *   (quantiles(method='inclusive') is R type 7),
 * - Student's t quantiles from published tables.
 */
#include <criterion/criterion.h>
#include <math.h>

#include "stats/stats.h"

#define NEAR(a, b, tol) cr_assert(fabs((a) - (b)) <= (tol), "%.12g != %.12g", (double)(a), (double)(b))

Test(stats, summary_matches_python_statistics)
{
	const double d[] = { 2, 4, 4, 4, 5, 5, 7, 9, 40 };
	struct hp_summary s;

	hp_stats_summary(d, 8, &s);
	NEAR(s.mean, 5.0, 1e-12);
	NEAR(s.stddev, 2.138089935299395, 1e-12);
	NEAR(s.q1, 4.0, 1e-12);
	NEAR(s.median, 4.5, 1e-12);
	NEAR(s.q3, 5.5, 1e-12);
	cr_assert_eq(s.outliers_low + s.outliers_high, 1); /* 9 > 5.5 + 1.5 * 1.5 */
	hp_stats_summary(d, 9, &s);
	cr_assert_eq(s.outliers_high, 1); /* q3 = 7, fence 11.5: only 40 */
	NEAR(s.max, 40, 0);
	NEAR(hp_stats_median(d, 9), 5, 0);
}

Test(stats, signed_rank_cdf_matches_enumeration)
{
	NEAR(hp_stats_signed_rank_cdf(10, 8), 0.0244140625, 1e-15);
	NEAR(hp_stats_signed_rank_cdf(10, 9), 0.0322265625, 1e-15);
	NEAR(hp_stats_signed_rank_cdf(15, 25), 0.023956298828125, 1e-15);
	NEAR(hp_stats_signed_rank_cdf(15, 120), 1.0, 1e-15);
	NEAR(hp_stats_signed_rank_cdf(4, -1), 0.0, 0);
}

Test(stats, hodges_lehmann_and_wilcoxon_bounds)
{
	const double x[] = { 1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30, -0.1 };
	double lo, hi;

	NEAR(hp_stats_hodges_lehmann(x, 10), 1.62, 1e-12);
	/* n = 10, one-sided 2.5 %: P(T+ <= 8) = 0.0244 <= 0.025 < P(T+ <= 9), so
	 * the bounds are the 9th smallest and 9th largest Walsh averages (the
	 * classic table value T = 8 for a two-sided 5 % test) */
	cr_assert_eq(hp_stats_wilcoxon_bounds(x, 10, 0.025, &lo, &hi), 0);
	NEAR(lo, 0.89, 1e-12);
	NEAR(hi, 2.18, 1e-12);
	/* n = 5 cannot give a 1 % one-sided bound: P(T+ <= 0) = 1/32 > 0.01 */
	cr_assert_eq(hp_stats_wilcoxon_bounds(x, 5, 0.01, &lo, &hi), -1);
	cr_assert(isinf(lo) && isinf(hi));
}

Test(stats, bounds_cover_the_true_centre_at_the_stated_rate)
{
	/* coverage check by simulation: a 95 % one-sided lower bound from 15
	 * symmetric samples around 0 must be below 0 about 95 % of the time */
	struct hp_rng r;
	int below = 0, trials = 4000;

	hp_rng_seed(&r, 12345);
	for (int t = 0; t < trials; t++) {
		double x[15], lo, hi;

		for (int i = 0; i < 15; i++)
			x[i] = (double)(hp_rng_next(&r) >> 11) / 9007199254740992.0 - 0.5;
		hp_stats_wilcoxon_bounds(x, 15, 0.05, &lo, &hi);
		below += lo < 0;
	}
	cr_assert(below > trials * 0.93 && below < trials * 0.975, "coverage %d/%d", below, trials);
}

Test(stats, student_t_against_tables)
{
	NEAR(hp_stats_t_quantile(0.975, 10), 2.228138851986, 1e-9);
	NEAR(hp_stats_t_quantile(0.99, 5), 3.364929998907, 1e-9);
	NEAR(hp_stats_t_quantile(0.95, 1), 6.313751514675, 1e-8);
	NEAR(hp_stats_t_quantile(0.5, 7), 0.0, 1e-9);
	NEAR(hp_stats_t_cdf(2.228138851986, 10), 0.975, 1e-10);
	NEAR(hp_stats_t_quantile(0.025, 30), -2.042272456301, 1e-9);
}

Test(stats, prediction_interval)
{
	const double x[] = { 10, 12, 11, 13, 12, 11, 10, 12, 11, 12 };
	double lo, hi, mean = 11.4, sd = 0.966091783079296;
	double half = 1.833112932653 * sd * sqrt(1.0 / 10 + 1.0 / 1); /* t(0.95, 9) */

	cr_assert_eq(hp_stats_prediction_interval(x, 10, 1, 0.05, &lo, &hi), 0);
	NEAR(lo, mean - half, 1e-8);
	NEAR(hi, mean + half, 1e-8);
	cr_assert_eq(hp_stats_prediction_interval(x, 1, 1, 0.05, &lo, &hi), -1);
}

Test(stats, rng_is_deterministic_and_unbiased)
{
	struct hp_rng a, b;
	int counts[3] = { 0 };

	hp_rng_seed(&a, 7);
	hp_rng_seed(&b, 7);
	for (int i = 0; i < 100; i++)
		cr_assert_eq(hp_rng_next(&a), hp_rng_next(&b));
	for (int i = 0; i < 30000; i++)
		counts[hp_rng_below(&a, 3)]++;
	for (int i = 0; i < 3; i++)
		cr_assert(counts[i] > 9500 && counts[i] < 10500);
}
