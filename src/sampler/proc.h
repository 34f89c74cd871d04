/*
 * proc.h - readers for /proc/PID files used by the sampler.
 *
 * The parsers take the file contents as a buffer (so they can be fuzzed and
 * tested on synthetic input) and check every bound; the readers open the
 * file, read it whole (bounded) and call the parser.  /proc/PID/stat is
 * parsed from the last ')' because the command name may itself contain ')'
 * and spaces.
 *
 * Ownership: hp_proc_maps owns its entries and their path strings
 * (hp_proc_maps_release frees them); every other result is a plain value or
 * a caller-owned array stated per function.
 */
#ifndef HP_SAMPLER_PROC_H
#define HP_SAMPLER_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

struct hp_proc_map {
	uint64_t start, end;   /* [start, end) */
	uint64_t offset;       /* file offset of start */
	char perms[5];         /* "r-xp" */
	char *path;            /* "" for anonymous mappings */
};

struct hp_proc_maps {
	struct hp_proc_map *maps;
	size_t nr, alloc;
};

void hp_proc_maps_release(struct hp_proc_maps *m);
/* Parse a maps file; malformed lines fail the whole parse. */
int hp_proc_maps_parse(struct hp_proc_maps *m, const char *data, size_t len, struct hp_err *err);
/* Read /proc/PID/maps.  errno is kept from a failed open (EACCES, ENOENT)
 * so callers can tell "no permission" from "gone". */
int hp_proc_maps_read(struct hp_proc_maps *m, pid_t pid, struct hp_err *err);

struct hp_proc_stat {
	char state;            /* 'R', 'S', 'D', 'Z', ... */
	pid_t ppid;
	pid_t pgrp;
	uint64_t utime, stime; /* clock ticks */
	uint64_t starttime;    /* clock ticks since boot */
	char comm[32];
};

int hp_proc_stat_parse(struct hp_proc_stat *st, const char *data, size_t len, struct hp_err *err);
/* Read /proc/PID/stat (tid 0) or /proc/PID/task/TID/stat. */
int hp_proc_stat_read(struct hp_proc_stat *st, pid_t pid, pid_t tid, struct hp_err *err);

/* Parse "VmHWM:" from /proc/PID/status; returns kB or -1 when absent. */
int64_t hp_proc_status_hwm_parse(const char *data, size_t len);
int64_t hp_proc_status_hwm(pid_t pid);

/* Parse a whitespace-separated list of pids (the format of
 * /proc/PID/task/TID/children); appends to *pids (caller frees). */
int hp_proc_pidlist_parse(const char *data, size_t len, pid_t **pids, size_t *nr, size_t *alloc);

/* Direct children of pid: from /proc/PID/task/<any>/children when the
 * kernel has it, else by scanning every /proc/N/stat for ppid.  *pids is a
 * new array the caller frees. */
int hp_proc_children(pid_t pid, pid_t **pids, size_t *nr, struct hp_err *err);

/* Thread ids of pid (from /proc/PID/task); *tids is a new array the caller
 * frees. */
int hp_proc_tasks(pid_t pid, pid_t **tids, size_t *nr, struct hp_err *err);

/* Read a small /proc file whole into buf (at most cap-1 bytes, then
 * NUL-terminated).  Returns the length or -1 with errno set. */
ssize_t hp_proc_read_small(const char *path, char *buf, size_t cap);

/* Whether pid still exists (and is not a zombie). */
bool hp_proc_alive(pid_t pid);

#endif
