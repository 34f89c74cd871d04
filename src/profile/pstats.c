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
#include <sys/mman.h> /* madvise */
#include <sys/stat.h>
#include <unistd.h>

#include "profile/marshal.h"

void hp_pstats_init(struct hp_pstats *st)
{
	memset(st, 0, sizeof(*st));
	hp_strtab_init(&st->strs);
	hp_u64map_init(&st->key_index, 0);
}

void hp_pstats_release(struct hp_pstats *st)
{
	hp_strtab_release(&st->strs);
	hp_u64map_release(&st->key_index);
	free(st->keys);
	free(st->entry_of_key);
	free(st->caller_seen);
	free(st->caller_pos);
	free(st->entries);
	free(st->callers);
	memset(st, 0, sizeof(*st));
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
	size_t n = st->alloc_eok;

	HP_GROW(st->keys, need, st->alloc_keys);
	if (need <= n)
		return;
	n = n ? n : 16;
	while (n < need)
		n *= 2;
	st->entry_of_key = hp_xreallocarray(st->entry_of_key, n, sizeof(*st->entry_of_key));
	st->caller_seen = hp_xreallocarray(st->caller_seen, n, sizeof(*st->caller_seen));
	st->caller_pos = hp_xreallocarray(st->caller_pos, n, sizeof(*st->caller_pos));
	st->alloc_eok = (uint32_t)n;
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
	uint64_t mkey = ((uint64_t)fid + 1) << 32 | nid;
	uint32_t k, first = hp_u64map_get(&st->key_index, mkey);

	for (k = first; k != UINT32_MAX && k != HP_PSTATS_NONE; k = st->keys[k].next)
		if (st->keys[k].line == line)
			return k;
	grow_keys(st, (size_t)st->nr_keys + 1);
	k = st->nr_keys++;
	st->keys[k].file = fid;
	st->keys[k].name = nid;
	st->keys[k].line = line;
	st->entry_of_key[k] = HP_PSTATS_NONE;
	st->caller_seen[k] = 0;
	if (first == UINT32_MAX) {
		st->keys[k].next = HP_PSTATS_NONE;
		hp_u64map_put(&st->key_index, mkey, k);
	} else {
		/* chain after the first, which the map keeps pointing at */
		st->keys[k].next = st->keys[first].next;
		st->keys[first].next = k;
	}
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
	if (st->caller_seen[kid] == b->seq + 1) {
		st->callers[st->caller_pos[kid]] = c; /* a repeated dict key: last value, first place */
		return 0;
	}
	HP_GROW(st->callers, (size_t)st->nr_callers + 1, st->alloc_callers);
	st->callers[st->nr_callers] = c;
	st->caller_seen[kid] = b->seq + 1;
	st->caller_pos[kid] = st->nr_callers;
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
		HP_GROW(st->entries, (size_t)st->nr_entries + 1, st->alloc_entries);
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
 * which finds the
 * error and names its byte offset.  So this path must accept exactly what
 * the tree path accepts and build the same model, or give up: it checks
 * the same bounds (lengths against what remains, references to finished
 * objects only, the value count limit) and registers FLAG_REF objects in
 * the same order (a container before its children).
 *
 * A back-reference ('r') is resolved through the ref table: a string
 * remembers its string id, a key tuple its key id (cProfile shares every
 * key tuple by reference, so a repeated key costs one array lookup), and
 * anything else is read again at its offset ("replay", which registers
 * nothing).  The shape is at most four levels deep, so replays nest at
 * most that far.
 */
struct fref {
	uint32_t off;   /* offset of the object's type code */
	uint32_t cache; /* string id + 1 or key id + 1; 0 = none yet */
	uint8_t code;   /* type code without FLAG_REF */
	uint8_t done;   /* the object is complete */
};

struct fast {
	struct hp_pstats *st;
	const uint8_t *p;
	size_t len, pos;
	struct fref *refs;
	size_t nr_refs, alloc_refs;
	uint64_t nr_vals;
	bool replay;    /* reading a referenced object again */
	uint32_t seq;   /* index of the function pair being read */
};

#define FAST_NONE UINT32_MAX

static inline bool fast_need(const struct fast *f, size_t n)
{
	return f->len - f->pos >= n;
}

static inline uint32_t fast_u32(const uint8_t *b)
{
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/*
 * Start an object at f->pos: *code gets its type code (without FLAG_REF).
 * For 'r', *ref gets the index named (checked: present and finished) and
 * f->pos is past it.  Otherwise the object is counted and, when flagged
 * (and not a singleton, and not replaying), entered into the ref table:
 * *ref gets its index (FAST_NONE when not entered); f->pos is past the
 * type code.  -1 to give up.
 */
static int fast_begin(struct fast *f, int *code, uint32_t *ref)
{
	int c;
	bool flag;

	if (!fast_need(f, 1))
		return -1;
	c = f->p[f->pos] & 0x7f;
	flag = f->p[f->pos] & HP_MARSHAL_FLAG_REF;
	*code = c;
	*ref = FAST_NONE;
	if (c == 'r') {
		uint32_t idx;

		if (!fast_need(f, 5))
			return -1;
		idx = fast_u32(f->p + f->pos + 1);
		if (idx >= f->nr_refs || !f->refs[idx].done)
			return -1;
		f->pos += 5;
		*ref = idx;
		return 0;
	}
	if (!f->replay && ++f->nr_vals > HP_MARSHAL_MAX_VALUES)
		return -1;
	if (flag && !f->replay && c != 'N' && c != 'T' && c != 'F' && c != 'S' && c != '.') {
		struct fref *r;

		HP_GROW(f->refs, f->nr_refs + 1, f->alloc_refs);
		r = &f->refs[f->nr_refs];
		r->off = (uint32_t)f->pos;
		r->cache = 0;
		r->code = (uint8_t)c;
		r->done = 0;
		*ref = (uint32_t)f->nr_refs++;
	}
	f->pos++;
	return 0;
}

static inline void fast_done(struct fast *f, uint32_t ref, uint32_t cache)
{
	if (ref != FAST_NONE && !f->replay) {
		f->refs[ref].done = 1;
		f->refs[ref].cache = cache;
	}
}

/* Go back to a referenced object's type code to read it again; the caller
 * restores f->pos and f->replay afterwards. */
static void fast_replay(struct fast *f, uint32_t ref, size_t *pos, bool *replay)
{
	*pos = f->pos;
	*replay = f->replay;
	f->pos = f->refs[ref].off;
	f->replay = true;
}

static void fast_resume(struct fast *f, size_t pos, bool replay)
{
	f->pos = pos;
	f->replay = replay;
}

/* The body of a number with type code `code` at f->pos (past the code):
 * 'i', 'l' (up to 4 digits, which always fit int64) or 'g'.  *is_int
 * tells which of *i and *d is set. */
static int fast_num_body(struct fast *f, int code, int64_t *i, double *d, bool *is_int)
{
	const uint8_t *b = f->p + f->pos;

	switch (code) {
	case 'i': {
		uint32_t u;

		if (!fast_need(f, 4))
			return -1;
		u = fast_u32(b);
		*i = u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
		*is_int = true;
		f->pos += 4;
		return 0;
	}
	case 'l': {
		uint32_t u;
		int64_t n;
		uint64_t mag = 0, ndig;

		if (!fast_need(f, 4))
			return -1;
		u = fast_u32(b);
		n = u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
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
		*is_int = true;
		f->pos += 4 + 2 * (size_t)ndig;
		return 0;
	}
	case 'g': {
		uint64_t bits = 0;

		if (!fast_need(f, 8))
			return -1;
		for (int k = 7; k >= 0; k--)
			bits = bits << 8 | b[k];
		memcpy(d, &bits, sizeof(*d));
		*is_int = false;
		f->pos += 8;
		return 0;
	}
	default:
		return -1;
	}
}

/* A number (int or float) at f->pos, referenced or not. */
static int fast_num(struct fast *f, int64_t *i, double *d, bool *is_int)
{
	uint32_t ref;
	int code, ret;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		size_t pos;
		bool replay;

		fast_replay(f, ref, &pos, &replay);
		f->pos++;
		ret = fast_num_body(f, f->refs[ref].code, i, d, is_int);
		fast_resume(f, pos, replay);
		return ret;
	}
	ret = fast_num_body(f, code, i, d, is_int);
	fast_done(f, ref, 0);
	return ret;
}

static int fast_int(struct fast *f, int64_t *out)
{
	double d;
	bool is_int;

	return fast_num(f, out, &d, &is_int) || !is_int ? -1 : 0;
}

static int fast_double(struct fast *f, double *out)
{
	int64_t i;
	bool is_int;

	if (fast_num(f, &i, out, &is_int))
		return -1;
	if (is_int)
		*out = (double)i;
	return 0;
}

/* A str (any string code), interned: *id gets its string id. */
static int fast_str(struct fast *f, uint32_t *id)
{
	uint32_t ref, n;
	int code;

	if (fast_begin(f, &code, &ref))
		return -1;
	if (code == 'r') {
		struct fref *r = &f->refs[ref];
		size_t pos;
		bool replay;
		int ret;

		/* the cache means a string id only for a string */
		if (!strchr("utaAzZ", r->code) || !r->code)
			return -1;
		if (r->cache) {
			*id = r->cache - 1;
			return 0;
		}
		fast_replay(f, ref, &pos, &replay);
		ret = fast_str(f, id);
		fast_resume(f, pos, replay);
		if (!ret)
			f->refs[ref].cache = *id + 1;
		return ret;
	}
	switch (code) {
	case 'u': case 't': case 'a': case 'A':
		if (!fast_need(f, 4))
			return -1;
		n = fast_u32(f->p + f->pos);
		if (n > 0x7fffffffu)
			return -1;
		f->pos += 4;
		break;
	case 'z': case 'Z':
		if (!fast_need(f, 1))
			return -1;
		n = f->p[f->pos++];
		break;
	default:
		return -1;
	}
	if (!fast_need(f, n))
		return -1;
	*id = hp_strtab_intern(&f->st->strs, (const char *)f->p + f->pos, n);
	f->pos += n;
	fast_done(f, ref, *id + 1);
	return 0;
}

/* A tuple header ')' or '(' with exactly n items, after fast_begin. */
static int fast_tuple_n(struct fast *f, int code, uint32_t n)
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
		size_t pos;
		bool replay;
		int ret;

		/* the cache means a key id only for a tuple */
		if (f->refs[ref].code != ')' && f->refs[ref].code != '(')
			return -1;
		if (f->refs[ref].cache) {
			*out = f->refs[ref].cache - 1;
			return 0;
		}
		fast_replay(f, ref, &pos, &replay);
		ret = fast_key(f, out);
		fast_resume(f, pos, replay);
		if (!ret)
			f->refs[ref].cache = *out + 1;
		return ret;
	}
	if (fast_tuple_n(f, code, 3) || fast_str(f, &fid) || fast_int(f, &line) || fast_str(f, &nid))
		return -1;
	*out = key_of_ids(f->st, fid, line, nid);
	fast_done(f, ref, *out + 1);
	return 0;
}

