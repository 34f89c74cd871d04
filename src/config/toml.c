/*
 * toml.c - a hand-written TOML 1.0 reader (see toml.h).
 *
 * A recursive-descent parser over the whole buffer.  The input is checked
 * for valid UTF-8 first, so later code only has to look at ASCII bytes and
 * can copy everything else through.  Recursion only happens for arrays and
 * inline tables and is bounded by the node depth (HP_TOML_MAX_DEPTH).
 *
 * The rules about which tables may be extended how follow TOML 1.0 (and
 * agree with Python's tomllib): a table node remembers whether it was
 * defined by a header (HP_TOML_F_HEADER), only created on the way to one
 * (HP_TOML_F_IMPLICIT), created or extended by dotted keys
 * (HP_TOML_F_DOTTED) or written inline (HP_TOML_F_INLINE).
 *  - a header may pass through any table but an inline one, and through the
 *    last element of an array of tables; it may define a table that is new
 *    or only implicit;
 *  - a dotted key may pass through tables that are new, implicit or dotted
 *    (which marks them dotted, so no header can define them later);
 *  - nothing may add to an inline table once its '}' is read.
 */
#include "config/toml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/afile.h"

struct parser {
	const char *name;
	const unsigned char *p;
	size_t len, pos;
	unsigned line;          /* line of pos, 1-based */
	size_t line_start;      /* offset of the first byte of that line */
	size_t col_pos;         /* cache for col_of(): a position on the line */
	unsigned col_col;       /* and its column */
	struct hp_err *err;
};

/* One key of a (possibly dotted) key, its bytes in keys.bytes. */
struct keypart {
	size_t off, len;
	size_t pos;
	unsigned line, col;
};

struct keys {
	struct hp_buf bytes;
	struct keypart *parts;
	size_t nr, alloc;
};

static int parse_value(struct parser *ps, unsigned depth, struct hp_toml **out);

/* ---- positions and errors ---------------------------------------------- */

static unsigned col_of(struct parser *ps, size_t pos)
{
	if (ps->col_pos < ps->line_start || pos < ps->col_pos) {
		ps->col_pos = ps->line_start;
		ps->col_col = 1;
	}
	for (; ps->col_pos < pos; ps->col_pos++)
		if ((ps->p[ps->col_pos] & 0xc0) != 0x80)
			ps->col_col++;
	return ps->col_col;
}

/* Report an error at byte offset pos (line and column found by a scan from
 * the start: errors happen once, so this need not be fast). */
