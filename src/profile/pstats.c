/*
 * pstats.c - see pstats.h.  The marshal tree (profile/marshal.h) is walked
 * once; every value's type and arity is checked before use, and errors name
 * the byte offset of the value that is wrong.
 */
#include "profile/pstats.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/u64map.h"
#include "profile/marshal.h"

void hp_pstats_init(struct hp_pstats *st)
{
	memset(st, 0, sizeof(*st));
	hp_strtab_init(&st->strs);
}

/* The arrays that may live in st->block (bits of in_block). */
enum {
	IN_BLOCK_KSLOTS = 1u << 0,
	IN_BLOCK_KEYS = 1u << 1,
	IN_BLOCK_EOK = 1u << 2,
	IN_BLOCK_MARK = 1u << 3,
	IN_BLOCK_ENTRIES = 1u << 4,
	IN_BLOCK_CALLERS = 1u << 5,
};

static void free_unless(const struct hp_pstats *st, unsigned bit, void *arr)
{
	if (!(st->in_block & bit))
		free(arr);
}

void hp_pstats_release(struct hp_pstats *st)
{
	hp_strtab_release(&st->strs);
	free_unless(st, IN_BLOCK_KSLOTS, st->kslots);
	free_unless(st, IN_BLOCK_KEYS, st->keys);
	free_unless(st, IN_BLOCK_EOK, st->entry_of_key);
	free_unless(st, IN_BLOCK_MARK, st->caller_mark);
	free_unless(st, IN_BLOCK_ENTRIES, st->entries);
	free_unless(st, IN_BLOCK_CALLERS, st->callers);
	free(st->block);
	memset(st, 0, sizeof(*st));
}

/*
 * The array arr (of *alloc elements of elem bytes) with room for need,
 * growing by doubling.  An array in st->block is copied out to a malloc'd
 * one (and its bit cleared), never realloc'd.
 */
static void *grow_array(struct hp_pstats *st, unsigned bit, void *arr, uint32_t *alloc,
			size_t need, size_t elem)
{
	size_t n = *alloc ? *alloc : 16;

	if (need <= *alloc)
		return arr;
	if (need > UINT32_MAX)
		hp_oom(SIZE_MAX); /* ids are 32 bits; the value limit keeps readers far below */
	while (n < need)
		n *= 2;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	if (st->in_block & bit) {
		void *p = hp_xreallocarray(NULL, n, elem);

		memcpy(p, arr, (size_t)*alloc * elem);
		arr = p;
		st->in_block &= ~bit;
	} else {
		arr = hp_xreallocarray(arr, n, elem);
	}
	*alloc = (uint32_t)n;
	return arr;
}

void hp_pstats_reserve(struct hp_pstats *st, size_t entries, size_t callers)
{
	st->entries = grow_array(st, IN_BLOCK_ENTRIES, st->entries, &st->alloc_entries, entries,
				 sizeof(*st->entries));
	st->callers = grow_array(st, IN_BLOCK_CALLERS, st->callers, &st->alloc_callers, callers,
				 sizeof(*st->callers));
}

bool hp_pstats_sniff(const void *data, size_t len)
{
	const unsigned char *p = data;
	int c;

	if (len < 2 || (p[0] & 0x7f) != '{')
		return false;
	c = p[1] & 0x7f;
	return c == ')' || c == '(' || c == '0';
}

struct builder {
	struct hp_pstats *st;
	const struct hp_marshal *m;
	struct hp_err *err;
	uint32_t seq;   /* index of the function pair being read */
	struct hp_mval *vals; /* the tree's values, to note string ids in aux */
};

/* Intern a string value once: shared (referenced) strings are common, and
 * aux remembers the string id + 1. */
static uint32_t intern_val(struct builder *b, uint32_t vid)
{
	struct hp_mval *v = &b->vals[vid];

	if (!v->aux)
		v->aux = hp_strtab_intern(&b->st->strs, v->u.s, v->n) + 1;
	return v->aux - 1;
}

static int expect(struct builder *b, uint32_t id, enum hp_mval_type type, uint32_t n,
		  const char *what)
{
	const struct hp_mval *v = hp_marshal_val(b->m, id);

	if (v->type == type && (type != HP_MV_TUPLE || v->n == n))
		return 0;
	if (type == HP_MV_TUPLE && v->type == type)
		return hp_err_set(b->err, "expected %s (a tuple of %u), found a tuple of %u at byte %u",
				  what, n, v->n, v->off);
	return hp_err_set(b->err, "expected %s (%s %s), found %s at byte %u", what,
			  type == HP_MV_INT ? "an" : "a", hp_marshal_type_name(type),
			  hp_marshal_type_name(v->type), v->off);
}

static int get_int(struct builder *b, uint32_t id, const char *what, int64_t *out)
{
	const struct hp_mval *v = hp_marshal_val(b->m, id);

	if (v->type == HP_MV_BIGINT)
		return hp_err_set(b->err, "%s out of range at byte %u", what, v->off);
	if (expect(b, id, HP_MV_INT, 0, what))
		return -1;
	*out = v->u.i;
	return 0;
}

static int get_num(struct builder *b, uint32_t id, const char *what, double *out)
{
	const struct hp_mval *v = hp_marshal_val(b->m, id);

	if (v->type == HP_MV_INT)
		*out = (double)v->u.i;
	else if (v->type == HP_MV_BIGINT || v->type == HP_MV_FLOAT)
		*out = v->u.f;
	else
		return hp_err_set(b->err, "expected %s (a number), found %s at byte %u",
				  what, hp_marshal_type_name(v->type), v->off);
	return 0;
}

/* Room for need keys in every by-key array. */
static void grow_keys(struct hp_pstats *st, size_t need)
{
	uint32_t a = st->alloc_eok;

	st->keys = grow_array(st, IN_BLOCK_KEYS, st->keys, &st->alloc_keys, need, sizeof(*st->keys));
	if (need <= st->alloc_eok)
		return;
	st->entry_of_key = grow_array(st, IN_BLOCK_EOK, st->entry_of_key, &a, need,
				      sizeof(*st->entry_of_key));
	a = st->alloc_eok;
	st->caller_mark = grow_array(st, IN_BLOCK_MARK, st->caller_mark, &a, need,
				     sizeof(*st->caller_mark));
	st->alloc_eok = a;
}

/* The key index's hash of (file, line, name). */
static inline uint32_t key_hash(uint32_t fid, int64_t line, uint32_t nid)
{
	return (uint32_t)hp_u64map_hash(((uint64_t)fid << 32 | nid) ^
					((uint64_t)line * 0x9e3779b97f4a7c15ULL));
}

static inline int32_t kslot_line(int64_t line)
{
	return line > INT32_MIN && line <= INT32_MAX ? (int32_t)line : INT32_MIN;
}

/* The slot of (file, line, name): the key's, or the empty one where it
 * would go.  The index is never full (at most three quarters used). */
static inline struct hp_pstats_kslot *kslot_find(const struct hp_pstats *st, uint32_t fid,
						 int64_t line, uint32_t nid)
{
	int32_t l32 = kslot_line(line);
	uint32_t j = key_hash(fid, line, nid) & st->kslot_mask;

	for (;; j = (j + 1) & st->kslot_mask) {
		struct hp_pstats_kslot *s = &st->kslots[j];

		if (!s->key)
			return s;
		if (s->file == fid && s->name == nid && s->line == l32 &&
		    (l32 != INT32_MIN || st->keys[s->key - 1].line == line))
			return s;
	}
}

