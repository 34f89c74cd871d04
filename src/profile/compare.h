/*
 * compare.h - per-function differences between two profiles.
 *
 * Functions are matched by their display name ("func (file)"; for pstats
 * "file:line(func)").  Shares are normalised by each profile's own total,
 * so a 10 s and a 60 s run compare fairly: a function's change is the
 * difference of its shares in percentage points.
 *
 * Ownership: struct hp_compare owns its rows and their names;
 * hp_compare_release frees them.
 */
#ifndef HP_PROFILE_COMPARE_H
#define HP_PROFILE_COMPARE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/strtab.h"
#include "profile/profile.h"
#include "profile/pstats.h"

struct hp_compare_row {
	uint32_t name;            /* string id in cmp->names */
	bool in_base, in_new;
	double base_self, new_self;     /* shares of the profile's total, 0..1 */
	double base_total, new_total;
	/* pstats only */
	double base_tt, new_tt, base_ct, new_ct;  /* seconds */
	int64_t base_nc, new_nc;
};

struct hp_compare {
	struct hp_strtab names;
	struct hp_compare_row *rows;
	size_t nr, alloc;
	bool pstats;
	double base_weight, new_weight;   /* samples (or seconds for pstats) */
	double base_seconds, new_seconds; /* NAN when unknown */
	const char *unit;                 /* "samples" or "seconds" */
};

void hp_compare_init(struct hp_compare *c);
void hp_compare_release(struct hp_compare *c);

/* Compare weight column col of two profiles. Seconds come from meta
 * (duration_s) when known, else from samples / rate_achieved. */
void hp_compare_profiles(struct hp_compare *c, const struct hp_profile *base,
			 const struct hp_profile *cand, uint32_t base_col, uint32_t cand_col);
void hp_compare_pstats(struct hp_compare *c, const struct hp_pstats *base,
		       const struct hp_pstats *cand);

static inline double hp_compare_delta_self(const struct hp_compare_row *r)
{
	return r->new_self - r->base_self;
}

/* Row indexes sorted by self-share change: regressions (largest growth
 * first) or improvements (largest shrink first), only rows present in both;
 * appeared / vanished rows by their share.  Caller frees; *n set. */
size_t *hp_compare_order(const struct hp_compare *c, int which, size_t *n);
enum { HP_CMP_REGRESSIONS, HP_CMP_IMPROVEMENTS, HP_CMP_APPEARED, HP_CMP_VANISHED };

#endif
