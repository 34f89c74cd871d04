/*
 * err.h - error reports from library code.
 *
 * Library functions never print.  A function that can fail takes a
 * struct hp_err * (which may be NULL when the caller does not care), fills
 * it with one lower-case line without a trailing full stop, and returns -1.
 * The command layer prints it as "hotpath: error: <msg>".
 *
 * Usage:
 *	if (fd < 0)
 *		return hp_err_errno(err, "cannot open '%s'", path);
 */
#ifndef HP_CORE_ERR_H
#define HP_CORE_ERR_H

#include "core/alloc.h"

#define HP_ERR_MAX 1024

struct hp_err {
	char msg[HP_ERR_MAX];
};

/* Format msg into err; returns -1 so callers can `return hp_err_set(...)`. */
int hp_err_set(struct hp_err *err, const char *fmt, ...) HP_PRINTF(2, 3);
/* As hp_err_set, then append ": strerror(errno)" (errno read on entry). */
int hp_err_errno(struct hp_err *err, const char *fmt, ...) HP_PRINTF(2, 3);
/* Prefix an existing message: "<prefix>: <old msg>". */
int hp_err_prefix(struct hp_err *err, const char *fmt, ...) HP_PRINTF(2, 3);

#endif
