/*
 * layout_310.c - CPython 3.10 (x86_64 and other LP64 release builds).
 *
 * Derived by hand from the 3.10 branch's headers (pointer and Py_ssize_t 8
 * bytes, int 4, each field aligned to its size); NOT verified by offsetof
 * here (3.10 is not installed) - cross-checked against py-spy's generated
 * bindings for 3.10 (v3_10_0.rs: same field order and types).
 *
 * _PyRuntimeState (Include/internal/pycore_runtime.h):
 *   int preinitializing 0, preinitialized 4, core_initialized 8,
 *   initialized 12; _Py_atomic_address _finalizing 16;
 *   struct pyinterpreters { PyThread_type_lock mutex 24; head 32; ... }
 * PyInterpreterState (Include/internal/pycore_interp.h): next 0,
 *   tstate_head 8
 * PyThreadState (Include/cpython/pystate.h): prev 0, next 8, interp 16,
 *   PyFrameObject *frame 24, int recursion_depth 32, recursion_headroom 36,
 *   stackcheck_counter 40, tracing 44, CFrame *cframe 48 (use_tracing moved
 *   there; not a frame pointer), c_profilefunc 56 ... then as 3.8/3.9:
 *   exc_state 112, exc_info 144, dict 152, gilstate_counter 160,
 *   async_exc 168, unsigned long thread_id 176.  No native_thread_id.
 *   184 bytes are read.
 * PyFrameObject (Include/cpython/frameobject.h): PyObject_VAR_HEAD 0-24,
 *   f_back 24, f_code 32, f_builtins 40, f_globals 48, f_locals 56,
 *   f_valuestack 64, f_trace 72, int f_stackdepth 80, char f_trace_lines
 *   84, f_trace_opcodes 85, f_gen 88, int f_lasti 96 (in CODE UNITS of 2
 *   bytes, -1 before the first instruction), f_lineno 100 (tracing only),
 *   f_iblock 104, PyFrameState f_state 108 (signed char), f_blockstack 112.
 *   112 bytes are read.
 * PyCodeObject (Include/cpython/code.h): as 3.8/3.9 up to co_name 112,
 *   then PyObject *co_linetable 120 (the 3.10 format, linetable.h),
 *   co_zombieframe 128, co_weakreflist 136, co_extra 144, co_opcache_map
 *   152, co_opcache 160, co_opcache_flag 168, co_opcache_size 172; sizeof
 *   176.  co_firstlineno 40, co_filename 104.  No co_qualname: co_name is
 *   reported.
 * PyBytesObject and the unicode headers are as in 3.8 and 3.11.
 */
#include "sampler/layout_tables.h"
#include "sampler/linetable.h"

const struct hp_pylayout hp_pylayout_310 = {
	.major = 3, .minor = 10,
	.runtime_interpreters_head = 32,
	.interp_next = 0, .interp_threads_head = 8,
	.tstate_size = 184,
	.tstate_next = 8, .tstate_interp = 16,
	.tstate_cframe = 0, .cframe_current_frame = 0, .tstate_current_frame = 24,
	.tstate_thread_id = 176, .tstate_native_thread_id = 0,
	.frame_objects = true,
	.frame_size = 112,
	.frame_code = 32, .frame_previous = 24, .frame_lasti = 96, .lasti_unit = 2,
	.owner_cstack = -1,
	.code_size = 176,
	.co_firstlineno = 40, .co_filename = 104, .co_name = 112, .co_qualname = 112,
	.co_linetable = 120, .linetable_format = HP_LINETABLE_310,
	.ob_type = 8,
	.bytes_size = 16, .bytes_sval = 32,
	.unicode_length = 16, .unicode_state = 32,
	.unicode_ascii_size = 48, .unicode_compact_size = 72,
};
