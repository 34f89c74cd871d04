/*
 * record_cprofile.h - `hotpath record --profiler cprofile|all`: run a
 * Python command under cProfile (deterministic profiling) and write
 * NAME.pstats, NAME_summary.txt (pstats' print_stats of the 20 functions
 * with the highest cumulative time) and NAME.json.
 *
 * The command must be a Python invocation: `python[3][.X] [interpreter
 * options] script.py ARGS`, `... -m module ARGS` or `... -c CODE ARGS`
 * (a launcher script named python3, such as a pyenv shim, counts).  It is
 * run, without a shell, as `python [options] -c DRIVER OUT MODE TARGET
 * ARGS`: a small driver that does what `python -m cProfile -o OUT` does,
 * but keeps the target's exit status (cProfile's own command line
 * swallows SystemExit) and still dumps the statistics when the target
 * raises.  The statistics go to a temporary name and are renamed.
 *
 * These functions print their own messages (command layer).
 */
#ifndef HP_CMD_RECORD_CPROFILE_H
#define HP_CMD_RECORD_CPROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* 0 when cmd is a Python invocation cProfile can run, else a usage error
 * (printed; returns HP_EXIT_USAGE). */
int hp_record_cprofile_check(char *const *cmd, size_t ncmd);

/* The default base name (script or module name and a time stamp), as the
 * sampled run names its outputs. */
void hp_record_cprofile_name(char *const *cmd, size_t ncmd, struct hp_buf *name);

/*
 * Run cmd under cProfile; outputs are base + ".pstats", "_summary.txt",
 * ".json".  With merge_json the JSON of a sampled run already at
 * base + ".json" gains a "cprofile" object (--profiler all); otherwise a
 * new JSON is written.  *status receives the target's exit status (128+N
 * for a signal).  Returns 0, or an exit code when hotpath itself failed.
 */
int hp_record_cprofile(char *const *cmd, size_t ncmd, const char *base, bool merge_json,
		       bool quiet, int *status);

/*
 * The hooks in cmd/record.c.  hp_record_profiler_start validates
 * --profiler KIND before anything runs; for "cprofile" it does the whole
 * run and returns the exit status; it returns -1 when record is to go on
 * sampling ("sampling", "all").  After a sampled run of "all",
 * hp_record_cprofile_all runs the command again under cProfile with the
 * same base name and merges the JSON; *status (the sampled run's) becomes
 * the cProfile run's when it was 0.  Both return exit codes.
 */
int hp_record_profiler_start(const char *kind, bool pid, char *const *cmd, size_t ncmd,
			     const char *outdir, const char *name, bool quiet);
int hp_record_cprofile_all(char *const *cmd, size_t ncmd, const char *base, bool quiet, int *status);

#endif