HP_PRINTF(3, 4)
static int fail(struct parser *ps, size_t pos, const char *fmt, ...)
{
	unsigned line = 1, col = 1;
	char msg[512];
	va_list ap;

	if (pos > ps->len)
		pos = ps->len;
	for (size_t i = 0; i < pos; i++) {
		if (ps->p[i] == '\n') {
			line++;
			col = 1;
		} else if ((ps->p[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hp_err_set(ps->err, "'%s' line %u, column %u: %s", ps->name, line, col, msg);
}

/* Describe the character at pos for messages: 'x', "end of input", ... */
static const char *describe(struct parser *ps, size_t pos, char *tmp, size_t size)
{
	unsigned c;

	if (pos >= ps->len)
		return "end of input";
	c = ps->p[pos];
	if (c == '\n' || (c == '\r' && pos + 1 < ps->len && ps->p[pos + 1] == '\n'))
		return "end of line";
	if (c > 0x20 && c < 0x7f)
		snprintf(tmp, size, "'%c'", c);
	else if (c < 0x80)
		snprintf(tmp, size, "character U+%04X", c);
	else
		snprintf(tmp, size, "'%.*s'", (int)hp_utf8_seq_len(ps->p + pos, ps->len - pos),
			 (const char *)ps->p + pos);
	return tmp;
}

static int fail_unexpected(struct parser *ps, const char *what)
{
	char tmp[32];

	return fail(ps, ps->pos, "expected %s, found %s", what,
		    describe(ps, ps->pos, tmp, sizeof(tmp)));
}

/* ---- nodes ------------------------------------------------------------- */

static struct hp_toml *node_new(enum hp_toml_type type, unsigned line, unsigned col, unsigned depth)
{
	struct hp_toml *t = hp_xcalloc(1, sizeof(*t));

	t->type = type;
	t->line = line;
	t->col = col;
	t->depth = depth;
	return t;
}

void hp_toml_free(struct hp_toml *t)
{
	if (!t)
		return;
	switch (t->type) {
	case HP_TOML_ARRAY:
		for (size_t i = 0; i < t->u.arr.nr; i++)
			hp_toml_free(t->u.arr.items[i]);
		free(t->u.arr.items);
		break;
	case HP_TOML_TABLE:
		for (size_t i = 0; i < t->u.tab.nr; i++) {
			free(t->u.tab.items[i].key);
			hp_toml_free(t->u.tab.items[i].val);
		}
		free(t->u.tab.items);
		free(t->u.tab.index);
		break;
	case HP_TOML_STRING:
	case HP_TOML_DATETIME:
	case HP_TOML_DATETIME_LOCAL:
	case HP_TOML_DATE_LOCAL:
	case HP_TOML_TIME_LOCAL:
		free(t->u.str.s);
		break;
	case HP_TOML_INTEGER:
	case HP_TOML_FLOAT:
	case HP_TOML_BOOL:
		break;
	}
	free(t);
}

static uint32_t key_hash(const char *k, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)k[i];
		h *= 16777619u;
	}
	return h;
}

static void index_insert(struct hp_toml *t, uint32_t idx)
{
	const struct hp_toml_entry *e = &t->u.tab.items[idx];
	uint32_t h = key_hash(e->key, e->key_len) & t->u.tab.index_mask;

	while (t->u.tab.index[h])
		h = (h + 1) & t->u.tab.index_mask;
	t->u.tab.index[h] = idx + 1;
}

static void index_rebuild(struct hp_toml *t)
{
	size_t size = 32;

	while (size < t->u.tab.nr * 2)
		size *= 2;
	free(t->u.tab.index);
	t->u.tab.index = hp_xcalloc(size, sizeof(*t->u.tab.index));
	t->u.tab.index_mask = (uint32_t)(size - 1);
	for (size_t i = 0; i < t->u.tab.nr; i++)
		index_insert(t, (uint32_t)i);
}

const struct hp_toml_entry *hp_toml_find(const struct hp_toml *t, const char *key, size_t key_len)
{
	if (!t || t->type != HP_TOML_TABLE)
		return NULL;
	if (t->u.tab.index) {
		uint32_t h = key_hash(key, key_len) & t->u.tab.index_mask, v;

		while ((v = t->u.tab.index[h])) {
			const struct hp_toml_entry *e = &t->u.tab.items[v - 1];

			if (e->key_len == key_len && !memcmp(e->key, key, key_len))
				return e;
			h = (h + 1) & t->u.tab.index_mask;
		}
		return NULL;
	}
	for (size_t i = 0; i < t->u.tab.nr; i++) {
		const struct hp_toml_entry *e = &t->u.tab.items[i];

		if (e->key_len == key_len && !memcmp(e->key, key, key_len))
			return e;
	}
	return NULL;
}

/* Add key -> val to table t (the key must be new); t takes val. */
static void table_add(struct hp_toml *t, const char *key, size_t key_len,
		      unsigned line, unsigned col, struct hp_toml *val)
{
	struct hp_toml_entry *e;

	HP_GROW(t->u.tab.items, t->u.tab.nr + 1, t->u.tab.alloc);
	e = &t->u.tab.items[t->u.tab.nr++];
	e->key = hp_xmalloc(key_len + 1);
	memcpy(e->key, key, key_len);
	e->key[key_len] = '\0';
	e->key_len = key_len;
	e->line = line;
	e->col = col;
	e->val = val;
	if (t->u.tab.nr > 8) {
		if (!t->u.tab.index || t->u.tab.nr * 2 > (size_t)t->u.tab.index_mask + 1)
			index_rebuild(t);
		else
			index_insert(t, (uint32_t)(t->u.tab.nr - 1));
	}
}

static void array_add(struct hp_toml *a, struct hp_toml *val)
{
	HP_GROW(a->u.arr.items, a->u.arr.nr + 1, a->u.arr.alloc);
	a->u.arr.items[a->u.arr.nr++] = val;
}

/* Close an inline table: it and every table inside it become immutable. */
static void freeze(struct hp_toml *t)
{
	if (t->type == HP_TOML_TABLE) {
		t->flags |= HP_TOML_F_INLINE;
		for (size_t i = 0; i < t->u.tab.nr; i++)
			freeze(t->u.tab.items[i].val);
	} else if (t->type == HP_TOML_ARRAY) {
		for (size_t i = 0; i < t->u.arr.nr; i++)
			freeze(t->u.arr.items[i]);
	}
}

/* ---- lexical helpers ---------------------------------------------------- */

static int peek(const struct parser *ps, size_t ahead)
{
	return ps->pos + ahead < ps->len ? ps->p[ps->pos + ahead] : -1;
}

static size_t newline_len(const struct parser *ps)
{
	if (ps->pos < ps->len && ps->p[ps->pos] == '\n')
		return 1;
	if (ps->pos + 1 < ps->len && ps->p[ps->pos] == '\r' && ps->p[ps->pos + 1] == '\n')
		return 2;
	return 0;
}

static void eat_newline(struct parser *ps, size_t n)
{
	ps->pos += n;
	ps->line++;
	ps->line_start = ps->pos;
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len && (ps->p[ps->pos] == ' ' || ps->p[ps->pos] == '\t'))
		ps->pos++;
}

static int is_control(unsigned c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int control_error(struct parser *ps, const char *where)
{
	if (ps->p[ps->pos] == '\r')
		return fail(ps, ps->pos, "carriage return not followed by a line feed %s", where);
	return fail(ps, ps->pos, "control character U+%04X %s", ps->p[ps->pos], where);
}

/* At '#': skip the comment up to (not including) the end of the line. */
static int skip_comment(struct parser *ps)
{
	ps->pos++;
	while (ps->pos < ps->len && ps->p[ps->pos] != '\n') {
		if (newline_len(ps))
			break;
		if (is_control(ps->p[ps->pos]))
			return control_error(ps, "in a comment");
		ps->pos++;
	}
	return 0;
}

/* Whitespace, comments and newlines, as allowed inside arrays. */
static int skip_ws_comment_newline(struct parser *ps)
{
	for (;;) {
		size_t n;

		skip_ws(ps);
		if (peek(ps, 0) == '#' && skip_comment(ps))
			return -1;
		n = newline_len(ps);
		if (!n)
			return 0;
		eat_newline(ps, n);
	}
}

static int is_bare(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void add_utf8(struct hp_buf *b, uint32_t cp)
{
	char s[4];

	if (cp < 0x80) {
		hp_buf_addch(b, (char)cp);
		return;
	}
	if (cp < 0x800) {
		s[0] = (char)(0xc0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3f));
		hp_buf_add(b, s, 2);
	} else if (cp < 0x10000) {
		s[0] = (char)(0xe0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[2] = (char)(0x80 | (cp & 0x3f));
		hp_buf_add(b, s, 3);
	} else {
		s[0] = (char)(0xf0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		s[3] = (char)(0x80 | (cp & 0x3f));
		hp_buf_add(b, s, 4);
	}
}

/* ---- strings ------------------------------------------------------------ */

/* At a backslash in a basic string: decode one escape into b. */
static int parse_escape(struct parser *ps, struct hp_buf *b)
{
	size_t start = ps->pos, n;
	uint32_t cp = 0;
	int c = peek(ps, 1);
	char tmp[32];

	switch (c) {
	case 'b': hp_buf_addch(b, '\b'); ps->pos += 2; return 0;
	case 't': hp_buf_addch(b, '\t'); ps->pos += 2; return 0;
	case 'n': hp_buf_addch(b, '\n'); ps->pos += 2; return 0;
	case 'f': hp_buf_addch(b, '\f'); ps->pos += 2; return 0;
	case 'r': hp_buf_addch(b, '\r'); ps->pos += 2; return 0;
	case '"': hp_buf_addch(b, '"'); ps->pos += 2; return 0;
	case '\\': hp_buf_addch(b, '\\'); ps->pos += 2; return 0;
	case 'u': n = 4; break;
	case 'U': n = 8; break;
	default:
		return fail(ps, start, "invalid escape sequence: backslash followed by %s",
			    describe(ps, start + 1, tmp, sizeof(tmp)));
	}
	ps->pos += 2;
	for (size_t i = 0; i < n; i++) {
		int h = hexval(peek(ps, 0));

		if (h < 0)
			return fail(ps, start, "escape '\\%c' needs %zu hexadecimal digits", c, n);
		cp = (cp << 4) | (uint32_t)h;
		ps->pos++;
	}
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return fail(ps, start, "escape '%.*s' is not a Unicode scalar value",
			    (int)(n + 2), (const char *)ps->p + start);
	add_utf8(b, cp);
	return 0;
}

/* At the opening '"': a single-line basic string into b. */
static int parse_basic(struct parser *ps, struct hp_buf *b)
{
	size_t start = ps->pos++;

	for (;;) {
		unsigned c;

		if (ps->pos >= ps->len || newline_len(ps))
			return fail(ps, start, "unterminated string");
		c = ps->p[ps->pos];
		if (c == '"') {
			ps->pos++;
			return 0;
		}
		if (c == '\\') {
			if (parse_escape(ps, b))
				return -1;
			continue;
		}
		if (is_control(c))
			return control_error(ps, "in a string");
		hp_buf_addch(b, (char)c);
		ps->pos++;
	}
}

/* At the opening "'": a single-line literal string into b. */
static int parse_literal(struct parser *ps, struct hp_buf *b)
{
	size_t start = ps->pos++;

	for (;;) {
		unsigned c;

		if (ps->pos >= ps->len || newline_len(ps))
			return fail(ps, start, "unterminated string");
		c = ps->p[ps->pos];
		if (c == '\'') {
			ps->pos++;
			return 0;
		}
		if (is_control(c))
			return control_error(ps, "in a string");
		hp_buf_addch(b, (char)c);
		ps->pos++;
	}
}

/* At the opening triple quote q ('"' or '\''): a multi-line string.  A
 * newline right after the opening quotes is dropped; CRLF becomes LF. */
static int parse_multiline(struct parser *ps, struct hp_buf *b, int q)
{
	size_t start = ps->pos, n;

	ps->pos += 3;
	if ((n = newline_len(ps)))
		eat_newline(ps, n);
	for (;;) {
		unsigned c;

		if (ps->pos >= ps->len)
			return fail(ps, start, "unterminated multi-line string");
		c = ps->p[ps->pos];
		if ((int)c == q) {
			size_t k = 0;

			while (peek(ps, k) == q)
				k++;
			if (k < 3) {
				hp_buf_add(b, ps->p + ps->pos, k);
				ps->pos += k;
				continue;
			}
			if (k > 5)
				return fail(ps, ps->pos + 5, "too many quotes at the end of a multi-line string");
			hp_buf_add(b, ps->p + ps->pos, k - 3);
			ps->pos += k;
			return 0;
		}
		if ((n = newline_len(ps))) {
			hp_buf_addch(b, '\n');
			eat_newline(ps, n);
			continue;
		}
		if (c == '\\' && q == '"') {
			size_t i = ps->pos + 1;

			while (i < ps->len && (ps->p[i] == ' ' || ps->p[i] == '\t'))
				i++;
			if (i < ps->len && (ps->p[i] == '\n' ||
					    (ps->p[i] == '\r' && i + 1 < ps->len && ps->p[i + 1] == '\n'))) {
				/* line-ending backslash: drop all whitespace up to the
				 * next other character */
				ps->pos = i;
				for (;;) {
					skip_ws(ps);
					if (!(n = newline_len(ps)))
						break;
					eat_newline(ps, n);
				}
				continue;
			}
			if (parse_escape(ps, b))
				return -1;
			continue;
		}
		if (is_control(c))
			return control_error(ps, "in a string");
		hp_buf_addch(b, (char)c);
		ps->pos++;
	}
}

/* ---- keys --------------------------------------------------------------- */

static void keys_release(struct keys *k)
{
	hp_buf_release(&k->bytes);
	free(k->parts);
	k->parts = NULL;
	k->nr = k->alloc = 0;
}

static const char *key_str(const struct keys *k, size_t i)
{
	return k->bytes.data + k->parts[i].off;
}

/* A key (simple or dotted) into k. */
static int parse_key(struct parser *ps, struct keys *k)
{
	for (;;) {
		struct keypart *kp;
		int c = peek(ps, 0);

		HP_GROW(k->parts, k->nr + 1, k->alloc);
		kp = &k->parts[k->nr];
		kp->off = k->bytes.len;
		kp->pos = ps->pos;
		kp->line = ps->line;
		kp->col = col_of(ps, ps->pos);
		if (c == '"') {
			if (peek(ps, 1) == '"' && peek(ps, 2) == '"')
				return fail(ps, ps->pos, "a multi-line string cannot be a key");
			if (parse_basic(ps, &k->bytes))
				return -1;
		} else if (c == '\'') {
			if (peek(ps, 1) == '\'' && peek(ps, 2) == '\'')
				return fail(ps, ps->pos, "a multi-line string cannot be a key");
			if (parse_literal(ps, &k->bytes))
				return -1;
		} else if (is_bare(c)) {
			size_t s = ps->pos;

			while (is_bare(peek(ps, 0)))
				ps->pos++;
			hp_buf_add(&k->bytes, ps->p + s, ps->pos - s);
		} else {
			return fail_unexpected(ps, "a key");
		}
		kp->len = k->bytes.len - kp->off;
		hp_buf_addch(&k->bytes, '\0');
		k->nr++;
		skip_ws(ps);
		if (peek(ps, 0) != '.')
			return 0;
		ps->pos++;
		skip_ws(ps);
	}
}

/* Key parts 0..i as "a.b.c" for messages (quoted parts are not re-quoted;
 * truncated for very long keys). */
static const char *key_text(const struct keys *k, size_t upto, char *tmp, size_t size)
{
	size_t n = 0;

	tmp[0] = '\0';
	for (size_t i = 0; i <= upto && n + 1 < size; i++) {
		int w = snprintf(tmp + n, size - n, "%s%s", i ? "." : "", key_str(k, i));

		if (w < 0)
			break;
		n += (size_t)w;
	}
	return tmp;
}

static int depth_error(struct parser *ps, size_t pos)
{
	return fail(ps, pos, "nesting deeper than %d levels", HP_TOML_MAX_DEPTH);
}

/*
 * Walk the dotted key parts 0..nr-2 of k from table t for "key = value",
 * creating tables as needed; return the table that gets the last part.
 */
static int walk_dotted(struct parser *ps, struct hp_toml *t, const struct keys *k,
		       struct hp_toml **out)
{
	char tmp[256];

	for (size_t i = 0; i + 1 < k->nr; i++) {
		const struct keypart *kp = &k->parts[i];
		const struct hp_toml_entry *e = hp_toml_find(t, key_str(k, i), kp->len);
		struct hp_toml *n;

		if (!e) {
			if (t->depth + 1 > HP_TOML_MAX_DEPTH)
				return depth_error(ps, kp->pos);
			n = node_new(HP_TOML_TABLE, kp->line, kp->col, t->depth + 1);
			n->flags = HP_TOML_F_DOTTED;
			table_add(t, key_str(k, i), kp->len, kp->line, kp->col, n);
			t = n;
			continue;
		}
		n = e->val;
		if (n->type != HP_TOML_TABLE)
			return fail(ps, kp->pos, "key '%s' is already defined as %s %s",
				    key_text(k, i, tmp, sizeof(tmp)),
				    n->type == HP_TOML_ARRAY || n->type == HP_TOML_INTEGER ? "an" : "a",
				    n->type == HP_TOML_ARRAY && n->u.arr.is_aot ? "array of tables"
										 : hp_toml_type_name(n->type));
		if (n->flags & HP_TOML_F_INLINE)
			return fail(ps, kp->pos, "cannot add keys to the inline table '%s'",
				    key_text(k, i, tmp, sizeof(tmp)));
		if (n->flags & HP_TOML_F_HEADER)
			return fail(ps, kp->pos, "cannot add to table '%s' with a dotted key: it is defined by a [header]",
				    key_text(k, i, tmp, sizeof(tmp)));
		n->flags |= HP_TOML_F_DOTTED;
		t = n;
	}
	*out = t;
	return 0;
}

/* key = value, added to table t. */
static int parse_keyval(struct parser *ps, struct hp_toml *t)
{
	struct keys k = { HP_BUF_INIT, NULL, 0, 0 };
	struct hp_toml *dest = NULL, *val = NULL;
	const struct keypart *last;
	char tmp[256];
	int ret = -1;

	if (parse_key(ps, &k))
		goto cleanup;
	if (peek(ps, 0) != '=') {
		fail_unexpected(ps, "'=' after a key");
		goto cleanup;
	}
	ps->pos++;
	skip_ws(ps);
	if (walk_dotted(ps, t, &k, &dest))
		goto cleanup;
	last = &k.parts[k.nr - 1];
	if (hp_toml_find(dest, key_str(&k, k.nr - 1), last->len)) {
		fail(ps, last->pos, "duplicate key '%s'", key_text(&k, k.nr - 1, tmp, sizeof(tmp)));
		goto cleanup;
	}
	if (parse_value(ps, dest->depth + 1, &val))
		goto cleanup;
	table_add(dest, key_str(&k, k.nr - 1), last->len, last->line, last->col, val);
	ret = 0;
cleanup:
	keys_release(&k);
	return ret;
}

/* [a.b] or [[a.b]]; *cur becomes the table that following keys go to. */
static int parse_header(struct parser *ps, struct hp_toml *root, struct hp_toml **cur)
{
	struct keys k = { HP_BUF_INIT, NULL, 0, 0 };
	size_t start = ps->pos;
	unsigned line = ps->line, col = col_of(ps, ps->pos);
	int aot = peek(ps, 1) == '[';
	struct hp_toml *t = root, *n;
	const struct hp_toml_entry *e;
	const struct keypart *last;
	char tmp[256];
	int ret = -1;

	ps->pos += aot ? 2 : 1;
	skip_ws(ps);
	if (parse_key(ps, &k))
		goto cleanup;
	if (peek(ps, 0) != ']' || (aot && peek(ps, 1) != ']')) {
		fail_unexpected(ps, aot ? "']]' to end the header" : "']' to end the header");
		goto cleanup;
	}
	ps->pos += aot ? 2 : 1;

	for (size_t i = 0; i + 1 < k.nr; i++) {
		const struct keypart *kp = &k.parts[i];

		e = hp_toml_find(t, key_str(&k, i), kp->len);
		if (!e) {
			if (t->depth + 1 > HP_TOML_MAX_DEPTH) {
				depth_error(ps, kp->pos);
				goto cleanup;
			}
			n = node_new(HP_TOML_TABLE, kp->line, kp->col, t->depth + 1);
			n->flags = HP_TOML_F_IMPLICIT;
			table_add(t, key_str(&k, i), kp->len, kp->line, kp->col, n);
			t = n;
			continue;
		}
		n = e->val;
		if (n->type == HP_TOML_ARRAY && n->u.arr.is_aot) {
			t = n->u.arr.items[n->u.arr.nr - 1];
			continue;
		}
		if (n->type != HP_TOML_TABLE) {
			fail(ps, kp->pos, "key '%s' is already defined as a%s %s, not a table",
			     key_text(&k, i, tmp, sizeof(tmp)),
			     n->type == HP_TOML_ARRAY || n->type == HP_TOML_INTEGER ? "n" : "",
			     hp_toml_type_name(n->type));
			goto cleanup;
		}
		if (n->flags & HP_TOML_F_INLINE) {
			fail(ps, kp->pos, "cannot add to the inline table '%s'",
			     key_text(&k, i, tmp, sizeof(tmp)));
			goto cleanup;
		}
		t = n;
	}

	last = &k.parts[k.nr - 1];
	e = hp_toml_find(t, key_str(&k, k.nr - 1), last->len);
	if (t->depth + 2 > HP_TOML_MAX_DEPTH) {
		depth_error(ps, last->pos);
		goto cleanup;
	}
	if (aot) {
		struct hp_toml *arr;

		if (!e) {
			arr = node_new(HP_TOML_ARRAY, line, col, t->depth + 1);
			arr->u.arr.is_aot = true;
			table_add(t, key_str(&k, k.nr - 1), last->len, last->line, last->col, arr);
		} else if (e->val->type == HP_TOML_ARRAY && e->val->u.arr.is_aot) {
			arr = e->val;
		} else {
			fail(ps, last->pos, "cannot define '%s' as an array of tables: it is already %s",
			     key_text(&k, k.nr - 1, tmp, sizeof(tmp)),
			     e->val->type == HP_TOML_ARRAY ? "a static array" : e->val->type == HP_TOML_TABLE ? "a table" : "a value");
			goto cleanup;
		}
		n = node_new(HP_TOML_TABLE, line, col, arr->depth + 1);
		n->flags = HP_TOML_F_HEADER;
		array_add(arr, n);
		*cur = n;
	} else {
		if (!e) {
			n = node_new(HP_TOML_TABLE, line, col, t->depth + 1);
			n->flags = HP_TOML_F_HEADER;
			table_add(t, key_str(&k, k.nr - 1), last->len, last->line, last->col, n);
		} else {
			n = e->val;
			if (n->type != HP_TOML_TABLE) {
				fail(ps, start, "cannot define table '%s': it is already %s",
				     key_text(&k, k.nr - 1, tmp, sizeof(tmp)),
				     n->type == HP_TOML_ARRAY && n->u.arr.is_aot ? "an array of tables" : "a value");
				goto cleanup;
			}
			if (n->flags & (HP_TOML_F_HEADER | HP_TOML_F_DOTTED | HP_TOML_F_INLINE)) {
				fail(ps, start, "table '%s' is defined twice",
				     key_text(&k, k.nr - 1, tmp, sizeof(tmp)));
				goto cleanup;
			}
			n->flags = HP_TOML_F_HEADER;
			n->line = line;
			n->col = col;
		}
		*cur = n;
	}
	ret = 0;
cleanup:
	keys_release(&k);
	return ret;
}

/* ---- numbers and dates -------------------------------------------------- */

static int isdig(int c)
{
	return c >= '0' && c <= '9';
}

/* Digits with single underscores between them, starting at s[*i]; the
 * digits (without underscores) are appended to b.  base 10/16/8/2. */
static int digits(const char *s, size_t n, size_t *i, int base, struct hp_buf *b)
{
	size_t start = *i;

	for (;;) {
		int c = *i < n ? (unsigned char)s[*i] : -1, v = c < 0 ? -1 : hexval(c);

		if (v >= 0 && v < base) {
			hp_buf_addch(b, (char)c);
			(*i)++;
			continue;
		}
		if (c == '_' && *i > start && *i + 1 < n) {
			int d = hexval((unsigned char)s[*i + 1]);

			if (d >= 0 && d < base) {
				(*i)++;
				continue;
			}
		}
		break;
	}
	return *i > start ? 0 : -1;
}

static int parse_number(struct parser *ps, const char *s, size_t n, size_t pos, struct hp_toml *v)
{
	struct hp_buf b = HP_BUF_INIT;
	size_t i = 0;
	int neg = 0, sign = 0, is_float = 0, ret = -1;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		sign = 1;
		i = 1;
	}
	if (n - i == 3 && (!memcmp(s + i, "inf", 3) || !memcmp(s + i, "nan", 3))) {
		v->type = HP_TOML_FLOAT;
		v->u.f = s[i] == 'i' ? HUGE_VAL : NAN;
		if (neg)
			v->u.f = -v->u.f;
		return 0;
	}
	if (n - i >= 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
		int base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
		uint64_t u = 0;

		if (sign) {
			fail(ps, pos, "a sign is not allowed on a %s integer",
			     base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary");
			goto cleanup;
		}
		i += 2;
		if (digits(s, n, &i, base, &b) || i != n) {
			fail(ps, pos, "invalid %s integer '%.*s'",
			     base == 16 ? "hexadecimal" : base == 8 ? "octal" : "binary", (int)n, s);
			goto cleanup;
		}
		for (size_t j = 0; j < b.len; j++) {
			unsigned d = (unsigned)hexval((unsigned char)b.data[j]);

			if (u > ((uint64_t)INT64_MAX - d) / (unsigned)base) {
				fail(ps, pos, "integer '%.*s' does not fit in 64 bits", (int)n, s);
				goto cleanup;
			}
			u = u * (unsigned)base + d;
		}
		v->type = HP_TOML_INTEGER;
		v->u.i = (int64_t)u;
		ret = 0;
		goto cleanup;
	}

	if (neg)
		hp_buf_addch(&b, '-');
	if (i >= n || !isdig((unsigned char)s[i]) || digits(s, n, &i, 10, &b))
		goto invalid;
	if (b.data[neg] == '0' && b.len - (size_t)neg > 1) {
		fail(ps, pos, "leading zeros are not allowed in '%.*s'", (int)n, s);
		goto cleanup;
	}
	if (i < n && s[i] == '.') {
		is_float = 1;
		hp_buf_addch(&b, '.');
		i++;
		if (i >= n || !isdig((unsigned char)s[i]) || digits(s, n, &i, 10, &b))
			goto invalid;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		is_float = 1;
		hp_buf_addch(&b, 'e');
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			hp_buf_addch(&b, s[i++]);
		if (i >= n || !isdig((unsigned char)s[i]) || digits(s, n, &i, 10, &b))
			goto invalid;
	}
	if (i != n)
		goto invalid;
	if (is_float) {
		char *end;

		errno = 0;
		v->u.f = strtod(b.data, &end);
		if (*end) /* cannot happen: b holds a valid C float */
			goto invalid;
		if (errno == ERANGE && isinf(v->u.f)) {
			fail(ps, pos, "float '%.*s' is out of range", (int)n, s);
			goto cleanup;
		}
		v->type = HP_TOML_FLOAT;
	} else {
		uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;

		for (size_t j = (size_t)neg; j < b.len; j++) {
			unsigned d = (unsigned)(b.data[j] - '0');

			if (u > (lim - d) / 10) {
				fail(ps, pos, "integer '%.*s' does not fit in 64 bits", (int)n, s);
				goto cleanup;
			}
			u = u * 10 + d;
		}
		v->type = HP_TOML_INTEGER;
		v->u.i = neg ? (u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u) : (int64_t)u;
	}
	ret = 0;
	goto cleanup;
invalid:
	fail(ps, pos, "invalid number '%.*s'", (int)n, s);
cleanup:
	hp_buf_release(&b);
	return ret;
}

static int num2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdig((unsigned char)s[i]))
			return 0;
	return 1;
}

static int is_date(const char *s, size_t n)
{
	return n >= 10 && all_digits(s, 4) && s[4] == '-' && all_digits(s + 5, 2) && s[7] == '-' &&
	       all_digits(s + 8, 2);
}

/* hh:mm:ss[.frac] at s; returns its length or 0. */
static size_t time_len(const char *s, size_t n)
{
	size_t i = 8;

	if (n < 8 || !all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2) || s[5] != ':' ||
	    !all_digits(s + 6, 2))
		return 0;
	if (num2(s) > 23 || num2(s + 3) > 59 || num2(s + 6) > 60)
		return 0;
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || !isdig((unsigned char)s[i]))
			return 0;
		while (i < n && isdig((unsigned char)s[i]))
			i++;
	}
	return i;
}

