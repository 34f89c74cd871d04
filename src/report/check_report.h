/*
 * check_report.h - the regression gate's reports: console text, JUnit XML
 * (one test case per metric, the numbers in the failure message) and a
 * Markdown summary (for $GITHUB_STEP_SUMMARY).  All append to out; every
 * user-controlled string (the commands) is escaped for the target format.
 */
#ifndef HP_REPORT_CHECK_REPORT_H
#define HP_REPORT_CHECK_REPORT_H

#include "core/buf.h"
#include "stats/check.h"

struct hp_check_report {
	const char *mode;          /* "paired" or "stored baseline" */
	const char *baseline;      /* baseline command or file */
	const char *candidate;     /* candidate command */
	const struct hp_metric_result *results;
	size_t nr;
	double seconds;            /* time the check took */
};

/* The worst verdict of all metrics. */
enum hp_verdict hp_check_overall(const struct hp_metric_result *r, size_t n);
/* One line for a metric, e.g. "✅ wall_seconds: +2.3% (within 5.0%; ...)". */
void hp_check_metric_line(const struct hp_metric_result *r, struct hp_buf *out);
void hp_check_report_console(const struct hp_check_report *c, struct hp_buf *out);
void hp_check_report_junit(const struct hp_check_report *c, struct hp_buf *out);
void hp_check_report_markdown(const struct hp_check_report *c, struct hp_buf *out);

/* Escape for a Markdown table cell: | ` * _ [ ] < > & and line breaks. */
void hp_buf_add_markdown(struct hp_buf *out, const char *s);

#endif
