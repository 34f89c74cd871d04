#include "report/trend.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define W 960.0
#define H 440.0
#define ML 80.0   /* left margin: y labels */
#define MR 30.0
#define MT 50.0
#define MB 70.0   /* bottom: commit labels */

struct scale {
	double x0, dx, y0, y1;
	size_t n;
};

static double sx(const struct scale *s, double i)
{
	return s->n > 1 ? ML + i * s->dx : ML + (W - ML - MR) / 2;
}

static double sy(const struct scale *s, double v)
{
	double f = s->y1 > s->y0 ? (v - s->y0) / (s->y1 - s->y0) : 0.5;

	return MT + (1 - f) * (H - MT - MB);
}

static void add_num(struct hp_buf *b, double v)
{
	hp_buf_addf(b, "%.1f", v);
}

static void add_text(struct hp_buf *b, const char *s)
{
	hp_buf_add_xml(b, s, strlen(s));
}

static void fmt_value(char *buf, size_t len, double v, const char *unit)
{
	if (unit && !strcmp(unit, "bytes") && fabs(v) >= 1048576)
		snprintf(buf, len, "%.4g MiB", v / 1048576);
	else if (unit && !strcmp(unit, "s") && fabs(v) < 1)
		snprintf(buf, len, "%.4g ms", v * 1000);
	else
		snprintf(buf, len, "%.4g%s%s", v, unit && *unit ? " " : "", unit ? unit : "");
}

