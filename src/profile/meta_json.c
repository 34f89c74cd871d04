#include "profile/meta_json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "core/alloc.h"

bool hp_meta_json_sniff(const char *data, size_t len)
{
	json_t *root = json_loadb(data, len, 0, NULL);
	bool yes = root && json_is_object(root) && json_object_get(root, "duration_s");

	json_decref(root);
	return yes;
}

static int num(json_t *root, const char *key, double *out, const char *name, struct hp_err *err)
{
	json_t *v = json_object_get(root, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !isfinite(json_number_value(v)))
		return hp_err_set(err, "cannot read '%s': \"%s\" is not a number", name, key);
	*out = json_number_value(v);
	return 0;
}

static int str(json_t *root, const char *key, char **out, const char *name, struct hp_err *err)
{
	json_t *v = json_object_get(root, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return hp_err_set(err, "cannot read '%s': \"%s\" is not a string", name, key);
	free(*out);
	*out = hp_xstrndup(json_string_value(v), json_string_length(v));
	return 0;
}

int hp_meta_read_json(struct hp_meta *m, const char *data, size_t len, const char *name,
		      struct hp_err *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr), *v;
	double samples = -1, errors = -1, exit_status = -1, rss = -1;
	int ret = -1;

	if (!root)
		return hp_err_set(err, "cannot read '%s': line %d, column %d: %s", name, jerr.line,
				  jerr.column, jerr.text);
	if (!json_is_object(root)) {
		hp_err_set(err, "cannot read '%s': not a JSON object", name);
		goto cleanup;
	}
	if (num(root, "duration_s", &m->duration_s, name, err) ||
	    num(root, "rate_requested", &m->rate_requested, name, err) ||
	    num(root, "rate_achieved", &m->rate_achieved, name, err) ||
	    num(root, "samples", &samples, name, err) || num(root, "errors", &errors, name, err) ||
	    num(root, "exit_status", &exit_status, name, err) ||
	    num(root, "user_cpu_s", &m->user_cpu_s, name, err) ||
	    num(root, "sys_cpu_s", &m->sys_cpu_s, name, err) ||
	    num(root, "peak_rss_kb", &rss, name, err) ||
	    str(root, "python_version", &m->python_version, name, err) ||
	    str(root, "start_time", &m->start_time, name, err) ||
	    str(root, "hotpath_version", &m->tool_version, name, err))
		goto cleanup;
	/* counts are stored as integers; keep them in range of their types */
	if (samples > 9e15 || errors > 9e15 || rss > 9e15 || fabs(exit_status) > 1e6) {
		hp_err_set(err, "cannot read '%s': a count is out of range", name);
		goto cleanup;
	}
	m->samples = (int64_t)samples;
	m->errors = (int64_t)errors;
	m->exit_status = (int)exit_status;
	m->peak_rss_kb = (int64_t)rss;
	v = json_object_get(root, "command");
	if (json_is_array(v) && json_array_size(v) < 100000) {
		size_t n = json_array_size(v);

		if (m->argv) {
			for (char **a = m->argv; *a; a++)
				free(*a);
			free(m->argv);
		}
		m->argv = hp_xcalloc(n + 1, sizeof(char *));
		for (size_t i = 0; i < n; i++) {
			json_t *a = json_array_get(v, i);

			m->argv[i] = json_is_string(a) ? hp_xstrndup(json_string_value(a), json_string_length(a))
						       : hp_xstrdup("");
		}
	}
	ret = 0;
cleanup:
	json_decref(root);
	return ret;
}
