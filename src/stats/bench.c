#include "stats/bench.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"
#include "stats/stats.h"

const char *const hp_metric_names[HP_METRIC_NR] = { "wall_seconds", "cpu_seconds", "peak_rss_bytes" };
const char *const hp_metric_units[HP_METRIC_NR] = { "s", "s", "bytes" };

void hp_bench_init(struct hp_bench *b, char *const *argv)
{
	struct hp_buf cmd = HP_BUF_INIT;
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	if (!argv)
		return;
	while (argv[n])
		n++;
	b->argv = hp_xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		b->argv[i] = hp_xstrdup(argv[i]);
	hp_argv_display(argv, &cmd);
	b->command = hp_buf_detach(&cmd, NULL);
}

void hp_bench_release(struct hp_bench *b)
{
	if (b->argv) {
		for (char **a = b->argv; *a; a++)
			free(*a);
		free(b->argv);
	}
	free(b->command);
	free(b->runs);
	memset(b, 0, sizeof(*b));
}

void hp_bench_add(struct hp_bench *b, const struct hp_bench_run *r)
{
	HP_GROW(b->runs, b->nr + 1, b->alloc);
	b->runs[b->nr++] = *r;
}

double hp_bench_value(const struct hp_bench *b, size_t i, enum hp_metric m)
{
	const struct hp_bench_run *r = &b->runs[i];

	switch (m) {
	case HP_METRIC_WALL:
		return r->wall_s;
	case HP_METRIC_CPU:
		return r->user_s + r->sys_s;
	case HP_METRIC_RSS:
		return r->max_rss_bytes;
	case HP_METRIC_NR:
		break;
	}
	return NAN;
}

double *hp_bench_values(const struct hp_bench *b, enum hp_metric m, size_t *n)
{
	double *v = hp_xmalloc((b->nr ? b->nr : 1) * sizeof(double));

	*n = 0;
	for (size_t i = 0; i < b->nr; i++) {
		double x = hp_bench_value(b, i, m);

		if (isfinite(x))
			v[(*n)++] = x;
	}
	return v;
}

void hp_argv_display(char *const *argv, struct hp_buf *out)
{
	for (size_t i = 0; argv[i]; i++) {
		const char *a = argv[i];

		if (i)
			hp_buf_addch(out, ' ');
		if (*a && !a[strcspn(a, " \t\n'\"\\$`;&|<>()*?[]#~!{}")]) {
			hp_buf_adds(out, a);
			continue;
		}
		hp_buf_addch(out, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				hp_buf_adds(out, "'\\''");
			else
				hp_buf_addch(out, *a);
		}
		hp_buf_addch(out, '\'');
	}
}

static json_t *array_of(const struct hp_bench *b, double (*get)(const struct hp_bench_run *))
{
	json_t *a = json_array();

	for (size_t i = 0; i < b->nr; i++) {
		double v = get(&b->runs[i]);

		json_array_append_new(a, isfinite(v) ? json_real(v) : json_null());
	}
	return a;
}

static double get_wall(const struct hp_bench_run *r) { return r->wall_s; }
static double get_user(const struct hp_bench_run *r) { return r->user_s; }
static double get_sys(const struct hp_bench_run *r) { return r->sys_s; }
static double get_rss(const struct hp_bench_run *r) { return r->max_rss_bytes; }

static json_t *clean_str(const char *s)
{
	struct hp_buf b = HP_BUF_INIT;
	json_t *j;

	hp_buf_add_utf8_clean(&b, s, strlen(s));
	j = json_stringn(b.data, b.len);
	hp_buf_release(&b);
	return j;
}

static double mean_of(const struct hp_bench *b, double (*get)(const struct hp_bench_run *))
{
	double sum = 0;
	size_t n = 0;

	for (size_t i = 0; i < b->nr; i++) {
		double v = get(&b->runs[i]);

		if (isfinite(v)) {
			sum += v;
			n++;
		}
	}
	return n ? sum / (double)n : NAN;
}