/* The end of a dict ('0', with or without FLAG_REF) at f->pos: consumed. */
static inline bool fast_dict_end(struct fast *f)
{
	if ((f->p[f->pos] & 0x7f) != '0')
		return false;
	f->pos++;
	return true;
}

/* One caller of entry ei: its key was read; its value is next. */
static int fast_caller(struct fast *f, uint32_t ei, uint32_t kid)
{
	struct hp_pstats *st = f->st;
	struct hp_pstats_call c;
	uint32_t ref;
	int code;

	memset(&c, 0, sizeof(c));
	c.key = kid;
	if (!fast_need(f, 1))
		return -1;
	code = f->p[f->pos] & 0x7f;
	if (code == 'r') {
		/* peek at what is referenced: a count or a tuple */
		uint32_t idx;

		if (!fast_need(f, 5))
			return -1;
		idx = fast_u32(f->p + f->pos + 1);
		if (idx >= f->nr_refs)
			return -1;
		code = f->refs[idx].code;
	}
	if (code == 'i' || code == 'l') {
		/* the pure-Python profile module: a plain call count */
		if (fast_int(f, &c.nc))
			return -1;
		c.cc = c.nc;
		c.count_only = true;
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
		     !fast_tuple_n(f, code, 4) && !fast_int(f, &c.nc) && !fast_int(f, &c.cc) &&
		     !fast_double(f, &c.tt) && !fast_double(f, &c.ct);
		if (ok)
			fast_done(f, ref, 0);
		if (replayed)
			fast_resume(f, pos, replay);
		if (!ok)
			return -1;
	}
	if (st->caller_seen[kid] == f->seq + 1) {
		st->callers[st->caller_pos[kid]] = c; /* a repeated dict key: last value, first place */
		return 0;
	}
	HP_GROW(st->callers, (size_t)st->nr_callers + 1, st->alloc_callers);
	st->callers[st->nr_callers] = c;
	st->caller_seen[kid] = f->seq + 1;
	st->caller_pos[kid] = st->nr_callers;
	st->nr_callers++;
	st->entries[ei].nr_callers++;
	return 0;
}

