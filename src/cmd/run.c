/*
 * hotpath run - run the scenarios of hotpath.toml (or [tool.hotpath] in
 * pyproject.toml) through their profilers, and optionally compare them with
 * a baseline folder.
 *
 * Decoupling: run never calls record's internals.  Each sampling (and, when
 * record offers it, cProfile) run is a fork/exec of this same binary
 * ("/proc/self/exe record --name SCENARIO -o DIR --rate HZ -- ARGV") in the
 * scenario's folder with its variables added to the environment; run only
 * looks at the exit status and the files written.
 *
 * Profilers:
 * - sampling: `record`, giving SCENARIO.folded, .svg and .json.
 * - cprofile: `record --profiler cprofile --name SCENARIO_cprofile` when
 *   this build's record has that option (found in its option table at run
 *   time), giving SCENARIO_cprofile.pstats, _summary.txt and .json; else the
 *   scenario's Python command is run as `python [opts] -m cProfile -o FILE
 *   ...` directly.  When record wrote no summary, SCENARIO_cprofile_summary.txt
 *   is `hotpath top` of the .pstats file by cumulative and by self time.
 * - memory: record has no RSS sampler, so run polls /proc/PID/status
 *   (VmRSS, VmHWM) of every descendant of the child it started, at the
 *   scenario's rate (at most MEM_MAX_HZ), while the first profiler of the
 *   scenario runs (the sampling run when there is one: the RSS is sampled
 *   alongside the stacks).  With memory alone the command runs plain.
 *   SCENARIO_memory.txt holds the peak and the table time_s -> rss_kb.
 *
 * A failing scenario does not stop the others; the exit status is 3 when
 * any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/commands.h"
#include "cmd/load.h"
#include "config/config.h"
#include "core/afile.h"
#include "core/buf.h"
#include "profile/compare.h"
#include "profile/meta_json.h"
#include "profile/pstats.h"
#include "report/check_report.h"
#include "sampler/proc.h"

extern char **environ;

#define MEM_MAX_HZ 200.0
#define TREE_RESCAN_S 0.1

static const char *opt_config, *opt_out, *opt_baseline, *opt_report;
static struct hp_strlist opt_scenarios, opt_profilers;
static bool opt_list, opt_verbose, opt_no_store;
static int opt_top = 5;
static const char *opt_store;

static const struct hp_opt run_opts[] = {
	HP_OPT_FLAG_("list-scenarios", 'l', &opt_list, "list the scenarios: name, command, profilers, tags"),
	HP_OPT_LIST_("scenario", 's', &opt_scenarios, "NAME", "scenario to run, or 'all' (repeatable)"),
	HP_OPT_LIST_("profiler", 'p', &opt_profilers, "P",
		     "sampling, cprofile, memory or all (repeatable; default: the scenario's list)"),
	HP_OPT_STR_("output", 'o', &opt_out, "DIR", "output folder (default: the configuration's, else profiles/)"),
	HP_OPT_STR_("config", 'c', &opt_config, "FILE", "configuration file (default: hotpath.toml or pyproject.toml, searched upwards)"),
	HP_OPT_STR_("baseline-dir", 'b', &opt_baseline, "DIR", "compare each scenario with the same files in DIR"),
	HP_OPT_STR_("report", 0, &opt_report, "FILE", "Markdown comparison report (default DIR/comparison.md in the output folder)"),
	HP_OPT_INT_("limit", 'n', &opt_top, "N", "functions per section of the comparison report (default 5)"),
	HP_OPT_FLAG_("verbose", 'v', &opt_verbose, "show record's own progress and summary"),
	HP_OPT_STR_("store", 0, &opt_store, "URL", "keep every run in this history (default: [defaults] store, else sqlite:OUTPUT/history.db)"),
	HP_OPT_FLAG_("no-store", 0, &opt_no_store, "do not keep the runs in the history"),
	HP_OPT_END_,
};

const struct hp_cmd_help cmd_run_help = {
	"run", "--list-scenarios\n--scenario NAME|all [--profiler sampling|cprofile|memory|all] [-o DIR] [--baseline-dir DIR]",
	"run the scenarios of hotpath.toml through their profilers",
	"Reads hotpath.toml, or [tool.hotpath] in pyproject.toml, found in the\n"
	"current folder or the nearest parent (--config FILE overrides), and runs\n"
	"each chosen scenario in its folder with its environment.  Per scenario the\n"
	"output folder gets SCENARIO.folded, .svg and .json (sampling),\n"
	"SCENARIO_cprofile.pstats and SCENARIO_cprofile_summary.txt (cprofile) and\n"
	"SCENARIO_memory.txt (memory: peak RSS and RSS over time).  A failing\n"
	"scenario does not stop the others; the exit status is 3 if any failed.\n"
	"With --baseline-dir, each scenario is compared with the files of the same\n"
	"name in DIR and one Markdown report is written.  See docs/config.md and\n"
	"docs/guide.md.",
	run_opts,
};

static volatile sig_atomic_t stop_sig;

static void on_signal(int sig)
{
	stop_sig = sig;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ---- the scenario's outcome ---------------------------------------------- */

struct outcome {
	bool failed;
	struct hp_buf msg;       /* why it failed, or notes; "; "-separated */
	double seconds;          /* wall time of all its runs */
	unsigned ran;            /* HP_PROFILER_* bits that produced their files */
};

static void note(struct outcome *o, const char *fmt, ...) HP_PRINTF(2, 3);
static void note(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	if (o->msg.len)
		hp_buf_adds(&o->msg, "; ");
	va_start(ap, fmt);
	hp_buf_vaddf(&o->msg, fmt, ap);
	va_end(ap);
}

/* ---- RSS polling ----------------------------------------------------------- */

struct mem_trace {
	double *t;
	int64_t *kb;
	size_t nr, alloc;
	int64_t peak_kb;     /* largest summed VmRSS seen */
	int64_t hwm_kb;      /* largest VmHWM of one process (the kernel's peak) */
	int nprocs_max;
	pid_t *pids;         /* the processes measured (descendants of root) */
	size_t nr_pids, alloc_pids;
	double rate;
};