static json_t *num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

int hp_bench_write_json(const struct hp_bench *b, struct hp_buf *out, struct hp_err *err)
{
	json_t *root = json_object(), *results = json_array(), *r = json_object();
	json_t *codes = json_array(), *argv = json_array();
	struct hp_summary w;
	size_t nw;
	double *wall = hp_bench_values(b, HP_METRIC_WALL, &nw);
	char *s;

	hp_stats_summary(wall, nw, &w);
	free(wall);
	json_object_set_new(r, "command", clean_str(b->command ? b->command : ""));
	json_object_set_new(r, "mean", num_or_null(w.mean));
	json_object_set_new(r, "stddev", num_or_null(w.stddev));
	json_object_set_new(r, "median", num_or_null(w.median));
	json_object_set_new(r, "user", num_or_null(mean_of(b, get_user)));
	json_object_set_new(r, "system", num_or_null(mean_of(b, get_sys)));
	json_object_set_new(r, "min", num_or_null(w.min));
	json_object_set_new(r, "max", num_or_null(w.max));
	json_object_set_new(r, "times", array_of(b, get_wall));
	for (size_t i = 0; i < b->nr; i++)
		json_array_append_new(codes, json_integer(b->runs[i].exit_code));
	json_object_set_new(r, "exit_codes", codes);
	json_object_set_new(r, "user_times", array_of(b, get_user));
	json_object_set_new(r, "system_times", array_of(b, get_sys));
	json_object_set_new(r, "max_rss_bytes", array_of(b, get_rss));
	if (b->argv)
		for (char **a = b->argv; *a; a++)
			json_array_append_new(argv, clean_str(*a));
	json_object_set_new(r, "argv", argv);
	json_array_append_new(results, r);
	json_object_set_new(root, "results", results);
	json_object_set_new(root, "hotpath_version", json_string(HP_VERSION));
	s = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
	json_decref(root);
	if (!s)
		return hp_err_set(err, "cannot encode the benchmark as JSON");
	hp_buf_adds(out, s);
	hp_buf_addch(out, '\n');
	free(s);
	return 0;
}

/* Numbers: JSON reals or integers, finite and not negative. */
static int get_num(json_t *v, double *out)
{
	double d;

	if (json_is_null(v)) {
		*out = NAN;
		return 0;
	}
	if (!json_is_number(v))
		return -1;
	d = json_number_value(v);
	if (!isfinite(d) || d < 0)
		return -1;
	*out = d;
	return 0;
}

static int get_array(json_t *r, const char *key, size_t n, bool required, json_t **out,
		     const char *name, struct hp_err *err)
{
	json_t *a = json_object_get(r, key);

	*out = NULL;
	if (!a) {
		if (required)
			return hp_err_set(err, "cannot read '%s': no \"%s\" array", name, key);
		return 0;
	}
	if (!json_is_array(a))
		return hp_err_set(err, "cannot read '%s': \"%s\" is not an array", name, key);
	if (n != SIZE_MAX && json_array_size(a) != n)
		return hp_err_set(err, "cannot read '%s': \"%s\" has %zu values, \"times\" has %zu",
				  name, key, json_array_size(a), n);
	*out = a;
	return 0;
}

/* A `hotpath record` JSON is one run: duration, CPU times and peak RSS. */
static int read_record_json(struct hp_bench *b, json_t *root, const char *name, struct hp_err *err)
{
	struct hp_bench_run run = { NAN, NAN, NAN, NAN, 0 };
	json_t *rss = json_object_get(root, "peak_rss_kb"), *status = json_object_get(root, "exit_status");

	if (get_num(json_object_get(root, "duration_s"), &run.wall_s) || !isfinite(run.wall_s) ||
	    get_num(json_object_get(root, "user_cpu_s"), &run.user_s) ||
	    get_num(json_object_get(root, "sys_cpu_s"), &run.sys_s) ||
	    (rss && get_num(rss, &run.max_rss_bytes)))
		return hp_err_set(err, "cannot read '%s': a run value is not a non-negative number", name);
	run.max_rss_bytes *= 1024.0;
	if (json_is_integer(status))
		run.exit_code = (int)(json_integer_value(status) & 0xff);
	hp_bench_add(b, &run);
	return 0;
}

