/*
 * layout_311.c - CPython 3.11 (x86_64 and other LP64 release builds).
 *
 * Verified with offsetof() against both installed 3.11 builds' internal
 * headers by tests/unit/test_sampler_layout.c.
 */
#include "sampler/layout_tables.h"

/* Instructions a frame can stand on while a generator or coroutine it
 * resumed runs (Lib/opcode.py of 3.11, specialised forms included):
 * FOR_ITER 93, SEND 123, GET_ANEXT 51, CALL 171 (+ CALL_ADAPTIVE 22,
 * CALL_PY_EXACT_ARGS 23, CALL_PY_WITH_DEFAULTS 24), PRECALL 166 (+ 64-67,
 * 72-73, 76-81, 113, 121, 127, 141, 143), CALL_FUNCTION_EX 142,
 * UNPACK_SEQUENCE 92 (+ 177-180), LIST_EXTEND 162, SET_UPDATE 163,
 * CONTAINS_OP 118.  Checked against the installed interpreter's dis module
 * by tests/unit/test_sampler_layout.c. */
#define RESUME_OPS_311(X, w) \
	(X(w, 93) | X(w, 123) | X(w, 51) | X(w, 171) | X(w, 22) | X(w, 23) | X(w, 24) | \
	 X(w, 166) | X(w, 64) | X(w, 65) | X(w, 66) | X(w, 67) | X(w, 72) | X(w, 73) | \
	 X(w, 76) | X(w, 77) | X(w, 78) | X(w, 79) | X(w, 80) | X(w, 81) | X(w, 113) | \
	 X(w, 121) | X(w, 127) | X(w, 141) | X(w, 143) | X(w, 142) | X(w, 92) | \
	 X(w, 177) | X(w, 178) | X(w, 179) | X(w, 180) | X(w, 162) | X(w, 163) | X(w, 118))
/* Instructions that push a Python frame inline, leaving their frame
 * waiting (stacktop >= 0) on their last inline cache entry (4 for both in
 * 3.11): CALL 171 (+ CALL_ADAPTIVE 22, CALL_PY_EXACT_ARGS 23,
 * CALL_PY_WITH_DEFAULTS 24) and BINARY_SUBSCR 25 (+ 17-21, of which
 * BINARY_SUBSCR_GETITEM calls __getitem__); whole families, since
 * specialisation rewrites an instruction within its family at any time.
 * Checked against dis and opcode._inline_cache_entries by
 * tests/unit/test_sampler_layout.c. */
#define INLINE_CALL_OPS_311(X, w) \
	(X(w, 171) | X(w, 22) | X(w, 23) | X(w, 24) | X(w, 25) | X(w, 17) | X(w, 18) | \
	 X(w, 19) | X(w, 20) | X(w, 21))
/* Inline cache entries after each instruction (Lib/opcode.py of 3.11,
 * _inline_cache_entries, the same for a family's specialised forms):
 * BINARY_SUBSCR 4, STORE_SUBSCR 1, UNPACK_SEQUENCE 1, STORE_ATTR 4,
 * LOAD_ATTR 4, COMPARE_OP 2, LOAD_GLOBAL 5, BINARY_OP 1, LOAD_METHOD 10,
 * PRECALL 1, CALL 4.  Checked against dis by
 * tests/unit/test_sampler_layout.c. */
#define OP_CACHES_311 \
	[25] = 4, [17] = 4, [18] = 4, [19] = 4, [20] = 4, [21] = 4, \
	[60] = 1, [168] = 1, [169] = 1, [170] = 1, \
	[92] = 1, [177] = 1, [178] = 1, [179] = 1, [180] = 1, \
	[95] = 4, [153] = 4, [154] = 4, [158] = 4, [159] = 4, \
	[106] = 4, [39] = 4, [40] = 4, [41] = 4, [42] = 4, [43] = 4, \
	[107] = 2, [26] = 2, [27] = 2, [28] = 2, [29] = 2, \
	[116] = 5, [47] = 5, [48] = 5, [55] = 5, \
	[122] = 1, [3] = 1, [4] = 1, [5] = 1, [6] = 1, [7] = 1, [8] = 1, [13] = 1, [14] = 1, \
	[16] = 1, \
	[160] = 10, [56] = 10, [57] = 10, [58] = 10, [59] = 10, [62] = 10, [63] = 10, \
	[166] = 1, [64] = 1, [65] = 1, [66] = 1, [67] = 1, [72] = 1, [73] = 1, [76] = 1, \
	[77] = 1, [78] = 1, [79] = 1, [80] = 1, [81] = 1, [113] = 1, [121] = 1, [127] = 1, \
	[141] = 1, [143] = 1, \
	[171] = 4, [22] = 4, [23] = 4, [24] = 4
#define OPBIT(w, op) (((op) >> 6) == (w) ? UINT64_C(1) << ((op) & 63) : UINT64_C(0))

const struct hp_pylayout hp_pylayout_311 = {
	.major = 3, .minor = 11,
	.runtime_interpreters_head = 40,
	.interp_next = 0, .interp_threads_head = 16,
	.tstate_size = 360,
	.tstate_next = 8, .tstate_interp = 16,
	.tstate_cframe = 56, .cframe_current_frame = 8, .tstate_current_frame = 0,
	.tstate_thread_id = 152, .tstate_native_thread_id = 160,
	.tstate_datastack_chunk = 296, .tstate_datastack_top = 304,
	.frame_size = 72,
	.frame_code = 32, .frame_previous = 48, .frame_instr = 56, .frame_owner = 69,
	.frame_stacktop = 64, .frame_is_entry = 68,
	.instr_is_current = false, .owner_cstack = -1, .code_tag_mask = 0,
	.resume_ops = { RESUME_OPS_311(OPBIT, 0), RESUME_OPS_311(OPBIT, 1),
			RESUME_OPS_311(OPBIT, 2), RESUME_OPS_311(OPBIT, 3) },
	.inline_call_ops = { INLINE_CALL_OPS_311(OPBIT, 0), INLINE_CALL_OPS_311(OPBIT, 1),
			     INLINE_CALL_OPS_311(OPBIT, 2), INLINE_CALL_OPS_311(OPBIT, 3) },
	.inline_call_caches = 4,
	.op_caches = { OP_CACHES_311 },
	.code_size = 192,
	.co_firstlineno = 72, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_code_adaptive = 184,
	.co_flags = 48, .co_stacksize = 68, .co_nlocalsplus = 76,
	.ob_type = 8,
	.bytes_size = 16, .bytes_sval = 32,
	.unicode_length = 16, .unicode_state = 32,
	.unicode_ascii_size = 48, .unicode_compact_size = 72,
};