/* An empty index with room for n keys. */
static void kslots_alloc(struct hp_pstats *st, size_t n)
{
	size_t slots = 64, bytes;

	while (slots < n + n / 3 && slots < ((size_t)1 << 31))
		slots *= 2;
	bytes = slots * sizeof(*st->kslots);
	st->kslots = hp_xmalloc_big(bytes, NULL);
	memset(st->kslots, 0, bytes);
	st->kslot_mask = (uint32_t)(slots - 1);
}

/* Double the index (when three quarters full). */
static void kslots_grow(struct hp_pstats *st)
{
	struct hp_pstats_kslot *old = st->kslots;
	size_t n = (size_t)st->kslot_mask + 1;

	kslots_alloc(st, n);
	for (size_t i = 0; i < n; i++) {
		if (old[i].key) {
			const struct hp_pstats_key *k = &st->keys[old[i].key - 1];

			*kslot_find(st, k->file, k->line, k->name) = old[i];
		}
	}
	free_unless(st, IN_BLOCK_KSLOTS, old);
	st->in_block &= ~(unsigned)IN_BLOCK_KSLOTS;
}

static uint32_t key_of_ids(struct hp_pstats *st, uint32_t fid, int64_t line, uint32_t nid);

/* Intern the key tuple (file, line, name) at marshal value id.  cProfile
 * writes each key tuple once and refers back to it (FLAG_REF / 'r'), and a
 * reference shares the value id, so the tuple's aux remembers key id + 1:
 * a key is checked and looked up once however often it recurs. */
static int get_key(struct builder *b, uint32_t id, uint32_t *out)
{
	struct hp_pstats *st = b->st;
	const struct hp_mval *t = hp_marshal_val(b->m, id), *file, *name;
	uint32_t fid, nid, k;
	int64_t line;

	/* aux is a key id only on a tuple (on a string it is a string id) */
	if (b->vals[id].aux && t->type == HP_MV_TUPLE) {
		*out = b->vals[id].aux - 1;
		return 0;
	}
	if (expect(b, id, HP_MV_TUPLE, 3, "a function key"))
		return -1;
	file = hp_marshal_val(b->m, hp_marshal_item(b->m, t, 0));
	name = hp_marshal_val(b->m, hp_marshal_item(b->m, t, 2));
	if (expect(b, hp_marshal_item(b->m, t, 0), HP_MV_STR, 0, "a file name") ||
	    get_int(b, hp_marshal_item(b->m, t, 1), "a line number", &line) ||
	    expect(b, hp_marshal_item(b->m, t, 2), HP_MV_STR, 0, "a function name"))
		return -1;
	(void)file;
	(void)name;
	fid = intern_val(b, hp_marshal_item(b->m, t, 0));
	nid = intern_val(b, hp_marshal_item(b->m, t, 2));
	k = key_of_ids(st, fid, line, nid);
	b->vals[id].aux = k + 1;
	*out = k;
	return 0;
}

/* The key id of (file, line, name) given interned string ids, added when new. */
static uint32_t key_of_ids(struct hp_pstats *st, uint32_t fid, int64_t line, uint32_t nid)
{
	struct hp_pstats_kslot *slot;
	uint32_t k;

	if (!st->kslots)
		kslots_alloc(st, 64);
	slot = kslot_find(st, fid, line, nid);
	if (slot->key)
		return slot->key - 1;
	if (st->nr_keys == UINT32_MAX - 1)
		hp_oom(SIZE_MAX); /* the value limit keeps readers far below this */
	grow_keys(st, (size_t)st->nr_keys + 1);
	k = st->nr_keys++;
	st->keys[k].file = fid;
	st->keys[k].name = nid;
	st->keys[k].line = line;
	st->entry_of_key[k] = HP_PSTATS_NONE;
	st->caller_mark[k].seen = 0;
	slot->file = fid;
	slot->name = nid;
	slot->line = kslot_line(line);
	slot->key = k + 1;
	if ((uint64_t)st->nr_keys * 4 > ((uint64_t)st->kslot_mask + 1) * 3)
		kslots_grow(st);
	return k;
}

uint32_t hp_pstats_key(struct hp_pstats *st, const char *file, size_t flen, int64_t line,
		       const char *name, size_t nlen)
{
	return key_of_ids(st, hp_strtab_intern(&st->strs, file, flen), line,
			  hp_strtab_intern(&st->strs, name, nlen));
}

static int add_caller(struct builder *b, uint32_t entry, uint32_t kid, uint32_t vid)
{
	struct hp_pstats *st = b->st;
	const struct hp_mval *v = hp_marshal_val(b->m, vid);
	struct hp_pstats_call c;

	memset(&c, 0, sizeof(c));
	c.key = kid;
	if (v->type == HP_MV_INT || v->type == HP_MV_BIGINT) {
		/* the pure-Python profile module: a plain call count */
		if (get_int(b, vid, "a caller's call count", &c.nc))
			return -1;
		c.cc = c.nc;
		c.count_only = true;
	} else {
		if (expect(b, vid, HP_MV_TUPLE, 4, "a caller's numbers (nc, cc, tt, ct)") ||
		    get_int(b, hp_marshal_item(b->m, v, 0), "a caller's call count", &c.nc) ||
		    get_int(b, hp_marshal_item(b->m, v, 1), "a caller's primitive call count", &c.cc) ||
		    get_num(b, hp_marshal_item(b->m, v, 2), "a caller's self time", &c.tt) ||
		    get_num(b, hp_marshal_item(b->m, v, 3), "a caller's cumulative time", &c.ct))
			return -1;
	}
	/* marked with the dict pair being read, so a replaced entry starts afresh */
	if (st->caller_mark[kid].seen == b->seq + 1) {
		st->callers[st->caller_mark[kid].pos] = c; /* a repeated dict key: last value, first place */
		return 0;
	}
	hp_pstats_reserve(st, 0, (size_t)st->nr_callers + 1);
	st->callers[st->nr_callers] = c;
	st->caller_mark[kid].seen = b->seq + 1;
	st->caller_mark[kid].pos = st->nr_callers;
	st->nr_callers++;
	st->entries[entry].nr_callers++;
	return 0;
}

static int add_function(struct builder *b, uint32_t kid, uint32_t vid)
{
	struct hp_pstats *st = b->st;
	const struct hp_marshal *m = b->m;
	const struct hp_mval *v = hp_marshal_val(m, vid), *cd;
	struct hp_pstats_entry *e;
	uint32_t ei, key;

	if (get_key(b, kid, &key) ||
	    expect(b, vid, HP_MV_TUPLE, 5, "a function's numbers (cc, nc, tt, ct, callers)"))
		return -1;
	ei = st->entry_of_key[key];
	if (ei == HP_PSTATS_NONE) {
		hp_pstats_reserve(st, (size_t)st->nr_entries + 1, 0);
		ei = st->nr_entries++;
		st->entry_of_key[key] = ei;
	}
	/* else a repeated dict key: the last value wins, in the first place;
	 * the old callers stay in the array unreferenced */
	e = &st->entries[ei];
	memset(e, 0, sizeof(*e));
	e->key = key;
	e->first_caller = st->nr_callers;
	if (get_int(b, hp_marshal_item(m, v, 0), "a primitive call count", &e->cc) ||
	    get_int(b, hp_marshal_item(m, v, 1), "a call count", &e->nc) ||
	    get_num(b, hp_marshal_item(m, v, 2), "a self time", &e->tt) ||
	    get_num(b, hp_marshal_item(m, v, 3), "a cumulative time", &e->ct) ||
	    expect(b, hp_marshal_item(m, v, 4), HP_MV_DICT, 0, "the callers"))
		return -1;
	cd = hp_marshal_val(m, hp_marshal_item(m, v, 4));
	for (uint32_t i = 0; i < cd->n; i++) {
		uint32_t ck;

		if (get_key(b, hp_marshal_item(m, cd, 2 * (size_t)i), &ck) ||
		    add_caller(b, ei, ck, hp_marshal_item(m, cd, 2 * (size_t)i + 1)))
			return -1;
	}
	return 0;
}

