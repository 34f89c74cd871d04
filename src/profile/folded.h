/*
 * folded.h - Brendan Gregg's folded stack format ("a;b;c 12").
 *
 * Reader: one stack per line, frames separated by ';', then whitespace and a
 * count (integer or decimal).  The differential form has two counts
 * ("a;b 5 7"): it is detected from the first stack line (or forced) and read
 * into the weight columns "before" and "after".  Frame names may contain
 * spaces.  CRLF line ends and blank lines are accepted.  Malformed lines are
 * counted and skipped (the caller warns once), or fail in strict mode.
 *
 * Frame text conventions understood (and written back by the writer):
 *   "func (file:line)"  "func (file)"   py-spy's form  -> python/native frame
 *   "file.py:func:line"                  Austin's form  -> python frame
 *   "func_[k]"                           kernel frame (suffix removed)
 *   anything else                        a frame of kind "other"
 *
 * Ownership: the reader adds into a caller-initialised profile; on error the
 * profile holds whatever was read before the error and must still be
 * released by the caller.
 */
#ifndef HP_PROFILE_FOLDED_H
#define HP_PROFILE_FOLDED_H

#include <stdbool.h>
#include <stdio.h>

#include "core/buf.h"
#include "profile/profile.h"

enum hp_folded_diff { HP_FOLDED_AUTO = -1, HP_FOLDED_SINGLE = 0, HP_FOLDED_DIFF = 1 };

struct hp_folded_opts {
	bool strict;                 /* fail on the first malformed line */
	enum hp_folded_diff diff;    /* auto-detect by default */
	const char *countname;       /* weight column name, default "samples" */
};

struct hp_folded_stats {
	size_t lines;          /* physical lines read */
	size_t stacks;         /* lines that gave a stack */
	size_t malformed;      /* lines skipped */
	size_t first_malformed;/* line number (1-based) of the first, or 0 */
	bool differential;
};

#define HP_FOLDED_OPTS_INIT { false, HP_FOLDED_AUTO, NULL }

/* Read from path ("-" = standard input). */
int hp_folded_read_file(struct hp_profile *p, const char *path,
			const struct hp_folded_opts *opts,
			struct hp_folded_stats *stats, struct hp_err *err);
int hp_folded_read_fd(struct hp_profile *p, int fd, const char *name,
		      const struct hp_folded_opts *opts,
		      struct hp_folded_stats *stats, struct hp_err *err);
int hp_folded_read_mem(struct hp_profile *p, const char *data, size_t len,
		       const struct hp_folded_opts *opts,
		       struct hp_folded_stats *stats, struct hp_err *err);

struct hp_folded_write_opts {
	int col;          /* weight column to write; -1 = column 0, or both
			     "before"/"after" columns for a differential profile */
	bool labels;      /* prefix stacks with their labels as frames */
};

#define HP_FOLDED_WRITE_OPTS_INIT { -1, false }

/* Append the whole profile in folded form to out, lines sorted. */
void hp_folded_write(const struct hp_profile *p, const struct hp_folded_write_opts *opts,
		     struct hp_buf *out);

/* Append one frame's folded text (the inverse of the reader's parsing);
 * ';' becomes ':', line breaks become ' ' and NUL becomes '?' so that every
 * written line stays one parseable line. */
void hp_folded_frame_text(const struct hp_profile *p, uint32_t frame, struct hp_buf *out);

/* Parse one frame's text into p (exposed for tests). */
uint32_t hp_folded_parse_frame(struct hp_profile *p, const char *s, size_t len);

#endif
