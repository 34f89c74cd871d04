/*
 * pstats.h - the statistics that Python's cProfile (and profile) dump with
 * marshal: per function key (file, line, name) the primitive calls cc, all
 * calls nc, self time tt, cumulative time ct, and the callers with their
 * own numbers.
 *
 * On disk the value of a function is (cc, nc, tt, ct, callers) and each
 * caller's value is (nc, cc, tt, ct) -- the first two in the other order.
 * Here both are stored by name, so nothing downstream has to remember that.
 * The pure-Python `profile` module writes a plain call count per caller
 * instead of a tuple; such callers have count_only set (nc = cc = count,
 * tt = ct = 0).
 *
 * Structure
 *   keys     every distinct (file, line, name) seen, as a function or as a
 *            caller, in first-seen order; strings interned in strs.
 *   entries  one per function of the stats dict, in the dict's order (the
 *            order Python's pstats keeps and breaks sort ties by).  A
 *            duplicated dict key replaces the earlier value in place, as a
 *            Python dict does.
 *   callers  entries[i]'s callers are callers[first_caller .. + nr_callers),
 *            in the file's order.
 *   Totals (total_calls, prim_calls, total_tt) are summed in entry order,
 *   exactly as pstats does, so printed totals agree to the last digit.
 *
 * Ownership: struct hp_pstats owns everything; hp_pstats_release frees it
 * (call hp_pstats_init again to reuse it).  The reader carves its arrays
 * out of one allocation (block; in_block says which), so code outside
 * pstats.c must not realloc or free them: grow them with
 * hp_pstats_reserve.  Orders returned by hp_pstats_sort are owned by
 * the caller.
 */
#ifndef HP_PROFILE_PSTATS_H
#define HP_PROFILE_PSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/strtab.h"

#define HP_PSTATS_NONE UINT32_MAX

struct hp_pstats_key {
	uint32_t file;  /* string id */
	uint32_t name;  /* string id */
	int64_t line;
};

/* A slot of the key index: the whole identity, so a lookup reads one slot
 * (line is the key's line when it fits 32 bits, else INT32_MIN and the
 * key's own line decides). */
struct hp_pstats_kslot {
	uint32_t file, name;
	int32_t line;
	uint32_t key;   /* key id + 1; 0 = empty */
};

/* Per key id, while a dict of callers is read: the pair's sequence number
 * + 1 when the key was seen in it, and the caller's index. */
struct hp_pstats_mark {
	uint32_t seen, pos;
};

struct hp_pstats_call {
	uint32_t key;   /* the caller's key id */
	bool count_only;
	int64_t nc, cc;
	double tt, ct;
};

struct hp_pstats_entry {
	uint32_t key;
	int64_t cc, nc;
	double tt, ct;
	uint32_t first_caller, nr_callers;
};

struct hp_pstats {
	struct hp_strtab strs;
	struct hp_pstats_kslot *kslots; /* the key index: open addressing on (file, line, name) */
	uint32_t kslot_mask;            /* slots - 1 (a power of two); at most 3/4 are used */
	struct hp_pstats_key *keys;
	uint32_t nr_keys, alloc_keys;
	uint32_t *entry_of_key;         /* by key id, HP_PSTATS_NONE if not a function */
	uint32_t alloc_eok;
	struct hp_pstats_entry *entries;
	uint32_t nr_entries, alloc_entries;
	struct hp_pstats_call *callers;
	uint32_t nr_callers, alloc_callers;
	struct hp_pstats_mark *caller_mark; /* by key id: duplicate callers of the pair being read */

	void *block;         /* one allocation holding the reader's arrays (huge pages), or NULL */
	unsigned in_block;   /* which arrays point into block (bits private to pstats.c) */

	int64_t total_calls, prim_calls;
	double total_tt;
	bool tuple_callers;  /* the first entry with callers has tuple values */
};

void hp_pstats_init(struct hp_pstats *st);
void hp_pstats_release(struct hp_pstats *st);

/* True when data looks like a marshalled dict of tuples (a stats dump):
 * '{' (or with FLAG_REF, 0xfb) followed by a tuple code or the end '0'. */
bool hp_pstats_sniff(const void *data, size_t len);

/* Build st (freshly initialised) from marshal data.  Errors name the byte
 * offset of the offending object: "expected a tuple of 5 at byte 210". */
int hp_pstats_read_mem(struct hp_pstats *st, const void *data, size_t len, struct hp_err *err);
/* The same through the marshal value tree (profile/marshal.h).  read_mem
 * reads the bytes directly and falls back to this for anything unusual or
 * wrong, so errors come from here; tests check that both agree. */
