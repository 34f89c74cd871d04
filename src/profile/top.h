/*
 * top.h - self and total weight per function (or per function and line).
 *
 * Total (inclusive) weight counts each stack once per function even when the
 * function appears several times on it (recursion), as pprof and py-spy do.
 *
 * Ownership: hp_top owns its rows; hp_top_release frees them.  Rows refer to
 * string ids of the profile they were computed from.
 */
#ifndef HP_PROFILE_TOP_H
#define HP_PROFILE_TOP_H

#include <stdbool.h>

#include "profile/profile.h"

struct hp_top_row {
	uint32_t func;
	uint32_t file;
	int32_t line;   /* 0 unless computed by line */
	uint8_t kind;
	double self;
	double total;
};

struct hp_top {
	struct hp_top_row *rows;
	size_t nr;
	double grand_total;   /* sum of all self weights */
};

enum hp_top_sort { HP_TOP_SORT_SELF, HP_TOP_SORT_TOTAL, HP_TOP_SORT_NAME };

void hp_top_compute(const struct hp_profile *p, uint32_t col, bool by_line, struct hp_top *out);
void hp_top_sort(struct hp_top *t, const struct hp_profile *p, enum hp_top_sort how);
void hp_top_release(struct hp_top *t);

#endif
