/*
 * layout_312.c - CPython 3.12 (LP64 release builds).
 *
 * From the CPython 3.12 sources (Include/cpython/pystate.h,
 * Include/internal/pycore_frame.h, Include/cpython/code.h).  3.12 is not
 * installed on this machine, so unlike 3.11 this table is NOT verified by
 * offsetof; the data-stack shortcut is left off (0) so only the fields the
 * walker must have are trusted.
 */
#include "sampler/layout_tables.h"

const struct hp_pylayout hp_pylayout_312 = {
	.major = 3, .minor = 12,
	.runtime_interpreters_head = 40,
	.interp_next = 0, .interp_threads_head = 72,
	.tstate_size = 160,
	.tstate_next = 8, .tstate_interp = 16,
	.tstate_cframe = 56, .cframe_current_frame = 0, .tstate_current_frame = 0,
	.tstate_thread_id = 136, .tstate_native_thread_id = 144,
	.tstate_datastack_chunk = 0, .tstate_datastack_top = 0,
	.frame_size = 72,
	.frame_code = 0, .frame_previous = 8, .frame_instr = 56, .frame_owner = 70,
	.instr_is_current = false, .owner_cstack = 3, .code_tag_mask = 0,
	.code_size = 200,
	.co_firstlineno = 68, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_code_adaptive = 192,
	.ob_type = 8,
	.bytes_size = 16, .bytes_sval = 32,
	.unicode_length = 16, .unicode_state = 32,
	.unicode_ascii_size = 40, .unicode_compact_size = 56,
};
