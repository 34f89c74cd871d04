/*
 * layout_38.c - CPython 3.8 (x86_64 and other LP64 release builds).
 *
 * Derived by hand from the 3.8 branch's headers (pointer and Py_ssize_t 8
 * bytes, int 4, each field aligned to its size); NOT verified by offsetof
 * here (3.8 is not installed) and NOT yet cross-checked against a
 * published tool's table (3.10's was; these structs differ from 3.10's
 * only where noted in layout_310.c).
 *
 * _PyRuntimeState (Include/internal/pycore_pystate.h):
 *   int preinitializing 0, preinitialized 4, core_initialized 8,
 *   initialized 12; PyThreadState *finalizing 16;
 *   struct pyinterpreters { PyThread_type_lock mutex 24; head 32; ... }
 * PyInterpreterState: struct _is *next 0; struct _ts *tstate_head 8
 * PyThreadState (Include/cpython/pystate.h): prev 0, next 8, interp 16,
 *   struct _frame *frame 24, int recursion_depth 32, char overflowed 36,
 *   char recursion_critical 37, int stackcheck_counter 40, tracing 44,
 *   use_tracing 48, c_profilefunc 56, c_tracefunc 64, c_profileobj 72,
 *   c_traceobj 80, curexc_type 88, curexc_value 96, curexc_traceback 104,
 *   _PyErr_StackItem exc_state 112 (4 pointers), exc_info 144, dict 152,
 *   int gilstate_counter 160, async_exc 168, unsigned long thread_id 176.
 *   No native_thread_id (added in 3.11).  184 bytes are read.
 * PyFrameObject (Include/frameobject.h): PyObject_VAR_HEAD (refcnt 0,
 *   ob_type 8, ob_size 16), f_back 24, f_code 32, f_builtins 40,
 *   f_globals 48, f_locals 56, f_valuestack 64, f_stacktop 72, f_trace 80,
 *   char f_trace_lines 88, f_trace_opcodes 89, f_gen 96, int f_lasti 104
 *   (a BYTE offset, -1 before the first instruction), f_lineno 108 (valid
 *   only while tracing: not used), f_iblock 112, char f_executing 116,
 *   f_blockstack 120.  120 bytes are read.
 * PyCodeObject (Include/code.h): PyObject_HEAD 0-16, int co_argcount 16,
 *   co_posonlyargcount 20, co_kwonlyargcount 24, co_nlocals 28,
 *   co_stacksize 32, co_flags 36, co_firstlineno 40, co_code 48,
 *   co_consts 56, co_names 64, co_varnames 72, co_freevars 80,
 *   co_cellvars 88, co_cell2arg 96, co_filename 104, co_name 112,
 *   co_lnotab 120, co_zombieframe 128, co_weakreflist 136, co_extra 144,
 *   co_opcache_map 152, co_opcache 160, int co_opcache_flag 168,
 *   unsigned char co_opcache_size 172; sizeof 176.  No co_qualname:
 *   co_name is reported.
 * PyBytesObject: ob_size 16, ob_shash 24, ob_sval 32.  PyASCIIObject:
 *   length 16, hash 24, state 32, wstr 40, sizeof 48;
 *   PyCompactUnicodeObject adds utf8_length, utf8, wstr_length: 72.
 */
#include "sampler/layout_tables.h"
#include "sampler/linetable.h"

const struct hp_pylayout hp_pylayout_38 = {
	.major = 3, .minor = 8,
	.runtime_interpreters_head = 32,
	.interp_next = 0, .interp_threads_head = 8,
	.tstate_size = 184,
	.tstate_next = 8, .tstate_interp = 16,
	.tstate_cframe = 0, .cframe_current_frame = 0, .tstate_current_frame = 24,
	.tstate_thread_id = 176, .tstate_native_thread_id = 0,
	.frame_objects = true,
	.frame_size = 120,
	.frame_code = 32, .frame_previous = 24, .frame_lasti = 104, .lasti_unit = 1,
	.owner_cstack = -1,
	.code_size = 176,
	.co_firstlineno = 40, .co_filename = 104, .co_name = 112, .co_qualname = 112,
	.co_linetable = 120, .linetable_format = HP_LINETABLE_LNOTAB,
	.ob_type = 8,
	.bytes_size = 16, .bytes_sval = 32,
	.unicode_length = 16, .unicode_state = 32,
	.unicode_ascii_size = 48, .unicode_compact_size = 72,
};
