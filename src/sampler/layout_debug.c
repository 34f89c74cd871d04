/*
 * layout_debug.c - layouts for CPython 3.13+, read from the interpreter's
 * own _Py_DebugOffsets (the first bytes of _PyRuntime), plus the lookup of
 * the built-in tables.
 *
 * _Py_DebugOffsets is a sequence of u64s whose grouping depends on the
 * version; the positions below are those of CPython 3.13
 * (Include/internal/pycore_runtime.h of 3.13).  3.14 added fields in the
 * middle of the groups and tags f_executable, so it is refused until its
 * schema is added here.  Every offset read is checked against the size its
 * group declares, so a table of another shape is refused, never trusted.
 */
#include <string.h>

#include "sampler/layout_tables.h"

const struct hp_pylayout *hp_pylayout_find(int major, int minor)
{
	if (major == 3 && minor == 8)
		return &hp_pylayout_38;
	if (major == 3 && minor == 9)
		return &hp_pylayout_39;
	if (major == 3 && minor == 10)
		return &hp_pylayout_310;
	if (major == 3 && minor == 11)
		return &hp_pylayout_311;
	if (major == 3 && minor == 12)
		return &hp_pylayout_312;
	return NULL;
}

const char *hp_pylayout_supported(void)
{
	return "3.8, 3.9, 3.10, 3.11, 3.12, 3.13";
}

/* Byte positions of the 3.13 fields in _Py_DebugOffsets. */
enum {
	D_COOKIE = 0, D_VERSION = 8, D_FREE_THREADED = 16,
	D_RT_SIZE = 24, D_RT_INTERP_HEAD = 40,
	D_IS_SIZE = 48, D_IS_NEXT = 64, D_IS_THREADS_HEAD = 72,
	D_TS_SIZE = 152, D_TS_NEXT = 168, D_TS_INTERP = 176, D_TS_CURRENT_FRAME = 184,
	D_TS_THREAD_ID = 192, D_TS_NATIVE_ID = 200,
	D_FR_SIZE = 224, D_FR_PREVIOUS = 232, D_FR_EXECUTABLE = 240, D_FR_INSTR = 248,
	D_FR_OWNER = 264,
	D_CO_SIZE = 272, D_CO_FILENAME = 280, D_CO_NAME = 288, D_CO_QUALNAME = 296,
	D_CO_LINETABLE = 304, D_CO_FIRSTLINENO = 312, D_CO_ADAPTIVE = 344,
	D_OB_SIZE = 352, D_OB_TYPE = 360,
	D_BY_SIZE = 512, D_BY_OB_SIZE = 520, D_BY_SVAL = 528,
	D_UN_SIZE = 536, D_UN_STATE = 544, D_UN_LENGTH = 552, D_UN_ASCII_SIZE = 560,
	D_END = 584
};

static uint64_t get_u64(const unsigned char *d, size_t pos)
{
	uint64_t v;

	memcpy(&v, d + pos, sizeof(v));
	return v;
}

/* Fetch field at pos, which must lie (with width bytes) inside a struct of
 * the size stored at size_pos; sizes are bounded to 64 KiB. */
static int field(const unsigned char *d, size_t size_pos, size_t pos, size_t width,
		 uint32_t *out)
{
	uint64_t size = get_u64(d, size_pos), off = get_u64(d, pos);

	if (size == 0 || size > 65536 || off > size || width > size - off)
		return -1;
	*out = (uint32_t)off;
	return 0;
}

