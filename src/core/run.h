/*
 * run.h - run a command and measure it (bench and check).
 *
 * The command is exec'd from argv (never through a shell).  Wall time comes
 * from CLOCK_MONOTONIC around fork..wait4; user and system CPU time and peak
 * RSS come from the rusage wait4 returns for that child alone.
 *
 * Ownership: nothing is allocated; argv is borrowed.
 */
#ifndef HP_CORE_RUN_H
#define HP_CORE_RUN_H

#include <stdbool.h>

#include "core/err.h"

struct hp_run_result {
	double wall_s;
	double user_s;
	double sys_s;
	double max_rss_bytes;
	int exit_code;     /* exit status, or -1 if killed by a signal */
	int signal;        /* terminating signal, 0 if it exited */
	bool exec_failed;  /* the command could not be started (exit 127) */
};

struct hp_run_opts {
	bool show_output;  /* keep the command's stdout/stderr (default: /dev/null) */
	const char *cwd;   /* run in this folder, or NULL */
	char **env;        /* environment for the command, or NULL to inherit */
};

/* Returns 0 when the command ran (whatever its exit status), -1 with err set
 * when it could not be started or waited for. */
int hp_run_measure(char *const *argv, const struct hp_run_opts *o,
		   struct hp_run_result *r, struct hp_err *err);

/* Describe how a run ended ("exit status 3", "killed by signal 9"). */
void hp_run_describe(const struct hp_run_result *r, char *buf, size_t len);

#endif
