/*
 * layout_311.c - CPython 3.11 (x86_64 and other LP64 release builds).
 *
 * Verified with offsetof() against both installed 3.11 builds' internal
 * headers by tests/unit/test_sampler_layout.c.
 */
#include "sampler/layout_tables.h"

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
	.instr_is_current = false, .owner_cstack = -1, .code_tag_mask = 0,
	.code_size = 192,
	.co_firstlineno = 72, .co_filename = 112, .co_name = 120, .co_qualname = 128,
	.co_linetable = 136, .co_code_adaptive = 184,
	.ob_type = 8,
	.bytes_size = 16, .bytes_sval = 32,
	.unicode_length = 16, .unicode_state = 32,
	.unicode_ascii_size = 48, .unicode_compact_size = 72,
};
