/*
 * freeze.h - hold every thread of a process still for one sample.
 *
 * `record --blocking` reads the target while it is stopped, as py-spy does
 * by default: each thread the caller names (the running ones: a sleeping
 * thread's frames do not move, and stopping it would wake it) is seized
 * with ptrace (PTRACE_SEIZE), told to stop (PTRACE_INTERRUPT) and waited
 * for, then after the read detached again (PTRACE_DETACH), with any signal
 * that arrived meanwhile handed back.  ptrace rather than SIGSTOP: a group stop is reported to the
 * target's parent, and a shell with job control would take the terminal
 * back from a foreground target.
 *
 * The caller may be the target's parent: a wait that collects the whole
 * process's exit (the thread-group leader's) hands its status and resource
 * usage back in struct hp_freeze, since nobody can wait for it again.
 *
 * Ownership: struct hp_freeze owns its arrays; hp_freeze_release frees
 * them.  Nothing here prints or exits.
 */
#ifndef HP_SAMPLER_FREEZE_H
#define HP_SAMPLER_FREEZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "core/err.h"

struct hp_freeze {
	pid_t pid;              /* the process of the last hp_freeze */
	pid_t *tids;            /* threads held by the last hp_freeze */
	int *sigs;              /* signal each must get back on detach */
	unsigned char *state;   /* each: waited for, or stopped */
	size_t nr, alloc;
	bool exited;            /* the process exited while being frozen */
	int status;             /* its wait status (when exited) */
	struct rusage ru;       /* and its resource usage */
};

/* Stop the threads tids[0..n) (distinct) of process pid (threads that exited
 * meanwhile are skipped).  Returns 0 when all that still exist are
 * stopped (hp_thaw must follow), or -1 with err set (nothing is left
 * held; fz->exited tells whether the process is gone). */
int hp_freeze(struct hp_freeze *fz, pid_t pid, const pid_t *tids, size_t n, struct hp_err *err);

/* Let the threads of the last successful hp_freeze run again.  A thread
 * that died while held is reaped (its process could not be reaped
 * otherwise); when that was the whole process, fz->exited says so.  Gives
 * up on a thread that reports nothing within a second. */
void hp_thaw(struct hp_freeze *fz);

void hp_freeze_release(struct hp_freeze *fz);

#endif
