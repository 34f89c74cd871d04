/* The regression gate's verdicts on synthetic paired data with known effects. */
#include <criterion/criterion.h>
#include <math.h>

#include "stats/check.h"
#include "stats/stats.h"

static double noise(struct hp_rng *r, double sd)
{
	/* sum of 12 uniforms - 6: approximately normal, deterministic */
	double s = 0;

	for (int i = 0; i < 12; i++)
		s += (double)(hp_rng_next(r) >> 11) / 9007199254740992.0;
	return (s - 6) * sd;
}

static void make_pairs(double *a, double *b, size_t n, double effect, double sd, unsigned long long seed)
{
	struct hp_rng r;

	hp_rng_seed(&r, seed);
	for (size_t i = 0; i < n; i++) {
		double drift = 1 + noise(&r, 0.05); /* machine drift shared by the pair */

		a[i] = 1.0 * drift * (1 + noise(&r, sd));
		b[i] = (1 + effect) * drift * (1 + noise(&r, sd));
	}
}

Test(check, twenty_percent_slower_is_a_regression)
{
	double a[15], b[15];
	struct hp_metric_result r;

	make_pairs(a, b, 15, 0.20, 0.02, 1);
	hp_check_paired(HP_METRIC_WALL, a, b, 15, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_REGRESSION, "change %+.3f [%+.3f, %+.3f]", r.change, r.lo, r.hi);
	cr_assert(r.change > 0.15 && r.change < 0.25);
	cr_assert(r.lo > 0.05 && r.lo <= r.change && r.change <= r.hi);
}

Test(check, twenty_percent_faster_is_an_improvement)
{
	double a[15], b[15];
	struct hp_metric_result r;

	make_pairs(a, b, 15, -0.20, 0.02, 2);
	hp_check_paired(HP_METRIC_WALL, a, b, 15, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_IMPROVED);
}

Test(check, no_change_is_ok_and_noise_is_inconclusive)
{
	double a[30], b[30];
	struct hp_metric_result r;

	make_pairs(a, b, 30, 0.0, 0.005, 3);
	hp_check_paired(HP_METRIC_WALL, a, b, 30, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_OK);
	/* a 5 % effect under 10 % noise cannot be decided from 15 pairs */
	make_pairs(a, b, 15, 0.05, 0.10, 4);
	hp_check_paired(HP_METRIC_WALL, a, b, 15, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_INCONCLUSIVE);
}

Test(check, pairing_removes_shared_drift)
{
	/* drift of +-30 % between pairs would swamp an unpaired comparison;
	 * the per-pair ratio sees only the 10 % effect */
	double a[15], b[15];
	struct hp_metric_result r;

	for (int i = 0; i < 15; i++) {
		double drift = 1 + 0.3 * sin(i);

		a[i] = drift;
		b[i] = drift * 1.10 * (1 + 0.001 * (i % 3));
	}
	hp_check_paired(HP_METRIC_CPU, a, b, 15, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_REGRESSION);
	cr_assert(fabs(r.change - 0.101) < 0.002, "%f", r.change);
}

Test(check, rss_needs_an_absolute_change)
{
	double a[15], b[15];
	struct hp_metric_result r;

	for (int i = 0; i < 15; i++) {
		a[i] = 100000; /* 100 kB -> 150 kB: +50 % but only 50 kB */
		b[i] = 150000 + i;
	}
	hp_check_paired(HP_METRIC_RSS, a, b, 15, 0.01, 0.05, 1048576, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_OK);
	cr_assert_eq(r.below_min_abs, 1);
	hp_check_paired(HP_METRIC_RSS, a, b, 15, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_REGRESSION);
}

Test(check, stored_baseline_prediction_interval)
{
	double base[10], same[5], slow[5], fast[5];
	struct hp_metric_result r;
	struct hp_rng g;

	hp_rng_seed(&g, 9);
	for (int i = 0; i < 10; i++)
		base[i] = 2.0 * (1 + noise(&g, 0.01));
	for (int i = 0; i < 5; i++) {
		same[i] = 2.0 * (1 + noise(&g, 0.01));
		slow[i] = 2.4 * (1 + noise(&g, 0.01));
		fast[i] = 1.6 * (1 + noise(&g, 0.01));
	}
	hp_check_stored(HP_METRIC_WALL, base, 10, same, 5, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_OK);
	hp_check_stored(HP_METRIC_WALL, base, 10, slow, 5, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_REGRESSION);
	cr_assert(r.change > 0.15 && r.change < 0.25);
	hp_check_stored(HP_METRIC_WALL, base, 10, fast, 5, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_IMPROVED);
	/* beyond the interval but within the threshold: not a regression */
	for (int i = 0; i < 5; i++)
		slow[i] = base[i] * 1.03;
	hp_check_stored(HP_METRIC_WALL, base, 10, slow, 5, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_OK);
	/* a one-run baseline has no spread: the threshold alone decides */
	hp_check_stored(HP_METRIC_WALL, base, 1, fast, 5, 0.01, 0.05, 0, &r);
	cr_assert_eq(r.verdict, HP_VERDICT_IMPROVED);
}

Test(check, false_alarm_simulation_on_pure_noise)
{
	/* A/A pairs: the gate at alpha/3 per look must raise (almost) no
	 * alarm at a 5 % threshold on 2 % noise */
	double a[40], b[40];
	size_t alarms;

	make_pairs(a, b, 40, 0.0, 0.02, 5);
	alarms = hp_check_simulate_false_alarms(HP_METRIC_WALL, a, b, 40, 15, 200,
						hp_check_alpha_per_look(0.01, 3), 0.05, 0, 11);
	cr_assert(alarms <= 2, "%zu false alarms in 200", alarms);
	/* and the same machinery does see a real 20 % effect */
	make_pairs(a, b, 40, 0.20, 0.02, 6);
	alarms = hp_check_simulate_false_alarms(HP_METRIC_WALL, a, b, 40, 15, 200,
						hp_check_alpha_per_look(0.01, 3), 0.05, 0, 12);
	cr_assert(alarms >= 190, "%zu detections in 200", alarms);
}
