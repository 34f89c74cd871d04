/*
 * marshal.c - see marshal.h.  A recursive-descent reader whose recursion is
 * bounded by HP_MARSHAL_MAX_DEPTH; every read goes through need(), which
 * checks the bytes that remain before anything is touched.
 */
#include "profile/marshal.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct parser {
	const uint8_t *p;
	size_t len, pos;
	struct hp_marshal *m;
	uint32_t *refs;          /* ref index -> value id */
	size_t nr_refs, alloc_refs;
	uint32_t *stack;         /* children of the containers being read */
	size_t sp, alloc_stack;
	uint32_t max_values;
	struct hp_err *err;
};

static const char *const type_names[HP_MV_NR] = {
	"None", "bool", "StopIteration", "Ellipsis", "int", "int", "float",
	"str", "bytes", "tuple", "list", "set", "frozenset", "dict",
};

const char *hp_marshal_type_name(enum hp_mval_type t)
{
	return (unsigned)t < HP_MV_NR ? type_names[t] : "unknown";
}

/*
 * The two big arrays live in their own anonymous mappings marked for huge
 * pages: a stats dump of a few MB makes tens of MB of values, and faulting
 * them in 4 KiB at a time dominated the run time on virtual machines.
 * Growth maps a bigger region and copies.  hp_xmalloc's abort-on-OOM
 * policy applies.
 */
static void *big_alloc(size_t bytes)
{
	void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		hp_oom(bytes);
	(void)madvise(p, bytes ? bytes : 1, MADV_HUGEPAGE); /* a hint: failure is harmless */
	return p;
}

static void big_free(void *p, size_t bytes)
{
	if (p)
		munmap(p, bytes ? bytes : 1);
}

/* Make room for need elements of size elem in *arr (holding *alloc). */
static void big_grow(void *arr, size_t *alloc, size_t need, size_t elem)
{
	void **pp = arr;
	size_t n = *alloc ? *alloc : 256;
	void *q;

	if (need <= *alloc)
		return;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / elem)
		hp_oom(SIZE_MAX);
	q = big_alloc(n * elem);
	if (*pp)
		memcpy(q, *pp, *alloc * elem);
	big_free(*pp, *alloc * elem);
	*pp = q;
	*alloc = n;
}

void hp_marshal_init(struct hp_marshal *m)
{
	memset(m, 0, sizeof(*m));
}

void hp_marshal_release(struct hp_marshal *m)
{
	big_free(m->vals, m->alloc_vals * sizeof(*m->vals));
	big_free(m->items, m->alloc_items * sizeof(*m->items));
	hp_marshal_init(m);
}

static int need(struct parser *ps, size_t n)
{
	if (ps->len - ps->pos < n)
		return hp_err_set(ps->err, "truncated marshal data at byte %zu", ps->pos);
	return 0;
}

