#include "report/check_report.h"

#include <math.h>
#include <string.h>

static const char *icon(enum hp_verdict v)
{
	switch (v) {
	case HP_VERDICT_OK: return "✅";
	case HP_VERDICT_IMPROVED: return "🚀";
	case HP_VERDICT_INCONCLUSIVE: return "⚠️";
	case HP_VERDICT_REGRESSION: return "❌";
	}
	return "?";
}

enum hp_verdict hp_check_overall(const struct hp_metric_result *r, size_t n)
{
	enum hp_verdict worst = HP_VERDICT_OK;
	bool improved = false;

	for (size_t i = 0; i < n; i++) {
		if (r[i].verdict == HP_VERDICT_IMPROVED)
			improved = true;
		else if (r[i].verdict > worst)
			worst = r[i].verdict;
	}
	return worst == HP_VERDICT_OK && improved ? HP_VERDICT_IMPROVED : worst;
}

static void add_pct(struct hp_buf *out, double v)
{
	if (isinf(v))
		hp_buf_adds(out, v > 0 ? "+inf" : "-inf");
	else if (isnan(v))
		hp_buf_adds(out, "n/a");
	else
		hp_buf_addf(out, "%+.1f%%", 100 * v);
}

static void add_interval(struct hp_buf *out, const struct hp_metric_result *r)
{
	if (isinf(r->lo) && isinf(r->hi)) {
		hp_buf_addf(out, "no %.0f%% interval from %zu values", 100 * r->confidence, r->n);
		return;
	}
	hp_buf_addf(out, "%.1f%% interval ", 100 * r->confidence);
	add_pct(out, r->lo);
	hp_buf_adds(out, " .. ");
	add_pct(out, r->hi);
	hp_buf_addf(out, ", n=%zu", r->n);
}

void hp_check_metric_line(const struct hp_metric_result *r, struct hp_buf *out)
{
	hp_buf_addf(out, "%s %s: ", icon(r->verdict), hp_metric_names[r->metric]);
	add_pct(out, r->change);
	switch (r->verdict) {
	case HP_VERDICT_OK:
		hp_buf_addf(out, " (within %.1f%%; ", 100 * r->threshold);
		break;
	case HP_VERDICT_IMPROVED:
		hp_buf_addf(out, " (improved beyond %.1f%%; ", 100 * r->threshold);
		break;
	case HP_VERDICT_INCONCLUSIVE:
		hp_buf_addf(out, " (inconclusive against %.1f%%; ", 100 * r->threshold);
		break;
	case HP_VERDICT_REGRESSION:
		hp_buf_addf(out, " (REGRESSION beyond %.1f%%; ", 100 * r->threshold);
		break;
	}
	add_interval(out, r);
	if (r->below_min_abs)
		hp_buf_adds(out, "; absolute change under the minimum");
	hp_buf_adds(out, ")");
}

static const char *headline(enum hp_verdict v)
{
	switch (v) {
	case HP_VERDICT_OK: return "✅ NO REGRESSIONS";
	case HP_VERDICT_IMPROVED: return "🚀 IMPROVED, NO REGRESSIONS";
	case HP_VERDICT_INCONCLUSIVE: return "⚠️ INCONCLUSIVE";
	case HP_VERDICT_REGRESSION: return "❌ REGRESSION";
	}
	return "?";
}

void hp_check_report_console(const struct hp_check_report *c, struct hp_buf *out)
{
	hp_buf_addf(out, "Performance Check: %s\n", headline(hp_check_overall(c->results, c->nr)));
	for (size_t i = 0; i < c->nr; i++) {
		hp_buf_adds(out, "  ");
		hp_check_metric_line(&c->results[i], out);
		hp_buf_addch(out, '\n');
	}
}

