/*
 * hotpath record - sample a Python program from outside.
 */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/record_cprofile.h"
#include "cmd/store_hook.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/folded.h"
#include "profile/top.h"
#include "sampler/proc.h"
#include "sampler/sampler.h"
#include "report/flame.h"

static bool opt_subprocesses, opt_idle, opt_no_lines, opt_quiet, opt_threads, opt_blocking;
static int opt_pid;
static double opt_rate = 100, opt_duration, opt_timeout = 10;
static const char *opt_name, *opt_outdir = "profiles";
static const char *opt_profiler = "sampling"; /* see cmd/record_cprofile.h */

static const struct hp_opt record_opts[] = {
	HP_OPT_INT_("pid", 'p', &opt_pid, "PID", "attach to a running process instead of starting one"),
	HP_OPT_DBL_("rate", 'r', &opt_rate, "HZ", "samples per second (default 100)"),
	HP_OPT_DBL_("duration", 'd', &opt_duration, "SECONDS", "stop after this long (default: until the target exits)"),
	HP_OPT_STR_("name", 'n', &opt_name, "NAME", "base name of the outputs (default: script name and time)"),
	HP_OPT_STR_("output", 'o', &opt_outdir, "DIR", "output folder (default profiles/)"),
	HP_OPT_FLAG_("subprocesses", 's', &opt_subprocesses, "sample every Python descendant process too"),
	HP_OPT_FLAG_("idle", 'i', &opt_idle, "keep samples of threads that are not running"),
	HP_OPT_FLAG_("no-lines", 0, &opt_no_lines, "aggregate per function, without line numbers"),
	HP_OPT_FLAG_("blocking", 'b', &opt_blocking, "stop the target for every sample (exact stacks, slower target)"),
	HP_OPT_FLAG_("threads", 't', &opt_threads, "root each stack at its thread (and process, with --subprocesses)"),
	HP_OPT_DBL_("timeout", 0, &opt_timeout, "SECONDS", "how long to look for the interpreter (default 10)"),
	HP_OPT_FLAG_("quiet", 'q', &opt_quiet, "no status line and no summary"),
	HP_OPT_STR_("profiler", 0, &opt_profiler, "KIND", "sampling (default), cprofile (python -m cProfile), or all (both, one run each)"),
	HP_STORE_OPTS,
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_record_help = {
	"record", "[options] -- COMMAND [ARGS...]\n[options] --pid PID",
	"sample a running Python program into a flame graph",
	"Starts COMMAND (or attaches to PID) and samples the Python stacks of all\n"
	"its threads from outside, with no change to the program.  Launchers\n"
	"(shell scripts, version-manager shims, env) are followed to the Python\n"
	"process.  Writes NAME.folded, NAME.svg and NAME.json to the output\n"
	"folder.  The exit status is the target's.  See docs/record.md.",
	record_opts,
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void progress(void *ctx, const struct hp_sampler_stats *st)
{
	(void)ctx;
	fprintf(stderr, "\r\033[Khotpath: %.1f s, %llu samples, %.0f Hz, %llu errors",
		st->elapsed, (unsigned long long)st->samples,
		st->elapsed > 0 ? (double)st->ticks / st->elapsed : 0.0,
		(unsigned long long)st->errors);
}

/* The script's base name without ".py": the first argument ending in
 * ".py", else the module after "-m", else the command's base name. */
static void script_name(char **argv, size_t argc, struct hp_buf *out)
{
	const char *pick = NULL;
	size_t len;

	for (size_t i = 0; i < argc && !pick; i++) {
		size_t l = strlen(argv[i]);

		if (l > 3 && !strcmp(argv[i] + l - 3, ".py"))
			pick = argv[i];
		else if (!strcmp(argv[i], "-m") && i + 1 < argc)
			pick = argv[i + 1];
	}
	if (!pick)
		pick = argc ? argv[0] : "python";
	if (strrchr(pick, '/'))
		pick = strrchr(pick, '/') + 1;
	len = strlen(pick);
	if (len > 3 && !strcmp(pick + len - 3, ".py"))
		len -= 3;
	for (size_t i = 0; i < len; i++) {
		char c = pick[i];

		hp_buf_addch(out, (c == '/' || c == ' ' || (unsigned char)c < 32) ? '_' : c);
	}
	if (!out->len)
		hp_buf_adds(out, "python");
}

/* argv of a running process from /proc/PID/cmdline (NUL-separated). */
static char **pid_cmdline(pid_t pid, size_t *argc)
{
	char path[64], buf[8192];
	char **av = NULL;
	size_t n = 0, alloc = 0;
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	len = hp_proc_read_small(path, buf, sizeof(buf));
	for (ssize_t i = 0; len > 0 && i < len; ) {
		size_t l = strnlen(buf + i, (size_t)(len - i));

		HP_GROW(av, n + 2, alloc);
		av[n++] = hp_xstrndup(buf + i, l);
		i += (ssize_t)l + 1;
	}
	HP_GROW(av, n + 1, alloc);
	av[n] = NULL;
	*argc = n;
	return av;
}

static int write_gitignore(const char *dir, struct hp_err *err)
{
	struct hp_buf path = HP_BUF_INIT;
	struct stat st;
	int ret = 0;

	hp_buf_addf(&path, "%s/.gitignore", dir);
	if (stat(path.data, &st) < 0)
		ret = hp_write_file_atomic(path.data, "*\n", 2, err);
	hp_buf_release(&path);
	return ret;
}

static json_t *json_str_clean(const char *s)
{
	struct hp_buf b = HP_BUF_INIT;
	json_t *j;

	hp_buf_add_utf8_clean(&b, s, strlen(s));
	j = json_stringn(b.data, b.len);
	hp_buf_release(&b);
	return j;
}

static json_t *num_or_null(double v)
{
	return v < 0 ? json_null() : json_real(v);
}

static int write_json(const char *path, const struct hp_sampler *s, const struct hp_meta *m,
		      size_t nthreads, struct hp_err *err)
{
	json_t *root = json_object(), *argv = json_array(), *pids = json_array();
	char *text;
	int ret;

	for (size_t i = 0; m->argv && m->argv[i]; i++)
		json_array_append_new(argv, json_str_clean(m->argv[i]));
	for (size_t i = 0; i < m->nr_pids; i++)
		json_array_append_new(pids, json_integer(m->pids[i]));
	json_object_set_new(root, "command", argv);
	json_object_set_new(root, "pids", pids);
	json_object_set_new(root, "python_version",
			    m->python_version ? json_string(m->python_version) : json_null());
	json_object_set_new(root, "start_time", json_string(m->start_time));
	json_object_set_new(root, "duration_s", json_real(m->duration_s));
	json_object_set_new(root, "rate_requested", json_real(m->rate_requested));
	json_object_set_new(root, "rate_achieved", json_real(m->rate_achieved));
	json_object_set_new(root, "samples", json_integer(m->samples));
	json_object_set_new(root, "ticks", json_integer((json_int_t)s->stats.ticks));
	json_object_set_new(root, "missed_ticks", json_integer((json_int_t)s->stats.missed));
	json_object_set_new(root, "errors", json_integer(m->errors));
	json_object_set_new(root, "threads", json_integer((json_int_t)nthreads));
	json_object_set_new(root, "exit_status",
			    m->exit_status < 0 ? json_null() : json_integer(m->exit_status));
	json_object_set_new(root, "user_cpu_s", num_or_null(m->user_cpu_s));
	json_object_set_new(root, "sys_cpu_s", num_or_null(m->sys_cpu_s));
	json_object_set_new(root, "peak_rss_kb",
			    m->peak_rss_kb < 0 ? json_null() : json_integer(m->peak_rss_kb));
	json_object_set_new(root, "idle", json_boolean(s->opts.idle));
	json_object_set_new(root, "lines", json_boolean(s->opts.lines));
	json_object_set_new(root, "blocking", json_boolean(s->opts.blocking));
	json_object_set_new(root, "retries", json_integer((json_int_t)s->retries));
	json_object_set_new(root, "inferred", json_integer((json_int_t)s->inferred));
	if (s->opts.timings) {
		json_t *t = json_object();

		json_object_set_new(t, "ticks", json_integer((json_int_t)s->nr_tick_ns));
		json_object_set_new(t, "median", json_real(hp_sampler_tick_quantile(s, 0.5)));
		json_object_set_new(t, "p99", json_real(hp_sampler_tick_quantile(s, 0.99)));
		json_object_set_new(t, "max", json_real(hp_sampler_tick_quantile(s, 1.0)));
		json_object_set_new(root, "tick_us", t);
	}
	json_object_set_new(root, "hotpath_version", json_string(m->tool_version));
	text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
	json_decref(root);
	if (!text)
		return hp_err_set(err, "cannot encode '%s'", path);
	{
		size_t l = strlen(text);

		text = hp_xrealloc(text, l + 2);
		text[l] = '\n';
		text[l + 1] = '\0';
		ret = hp_write_file_atomic(path, text, l + 1, err);
	}
	free(text);
	return ret;
}

static void print_summary(const struct hp_profile *p, FILE *out)
{
	struct hp_top t = { 0 };
	size_t n;

	hp_top_compute(p, 0, false, &t);
	hp_top_sort(&t, p, HP_TOP_SORT_SELF);
	n = t.nr < 5 ? t.nr : 5;
	if (n)
		fprintf(out, "hottest functions (self):\n");
	for (size_t i = 0; i < n; i++) {
		const struct hp_top_row *r = &t.rows[i];
		struct hp_buf b = HP_BUF_INIT;

		hp_buf_add_utf8_clean(&b, hp_profile_str(p, r->func), hp_strtab_len(&p->strs, r->func));
		fprintf(out, "  %5.1f%%  %s (%s)\n",
			t.grand_total > 0 ? 100.0 * r->self / t.grand_total : 0.0, b.data,
			hp_profile_str(p, r->file));
		hp_buf_release(&b);
	}
	hp_top_release(&t);
}

static int write_outputs(const struct hp_profile *p, const struct hp_sampler *s,
			 const char *base, bool quiet, size_t nthreads)
{
	struct hp_buf path = HP_BUF_INIT, out = HP_BUF_INIT;
	struct hp_folded_write_opts fo = HP_FOLDED_WRITE_OPTS_INIT;
	struct hp_profile rooted;
	struct hp_err err;
	int ret = 0;

	hp_profile_init(&rooted);
	if (opt_threads) {
		/* threads (and processes) as root frames in every output */
		static const char *const keys_pid[] = { "pid", "thread" };

		hp_profile_labels_to_frames(&rooted, p, opt_subprocesses ? keys_pid : keys_pid + 1,
					    opt_subprocesses ? 2 : 1);
		p = &rooted;
	}
	hp_buf_addf(&path, "%s.folded", base);
	hp_folded_write(p, &fo, &out);
	if (hp_write_file_atomic(path.data, out.data, out.len, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: wrote %s\n", path.data);
	{
		struct hp_flame_opts flo = HP_FLAME_OPTS_INIT;

		hp_buf_reset(&out);
		hp_buf_reset(&path);
		hp_buf_addf(&path, "%s.svg", base);
		flo.title = "hotpath record";
		if (hp_flame_render(p, &flo, &out, &err) ||
		    hp_write_file_atomic(path.data, out.data, out.len, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		if (!quiet)
			fprintf(stderr, "hotpath: wrote %s\n", path.data);
	}
	hp_buf_reset(&path);
	hp_buf_addf(&path, "%s.json", base);
	if (write_json(path.data, s, &p->meta, nthreads, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (!quiet)
		fprintf(stderr, "hotpath: wrote %s\n", path.data);
cleanup:
	hp_profile_release(&rooted);
	hp_buf_release(&path);
	hp_buf_release(&out);
	return ret;
}

static size_t count_threads(const struct hp_profile *p)
{
	size_t n = 0;

	for (uint32_t i = 1; i < p->nr_roots; i++)
		n += p->roots[i] != HP_NO_NODE;
	return n;
}

int cmd_record(int argc, char **argv)
{
	struct hp_profile p;
	struct hp_sampler s;
	struct hp_sampler_opts so;
	struct hp_err err;
	struct hp_buf base = HP_BUF_INIT, name = HP_BUF_INIT;
	char **args = NULL, **cmd = NULL, **pid_argv = NULL;
	size_t nargs = 0, dashdash = 0, ncmd = 0;
	enum hp_sampler_find found;
	bool tty = isatty(2) && !opt_quiet;
	int ret, status;

	hp_profile_init(&p);
	memset(&so, 0, sizeof(so));
	hp_sampler_init(&s, &so, &p);
	ret = hp_parse_options(argc, argv, &cmd_record_help, &args, &nargs, &dashdash);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	tty = isatty(2) && !opt_quiet;
	if (opt_pid && nargs) {
		ret = hp_usage_error("record", "give either '--pid' or a command, not both");
		goto cleanup;
	}
	if (!opt_pid && !nargs) {
		ret = hp_usage_error("record", "no command given (try 'hotpath record -- python3 app.py')");
		goto cleanup;
	}
	if (!(opt_rate >= 1 && opt_rate <= 100000)) {
		ret = hp_usage_error("record", "'--rate' must be between 1 and 100000");
		goto cleanup;
	}
	if (opt_duration < 0 || opt_timeout <= 0) {
		ret = hp_usage_error("record", "'--duration' and '--timeout' must be positive");
		goto cleanup;
	}
	if (opt_name && (!*opt_name || strchr(opt_name, '/'))) {
		ret = hp_usage_error("record", "'--name' must be a non-empty name without '/'");
		goto cleanup;
	}
	if ((ret = hp_record_profiler_start(opt_profiler, opt_pid, args, nargs, opt_outdir, opt_name, opt_quiet)) >= 0)
		goto cleanup; /* --profiler cprofile ran, or a usage error */
	so.rate = opt_rate;
	so.duration = opt_duration;
	so.timeout = opt_timeout;
	so.idle = opt_idle;
	so.lines = !opt_no_lines;
	so.subprocesses = opt_subprocesses;
	so.blocking = opt_blocking;
	/* bench/sampler.sh: per-tick sampling times in NAME.json ("tick_us") */
	so.timings = getenv("HOTPATH_SAMPLER_STATS") != NULL;
	hp_sampler_release(&s);
	hp_sampler_init(&s, &so, &p);
	s.stop = &stop_sig;
	if (tty) {
		s.progress = progress;
		s.progress_ctx = NULL;
	}
	if (hp_mkdir_p(opt_outdir, &err) || write_gitignore(opt_outdir, &err)) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	install_signals();
	if (opt_pid) {
		pid_argv = pid_cmdline(opt_pid, &ncmd);
		cmd = pid_argv;
		if (hp_sampler_attach(&s, opt_pid, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
	} else {
		cmd = hp_xcalloc(nargs + 1, sizeof(*cmd));
		memcpy(cmd, args, nargs * sizeof(*cmd));
		ncmd = nargs;
		if (hp_sampler_spawn(&s, cmd, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
	}
	found = hp_sampler_find(&s, &err);
	if (found != HP_FIND_OK) {
		hp_error_from(&err);
		if (s.spawned && !s.reaped) {
			kill(-s.root, found == HP_FIND_EXITED && stop_sig ? (int)stop_sig : SIGTERM);
			hp_sampler_finish(&s, 0);
		}
		ret = HP_EXIT_RUNTIME;
		goto cleanup;
	}
	hp_sampler_run(&s, &err);
	if (tty)
		fputc('\n', stderr);
	hp_sampler_finish(&s, stop_sig);

	/* metadata */
	if (opt_name)
		hp_buf_adds(&name, opt_name);
	else {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		localtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
		script_name(cmd, ncmd, &name);
		hp_buf_addf(&name, "-%s", stamp);
	}
	hp_buf_addf(&base, "%s/%s", opt_outdir, name.data);
	p.meta.argv = hp_xcalloc(ncmd + 1, sizeof(char *));
	for (size_t i = 0; i < ncmd; i++)
		p.meta.argv[i] = hp_xstrdup(cmd[i]);
	p.meta.nr_pids = hp_sampler_pids(&s, &p.meta.pids);
	p.meta.python_version = s.python_version[0] ? hp_xstrdup(s.python_version) : NULL;
	p.meta.start_time = hp_xstrdup(s.start_iso);
	p.meta.duration_s = s.stats.elapsed;
	p.meta.rate_requested = opt_rate;
	p.meta.rate_achieved = s.stats.elapsed > 0 ? (double)s.stats.ticks / s.stats.elapsed : 0;
	p.meta.samples = (int64_t)s.stats.samples;
	p.meta.errors = (int64_t)s.stats.errors;
	status = hp_sampler_exit_status(&s);
	p.meta.exit_status = status;
	p.meta.user_cpu_s = s.user_s;
	p.meta.sys_cpu_s = s.sys_s;
	p.meta.peak_rss_kb = s.peak_rss_kb;
	p.meta.tool_version = hp_xstrdup(HP_VERSION);
	ret = write_outputs(&p, &s, base.data, opt_quiet, count_threads(&p));
	if (ret || (ret = hp_store_hook_record(&p, cmd, opt_quiet)))
		goto cleanup;
	if (!opt_quiet) {
		fprintf(stderr, "hotpath: %llu samples in %.2f s (%.0f Hz achieved, %llu missed ticks, %llu errors)\n",
			(unsigned long long)s.stats.samples, s.stats.elapsed, p.meta.rate_achieved,
			(unsigned long long)s.stats.missed, (unsigned long long)s.stats.errors);
		print_summary(&p, stderr);
	}
	if (!strcmp(opt_profiler, "all") && (ret = hp_record_cprofile_all(cmd, ncmd, base.data, opt_quiet, &status)))
		goto cleanup;
	if (s.spawned)
		ret = status < 0 ? HP_EXIT_RUNTIME : status;
	else
		ret = HP_EXIT_OK;
cleanup:
	if (pid_argv) {
		for (size_t i = 0; pid_argv[i]; i++)
			free(pid_argv[i]);
		free(pid_argv);
	} else {
		free(cmd);
	}
	free(args);
	hp_buf_release(&base);
	hp_buf_release(&name);
	hp_sampler_release(&s);
	hp_profile_release(&p);
	return ret;
}
