/* Change-point detection on synthetic series with known steps. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <time.h>

#include "stats/changepoint.h"
#include "stats/stats.h"

static double noise(struct hp_rng *r, double sd)
{
	double s = 0;

	for (int i = 0; i < 12; i++)
		s += (double)(hp_rng_next(r) >> 11) / 9007199254740992.0;
	return (s - 6) * sd;
}

static double *series(size_t n, unsigned long long seed, double sd)
{
	struct hp_rng r;
	double *x = malloc(n * sizeof(double));

	hp_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++)
		x[i] = 1.0 + noise(&r, sd);
	return x;
}

Test(changepoint, single_step_found_exactly)
{
	for (unsigned long long seed = 1; seed <= 20; seed++) {
		double *x = series(200, seed, 0.02);
		struct hp_changepoint *cp;
		size_t n;

		for (size_t i = 120; i < 200; i++)
			x[i] *= 1.10; /* +10 % from index 120, noise 2 % */
		n = hp_changepoint_detect(x, 200, NULL, &cp);
		cr_assert_eq(n, 1, "seed %llu: %zu change points", seed, n);
		cr_assert_eq(cp[0].index, 120, "seed %llu: at %zu", seed, cp[0].index);
		cr_assert(cp[0].change > 0.07 && cp[0].change < 0.13, "change %f", cp[0].change);
		cr_assert(cp[0].pvalue < 1e-6);
		free(cp);
		free(x);
	}
}

Test(changepoint, stationary_noise_has_none)
{
	for (unsigned long long seed = 100; seed < 200; seed++) {
		double *x = series(500, seed, 0.03);
		struct hp_changepoint *cp;
		size_t n = hp_changepoint_detect(x, 500, NULL, &cp);

		cr_assert_eq(n, 0, "seed %llu: change point at %zu (p %g)", seed, n ? cp[0].index : 0,
			     n ? cp[0].pvalue : 1);
		free(cp);
		free(x);
	}
}

Test(changepoint, two_steps_and_a_return)
{
	double *x = series(300, 7, 0.01);
	struct hp_changepoint *cp;
	size_t n;

	for (size_t i = 100; i < 200; i++)
		x[i] += 0.2;
	for (size_t i = 200; i < 300; i++)
		x[i] -= 0.1;
	n = hp_changepoint_detect(x, 300, NULL, &cp);
	cr_assert_eq(n, 2);
	cr_assert_eq(cp[0].index, 100);
	cr_assert_eq(cp[1].index, 200);
	cr_assert(cp[0].change > 0 && cp[1].change < 0);
	free(cp);
	free(x);
}

Test(changepoint, constant_and_short_series)
{
	double c[50], *xs;
	struct hp_changepoint *cp;

	for (int i = 0; i < 50; i++)
		c[i] = i < 25 ? 3 : 4; /* no noise at all: the step is certain */
	cr_assert_eq(hp_changepoint_detect(c, 50, NULL, &cp), 1);
	cr_assert_eq(cp[0].index, 25);
	free(cp);
	for (int i = 0; i < 50; i++)
		c[i] = 3;
	cr_assert_eq(hp_changepoint_detect(c, 50, NULL, &cp), 0);
	cr_assert_eq(hp_changepoint_detect(c, 3, NULL, &cp), 0);
	cr_assert_eq(hp_changepoint_detect(c, 0, NULL, &cp), 0);
	xs = series(10000, 3, 0.02);
	for (size_t i = 6000; i < 10000; i++)
		xs[i] *= 1.05;
	{
		struct timespec a, b;

		clock_gettime(CLOCK_MONOTONIC, &a);
		cr_assert_eq(hp_changepoint_detect(xs, 10000, NULL, &cp), 1);
		clock_gettime(CLOCK_MONOTONIC, &b);
		cr_assert_eq(cp[0].index, 6000);
		cr_assert((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < 0.5);
	}
	free(cp);
	free(xs);
}
