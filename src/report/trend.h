/*
 * trend.h - an SVG line chart of one metric over a run history: the
 * values, their interval band, the current baseline as a dashed line and
 * the change points as labelled vertical lines.  Every string (title,
 * commits, labels) is escaped with hp_buf_add_xml.
 *
 * Ownership: everything in struct hp_trend is borrowed; the SVG is
 * appended to out.
 */
#ifndef HP_REPORT_TREND_H
#define HP_REPORT_TREND_H

#include <stddef.h>

#include "core/buf.h"

struct hp_trend_point {
	double value, lo, hi;   /* lo/hi NAN when unknown */
	const char *label;      /* e.g. the short commit sha */
};

struct hp_trend_mark {
	size_t index;           /* first point of the new level */
	const char *label;      /* e.g. "a1b2c3d +12.0%" */
};

struct hp_trend {
	const char *title;
	const char *unit;       /* "s", "bytes" */
	const struct hp_trend_point *pts;
	size_t n;
	double baseline;        /* NAN: none */
	const struct hp_trend_mark *marks;
	size_t nr_marks;
};

void hp_trend_render(const struct hp_trend *t, struct hp_buf *out);

#endif
