#include "sampler/sampler.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "sampler/freeze.h"
#include "sampler/proc.h"
#include "sampler/pyproc.h"
#include "stats/stats.h"

extern char **environ;

#define DISCOVER_INTERVAL 0.1   /* seconds between scans for new processes */
#define FIND_POLL_NS 500000L     /* 0.5 ms while waiting for the interpreter */

struct hp_thread {
	uint64_t tid;
	int stat_fd;            /* /proc/PID/task/TID/stat, kept open */
	uint32_t labelset;
	uint64_t seen_tick;
	int ran;                /* --blocking: running before the stop (1),
				   not (0), unknown (-1) */
};

struct hp_target {
	pid_t pid;
	struct hp_pyproc pp;
	enum hp_pyfind state;
	bool gone;
	struct hp_thread *threads;
	size_t nr_threads, alloc_threads;
	uint64_t utime, stime;  /* last read from /proc (attach mode) */
	int64_t hwm;
};

double hp_monotonic(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void hp_sampler_init(struct hp_sampler *s, const struct hp_sampler_opts *o,
		     struct hp_profile *prof)
{
	memset(s, 0, sizeof(*s));
	s->opts = *o;
	s->prof = prof;
	s->wait_status = -1;
	s->peak_rss_kb = -1;
	s->user_s = s->sys_s = -1;
	s->weight_col = hp_profile_weight(prof, "samples", "count");
	hp_u64map_init(&s->frame_ids, 1024);
}

static void target_release(struct hp_target *t)
{
	for (size_t i = 0; i < t->nr_threads; i++)
		if (t->threads[i].stat_fd >= 0)
			close(t->threads[i].stat_fd);
	free(t->threads);
	hp_pyproc_release(&t->pp);
}

void hp_sampler_release(struct hp_sampler *s)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		target_release(&s->targets[i]);
	free(s->targets);
	free(s->tick_ns);
	if (s->freeze)
		hp_freeze_release(s->freeze);
	free(s->freeze);
	hp_u64map_release(&s->frame_ids);
	memset(s, 0, sizeof(*s));
}