static int date_ok(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y = num2(s) * 100 + num2(s + 2), m = num2(s + 5), d = num2(s + 8);

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return 0;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	return 1;
}

static int parse_datetime(struct parser *ps, const char *s, size_t n, size_t pos, struct hp_toml *v)
{
	char *out;
	size_t i, t;

	if (is_date(s, n)) {
		if (!date_ok(s))
			return fail(ps, pos, "invalid date '%.*s'", (int)n, s);
		if (n == 10) {
			v->type = HP_TOML_DATE_LOCAL;
		} else {
			if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
				goto invalid;
			t = time_len(s + 11, n - 11);
			if (!t)
				goto invalid;
			i = 11 + t;
			if (i == n) {
				v->type = HP_TOML_DATETIME_LOCAL;
			} else if (i + 1 == n && (s[i] == 'Z' || s[i] == 'z')) {
				v->type = HP_TOML_DATETIME;
			} else if (i + 6 == n && (s[i] == '+' || s[i] == '-') && all_digits(s + i + 1, 2) &&
				   s[i + 3] == ':' && all_digits(s + i + 4, 2) && num2(s + i + 1) <= 23 &&
				   num2(s + i + 4) <= 59) {
				v->type = HP_TOML_DATETIME;
			} else {
				goto invalid;
			}
		}
	} else {
		if (time_len(s, n) != n)
			goto invalid;
		v->type = HP_TOML_TIME_LOCAL;
	}
	out = hp_xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	if (n > 10 && v->type != HP_TOML_TIME_LOCAL)
		out[10] = 'T';
	if (out[n - 1] == 'z')
		out[n - 1] = 'Z';
	v->u.str.s = out;
	v->u.str.len = n;
	return 0;
invalid:
	return fail(ps, pos, "invalid date or time '%.*s'", (int)n, s);
}

