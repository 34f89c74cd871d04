/*
 * toml.h - a TOML 1.0 reader.
 *
 * hp_toml_parse turns a buffer into a tree of nodes.  The root is a table;
 * a table keeps its keys in the order they were first defined (a key is
 * defined where it first appears, so "[a.b]" before "[a]" puts "a" first).
 * Values are strings (any bytes, including NUL through "\u0000"; always also
 * NUL-terminated), 64-bit integers, doubles, booleans, the four date/time
 * kinds (kept as their validated text, with a 'T' separator and an upper-case
 * 'Z'), arrays and tables.  An array of tables ("[[x]]") is an array whose
 * is_aot flag is set.
 *
 * Everything TOML 1.0 forbids is an error: duplicate keys, redefined tables,
 * dotted keys that reach into tables defined by headers or into inline tables,
 * "[[x]]" on a static array, invalid UTF-8, control characters, unknown
 * escapes and escapes that are not Unicode scalar values, integer overflow,
 * leading zeros, misplaced underscores, impossible dates, and so on.  A
 * leading UTF-8 byte-order mark is skipped.  Floats that overflow to infinity
 * ("1e400") are rejected rather than silently becoming inf.  Nesting of
 * tables and arrays (through headers, dotted keys, arrays and inline tables)
 * is limited to HP_TOML_MAX_DEPTH levels, so hostile input cannot exhaust the
 * stack, here or in code that walks the tree recursively.
 *
 * Error messages read "'NAME' line L, column C: message" (both 1-based;
 * columns count characters, not bytes).
 *
 * Every node records the line and column where it was defined (for a table
 * created by a header: the header; for an implicit table: where it was
 * first named) so that callers can point at the source in their own errors;
 * table entries record where their key was written.
 *
 * Ownership: hp_toml_parse gives the caller the whole tree through *out; it
 * is released with hp_toml_free(root).  Pointers returned by lookups and
 * getters point into the tree and stay valid until then.
 */
#ifndef HP_CONFIG_TOML_H
#define HP_CONFIG_TOML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define HP_TOML_MAX_DEPTH 128

enum hp_toml_type {
	HP_TOML_STRING,
	HP_TOML_INTEGER,
	HP_TOML_FLOAT,
	HP_TOML_BOOL,
	HP_TOML_DATETIME,       /* offset date-time: 1979-05-27T07:32:00Z */
	HP_TOML_DATETIME_LOCAL, /* 1979-05-27T07:32:00 */
	HP_TOML_DATE_LOCAL,     /* 1979-05-27 */
	HP_TOML_TIME_LOCAL,     /* 07:32:00 */
	HP_TOML_ARRAY,
	HP_TOML_TABLE,
};

struct hp_toml;

struct hp_toml_entry {
	char *key;              /* owned, NUL-terminated; may contain NUL */
	size_t key_len;
	unsigned line, col;     /* where the key was written */
	struct hp_toml *val;    /* owned */
};

struct hp_toml {
	enum hp_toml_type type;
	unsigned line, col;
	unsigned flags;         /* HP_TOML_F_*: how a table was defined */
	unsigned depth;         /* nesting level; the root is 0 */
	union {
		struct {        /* STRING and the date/time kinds */
			char *s; /* owned, NUL-terminated */
			size_t len;
		} str;
		int64_t i;
		double f;
		bool b;
		struct {
			struct hp_toml **items;
			size_t nr, alloc;
			bool is_aot; /* created by [[...]] headers */
		} arr;
		struct {
			struct hp_toml_entry *items;
			size_t nr, alloc;
			uint32_t *index; /* hash index (idx + 1) once nr > 8 */
			uint32_t index_mask;
		} tab;
	} u;
};

/* Table flags (internal bookkeeping, exposed for inspection). */
#define HP_TOML_F_HEADER   1u /* defined by a [header] or [[header]] */
#define HP_TOML_F_IMPLICIT 2u /* created on the way to a header */
#define HP_TOML_F_DOTTED   4u /* created (or extended) by a dotted key */
#define HP_TOML_F_INLINE   8u /* an inline table, or inside one: closed */

/* Parse len bytes of data (need not be NUL-terminated); name is used in
 * error messages only.  Returns 0 and the root table in *out, or -1. */
int hp_toml_parse(const char *name, const char *data, size_t len,
		  struct hp_toml **out, struct hp_err *err);
/* hp_read_file + hp_toml_parse; files larger than 16 MiB are refused. */
int hp_toml_parse_file(const char *path, struct hp_toml **out, struct hp_err *err);
void hp_toml_free(struct hp_toml *t);

/* The entry for key (key_len bytes) in table t, or NULL. */
const struct hp_toml_entry *hp_toml_find(const struct hp_toml *t, const char *key, size_t key_len);
/* Follow a path of bare keys separated by '.' ("tool.hotpath"); NULL when a
 * part is missing or a non-final part is not a table. */
const struct hp_toml *hp_toml_get(const struct hp_toml *t, const char *path);

/* Typed getters: 0 with *out set when path holds a value of that type,
 * 1 when it is missing (*out untouched), -1 when it has another type
 * (with "'PATH' must be a TYPE" in err).  get_double accepts integers too. */
int hp_toml_get_string(const struct hp_toml *t, const char *path, const char **out, struct hp_err *err);
int hp_toml_get_int(const struct hp_toml *t, const char *path, int64_t *out, struct hp_err *err);
int hp_toml_get_double(const struct hp_toml *t, const char *path, double *out, struct hp_err *err);
int hp_toml_get_bool(const struct hp_toml *t, const char *path, bool *out, struct hp_err *err);

/* "string", "integer", "float", "bool", "datetime", "datetime-local",
 * "date-local", "time-local", "array", "table" (toml-test's names). */
const char *hp_toml_type_name(enum hp_toml_type type);

/* Append t as JSON in toml-test's tagged form: tables are objects (keys in
 * order), arrays are arrays, and every scalar is {"type":T,"value":TEXT}
 * (floats as "%.17g", "inf", "-inf", "nan").  No spaces or newlines. */
void hp_toml_dump_json(const struct hp_toml *t, struct hp_buf *out);

#endif