static uint32_t get_u32(const struct parser *ps)
{
	const uint8_t *b = ps->p + ps->pos;

	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

/* A signed 32-bit little-endian field, without implementation-defined casts. */
static int64_t get_i32(const struct parser *ps)
{
	uint32_t u = get_u32(ps);

	return u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000LL;
}

static int new_val(struct parser *ps, enum hp_mval_type type, size_t off, uint32_t *id)
{
	struct hp_marshal *m = ps->m;
	struct hp_mval *v;

	if (m->nr_vals >= ps->max_values)
		return hp_err_set(ps->err, "too many objects in marshal data (more than %u) at byte %zu",
				  ps->max_values, off);
	if (m->nr_vals == m->alloc_vals)
		big_grow(&m->vals, &m->alloc_vals, (size_t)m->nr_vals + 1, sizeof(*m->vals));
	v = &m->vals[m->nr_vals];
	v->type = (uint8_t)type;
	v->done = 0;
	v->n = 0;
	v->off = (uint32_t)off;
	v->aux = 0;
	v->u.i = 0;
	*id = m->nr_vals++;
	return 0;
}

/* A length or count field: non-negative int32 and at most `avail` (each
 * element needs at least `unit` bytes of what remains after the field). */
static int read_count(struct parser *ps, size_t unit, const char *what, uint32_t *n)
{
	int64_t v;
	size_t at = ps->pos;

	if (need(ps, 4))
		return -1;
	v = get_i32(ps);
	ps->pos += 4;
	if (v < 0)
		return hp_err_set(ps->err, "negative %s %lld in marshal data at byte %zu",
				  what, (long long)v, at);
	if ((uint64_t)v > (ps->len - ps->pos) / unit)
		return hp_err_set(ps->err, "truncated marshal data at byte %zu (%s %lld is past the end)",
				  at, what, (long long)v);
	*n = (uint32_t)v;
	return 0;
}

static int read_long(struct parser *ps, struct hp_mval *v)
{
	size_t at = ps->pos;
	int64_t n;
	uint64_t ndig, mag = 0;
	double approx = 0;
	bool big = false;
	const uint8_t *d;

	if (need(ps, 4))
		return -1;
	n = get_i32(ps);
	ps->pos += 4;
	ndig = (uint64_t)(n < 0 ? -n : n);
	if (ndig > (ps->len - ps->pos) / 2)
		return hp_err_set(ps->err, "truncated marshal data at byte %zu (long of %llu digits is past the end)",
				  at, (unsigned long long)ndig);
	d = ps->p + ps->pos;
	for (uint64_t k = ndig; k-- > 0;) {
		unsigned digit = (unsigned)d[2 * k] | (unsigned)d[2 * k + 1] << 8;

		if (digit > 0x7fff)
			return hp_err_set(ps->err, "bad digit in marshal long at byte %zu",
					  ps->pos + 2 * (size_t)k);
		if (k == ndig - 1 && digit == 0)
			return hp_err_set(ps->err, "unnormalized marshal long at byte %zu", at);
		approx = approx * 32768.0 + digit;
		if (mag > (UINT64_MAX - digit) / 32768)
			big = true;
		else
			mag = mag * 32768 + digit;
	}
	ps->pos += 2 * (size_t)ndig;
	if (!big && n >= 0 && mag <= (uint64_t)INT64_MAX) {
		v->type = HP_MV_INT;
		v->u.i = (int64_t)mag;
	} else if (!big && n < 0 && mag <= (uint64_t)INT64_MAX + 1) {
		v->type = HP_MV_INT;
		v->u.i = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		v->type = HP_MV_BIGINT;
		v->u.f = n < 0 ? -approx : approx;
	}
	return 0;
}

static int read_text_float(struct parser *ps, double *out)
{
	char tmp[257];
	size_t at = ps->pos, n;
	char *end;

	if (need(ps, 1))
		return -1;
	n = ps->p[ps->pos++];
	if (need(ps, n))
		return -1;
	memcpy(tmp, ps->p + ps->pos, n);
	tmp[n] = '\0';
	ps->pos += n;
	*out = strtod(tmp, &end);
	if (n == 0 || end != tmp + n)
		return hp_err_set(ps->err, "bad float text in marshal data at byte %zu", at);
	return 0;
}

static int parse_object(struct parser *ps, unsigned depth, uint32_t *out);

/* Read a container's children (pairs for a dict) and attach them to id. */
static int read_children(struct parser *ps, uint32_t id, uint32_t count, bool dict, unsigned depth)
{
	struct hp_marshal *m = ps->m;
	size_t sp0 = ps->sp, nitems;
	uint32_t pairs = 0;

	for (uint32_t i = 0; dict || i < count; i++) {
		uint32_t child;

		if (dict) {
			/* a dict ends with a NULL ('0') where a key (or value) would be */
			if (need(ps, 1))
				return -1;
			if ((ps->p[ps->pos] & 0x7f) == '0') {
				ps->pos++;
				break;
			}
			if (parse_object(ps, depth + 1, &child))
				return -1;
			HP_GROW(ps->stack, ps->sp + 2, ps->alloc_stack);
			ps->stack[ps->sp++] = child;
			if (need(ps, 1))
				return -1;
			if ((ps->p[ps->pos] & 0x7f) == '0') {
				/* CPython drops a key without a value and ends the dict */
				ps->pos++;
				ps->sp--;
				break;
			}
			if (parse_object(ps, depth + 1, &child))
				return -1;
			ps->stack[ps->sp++] = child;
			pairs++;
			continue;
		}
		if (parse_object(ps, depth + 1, &child))
			return -1;
		HP_GROW(ps->stack, ps->sp + 1, ps->alloc_stack);
		ps->stack[ps->sp++] = child;
	}
	nitems = ps->sp - sp0;
	big_grow(&m->items, &m->alloc_items, m->nr_items + nitems, sizeof(*m->items));
	if (nitems)
		memcpy(m->items + m->nr_items, ps->stack + sp0, nitems * sizeof(uint32_t));
	m->vals[id].u.first = (uint32_t)m->nr_items;
	m->vals[id].n = dict ? pairs : count;
	m->nr_items += nitems;
	ps->sp = sp0;
	return 0;
}

static int parse_object(struct parser *ps, unsigned depth, uint32_t *out)
{
	struct hp_marshal *m = ps->m;
	size_t at = ps->pos;
	enum hp_mval_type type;
	uint32_t id = 0, n = 0;
	int code;
	bool flag;

	if (need(ps, 1))
		return -1;
	code = ps->p[ps->pos] & 0x7f;
	flag = ps->p[ps->pos] & HP_MARSHAL_FLAG_REF;
	ps->pos++;
	if (depth > HP_MARSHAL_MAX_DEPTH)
		return hp_err_set(ps->err, "marshal data nested too deeply (more than %d levels) at byte %zu",
				  HP_MARSHAL_MAX_DEPTH, at);

	switch (code) {
	case 'r': {
		int64_t idx;

		if (need(ps, 4))
			return -1;
		idx = get_i32(ps);
		ps->pos += 4;
		if (idx < 0 || (uint64_t)idx >= ps->nr_refs)
			return hp_err_set(ps->err, "bad marshal reference %lld (%zu objects are referable) at byte %zu",
					  (long long)idx, ps->nr_refs, at);
		*out = ps->refs[idx];
		if (!m->vals[*out].done)
			return hp_err_set(ps->err, "marshal reference %lld at byte %zu names an unfinished object (a cycle)",
					  (long long)idx, at);
		return 0;
	}
	case '0':
		return hp_err_set(ps->err, "unexpected null object in marshal data at byte %zu", at);
	case 'N': type = HP_MV_NONE; break;
	case 'T': case 'F': type = HP_MV_BOOL; break;
	case 'S': type = HP_MV_STOPITER; break;
	case '.': type = HP_MV_ELLIPSIS; break;
	case 'i': case 'l': type = HP_MV_INT; break;
	case 'g': case 'f': type = HP_MV_FLOAT; break;
	case 'u': case 't': case 'a': case 'A': case 'z': case 'Z': type = HP_MV_STR; break;
	case 's': type = HP_MV_BYTES; break;
	case '(': case ')': type = HP_MV_TUPLE; break;
	case '[': type = HP_MV_LIST; break;
	case '<': type = HP_MV_SET; break;
	case '>': type = HP_MV_FROZENSET; break;
	case '{': type = HP_MV_DICT; break;
	case 'c':
		return hp_err_set(ps->err, "unsupported code object in marshal data at byte %zu", at);
	case 'x': case 'y':
		return hp_err_set(ps->err, "unsupported complex number in marshal data at byte %zu", at);
	case ':':
		return hp_err_set(ps->err, "unsupported slice in marshal data at byte %zu", at);
	default:
		return hp_err_set(ps->err, "unknown marshal type code 0x%02x at byte %zu",
				  (unsigned)ps->p[at], at);
	}
	if (new_val(ps, type, at, &id))
		return -1;
	/* singletons are never entered into the reference table */
	if (flag && type != HP_MV_NONE && type != HP_MV_BOOL && type != HP_MV_STOPITER &&
	    type != HP_MV_ELLIPSIS) {
		HP_GROW(ps->refs, ps->nr_refs + 1, ps->alloc_refs);
		ps->refs[ps->nr_refs++] = id;
	}

	switch (code) {
	case 'T':
		m->vals[id].u.i = 1;
		break;
	case 'i':
		if (need(ps, 4))
			return -1;
		m->vals[id].u.i = get_i32(ps);
		ps->pos += 4;
		break;
	case 'l':
		if (read_long(ps, &m->vals[id]))
			return -1;
		break;
	case 'g': {
		uint64_t bits = 0;
		double dv;

		if (need(ps, 8))
			return -1;
		for (int k = 7; k >= 0; k--)
			bits = bits << 8 | ps->p[ps->pos + (size_t)k];
		memcpy(&dv, &bits, sizeof(dv));
		m->vals[id].u.f = dv;
		ps->pos += 8;
		break;
	}
	case 'f':
		if (read_text_float(ps, &m->vals[id].u.f))
			return -1;
		break;
	case 'u': case 't': case 'a': case 'A': case 's':
		if (read_count(ps, 1, "string length", &n))
			return -1;
		goto str;
	case 'z': case 'Z':
		if (need(ps, 1))
			return -1;
		n = ps->p[ps->pos++];
		if (need(ps, n))
			return -1;
	str:
		m->vals[id].n = n;
		m->vals[id].u.s = (const char *)ps->p + ps->pos;
		ps->pos += n;
		break;
	case ')':
		if (need(ps, 1))
			return -1;
		n = ps->p[ps->pos++];
		if (read_children(ps, id, n, false, depth))
			return -1;
		break;
	case '(': case '[': case '<': case '>':
		if (read_count(ps, 1, "item count", &n) || read_children(ps, id, n, false, depth))
			return -1;
		break;
	case '{':
		if (read_children(ps, id, 0, true, depth))
			return -1;
		break;
	default:
		break;
	}
	m->vals[id].done = 1;
	*out = id;
	return 0;
}

int hp_marshal_parse(struct hp_marshal *m, const void *data, size_t len,
		     const struct hp_marshal_opts *opts, struct hp_err *err)
{
	struct parser ps;
	uint32_t root;
	int ret = -1;

	memset(&ps, 0, sizeof(ps));
	ps.p = data;
	ps.len = len;
	ps.m = m;
	ps.err = err;
	ps.max_values = opts && opts->max_values ? opts->max_values : HP_MARSHAL_MAX_VALUES;
	hp_marshal_release(m);
	if (len > INT32_MAX) {
		hp_err_set(err, "marshal data larger than 2 GiB");
		goto cleanup;
	}
	if (len == 0) {
		hp_err_set(err, "empty marshal data at byte 0");
		goto cleanup;
	}
	/* Reserve for typical dumps (about one value per 11 bytes and one item
	 * per 6) so the arrays rarely move; untouched reserve costs no memory. */
	big_grow(&m->vals, &m->alloc_vals, len / 10 < ps.max_values ? len / 10 + 16 : ps.max_values,
		 sizeof(*m->vals));
	big_grow(&m->items, &m->alloc_items, len / 6 + 16, sizeof(*m->items));
	ps.alloc_refs = len / 16 + 16;
	ps.refs = hp_xreallocarray(NULL, ps.alloc_refs, sizeof(*ps.refs));
	if (parse_object(&ps, 0, &root))
		goto cleanup;
	m->end = ps.pos;
	ret = 0;
cleanup:
	free(ps.refs);
	free(ps.stack);
	return ret;
}