int hp_pylayout_from_debug(const void *data, size_t len, struct hp_pylayout *l,
			   uint64_t *version, struct hp_err *err)
{
	const unsigned char *d = data;
	uint64_t v, size;
	int ok = 0;

	*version = 0;
	if (len < D_END)
		return hp_err_set(err, "_Py_DebugOffsets: truncated (%zu bytes)", len);
	if (memcmp(d + D_COOKIE, "xdebugpy", 8))
		return hp_err_set(err, "_Py_DebugOffsets: bad cookie");
	v = get_u64(d, D_VERSION);
	*version = v;
	if ((v >> 24) != 3 || ((v >> 16) & 0xff) != 13)
		return hp_err_set(err, "_Py_DebugOffsets: no schema for version %u.%u",
				  (unsigned)(v >> 24) & 0xff, (unsigned)(v >> 16) & 0xff);
	if (get_u64(d, D_FREE_THREADED) != 0)
		return hp_err_set(err, "free-threaded builds are not supported");
	memset(l, 0, sizeof(*l));
	l->major = 3;
	l->minor = 13;
	ok |= field(d, D_RT_SIZE, D_RT_INTERP_HEAD, 8, &l->runtime_interpreters_head);
	ok |= field(d, D_IS_SIZE, D_IS_NEXT, 8, &l->interp_next);
	ok |= field(d, D_IS_SIZE, D_IS_THREADS_HEAD, 8, &l->interp_threads_head);
	ok |= field(d, D_TS_SIZE, D_TS_NEXT, 8, &l->tstate_next);
	ok |= field(d, D_TS_SIZE, D_TS_INTERP, 8, &l->tstate_interp);
	ok |= field(d, D_TS_SIZE, D_TS_CURRENT_FRAME, 8, &l->tstate_current_frame);
	ok |= field(d, D_TS_SIZE, D_TS_THREAD_ID, 8, &l->tstate_thread_id);
	ok |= field(d, D_TS_SIZE, D_TS_NATIVE_ID, 8, &l->tstate_native_thread_id);
	ok |= field(d, D_FR_SIZE, D_FR_PREVIOUS, 8, &l->frame_previous);
	ok |= field(d, D_FR_SIZE, D_FR_EXECUTABLE, 8, &l->frame_code);
	ok |= field(d, D_FR_SIZE, D_FR_INSTR, 8, &l->frame_instr);
	ok |= field(d, D_FR_SIZE, D_FR_OWNER, 1, &l->frame_owner);
	ok |= field(d, D_CO_SIZE, D_CO_FILENAME, 8, &l->co_filename);
	ok |= field(d, D_CO_SIZE, D_CO_NAME, 8, &l->co_name);
	ok |= field(d, D_CO_SIZE, D_CO_QUALNAME, 8, &l->co_qualname);
	ok |= field(d, D_CO_SIZE, D_CO_LINETABLE, 8, &l->co_linetable);
	ok |= field(d, D_CO_SIZE, D_CO_FIRSTLINENO, 4, &l->co_firstlineno);
	ok |= field(d, D_CO_SIZE, D_CO_ADAPTIVE, 0, &l->co_code_adaptive);
	ok |= field(d, D_OB_SIZE, D_OB_TYPE, 8, &l->ob_type);
	ok |= field(d, D_BY_SIZE, D_BY_OB_SIZE, 8, &l->bytes_size);
	ok |= field(d, D_BY_SIZE, D_BY_SVAL, 0, &l->bytes_sval);
	ok |= field(d, D_UN_SIZE, D_UN_STATE, 4, &l->unicode_state);
	ok |= field(d, D_UN_SIZE, D_UN_LENGTH, 8, &l->unicode_length);
	if (ok)
		return hp_err_set(err, "_Py_DebugOffsets: an offset lies outside its struct");
	size = get_u64(d, D_TS_SIZE);
	l->tstate_size = (uint32_t)(size > 4096 ? 4096 : size);
	/* only the first 4 KiB of a thread state are read: the fields used
	 * must lie there */
	if (l->tstate_next + 8 > l->tstate_size || l->tstate_interp + 8 > l->tstate_size ||
	    l->tstate_current_frame + 8 > l->tstate_size ||
	    l->tstate_thread_id + 8 > l->tstate_size ||
	    l->tstate_native_thread_id + 8 > l->tstate_size)
		return hp_err_set(err, "_Py_DebugOffsets: a thread state field lies past 4 KiB");
	size = get_u64(d, D_FR_SIZE);
	if (size > 512)
		return hp_err_set(err, "_Py_DebugOffsets: implausible frame size %llu",
				  (unsigned long long)size);
	l->frame_size = (uint32_t)size;
	size = get_u64(d, D_UN_ASCII_SIZE);
	if (size < 24 || size > 256)
		return hp_err_set(err, "_Py_DebugOffsets: implausible unicode header size");
	l->unicode_ascii_size = (uint32_t)size;
	/* PyCompactUnicodeObject adds utf8_length and utf8 (3.12+) */
	l->unicode_compact_size = l->unicode_ascii_size + 16;
	l->code_size = l->co_code_adaptive;
	l->owner_cstack = 3;
	l->instr_is_current = true;
	l->code_tag_mask = 0;
	return 0;
}