static int is_token_char(int c)
{
	return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* A number, boolean-free bare value: integer, float or date/time. */
static int parse_scalar_token(struct parser *ps, struct hp_toml *v)
{
	size_t start = ps->pos, n;
	const char *s = (const char *)ps->p + start;

	while (is_token_char(peek(ps, 0)))
		ps->pos++;
	n = ps->pos - start;
	/* "1979-05-27 07:32:00": a space may separate date and time */
	if (n == 10 && is_date(s, n) && peek(ps, 0) == ' ' && isdig(peek(ps, 1)) &&
	    isdig(peek(ps, 2)) && peek(ps, 3) == ':') {
		ps->pos++;
		while (is_token_char(peek(ps, 0)))
			ps->pos++;
		n = ps->pos - start;
	}
	if (!n)
		return fail_unexpected(ps, "a value");
	if (is_date(s, n) || (n >= 3 && isdig((unsigned char)s[0]) && isdig((unsigned char)s[1]) && s[2] == ':'))
		return parse_datetime(ps, s, n, start, v);
	return parse_number(ps, s, n, start, v);
}

/* ---- arrays, inline tables, values -------------------------------------- */

static int parse_array(struct parser *ps, unsigned depth, struct hp_toml *a)
{
	size_t start = ps->pos++;

	for (;;) {
		struct hp_toml *item;

		if (skip_ws_comment_newline(ps))
			return -1;
		if (peek(ps, 0) == ']')
			break;
		if (ps->pos >= ps->len)
			return fail(ps, start, "unterminated array");
		if (parse_value(ps, depth + 1, &item))
			return -1;
		array_add(a, item);
		if (skip_ws_comment_newline(ps))
			return -1;
		if (peek(ps, 0) == ',') {
			ps->pos++;
			continue;
		}
		if (peek(ps, 0) == ']')
			break;
		if (ps->pos >= ps->len)
			return fail(ps, start, "unterminated array");
		return fail_unexpected(ps, "',' or ']' in an array");
	}
	ps->pos++;
	return 0;
}

static int parse_inline_table(struct parser *ps, struct hp_toml *t)
{
	ps->pos++;
	skip_ws(ps);
	if (peek(ps, 0) == '}') {
		ps->pos++;
		return 0;
	}
	for (;;) {
		if (ps->pos >= ps->len || newline_len(ps))
			return fail_unexpected(ps, "a key (an inline table must be on one line)");
		if (parse_keyval(ps, t))
			return -1;
		skip_ws(ps);
		if (peek(ps, 0) == ',') {
			ps->pos++;
			skip_ws(ps);
			if (peek(ps, 0) == '}')
				return fail(ps, ps->pos, "trailing comma in an inline table");
			continue;
		}
		if (peek(ps, 0) == '}') {
			ps->pos++;
			freeze(t);
			return 0;
		}
		return fail_unexpected(ps, "',' or '}' in an inline table");
	}
}

static int parse_value(struct parser *ps, unsigned depth, struct hp_toml **out)
{
	unsigned line = ps->line, col = col_of(ps, ps->pos);
	struct hp_toml *v = NULL;
	struct hp_buf b = HP_BUF_INIT;
	int c = peek(ps, 0), ret = -1;

	if (depth > HP_TOML_MAX_DEPTH)
		return depth_error(ps, ps->pos);
	v = node_new(HP_TOML_BOOL, line, col, depth);
	if (c == '"' || c == '\'') {
		int r;

		if (peek(ps, 1) == c && peek(ps, 2) == c)
			r = parse_multiline(ps, &b, c);
		else
			r = c == '"' ? parse_basic(ps, &b) : parse_literal(ps, &b);
		if (r)
			goto cleanup;
		v->type = HP_TOML_STRING;
		v->u.str.s = hp_buf_detach(&b, &v->u.str.len);
	} else if (c == 't' && ps->pos + 4 <= ps->len && !memcmp(ps->p + ps->pos, "true", 4)) {
		v->u.b = true;
		ps->pos += 4;
	} else if (c == 'f' && ps->pos + 5 <= ps->len && !memcmp(ps->p + ps->pos, "false", 5)) {
		v->u.b = false;
		ps->pos += 5;
	} else if (c == '[') {
		v->type = HP_TOML_ARRAY;
		if (parse_array(ps, depth, v))
			goto cleanup;
	} else if (c == '{') {
		v->type = HP_TOML_TABLE;
		v->flags = HP_TOML_F_DOTTED;
		if (parse_inline_table(ps, v))
			goto cleanup;
		v->flags |= HP_TOML_F_INLINE;
	} else if (isdig(c) || c == '+' || c == '-' || c == 'i' || c == 'n') {
		v->type = HP_TOML_INTEGER;
		if (parse_scalar_token(ps, v))
			goto cleanup;
	} else {
		fail_unexpected(ps, "a value");
		goto cleanup;
	}
	*out = v;
	v = NULL;
	ret = 0;
cleanup:
	hp_toml_free(v);
	hp_buf_release(&b);
	return ret;
}

/* ---- documents ---------------------------------------------------------- */

static int check_utf8(struct parser *ps)
{
	for (size_t i = 0; i < ps->len;) {
		size_t n = ps->p[i] < 0x80 ? 1 : hp_utf8_seq_len(ps->p + i, ps->len - i);

		if (!n)
			return fail(ps, i, "invalid UTF-8 (byte 0x%02x at offset %zu)", ps->p[i], i);
		i += n;
	}
	return 0;
}

int hp_toml_parse(const char *name, const char *data, size_t len,
		  struct hp_toml **out, struct hp_err *err)
{
	struct parser ps = { 0 };
	struct hp_toml *root = node_new(HP_TOML_TABLE, 1, 1, 0), *cur = root;
	int ret = -1;

	ps.name = name;
	ps.p = (const unsigned char *)data;
	ps.len = len;
	ps.line = 1;
	ps.col_col = 1;
	ps.err = err;
	root->flags = HP_TOML_F_HEADER;
	if (check_utf8(&ps))
		goto cleanup;
	if (len >= 3 && !memcmp(data, "\xef\xbb\xbf", 3))
		ps.pos = ps.line_start = 3;
	for (;;) {
		size_t n;
		int c;

		skip_ws(&ps);
		c = peek(&ps, 0);
		if (c >= 0 && c != '#' && !newline_len(&ps)) {
			if (c == '[') {
				if (parse_header(&ps, root, &cur))
					goto cleanup;
			} else if (parse_keyval(&ps, cur)) {
				goto cleanup;
			}
			skip_ws(&ps);
		}
		if (peek(&ps, 0) == '#' && skip_comment(&ps))
			goto cleanup;
		if (ps.pos >= ps.len)
			break;
		if (!(n = newline_len(&ps))) {
			fail_unexpected(&ps, "end of line");
			goto cleanup;
		}
		eat_newline(&ps, n);
	}
	*out = root;
	root = NULL;
	ret = 0;
cleanup:
	hp_toml_free(root);
	return ret;
}

int hp_toml_parse_file(const char *path, struct hp_toml **out, struct hp_err *err)
{
	char *data = NULL;
	size_t len;
	int ret = -1;

	if (hp_read_file(path, 16u << 20, &data, &len, err))
		goto cleanup;
	ret = hp_toml_parse(path, data, len, out, err);
cleanup:
	free(data);
	return ret;
}

/* ---- lookups ------------------------------------------------------------ */

const struct hp_toml *hp_toml_get(const struct hp_toml *t, const char *path)
{
	for (;;) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);
		const struct hp_toml_entry *e = hp_toml_find(t, path, n);

		if (!e)
			return NULL;
		if (!dot)
			return e->val;
		t = e->val;
		path = dot + 1;
	}
}

