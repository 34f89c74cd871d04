/*
 * afile.h - atomic file output.
 *
 * hp_afile_open creates a temporary file next to path (same folder, so the
 * final rename stays on one file system); the caller writes to f->fp; then
 * hp_afile_commit flushes, checks for write errors, fsyncs and renames it
 * over path, or hp_afile_abort removes it.  A crash therefore never leaves a
 * half-written path.  path "-" writes to standard output (commit flushes and
 * checks stdout for errors, abort does nothing).
 *
 * Ownership: the struct owns fp and its path copies until commit/abort,
 * which always release them (both are safe to call on a released afile).
 */
#ifndef HP_CORE_AFILE_H
#define HP_CORE_AFILE_H

#include <stdio.h>

#include "core/err.h"

struct hp_afile {
	FILE *fp;
	char *path;
	char *tmp;
	int is_stdout;
};

int hp_afile_open(struct hp_afile *f, const char *path, struct hp_err *err);
int hp_afile_commit(struct hp_afile *f, struct hp_err *err);
void hp_afile_abort(struct hp_afile *f);

/* Write len bytes of data to path atomically. */
int hp_write_file_atomic(const char *path, const void *data, size_t len, struct hp_err *err);

/* Read a whole file (or "-" for stdin) into a NUL-terminated buffer that the
 * caller frees; refuses files larger than max bytes. */
int hp_read_file(const char *path, size_t max, char **data, size_t *len, struct hp_err *err);

/* Create dir (and parents) if missing, mode 0777 & ~umask. */
int hp_mkdir_p(const char *dir, struct hp_err *err);

#endif