int hp_bench_read_json(struct hp_bench *b, const char *data, size_t len,
		       const char *name, struct hp_err *err)
{
	json_t *root, *results, *r, *times, *user, *sys, *rss, *codes, *argv, *cmd;
	json_error_t jerr;
	size_t n;
	int ret = -1;

	hp_bench_init(b, NULL);
	root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return hp_err_set(err, "cannot read '%s': line %d, column %d: %s", name,
				  jerr.line, jerr.column, jerr.text);
	results = json_object_get(root, "results");
	if (!results && json_is_object(root) && json_object_get(root, "duration_s")) {
		ret = read_record_json(b, root, name, err);
		goto cleanup;
	}
	if (!json_is_array(results) || json_array_size(results) == 0) {
		hp_err_set(err, "cannot read '%s': no \"results\" array (not a benchmark file)", name);
		goto cleanup;
	}
	r = json_array_get(results, 0);
	if (!json_is_object(r)) {
		hp_err_set(err, "cannot read '%s': \"results\"[0] is not an object", name);
		goto cleanup;
	}
	if (get_array(r, "times", SIZE_MAX, true, &times, name, err))
		goto cleanup;
	n = json_array_size(times);
	if (n > 1000000) {
		hp_err_set(err, "cannot read '%s': too many runs (%zu)", name, n);
		goto cleanup;
	}
	if (get_array(r, "user_times", n, false, &user, name, err) ||
	    get_array(r, "system_times", n, false, &sys, name, err) ||
	    get_array(r, "max_rss_bytes", n, false, &rss, name, err) ||
	    get_array(r, "exit_codes", n, false, &codes, name, err) ||
	    get_array(r, "argv", SIZE_MAX, false, &argv, name, err))
		goto cleanup;
	for (size_t i = 0; i < n; i++) {
		struct hp_bench_run run = { NAN, NAN, NAN, NAN, 0 };

		if (get_num(json_array_get(times, i), &run.wall_s) || !isfinite(run.wall_s) ||
		    (user && get_num(json_array_get(user, i), &run.user_s)) ||
		    (sys && get_num(json_array_get(sys, i), &run.sys_s)) ||
		    (rss && get_num(json_array_get(rss, i), &run.max_rss_bytes))) {
			hp_err_set(err, "cannot read '%s': run %zu has a value that is not a non-negative number",
				   name, i + 1);
			goto cleanup;
		}
		if (codes) {
			json_t *c = json_array_get(codes, i);

			if (!json_is_integer(c) || json_integer_value(c) < -1 || json_integer_value(c) > 255) {
				hp_err_set(err, "cannot read '%s': exit code of run %zu is not an integer in -1..255",
					   name, i + 1);
				goto cleanup;
			}
			run.exit_code = (int)json_integer_value(c);
		}
		hp_bench_add(b, &run);
	}
	if (argv && json_array_size(argv)) {
		size_t na = json_array_size(argv);

		b->argv = hp_xcalloc(na + 1, sizeof(char *));
		for (size_t i = 0; i < na; i++) {
			json_t *a = json_array_get(argv, i);

			if (!json_is_string(a)) {
				hp_err_set(err, "cannot read '%s': \"argv\" holds a non-string", name);
				goto cleanup;
			}
			b->argv[i] = hp_xstrndup(json_string_value(a), json_string_length(a));
		}
	}
	cmd = json_object_get(r, "command");
	if (json_is_string(cmd))
		b->command = hp_xstrndup(json_string_value(cmd), json_string_length(cmd));
	ret = 0;
cleanup:
	json_decref(root);
	if (ret)
		hp_bench_release(b);
	return ret;
}
