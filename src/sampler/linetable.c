#include "sampler/linetable.h"

void hp_linetable_iter_init(struct hp_linetable_iter *it, const uint8_t *tab, size_t len,
			    int firstlineno)
{
	it->p = tab;
	it->end = tab ? tab + len : tab; /* NULL + 0 is undefined in C */
	it->line = firstlineno;
	it->addr = 0;
}

/* Read an unsigned varint from [*p, end); fails at end or after 5 chunks
 * (more than 30 bits cannot be a line delta). */
static int read_varint(const uint8_t **p, const uint8_t *end, unsigned *out)
{
	unsigned v = 0, shift = 0;

	for (;;) {
		uint8_t b;

		if (*p >= end || shift > 24)
			return -1;
		b = *(*p)++;
		if (b & 0x80)   /* ran into the next entry */
			return -1;
		v |= (unsigned)(b & 0x3f) << shift;
		shift += 6;
		if (!(b & 0x40))
			break;
	}
	*out = v;
	return 0;
}

static int read_svarint(const uint8_t **p, const uint8_t *end, int *out)
{
	unsigned v;

	if (read_varint(p, end, &v))
		return -1;
	*out = (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
	return 0;
}

int hp_linetable_next(struct hp_linetable_iter *it, int *start, int *end, int *line)
{
	const uint8_t *q;
	uint8_t first;
	int code, delta = 0;
	long next_line;

	if (it->p >= it->end)
		return 0;
	first = *it->p;
	if (!(first & 0x80))
		return -1;
	code = (first >> 3) & 15;
	q = it->p + 1;
	if (code == 14 || code == 13) {
		if (read_svarint(&q, it->end, &delta))
			return -1;
	} else if (code >= 10 && code <= 12) {
		delta = code - 10;
	}
	next_line = (long)it->line + delta;
	if (next_line < -(1L << 30) || next_line > (1L << 30))
		return -1;
	it->line = (int)next_line;
	*line = code == 15 ? -1 : it->line;
	*start = it->addr;
	it->addr += (first & 7) + 1;
	*end = it->addr;
	/* the next entry starts at the next byte with the high bit set */
	q = it->p + 1;
	while (q < it->end && !(*q & 0x80))
		q++;
	it->p = q;
	return 1;
}

int hp_linetable_line(const uint8_t *tab, size_t len, int firstlineno, int idx, int *line)
{
	struct hp_linetable_iter it;
	int s, e, l, r;

	if (idx < 0) {
		*line = firstlineno;
		return 0;
	}
	hp_linetable_iter_init(&it, tab, len, firstlineno);
	while ((r = hp_linetable_next(&it, &s, &e, &l)) == 1) {
		if (idx < e) {
			*line = l;
			return 0;
		}
	}
	return -1;
}

/* Lines stay far inside int: a table that walks out of +-2^30 is corrupt. */
#define LINE_LIMIT (1L << 30)

int hp_lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int addr, int *line)
{
	long cur = firstlineno, at = 0;

	if (addr < 0 || !tab) {
		*line = firstlineno;
		return 0;
	}
	for (size_t i = 0; i + 1 < len; i += 2) {
		at += tab[i];
		if (at > addr)
			break;
		cur += (int8_t)tab[i + 1];
		if (cur < -LINE_LIMIT || cur > LINE_LIMIT)
			return -1;
	}
	*line = (int)cur;
	return 0;
}

int hp_linetable310_line(const uint8_t *tab, size_t len, int firstlineno, int addr, int *line)
{
	long cur = firstlineno, end = 0;

	if (addr < 0) {
		*line = firstlineno;
		return 0;
	}
	for (size_t i = 0; tab && i + 1 < len; i += 2) {
		long start = end;
		int ldelta = (int8_t)tab[i + 1];

		end += tab[i];
		if (ldelta != -128) {
			cur += ldelta;
			if (cur < -LINE_LIMIT || cur > LINE_LIMIT)
				return -1;
		}
		if (addr >= start && addr < end) {
			*line = ldelta == -128 ? -1 : (int)cur;
			return 0;
		}
	}
	return -1;
}

int hp_linetable_line_fmt(int format, const uint8_t *tab, size_t len, int firstlineno,
			  int idx, int *line)
{
	int addr = idx < 0 ? -1 : idx;

	if (idx > (1 << 28))
		return -1;
	if (idx >= 0)
		addr = idx * 2;
	switch (format) {
	case HP_LINETABLE_LNOTAB:
		return hp_lnotab_line(tab, len, firstlineno, addr, line);
	case HP_LINETABLE_310:
		return hp_linetable310_line(tab, len, firstlineno, addr, line);
	default:
		return hp_linetable_line(tab, len, firstlineno, idx, line);
	}
}