/* The callers dict of entry ei. */
static int fast_callers(struct fast *f, uint32_t ei)
{
	uint32_t ref, kid;
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
		    fast_caller(f, ei, kid))
			return -1; /* a key without a value: left to the tree reader */
	}
	fast_done(f, ref, 0);
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
	ei = st->entry_of_key[kid];
	if (ei == HP_PSTATS_NONE) {
		HP_GROW(st->entries, (size_t)st->nr_entries + 1, st->alloc_entries);
		ei = st->nr_entries++;
		st->entry_of_key[kid] = ei;
	}
	e = &st->entries[ei];
	memset(e, 0, sizeof(*e));
	e->key = kid;
	e->first_caller = st->nr_callers;
	if (fast_int(f, &e->cc) || fast_int(f, &e->nc) || fast_double(f, &e->tt) ||
	    fast_double(f, &e->ct) || fast_callers(f, ei))
		return -1;
	fast_done(f, ref, 0);
	return 0;
}

/*
 * Fault in the pages of a fresh array that is about to be filled, in one
 * system call, asking for huge pages where the range holds one: taking the
 * page faults one 4 KiB page at a time cost more than the parsing on the
 * virtual machine the benchmark ran on.  A hint: any failure is harmless.
 */
static void prefault(void *p, size_t bytes)
{
	const uintptr_t page = 4096, huge = 2u << 20;
	uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(page - 1);
	uintptr_t hs = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t he = ((uintptr_t)p + bytes) & ~(huge - 1);

	if (end <= start)
		return;
#ifdef MADV_HUGEPAGE
	if (he > hs)
		(void)madvise((void *)hs, he - hs, MADV_HUGEPAGE);
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels refuse it */
#endif
	(void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
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
	/* sized for typical dumps (about 150 bytes per function, two callers
	 * and about one reference per function), so the arrays rarely move */
	est = len / 128 + 64;
	f.alloc_refs = 2 * est;
	f.refs = hp_xreallocarray(NULL, f.alloc_refs, sizeof(*f.refs));
	HP_GROW(st->entries, est, st->alloc_entries);
	grow_keys(st, est);
	HP_GROW(st->callers, 2 * est, st->alloc_callers);
	prefault(f.refs, f.alloc_refs * sizeof(*f.refs));
	prefault(st->entries, est * sizeof(*st->entries));
	prefault(st->keys, est * sizeof(*st->keys));
	prefault(st->entry_of_key, est * sizeof(*st->entry_of_key));
	prefault(st->caller_seen, est * sizeof(*st->caller_seen));
	prefault(st->caller_pos, est * sizeof(*st->caller_pos));
	prefault(st->callers, 2 * est * sizeof(*st->callers));
	hp_u64map_release(&st->key_index);
	hp_u64map_init(&st->key_index, (uint32_t)(len / 160 + 64));
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
	free(f.refs);
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
	HP_GROW(st->entries, (size_t)root->n, st->alloc_entries);
	grow_keys(st, (size_t)root->n * 2);
	HP_GROW(st->callers, (size_t)root->n * 2, st->alloc_callers);
	hp_u64map_release(&st->key_index);
	hp_u64map_init(&st->key_index, root->n < (1u << 24) ? root->n : 1u << 24);
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
 * allocation, faulted in with one system call (prefault), and two read()
 * calls.  The file is read to EOF whatever fstat said: one that grows
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
	if (alloc >= (1u << 20)) {
		/* 2 MiB-aligned, so the whole buffer can be huge pages: a few
		 * faults instead of one per 4 KiB page */
		size_t huge = 2u << 20, rounded = (alloc + huge - 1) & ~(huge - 1);
		void *p = NULL;

		if (posix_memalign(&p, huge, rounded))
			hp_oom(rounded);
		buf = p;
		alloc = rounded;
	} else {
		buf = hp_xmalloc(alloc);
	}
	prefault(buf, alloc);
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
	uint32_t k;

	if (fid == UINT32_MAX || nid == UINT32_MAX)
		return HP_PSTATS_NONE;
	k = hp_u64map_get(&st->key_index, ((uint64_t)fid + 1) << 32 | nid);
	for (; k != UINT32_MAX && k != HP_PSTATS_NONE; k = st->keys[k].next)
		if (st->keys[k].line == line)
			return st->entry_of_key[k];
	return HP_PSTATS_NONE;
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
	tmp = hp_xreallocarray(NULL, n, sizeof(*tmp));
	merge_pass(ids, tmp, n, cmp, ctx);
	free(tmp);
}

uint32_t *hp_pstats_sort(const struct hp_pstats *st, const enum hp_pstats_sort_key *keys, int nkeys)
{
	uint32_t *order = hp_xreallocarray(NULL, st->nr_entries ? st->nr_entries : 1, sizeof(*order));
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
	order = hp_xreallocarray(NULL, st->nr_entries, sizeof(*order));
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
	taken = hp_xcalloc(st->nr_entries, 1);
	for (size_t j = 0; j < top; j++)
		taken[order[j]] = 1;
	rest = top;
	for (uint32_t i = 0; i < st->nr_entries; i++)
		if (!taken[i])
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
