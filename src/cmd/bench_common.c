#include "cmd/bench_common.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/afile.h"

int hp_bench_run_once(char *const *argv, const struct hp_run_opts *ro, bool ignore_failure,
		      const char *what, size_t index, struct hp_bench_run *out, struct hp_err *err)
{
	struct hp_run_result r;
	char how[128];

	if (hp_run_measure(argv, ro, &r, err))
		return -1;
	if (r.signal || (r.exit_code != 0 && !ignore_failure)) {
		hp_run_describe(&r, how, sizeof(how));
		return hp_err_set(err, "command '%s' failed in %s %zu (%s)%s", argv[0], what, index, how,
				  r.signal ? "" : "; use --ignore-failure to time it anyway");
	}
	out->wall_s = r.wall_s;
	out->user_s = r.user_s;
	out->sys_s = r.sys_s;
	out->max_rss_bytes = r.max_rss_bytes;
	out->exit_code = r.exit_code;
	return 0;
}

bool hp_baseline_name_ok(const char *name)
{
	if (!*name || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-'))
			return false;
	return true;
}

void hp_baseline_path(const char *name, struct hp_buf *out)
{
	hp_buf_addf(out, ".hotpath/baselines/%s.json", name);
}

int hp_baseline_load(const char *spec, struct hp_bench *b, struct hp_buf *path, struct hp_err *err)
{
	struct stat st;
	char *data;
	size_t len;
	int ret;

	hp_buf_reset(path);
	if (stat(spec, &st) == 0 || !hp_baseline_name_ok(spec))
		hp_buf_adds(path, spec);
	else
		hp_baseline_path(spec, path);
	if (hp_read_file(path->data, 64 << 20, &data, &len, err))
		return -1;
	ret = hp_bench_read_json(b, data, len, path->data, err);
	free(data);
	return ret;
}

int hp_bench_save_file(const struct hp_bench *b, const char *path, struct hp_err *err)
{
	struct hp_buf out = HP_BUF_INIT;
	int ret;

	ret = hp_bench_write_json(b, &out, err);
	if (!ret)
		ret = hp_write_file_atomic(path, out.data, out.len, err);
	hp_buf_release(&out);
	return ret;
}

void hp_format_value(double v, bool bytes, char *buf, size_t len)
{
	if (!isfinite(v))
		snprintf(buf, len, "n/a");
	else if (bytes)
		snprintf(buf, len, "%.1f MiB", v / (1024.0 * 1024.0));
	else if (fabs(v) >= 1)
		snprintf(buf, len, "%.3f s", v);
	else if (fabs(v) >= 1e-3)
		snprintf(buf, len, "%.2f ms", v * 1e3);
	else
		snprintf(buf, len, "%.1f µs", v * 1e6);
}
