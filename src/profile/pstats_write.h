/*
 * pstats_write.h - profile statistics out: a pstats model built from a
 * sampled profile, and the marshal writer that python3's pstats (and
 * snakeviz, gprof2dot ...) load.
 *
 * From stacks to pstats numbers (each stack weighs `count` samples, which
 * take `count * unit` seconds):
 *   function F   tt += time when F is the leaf; ct += time once per stack
 *                that holds F (recursion is not counted twice); nc += count
 *                for every frame of F in the stack, cc += count once per
 *                stack (the outermost frame is the "primitive call").
 *   caller P->C  from adjacent frames (P calls C): nc += count for every
 *                adjacent pair, cc and ct once per stack that holds the
 *                pair, tt when C is the leaf of that pair.  This is how
 *                cProfile counts recursive calls per (caller, callee).
 * A function is identified by (file, function name): sampled frames carry
 * the line being run, not the def line, so the key's line is the smallest
 * line seen for it (0 when unknown).  Frames without a file become
 * built-ins ('~', 0, name).  Thread and process labels are merged.
 *
 * Ownership: hp_pstats_from_profile fills a caller-initialised hp_pstats
 * (hp_pstats_init), which the caller releases; hp_pstats_write appends to
 * a caller's buffer.
 */
#ifndef HP_PROFILE_PSTATS_WRITE_H
#define HP_PROFILE_PSTATS_WRITE_H

#include "core/buf.h"
#include "core/err.h"
#include "profile/profile.h"
#include "profile/pstats.h"

/* Build st from weight column col of p (counts, rounded to integers for the
 * call counts), each unit of weight taking `unit` seconds.  -1 with err set
 * when counts overflow. */
int hp_pstats_from_profile(struct hp_pstats *st, const struct hp_profile *p, int col,
			   double unit, struct hp_err *err);

/* Append st as marshal data (a dict in entry order, as pstats'
 * dump_stats writes): version-4 codes, key tuples written once and
 * referred back to, strings as valid UTF-8 (invalid bytes become U+FFFD). */
void hp_pstats_write(const struct hp_pstats *st, struct hp_buf *out);

#endif