void hp_check_report_junit(const struct hp_check_report *c, struct hp_buf *out)
{
	size_t failures = 0;

	for (size_t i = 0; i < c->nr; i++)
		failures += c->results[i].verdict == HP_VERDICT_REGRESSION;
	hp_buf_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	hp_buf_addf(out, "<testsuites name=\"hotpath check\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n",
		    c->nr, failures, c->seconds);
	hp_buf_addf(out, "  <testsuite name=\"hotpath check (%s)\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"%.3f\">\n",
		    c->mode, c->nr, failures, c->seconds);
	hp_buf_adds(out, "    <properties>\n      <property name=\"baseline\" value=\"");
	hp_buf_add_xml(out, c->baseline ? c->baseline : "", c->baseline ? strlen(c->baseline) : 0);
	hp_buf_adds(out, "\"/>\n      <property name=\"candidate\" value=\"");
	hp_buf_add_xml(out, c->candidate ? c->candidate : "", c->candidate ? strlen(c->candidate) : 0);
	hp_buf_adds(out, "\"/>\n    </properties>\n");
	for (size_t i = 0; i < c->nr; i++) {
		const struct hp_metric_result *r = &c->results[i];
		struct hp_buf line = HP_BUF_INIT;

		hp_check_metric_line(r, &line);
		hp_buf_addf(out, "    <testcase classname=\"hotpath.check\" name=\"%s\" time=\"0\">",
			    hp_metric_names[r->metric]);
		if (r->verdict == HP_VERDICT_REGRESSION) {
			hp_buf_adds(out, "\n      <failure type=\"regression\" message=\"");
			hp_buf_add_xml(out, line.data, line.len);
			hp_buf_adds(out, "\">");
			hp_buf_addf(out, "baseline median %.6g %s, candidate median %.6g %s",
				    r->base_median, hp_metric_units[r->metric], r->new_median,
				    hp_metric_units[r->metric]);
			hp_buf_adds(out, "</failure>\n    ");
		} else {
			hp_buf_adds(out, "\n      <system-out>");
			hp_buf_add_xml(out, line.data, line.len);
			hp_buf_adds(out, "</system-out>\n    ");
		}
		hp_buf_adds(out, "</testcase>\n");
		hp_buf_release(&line);
	}
	hp_buf_adds(out, "  </testsuite>\n</testsuites>\n");
}

void hp_buf_add_markdown(struct hp_buf *out, const char *s)
{
	struct hp_buf clean = HP_BUF_INIT;

	hp_buf_add_utf8_clean(&clean, s, strlen(s));
	for (const char *p = clean.data; *p; p++) {
		switch (*p) {
		case '|': case '`': case '*': case '_': case '[': case ']': case '\\': case '#':
			hp_buf_addch(out, '\\');
			hp_buf_addch(out, *p);
			break;
		case '<': hp_buf_adds(out, "&lt;"); break;
		case '>': hp_buf_adds(out, "&gt;"); break;
		case '&': hp_buf_adds(out, "&amp;"); break;
		case '\n': case '\r': hp_buf_addch(out, ' '); break;
		default: hp_buf_addch(out, *p);
		}
	}
	hp_buf_release(&clean);
}

void hp_check_report_markdown(const struct hp_check_report *c, struct hp_buf *out)
{
	hp_buf_addf(out, "### Performance Check: %s\n\n", headline(hp_check_overall(c->results, c->nr)));
	hp_buf_addf(out, "Mode: %s. Baseline: ", c->mode);
	hp_buf_add_markdown(out, c->baseline ? c->baseline : "");
	hp_buf_adds(out, ". Candidate: ");
	hp_buf_add_markdown(out, c->candidate ? c->candidate : "");
	hp_buf_adds(out, ".\n\n| | metric | change | interval | threshold | baseline median | candidate median | n |\n");
	hp_buf_adds(out, "|---|---|---|---|---|---|---|---|\n");
	for (size_t i = 0; i < c->nr; i++) {
		const struct hp_metric_result *r = &c->results[i];

		hp_buf_addf(out, "| %s | %s | ", icon(r->verdict), hp_metric_names[r->metric]);
		add_pct(out, r->change);
		hp_buf_adds(out, " | ");
		add_pct(out, r->lo);
		hp_buf_adds(out, " .. ");
		add_pct(out, r->hi);
		hp_buf_addf(out, " | %.1f%% | %.6g | %.6g | %zu |\n", 100 * r->threshold,
			    r->base_median, r->new_median, r->n);
	}
	hp_buf_addch(out, '\n');
}