int hp_pstats_totals(struct hp_pstats *st, struct hp_err *err)
{
	double tt = 0;

	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		if (__builtin_add_overflow(st->total_calls, e->nc, &st->total_calls) ||
		    __builtin_add_overflow(st->prim_calls, e->cc, &st->prim_calls))
			return hp_err_set(err, "call counts too large to add up");
		tt += e->tt;
	}
	st->total_tt = tt;
	/* pstats' callers heading looks at the first function with callers */
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		if (e->nr_callers) {
			st->tuple_callers = !st->callers[e->first_caller].count_only;
			break;
		}
	}
	return 0;
}

/*
 * The fast path: the stats model straight from the marshal bytes, without a
 * value tree.  The reader follows the shape of a stats dump (dict of key
 * tuple -> (cc, nc, tt, ct, {key tuple: (nc, cc, tt, ct) or count})) and
 * gives up (returns -1, no message) at anything else or anything wrong;
 * hp_pstats_read_mem then runs the tree reader (hp_pstats_read_mem_tree),
 * which finds the error and names its byte offset.  So this path must
 * accept exactly what the tree path accepts and build the same model, or
 * give up: it checks the same bounds (lengths against what remains,
 * references to finished objects only, the value count limit) and
 * registers FLAG_REF objects in the same order (a container before its
 * children).
 *
 * A back-reference ('r') is resolved through the ref table, whose entries
 * carry what the object meant when it was first read: an int ('i') its
 * value, a string its string id, a key tuple its key id.  In a cProfile
 * dump about three tokens in five are references (small ints shared by
 * every count, file names, caller keys), so most of them cost one look at
 * an 8-byte entry.  Anything else referenced ('l', 'g', value tuples,
 * dicts) is read again at its offset ("replay", which registers nothing);
 * the shape is at most four levels deep, so replays nest at most that far.
 */
struct fref {
	uint32_t val;   /* 'i': the value's bits; a str: string id; a key tuple: key id */
	uint8_t code;   /* type code without FLAG_REF */
	uint8_t done;   /* the object is complete */
	uint8_t has;    /* val is set */
};

struct fast {
	struct hp_pstats *st;
	const uint8_t *p;
	size_t len, pos;
	struct fref *refs;
	uint32_t *ref_off;  /* by ref index: offset of the object's type code */
	size_t nr_refs, alloc_refs;
	bool refs_in_block; /* refs and ref_off live in st->block */
	uint64_t nr_vals;
	uint64_t *is_fn;    /* a bit per key id: a function of the dict (entry_of_key is set) */
	size_t is_fn_words;
	bool replay;    /* reading a referenced object again */
	uint32_t seq;   /* index of the function pair being read */
};

#define FAST_NONE UINT32_MAX

#if defined(__GNUC__)
#define FAST_INLINE static inline __attribute__((always_inline))
#else
#define FAST_INLINE static inline
#endif

FAST_INLINE bool fast_need(const struct fast *f, size_t n)
{
	return f->len - f->pos >= n;
}

FAST_INLINE uint32_t fast_u32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A signed 32-bit field's bits, without implementation-defined casts. */
FAST_INLINE int64_t fast_i32(uint32_t u)
{
	return u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
}

static bool is_str_code(int c)
{
	return c == 'u' || c == 't' || c == 'a' || c == 'A' || c == 'z' || c == 'Z';
}

/* Enter the object whose type code is at off into the ref table. */
static uint32_t fast_register(struct fast *f, size_t off, int code)
{
	struct fref *r;

	if (f->nr_refs == f->alloc_refs) {
		size_t n = f->alloc_refs ? 2 * f->alloc_refs : 64;

		if (f->refs_in_block) {
			/* copied out of the block, never realloc'd */
			struct fref *refs = hp_xreallocarray(NULL, n, sizeof(*refs));
			uint32_t *offs = hp_xreallocarray(NULL, n, sizeof(*offs));

			memcpy(refs, f->refs, f->nr_refs * sizeof(*refs));
			memcpy(offs, f->ref_off, f->nr_refs * sizeof(*offs));
			f->refs = refs;
			f->ref_off = offs;
			f->refs_in_block = false;
		} else {
			f->refs = hp_xreallocarray(f->refs, n, sizeof(*f->refs));
			f->ref_off = hp_xreallocarray(f->ref_off, n, sizeof(*f->ref_off));
		}
		f->alloc_refs = n;
	}
	r = &f->refs[f->nr_refs];
	r->val = 0;
	r->code = (uint8_t)code;
	r->done = 0;
	r->has = 0;
	f->ref_off[f->nr_refs] = (uint32_t)off;
	return (uint32_t)f->nr_refs++;
}

/* The index of the reference ('r', 4 bytes) at f->pos: present and within
 * the ref table, or -1. */
FAST_INLINE int fast_ref_index(const struct fast *f, uint32_t *idx)
{
	if (!fast_need(f, 5))
		return -1;
	*idx = fast_u32(f->p + f->pos + 1);
	return *idx < f->nr_refs ? 0 : -1;
}

/*
 * Start an object at f->pos: *code gets its type code (without FLAG_REF).
 * For 'r', *ref gets the index named (checked: present and finished) and
 * f->pos is past it.  Otherwise the object is counted and, when flagged
 * (and not a singleton, and not replaying), entered into the ref table:
 * *ref gets its index (FAST_NONE when not entered); f->pos is past the
 * type code.  -1 to give up.
 */
FAST_INLINE int fast_begin(struct fast *f, int *code, uint32_t *ref)
{
	int c;

	if (!fast_need(f, 1))
		return -1;
	c = f->p[f->pos] & 0x7f;
	*code = c;
	*ref = FAST_NONE;
	if (c == 'r') {
		uint32_t idx;

		if (fast_ref_index(f, &idx) || !f->refs[idx].done)
			return -1;
		f->pos += 5;
		*ref = idx;
		return 0;
	}
	if (!f->replay) {
		if (++f->nr_vals > HP_MARSHAL_MAX_VALUES)
			return -1;
		if ((f->p[f->pos] & HP_MARSHAL_FLAG_REF) && c != 'N' && c != 'T' && c != 'F' &&
		    c != 'S' && c != '.')
			*ref = fast_register(f, f->pos, c);
	}
	f->pos++;
	return 0;
}

FAST_INLINE void fast_done(struct fast *f, uint32_t ref, uint32_t val, bool has)
{
	if (ref != FAST_NONE && !f->replay) {
		f->refs[ref].done = 1;
		f->refs[ref].val = val;
		f->refs[ref].has = has;
	}
}

/* Go back to a referenced object's type code to read it again; the caller
 * restores f->pos and f->replay afterwards. */
static void fast_replay(struct fast *f, uint32_t ref, size_t *pos, bool *replay)
{
	*pos = f->pos;
	*replay = f->replay;
	f->pos = f->ref_off[ref];
	f->replay = true;
}

static void fast_resume(struct fast *f, size_t pos, bool replay)
{
	f->pos = pos;
	f->replay = replay;
}

/* The body of an 'l' at f->pos (past the code), up to 4 digits (which
 * always fit int64; longer ones are left to the tree reader). */
