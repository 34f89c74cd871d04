#include "core/buf.h"

#include <stdint.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char hp_buf_empty[1];

void hp_buf_init(struct hp_buf *b)
{
	b->data = hp_buf_empty;
	b->len = 0;
	b->alloc = 0;
}

void hp_buf_release(struct hp_buf *b)
{
	if (b->alloc)
		free(b->data);
	hp_buf_init(b);
}

char *hp_buf_detach(struct hp_buf *b, size_t *len)
{
	char *res;

	hp_buf_grow(b, 0);
	res = b->data;
	if (len)
		*len = b->len;
	hp_buf_init(b);
	return res;
}

void hp_buf_grow(struct hp_buf *b, size_t extra)
{
	size_t need;

	if (extra > SIZE_MAX - b->len - 1)
		hp_oom(SIZE_MAX);
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return;
	if (!b->alloc)
		b->data = NULL;
	if (need < 64)
		need = 64;
	if (need < b->alloc + b->alloc / 2)
		need = b->alloc + b->alloc / 2;
	b->data = hp_xrealloc(b->data, need);
	b->alloc = need;
	b->data[b->len] = '\0';
}

void hp_buf_reset(struct hp_buf *b)
{
	hp_buf_truncate(b, 0);
}

void hp_buf_truncate(struct hp_buf *b, size_t len)
{
	if (len > b->len)
		len = b->len;
	b->len = len;
	if (b->alloc)
		b->data[len] = '\0';
}

void hp_buf_add(struct hp_buf *b, const void *data, size_t len)
{
	if (!len)
		return;
	hp_buf_grow(b, len);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void hp_buf_adds(struct hp_buf *b, const char *s)
{
	hp_buf_add(b, s, strlen(s));
}

void hp_buf_addch(struct hp_buf *b, char c)
{
	hp_buf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void hp_buf_vaddf(struct hp_buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	hp_buf_grow(b, 64);
	va_copy(cp, ap);
	n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->alloc - b->len) {
		hp_buf_grow(b, (size_t)n);
		n = vsnprintf(b->data + b->len, b->alloc - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void hp_buf_addf(struct hp_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	hp_buf_vaddf(b, fmt, ap);
	va_end(ap);
}

void hp_buf_add_double(struct hp_buf *b, double v)
{
	char tmp[40];
	/* (subnormals carry fewer digits: searched from one) */
	int prec = v != 0 && fabs(v) < DBL_MIN ? 1 : 15;

	/* The shortest form that reads back as v.  A decimal of at most 15
	 * significant digits converts to a double and back to itself, so when
	 * a shorter one reads back as v, %.15g rounds v to that same decimal
	 * (and %g drops the trailing zeros): only when %.15g does not read
	 * back are 16 or 17 digits needed.  %g also keeps 70 as "70", where a
	 * search upwards from one digit would stop at "7e+01". */
	for (;; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (prec >= 17 || !isfinite(v) || strtod(tmp, NULL) == v)
			break;
	}
	hp_buf_adds(b, tmp);
}

size_t hp_utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];
	size_t n, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void hp_buf_add_utf8_clean(struct hp_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = hp_utf8_seq_len(p + i, len - i);
		if (n) {
			i += n;
			continue;
		}
		hp_buf_add(b, s + start, i - start);
		hp_buf_add(b, "\xef\xbf\xbd", 3);
		i++;
		start = i;
	}
	hp_buf_add(b, s + start, i - start);
}

void hp_buf_add_xml(struct hp_buf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, start = 0, n;
	const char *rep;

	hp_buf_grow(b, len);
	while (i < len) {
		unsigned c = p[i];

		rep = NULL;
		n = 1;
		if (c < 0x80) {
			switch (c) {
			case '&': rep = "&amp;"; break;
			case '<': rep = "&lt;"; break;
			case '>': rep = "&gt;"; break;
			case '"': rep = "&quot;"; break;
			case '\'': rep = "&#39;"; break;
			case '\t': case '\n': break;
			default:
				if (c < 0x20 || c == 0x7f)
					rep = "";
			}
		} else {
			n = hp_utf8_seq_len(p + i, len - i);
			if (!n) {
				rep = "\xef\xbf\xbd";
				n = 1;
			} else if (n == 2 && c == 0xc2 && p[i + 1] < 0xa0) {
				rep = ""; /* C1 controls are not allowed in XML 1.0 text */
			} else if (n == 3 && c == 0xef && p[i + 1] == 0xbf &&
				   (p[i + 2] == 0xbe || p[i + 2] == 0xbf)) {
				rep = "\xef\xbf\xbd"; /* U+FFFE/U+FFFF are not XML chars */
			}
		}
		if (rep) {
			hp_buf_add(b, s + start, i - start);
			hp_buf_adds(b, rep);
			start = i + n;
		}
		i += n;
	}
	hp_buf_add(b, s + start, i - start);
}

void hp_buf_add_csv(struct hp_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		hp_buf_adds(b, s);
		return;
	}
	hp_buf_addch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			hp_buf_addch(b, '"');
		hp_buf_addch(b, *s);
	}
	hp_buf_addch(b, '"');
}
