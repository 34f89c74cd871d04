/*
 * linetable.h - decoding CPython 3.11+ location tables (co_linetable).
 *
 * Each entry starts with a byte whose high bit is set: bits 3..6 are the
 * entry's code, bits 0..2 its length in code units minus one.  Codes: 15 no
 * location; 14 long form (signed varint line delta, then end-line delta,
 * column+1 and end-column+1 varints); 13 line delta only (signed varint);
 * 10-12 one-line form (line delta = code - 10, two column bytes); 0-9 short
 * form (same line, one column byte).  Varints are 6-bit chunks, 0x40 meaning
 * "more"; signed varints keep the sign in bit 0.  Following CPython, the
 * decoder finds the next entry by the next byte with the high bit set, so a
 * malformed entry never desynchronises the walk.
 *
 * The table is untrusted (read from the target): every byte access is
 * bounds-checked.  Nothing here allocates.
 */
#ifndef HP_SAMPLER_LINETABLE_H
#define HP_SAMPLER_LINETABLE_H

#include <stddef.h>
#include <stdint.h>

struct hp_linetable_iter {
	const uint8_t *p, *end;
	int line;     /* running line (starts at co_firstlineno) */
	int addr;     /* code-unit index of the next entry */
};

void hp_linetable_iter_init(struct hp_linetable_iter *it, const uint8_t *tab, size_t len,
			    int firstlineno);
/* Next address range [*start, *end) in code units and its line (-1 = no
 * location).  Returns 1, 0 at the end, -1 on a malformed table. */
int hp_linetable_next(struct hp_linetable_iter *it, int *start, int *end, int *line);

/* Line of the instruction at code-unit index idx (idx < 0: firstlineno, as
 * CPython's PyCode_Addr2Line).  Returns 0 with *line (-1 = no location) or
 * -1 when idx is past the table or the table is malformed. */
int hp_linetable_line(const uint8_t *tab, size_t len, int firstlineno, int idx, int *line);

#endif
