/*
 * freeze.c - hold every thread of a process still for one sample (ptrace).
 * See freeze.h.
 */
#include "sampler/freeze.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "core/alloc.h"

static bool held(const struct hp_freeze *fz, pid_t tid)
{
	for (size_t i = 0; i < fz->nr; i++)
		if (fz->tids[i] == tid)
			return true;
	return false;
}

static void drop(struct hp_freeze *fz, size_t i)
{
	fz->tids[i] = fz->tids[fz->nr - 1];
	fz->sigs[i] = fz->sigs[fz->nr - 1];
	fz->nr--;
}

/* Wait for thread i to stop.  Returns 1 when it stopped, 0 when it is gone
 * (dropped from the set), -1 on an unexpected error. */
static int wait_stop(struct hp_freeze *fz, pid_t pid, size_t i)
{
	pid_t tid = fz->tids[i];

	for (;;) {
		struct rusage ru;
		int st;
		pid_t r = wait4(tid, &st, __WALL, &ru);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			/* ECHILD: the thread is gone (reaped elsewhere) */
			if (errno != ECHILD)
				return -1;
			drop(fz, i);
			return 0;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (tid == pid) {
				fz->exited = true;
				fz->status = st;
				fz->ru = ru;
			}
			drop(fz, i);
			return 0;
		}
		if (!WIFSTOPPED(st))
			continue;
		/* a stop from our interrupt, a group stop or an event, or a
		 * signal on its way in (handed back on detach): stopped all
		 * the same */
		if ((st >> 16) == 0)
			fz->sigs[i] = WSTOPSIG(st);
		return 1;
	}
}

int hp_freeze(struct hp_freeze *fz, pid_t pid, const pid_t *tids, size_t n, struct hp_err *err)
{
	int ret = -1;

	fz->nr = 0;
	fz->pid = pid;
	fz->exited = false;
	for (size_t i = 0; i < n; i++) {
		if (held(fz, tids[i]))
			continue;
		if (ptrace(PTRACE_SEIZE, tids[i], NULL, NULL)) {
			if (errno == ESRCH)
				continue;       /* exited meanwhile */
			hp_err_errno(err, "cannot stop thread %d of process %d (ptrace)", (int)tids[i],
				     (int)pid);
			goto cleanup;
		}
		HP_GROW(fz->tids, fz->nr + 1, fz->alloc);
		fz->sigs = hp_xreallocarray(fz->sigs, fz->alloc, sizeof(*fz->sigs));
		fz->tids[fz->nr] = tids[i];
		fz->sigs[fz->nr] = 0;
		fz->nr++;
		if (ptrace(PTRACE_INTERRUPT, tids[i], NULL, NULL) && errno != ESRCH) {
			hp_err_errno(err, "cannot stop thread %d of process %d (ptrace)", (int)tids[i],
				     (int)pid);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < fz->nr;) {
		int r = wait_stop(fz, pid, i);

		if (r < 0) {
			hp_err_errno(err, "cannot wait for thread %d of process %d", (int)fz->tids[i],
				     (int)pid);
			goto cleanup;
		}
		if (r > 0)
			i++;
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
	for (size_t i = 0; i < fz->nr; i++) {
		pid_t tid = fz->tids[i];

		/* ESRCH: not in a ptrace stop.  Either it has not reached
		 * the stop asked for yet (hp_freeze gave up early), or it was
		 * killed meanwhile (another thread's exit_group, SIGKILL): a
		 * traced thread that dies stays a zombie until its tracer
		 * waits for it, and keeps its whole process from being
		 * reaped.  Wait for whichever comes. */
		while (ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)fz->sigs[i]) && errno == ESRCH) {
			struct rusage ru;
			int st;
			pid_t r = wait4(tid, &st, __WALL, &ru);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				break;          /* ECHILD: not ours to wait for any more */
			if (WIFEXITED(st) || WIFSIGNALED(st)) {
				if (tid == fz->pid) {
					fz->exited = true;
					fz->status = st;
					fz->ru = ru;
				}
				break;
			}
		}
	}
	fz->nr = 0;
}

void hp_freeze_release(struct hp_freeze *fz)
{
	free(fz->tids);
	free(fz->sigs);
	memset(fz, 0, sizeof(*fz));
}