int hp_pstats_read_mem_tree(struct hp_pstats *st, const void *data, size_t len, struct hp_err *err);
/* As hp_pstats_read_mem on a whole file; errors are prefixed
 * "cannot read 'path': ".  max bounds the file size (0 = 1 GiB). */
int hp_pstats_read_file(struct hp_pstats *st, const char *path, size_t max, struct hp_err *err);

/* Room for at least entries entries and callers callers in all (for
 * builders other than the reader, e.g. profile/pstats_write.h). */
void hp_pstats_reserve(struct hp_pstats *st, size_t entries, size_t callers);
/* The key id of (file, line, name), added when new (for builders other
 * than the reader, e.g. profile/pstats_write.h). */
uint32_t hp_pstats_key(struct hp_pstats *st, const char *file, size_t flen, int64_t line,
		       const char *name, size_t nlen);
/* Sum total_calls, prim_calls and total_tt in entry order and set
 * tuple_callers, as the reader does; -1 when the counts overflow. */
int hp_pstats_totals(struct hp_pstats *st, struct hp_err *err);

/* True when a and b hold the same model, number for number (doubles
 * compared bitwise, so NaNs compare): keys, entries and callers in order. */
bool hp_pstats_equal(const struct hp_pstats *a, const struct hp_pstats *b);

/* Entry index of a function, or HP_PSTATS_NONE. */
uint32_t hp_pstats_find(const struct hp_pstats *st, const char *file, int64_t line, const char *name);

static inline const char *hp_pstats_str(const struct hp_pstats *st, uint32_t id)
{
	return hp_strtab_str(&st->strs, id);
}

/* Append pstats' standard name of a key: "file:line(name)", or for a
 * built-in ('~', 0, '<name>') "{name}" (names not in angle brackets as is). */
void hp_pstats_std_name(const struct hp_pstats *st, uint32_t key, struct hp_buf *out);

/*
 * Sorting, as pstats.Stats.sort_stats: keys are compared in turn, numbers
 * descending and names ascending (by code point), ties keep file order.
 */
enum hp_pstats_sort_key {
	HP_PSORT_CALLS,      /* nc, descending */
	HP_PSORT_CUMULATIVE, /* ct */
	HP_PSORT_FILE,
	HP_PSORT_LINE,
	HP_PSORT_NAME,
	HP_PSORT_NFL,        /* name, file, line */
	HP_PSORT_PCALLS,     /* cc */
	HP_PSORT_STDNAME,
	HP_PSORT_TIME,       /* tt */
	HP_PSORT_NR
};

#define HP_PSTATS_MAX_SORT_KEYS 8

/* Parse "cumulative" or "tottime,name": pstats' words (calls ncalls cumtime
 * cumulative filename module line name nfl pcalls stdname time tottime) and
 * their unique abbreviations, plus "file", "self" (= time) and "total"
 * (= cumulative).  desc receives pstats' "Ordered by" text ("cumulative
 * time, function name").  Returns the number of keys, or -1 with err set. */
int hp_pstats_sort_parse(const char *spec, enum hp_pstats_sort_key *keys,
			 struct hp_buf *desc, struct hp_err *err);

/* A new array of all entry indices in sorted order (caller frees). */
uint32_t *hp_pstats_sort(const struct hp_pstats *st, const enum hp_pstats_sort_key *keys, int nkeys);
/* As hp_pstats_sort, but only the first `top` places are sorted (the same
 * entries, in the same order, as a full sort); the rest follow in no
 * particular order.  top 0 (or >= the entry count) sorts everything. */
uint32_t *hp_pstats_sort_top(const struct hp_pstats *st, const enum hp_pstats_sort_key *keys,
			     int nkeys, size_t top);

/* Compare two keys as Python compares the tuples (file, line, name). */
int hp_pstats_key_cmp(const struct hp_pstats *st, uint32_t a, uint32_t b);

/*
 * Callees: the inverse of callers.  For entry i, the calls it made are
 * (callee entry, call record) pairs; hp_pstats_callees builds them all.
 */
struct hp_pstats_callee {
	uint32_t callee;  /* entry index of the function called */
	uint32_t call;    /* index into st->callers (the callee's record of this caller) */
};

struct hp_pstats_callees {
	struct hp_pstats_callee *items;  /* grouped by caller entry */
	uint32_t *first;                 /* nr_entries + 1 offsets into items */
};

void hp_pstats_callees_build(const struct hp_pstats *st, struct hp_pstats_callees *out);
void hp_pstats_callees_release(struct hp_pstats_callees *c);

/* Stable merge sort of n uint32 ids with cmp (exposed for the commands). */
typedef int (*hp_pstats_cmp_fn)(const void *ctx, uint32_t a, uint32_t b);
void hp_pstats_msort(uint32_t *ids, size_t n, hp_pstats_cmp_fn cmp, const void *ctx);

#endif
