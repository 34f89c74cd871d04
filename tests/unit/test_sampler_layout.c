/*
 * The 3.11 layout table (src/sampler/layout_311.c) against offsetof() from
 * each installed 3.11 interpreter's own internal headers.
 *
 * At test time: find the interpreters (/usr/bin/python3.11 and whatever
 * `python3` really runs, e.g. a pyenv --enable-shared build), ask each for
 * its include folder (sysconfig.get_paths()['include']), compile a small
 * probe with Py_BUILD_CORE against internal/pycore_*.h that prints every
 * offset the sampler uses, run it and compare field by field.  The opcode
 * set the walker accepts under a generator (resume_ops) is compared with
 * the interpreter's own dis module.  An interpreter without headers or a
 * machine without a C compiler is skipped with the reason printed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sampler/pylayout.h"

static const char probe_src[] =
	"#define Py_BUILD_CORE 1\n"
	"#include <Python.h>\n"
	"#include <internal/pycore_frame.h>\n"
	"#include <internal/pycore_interp.h>\n"
	"#include <internal/pycore_runtime.h>\n"
	"#include <stddef.h>\n"
	"#include <stdio.h>\n"
	"#include <string.h>\n"
	"#define P(name, v) printf(\"%s %lu\\n\", name, (unsigned long)(v))\n"
	"int main(void) {\n"
	"  PyASCIIObject a; unsigned st;\n"
	"  P(\"version\", PY_VERSION_HEX >> 16);\n"
	"  P(\"runtime_interpreters_head\", offsetof(_PyRuntimeState, interpreters.head));\n"
	"  P(\"interp_next\", offsetof(PyInterpreterState, next));\n"
	"  P(\"interp_threads_head\", offsetof(PyInterpreterState, threads.head));\n"
	"  P(\"tstate_sizeof\", sizeof(PyThreadState));\n"
	"  P(\"tstate_next\", offsetof(PyThreadState, next));\n"
	"  P(\"tstate_interp\", offsetof(PyThreadState, interp));\n"
	"  P(\"tstate_cframe\", offsetof(PyThreadState, cframe));\n"
	"  P(\"cframe_current_frame\", offsetof(_PyCFrame, current_frame));\n"
	"  P(\"tstate_thread_id\", offsetof(PyThreadState, thread_id));\n"
	"  P(\"tstate_native_thread_id\", offsetof(PyThreadState, native_thread_id));\n"
	"  P(\"tstate_datastack_chunk\", offsetof(PyThreadState, datastack_chunk));\n"
	"  P(\"tstate_datastack_top\", offsetof(PyThreadState, datastack_top));\n"
	"  P(\"chunk_previous\", offsetof(_PyStackChunk, previous));\n"
	"  P(\"chunk_size\", offsetof(_PyStackChunk, size));\n"
	"  P(\"chunk_top\", offsetof(_PyStackChunk, top));\n"
	"  P(\"chunk_data\", offsetof(_PyStackChunk, data));\n"
	"  P(\"frame_size\", offsetof(_PyInterpreterFrame, localsplus));\n"
	"  P(\"frame_code\", offsetof(_PyInterpreterFrame, f_code));\n"
	"  P(\"frame_previous\", offsetof(_PyInterpreterFrame, previous));\n"
	"  P(\"frame_instr\", offsetof(_PyInterpreterFrame, prev_instr));\n"
	"  P(\"frame_owner\", offsetof(_PyInterpreterFrame, owner));\n"
	"  P(\"frame_stacktop\", offsetof(_PyInterpreterFrame, stacktop));\n"
	"  P(\"frame_is_entry\", offsetof(_PyInterpreterFrame, is_entry));\n"
	"  P(\"owner_thread\", FRAME_OWNED_BY_THREAD);\n"
	"  P(\"owner_generator\", FRAME_OWNED_BY_GENERATOR);\n"
	"  P(\"code_sizeof\", sizeof(PyCodeObject));\n"
	"  P(\"co_firstlineno\", offsetof(PyCodeObject, co_firstlineno));\n"
	"  P(\"co_filename\", offsetof(PyCodeObject, co_filename));\n"
	"  P(\"co_name\", offsetof(PyCodeObject, co_name));\n"
	"  P(\"co_qualname\", offsetof(PyCodeObject, co_qualname));\n"
	"  P(\"co_linetable\", offsetof(PyCodeObject, co_linetable));\n"
	"  P(\"co_code_adaptive\", offsetof(PyCodeObject, co_code_adaptive));\n"
	"  P(\"co_stacksize\", offsetof(PyCodeObject, co_stacksize));\n"
	"  P(\"co_flags\", offsetof(PyCodeObject, co_flags));\n"
	"  P(\"co_nlocalsplus\", offsetof(PyCodeObject, co_nlocalsplus));\n"
	"  P(\"ob_type\", offsetof(PyObject, ob_type));\n"
	"  P(\"bytes_size\", offsetof(PyBytesObject, ob_base.ob_size));\n"
	"  P(\"bytes_sval\", offsetof(PyBytesObject, ob_sval));\n"
	"  P(\"unicode_length\", offsetof(PyASCIIObject, length));\n"
	"  P(\"unicode_state\", offsetof(PyASCIIObject, state));\n"
	"  P(\"unicode_ascii_size\", sizeof(PyASCIIObject));\n"
	"  P(\"unicode_compact_size\", sizeof(PyCompactUnicodeObject));\n"
	"  memset(&a, 0, sizeof(a)); a.state.kind = 4; a.state.compact = 1; a.state.ascii = 1;\n"
	"  memcpy(&st, &a.state, sizeof(st));\n"
	"  P(\"state_bits\", st);\n"
	"  return 0;\n"
	"}\n";

struct kv {
	char name[64];
	unsigned long v;
};

static int run_capture(const char *cmd, char *out, size_t cap)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	return pclose(f) == 0 ? 0 : -1;
}

static unsigned long get(const struct kv *kv, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kv[i].name, name))
			return kv[i].v;
	cr_assert_fail("probe did not print '%s'", name);
	return 0;
}

/* Check one interpreter; returns 0 checked, 1 skipped. */
/* Compare a 256-bit opcode set with the opcodes dis lists for the given
 * families (a Python list's items, e.g. "'CALL','SEND'"), specialised
 * forms included. */
