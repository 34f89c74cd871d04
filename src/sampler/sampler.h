/*
 * sampler.h - the sampling loop: start or attach to a target, follow its
 * process tree to the Python interpreter(s), sample at a fixed rate into a
 * profile, and reap the target.
 *
 * Timing uses absolute CLOCK_MONOTONIC deadlines (clock_nanosleep), so a
 * slow tick does not shift the following ones; a deadline already passed
 * by one or more whole periods is counted as missed ticks, never made up
 * with a burst.  Each sample adds one stack per Python thread (on CPU only,
 * unless opts.idle) to the profile with labels "thread" ("TID (name)") and
 * "pid", weight column "samples".
 *
 * Ownership: the sampler owns its targets and caches (hp_sampler_release);
 * the profile is the caller's and outlives the sampler.  stop points at the
 * caller's signal flag (may be NULL).
 */
#ifndef HP_SAMPLER_SAMPLER_H
#define HP_SAMPLER_SAMPLER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "core/u64map.h"
#include "profile/profile.h"

struct hp_sampler_opts {
	double rate;            /* Hz */
	double duration;        /* seconds, <= 0: until the target exits */
	double timeout;         /* seconds to wait for an interpreter */
	bool idle;              /* keep samples of threads not running */
	bool lines;             /* frames carry their current line */
	bool subprocesses;      /* sample every Python descendant */
	bool timings;           /* keep the duration of every tick (bench) */
	bool blocking;          /* hold the target still for every sample
				   (ptrace, see freeze.h) */
};

struct hp_sampler_stats {
	double elapsed;         /* seconds since sampling started */
	uint64_t ticks, missed, samples, errors;
};

typedef void (*hp_sampler_progress_fn)(void *ctx, const struct hp_sampler_stats *st);

struct hp_target;
struct hp_freeze;

struct hp_sampler {
	struct hp_sampler_opts opts;
	struct hp_profile *prof;
	const volatile sig_atomic_t *stop;
	hp_sampler_progress_fn progress;
	void *progress_ctx;

	pid_t root;             /* the started command, or --pid */
	bool spawned;           /* root is our child */
	bool reaped;
	int wait_status;        /* raw status from wait4 once reaped */
	double user_s, sys_s;   /* target CPU time */
	int64_t peak_rss_kb;

	struct hp_target *targets;
	size_t nr_targets, alloc_targets;
	int weight_col;
	struct hp_u64map frame_ids; /* (uid << 32 | line) -> frame */
	struct hp_sampler_stats stats;
	uint32_t *tick_ns;      /* with opts.timings: ns spent sampling per tick */
	size_t nr_tick_ns, alloc_tick_ns;
	uint64_t retries;       /* torn walks read again */
	uint64_t inferred;      /* generator frames placed on their known call site */
	struct hp_freeze *freeze; /* with opts.blocking */
	char python_version[32];
	double start_mono;
	char start_iso[40];
};

/* Error classes of hp_sampler_find. */
enum hp_sampler_find {
	HP_FIND_OK = 0,
	HP_FIND_NOT_PYTHON,     /* none found before opts.timeout */
	HP_FIND_EXITED,         /* the target exited before an interpreter ran */
	HP_FIND_UNSUPPORTED,
	HP_FIND_DENIED,
	HP_FIND_ERROR,
};

void hp_sampler_init(struct hp_sampler *s, const struct hp_sampler_opts *o,
		     struct hp_profile *prof);
void hp_sampler_release(struct hp_sampler *s);

/* Start argv (argv[0] searched in PATH, no shell) in its own process group
 * with the sampler as parent. */
int hp_sampler_spawn(struct hp_sampler *s, char *const argv[], struct hp_err *err);
/* Attach to a running process. */
int hp_sampler_attach(struct hp_sampler *s, pid_t pid, struct hp_err *err);

/* Follow the root's process tree until a ready Python interpreter is found
 * (or several, with opts.subprocesses). */
enum hp_sampler_find hp_sampler_find(struct hp_sampler *s, struct hp_err *err);

/* Sample until the targets exit, the duration passes or *stop is set. */
int hp_sampler_run(struct hp_sampler *s, struct hp_err *err);

/* After run: forward sig (0 = none) to the spawned target's process group
 * and wait for it to exit; fills wait_status and the CPU/RSS figures.
 * Forwards again whenever *stop changes; SIGKILL after the third signal. */
void hp_sampler_finish(struct hp_sampler *s, int sig);

/* Shell-style exit status of the target: code, 128+signal, -1 unknown. */
int hp_sampler_exit_status(const struct hp_sampler *s);

/* With opts.timings: quantile q (0..1) of the per-tick sampling time in
 * microseconds, or -1 when none was kept. */
double hp_sampler_tick_quantile(const struct hp_sampler *s, double q);

/* Pids of the Python processes sampled (caller frees *pids). */
size_t hp_sampler_pids(const struct hp_sampler *s, int **pids);

double hp_monotonic(void);

#endif
