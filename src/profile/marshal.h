/*
 * marshal.h - a bounded reader of Python's marshal format (versions 2-5, as
 * written by CPython 3.8-3.14), enough for the objects a profiler dumps:
 * None/True/False/StopIteration/Ellipsis, int32 ('i') and long ('l') ints,
 * binary ('g') and text ('f') floats, bytes ('s'), every string code
 * ('u' 't' 'a' 'A' 'z' 'Z'), small and large tuples (')' '('), lists,
 * dicts, sets and frozensets, and back-references ('r' and FLAG_REF 0x80).
 * Code objects, complex numbers and slices are refused.
 *
 * Structure
 *   The input is parsed into a flat tree of values: m->vals[0] is the root.
 *   A container's children are the value ids items[v->first .. + v->n)
 *   (a dict holds 2*n items: key, value, key, value ...).  A back-reference
 *   shares the id of the value it names, so the tree is really a DAG; a
 *   reference to a container that is still being read (a cycle) is refused,
 *   so walking children always terminates.
 *
 * Bounds
 *   Every length and count is checked against the bytes that remain; nesting
 *   is limited to HP_MARSHAL_MAX_DEPTH; the number of values is limited to
 *   max_values.  Every value takes at least one input byte, so memory is at
 *   most a small constant times the input size.  Errors name the byte offset
 *   of the offending type code or field: "truncated marshal data at byte 18".
 *
 * Ownership: string values point into the caller's input buffer (not
 * copied), which must outlive the tree.  struct hp_marshal owns vals and
 * items; hp_marshal_release frees them and leaves it reusable.
 */
#ifndef HP_PROFILE_MARSHAL_H
#define HP_PROFILE_MARSHAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HP_MARSHAL_MAX_DEPTH 100
#define HP_MARSHAL_FLAG_REF 0x80

enum hp_mval_type {
	HP_MV_NONE,
	HP_MV_BOOL,      /* i = 0 or 1 */
	HP_MV_STOPITER,
	HP_MV_ELLIPSIS,
	HP_MV_INT,       /* i */
	HP_MV_BIGINT,    /* an int outside int64: f holds an approximation */
	HP_MV_FLOAT,     /* f */
	HP_MV_STR,       /* s, n bytes (UTF-8 as written, not validated) */
	HP_MV_BYTES,     /* s, n bytes */
	HP_MV_TUPLE,     /* n items */
	HP_MV_LIST,
	HP_MV_SET,
	HP_MV_FROZENSET,
	HP_MV_DICT,      /* n pairs = 2n items */
	HP_MV_NR
};

struct hp_mval {
	uint8_t type;    /* enum hp_mval_type */
	uint8_t done;    /* set once the value (and its children) is complete */
	uint32_t n;      /* string length, item or pair count */
	uint32_t off;    /* byte offset of its type code (inputs are < 2 GiB) */
	uint32_t aux;    /* free for the consumer; 0 after parsing */
	union {
		int64_t i;
		double f;
		const char *s;
		uint32_t first; /* containers: index into items */
	} u;
};

struct hp_marshal {
	struct hp_mval *vals;
	size_t nr_vals, alloc_vals;
	uint32_t *items;
	size_t nr_items, alloc_items;
	size_t end;       /* offset just past the root object */
};

struct hp_marshal_opts {
	uint32_t max_values; /* 0 = default (HP_MARSHAL_MAX_VALUES) */
};

#define HP_MARSHAL_MAX_VALUES (64u << 20)

void hp_marshal_init(struct hp_marshal *m);
void hp_marshal_release(struct hp_marshal *m);

/* Parse one object from data[0..len).  Bytes after it are ignored (as
 * marshal.load does); m->end says where it stopped.  On error returns -1 with
 * err set ("... at byte N") and m holds nothing useful (release it). */
int hp_marshal_parse(struct hp_marshal *m, const void *data, size_t len,
		     const struct hp_marshal_opts *opts, struct hp_err *err);

static inline const struct hp_mval *hp_marshal_val(const struct hp_marshal *m, uint32_t id)
{
	return &m->vals[id];
}

/* The i-th child id of container v (for a dict: 2k = key k, 2k+1 = value k). */
static inline uint32_t hp_marshal_item(const struct hp_marshal *m, const struct hp_mval *v, size_t i)
{
	return m->items[v->u.first + i];
}

/* A short English name of a value type ("dict", "str", ...). */
const char *hp_marshal_type_name(enum hp_mval_type t);

#endif
