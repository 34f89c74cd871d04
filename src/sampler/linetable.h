/*
 * linetable.h - decoding CPython line tables: 3.11+ location tables
 * (co_linetable), and the 3.8/3.9 co_lnotab and 3.10 co_linetable below.
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

/*
 * Older formats (Objects/lnotab_notes.txt of each branch).  Both map BYTE
 * offsets of the bytecode to lines, starting from co_firstlineno.
 *
 * 3.8/3.9 co_lnotab: pairs (unsigned byte-offset increment, signed line
 * increment).  An offset step over 255 is split into (255, 0) pairs first,
 * a line step outside [-128, 127] into (offset, +-127) then (0, rest)
 * pairs.  The line of offset A is firstlineno plus every line increment
 * whose pair's cumulative offset is <= A (CPython's PyCode_Addr2Line): it
 * never fails, offsets past the table get the last line.  A trailing odd
 * byte is ignored.
 *
 * 3.10 co_linetable: pairs (unsigned start-offset delta, signed line delta)
 * each describing the range [end, end + delta) with the running line, or no
 * line when the line delta is -128 (the running line is then unchanged).
 * Zero-length entries only carry line deltas beyond +-127; ranges over 254
 * bytes are split into (254, delta), (rest, 0).  An offset past the last
 * range is an error (-1), as for 3.11+.
 */
enum hp_linetable_format {
	HP_LINETABLE_311 = 0,   /* 3.11+ location table (default) */
	HP_LINETABLE_LNOTAB,    /* 3.8, 3.9 co_lnotab */
	HP_LINETABLE_310,       /* 3.10 co_linetable */
};

/* Line of byte offset addr (addr < 0: firstlineno).  Returns 0 with *line
 * or -1 when the line would leave the int range. */
int hp_lnotab_line(const uint8_t *tab, size_t len, int firstlineno, int addr, int *line);

/* Line of byte offset addr (addr < 0: firstlineno).  Returns 0 with *line
 * (-1 = no line) or -1 when addr is past the table or the line would leave
 * the int range. */
int hp_linetable310_line(const uint8_t *tab, size_t len, int firstlineno, int addr, int *line);

/* Dispatch on format: idx is the code-unit index (2 bytes per unit) of the
 * instruction, as hp_linetable_line takes it. */
int hp_linetable_line_fmt(int format, const uint8_t *tab, size_t len, int firstlineno,
			  int idx, int *line);

#endif