static void check_ops(const char *py, const char *fams, const uint64_t have[4], const char *what)
{
	char cmd[2048], out[4096];
	uint64_t want[4] = { 0, 0, 0, 0 };
	char *end, *p = out;

	snprintf(cmd, sizeof(cmd), "'%s' -c \"import dis, opcode\n"
		 "s = opcode._specializations\n"
		 "fams = [%s]\n"
		 "print(' '.join(str(dis._all_opmap[x]) for f in fams for x in [f] + s.get(f, [])))\"",
		 py, fams);
	cr_assert_eq(run_capture(cmd, out, sizeof(out)), 0, "%s: cannot list opcodes", py);
	for (;;) {
		unsigned long op = strtoul(p, &end, 10);

		if (end == p)
			break;
		cr_assert_lt(op, 256);
		want[op >> 6] |= UINT64_C(1) << (op & 63);
		p = end;
	}
	for (int w = 0; w < 4; w++)
		cr_expect_eq(have[w], want[w], "%s: %s word %d is %#llx, dis says %#llx", py, what, w,
			     (unsigned long long)have[w], (unsigned long long)want[w]);
}

static int check_python(const char *py)
{
	char cmd[4096], inc[512], dir[] = "/tmp/hp-layout-XXXXXX", out[8192], path[600];
	struct kv kv[128];
	size_t n = 0;
	const struct hp_pylayout *l = hp_pylayout_find(3, 11);
	FILE *f;

	snprintf(cmd, sizeof(cmd), "'%s' -c \"import sys,sysconfig; assert sys.version_info[:2]"
		 " == (3, 11); print(sysconfig.get_paths()['include'])\" 2>/dev/null", py);
	if (run_capture(cmd, inc, sizeof(inc))) {
		printf("skip %s: not a CPython 3.11\n", py);
		return 1;
	}
	inc[strcspn(inc, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/internal/pycore_frame.h", inc);
	if (access(path, R_OK)) {
		printf("skip %s: no internal headers in '%s'\n", py, inc);
		return 1;
	}
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/probe.c", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(probe_src, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && cc -w -I'%s' -I'%s/internal' -o probe probe.c "
		 "2>cc.log && ./probe", dir, inc, inc);
	if (run_capture(cmd, out, sizeof(out))) {
		snprintf(cmd, sizeof(cmd), "command -v cc >/dev/null");
		if (system(cmd) != 0) {
			printf("skip %s: no C compiler\n", py);
			return 1;
		}
		snprintf(cmd, sizeof(cmd), "cat '%s/cc.log'", dir);
		cr_assert_eq(system(cmd), 0);
		cr_assert_fail("the offsetof probe did not build against '%s'", inc);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	for (char *line = strtok(out, "\n"); line && n < 128; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');

		cr_assert_not_null(sp);
		*sp = '\0';
		snprintf(kv[n].name, sizeof(kv[n].name), "%s", line);
		kv[n].v = strtoul(sp + 1, NULL, 10);
		n++;
	}
	cr_assert_eq(get(kv, n, "version"), 0x30b);
#define SAME(field) \
	cr_expect_eq(l->field, get(kv, n, #field), "%s: " #field " is %u in the table, %lu in the headers", \
		     py, (unsigned)l->field, get(kv, n, #field))
	SAME(runtime_interpreters_head);
	SAME(interp_next);
	SAME(interp_threads_head);
	SAME(tstate_next);
	SAME(tstate_interp);
	SAME(tstate_cframe);
	SAME(cframe_current_frame);
	SAME(tstate_thread_id);
	SAME(tstate_native_thread_id);
	SAME(tstate_datastack_chunk);
	SAME(tstate_datastack_top);
	SAME(frame_size);
	SAME(frame_code);
	SAME(frame_previous);
	SAME(frame_instr);
	SAME(frame_owner);
	SAME(frame_stacktop);
	SAME(frame_is_entry);
	SAME(co_firstlineno);
	SAME(co_filename);
	SAME(co_name);
	SAME(co_qualname);
	SAME(co_linetable);
	SAME(co_code_adaptive);
	if (l->co_stacksize) {
		SAME(co_stacksize);
		SAME(co_flags);
		SAME(co_nlocalsplus);
	}
	SAME(ob_type);
	SAME(bytes_size);
	SAME(bytes_sval);
	SAME(unicode_length);
	SAME(unicode_state);
	SAME(unicode_ascii_size);
	SAME(unicode_compact_size);
#undef SAME
	/* what the walker assumes beyond the table */
	cr_expect_leq(l->tstate_size, get(kv, n, "tstate_sizeof"));
	cr_expect_gt(l->tstate_size, l->tstate_datastack_top + 7);
	cr_expect_leq(l->code_size, get(kv, n, "code_sizeof"));
	cr_expect_geq(l->code_size, l->co_code_adaptive);
	cr_expect_eq(get(kv, n, "chunk_previous"), 0);
	cr_expect_eq(get(kv, n, "chunk_size"), 8);
	cr_expect_eq(get(kv, n, "chunk_top"), 16);
	cr_expect_eq(get(kv, n, "chunk_data"), 24);
	cr_expect_eq(get(kv, n, "owner_thread"), 0);
	cr_expect_eq(get(kv, n, "owner_generator"), 1);
	/* kind 4 at bits 2-4, compact bit 5, ascii bit 6 (pyproc.c decodes so) */
	cr_expect_eq(get(kv, n, "state_bits"), (4u << 2) | (1u << 5) | (1u << 6));

	/* the opcode sets against this interpreter's dis module */
	check_ops(py, "'FOR_ITER','SEND','GET_ANEXT','CALL','PRECALL','CALL_FUNCTION_EX',"
		  "'UNPACK_SEQUENCE','LIST_EXTEND','SET_UPDATE','CONTAINS_OP'",
		  l->resume_ops, "resume_ops");
	check_ops(py, "'CALL','BINARY_SUBSCR'", l->inline_call_ops, "inline_call_ops");
	/* a caller waits on the last inline cache entry of either */
	snprintf(cmd, sizeof(cmd), "'%s' -c \"import opcode\n"
		 "c = opcode._inline_cache_entries\n"
		 "print(c[opcode.opmap['CALL']], c[opcode.opmap['BINARY_SUBSCR']])\"", py);
	cr_assert_eq(run_capture(cmd, out, sizeof(out)), 0, "%s: cannot read cache sizes", py);
	{
		unsigned a = 0, b = 0;

		cr_assert_eq(sscanf(out, "%u %u", &a, &b), 2, "%s: cache sizes: %s", py, out);
		cr_expect_eq(a, l->inline_call_caches, "%s: CALL has %u cache entries, table says %u",
			     py, a, l->inline_call_caches);
		cr_expect_eq(b, l->inline_call_caches,
			     "%s: BINARY_SUBSCR has %u cache entries, table says %u", py, b,
			     l->inline_call_caches);
	}
	/* the cache entries after every opcode, specialised forms included */
	snprintf(cmd, sizeof(cmd), "'%s' -c \"import dis, opcode\n"
		 "c = opcode._inline_cache_entries\n"
		 "base = {dis._all_opmap[x]: opcode.opmap[f] for f, xs in opcode._specializations.items() for x in xs}\n"
		 "print(' '.join(str(c[base.get(op, op)]) for op in range(256)))\"", py);
	cr_assert_eq(run_capture(cmd, out, sizeof(out)), 0, "%s: cannot read cache sizes", py);
	{
		char *p = out, *end;

		for (int op = 0; op < 256; op++) {
			unsigned long v = strtoul(p, &end, 10);

			cr_assert_neq(end, p, "%s: %d cache sizes only", py, op);
			cr_expect_eq(v, l->op_caches[op], "%s: opcode %d has %lu cache entries, table says %u",
				     py, op, v, l->op_caches[op]);
			p = end;
		}
	}
	printf("checked the 3.11 table against %s (%s)\n", py, inc);
	return 0;
}

Test(sampler_layout, table_311_matches_offsetof_of_installed_interpreters, .timeout = 120)
{
	char exe[1024] = "";
	int checked = 0;

	if (access("/usr/bin/python3.11", X_OK) == 0)
		checked += check_python("/usr/bin/python3.11") == 0;
	if (run_capture("python3 -c 'import sys; print(sys.executable)' 2>/dev/null", exe,
			sizeof(exe)) == 0) {
		exe[strcspn(exe, "\n")] = '\0';
		if (exe[0] && strcmp(exe, "/usr/bin/python3.11") != 0 && strcmp(exe, "/usr/bin/python3") != 0)
			checked += check_python(exe) == 0;
		else if (!strcmp(exe, "/usr/bin/python3") && access("/usr/bin/python3.11", X_OK))
			checked += check_python(exe) == 0;
	}
	if (!checked)
		cr_skip_test("no CPython 3.11 with internal headers installed");
}

Test(sampler_layout, lookup_and_supported_list)
{
	cr_assert_not_null(hp_pylayout_find(3, 11));
	cr_assert_not_null(hp_pylayout_find(3, 12));
	cr_assert_not_null(hp_pylayout_find(3, 8));
	cr_assert_not_null(hp_pylayout_find(3, 9));
	cr_assert_not_null(hp_pylayout_find(3, 10));
	cr_assert_null(hp_pylayout_find(3, 7));
	cr_assert_null(hp_pylayout_find(2, 7));
	cr_assert_not_null(strstr(hp_pylayout_supported(), "3.11"));
}