static int fast_long_body(struct fast *f, int64_t *i)
{
	const uint8_t *b = f->p + f->pos;
	uint32_t u;
	int64_t n;
	uint64_t mag = 0, ndig;

	if (!fast_need(f, 4))
		return -1;
	u = fast_u32(b);
	n = fast_i32(u);
	ndig = (uint64_t)(n < 0 ? -n : n);
	if (ndig > 4 || !fast_need(f, 4 + 2 * (size_t)ndig))
		return -1;
	for (uint64_t k = ndig; k-- > 0;) {
		unsigned digit = (unsigned)b[4 + 2 * k] | (unsigned)b[5 + 2 * k] << 8;

		if (digit > 0x7fff || (k == ndig - 1 && digit == 0))
			return -1;
		mag = mag * 32768 + digit;
	}
	*i = n < 0 ? -(int64_t)mag : (int64_t)mag;
	f->pos += 4 + 2 * (size_t)ndig;
	return 0;
}

FAST_INLINE double fast_f64(const uint8_t *b)
{
	uint64_t bits = (uint64_t)fast_u32(b) | (uint64_t)fast_u32(b + 4) << 32;
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* The body of a number with type code `code` at f->pos (past the code):
 * 'i', 'l' or 'g'.  *is_int tells which of *i and *d is set. */
static int fast_num_body(struct fast *f, int code, int64_t *i, double *d, bool *is_int)
{
	switch (code) {
	case 'i':
		if (!fast_need(f, 4))
			return -1;
		*i = fast_i32(fast_u32(f->p + f->pos));
		*is_int = true;
		f->pos += 4;
		return 0;
	case 'l':
		*is_int = true;
		return fast_long_body(f, i);
	case 'g':
		if (!fast_need(f, 8))
			return -1;
		*d = fast_f64(f->p + f->pos);
		*is_int = false;
		f->pos += 8;
		return 0;
	default:
		return -1;
	}
}

/* A number (int or float) at f->pos, referenced or not.  The common cases
 * (a literal 'g' or 'i', a reference to an 'i') are handled inline. */
FAST_INLINE int fast_num(struct fast *f, int64_t *i, double *d, bool *is_int)
{
	uint32_t ref;
	int code, ret;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		const struct fref *r = &f->refs[ref];
		size_t pos;
		bool replay;

		if (r->code == 'i') {
			*i = fast_i32(r->val);
			*is_int = true;
			return 0;
		}
		fast_replay(f, ref, &pos, &replay);
		f->pos++;
		ret = fast_num_body(f, r->code, i, d, is_int);
		fast_resume(f, pos, replay);
		return ret;
	}
	if (code == 'g') {
		if (!fast_need(f, 8))
			return -1;
		*d = fast_f64(f->p + f->pos);
		*is_int = false;
		f->pos += 8;
		fast_done(f, ref, 0, false);
		return 0;
	}
	if (code == 'i') {
		uint32_t u;

		if (!fast_need(f, 4))
			return -1;
		u = fast_u32(f->p + f->pos);
		*i = fast_i32(u);
		*is_int = true;
		f->pos += 4;
		fast_done(f, ref, u, true);
		return 0;
	}
	ret = fast_num_body(f, code, i, d, is_int);
	fast_done(f, ref, 0, false);
	return ret;
}

FAST_INLINE int fast_int(struct fast *f, int64_t *out)
{
	double d;
	bool is_int;

	return fast_num(f, out, &d, &is_int) || !is_int ? -1 : 0;
}

FAST_INLINE int fast_double(struct fast *f, double *out)
{
	int64_t i;
	bool is_int;

	if (fast_num(f, &i, out, &is_int))
		return -1;
	if (is_int)
		*out = (double)i;
	return 0;
}

/* A str (any string code), interned: *id gets its string id.  A string is
 * interned when first read; a reference to it costs a look at its entry. */
FAST_INLINE int fast_str(struct fast *f, uint32_t *id)
{
	uint32_t ref, n;
	int code;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		const struct fref *r = &f->refs[ref];

		/* every string entered is interned as it is read */
		if (!is_str_code(r->code) || !r->has)
			return -1;
		*id = r->val;
		return 0;
	}
	if (code == 'z' || code == 'Z') {
		if (!fast_need(f, 1))
			return -1;
		n = f->p[f->pos++];
	} else if (is_str_code(code)) {
		if (!fast_need(f, 4))
			return -1;
		n = fast_u32(f->p + f->pos);
		if (n > 0x7fffffffu)
			return -1;
		f->pos += 4;
	} else {
		return -1;
	}
	if (!fast_need(f, n))
		return -1;
	*id = hp_strtab_intern(&f->st->strs, (const char *)f->p + f->pos, n);
	f->pos += n;
	fast_done(f, ref, *id, true);
	return 0;
}

/* A tuple header ')' or '(' with exactly n items, after fast_begin. */
FAST_INLINE int fast_tuple_n(struct fast *f, int code, uint32_t n)
{
	uint32_t have;

	if (code == ')') {
		if (!fast_need(f, 1))
			return -1;
		have = f->p[f->pos++];
	} else if (code == '(') {
		if (!fast_need(f, 4))
			return -1;
		have = fast_u32(f->p + f->pos);
		f->pos += 4;
		if (have > f->len - f->pos)
			return -1;
	} else {
		return -1;
	}
	return have == n ? 0 : -1;
}

/* A function key (file, line, name): *out gets its key id. */
static int fast_key(struct fast *f, uint32_t *out)
{
	uint32_t ref, fid, nid;
	int64_t line;
	int code;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		const struct fref *r = &f->refs[ref];
		size_t pos;
		bool replay;
		int ret;

		/* the entry means a key id only for a tuple */
		if (r->code != ')' && r->code != '(')
			return -1;
		if (r->has) {
			*out = r->val;
			return 0;
		}
		fast_replay(f, ref, &pos, &replay);
		ret = fast_key(f, out);
		fast_resume(f, pos, replay);
		if (!ret) {
			f->refs[ref].val = *out;
			f->refs[ref].has = 1;
		}
		return ret;
	}
	if (fast_tuple_n(f, code, 3) || fast_str(f, &fid) || fast_int(f, &line) || fast_str(f, &nid))
		return -1;
	*out = key_of_ids(f->st, fid, line, nid);
	fast_done(f, ref, *out, true);
	return 0;
}

/* The end of a dict ('0', with or without FLAG_REF) at f->pos: consumed. */
FAST_INLINE bool fast_dict_end(struct fast *f)
{
	if ((f->p[f->pos] & 0x7f) != '0')
		return false;
	f->pos++;
	return true;
}

/* One caller: its key was read; its value is next. */
static int fast_caller(struct fast *f, uint32_t kid)
{
	struct hp_pstats *st = f->st;
	struct hp_pstats_call *c;
	uint32_t ref;
	int code;

	/* the record is built in place, in the next free slot */
	if (st->nr_callers == st->alloc_callers)
		hp_pstats_reserve(st, 0, (size_t)st->nr_callers + 1);
	c = &st->callers[st->nr_callers];
	c->key = kid;
	c->count_only = false;
	if (!fast_need(f, 1))
		return -1;
	code = f->p[f->pos] & 0x7f;
	if (code == 'r') {
		/* peek at what is referenced: a count or a tuple */
		uint32_t idx;

		if (fast_ref_index(f, &idx))
			return -1;
		code = f->refs[idx].code;
	}
	if (code == 'i' || code == 'l') {
		/* the pure-Python profile module: a plain call count */
		if (fast_int(f, &c->nc))
			return -1;
		c->cc = c->nc;
		c->tt = c->ct = 0;
		c->count_only = true;
	} else {
		size_t pos = 0;
		bool replay = false, replayed = false, ok;

		if (fast_begin(f, &code, &ref))
			return -1;
		if (code == 'r') {
			fast_replay(f, ref, &pos, &replay);
			replayed = true;
		}
		ok = !(replayed && fast_begin(f, &code, &ref)) &&
		     !fast_tuple_n(f, code, 4) && !fast_int(f, &c->nc) && !fast_int(f, &c->cc) &&
		     !fast_double(f, &c->tt) && !fast_double(f, &c->ct);
		if (ok)
			fast_done(f, ref, 0, false);
		if (replayed)
			fast_resume(f, pos, replay);
		if (!ok)
			return -1;
	}
	st->nr_callers++; /* repeated keys are merged when the dict ends */
	return 0;
}