void hp_trend_render(const struct hp_trend *t, struct hp_buf *out)
{
	struct scale s;
	double lo = INFINITY, hi = -INFINITY;
	char v[64];
	bool have_band = false;

	for (size_t i = 0; i < t->n; i++) {
		const struct hp_trend_point *p = &t->pts[i];
		double a = isfinite(p->lo) ? p->lo : p->value, b = isfinite(p->hi) ? p->hi : p->value;

		have_band |= isfinite(p->lo) && isfinite(p->hi);
		if (isfinite(a) && a < lo)
			lo = a;
		if (isfinite(b) && b > hi)
			hi = b;
		if (isfinite(p->value)) {
			lo = fmin(lo, p->value);
			hi = fmax(hi, p->value);
		}
	}
	if (isfinite(t->baseline)) {
		lo = fmin(lo, t->baseline);
		hi = fmax(hi, t->baseline);
	}
	if (!isfinite(lo) || !isfinite(hi)) {
		lo = 0;
		hi = 1;
	}
	{
		double pad = (hi - lo) * 0.08;

		if (pad <= 0)
			pad = fabs(hi) * 0.05 + 1e-9;
		s.y0 = lo - pad;
		s.y1 = hi + pad;
	}
	s.n = t->n;
	s.dx = t->n > 1 ? (W - ML - MR) / (double)(t->n - 1) : 0;
	s.x0 = ML;

	hp_buf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			 "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
			 "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n",
		    W, H, W, H);
	hp_buf_adds(out, "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n<text x=\"");
	add_num(out, W / 2);
	hp_buf_adds(out, "\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">");
	add_text(out, t->title ? t->title : "");
	hp_buf_adds(out, "</text>\n");
	/* axes and y ticks */
	hp_buf_addf(out, "<g class=\"axes\" stroke=\"#888\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
			 "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/></g>\n",
		    ML, MT, ML, H - MB, ML, H - MB, W - MR, H - MB);
	hp_buf_adds(out, "<g class=\"yticks\" fill=\"#444\" text-anchor=\"end\">");
	for (int k = 0; k <= 4; k++) {
		double val = s.y0 + (s.y1 - s.y0) * k / 4, y = sy(&s, val);

		fmt_value(v, sizeof(v), val, t->unit);
		hp_buf_addf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>",
			    ML, y, W - MR, y);
		hp_buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\">", ML - 6, y + 4);
		add_text(out, v);
		hp_buf_adds(out, "</text>");
	}
	hp_buf_adds(out, "</g>\n");
	if (t->n == 0) {
		hp_buf_addf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">no runs</text>\n</svg>\n",
			    W / 2, H / 2);
		return;
	}
	/* interval band: along hi, back along lo */
	if (have_band) {
		hp_buf_adds(out, "<polygon class=\"band\" fill=\"#9ecae1\" fill-opacity=\"0.45\" stroke=\"none\" points=\"");
		for (size_t i = 0; i < t->n; i++) {
			const struct hp_trend_point *p = &t->pts[i];

			hp_buf_addf(out, "%.1f,%.1f ", sx(&s, (double)i), sy(&s, isfinite(p->hi) ? p->hi : p->value));
		}
		for (size_t i = t->n; i-- > 0;) {
			const struct hp_trend_point *p = &t->pts[i];

			hp_buf_addf(out, "%.1f,%.1f ", sx(&s, (double)i), sy(&s, isfinite(p->lo) ? p->lo : p->value));
		}
		hp_buf_adds(out, "\"/>\n");
	}
	/* the values */
	hp_buf_adds(out, "<polyline class=\"values\" fill=\"none\" stroke=\"#08519c\" stroke-width=\"1.5\" points=\"");
	for (size_t i = 0; i < t->n; i++)
		if (isfinite(t->pts[i].value))
			hp_buf_addf(out, "%.1f,%.1f ", sx(&s, (double)i), sy(&s, t->pts[i].value));
	hp_buf_adds(out, "\"/>\n");
	if (t->n <= 500) {
		hp_buf_adds(out, "<g class=\"points\" fill=\"#08519c\">");
		for (size_t i = 0; i < t->n; i++) {
			if (!isfinite(t->pts[i].value))
				continue;
			fmt_value(v, sizeof(v), t->pts[i].value, t->unit);
			hp_buf_addf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"><title>", sx(&s, (double)i),
				    sy(&s, t->pts[i].value));
			add_text(out, t->pts[i].label ? t->pts[i].label : "");
			hp_buf_adds(out, ": ");
			add_text(out, v);
			hp_buf_adds(out, "</title></circle>");
		}
		hp_buf_adds(out, "</g>\n");
	}
	/* current baseline */
	if (isfinite(t->baseline)) {
		double y = sy(&s, t->baseline);

		fmt_value(v, sizeof(v), t->baseline, t->unit);
		hp_buf_addf(out, "<g class=\"baseline\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				 "stroke=\"#e6550d\" stroke-width=\"1.5\" stroke-dasharray=\"6,4\"/>"
				 "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#e6550d\">baseline ",
			    ML, y, W - MR, y, W - MR, y - 5);
		add_text(out, v);
		hp_buf_adds(out, "</text></g>\n");
	}
	/* change points */
	for (size_t k = 0; k < t->nr_marks; k++) {
		double x = t->marks[k].index > 0 ? sx(&s, (double)t->marks[k].index - 0.5) : sx(&s, 0);

		hp_buf_addf(out, "<g class=\"change\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
				 "stroke=\"#cb181d\" stroke-width=\"1.5\"/>"
				 "<text x=\"%.1f\" y=\"%.1f\" fill=\"#cb181d\">",
			    x, MT, x, H - MB, x + 4, MT + 14 + 14.0 * (double)(k % 3));
		add_text(out, t->marks[k].label ? t->marks[k].label : "");
		hp_buf_adds(out, "</text></g>\n");
	}
	/* first and last commit under the x axis */
	hp_buf_addf(out, "<g class=\"xlabels\" fill=\"#444\"><text x=\"%.1f\" y=\"%.1f\">", ML, H - MB + 18);
	add_text(out, t->pts[0].label ? t->pts[0].label : "");
	hp_buf_addf(out, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", W - MR, H - MB + 18);
	add_text(out, t->pts[t->n - 1].label ? t->pts[t->n - 1].label : "");
	hp_buf_addf(out, "</text><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%zu runs, oldest to newest</text></g>\n",
		    W / 2, H - MB + 40, t->n);
	hp_buf_adds(out, "</svg>\n");
}
