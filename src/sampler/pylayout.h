/*
 * pylayout.h - where CPython keeps what the sampler reads, per version.
 *
 * A layout is data: byte offsets of the fields the frame walker follows,
 * plus a few flags for the shapes that changed between versions.  Each
 * version family has its own .c file holding only tables (layout_311.c,
 * layout_312.c); 3.13+ builds its layout from the _Py_DebugOffsets table
 * the interpreter itself places at the start of _PyRuntime
 * (layout_debug.c).
 *
 * 3.8, 3.9 and 3.10 (layout_38.c, layout_39.c, layout_310.c) keep their
 * frames in heap PyFrameObjects chained by f_back from tstate->frame; their
 * layouts set frame_objects and use the frame_* fields for PyFrameObject
 * (frame_code = f_code, frame_previous = f_back, frame_lasti = f_lasti).
 * They have no co_qualname: co_qualname holds co_name's offset, so a method
 * is reported as "step", not "Engine.step" (qualified names need 3.11+).
 *
 * Only the 3.11 table can be checked against offsetof() on this machine
 * (tests/unit/test_sampler_layout.c compiles a probe against the installed
 * interpreters' internal headers); the 3.8, 3.9, 3.10 and 3.12 tables come
 * from the CPython sources of those branches and are unverified here.  An offset of 0 in an optional field
 * (datastack_*) means "unknown: do not use that shortcut".
 *
 * Ownership: tables are static; hp_pylayout_from_debug fills a
 * caller-owned struct.
 */
#ifndef HP_SAMPLER_PYLAYOUT_H
#define HP_SAMPLER_PYLAYOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct hp_pylayout {
	int major, minor;

	/* _PyRuntimeState */
	uint32_t runtime_interpreters_head;
	/* PyInterpreterState */
	uint32_t interp_next, interp_threads_head;
	/* PyThreadState */
	uint32_t tstate_size;            /* bytes to read for one thread state */
	uint32_t tstate_next, tstate_interp;
	uint32_t tstate_cframe;          /* 3.11/3.12: tstate->cframe; 0 = none */
	uint32_t cframe_current_frame;   /* offset in _PyCFrame */
	uint32_t tstate_current_frame;   /* 3.13+: tstate->current_frame;
					    <= 3.10: tstate->frame */
	uint32_t tstate_thread_id, tstate_native_thread_id; /* native: 0 = none
					    (<= 3.10): thread_id is reported */
	uint32_t tstate_datastack_chunk; /* 0 = unknown */
	uint32_t tstate_datastack_top;   /* 0 = unknown */
	/* _PyInterpreterFrame */
	uint32_t frame_size;             /* bytes to read for one frame header */
	uint32_t frame_code;             /* f_code / f_executable */
	uint32_t frame_previous;
	uint32_t frame_instr;            /* prev_instr / instr_ptr */
	uint32_t frame_owner;
	uint32_t frame_stacktop;         /* 3.11: int stacktop, -1 while the
					    frame executes; 0 = unknown */
	uint32_t frame_is_entry;         /* 3.11: bool is_entry; 0 = unknown */
	bool frame_objects;              /* <= 3.10: PyFrameObject chain */
	uint32_t frame_lasti;            /* <= 3.10: int f_lasti, -1 = not started */
	uint32_t lasti_unit;             /* <= 3.10: bytes per f_lasti step (3.8/3.9
					    count bytes: 1, 3.10 code units: 2) */
	bool instr_is_current;           /* 3.13+: instr_ptr is the current
					    instruction; before, prev_instr is
					    the last one started (same index) */
	int owner_cstack;                /* owner value of C-stack shim frames
					    to skip, -1 = none */
	uint64_t code_tag_mask;          /* low bits to clear in f_executable */
	uint64_t resume_ops[4];          /* 256-bit set: opcodes (specialised
					    forms included) a frame can stand on
					    while a generator it resumed runs;
					    all 0 = do not check */
	uint64_t inline_call_ops[4];     /* 3.11: 256-bit set: instructions that
					    push a Python frame inline (CALL,
					    BINARY_SUBSCR, specialised forms);
					    all 0 = do not check */
	uint32_t inline_call_caches;     /* 3.11: their inline cache entries: a
					    caller waits on the last one */
	uint8_t op_caches[256];          /* 3.11: inline cache entries after each
					    opcode (specialised forms included):
					    the units that are data, not
					    instructions; all 0 = unknown */
	/* PyCodeObject */
	uint32_t code_size;              /* bytes to read for one code header */
	uint32_t co_firstlineno, co_filename, co_name, co_qualname, co_linetable;
	uint32_t co_code_adaptive;
	uint32_t co_flags;               /* 3.11: int co_flags; 0 = unknown */
	uint32_t co_stacksize, co_nlocalsplus; /* 3.11: a frame's size on the data
					    stack is frame_size + 8 * (their sum);
					    0 = unknown */
	int linetable_format;            /* enum hp_linetable_format (linetable.h):
					    what co_linetable holds (co_lnotab
					    for 3.8/3.9) */
	/* PyObject, PyBytesObject, PyUnicodeObject */
	uint32_t ob_type;
	uint32_t bytes_size, bytes_sval;
	uint32_t unicode_length, unicode_state;
	uint32_t unicode_ascii_size;     /* sizeof(PyASCIIObject) */
	uint32_t unicode_compact_size;   /* sizeof(PyCompactUnicodeObject) */
};

/* The built-in table for major.minor, or NULL (3.13+ has none: use
 * hp_pylayout_from_debug). */
const struct hp_pylayout *hp_pylayout_find(int major, int minor);

/* Human-readable list of supported versions, e.g. "3.11, 3.12, 3.13". */
const char *hp_pylayout_supported(void);

/* Size of the _Py_DebugOffsets prefix hotpath reads from _PyRuntime. */
#define HP_PYDEBUG_READ_SIZE 1024

/* Build a layout from the bytes at the start of a 3.13+ _PyRuntime: checks
 * the "xdebugpy" cookie, the version and every offset's plausibility
 * (each field must lie inside its struct's declared size).  *version gets
 * PY_VERSION_HEX from the table even when the layout is refused. */
int hp_pylayout_from_debug(const void *data, size_t len, struct hp_pylayout *l,
			   uint64_t *version, struct hp_err *err);

#endif