/*
 * The callers dict of a pair was read into callers[first ..): merge
 * repeated keys as a Python dict does (the first place, the last value)
 * and set the entry's count.  Most dicts hold a few callers and are
 * compared pair by pair, in cache; long ones go through the per-key marks
 * (a look at a random place of a big array per caller, which is what this
 * saves the common case).
 */
static void fast_merge_callers(struct fast *f, uint32_t ei, uint32_t first)
{
	struct hp_pstats *st = f->st;
	struct hp_pstats_call *c = st->callers + first;
	uint32_t n = st->nr_callers - first, kept = 0;

	if (n <= 16) {
		for (uint32_t i = 0; i < n; i++) {
			uint32_t j = 0;

			while (j < kept && c[j].key != c[i].key)
				j++;
			c[j] = c[i];
			if (j == kept)
				kept++;
		}
	} else {
		for (uint32_t i = 0; i < n; i++) {
			struct hp_pstats_mark *m = &st->caller_mark[c[i].key];

			if (m->seen == f->seq + 1) {
				c[m->pos] = c[i];
				continue;
			}
			m->seen = f->seq + 1;
			m->pos = kept;
			c[kept++] = c[i];
		}
	}
	st->nr_callers = first + kept;
	st->entries[ei].nr_callers = kept;
}

/* The callers dict of entry ei. */
static int fast_callers(struct fast *f, uint32_t ei)
{
	uint32_t ref, kid, first = f->st->nr_callers;
	int code;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		size_t pos;
		bool replay;
		int ret;

		if (f->refs[ref].code != '{')
			return -1;
		fast_replay(f, ref, &pos, &replay);
		ret = fast_callers(f, ei);
		fast_resume(f, pos, replay);
		return ret;
	}
	if (code != '{')
		return -1;
	for (;;) {
		if (!fast_need(f, 1))
			return -1;
		if (fast_dict_end(f))
			break;
		if (fast_key(f, &kid) || !fast_need(f, 1) || (f->p[f->pos] & 0x7f) == '0' ||
		    fast_caller(f, kid))
			return -1; /* a key without a value: left to the tree reader */
	}
	fast_merge_callers(f, ei, first);
	fast_done(f, ref, 0, false);
	return 0;
}

/* A function's value (cc, nc, tt, ct, callers) for key kid. */
static int fast_function(struct fast *f, uint32_t kid)
{
	struct hp_pstats *st = f->st;
	struct hp_pstats_entry *e;
	uint32_t ref, ei;
	int code;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		size_t pos;
		bool replay;
		int ret;

		fast_replay(f, ref, &pos, &replay);
		ret = fast_function(f, kid);
		fast_resume(f, pos, replay);
		return ret;
	}
	if (fast_tuple_n(f, code, 5))
		return -1;
	/* the bits (in cache) spare a look at entry_of_key (a random place
	 * in a big array) for every function but a repeated one */
	if (kid / 64 >= f->is_fn_words) {
		size_t n = f->is_fn_words, want = n ? 2 * n : 64;

		while (want <= kid / 64)
			want *= 2;
		f->is_fn = hp_xreallocarray(f->is_fn, want, sizeof(*f->is_fn));
		memset(f->is_fn + n, 0, (want - n) * sizeof(*f->is_fn));
		f->is_fn_words = want;
	}
	if (f->is_fn[kid / 64] & (uint64_t)1 << (kid % 64)) {
		ei = st->entry_of_key[kid];
	} else {
		hp_pstats_reserve(st, (size_t)st->nr_entries + 1, 0);
		ei = st->nr_entries++;
		st->entry_of_key[kid] = ei;
		f->is_fn[kid / 64] |= (uint64_t)1 << (kid % 64);
	}
	e = &st->entries[ei];
	memset(e, 0, sizeof(*e));
	e->key = kid;
	e->first_caller = st->nr_callers;
	if (fast_int(f, &e->cc) || fast_int(f, &e->nc) || fast_double(f, &e->tt) ||
	    fast_double(f, &e->ct) || fast_callers(f, ei))
		return -1;
	fast_done(f, ref, 0, false);
	return 0;
}

/* The bytes an array of n elements takes in the block (64-byte aligned,
 * so that no two arrays share a cache line). */
#define BLOCK_PART(n, elem) ((((size_t)(n) * sizeof(elem)) + 63) & ~(size_t)63)

/* The next n elements of elem bytes of the block at *at. */
static void *block_carve(char *block, size_t *at, size_t n, size_t elem)
{
	void *p = block + *at;

	*at += ((n * elem) + 63) & ~(size_t)63;
	return p;
}

/* Build st from data by the fast path; -1 to leave it to the tree reader
 * (st then holds a partial model: release it). */
static int read_fast(struct hp_pstats *st, const uint8_t *data, size_t len)
{
	struct fast f;
	uint32_t ref, kid;
	size_t est;
	int code, ret = -1;

	memset(&f, 0, sizeof(f));
	f.st = st;
	f.p = data;
	f.len = len;
	if (len > INT32_MAX)
		return -1;
	if (st->block || st->entries || st->nr_keys)
		return -1; /* not a fresh model: the tree reader copes */
	if (!len || (data[0] & 0x7f) != '{')
		return -1; /* not a dump at all: nothing to size */
	/* sized for typical dumps (about 150 bytes per function, two callers,
	 * about one reference per function, a new string per 200 bytes, names
	 * a fifth of the bytes), so the arrays rarely move */
	est = len / 128 + 64;
	{
		/* every array in one huge-page block, the biggest last: each
		 * 2 MiB page costs a fault and zeroing, and separate arrays
		 * would each start one.  Capacity that is never touched costs
		 * address space only. */
		size_t slots = 64, at = 0, size;
		char *b;

		while (slots < est + est / 3)
			slots *= 2;
		size = BLOCK_PART(slots, *st->kslots) + BLOCK_PART(est, *st->keys) +
		       BLOCK_PART(est, *st->entry_of_key) + BLOCK_PART(est, *st->caller_mark) +
		       BLOCK_PART(2 * est, *f.refs) + BLOCK_PART(2 * est, *f.ref_off) +
		       BLOCK_PART(est, *st->entries) + BLOCK_PART(2 * est, *st->callers);
		b = st->block = hp_xmalloc_big(size, NULL);
		st->kslots = block_carve(b, &at, slots, sizeof(*st->kslots));
		memset(st->kslots, 0, slots * sizeof(*st->kslots));
		st->kslot_mask = (uint32_t)(slots - 1);
		st->keys = block_carve(b, &at, est, sizeof(*st->keys));
		st->entry_of_key = block_carve(b, &at, est, sizeof(*st->entry_of_key));
		st->caller_mark = block_carve(b, &at, est, sizeof(*st->caller_mark));
		st->alloc_keys = st->alloc_eok = (uint32_t)est;
		f.refs = block_carve(b, &at, 2 * est, sizeof(*f.refs));
		f.ref_off = block_carve(b, &at, 2 * est, sizeof(*f.ref_off));
		f.alloc_refs = 2 * est;
		f.refs_in_block = true;
		st->entries = block_carve(b, &at, est, sizeof(*st->entries));
		st->alloc_entries = (uint32_t)est;
		st->callers = block_carve(b, &at, 2 * est, sizeof(*st->callers));
		st->alloc_callers = (uint32_t)(2 * est);
		st->in_block = IN_BLOCK_KSLOTS | IN_BLOCK_KEYS | IN_BLOCK_EOK | IN_BLOCK_MARK |
			       IN_BLOCK_ENTRIES | IN_BLOCK_CALLERS;
	}
	hp_strtab_reserve(&st->strs, len / 192, len / 4);
	if (fast_begin(&f, &code, &ref) || code != '{')
		goto cleanup;
	for (;; f.seq++) {
		if (!fast_need(&f, 1))
			goto cleanup;
		if (fast_dict_end(&f))
			break;
		if (fast_key(&f, &kid) || !fast_need(&f, 1) || (f.p[f.pos] & 0x7f) == '0' ||
		    fast_function(&f, kid))
			goto cleanup;
	}
	ret = 0;
cleanup:
	if (!f.refs_in_block) {
		free(f.refs);
		free(f.ref_off);
	}
	free(f.is_fn);
	return ret;
}

