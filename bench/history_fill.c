/*
 * history_fill - insert N synthetic runs with 5 metrics each into a store,
 * one transaction per run as the commands do, and print the rate.
 * Scenario "s0" .. "s9" round-robin; the "s0" wall_seconds series has a
 * +10 % step at its middle (for --changes).
 * usage: history_fill URL N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats/stats.h"
#include "store/store.h"

int main(int argc, char **argv)
{
	static const char *const names[5] = { "wall_seconds", "cpu_seconds", "peak_rss_bytes", "samples", "user_seconds" };
	static const char *const units[5] = { "s", "s", "bytes", "samples", "s" };
	struct hp_store *s;
	struct hp_err err;
	struct hp_rng rng;
	struct timespec a, b;
	long n;

	if (argc != 3 || (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: history_fill URL N\n");
		return 2;
	}
	if (hp_store_open(argv[1], &s, &err)) {
		fprintf(stderr, "history_fill: %s\n", err.msg);
		return 1;
	}
	hp_rng_seed(&rng, 1);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		struct hp_store_metric m[5];
		struct hp_store_run r;
		double raw[5][10];
		char scen[8], sha[41];

		snprintf(scen, sizeof(scen), "s%ld", i % 10);
		snprintf(sha, sizeof(sha), "%040lx", i / 10);
		for (int k = 0; k < 5; k++) {
			double level = (k == 0 && i % 10 == 0 && i >= n / 2) ? 1.1 : 1.0;

			for (int j = 0; j < 10; j++)
				raw[k][j] = level * (1 + (double)(hp_rng_next(&rng) >> 11) / 9007199254740992.0 * 0.02);
			hp_store_metric_from_values(&m[k], names[k], units[k], raw[k], 10);
		}
		memset(&r, 0, sizeof(r));
		r.time = 1700000000 + i;
		r.sha = sha;
		r.branch = "main";
		r.scenario = scen;
		r.command = scen;
		r.machine = "bench";
		r.kind = "bench";
		r.metrics = m;
		r.nr_metrics = 5;
		if (hp_store_insert(s, &r, &err)) {
			fprintf(stderr, "history_fill: %s\n", err.msg);
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	{
		double secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

		printf("inserted %ld runs x 5 metrics in %.2f s: %.0f runs/s\n", n, secs, (double)n / secs);
	}
	hp_store_close(s);
	return 0;
}