static void set_start_time(struct hp_sampler *s)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(s->start_iso, sizeof(s->start_iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int hp_sampler_spawn(struct hp_sampler *s, char *const argv[], struct hp_err *err)
{
	posix_spawnattr_t attr;
	pid_t pid;
	int rc;

	posix_spawnattr_init(&attr);
	/* its own process group: Ctrl-C reaches hotpath, which forwards it */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	rc = posix_spawnp(&pid, argv[0], NULL, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	if (rc) {
		errno = rc;
		return hp_err_errno(err, "cannot run '%s'", argv[0]);
	}
	s->root = pid;
	s->spawned = true;
	set_start_time(s);
	return 0;
}

int hp_sampler_attach(struct hp_sampler *s, pid_t pid, struct hp_err *err)
{
	if (pid <= 0 || kill(pid, 0) < 0) {
		if (errno == EPERM)
			return hp_err_set(err, "permission denied for process %d: '--pid' needs the "
					  "same user and ptrace permission (root or CAP_SYS_PTRACE, "
					  "see /proc/sys/kernel/yama/ptrace_scope)", (int)pid);
		return hp_err_set(err, "no process %d", (int)pid);
	}
	s->root = pid;
	s->spawned = false;
	set_start_time(s);
	return 0;
}

/* Reap the spawned root if it has exited (non-blocking unless block). */
static void try_reap(struct hp_sampler *s, bool block)
{
	struct rusage ru;
	int st;
	pid_t r;

	if (!s->spawned || s->reaped)
		return;
	do
		r = wait4(s->root, &st, block ? 0 : WNOHANG, &ru);
	while (r < 0 && errno == EINTR && block);
	if (r != s->root)
		return;
	s->reaped = true;
	s->wait_status = st;
	s->user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
	s->sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	s->peak_rss_kb = ru.ru_maxrss;
}

static struct hp_target *find_target(struct hp_sampler *s, pid_t pid)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		if (s->targets[i].pid == pid)
			return &s->targets[i];
	return NULL;
}

static struct hp_target *add_target(struct hp_sampler *s, pid_t pid)
{
	struct hp_target *t;

	HP_GROW(s->targets, s->nr_targets + 1, s->alloc_targets);
	t = &s->targets[s->nr_targets++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->state = HP_PYFIND_NOT_YET;
	t->hwm = -1;
	hp_pyproc_init(&t->pp, pid);
	return t;
}

/* Every pid in root's tree, root first (breadth first). */
static size_t tree_pids(pid_t root, pid_t **out)
{
	pid_t *all = NULL;
	size_t nr = 0, alloc = 0;

	HP_GROW(all, 1, alloc);
	all[nr++] = root;
	for (size_t i = 0; i < nr && nr < 4096; i++) {
		pid_t *kids;
		size_t nk;

		if (hp_proc_children(all[i], &kids, &nk, NULL))
			continue;
		for (size_t k = 0; k < nk; k++) {
			HP_GROW(all, nr + 1, alloc);
			all[nr++] = kids[k];
		}
		free(kids);
	}
	*out = all;
	return nr;
}

/* One discovery pass: probe every process of the tree not yet known to be
 * Python.  Returns the number of ready targets; *first_err keeps the first
 * hard error (unsupported/denied). */
static size_t discover(struct hp_sampler *s, enum hp_pyfind *hard, struct hp_err *err)
{
	pid_t *pids;
	size_t n = tree_pids(s->root, &pids), ready = 0;

	for (size_t i = 0; i < n; i++) {
		struct hp_target *t = find_target(s, pids[i]);
		struct hp_err e;

		if (!t)
			t = add_target(s, pids[i]);
		if (t->state == HP_PYFIND_NOT_YET) {
			t->state = hp_pyproc_find(&t->pp, &e);
			if (t->state == HP_PYFIND_OK && !s->python_version[0])
				snprintf(s->python_version, sizeof(s->python_version), "%s",
					 t->pp.version);
			if (t->state == HP_PYFIND_UNSUPPORTED || t->state == HP_PYFIND_DENIED ||
			    t->state == HP_PYFIND_ERROR) {
				if (*hard == HP_PYFIND_NOT_YET) {
					*hard = t->state;
					if (err)
						*err = e;
				}
			}
		}
		if (t->state == HP_PYFIND_OK && !t->gone)
			ready++;
		if (ready && !s->opts.subprocesses)
			break;
	}
	free(pids);
	return ready;
}

enum hp_sampler_find hp_sampler_find(struct hp_sampler *s, struct hp_err *err)
{
	double deadline = hp_monotonic() + (s->opts.timeout > 0 ? s->opts.timeout : 10);
	struct timespec ts = { 0, FIND_POLL_NS };

	for (;;) {
		enum hp_pyfind hard = HP_PYFIND_NOT_YET;

		if (discover(s, &hard, err)) {
			s->start_mono = hp_monotonic();
			return HP_FIND_OK;
		}
		if (hard == HP_PYFIND_UNSUPPORTED)
			return HP_FIND_UNSUPPORTED;
		if (hard == HP_PYFIND_DENIED)
			return HP_FIND_DENIED;
		if (hard == HP_PYFIND_ERROR)
			return HP_FIND_ERROR;
		try_reap(s, false);
		if (s->reaped || (!s->spawned && !hp_proc_alive(s->root))) {
			hp_err_set(err, "process %d exited before the python interpreter started",
				   (int)s->root);
			return HP_FIND_EXITED;
		}
		if (s->stop && *s->stop) {
			hp_err_set(err, "interrupted before a python interpreter was found");
			return HP_FIND_EXITED;
		}
		if (hp_monotonic() > deadline) {
			hp_err_set(err, "process %d is not a python process: no python interpreter "
				   "in it or its children after %g s (see '--timeout')",
				   (int)s->root, s->opts.timeout > 0 ? s->opts.timeout : 10);
			return HP_FIND_NOT_PYTHON;
		}
		nanosleep(&ts, NULL);
	}
}

/* ---- sampling ---- */

static struct hp_thread *get_thread(struct hp_sampler *s, struct hp_target *t, uint64_t tid)
{
	char path[96], comm[64] = "";
	struct hp_buf label = HP_BUF_INIT, pidv = HP_BUF_INIT;
	struct hp_label labels[2];
	struct hp_thread *th;
	ssize_t n;

	for (size_t i = 0; i < t->nr_threads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	HP_GROW(t->threads, t->nr_threads + 1, t->alloc_threads);
	th = &t->threads[t->nr_threads++];
	memset(th, 0, sizeof(*th));
	th->tid = tid;
	th->ran = -1;
	snprintf(path, sizeof(path), "/proc/%d/task/%llu/stat", (int)t->pid, (unsigned long long)tid);
	th->stat_fd = open(path, O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/proc/%d/task/%llu/comm", (int)t->pid, (unsigned long long)tid);
	n = hp_proc_read_small(path, comm, sizeof(comm));
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	hp_buf_addf(&label, "%llu", (unsigned long long)tid);
	if (n > 0 && comm[0])
		hp_buf_addf(&label, " (%s)", comm);
	hp_buf_addf(&pidv, "%d", (int)t->pid);
	labels[0].key = hp_profile_intern(s->prof, "thread", 6);
	labels[0].value = hp_profile_intern(s->prof, label.data, label.len);
	labels[1].key = hp_profile_intern(s->prof, "pid", 3);
	labels[1].value = hp_profile_intern(s->prof, pidv.data, pidv.len);
	th->labelset = hp_profile_labelset(s->prof, labels, 2);
	hp_buf_release(&label);
	hp_buf_release(&pidv);
	return th;
}

/* 1 running, 0 not, -1 unknown */
static int thread_running(struct hp_thread *th)
{
	char buf[512];
	const char *close_p;
	ssize_t n;

	if (th->stat_fd < 0)
		return -1;
	n = pread(th->stat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	close_p = strrchr(buf, ')');
	if (!close_p || close_p + 2 >= buf + n)
		return -1;
	return close_p[2] == 'R';
}

struct sample_ctx {
	struct hp_sampler *s;
	struct hp_target *t;
	uint32_t stack[8192];
};

static void on_stack(void *ctx, pid_t pid, uint64_t tid, const struct hp_pyframe *frames, size_t n)
{
	struct sample_ctx *c = ctx;
	struct hp_sampler *s = c->s;
	struct hp_thread *th = get_thread(s, c->t, tid);
	double w[HP_MAX_WEIGHTS] = { 0 };
	int run = s->opts.blocking ? th->ran : thread_running(th);

	(void)pid;
	th->seen_tick = s->stats.ticks;
	if (!s->opts.idle && run == 0)
		return;
	if (n > sizeof(c->stack) / sizeof(c->stack[0]))
		n = sizeof(c->stack) / sizeof(c->stack[0]);
	for (size_t i = 0; i < n; i++) {
		const struct hp_pyframe *f = &frames[i];
		int line = s->opts.lines ? f->line : 0;
		uint64_t key = ((uint64_t)f->uid << 32) | (uint32_t)line;
		uint32_t id = hp_u64map_get(&s->frame_ids, key);

		if (id == UINT32_MAX) {
			uint32_t fn = hp_profile_intern(s->prof, f->qualname, strlen(f->qualname));
			uint32_t file = hp_profile_intern(s->prof, f->filename, strlen(f->filename));

			id = hp_profile_frame(s->prof, fn, file, line, HP_KIND_PYTHON);
			hp_u64map_put(&s->frame_ids, key, id);
		}
		c->stack[n - 1 - i] = id;   /* root first */
	}
	w[s->weight_col] = 1;
	hp_profile_add_stack(s->prof, th->labelset, c->stack, n, w);
	s->stats.samples++;
}

static void read_proc_cpu(struct hp_target *t)
{
	struct hp_proc_stat st;
	int64_t hwm;

	if (hp_proc_stat_read(&st, t->pid, 0, NULL) == 0) {
		t->utime = st.utime;
		t->stime = st.stime;
	}
	hwm = hp_proc_status_hwm(t->pid);
	if (hwm > t->hwm)
		t->hwm = hwm;
}

/* --blocking: a wait of the freeze saw t exit and took its status, which
 * is then ours to keep (nobody can wait for it again). */
static void took_exit(struct hp_sampler *s, struct hp_target *t)
{
	t->gone = true;
	if (s->spawned && t->pid == s->root && !s->reaped) {
		const struct rusage *ru = &s->freeze->ru;

		s->reaped = true;
		s->wait_status = s->freeze->status;
		s->user_s = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6;
		s->sys_s = (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
		s->peak_rss_kb = ru->ru_maxrss;
	}
}

/* --blocking: stop the running threads of t for the sample (a sleeping
 * thread's frames do not move, and stopping it would wake it: it would then
 * look running at the next tick).  Which threads run is read before the
 * stop; once stopped, none does.  false: not sampled (the process is gone,
 * or ptrace refused: counted as an error). */
static bool freeze_target(struct hp_sampler *s, struct hp_target *t)
{
	pid_t *tids = NULL;
	size_t nr = 0, nrun = 0;
	bool ok = false;

	if (!s->freeze)
		s->freeze = hp_xcalloc(1, sizeof(*s->freeze));
	if (hp_proc_tasks(t->pid, &tids, &nr, NULL)) {
		if (!hp_proc_alive(t->pid))
			t->gone = true;
		goto cleanup;
	}
	for (size_t i = 0; i < nr; i++) {
		struct hp_thread *th = get_thread(s, t, (uint64_t)tids[i]);

		th->ran = thread_running(th);
		if (th->ran != 0)
			tids[nrun++] = tids[i];
	}
	if (hp_freeze(s->freeze, t->pid, tids, nrun, NULL) == 0) {
		ok = true;
	} else if (s->freeze->exited) {
		took_exit(s, t);
	} else if (hp_proc_alive(t->pid)) {
		s->stats.errors++;
	} else {
		t->gone = true;
	}
cleanup:
	free(tids);
	return ok;
}

static void sample_once(struct hp_sampler *s, struct sample_ctx *c)
{
	for (size_t i = 0; i < s->nr_targets; i++) {
		struct hp_target *t = &s->targets[i];
		struct hp_pysample_stats st = { 0, 0, 0, 0 };

		if (t->state != HP_PYFIND_OK || t->gone)
			continue;
		if (s->opts.blocking && !freeze_target(s, t))
			continue;
		c->t = t;
		if (hp_pyproc_sample(&t->pp, on_stack, c, &st))
			t->gone = true;
		if (s->opts.blocking) {
			hp_thaw(s->freeze);
			if (s->freeze->exited)
				took_exit(s, t);
		}
		s->stats.errors += st.errors;
		s->retries += st.retries;
		s->inferred += st.inferred;
	}
}

static bool any_alive(struct hp_sampler *s)
{
	for (size_t i = 0; i < s->nr_targets; i++)
		if (s->targets[i].state == HP_PYFIND_OK && !s->targets[i].gone)
			return true;
	return false;
}

int hp_sampler_run(struct hp_sampler *s, struct hp_err *err)
{
	struct sample_ctx *c = hp_xcalloc(1, sizeof(*c));
	const int64_t period = (int64_t)(1e9 / (s->opts.rate > 0 ? s->opts.rate : 100));
	struct timespec next;
	double last_discover, last_progress = 0, last_cpu = 0, now;
	struct hp_rng rng;

	(void)err;
	c->s = s;
	if (!s->start_mono)
		s->start_mono = hp_monotonic();
	last_discover = s->start_mono;
	clock_gettime(CLOCK_MONOTONIC, &next);
	hp_rng_seed(&rng, (unsigned long long)next.tv_nsec ^ ((unsigned long long)getpid() << 32));
	/* wake on time: the default 50 us timer slack is half a period at
	 * 10 kHz (a hint; failure is harmless) */
	(void)prctl(PR_SET_TIMERSLACK, 1000UL, 0UL, 0UL, 0UL);
	for (;;) {
		struct timespec ts;
		int64_t late;

		if (s->stop && *s->stop)
			break;
		now = hp_monotonic();
		sample_once(s, c);
		if (s->opts.timings && s->nr_tick_ns < (1u << 24)) {
			double d = (hp_monotonic() - now) * 1e9;

			HP_GROW(s->tick_ns, s->nr_tick_ns + 1, s->alloc_tick_ns);
			s->tick_ns[s->nr_tick_ns++] = d > 4e9 ? UINT32_MAX : (uint32_t)d;
		}
		s->stats.ticks++;
		now = hp_monotonic();
		s->stats.elapsed = now - s->start_mono;
		if (s->opts.duration > 0 && s->stats.elapsed >= s->opts.duration)
			break;
		if (now - last_cpu > 0.2 && !s->spawned) {
			for (size_t i = 0; i < s->nr_targets; i++)
				if (s->targets[i].state == HP_PYFIND_OK && !s->targets[i].gone)
					read_proc_cpu(&s->targets[i]);
			last_cpu = now;
		}
		if (s->opts.subprocesses && now - last_discover > DISCOVER_INTERVAL) {
			enum hp_pyfind hard = HP_PYFIND_NOT_YET;

			discover(s, &hard, NULL);
			last_discover = now;
		}
		if (s->progress && now - last_progress > 0.25) {
			s->progress(s->progress_ctx, &s->stats);
			last_progress = now;
		}
		if (!any_alive(s)) {
			/* with --subprocesses, the root may still start more */
			try_reap(s, false);
			if (!s->opts.subprocesses || s->reaped || !hp_proc_alive(s->root))
				break;
		}
		/* next absolute deadline; whole periods already passed are missed */
		next.tv_nsec += period;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		late = ((int64_t)ts.tv_sec - next.tv_sec) * 1000000000LL + (ts.tv_nsec - next.tv_nsec);
		if (late > 0) {
			int64_t skip = late / period + 1;

			s->stats.missed += (uint64_t)(late >= period ? skip - 1 : 0);
			if (late >= period) {
				int64_t add = (skip - 1) * period;

				next.tv_sec += add / 1000000000LL;
				next.tv_nsec += add % 1000000000LL;
				while (next.tv_nsec >= 1000000000L) {
					next.tv_nsec -= 1000000000L;
					next.tv_sec++;
				}
			}
			continue;
		}
		/* each tick at a random point of the first half of its period:
		 * a program whose loop runs in step with the rate is not always
		 * caught at the same phase, which would skew its shares
		 * (aliasing); the second half stays free for a late wake-up */
		{
			struct timespec wake = next;

			wake.tv_nsec += (long)hp_rng_below(&rng, (size_t)period);
			while (wake.tv_nsec >= 1000000000L) {
				wake.tv_nsec -= 1000000000L;
				wake.tv_sec++;
			}
			while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL) == EINTR)
				if (s->stop && *s->stop)
					break;
		}
	}
	s->stats.elapsed = hp_monotonic() - s->start_mono;
	if (s->progress)
		s->progress(s->progress_ctx, &s->stats);
	free(c);
	return 0;
}

void hp_sampler_finish(struct hp_sampler *s, int sig)
{
	sig_atomic_t seen = s->stop ? *s->stop : 0;
	int forwarded = 0;

	if (s->spawned && sig && !s->reaped) {
		kill(-s->root, sig);
		forwarded++;
	}
	if (s->spawned) {
		struct timespec ts = { 0, 10000000L };

		while (!s->reaped) {
			try_reap(s, false);
			if (s->reaped)
				break;
			if (s->stop && *s->stop != seen) {
				seen = *s->stop;
				forwarded++;
				kill(-s->root, forwarded >= 3 ? SIGKILL : (int)seen);
			}
			nanosleep(&ts, NULL);
		}
	} else {
		uint64_t ut = 0, stt = 0;
		int64_t hwm = -1;
		long hz = sysconf(_SC_CLK_TCK);

		for (size_t i = 0; i < s->nr_targets; i++) {
			struct hp_target *t = &s->targets[i];

			if (t->state != HP_PYFIND_OK)
				continue;
			if (!t->gone)
				read_proc_cpu(t);
			ut += t->utime;
			stt += t->stime;
			if (t->hwm > hwm)
				hwm = t->hwm;
		}
		if (hz > 0) {
			s->user_s = (double)ut / (double)hz;
			s->sys_s = (double)stt / (double)hz;
		}
		s->peak_rss_kb = hwm;
	}
}

int hp_sampler_exit_status(const struct hp_sampler *s)
{
	if (!s->reaped)
		return -1;
	if (WIFEXITED(s->wait_status))
		return WEXITSTATUS(s->wait_status);
	if (WIFSIGNALED(s->wait_status))
		return 128 + WTERMSIG(s->wait_status);
	return -1;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

double hp_sampler_tick_quantile(const struct hp_sampler *s, double q)
{
	uint32_t *v;
	size_t i;
	double r;

	if (!s->nr_tick_ns)
		return -1;
	v = hp_xmalloc(s->nr_tick_ns * sizeof(*v));
	memcpy(v, s->tick_ns, s->nr_tick_ns * sizeof(*v));
	qsort(v, s->nr_tick_ns, sizeof(*v), cmp_u32);
	i = (size_t)(q * (double)(s->nr_tick_ns - 1) + 0.5);
	r = v[i < s->nr_tick_ns ? i : s->nr_tick_ns - 1] / 1000.0;
	free(v);
	return r;
}

size_t hp_sampler_pids(const struct hp_sampler *s, int **pids)
{
	size_t n = 0;

	*pids = hp_xcalloc(s->nr_targets + 1, sizeof(int));
	for (size_t i = 0; i < s->nr_targets; i++)
		if (s->targets[i].state == HP_PYFIND_OK)
			(*pids)[n++] = (int)s->targets[i].pid;
	return n;
}