const char *hp_toml_type_name(enum hp_toml_type type)
{
	switch (type) {
	case HP_TOML_STRING: return "string";
	case HP_TOML_INTEGER: return "integer";
	case HP_TOML_FLOAT: return "float";
	case HP_TOML_BOOL: return "bool";
	case HP_TOML_DATETIME: return "datetime";
	case HP_TOML_DATETIME_LOCAL: return "datetime-local";
	case HP_TOML_DATE_LOCAL: return "date-local";
	case HP_TOML_TIME_LOCAL: return "time-local";
	case HP_TOML_ARRAY: return "array";
	case HP_TOML_TABLE: return "table";
	}
	return "?";
}

static int get_typed(const struct hp_toml *t, const char *path, enum hp_toml_type type,
		     const struct hp_toml **v, struct hp_err *err)
{
	*v = hp_toml_get(t, path);
	if (!*v)
		return 1;
	if ((*v)->type != type && !(type == HP_TOML_FLOAT && (*v)->type == HP_TOML_INTEGER))
		return hp_err_set(err, "'%s' must be a%s %s, not a%s %s", path,
				  type == HP_TOML_INTEGER ? "n" : "", hp_toml_type_name(type),
				  (*v)->type == HP_TOML_INTEGER || (*v)->type == HP_TOML_ARRAY ? "n" : "",
				  hp_toml_type_name((*v)->type));
	return 0;
}