static void mem_trace_release(struct mem_trace *m)
{
	free(m->t);
	free(m->kb);
	free(m->pids);
	memset(m, 0, sizeof(*m));
}

/* Every descendant of root (and root itself when with_root), from one scan
 * of /proc/N/stat: a parent pointer per process, then a closure. */
static void scan_tree(struct mem_trace *m, pid_t root, bool with_root)
{
	struct { pid_t pid, ppid; } *all = NULL;
	size_t nr = 0, alloc = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool grew = true;

	m->nr_pids = 0;
	if (with_root) {
		HP_GROW(m->pids, m->nr_pids + 1, m->alloc_pids);
		m->pids[m->nr_pids++] = root;
	}
	if (!d)
		return;
	while ((e = readdir(d))) {
		struct hp_proc_stat st;
		struct hp_err err;
		char *end;
		long pid = strtol(e->d_name, &end, 10);

		if (*end || pid <= 0)
			continue;
		if (hp_proc_stat_read(&st, (pid_t)pid, 0, &err))
			continue;
		HP_GROW(all, nr + 1, alloc);
		all[nr].pid = (pid_t)pid;
		all[nr].ppid = st.ppid;
		nr++;
	}
	closedir(d);
	/* closure: a process whose parent is root or already taken */
	while (grew) {
		grew = false;
		for (size_t i = 0; i < nr; i++) {
			bool take = all[i].ppid == root, have = all[i].pid == root;

			for (size_t k = 0; k < m->nr_pids && !have; k++) {
				have = m->pids[k] == all[i].pid;
				take = take || m->pids[k] == all[i].ppid;
			}
			if (take && !have) {
				HP_GROW(m->pids, m->nr_pids + 1, m->alloc_pids);
				m->pids[m->nr_pids++] = all[i].pid;
				grew = true;
			}
		}
	}
	free(all);
}

/* "Key:   123 kB" in a /proc/PID/status text; -1 when absent. */
static int64_t status_kb(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p)
		return -1;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	return strtoll(p, NULL, 10);
}

static void mem_sample(struct mem_trace *m, double t)
{
	int64_t sum = 0;
	int n = 0;

	for (size_t i = 0; i < m->nr_pids; i++) {
		char path[64], text[4096];
		int64_t rss, hwm;

		snprintf(path, sizeof(path), "/proc/%d/status", (int)m->pids[i]);
		if (hp_proc_read_small(path, text, sizeof(text)) <= 0)
			continue;
		rss = status_kb(text, "\nVmRSS:");
		hwm = status_kb(text, "\nVmHWM:");
		if (rss > 0) {
			sum += rss;
			n++;
		}
		if (hwm > m->hwm_kb)
			m->hwm_kb = hwm;
	}
	if (!n)
		return;
	HP_GROW(m->t, m->nr + 1, m->alloc);
	m->kb = hp_xrealloc(m->kb, m->alloc * sizeof(*m->kb));
	m->t[m->nr] = t;
	m->kb[m->nr] = sum;
	m->nr++;
	if (sum > m->peak_kb)
		m->peak_kb = sum;
	if (n > m->nprocs_max)
		m->nprocs_max = n;
}

/* ---- child processes --------------------------------------------------------- */

/*
 * Start argv in the scenario's folder with its variables.  self: exec this
 * binary (argv[0] is only a name); otherwise look argv[0] up in PATH.
 * out_fd >= 0 becomes the child's standard output.  Returns the pid, or -1
 * with err set (also when exec failed, reported back through a CLOEXEC pipe).
 */
static pid_t spawn(char *const *argv, const struct hp_scenario *sc, bool self, int out_fd,
		   struct hp_err *err)
{
	int pfd[2], e = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		hp_err_errno(err, "cannot create a pipe");
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		hp_err_errno(err, "cannot fork");
		return -1;
	}
	if (pid == 0) {
		close(pfd[0]);
		/* main() ignores SIGPIPE; an ignored signal survives exec */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		if (out_fd >= 0 && out_fd != 1) {
			dup2(out_fd, 1);
			close(out_fd);
		}
		if (sc && sc->cwd && chdir(sc->cwd) < 0)
			e = errno;
		for (size_t i = 0; !e && sc && i < sc->nr_env; i++)
			if (setenv(sc->env[i].name, sc->env[i].value, 1) < 0)
				e = errno;
		if (!e) {
			if (self)
				execv("/proc/self/exe", argv);
			else
				execvp(argv[0], argv);
			e = errno;
		}
		if (write(pfd[1], &e, sizeof(e)) < 0) {
			/* the parent sees exit 127 without a reason */
		}
		_exit(127);
	}
	close(pfd[1]);
	do
		n = read(pfd[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n == (ssize_t)sizeof(e)) {
		int st;

		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		errno = e;
		if (sc && sc->cwd && e && !self && access(sc->cwd, X_OK) < 0)
			hp_err_errno(err, "cannot enter folder '%s'", sc->cwd);
		else
			hp_err_errno(err, "cannot run '%s'", self ? "hotpath" : argv[0]);
		return -1;
	}
	return pid;
}

/* Wait for pid; with m, poll the RSS of root's tree meanwhile.  Returns the
 * exit status (128+N for signal N). */
static int wait_child(pid_t pid, struct mem_trace *m, bool with_root)
{
	double t0 = now_s(), last_scan = -1;
	struct timespec next;
	long period_ns;
	int st;

	if (!m) {
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR)
				return 127;
		goto done;
	}
	period_ns = (long)(1e9 / m->rate);
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
		pid_t r = waitpid(pid, &st, WNOHANG);
		double t = now_s() - t0;

		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			return 127;
		if (last_scan < 0 || t - last_scan >= TREE_RESCAN_S) {
			scan_tree(m, pid, with_root);
			last_scan = t;
		}
		mem_sample(m, t);
		next.tv_nsec += period_ns;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		{
			struct timespec cur;

			clock_gettime(CLOCK_MONOTONIC, &cur);
			if (cur.tv_sec > next.tv_sec || (cur.tv_sec == next.tv_sec && cur.tv_nsec > next.tv_nsec))
				next = cur;   /* fell behind: skip the missed ticks */
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
done:
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 127;
}