int hp_pstats_read_mem_tree(struct hp_pstats *st, const void *data, size_t len, struct hp_err *err)
{
	struct hp_marshal m;
	struct builder b = { st, &m, err, 0, NULL };

	const struct hp_mval *root;
	int ret = -1;

	hp_marshal_init(&m);
	if (!len || (((const unsigned char *)data)[0] & 0x7f) != '{') {
		hp_err_set(err, "not a profile statistics dump: no marshalled dict at byte 0");
		goto cleanup;
	}
	if (hp_marshal_parse(&m, data, len, NULL, err))
		goto cleanup;
	root = hp_marshal_val(&m, 0);
	if (root->type != HP_MV_DICT) {
		hp_err_set(err, "not a profile statistics dump: expected a dict, found %s at byte 0",
			   hp_marshal_type_name(root->type));
		goto cleanup;
	}
	/* size the arrays once: one entry per pair, keys and callers at most
	 * as many as the items of the dump */
	hp_pstats_reserve(st, (size_t)root->n, (size_t)root->n * 2);
	grow_keys(st, (size_t)root->n * 2);
	if (!st->nr_keys) {
		free_unless(st, IN_BLOCK_KSLOTS, st->kslots);
		st->in_block &= ~(unsigned)IN_BLOCK_KSLOTS;
		kslots_alloc(st, root->n < (1u << 24) ? root->n : 1u << 24);
	}
	b.vals = m.vals;
	for (uint32_t i = 0; i < root->n; i++, b.seq++)
		if (add_function(&b, hp_marshal_item(&m, root, 2 * (size_t)i),
				 hp_marshal_item(&m, root, 2 * (size_t)i + 1)))
			goto cleanup;
	if (hp_pstats_totals(st, err))
		goto cleanup;
	ret = 0;
cleanup:
	hp_marshal_release(&m);
	return ret;
}

int hp_pstats_read_mem(struct hp_pstats *st, const void *data, size_t len, struct hp_err *err)
{
	if (!read_fast(st, data, len))
		return hp_pstats_totals(st, err);
	/* something unusual or wrong: the tree reader reads it or says what */
	hp_pstats_release(st);
	hp_pstats_init(st);
	return hp_pstats_read_mem_tree(st, data, len, err);
}

/*
 * Read a whole file (path "-": standard input) into one buffer, at most max
 * bytes.  A regular file's buffer is sized from fstat, one byte more than
 * the file so that the read which finds EOF needs no second buffer: one
 * allocation (huge pages: core/alloc.h) and two read() calls.  The file is read to EOF whatever fstat said: one that grows
 * meanwhile grows the buffer (doubling, up to max), one that shrinks ends
 * early and its bytes are parsed like any truncated dump (an error message).
 * Mapping the file instead saved a copy but a file truncated while mapped
 * raises SIGBUS, a crash on bad input.  Pipes and files that stat as empty
 * (/proc) start with 64 KiB.  The caller frees *data.
 */