int hp_toml_get_string(const struct hp_toml *t, const char *path, const char **out, struct hp_err *err)
{
	const struct hp_toml *v;
	int r = get_typed(t, path, HP_TOML_STRING, &v, err);

	if (!r)
		*out = v->u.str.s;
	return r;
}

int hp_toml_get_int(const struct hp_toml *t, const char *path, int64_t *out, struct hp_err *err)
{
	const struct hp_toml *v;
	int r = get_typed(t, path, HP_TOML_INTEGER, &v, err);

	if (!r)
		*out = v->u.i;
	return r;
}

int hp_toml_get_double(const struct hp_toml *t, const char *path, double *out, struct hp_err *err)
{
	const struct hp_toml *v;
	int r = get_typed(t, path, HP_TOML_FLOAT, &v, err);

	if (!r)
		*out = v->type == HP_TOML_INTEGER ? (double)v->u.i : v->u.f;
	return r;
}

int hp_toml_get_bool(const struct hp_toml *t, const char *path, bool *out, struct hp_err *err)
{
	const struct hp_toml *v;
	int r = get_typed(t, path, HP_TOML_BOOL, &v, err);

	if (!r)
		*out = v->u.b;
	return r;
}

/* ---- JSON dump ---------------------------------------------------------- */

static void dump_string(struct hp_buf *out, const char *s, size_t n)
{
	hp_buf_addch(out, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		switch (c) {
		case '"': hp_buf_adds(out, "\\\""); break;
		case '\\': hp_buf_adds(out, "\\\\"); break;
		case '\b': hp_buf_adds(out, "\\b"); break;
		case '\f': hp_buf_adds(out, "\\f"); break;
		case '\n': hp_buf_adds(out, "\\n"); break;
		case '\r': hp_buf_adds(out, "\\r"); break;
		case '\t': hp_buf_adds(out, "\\t"); break;
		default:
			if (c < 0x20)
				hp_buf_addf(out, "\\u%04x", c);
			else
				hp_buf_addch(out, (char)c);
		}
	}
	hp_buf_addch(out, '"');
}

