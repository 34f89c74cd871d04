/*
 * buf.h - growable byte buffer (after git's strbuf).
 *
 * Invariants: after hp_buf_init, b->data is never NULL and b->data[b->len]
 * is always '\0', so the contents can be used as a C string.  The buffer owns
 * data; hp_buf_release frees it and leaves the buffer empty and reusable;
 * hp_buf_detach hands data to the caller (who frees it) and re-initialises.
 */
#ifndef HP_CORE_BUF_H
#define HP_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/alloc.h"

struct hp_buf {
	char *data;
	size_t len;
	size_t alloc;
};

#define HP_BUF_INIT { hp_buf_empty, 0, 0 }
extern char hp_buf_empty[];

void hp_buf_init(struct hp_buf *b);
void hp_buf_release(struct hp_buf *b);
char *hp_buf_detach(struct hp_buf *b, size_t *len);
void hp_buf_grow(struct hp_buf *b, size_t extra);
void hp_buf_reset(struct hp_buf *b);
void hp_buf_truncate(struct hp_buf *b, size_t len);

void hp_buf_add(struct hp_buf *b, const void *data, size_t len);
void hp_buf_adds(struct hp_buf *b, const char *s);
void hp_buf_addch(struct hp_buf *b, char c);
void hp_buf_addf(struct hp_buf *b, const char *fmt, ...) HP_PRINTF(2, 3);
void hp_buf_vaddf(struct hp_buf *b, const char *fmt, va_list ap);
/* Append a double in shortest round-trip-safe form ("%.17g" trimmed). */
void hp_buf_add_double(struct hp_buf *b, double v);

/* Escape for XML/SVG/HTML text and attribute values: & < > " ' are replaced
 * by entities, control characters other than tab/newline are dropped, and
 * invalid UTF-8 sequences become U+FFFD. */
void hp_buf_add_xml(struct hp_buf *b, const char *s, size_t len);

/* Append s as one CSV field (RFC 4180): quoted, with quotes doubled, when
 * it holds a comma, a quote or a line break; as it is otherwise. */
void hp_buf_add_csv(struct hp_buf *b, const char *s);

/* Append s with invalid UTF-8 replaced by U+FFFD. */
void hp_buf_add_utf8_clean(struct hp_buf *b, const char *s, size_t len);

/* Length of the valid UTF-8 sequence starting at s (1-4), or 0 if invalid. */
size_t hp_utf8_seq_len(const unsigned char *s, size_t avail);

#endif