static int slurp(const char *path, size_t max, char **data, size_t *len, struct hp_err *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t n = 0, alloc = 65536;
	bool is_stdin = !strcmp(path, "-");
	int fd = 0, ret = -1;

	*data = NULL;
	*len = 0;
	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2; /* so that max + 1 and the doubling cannot wrap */
	if (!is_stdin) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return hp_err_errno(err, "cannot open '%s'", path);
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
		if ((uint64_t)sb.st_size > max) {
			hp_err_set(err, "cannot read '%s': larger than %zu bytes", path, max);
			goto cleanup;
		}
		alloc = (size_t)sb.st_size + 1;
	}
	if (alloc > max + 1)
		alloc = max + 1;
	/* huge pages when big (a fault per 2 MiB, not per 4 KiB page) */
	buf = hp_xmalloc_big(alloc, &alloc);
	for (;;) {
		ssize_t r;

		if (n == alloc) {
			if (alloc > max) {
				hp_err_set(err, "cannot read '%s': larger than %zu bytes", path, max);
				goto cleanup;
			}
			alloc = alloc > max / 2 ? max + 1 : alloc * 2;
			buf = hp_xrealloc(buf, alloc);
		}
		r = read(fd, buf + n, alloc - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			hp_err_errno(err, "cannot read '%s'", path);
			goto cleanup;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*data = buf;
	*len = n;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	if (!is_stdin)
		close(fd);
	return ret;
}

int hp_pstats_read_file(struct hp_pstats *st, const char *path, size_t max, struct hp_err *err)
{
	char *data = NULL;
	size_t len;
	int ret = -1;

	if (slurp(path, max ? max : (size_t)1 << 30, &data, &len, err))
		goto cleanup;
	if (hp_pstats_read_mem(st, data, len, err)) {
		hp_err_prefix(err, "cannot read '%s'", path);
		goto cleanup;
	}
	ret = 0;
cleanup:
	free(data);
	return ret;
}

uint32_t hp_pstats_find(const struct hp_pstats *st, const char *file, int64_t line, const char *name)
{
	uint32_t fid = hp_strtab_find(&st->strs, file, strlen(file));
	uint32_t nid = hp_strtab_find(&st->strs, name, strlen(name));
	const struct hp_pstats_kslot *slot;

	if (fid == UINT32_MAX || nid == UINT32_MAX || !st->kslots)
		return HP_PSTATS_NONE;
	slot = kslot_find(st, fid, line, nid);
	return slot->key ? st->entry_of_key[slot->key - 1] : HP_PSTATS_NONE;
}

void hp_pstats_std_name(const struct hp_pstats *st, uint32_t key, struct hp_buf *out)
{
	const struct hp_pstats_key *k = &st->keys[key];
	const char *file = hp_strtab_str(&st->strs, k->file);
	const char *name = hp_strtab_str(&st->strs, k->name);
	uint32_t flen = hp_strtab_len(&st->strs, k->file), nlen = hp_strtab_len(&st->strs, k->name);

	if (flen == 1 && file[0] == '~' && k->line == 0) {
		if (nlen >= 2 && name[0] == '<' && name[nlen - 1] == '>') {
			hp_buf_addch(out, '{');
			hp_buf_add(out, name + 1, nlen - 2);
			hp_buf_addch(out, '}');
		} else {
			hp_buf_add(out, name, nlen);
		}
		return;
	}
	hp_buf_add(out, file, flen);
	hp_buf_addf(out, ":%lld(", (long long)k->line);
	hp_buf_add(out, name, nlen);
	hp_buf_addch(out, ')');
}

/* ---- sorting ---- */

static const struct {
	const char *word;
	enum hp_pstats_sort_key key;
	const char *desc;
} sort_words[] = {
	/* the order of pstats' sort_arg_dict_default matters for abbreviations */
	{ "calls", HP_PSORT_CALLS, "call count" },
	{ "ncalls", HP_PSORT_CALLS, "call count" },
	{ "cumtime", HP_PSORT_CUMULATIVE, "cumulative time" },
	{ "cumulative", HP_PSORT_CUMULATIVE, "cumulative time" },
	{ "filename", HP_PSORT_FILE, "file name" },
	{ "line", HP_PSORT_LINE, "line number" },
	{ "module", HP_PSORT_FILE, "file name" },
	{ "name", HP_PSORT_NAME, "function name" },
	{ "nfl", HP_PSORT_NFL, "name/file/line" },
	{ "pcalls", HP_PSORT_PCALLS, "primitive call count" },
	{ "stdname", HP_PSORT_STDNAME, "standard name" },
	{ "time", HP_PSORT_TIME, "internal time" },
	{ "tottime", HP_PSORT_TIME, "internal time" },
};

#define NR_SORT_WORDS (sizeof(sort_words) / sizeof(sort_words[0]))

/*
 * pstats accepts every prefix ("fragment") of a word that no earlier word
 * produced; a word stops at its first fragment that collides, and colliding
 * fragments are dropped (so "cu" means cumtime but "cum" is ambiguous).
 * Returns the index into sort_words, or -1.
 */
static int lookup_sort_word(const char *w, size_t len)
{
	struct { const char *s; size_t len; int owner; bool bad; } fr[160];
	size_t nf = 0;

	for (size_t i = 0; i < NR_SORT_WORDS; i++) {
		const char *word = sort_words[i].word;

		for (size_t fl = strlen(word); fl > 0; fl--) {
			size_t j;

			for (j = 0; j < nf; j++)
				if (fr[j].len == fl && !strncmp(fr[j].s, word, fl))
					break;
			if (j < nf) {
				fr[j].bad = true;
				break;
			}
			if (nf == sizeof(fr) / sizeof(fr[0]))
				break;
			fr[nf].s = word;
			fr[nf].len = fl;
			fr[nf].owner = (int)i;
			fr[nf].bad = false;
			nf++;
		}
	}
	for (size_t j = 0; j < nf; j++)
		if (fr[j].len == len && !strncmp(fr[j].s, w, len))
			return fr[j].bad ? -1 : fr[j].owner;
	return -1;
}

int hp_pstats_sort_parse(const char *spec, enum hp_pstats_sort_key *keys,
			 struct hp_buf *desc, struct hp_err *err)
{
	int n = 0;
	const char *p = spec;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		int w = lookup_sort_word(p, len);
		enum hp_pstats_sort_key k;
		const char *d;

		if (w >= 0) {
			k = sort_words[w].key;
			d = sort_words[w].desc;
		} else if (len == 4 && !strncmp(p, "file", 4)) {
			k = HP_PSORT_FILE, d = "file name";
		} else if (len == 4 && !strncmp(p, "self", 4)) {
			k = HP_PSORT_TIME, d = "internal time";
		} else if (len == 5 && !strncmp(p, "total", 5)) {
			k = HP_PSORT_CUMULATIVE, d = "cumulative time";
		} else {
			return hp_err_set(err, "unknown sort key '%.*s' (cumulative, tottime, ncalls, "
					  "pcalls, name, file, line, nfl or stdname)", (int)len, p);
		}
		if (n == HP_PSTATS_MAX_SORT_KEYS)
			return hp_err_set(err, "too many sort keys in '%s'", spec);
		if (desc)
			hp_buf_addf(desc, "%s%s", n ? ", " : "", d);
		keys[n++] = k;
		if (!comma)
			break;
		p = comma + 1;
	}
	return n;
}

static int str_cmp(const struct hp_pstats *st, uint32_t a, uint32_t b)
{
	uint32_t la, lb;
	int c;

	if (a == b)
		return 0;
	la = hp_strtab_len(&st->strs, a);
	lb = hp_strtab_len(&st->strs, b);
	/* byte order of UTF-8 is code point order */
	c = memcmp(hp_strtab_str(&st->strs, a), hp_strtab_str(&st->strs, b), la < lb ? la : lb);
	if (c)
		return c < 0 ? -1 : 1;
	return la < lb ? -1 : la > lb;
}

int hp_pstats_key_cmp(const struct hp_pstats *st, uint32_t a, uint32_t b)
{
	const struct hp_pstats_key *x = &st->keys[a], *y = &st->keys[b];
	int c = str_cmp(st, x->file, y->file);

	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return str_cmp(st, x->name, y->name);
}

/* Python's float < and >: NaN compares neither, so it ties with everything. */
static int num_desc(double a, double b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int int_desc(int64_t a, int64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

struct sort_ctx {
	const struct hp_pstats *st;
	const enum hp_pstats_sort_key *keys;
	int nkeys;
	char **std;     /* standard names, when sorting by stdname */
	size_t *stdlen;
};

static int entry_cmp(const void *vctx, uint32_t a, uint32_t b)
{
	const struct sort_ctx *ctx = vctx;
	const struct hp_pstats *st = ctx->st;
	const struct hp_pstats_entry *x = &st->entries[a], *y = &st->entries[b];
	const struct hp_pstats_key *kx = &st->keys[x->key], *ky = &st->keys[y->key];

	for (int i = 0; i < ctx->nkeys; i++) {
		int c = 0;

		switch (ctx->keys[i]) {
		case HP_PSORT_CALLS: c = int_desc(x->nc, y->nc); break;
		case HP_PSORT_PCALLS: c = int_desc(x->cc, y->cc); break;
		case HP_PSORT_CUMULATIVE: c = num_desc(x->ct, y->ct); break;
		case HP_PSORT_TIME: c = num_desc(x->tt, y->tt); break;
		case HP_PSORT_FILE: c = str_cmp(st, kx->file, ky->file); break;
		case HP_PSORT_NAME: c = str_cmp(st, kx->name, ky->name); break;
		case HP_PSORT_LINE: c = kx->line < ky->line ? -1 : kx->line > ky->line; break;
		case HP_PSORT_NFL:
			c = str_cmp(st, kx->name, ky->name);
			if (!c)
				c = str_cmp(st, kx->file, ky->file);
			if (!c)
				c = kx->line < ky->line ? -1 : kx->line > ky->line;
			break;
		case HP_PSORT_STDNAME: {
			size_t la = ctx->stdlen[a], lb = ctx->stdlen[b];

			c = memcmp(ctx->std[a], ctx->std[b], la < lb ? la : lb);
			if (!c)
				c = la < lb ? -1 : la > lb;
			break;
		}
		case HP_PSORT_NR:
			break;
		}
		if (c)
			return c;
	}
	return 0;
}

static void merge_pass(uint32_t *ids, uint32_t *tmp, size_t n, hp_pstats_cmp_fn cmp, const void *ctx)
{
	/* bottom-up merge sort: stable, O(n log n), no recursion */
	uint32_t *src = ids, *dst = tmp;

	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;

			while (i < mid && j < hi)
				dst[k++] = cmp(ctx, src[j], src[i]) < 0 ? src[j++] : src[i++];
			while (i < mid)
				dst[k++] = src[i++];
			while (j < hi)
				dst[k++] = src[j++];
		}
		uint32_t *t = src;
		src = dst;
		dst = t;
	}
	if (src != ids)
		memcpy(ids, src, n * sizeof(*ids));
}

