/*
 * freeze.c - hold threads of a process still for one sample (ptrace).
 * See freeze.h.
 *
 * Every wait here polls (WNOHANG) all the threads still awaited, with a
 * deadline: a thread-group leader's exit is reported only once its other
 * threads are reaped, and a thread killed while held stays a zombie until
 * its tracer (us) reaps it, so waiting on one thread at a time can wait
 * forever (record once hung so: the leader waited for first, the other
 * threads zombies waiting for us).
 */
#include "sampler/freeze.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <time.h>

#include "core/alloc.h"

#define FREEZE_WAIT_NS 1000000000LL /* give up on threads that do not report */
#define FREEZE_POLL_NS 10000L       /* between two looks at them */

enum { T_WAITING, T_STOPPED };

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void nap(void)
{
	struct timespec ts = { 0, FREEZE_POLL_NS };

	nanosleep(&ts, NULL);
}

/* Forget thread i (the last one takes its place). */
static void drop(struct hp_freeze *fz, size_t i)
{
	fz->tids[i] = fz->tids[fz->nr - 1];
	fz->sigs[i] = fz->sigs[fz->nr - 1];
	fz->state[i] = fz->state[fz->nr - 1];
	fz->nr--;
}

/* One look at thread i, without blocking: 1 it is stopped, 0 nothing to
 * report yet, -1 it is gone (dropped: i now names another thread). */
static int look(struct hp_freeze *fz, size_t i)
{
	pid_t tid = fz->tids[i];
	struct rusage ru;
	int st;
	pid_t r = wait4(tid, &st, __WALL | WNOHANG, &ru);

	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r < 0) {
		drop(fz, i);    /* ECHILD: not ours to wait for any more */
		return -1;
	}
	if (WIFEXITED(st) || WIFSIGNALED(st)) {
		if (tid == fz->pid) {
			/* the whole process: its status is ours to keep */
			fz->exited = true;
			fz->status = st;
			fz->ru = ru;
		}
		drop(fz, i);
		return -1;
	}
	if (!WIFSTOPPED(st))
		return 0;
	/* a stop from our interrupt, a group stop or an event, or a signal
	 * on its way in (handed back on detach): stopped all the same */
	if ((st >> 16) == 0)
		fz->sigs[i] = WSTOPSIG(st);
	return 1;
}

int hp_freeze(struct hp_freeze *fz, pid_t pid, const pid_t *tids, size_t n, struct hp_err *err)
{
	int64_t deadline = now_ns() + FREEZE_WAIT_NS;
	int ret = -1;

	fz->nr = 0;
	fz->pid = pid;
	fz->exited = false;
	for (size_t i = 0; i < n; i++) {
		if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL)) {
			if (errno == ESRCH)
				continue;       /* exited meanwhile */
			hp_err_errno(err, "cannot stop thread %d of process %d (ptrace)", (int)tids[i],
				     (int)pid);
			goto cleanup;
		}
		if (fz->nr + 1 > fz->alloc) {
			fz->alloc = fz->alloc ? 2 * fz->alloc : 16;
			fz->tids = hp_xreallocarray(fz->tids, fz->alloc, sizeof(*fz->tids));
			fz->sigs = hp_xreallocarray(fz->sigs, fz->alloc, sizeof(*fz->sigs));
			fz->state = hp_xreallocarray(fz->state, fz->alloc, sizeof(*fz->state));
		}
		fz->tids[fz->nr] = tids[i];
		fz->sigs[fz->nr] = 0;
		fz->state[fz->nr] = T_WAITING;
		fz->nr++;
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) && errno != ESRCH) {
			hp_err_errno(err, "cannot stop thread %d of process %d (ptrace)", (int)tids[i],
				     (int)pid);
			goto cleanup;
		}
	}
	for (;;) {
		bool waiting = false;

		for (size_t i = 0; i < fz->nr;) {
			int r;

			if (fz->state[i] == T_STOPPED) {
				i++;
				continue;
			}
			r = look(fz, i);
			if (r < 0)
				continue;
			if (r > 0)
				fz->state[i] = T_STOPPED;
			else
				waiting = true;
			i++;
		}
		if (!waiting)
			break;
		if (now_ns() > deadline) {
			hp_err_set(err, "threads of process %d did not stop", (int)pid);
			goto cleanup;
		}
		nap();
	}
	if (fz->exited) {
		hp_err_set(err, "process %d exited", (int)pid);
		goto cleanup;
	}
	ret = 0;
cleanup:
	if (ret)
		hp_thaw(fz);
	return ret;
}

void hp_thaw(struct hp_freeze *fz)
{
	int64_t deadline = now_ns() + FREEZE_WAIT_NS;

	while (fz->nr > 0) {
		for (size_t i = 0; i < fz->nr;) {
			int r;

			if (fz->state[i] == T_STOPPED) {
				if (!ptrace(PTRACE_DETACH, fz->tids[i], NULL, (void *)(long)fz->sigs[i]) ||
				    errno != ESRCH) {
					drop(fz, i);
					continue;
				}
				/* ESRCH: no longer in its stop: killed meanwhile */
				fz->state[i] = T_WAITING;
			}
			/* not stopped yet (hp_freeze gave up early), or dying:
			 * detach once it stops, forget it once it is reaped */
			r = look(fz, i);
			if (r < 0)
				continue;
			if (r > 0)
				fz->state[i] = T_STOPPED;
			i++;
		}
		if (fz->nr == 0 || now_ns() > deadline)
			break;
		nap();
	}
	fz->nr = 0;
}

void hp_freeze_release(struct hp_freeze *fz)
{
	free(fz->tids);
	free(fz->sigs);
	free(fz->state);
	memset(fz, 0, sizeof(*fz));
}