void hp_toml_dump_json(const struct hp_toml *t, struct hp_buf *out)
{
	switch (t->type) {
	case HP_TOML_TABLE:
		hp_buf_addch(out, '{');
		for (size_t i = 0; i < t->u.tab.nr; i++) {
			if (i)
				hp_buf_addch(out, ',');
			dump_string(out, t->u.tab.items[i].key, t->u.tab.items[i].key_len);
			hp_buf_addch(out, ':');
			hp_toml_dump_json(t->u.tab.items[i].val, out);
		}
		hp_buf_addch(out, '}');
		return;
	case HP_TOML_ARRAY:
		hp_buf_addch(out, '[');
		for (size_t i = 0; i < t->u.arr.nr; i++) {
			if (i)
				hp_buf_addch(out, ',');
			hp_toml_dump_json(t->u.arr.items[i], out);
		}
		hp_buf_addch(out, ']');
		return;
	default:
		break;
	}
	hp_buf_addf(out, "{\"type\":\"%s\",\"value\":", hp_toml_type_name(t->type));
	switch (t->type) {
	case HP_TOML_INTEGER:
		hp_buf_addf(out, "\"%lld\"", (long long)t->u.i);
		break;
	case HP_TOML_FLOAT:
		if (isnan(t->u.f))
			hp_buf_adds(out, "\"nan\"");
		else if (isinf(t->u.f))
			hp_buf_adds(out, t->u.f < 0 ? "\"-inf\"" : "\"inf\"");
		else
			hp_buf_addf(out, "\"%.17g\"", t->u.f);
		break;
	case HP_TOML_BOOL:
		hp_buf_adds(out, t->u.b ? "\"true\"" : "\"false\"");
		break;
	default:
		dump_string(out, t->u.str.s, t->u.str.len);
		break;
	}
	hp_buf_addch(out, '}');
}
