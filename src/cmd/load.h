/*
 * load.h - read a profile given on the command line, whatever its format
 * (folded stacks today; other readers join as they land), and print the
 * one-time warning for skipped malformed lines.
 */
#ifndef HP_CMD_LOAD_H
#define HP_CMD_LOAD_H

#include <stdbool.h>

#include "profile/profile.h"

struct hp_load_opts {
	bool strict;
	const char *countname;
};

/* Returns 0, or an exit code (already reported) on failure.  p must be
 * initialised; the caller releases it either way. */
int hp_load_profile(const char *path, const struct hp_load_opts *o, struct hp_profile *p);

#endif