void hp_pstats_msort(uint32_t *ids, size_t n, hp_pstats_cmp_fn cmp, const void *ctx)
{
	uint32_t *tmp;

	if (n < 2)
		return;
	tmp = hp_xmalloc_big(n * sizeof(*tmp), NULL);
	merge_pass(ids, tmp, n, cmp, ctx);
	free(tmp);
}

uint32_t *hp_pstats_sort(const struct hp_pstats *st, const enum hp_pstats_sort_key *keys, int nkeys)
{
	uint32_t *order = hp_xmalloc_big(((size_t)st->nr_entries + 1) * sizeof(*order), NULL);
	struct sort_ctx ctx = { st, keys, nkeys, NULL, NULL };
	bool need_std = false;

	for (uint32_t i = 0; i < st->nr_entries; i++)
		order[i] = i;
	for (int i = 0; i < nkeys; i++)
		need_std |= keys[i] == HP_PSORT_STDNAME;
	if (need_std) {
		struct hp_buf b = HP_BUF_INIT;

		ctx.std = hp_xcalloc(st->nr_entries + 1, sizeof(char *));
		ctx.stdlen = hp_xcalloc(st->nr_entries + 1, sizeof(size_t));
		for (uint32_t i = 0; i < st->nr_entries; i++) {
			hp_buf_reset(&b);
			hp_pstats_std_name(st, st->entries[i].key, &b);
			ctx.stdlen[i] = b.len;
			ctx.std[i] = hp_xstrndup(b.data, b.len);
		}
		hp_buf_release(&b);
	}
	hp_pstats_msort(order, st->nr_entries, entry_cmp, &ctx);
	if (ctx.std) {
		for (uint32_t i = 0; i < st->nr_entries; i++)
			free(ctx.std[i]);
		free(ctx.std);
		free(ctx.stdlen);
	}
	return order;
}

/* Entry order with ties broken by position: the order a stable sort gives. */
static int entry_cmp_total(const struct sort_ctx *ctx, uint32_t a, uint32_t b)
{
	int c = entry_cmp(ctx, a, b);

	return c ? c : a < b ? -1 : a > b;
}

uint32_t *hp_pstats_sort_top(const struct hp_pstats *st, const enum hp_pstats_sort_key *keys,
			     int nkeys, size_t top)
{
	struct sort_ctx ctx = { st, keys, nkeys, NULL, NULL };
	uint32_t *order;
	uint8_t *taken;
	size_t n = 0, rest;

	for (int i = 0; i < nkeys; i++)
		if (keys[i] == HP_PSORT_STDNAME)
			top = 0; /* names are made for the full sort only */
	if (!top || top >= st->nr_entries)
		return hp_pstats_sort(st, keys, nkeys);
	/* insertion into a sorted window of the best `top`: a report of 20
	 * rows from 24,000 functions costs about one comparison per entry */
	order = hp_xmalloc_big((size_t)st->nr_entries * sizeof(*order), NULL);
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		size_t j;

		if (n == top && entry_cmp_total(&ctx, i, order[top - 1]) >= 0)
			continue;
		j = n < top ? n++ : top - 1;
		while (j > 0 && entry_cmp_total(&ctx, i, order[j - 1]) < 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	taken = hp_xcalloc(((size_t)st->nr_entries + 7) / 8, 1); /* a bit per entry */
	for (size_t j = 0; j < top; j++)
		taken[order[j] / 8] |= (uint8_t)(1u << (order[j] % 8));
	rest = top;
	for (uint32_t i = 0; i < st->nr_entries; i++)
		if (!(taken[i / 8] & (1u << (i % 8))))
			order[rest++] = i;
	free(taken);
	return order;
}

/* ---- callees ---- */

void hp_pstats_callees_build(const struct hp_pstats *st, struct hp_pstats_callees *out)
{
	uint32_t *fill;

	out->first = hp_xcalloc((size_t)st->nr_entries + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		for (uint32_t j = 0; j < e->nr_callers; j++) {
			uint32_t from = st->entry_of_key[st->callers[e->first_caller + j].key];

			if (from != HP_PSTATS_NONE)
				out->first[from + 1]++;
		}
	}
	for (uint32_t i = 0; i < st->nr_entries; i++)
		out->first[i + 1] += out->first[i];
	out->items = hp_xreallocarray(NULL, out->first[st->nr_entries] + 1, sizeof(*out->items));
	fill = hp_xcalloc((size_t)st->nr_entries + 1, sizeof(uint32_t));
	for (uint32_t i = 0; i < st->nr_entries; i++) {
		const struct hp_pstats_entry *e = &st->entries[i];

		for (uint32_t j = 0; j < e->nr_callers; j++) {
			uint32_t from = st->entry_of_key[st->callers[e->first_caller + j].key];
			struct hp_pstats_callee *c;

			if (from == HP_PSTATS_NONE)
				continue;
			c = &out->items[out->first[from] + fill[from]++];
			c->callee = i;
			c->call = e->first_caller + j;
		}
	}
	free(fill);
}

void hp_pstats_callees_release(struct hp_pstats_callees *c)
{
	free(c->items);
	free(c->first);
	c->items = NULL;
	c->first = NULL;
}

/* Comparison of two models (used to check the fast reader against the
 * tree reader). */

static bool same_str(const struct hp_pstats *a, uint32_t x, const struct hp_pstats *b, uint32_t y)
{
	return hp_strtab_len(&a->strs, x) == hp_strtab_len(&b->strs, y) &&
	       !memcmp(hp_pstats_str(a, x), hp_pstats_str(b, y), hp_strtab_len(&a->strs, x));
}

static bool same_key(const struct hp_pstats *a, uint32_t x, const struct hp_pstats *b, uint32_t y)
{
	return a->keys[x].line == b->keys[y].line && same_str(a, a->keys[x].file, b, b->keys[y].file) &&
	       same_str(a, a->keys[x].name, b, b->keys[y].name);
}

bool hp_pstats_equal(const struct hp_pstats *a, const struct hp_pstats *b)
{
	if (a->nr_entries != b->nr_entries || a->nr_keys != b->nr_keys ||
	    a->total_calls != b->total_calls || a->prim_calls != b->prim_calls ||
	    memcmp(&a->total_tt, &b->total_tt, sizeof(double)) || a->tuple_callers != b->tuple_callers)
		return false;
	for (uint32_t k = 0; k < a->nr_keys; k++)
		if (!same_key(a, k, b, k) || a->entry_of_key[k] != b->entry_of_key[k])
			return false;
	for (uint32_t i = 0; i < a->nr_entries; i++) {
		const struct hp_pstats_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->key != y->key || x->cc != y->cc || x->nc != y->nc || x->nr_callers != y->nr_callers ||
		    memcmp(&x->tt, &y->tt, sizeof(double)) || memcmp(&x->ct, &y->ct, sizeof(double)))
			return false;
		for (uint32_t j = 0; j < x->nr_callers; j++) {
			const struct hp_pstats_call *c = &a->callers[x->first_caller + j];
			const struct hp_pstats_call *d = &b->callers[y->first_caller + j];

			if (c->key != d->key || c->count_only != d->count_only || c->nc != d->nc ||
			    c->cc != d->cc || memcmp(&c->tt, &d->tt, sizeof(double)) ||
			    memcmp(&c->ct, &d->ct, sizeof(double)))
				return false;
		}
	}
	return true;
}