/* Run argv (with this binary when self) to completion; its standard output
 * goes to out_fd when >= 0.  Returns the exit status, or -1 with err set. */
static int run_child(char *const *argv, const struct hp_scenario *sc, bool self, int out_fd,
		     struct mem_trace *m, bool with_root, struct hp_err *err)
{
	pid_t pid = spawn(argv, sc, self, out_fd, err);

	if (pid < 0)
		return -1;
	return wait_child(pid, m, with_root);
}

static void describe_status(int code, char *buf, size_t len)
{
	if (code > 128 && code < 128 + 65)
		snprintf(buf, len, "killed by signal %d (%s)", code - 128, strsignal(code - 128));
	else
		snprintf(buf, len, "exit status %d", code);
}

/* exec takes char *const argv[] for historical reasons and never writes
 * through it: string literals may go there. */
static char *unconst(const char *s)
{
	return (char *)(uintptr_t)s;
}

static void argv_push(char ***argv, size_t *n, size_t *alloc, const char *s)
{
	HP_GROW(*argv, *n + 2, *alloc);
	(*argv)[(*n)++] = unconst(s);
	(*argv)[*n] = NULL;
}

/* Run `hotpath top PSTATS --sort KEY -n 30` and append its output to out. */
static int capture_top(const char *pstats, const char *sort, struct hp_buf *out, struct hp_err *err)
{
	char **argv = NULL;
	size_t na = 0, alloc = 0;
	int pfd[2], code;
	pid_t pid;
	char chunk[8192];
	ssize_t n;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return hp_err_errno(err, "cannot create a pipe");
	argv_push(&argv, &na, &alloc, "hotpath");
	argv_push(&argv, &na, &alloc, "top");
	argv_push(&argv, &na, &alloc, pstats);
	argv_push(&argv, &na, &alloc, "--sort");
	argv_push(&argv, &na, &alloc, sort);
	argv_push(&argv, &na, &alloc, "-n");
	argv_push(&argv, &na, &alloc, "30");
	pid = spawn(argv, NULL, true, pfd[1], err);
	free(argv);
	close(pfd[1]);
	if (pid < 0) {
		close(pfd[0]);
		return -1;
	}
	while ((n = read(pfd[0], chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		hp_buf_add(out, chunk, (size_t)n);
	}
	close(pfd[0]);
	code = wait_child(pid, NULL, false);
	if (code)
		return hp_err_set(err, "'hotpath top %s' failed (exit status %d)", pstats, code);
	return 0;
}

/* ---- record's options ---------------------------------------------------------- */

static bool record_has_option(const char *name)
{
	for (const struct hp_opt *o = cmd_record_help.opts; o && o->long_name; o++)
		if (!strcmp(o->long_name, name))
			return true;
	return false;
}

/* hotpath record --name NAME -o DIR --rate HZ [--profiler P] [--store URL
 * --scenario NAME | --no-store] [-q] -- ARGV */
static char **record_argv(const struct hp_scenario *sc, const char *name, const char *dir,
			  const char *profiler, char *rate, const char *store)
{
	char **argv = NULL;
	size_t n = 0, alloc = 0;

	argv_push(&argv, &n, &alloc, "hotpath");
	argv_push(&argv, &n, &alloc, "record");
	argv_push(&argv, &n, &alloc, "--name");
	argv_push(&argv, &n, &alloc, name);
	argv_push(&argv, &n, &alloc, "-o");
	argv_push(&argv, &n, &alloc, dir);
	argv_push(&argv, &n, &alloc, "--rate");
	argv_push(&argv, &n, &alloc, rate);
	if (profiler) {
		argv_push(&argv, &n, &alloc, "--profiler");
		argv_push(&argv, &n, &alloc, profiler);
	}
	if (store) {
		/* one history for every scenario, whatever its working folder */
		argv_push(&argv, &n, &alloc, "--store");
		argv_push(&argv, &n, &alloc, store);
		argv_push(&argv, &n, &alloc, "--scenario");
		argv_push(&argv, &n, &alloc, sc->name);
	} else {
		argv_push(&argv, &n, &alloc, "--no-store");
	}
	if (!opt_verbose)
		argv_push(&argv, &n, &alloc, "-q");
	argv_push(&argv, &n, &alloc, "--");
	for (size_t i = 0; i < sc->argc; i++)
		argv_push(&argv, &n, &alloc, sc->argv[i]);
	return argv;
}

/* Whether a program name is a Python interpreter: python, python3, python3.11, pypy3 ... */
static bool is_python(const char *prog)
{
	const char *b = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;

	if (!strncmp(b, "python", 6))
		b += 6;
	else if (!strncmp(b, "pypy", 4))
		b += 4;
	else
		return false;
	return strspn(b, "0123456789.") == strlen(b);
}

/*
 * python [interpreter options] -m cProfile -o FILE (script.py | -m mod) ARGS:
 * the interpreter's own options stay in front.  Fails (NULL, with why) for a
 * command that does not start with python or that uses -c or stdin.
 */
static char **cprofile_argv(const struct hp_scenario *sc, const char *pstats, const char **why)
{
	char **argv = NULL;
	size_t n = 0, alloc = 0, i = 1;

	if (!is_python(sc->argv[0])) {
		*why = "the command does not start with a python interpreter";
		return NULL;
	}
	argv_push(&argv, &n, &alloc, sc->argv[0]);
	for (; i < sc->argc; i++) {
		const char *a = sc->argv[i];

		if (a[0] != '-' || !strcmp(a, "-m") || !strcmp(a, "-"))
			break;
		if (!strncmp(a, "-c", 2)) {
			*why = "cProfile cannot run 'python -c'";
			free(argv);
			return NULL;
		}
		argv_push(&argv, &n, &alloc, a);
		/* options whose value is the next word */
		if ((!strcmp(a, "-X") || !strcmp(a, "-W") || !strcmp(a, "--check-hash-based-pycs")) &&
		    i + 1 < sc->argc)
			argv_push(&argv, &n, &alloc, sc->argv[++i]);
	}
	if (i >= sc->argc || !strcmp(sc->argv[i], "-")) {
		*why = "the command names no script or module for cProfile to run";
		free(argv);
		return NULL;
	}
	argv_push(&argv, &n, &alloc, "-m");
	argv_push(&argv, &n, &alloc, "cProfile");
	argv_push(&argv, &n, &alloc, "-o");
	argv_push(&argv, &n, &alloc, pstats);
	for (; i < sc->argc; i++)
		argv_push(&argv, &n, &alloc, sc->argv[i]);
	return argv;
}

/* ---- profilers -------------------------------------------------------------------- */

struct runner {
	const char *outdir;          /* absolute */
	bool record_profiler;        /* record has --profiler */
	const char *store;           /* history URL (absolute sqlite path), NULL = off */
};

static void path_of(struct hp_buf *b, const char *dir, const char *name, const char *suffix)
{
	hp_buf_reset(b);
	hp_buf_addf(b, "%s/%s%s", dir, name, suffix);
}

static void run_sampling(const struct runner *rn, const struct hp_scenario *sc, struct mem_trace *m,
			 struct outcome *o)
{
	char rate[32], why[96];
	char **argv;
	struct hp_err err;
	struct hp_buf p = HP_BUF_INIT;
	int code;

	snprintf(rate, sizeof(rate), "%g", sc->rate);
	argv = record_argv(sc, sc->name, rn->outdir, rn->record_profiler ? "sampling" : NULL, rate,
			   rn->store);
	code = run_child(argv, sc, true, -1, m, false, &err);
	free(argv);
	if (code < 0) {
		o->failed = true;
		note(o, "sampling: %s", err.msg);
		goto cleanup;
	}
	if (code) {
		describe_status(code, why, sizeof(why));
		o->failed = true;
		note(o, "sampling: record: %s", why);
	}
	path_of(&p, rn->outdir, sc->name, ".folded");
	if (!file_exists(p.data)) {
		o->failed = true;
		note(o, "sampling: no %s.folded written", sc->name);
	} else if (!code) {
		o->ran |= HP_PROFILER_SAMPLING;
	}
cleanup:
	hp_buf_release(&p);
}

static void run_cprofile(const struct runner *rn, const struct hp_scenario *sc, struct mem_trace *m,
			 struct outcome *o)
{
	struct hp_buf pstats = HP_BUF_INIT, summary = HP_BUF_INIT, text = HP_BUF_INIT;
	struct hp_buf name = HP_BUF_INIT;
	char **argv = NULL;
	char why[96];
	struct hp_err err;
	int code;

	path_of(&pstats, rn->outdir, sc->name, "_cprofile.pstats");
	path_of(&summary, rn->outdir, sc->name, "_cprofile_summary.txt");
	if (rn->record_profiler) {
		char rate[32];

		/* record names its outputs NAME.pstats, NAME_summary.txt and
		 * NAME.json: with NAME = SCENARIO_cprofile they land where they
		 * belong, and the sampling run's SCENARIO.json stays */
		hp_buf_addf(&name, "%s_cprofile", sc->name);
		snprintf(rate, sizeof(rate), "%g", sc->rate);
		unlink(pstats.data);
		argv = record_argv(sc, name.data, rn->outdir, "cprofile", rate, rn->store);
		code = run_child(argv, sc, true, -1, m, false, &err);
	} else {
		const char *reason = "";

		argv = cprofile_argv(sc, pstats.data, &reason);
		if (!argv) {
			o->failed = true;
			note(o, "cprofile: %s", reason);
			goto cleanup;
		}
		unlink(pstats.data);
		code = run_child(argv, sc, false, -1, m, true, &err);
	}
	if (code < 0) {
		o->failed = true;
		note(o, "cprofile: %s", err.msg);
		goto cleanup;
	}
	if (code) {
		describe_status(code, why, sizeof(why));
		o->failed = true;
		note(o, "cprofile: %s", why);
	}
	if (!file_exists(pstats.data)) {
		o->failed = true;
		note(o, "cprofile: no %s_cprofile.pstats written", sc->name);
		goto cleanup;
	}
	if (!file_exists(summary.data)) {
		hp_buf_adds(&text, "cProfile of scenario ");
		hp_buf_adds(&text, sc->name);
		hp_buf_adds(&text, ", by cumulative time\n\n");
		if (capture_top(pstats.data, "cumulative", &text, &err) == 0) {
			hp_buf_adds(&text, "\n\nby self time (tottime)\n\n");
			if (capture_top(pstats.data, "tottime", &text, &err) == 0 &&
			    hp_write_file_atomic(summary.data, text.data, text.len, &err) == 0)
				err.msg[0] = '\0';
		}
		if (!file_exists(summary.data)) {
			o->failed = true;
			note(o, "cprofile: summary: %s", err.msg);
			goto cleanup;
		}
	}
	if (!code)
		o->ran |= HP_PROFILER_CPROFILE;
cleanup:
	free(argv);
	hp_buf_release(&pstats);
	hp_buf_release(&summary);
	hp_buf_release(&text);
	hp_buf_release(&name);
}

static void run_plain(const struct hp_scenario *sc, struct mem_trace *m, struct outcome *o)
{
	struct hp_err err;
	char why[96];
	int code = run_child(sc->argv, sc, false, -1, m, true, &err);

	if (code < 0) {
		o->failed = true;
		note(o, "memory: %s", err.msg);
	} else if (code) {
		describe_status(code, why, sizeof(why));
		o->failed = true;
		note(o, "memory: %s", why);
	}
}

static void shell_quote(struct hp_buf *b, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") == strlen(s)) {
		hp_buf_add_utf8_clean(b, s, strlen(s));
		return;
	}
	hp_buf_addch(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			hp_buf_adds(b, "'\\''");
		else if ((unsigned char)*p < 32)
			hp_buf_addch(b, '?');
		else
			hp_buf_addch(b, *p);
	}
	hp_buf_addch(b, '\'');
}

static void command_text(const struct hp_scenario *sc, struct hp_buf *b)
{
	for (size_t i = 0; i < sc->argc; i++) {
		if (i)
			hp_buf_addch(b, ' ');
		shell_quote(b, sc->argv[i]);
	}
}

static void write_memory(const struct runner *rn, const struct hp_scenario *sc,
			 const struct mem_trace *m, const char *during, struct outcome *o)
{
	struct hp_buf path = HP_BUF_INIT, t = HP_BUF_INIT;
	struct hp_err err;

	if (!m->nr) {
		/* nothing measured: no file; a run that failed already says why */
		if (!o->failed) {
			o->failed = true;
			note(o, "memory: no RSS sample taken (the program ended too soon)");
		}
		return;
	}
	path_of(&path, rn->outdir, sc->name, "_memory.txt");
	hp_buf_addf(&t, "# hotpath memory profile of scenario %s\n# command: ", sc->name);
	command_text(sc, &t);
	hp_buf_addf(&t, "\n# RSS summed over the program's processes, sampled every %.1f ms (%g Hz) during the %s run\n",
		    1000.0 / m->rate, m->rate, during);
	hp_buf_addf(&t, "peak_rss_kb: %lld\n", (long long)m->peak_kb);
	hp_buf_addf(&t, "peak_rss_mib: %.1f\n", (double)m->peak_kb / 1024.0);
	hp_buf_addf(&t, "max_vmhwm_kb: %lld\n", (long long)m->hwm_kb);
	hp_buf_addf(&t, "processes: %d\n", m->nprocs_max);
	hp_buf_addf(&t, "samples: %zu\n", m->nr);
	hp_buf_addf(&t, "duration_s: %.3f\n\n", m->nr ? m->t[m->nr - 1] : 0.0);
	hp_buf_addf(&t, "%10s %12s\n", "time_s", "rss_kb");
	for (size_t i = 0; i < m->nr; i++)
		hp_buf_addf(&t, "%10.3f %12lld\n", m->t[i], (long long)m->kb[i]);
	if (hp_write_file_atomic(path.data, t.data, t.len, &err)) {
		o->failed = true;
		note(o, "memory: %s", err.msg);
	} else {
		o->ran |= HP_PROFILER_MEMORY;
	}
	hp_buf_release(&path);
	hp_buf_release(&t);
}

static void run_scenario(const struct runner *rn, const struct hp_scenario *sc, unsigned profilers,
			 struct outcome *o)
{
	struct mem_trace mt, *m = NULL;
	const char *during = "plain";
	double t0 = now_s();

	memset(&mt, 0, sizeof(mt));
	if (profilers & HP_PROFILER_MEMORY) {
		m = &mt;
		mt.rate = sc->rate < MEM_MAX_HZ ? sc->rate : MEM_MAX_HZ;
	}
	if (profilers & HP_PROFILER_SAMPLING) {
		run_sampling(rn, sc, m, o);
		if (m)
			during = "sampling";
		m = NULL;
	}
	if ((profilers & HP_PROFILER_CPROFILE) && !stop_sig) {
		if (m)
			during = "cProfile";
		run_cprofile(rn, sc, m, o);
		m = NULL;
	}
	if (m && !stop_sig) {
		run_plain(sc, m, o);
		m = NULL;
	}
	if ((profilers & HP_PROFILER_MEMORY) && !stop_sig)
		write_memory(rn, sc, &mt, during, o);
	mem_trace_release(&mt);
	o->seconds = now_s() - t0;
	if (stop_sig) {
		o->failed = true;
		note(o, "interrupted");
	}
}

/* ---- listing ---------------------------------------------------------------------- */

static void profilers_text(unsigned bits, struct hp_buf *b)
{
	for (unsigned bit = 1; bit <= HP_PROFILER_MEMORY; bit <<= 1) {
		if (!(bits & bit))
			continue;
		if (b->len && b->data[b->len - 1] != ' ')
			hp_buf_addch(b, ',');
		hp_buf_adds(b, hp_profiler_name(bit));
	}
}

static void list_scenarios(const struct hp_config *cfg)
{
	printf("%s: %zu scenario%s\n\n", cfg->path, cfg->nr_scenarios, cfg->nr_scenarios == 1 ? "" : "s");
	for (size_t i = 0; i < cfg->nr_scenarios; i++) {
		const struct hp_scenario *sc = &cfg->scenarios[i];
		struct hp_buf b = HP_BUF_INIT;

		hp_buf_add_utf8_clean(&b, sc->name, strlen(sc->name));
		printf("%s\n", b.data);
		hp_buf_reset(&b);
		command_text(sc, &b);
		printf("  command:   %s\n", b.data);
		hp_buf_reset(&b);
		profilers_text(sc->profilers, &b);
		printf("  profilers: %s (rate %g Hz)\n", b.data, sc->rate);
		hp_buf_reset(&b);
		for (size_t k = 0; k < sc->nr_tags; k++) {
			if (k)
				hp_buf_adds(&b, ", ");
			hp_buf_add_utf8_clean(&b, sc->tags[k], strlen(sc->tags[k]));
		}
		printf("  tags:      %s\n", sc->nr_tags ? b.data : "-");
		if (sc->cwd) {
			hp_buf_reset(&b);
			hp_buf_add_utf8_clean(&b, sc->cwd, strlen(sc->cwd));
			printf("  cwd:       %s\n", b.data);
		}
		hp_buf_release(&b);
	}
}

/* ---- the baseline comparison ------------------------------------------------------ */

static int load_sampled(const char *dir, const char *name, struct hp_profile *p)
{
	struct hp_load_opts lo = { false, NULL };
	struct hp_buf f = HP_BUF_INIT;
	struct hp_err err;
	char *data = NULL;
	size_t len;
	int ret;

	path_of(&f, dir, name, ".folded");
	ret = hp_load_profile(f.data, &lo, p);
	path_of(&f, dir, name, ".json");
	if (!ret && file_exists(f.data) && hp_read_file(f.data, 16 << 20, &data, &len, &err) == 0) {
		if (hp_meta_read_json(&p->meta, data, len, f.data, &err))
			hp_warning("%s", err.msg);
		free(data);
	}
	hp_buf_release(&f);
	return ret;
}

static int64_t read_peak_kb(const char *dir, const char *name)
{
	struct hp_buf f = HP_BUF_INIT;
	struct hp_err err;
	char *data = NULL, *p;
	size_t len;
	int64_t kb = -1;

	path_of(&f, dir, name, "_memory.txt");
	if (file_exists(f.data) && hp_read_file(f.data, 64 << 20, &data, &len, &err) == 0) {
		p = strstr(data, "\npeak_rss_kb:");
		if (p)
			kb = strtoll(p + 13, NULL, 10);
		free(data);
	}
	hp_buf_release(&f);
	return kb;
}

static void md_change(struct hp_buf *out, double a, double b, const char *unit, int prec)
{
	hp_buf_addf(out, "%.*f %s → %.*f %s", prec, a, unit, prec, b, unit);
	if (a > 0)
		hp_buf_addf(out, " (%+.1f%%)", 100 * (b / a - 1));
}

static void md_rows(struct hp_buf *out, const struct hp_compare *c, int which, const char *title)
{
	size_t n, *idx = hp_compare_order(c, which, &n);

	hp_buf_addf(out, "\n**%s**\n\n", title);
	if (!n) {
		hp_buf_adds(out, "(none)\n");
		free(idx);
		return;
	}
	hp_buf_adds(out, "| change | self share | function |\n|---:|---:|---|\n");
	for (size_t k = 0; k < n && k < (size_t)opt_top; k++) {
		const struct hp_compare_row *r = &c->rows[idx[k]];

		hp_buf_addf(out, "| %+.2f pt | %.2f%% → %.2f%% | ", 100 * hp_compare_delta_self(r),
			    100 * r->base_self, 100 * r->new_self);
		hp_buf_add_markdown(out, hp_strtab_str(&c->names, r->name));
		hp_buf_adds(out, " |\n");
	}
	free(idx);
}

static void md_overall(struct hp_buf *out, const struct hp_compare *c)
{
	if (isfinite(c->base_seconds) && isfinite(c->new_seconds) && c->base_seconds > 0)
		md_change(out, c->base_seconds, c->new_seconds, "s", 3);
	else
		md_change(out, c->base_weight, c->new_weight, c->unit, 0);
}

/* One profiler's comparison: its section of the report and its cell of the
 * summary table. */
static void md_compared(struct hp_buf *sec, struct hp_buf *row, const struct hp_compare *c,
			const char *title)
{
	hp_buf_addf(sec, "\n### %s\n\n**overall:** ", title);
	md_overall(sec, c);
	hp_buf_addch(sec, '\n');
	md_rows(sec, c, HP_CMP_REGRESSIONS, "top regressions (self share grew)");
	md_rows(sec, c, HP_CMP_IMPROVEMENTS, "top improvements (self share shrank)");
	hp_buf_adds(row, " ");
	md_overall(row, c);
	hp_buf_adds(row, " |");
}

/* One scenario's section of the report; its row of the summary table goes
 * to row.  Missing baseline files are noted, not errors. */
static void compare_scenario(const char *base, const char *out_dir, const struct hp_scenario *sc,
			     const struct outcome *o, struct hp_buf *row, struct hp_buf *sec)
{
	struct hp_buf a = HP_BUF_INIT, b = HP_BUF_INIT;
	int64_t pa, pb;

	hp_buf_adds(sec, "\n## ");
	hp_buf_add_markdown(sec, sc->name);
	hp_buf_adds(sec, "\n");
	hp_buf_adds(row, "| ");
	hp_buf_add_markdown(row, sc->name);
	hp_buf_adds(row, o->failed ? " | ❌ failed |" : " | ✅ ok |");
	if (o->failed) {
		hp_buf_adds(sec, "\nThe scenario failed: ");
		hp_buf_add_markdown(sec, o->msg.data);
		hp_buf_adds(sec, "\n");
	}

	/* sampling */
	path_of(&a, base, sc->name, ".folded");
	path_of(&b, out_dir, sc->name, ".folded");
	if ((o->ran & HP_PROFILER_SAMPLING) && file_exists(a.data)) {
		struct hp_profile pa_, pb_;
		struct hp_compare c;

		hp_profile_init(&pa_);
		hp_profile_init(&pb_);
		hp_compare_init(&c);
		if (load_sampled(base, sc->name, &pa_) == 0 && load_sampled(out_dir, sc->name, &pb_) == 0) {
			hp_compare_profiles(&c, &pa_, &pb_, 0, 0);
			md_compared(sec, row, &c, "Sampling");
		} else {
			hp_buf_adds(sec, "\nThe sampled profiles could not be read.\n");
			hp_buf_adds(row, " unreadable |");
		}
		hp_compare_release(&c);
		hp_profile_release(&pa_);
		hp_profile_release(&pb_);
	} else {
		hp_buf_adds(row, (o->ran & HP_PROFILER_SAMPLING) ? " no baseline |" : " – |");
	}

	/* cProfile */
	path_of(&a, base, sc->name, "_cprofile.pstats");
	path_of(&b, out_dir, sc->name, "_cprofile.pstats");
	if ((o->ran & HP_PROFILER_CPROFILE) && file_exists(a.data)) {
		struct hp_pstats sa, sb;
		struct hp_compare c;
		struct hp_err err;

		hp_pstats_init(&sa);
		hp_pstats_init(&sb);
		hp_compare_init(&c);
		if (hp_pstats_read_file(&sa, a.data, 0, &err) == 0 &&
		    hp_pstats_read_file(&sb, b.data, 0, &err) == 0) {
			hp_compare_pstats(&c, &sa, &sb);
			md_compared(sec, row, &c, "cProfile");
		} else {
			hp_buf_adds(sec, "\nThe .pstats files could not be read: ");
			hp_buf_add_markdown(sec, err.msg);
			hp_buf_adds(sec, "\n");
			hp_buf_adds(row, " unreadable |");
		}
		hp_compare_release(&c);
		hp_pstats_release(&sa);
		hp_pstats_release(&sb);
	} else {
		hp_buf_adds(row, (o->ran & HP_PROFILER_CPROFILE) ? " no baseline |" : " – |");
	}

	/* memory */
	pa = read_peak_kb(base, sc->name);
	pb = (o->ran & HP_PROFILER_MEMORY) ? read_peak_kb(out_dir, sc->name) : -1;
	if (pa > 0 && pb > 0) {
		hp_buf_adds(sec, "\n### Memory\n\n**peak RSS:** ");
		md_change(sec, (double)pa / 1024, (double)pb / 1024, "MiB", 1);
		hp_buf_addch(sec, '\n');
		hp_buf_adds(row, " ");
		md_change(row, (double)pa / 1024, (double)pb / 1024, "MiB", 1);
		hp_buf_adds(row, " |\n");
	} else {
		hp_buf_adds(row, pb > 0 ? " no baseline |\n" : " – |\n");
	}
	if (!(o->ran & (HP_PROFILER_SAMPLING | HP_PROFILER_CPROFILE | HP_PROFILER_MEMORY)))
		hp_buf_adds(sec, "\nNothing to compare.\n");
	hp_buf_release(&a);
	hp_buf_release(&b);
}

static int write_report(const char *path, const char *base, const char *out_dir,
			const struct hp_scenario *const *chosen, const struct outcome *outs, size_t n)
{
	struct hp_buf doc = HP_BUF_INIT, rows = HP_BUF_INIT, secs = HP_BUF_INIT;
	struct hp_err err;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		compare_scenario(base, out_dir, chosen[i], &outs[i], &rows, &secs);
	hp_buf_adds(&doc, "# hotpath run: comparison with the baseline\n\nbaseline: ");
	hp_buf_add_markdown(&doc, base);
	hp_buf_adds(&doc, "  \nnew: ");
	hp_buf_add_markdown(&doc, out_dir);
	hp_buf_adds(&doc, "\n\nShares are each profile's self time divided by its own total, so runs of\n"
			  "different lengths compare fairly; changes are in percentage points.\n\n"
			  "| scenario | status | sampling | cProfile | peak RSS |\n|---|---|---|---|---|\n");
	hp_buf_add(&doc, rows.data, rows.len);
	hp_buf_add(&doc, secs.data, secs.len);
	if (hp_write_file_atomic(path, doc.data, doc.len, &err))
		ret = hp_error_from(&err);
	hp_buf_release(&doc);
	hp_buf_release(&rows);
	hp_buf_release(&secs);
	return ret;
}

/* ---- the command ------------------------------------------------------------------ */

static int parse_profilers(unsigned *mask)
{
	*mask = 0;
	for (size_t i = 0; i < opt_profilers.nr; i++) {
		struct hp_buf b = HP_BUF_INIT;
		char *w, *next;

		hp_buf_adds(&b, opt_profilers.items[i]);
		for (w = b.data; w; w = next) {
			next = strchr(w, ',');
			if (next)
				*next++ = '\0';
			if (!strcmp(w, "all"))
				*mask |= HP_PROFILER_SAMPLING | HP_PROFILER_CPROFILE | HP_PROFILER_MEMORY;
			else if (!strcmp(w, "sampling"))
				*mask |= HP_PROFILER_SAMPLING;
			else if (!strcmp(w, "cprofile"))
				*mask |= HP_PROFILER_CPROFILE;
			else if (!strcmp(w, "memory"))
				*mask |= HP_PROFILER_MEMORY;
			else {
				hp_usage_error("run", "unknown profiler '%s' (sampling, cprofile, memory or all)", w);
				hp_buf_release(&b);
				return -1;
			}
		}
		hp_buf_release(&b);
	}
	return 0;
}

static int write_gitignore(const char *dir, struct hp_err *err)
{
	struct hp_buf path = HP_BUF_INIT;
	int ret = 0;

	hp_buf_addf(&path, "%s/.gitignore", dir);
	if (access(path.data, F_OK) < 0)
		ret = hp_write_file_atomic(path.data, "*\n", 2, err);
	hp_buf_release(&path);
	return ret;
}

/* The scenarios named by --scenario, in the file's order for 'all' and in
 * the given order otherwise, each once. */
static int choose(const struct hp_config *cfg, const struct hp_scenario ***out, size_t *n)
{
	const struct hp_scenario **v = hp_xcalloc(cfg->nr_scenarios + 1, sizeof(*v));
	size_t nr = 0;

	for (size_t i = 0; i < opt_scenarios.nr; i++) {
		const char *name = opt_scenarios.items[i];

		for (size_t k = 0; k < cfg->nr_scenarios; k++) {
			const struct hp_scenario *sc = &cfg->scenarios[k];
			bool have = false;

			if (strcmp(name, "all") && strcmp(name, sc->name))
				continue;
			for (size_t j = 0; j < nr && !have; j++)
				have = v[j] == sc;
			if (!have)
				v[nr++] = sc;
		}
		if (strcmp(name, "all") && !hp_config_scenario(cfg, name)) {
			struct hp_buf names = HP_BUF_INIT;

			for (size_t k = 0; k < cfg->nr_scenarios; k++)
				hp_buf_addf(&names, "%s%s", k ? ", " : "", cfg->scenarios[k].name);
			hp_usage_error("run", "no scenario '%s' in '%s' (it has: %s)", name, cfg->path,
				       names.len ? names.data : "none");
			hp_buf_release(&names);
			free(v);
			return -1;
		}
	}
	*out = v;
	*n = nr;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	struct hp_config cfg;
	struct hp_err err;
	struct runner rn = { NULL, false, NULL };
	const struct hp_scenario **chosen = NULL;
	struct outcome *outs = NULL;
	char **args = NULL, cwd[PATH_MAX], *outdir = NULL;
	struct hp_buf report = HP_BUF_INIT, store = HP_BUF_INIT;
	size_t nargs, nchosen = 0, nfailed = 0;
	unsigned only = 0;
	struct sigaction sa, old_int, old_term;
	int ret;

	hp_config_init(&cfg);
	memset(&sa, 0, sizeof(sa));
	ret = hp_parse_options(argc, argv, &cmd_run_help, &args, &nargs, NULL);
	if (ret) {
		ret = ret > 0 ? HP_EXIT_OK : HP_EXIT_USAGE;
		goto cleanup;
	}
	if (nargs) {
		ret = hp_usage_error("run", "unexpected argument '%s' (name scenarios with --scenario)", args[0]);
		goto cleanup;
	}
	if (!opt_list && !opt_scenarios.nr) {
		ret = hp_usage_error("run", "choose scenarios with '--scenario NAME' or '--scenario all' "
				     "(see 'hotpath run --list-scenarios')");
		goto cleanup;
	}
	if (opt_top < 1) {
		ret = hp_usage_error("run", "'--limit' must be at least 1");
		goto cleanup;
	}
	if (parse_profilers(&only)) {
		ret = HP_EXIT_USAGE;
		goto cleanup;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		ret = hp_error("cannot get the current folder: %s", strerror(errno));
		goto cleanup;
	}
	ret = hp_config_discover(opt_config, cwd, &cfg, &err);
	if (ret < 0) {
		ret = hp_error_from(&err);
		goto cleanup;
	}
	if (ret > 0) {
		ret = hp_error("no hotpath.toml, or pyproject.toml with [tool.hotpath], in '%s' or its parents "
			       "(name one with --config FILE)", cwd);
		goto cleanup;
	}
	if (opt_list) {
		list_scenarios(&cfg);
		ret = HP_EXIT_OK;
		goto cleanup;
	}
	if (!cfg.nr_scenarios) {
		ret = hp_error("'%s' defines no scenarios ([scenarios.NAME] tables)", cfg.path);
		goto cleanup;
	}
	if (choose(&cfg, &chosen, &nchosen)) {
		ret = HP_EXIT_USAGE;
		goto cleanup;
	}
	if (opt_baseline) {
		struct stat st;

		errno = 0;
		if (stat(opt_baseline, &st) < 0 || !S_ISDIR(st.st_mode)) {
			ret = hp_error("cannot use '%s' as the baseline folder: %s", opt_baseline,
				       errno ? strerror(errno) : "not a folder");
			goto cleanup;
		}
	}
	{
		const char *o = opt_out ? opt_out : hp_config_output(&cfg);

		if (hp_mkdir_p(o, &err) || write_gitignore(o, &err)) {
			ret = hp_error_from(&err);
			goto cleanup;
		}
		outdir = realpath(o, NULL);
		if (!outdir) {
			ret = hp_error("cannot resolve '%s': %s", o, strerror(errno));
			goto cleanup;
		}
	}
	rn.outdir = outdir;
	rn.record_profiler = record_has_option("profiler");
	if (!opt_no_store) {
		const char *u = opt_store ? opt_store : cfg.defaults.store;

		/* scenarios run in their own folders: a relative SQLite path is
		 * made absolute here, against the folder run was started in */
		if (!u)
			hp_buf_addf(&store, "sqlite:%s/history.db", outdir);
		else if (!strncmp(u, "sqlite:", 7) && u[7] != '/')
			hp_buf_addf(&store, "sqlite:%s/%s", cwd, u + 7);
		else
			hp_buf_adds(&store, u);
		rn.store = store.data;
	}
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);

	outs = hp_xcalloc(nchosen ? nchosen : 1, sizeof(*outs));
	for (size_t i = 0; i < nchosen; i++) {
		const struct hp_scenario *sc = chosen[i];
		unsigned prof = only ? only : sc->profilers;
		struct hp_buf pl = HP_BUF_INIT;

		hp_buf_init(&outs[i].msg);
		if (stop_sig) {
			outs[i].failed = true;
			note(&outs[i], "not run (interrupted)");
			continue;
		}
		profilers_text(prof, &pl);
		fprintf(stderr, "hotpath: scenario %s (%s) ...\n", sc->name, pl.data);
		hp_buf_release(&pl);
		fflush(stderr);
		run_scenario(&rn, sc, prof, &outs[i]);
		if (outs[i].failed)
			fprintf(stderr, "hotpath: scenario %s FAILED: %s\n", sc->name, outs[i].msg.data);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);

	printf("\nscenario summary (outputs in %s):\n", outdir);
	for (size_t i = 0; i < nchosen; i++) {
		const struct outcome *o = &outs[i];
		struct hp_buf files = HP_BUF_INIT;

		nfailed += o->failed;
		if (o->ran & HP_PROFILER_SAMPLING)
			hp_buf_addf(&files, " %s.svg", chosen[i]->name);
		if (o->ran & HP_PROFILER_CPROFILE)
			hp_buf_addf(&files, " %s_cprofile_summary.txt", chosen[i]->name);
		if (o->ran & HP_PROFILER_MEMORY)
			hp_buf_addf(&files, " %s_memory.txt", chosen[i]->name);
		printf("  %-16s %-7s %6.1f s %s%s%s\n", chosen[i]->name, o->failed ? "FAILED" : "ok",
		       o->seconds, files.len ? files.data + 1 : "", o->msg.len ? "  " : "", o->msg.data);
		hp_buf_release(&files);
	}
	printf("%zu of %zu scenario%s ok\n", nchosen - nfailed, nchosen, nchosen == 1 ? "" : "s");
	ret = nfailed ? HP_EXIT_RUNTIME : HP_EXIT_OK;
	if (opt_baseline) {
		int r;

		if (opt_report)
			hp_buf_adds(&report, opt_report);
		else
			hp_buf_addf(&report, "%s/comparison.md", outdir);
		r = write_report(report.data, opt_baseline, outdir, chosen, outs, nchosen);
		if (r)
			ret = r;
		else
			printf("comparison with %s: %s\n", opt_baseline, report.data);
	}
cleanup:
	for (size_t i = 0; outs && i < nchosen; i++)
		hp_buf_release(&outs[i].msg);
	free(outs);
	free(chosen);
	free(outdir);
	free(args);
	hp_buf_release(&report);
	hp_buf_release(&store);
	hp_config_release(&cfg);
	hp_strlist_release(&opt_scenarios);
	hp_strlist_release(&opt_profilers);
	return ret;
}
