#include "sampler/pyproc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/u64map.h"
#include "sampler/elf.h"
#include "sampler/linetable.h"
#include "sampler/mem.h"
#include "sampler/proc.h"

#define MAX_THREADS 4096
#define MAX_DEPTH 8192
#define MAX_STR_CHARS 4096
#define MAX_LINETABLE (1u << 20)
#define MAX_CHUNK_READ (512u << 10)
#define MAX_CODES 200000
#define MAX_SNAPS 32
#define CODE_HDR_MAX 512
#define CALL_SITES 4        /* call-site answers cached per code object */

struct hp_pycode {
	uint64_t addr;
	uint32_t uid;
	uint64_t seen_tick;     /* tick in which it was last validated */
	/* fields compared on reuse */
	uint64_t type, filename_p, name_p, qualname_p, linetable_p;
	int32_t firstlineno;
	uint32_t framesize;     /* bytes it takes on the data stack, 0 = unknown */
	bool makes_gen;         /* a generator/coroutine function's code */
	/* 3.11: instruction indexes known to stand (1) or not (2) on an
	 * inline call site (see inline_call_site), round robin */
	uint32_t site_idx[CALL_SITES];
	uint8_t site_state[CALL_SITES];
	uint8_t site_next;
	/* resolved */
	char *qualname, *filename;
	uint8_t *linetable;
	size_t linetable_len;
};

void hp_pyproc_init(struct hp_pyproc *pp, pid_t pid)
{
	memset(pp, 0, sizeof(*pp));
	pp->pid = pid;
	pp->next_uid = 1;
}

static void code_release(struct hp_pycode *c)
{
	free(c->qualname);
	free(c->filename);
	free(c->linetable);
	c->qualname = c->filename = NULL;
	c->linetable = NULL;
}

static void codes_clear(struct hp_pyproc *pp)
{
	for (uint32_t i = 0; i < pp->nr_codes; i++)
		code_release(&pp->codes[i]);
	pp->nr_codes = 0;
	if (pp->slots)
		memset(pp->slots, 0, ((size_t)pp->slot_mask + 1) * sizeof(*pp->slots));
}

void hp_pyproc_release(struct hp_pyproc *pp)
{
	codes_clear(pp);
	free(pp->codes);
	free(pp->slots);
	free(pp->binary);
	free(pp->chunk);
	free(pp->units);
	free(pp->frames);
	free(pp->frame_codes);
	free(pp->reqs);
	free(pp->hdrs);
	free(pp->pf_hdrs);
	for (size_t i = 0; i < pp->nr_checked; i++)
		free(pp->checked[i]);
	free(pp->checked);
	memset(pp, 0, sizeof(*pp));
}

static uint64_t rd64(const unsigned char *b, uint32_t off)
{
	uint64_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

static int32_t rd32(const unsigned char *b, uint32_t off)
{
	int32_t v;

	memcpy(&v, b + off, sizeof(v));
	return v;
}

/* ---- reading the target ----
 * Sampling reads through these: the live process, or pp->src when a test
 * or fuzz target plugged a buffer in (one predictable branch per read). */

static ssize_t rd_some(struct hp_pyproc *pp, uint64_t addr, void *buf, size_t len)
{
	if (!pp->src.read)
		return hp_mem_read_some(pp->pid, addr, buf, len);
	return pp->src.read(pp->src.ctx, addr, buf, len);
}

static int rd_exact(struct hp_pyproc *pp, uint64_t addr, void *buf, size_t len)
{
	ssize_t got;

	if (!pp->src.read)
		return hp_mem_read(pp->pid, addr, buf, len);
	got = pp->src.read(pp->src.ctx, addr, buf, len);
	if (got < 0)
		return -1;
	if ((size_t)got != len) {
		errno = EFAULT;
		return -1;
	}
	return 0;
}

static int rd_u64(struct hp_pyproc *pp, uint64_t addr, uint64_t *out)
{
	return rd_exact(pp, addr, out, sizeof(*out));
}

static int rd_vec(struct hp_pyproc *pp, struct hp_mem_req *reqs, size_t n)
{
	int failed = 0;

	if (!pp->src.read)
		return hp_mem_readv(pp->pid, reqs, n);
	for (size_t i = 0; i < n; i++) {
		reqs[i].ok = rd_exact(pp, reqs[i].addr, reqs[i].buf, reqs[i].len) == 0;
		failed += !reqs[i].ok;
	}
	return failed;
}

/* ---- finding the interpreter ---- */

static bool was_checked(const struct hp_pyproc *pp, const char *path)
{
	for (size_t i = 0; i < pp->nr_checked; i++)
		if (!strcmp(pp->checked[i], path))
			return true;
	return false;
}

/* "python3.11", "libpython3.11.so.1.0", "python3.11d" -> 3, 11 */
static int version_from_name(const char *path, int *major, int *minor)
{
	const char *base = strrchr(path, '/'), *p;

	base = base ? base + 1 : path;
	p = strstr(base, "python");
	if (!p)
		return -1;
	p += 6;
	if (!isdigit((unsigned char)p[0]) || p[1] != '.' || !isdigit((unsigned char)p[2]))
		return -1;
	*major = p[0] - '0';
	*minor = p[2] - '0';
	if (isdigit((unsigned char)p[3]))
		*minor = *minor * 10 + (p[3] - '0');
	return 0;
}

static bool is_candidate(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strstr(base, "python") != NULL;
}

static const char *const sym_names[] = {
	"_PyRuntime", "Py_Version", "PyCode_Type", "PyUnicode_Type", "PyBytes_Type",
	"PyFrame_Type",
};
enum { S_RUNTIME, S_VERSION, S_CODE, S_UNICODE, S_BYTES, S_FRAME, S_NR };

static enum hp_pyfind errno_status(int e)
{
	if (e == EACCES || e == EPERM)
		return HP_PYFIND_DENIED;
	if (e == ENOENT || e == ESRCH)
		return HP_PYFIND_GONE;
	return HP_PYFIND_ERROR;
}

static enum hp_pyfind denied(struct hp_pyproc *pp, struct hp_err *err)
{
	hp_err_set(err, "permission denied reading process %d: reading another process's "
		   "memory needs the same user and ptrace permission (root or CAP_SYS_PTRACE; "
		   "in a container add --cap-add SYS_PTRACE; check "
		   "/proc/sys/kernel/yama/ptrace_scope, 1 allows only descendants, so '--pid' "
		   "needs root or ptrace_scope 0)", (int)pp->pid);
	return HP_PYFIND_DENIED;
}

/* Look at one file mapped in the target; fills pp when it holds _PyRuntime. */
static enum hp_pyfind try_binary(struct hp_pyproc *pp, const struct hp_proc_maps *maps,
				 const char *path, struct hp_err *err)
{
	uint64_t vals[S_NR], bias;
	struct hp_elf_syms s = { sym_names, S_NR, vals, NULL, false, 0, 0 };
	struct hp_buf rooted = HP_BUF_INIT;
	int major = 0, minor = 0;
	enum hp_pyfind ret = HP_PYFIND_NOT_YET;

	/* the path is in the target's mount namespace */
	hp_buf_addf(&rooted, "/proc/%d/root%s", (int)pp->pid, path);
	if (hp_elf_lookup_file(rooted.data, &s, NULL) && hp_elf_lookup_file(path, &s, NULL))
		goto not_it;
	if (!vals[S_RUNTIME] || hp_elf_load_bias(maps, path, &s, &bias))
		goto not_it;
	pp->runtime = vals[S_RUNTIME] + bias;
	pp->code_type = vals[S_CODE] ? vals[S_CODE] + bias : 0;
	pp->unicode_type = vals[S_UNICODE] ? vals[S_UNICODE] + bias : 0;
	pp->bytes_type = vals[S_BYTES] ? vals[S_BYTES] + bias : 0;
	pp->frame_type = vals[S_FRAME] ? vals[S_FRAME] + bias : 0;
	pp->version_hex = 0;
	if (vals[S_VERSION]) {
		uint32_t v;

		if (hp_mem_read(pp->pid, vals[S_VERSION] + bias, &v, sizeof(v))) {
			ret = errno == EPERM ? denied(pp, err) : errno_status(errno);
			goto cleanup;
		}
		if ((v >> 24) == 3)
			pp->version_hex = v;
	}
	if (pp->version_hex) {
		major = (int)(pp->version_hex >> 24);
		minor = (int)((pp->version_hex >> 16) & 0xff);
		snprintf(pp->version, sizeof(pp->version), "%d.%d.%d", major, minor,
			 (int)((pp->version_hex >> 8) & 0xff));
	} else if (version_from_name(path, &major, &minor) == 0) {
		pp->version_hex = ((uint64_t)major << 24) | ((uint64_t)minor << 16);
		snprintf(pp->version, sizeof(pp->version), "%d.%d", major, minor);
	} else {
		hp_err_set(err, "cannot tell the python version of '%s' in process %d", path,
			   (int)pp->pid);
		ret = HP_PYFIND_UNSUPPORTED;
		goto cleanup;
	}
	free(pp->binary);
	pp->binary = hp_xstrdup(path);
	if (major == 3 && minor >= 13) {
		unsigned char dbg[HP_PYDEBUG_READ_SIZE];
		uint64_t dv;

		if (hp_mem_read(pp->pid, pp->runtime, dbg, sizeof(dbg))) {
			ret = errno == EPERM ? denied(pp, err) : errno_status(errno);
			goto cleanup;
		}
		if (hp_pylayout_from_debug(dbg, sizeof(dbg), &pp->layout, &dv, err)) {
			hp_err_prefix(err, "unsupported python version %s in process %d ('%s'); "
				      "supported: %s", pp->version, (int)pp->pid, path,
				      hp_pylayout_supported());
			ret = HP_PYFIND_UNSUPPORTED;
			goto cleanup;
		}
	} else {
		const struct hp_pylayout *l = hp_pylayout_find(major, minor);

		if (!l) {
			hp_err_set(err, "unsupported python version %s in process %d ('%s'); "
				   "supported: %s", pp->version, (int)pp->pid, path,
				   hp_pylayout_supported());
			ret = HP_PYFIND_UNSUPPORTED;
			goto cleanup;
		}
		pp->layout = *l;
	}
	pp->found = true;
	ret = HP_PYFIND_OK;
	goto cleanup;
not_it:
	HP_GROW(pp->checked, pp->nr_checked + 1, pp->alloc_checked);
	pp->checked[pp->nr_checked++] = hp_xstrdup(path);
cleanup:
	hp_buf_release(&rooted);
	return ret;
}

/* Is the interpreter initialised far enough to have a thread state? */
static enum hp_pyfind check_ready(struct hp_pyproc *pp, struct hp_err *err)
{
	const struct hp_pylayout *l = &pp->layout;
	uint64_t interp, tstate, back;

	if (rd_u64(pp, pp->runtime + l->runtime_interpreters_head, &interp))
		goto read_failed;
	if (!interp)
		return HP_PYFIND_NOT_YET;
	if (rd_u64(pp, interp + l->interp_threads_head, &tstate))
		return HP_PYFIND_NOT_YET;
	if (!tstate)
		return HP_PYFIND_NOT_YET;
	if (rd_u64(pp, tstate + l->tstate_interp, &back) || back != interp)
		return HP_PYFIND_NOT_YET;
	pp->interp = interp;
	return HP_PYFIND_OK;
read_failed:
	if (errno == EPERM)
		return denied(pp, err);
	if (errno == ESRCH)
		return HP_PYFIND_GONE;
	return HP_PYFIND_NOT_YET;
}

enum hp_pyfind hp_pyproc_find(struct hp_pyproc *pp, struct hp_err *err)
{
	struct hp_proc_maps maps = { 0 };
	char exe[4096], link[64];
	ssize_t n;
	enum hp_pyfind ret = HP_PYFIND_NOT_YET;

	if (pp->found)
		return check_ready(pp, err);
	if (hp_proc_maps_read(&maps, pp->pid, err)) {
		ret = errno_status(errno);
		if (ret == HP_PYFIND_DENIED)
			denied(pp, err);
		goto cleanup;
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pp->pid);
	n = readlink(link, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = '\0';
	/* the executable first (static builds), then libpython */
	for (int pass = 0; pass < 2 && ret == HP_PYFIND_NOT_YET; pass++) {
		for (size_t i = 0; i < maps.nr && ret == HP_PYFIND_NOT_YET; i++) {
			const char *path = maps.maps[i].path;

			if (path[0] != '/' || maps.maps[i].offset != 0)
				continue;
			if (pass == 0 ? strcmp(path, exe) != 0 : !is_candidate(path))
				continue;
			if (was_checked(pp, path))
				continue;
			ret = try_binary(pp, &maps, path, err);
		}
	}
	if (ret == HP_PYFIND_OK)
		ret = check_ready(pp, err);
cleanup:
	hp_proc_maps_release(&maps);
	return ret;
}

/* ---- remote objects ---- */

int hp_pyproc_unicode_decode(const struct hp_pylayout *l, const unsigned char *buf, size_t len,
			     char *out, size_t cap, size_t *need)
{
	uint32_t state;
	uint64_t length;
	unsigned kind, compact, ascii;
	size_t data_off, nbytes, o = 0;

	*need = 0;
	if (cap == 0 || len < l->unicode_compact_size || len < (size_t)l->unicode_state + 4 ||
	    len < (size_t)l->unicode_length + 8)
		return -1;
	memcpy(&state, buf + l->unicode_state, sizeof(state));
	length = rd64(buf, l->unicode_length);
	kind = (state >> 2) & 7;
	compact = (state >> 5) & 1;
	ascii = (state >> 6) & 1;
	if (!compact || (kind != 1 && kind != 2 && kind != 4) || (ascii && kind != 1) ||
	    length > MAX_STR_CHARS)
		return -1;
	data_off = ascii ? l->unicode_ascii_size : l->unicode_compact_size;
	nbytes = (size_t)length * kind;
	if (len < data_off + nbytes) {
		*need = data_off + nbytes;
		return 1;
	}
	for (size_t i = 0; i < length; i++) {
		const unsigned char *p = buf + data_off + i * kind;
		uint32_t c;
		char enc[4];
		size_t el;

		if (kind == 1)
			c = p[0];
		else if (kind == 2)
			c = (uint32_t)p[0] | ((uint32_t)p[1] << 8);
		else
			c = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
			    ((uint32_t)p[3] << 24);
		if (ascii && c > 0x7f)
			return -1;
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			c = 0xfffd;
		if (c < 0x80) {
			enc[0] = (char)c;
			el = 1;
		} else if (c < 0x800) {
			enc[0] = (char)(0xc0 | (c >> 6));
			enc[1] = (char)(0x80 | (c & 0x3f));
			el = 2;
		} else if (c < 0x10000) {
			enc[0] = (char)(0xe0 | (c >> 12));
			enc[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			enc[2] = (char)(0x80 | (c & 0x3f));
			el = 3;
		} else {
			enc[0] = (char)(0xf0 | (c >> 18));
			enc[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			enc[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			enc[3] = (char)(0x80 | (c & 0x3f));
			el = 4;
		}
		if (o + el >= cap)
			return -1;
		memcpy(out + o, enc, el);
		o += el;
	}
	out[o] = '\0';
	return 0;
}

static char *read_unicode(struct hp_pyproc *pp, uint64_t addr)
{
	const struct hp_pylayout *l = &pp->layout;
	unsigned char small[512], *buf = small;
	char *out = NULL, *res = NULL;
	size_t need, cap = MAX_STR_CHARS * 4 + 1;
	ssize_t got;
	int r;

	got = rd_some(pp, addr, small, sizeof(small));
	if (got < (ssize_t)l->unicode_compact_size)
		return NULL;
	if (pp->unicode_type && rd64(small, l->ob_type) != pp->unicode_type)
		return NULL;
	out = hp_xmalloc(cap);
	r = hp_pyproc_unicode_decode(l, small, (size_t)got, out, cap, &need);
	if (r == 1) {
		buf = hp_xmalloc(need);
		if (rd_exact(pp, addr, buf, need) == 0)
			r = hp_pyproc_unicode_decode(l, buf, need, out, cap, &need);
		else
			r = -1;
	}
	if (r == 0) {
		res = out;
		out = NULL;
	}
	if (buf != small)
		free(buf);
	free(out);
	return res;
}

static int read_bytes(struct hp_pyproc *pp, uint64_t addr, uint8_t **data, size_t *len)
{
	const struct hp_pylayout *l = &pp->layout;
	unsigned char hdr[64];
	uint64_t size;

	if (l->bytes_sval > sizeof(hdr) || rd_exact(pp, addr, hdr, l->bytes_sval))
		return -1;
	if (pp->bytes_type && rd64(hdr, l->ob_type) != pp->bytes_type)
		return -1;
	size = rd64(hdr, l->bytes_size);
	if (size > MAX_LINETABLE)
		return -1;
	*data = hp_xmalloc(size ? size : 1);
	if (size && rd_exact(pp, addr + l->bytes_sval, *data, size)) {
		free(*data);
		*data = NULL;
		return -1;
	}
	*len = size;
	return 0;
}

/* ---- code cache ---- */

static uint32_t slot_of(const struct hp_pyproc *pp, uint64_t addr)
{
	uint32_t s = (uint32_t)hp_u64map_hash(addr) & pp->slot_mask;

	while (pp->slots[s] && pp->codes[pp->slots[s] - 1].addr != addr)
		s = (s + 1) & pp->slot_mask;
	return s;
}

static void slots_rehash(struct hp_pyproc *pp, uint32_t nslots)
{
	free(pp->slots);
	pp->slots = hp_xcalloc(nslots, sizeof(*pp->slots));
	pp->slot_mask = nslots - 1;
	for (uint32_t i = 0; i < pp->nr_codes; i++)
		pp->slots[slot_of(pp, pp->codes[i].addr)] = i + 1;
}

/* Compare a freshly read header with the cached entry. */
static bool code_matches(const struct hp_pyproc *pp, const struct hp_pycode *c,
			 const unsigned char *h)
{
	const struct hp_pylayout *l = &pp->layout;

	return rd64(h, l->ob_type) == c->type && rd64(h, l->co_filename) == c->filename_p &&
	       rd64(h, l->co_name) == c->name_p && rd64(h, l->co_qualname) == c->qualname_p &&
	       rd64(h, l->co_linetable) == c->linetable_p &&
	       rd32(h, l->co_firstlineno) == c->firstlineno;
}

/* (Re)resolve a code entry from its header h. */
static int code_fill(struct hp_pyproc *pp, struct hp_pycode *c, const unsigned char *h)
{
	const struct hp_pylayout *l = &pp->layout;

	code_release(c);
	c->type = rd64(h, l->ob_type);
	c->filename_p = rd64(h, l->co_filename);
	c->name_p = rd64(h, l->co_name);
	c->qualname_p = rd64(h, l->co_qualname);
	c->linetable_p = rd64(h, l->co_linetable);
	c->firstlineno = rd32(h, l->co_firstlineno);
	c->framesize = 0;
	memset(c->site_state, 0, sizeof(c->site_state));
	/* CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR */
	c->makes_gen = l->co_flags && (rd32(h, l->co_flags) & 0x2a0) != 0;
	if (l->co_stacksize && l->co_nlocalsplus) {
		int32_t ss = rd32(h, l->co_stacksize), nl = rd32(h, l->co_nlocalsplus);

		if (ss >= 0 && nl >= 0 && ss < (1 << 20) && nl < (1 << 20))
			c->framesize = l->frame_size + 8 * (uint32_t)(ss + nl);
	}
	c->uid = pp->next_uid++;
	if (pp->code_type && c->type != pp->code_type)
		goto bad;
	if (c->firstlineno < 0)
		goto bad;
	c->qualname = read_unicode(pp, c->qualname_p);
	c->filename = read_unicode(pp, c->filename_p);
	if (!c->qualname || !c->filename)
		goto bad;
	if (read_bytes(pp, c->linetable_p, &c->linetable, &c->linetable_len))
		goto bad;
	return 0;
bad:
	/* forget the entry so the next sample re-reads it */
	code_release(c);
	c->type = 0;
	c->seen_tick = 0;
	return -1;
}

/* Index + 1 of the resolved cache entry of the code object at addr, or 0. */
static uint32_t code_index(const struct hp_pyproc *pp, uint64_t addr)
{
	uint32_t s;

	if (!pp->slots)
		return 0;
	s = slot_of(pp, addr);
	if (!pp->slots[s] || !pp->codes[pp->slots[s] - 1].qualname)
		return 0;
	return pp->slots[s];
}

/* The resolved cache entry of the code object at addr, or NULL. */
static const struct hp_pycode *code_find(const struct hp_pyproc *pp, uint64_t addr)
{
	uint32_t i = code_index(pp, addr);

	return i ? &pp->codes[i - 1] : NULL;
}

static bool op_in(const uint64_t set[4], unsigned op)
{
	return (set[(op >> 6) & 3] >> (op & 63)) & 1;
}

/* 3.11: does a frame of `code` standing on instruction `index` wait on an
 * inline call?  A frame that calls a Python function inline (CALL,
 * BINARY_SUBSCR_GETITEM) keeps stacktop >= 0 until the callee returns and
 * stands on the call's last inline cache entry, or for a moment on the
 * call itself: CPython stores the caller's stacktop, then its instruction
 * (the compiler may sink that store past the switch to the new frame: seen
 * single-stepping the generic CALL of a comprehension).  A frame that
 * returned stands on RETURN_VALUE with stacktop >= 0 too, and only this
 * tells the two apart.  Cache entries are data (counters, versions, dict
 * indexes) whose low byte can equal a call's opcode, so the unit taken for
 * the call must be an instruction: found by decoding from the first unit,
 * skipping each instruction's cache entries (op_caches).  Returns 1 (a
 * call site), 0 (not) or -1 (unreadable).  The answer never changes for a
 * code object (specialisation rewrites an instruction within its family,
 * same cache size), so answers are cached with the code object's resolved
 * entry (cleared when the entry is refilled); unresolved code is read
 * every time. */
#define MAX_SITE_UNITS (1u << 20)

static bool has_op_caches(const struct hp_pylayout *l)
{
	for (int i = 0; i < 256; i++)
		if (l->op_caches[i])
			return true;
	return false;
}

static int inline_call_site(struct hp_pyproc *pp, uint64_t code, int64_t index)
{
	const struct hp_pylayout *l = &pp->layout;
	struct hp_pycode *c;
	uint64_t site;
	uint32_t i;
	int yes;

	if (index < 0)
		return 0;
	if (index > (int64_t)MAX_SITE_UNITS)
		return -1;
	i = code_index(pp, code);
	c = i ? &pp->codes[i - 1] : NULL;
	for (int j = 0; c && j < CALL_SITES; j++)
		if (c->site_state[j] && c->site_idx[j] == (uint64_t)index)
			return c->site_state[j] == 1;
	site = index >= (int64_t)l->inline_call_caches ? (uint64_t)index - l->inline_call_caches
						       : UINT64_MAX;
	if (has_op_caches(l)) {
		uint64_t u = 0;

		HP_GROW(pp->units, (size_t)(index + 1) * 2, pp->units_alloc);
		if (rd_exact(pp, code + l->co_code_adaptive, pp->units, (size_t)(index + 1) * 2))
			return -1;
		yes = 0;
		while (u <= (uint64_t)index && !yes) {
			unsigned op = pp->units[2 * u];

			yes = (u == site || u == (uint64_t)index) && op_in(l->inline_call_ops, op);
			u += 1 + l->op_caches[op];
		}
	} else {
		HP_GROW(pp->units, 2, pp->units_alloc);
		if (rd_exact(pp, code + l->co_code_adaptive + (uint64_t)index * 2, pp->units, 2))
			return -1;
		yes = op_in(l->inline_call_ops, pp->units[0]);
		if (!yes && site != UINT64_MAX) {
			if (rd_exact(pp, code + l->co_code_adaptive + site * 2, pp->units, 2))
				return -1;
			yes = op_in(l->inline_call_ops, pp->units[0]);
		}
	}
	if (c) {
		c->site_idx[c->site_next] = (uint32_t)index;
		c->site_state[c->site_next] = yes ? 1 : 2;
		c->site_next = (uint8_t)((c->site_next + 1) % CALL_SITES);
	}
	return yes;
}

static bool has_inline_call_ops(const struct hp_pylayout *l)
{
	return (l->inline_call_ops[0] | l->inline_call_ops[1] | l->inline_call_ops[2] |
		l->inline_call_ops[3]) != 0 && l->inline_call_caches > 0;
}

static struct hp_pycode *code_lookup(struct hp_pyproc *pp, uint64_t addr, bool *fresh)
{
	uint32_t s;

	if (!pp->slots)
		slots_rehash(pp, 1024);
	s = slot_of(pp, addr);
	*fresh = false;
	if (pp->slots[s])
		return &pp->codes[pp->slots[s] - 1];
	HP_GROW(pp->codes, pp->nr_codes + 1, pp->alloc_codes);
	memset(&pp->codes[pp->nr_codes], 0, sizeof(pp->codes[0]));
	pp->codes[pp->nr_codes].addr = addr;
	pp->slots[s] = ++pp->nr_codes;
	if ((uint64_t)pp->nr_codes * 4 > ((uint64_t)pp->slot_mask + 1) * 3) {
		slots_rehash(pp, (pp->slot_mask + 1) * 2);
		s = slot_of(pp, addr);
	}
	*fresh = true;
	return &pp->codes[pp->slots[s] - 1];
}

/* ---- walking ----
 *
 * Consistency.  The target keeps running while its frames are read, so a
 * walk made of separate reads can tear: a caller read after its callee
 * returned shows the caller on a later line under a callee it no longer
 * runs.  With the data-stack layout known (3.11) a walk is:
 *   1. the thread state (fresh for every attempt), then the current frame
 *      pointer F from tstate->cframe;
 *   2. the live part of each data-stack chunk in one read each (up to F's
 *      header even when tstate's datastack_top was read before F was
 *      pushed): every thread-owned frame comes from that one snapshot,
 *      sandwiched between reads of datastack_top (must agree: nothing
 *      pushed or popped) and of tstate->cframe and the current frame of
 *      each known cframe (read_chunks);
 *   3. frames outside the chunks must be generator/coroutine frames (owner
 *      "generator"); chunk frames must be thread-owned and their
 *      `previous` must point below them or out of the chunk;
 *   4. one vectored read brings the code headers, the instruction of every
 *      frame that resumed a generator (it must stand on an instruction
 *      that can resume one: FOR_ITER, SEND, the CALL family...:
 *      layout->resume_ops), and again the frames read one by one after
 *      their callee, which must be unchanged (see thread_attempt).
 * Generators.  A generator and its consumer take turns every few tens of
 * nanoseconds (each resume runs a new C-level eval loop: tstate->cframe
 * flips between two cframes), while one vectored read takes microseconds.
 * Requiring tstate->cframe to be equal before and after the copy (as this
 * walker once did) turned each sample into a coin toss that a running
 * generator lost more often than its consumer (measured on genasync.py:
 * `numbers` got 0.04-0.17 of the samples instead of the 0.21-0.28 a
 * stopped target shows), so: the generator last seen on top and the frame
 * that resumed it are read right after the copy, and when the two known
 * cframes' current frames are exactly that pair, the generator's own header
 * (one copy) decides which runs: `previous` is its resumer while it runs,
 * NULL once suspended.  The resumer's instruction while the generator
 * runs is taken from whichever of its two copies (snapshot, fresh header)
 * stands on a resume instruction; its identity fields must match.
 * Churn.  Frames pushed and popped faster than one copy (a lambda per
 * element of a comprehension, Fraction.__new__ in tight arithmetic) change
 * datastack_top or a current frame during the copy on most samples.
 * Dropping those walks (as this walker once did) lost a third of the
 * samples in such loops and, with them, most of the short frames' time.
 * Instead the snapshot decides: from the frame named current, walk_chain
 * checks the chain as it was copied, and settle_top climbs to the frames
 * that ran above it in the copy and drops a leaf that had returned or not
 * started, by each frame's stacktop (see settle_top); the frame current
 * before the copy is the fallback when the one after does not chain.
 * A walk that fails any check is retried (WALK_ATTEMPTS in all, fresh
 * thread state each time), then counted as an error.  Without the
 * data-stack offsets (3.12 table, 3.13+) frames are
 * read one by one and two walks must agree instead. */

#define OWNER_THREAD 0
#define OWNER_GENERATOR 1
#define WALK_ATTEMPTS 3

struct rawframe {
	uint64_t code;
	int64_t index;   /* code-unit index of the current instruction, -1 = not started */
	uint8_t owner;
	bool resumer;    /* the frame above it is a generator's */
	bool outside;    /* read on its own, not from a chunk snapshot */
	bool inline_call; /* entered by an inline call (not is_entry) */
	bool late;       /* read on its own during the walk, after its callee */
	bool batch;      /* a generator's header read with the decision of the
			    top, its callee's too (see "Callee") */
	bool inferred;   /* a generator placed on its known call site */
	uint64_t alt_instr; /* a resumer's instruction in the chunk snapshot,
			       when its fresh header shows another (0 = none) */
	uint64_t addr, prev, instr;
};

struct walk {
	struct { uint64_t lo, hi; size_t off; } snaps[MAX_SNAPS];
	int nsnap;
	uint64_t cframe;        /* tstate->cframe, 0 without one */
	uint64_t top;           /* the current frame the walk started from */
	uint64_t gen;           /* generator frame read with the snapshot */
	bool gen_ok;
	unsigned char gen_hdr[512];
	uint64_t res;           /* the frame that resumed it, read just before */
	bool res_ok;
	unsigned char res_hdr[512];
	uint64_t callee;        /* the generator's last callee slot, read with them */
	bool callee_ok, callee_used;
	unsigned char callee_hdr[512];
	bool churn;             /* frames were pushed or popped during the copy:
				   the snapshot alone decides (see "Churn") */
	uint64_t alt[1];        /* churn: the frame current before the copy */
	uint64_t read_hi;       /* end of what was read of the newest chunk
				   (past its top: frames pushed meanwhile) */
	int nalt;
	uint64_t cur[2 * (HP_PY_CFRAMES + 1)]; /* current frames of the known
						  cframes, before and after */
	int ncur;
};

#define CHUNK_SLACK 4096    /* bytes read past the top seen in tstate */

/* Move cframe c to the front of the thread's recently seen list. */
static void remember_cframe(uint64_t *cf, uint64_t c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < HP_PY_CFRAMES - 1 && cf[i] != c; i++)
		;
	for (; i > 0; i--)
		cf[i] = cf[i - 1];
	cf[0] = c;
}

static uint64_t gensite_instr(struct hp_pyproc *pp, uint64_t gcode, uint64_t xcode);
static void gensite_learn_codes(struct hp_pyproc *pp, uint64_t gcode, uint64_t xcode,
				int64_t index);

/* Whether the generator's callee, its header read with the generator's
 * and linked to it (the caller checks), runs: executing or waiting on a
 * call of its own (see "Callee" in read_chunks). */
static bool callee_runs(struct hp_pyproc *pp, const struct walk *w)
{
	const struct hp_pylayout *l = &pp->layout;
	const unsigned char *x = w->callee_hdr;
	uint64_t code = rd64(x, l->frame_code) & ~l->code_tag_mask;
	uint64_t instr = rd64(x, l->frame_instr);
	int32_t st;

	if (!l->frame_stacktop || x[l->frame_owner] != OWNER_THREAD || !code || (code & 7) ||
	    instr < code + l->co_code_adaptive || (instr - code - l->co_code_adaptive) / 2 > (1u << 24))
		return false;
	st = rd32(x, l->frame_stacktop);
	return st < 0 ||
	       inline_call_site(pp, code, (int64_t)((instr - code - l->co_code_adaptive) / 2)) == 1;
}

/* Snapshot the live part of the thread's data-stack chunks, newest first.
 * The newest chunk is read in one vectored read sandwiched between two
 * reads of the current cframe, of the current frame of every cframe seen
 * lately (K) and of datastack_top:
 *   [cframe][cur K...][top][chunk ...][top][cframe][resumer][generator]
 *   [top][cur K...]
 * The second cframe read names the top: the current frame of that cframe
 * read after the copy.  Nothing pushed or popped meanwhile (both
 * datastack_top reads and every current frame agree, both cframes known)
 * makes the snapshot exact; otherwise the walk is marked churn and the
 * snapshot alone decides (see "Churn" above).  A generator and its
 * resumer taking turns are decided by the generator's header (see
 * "Generators").  Returns -1 (torn), 1 (no chunk yet) or 0. */
static int read_chunks(struct hp_pyproc *pp, uint64_t tstate, const unsigned char *ts,
		       struct walk *w)
{
	const struct hp_pylayout *l = &pp->layout;
	uint64_t chunk = rd64(ts, l->tstate_datastack_chunk);
	uint64_t top = rd64(ts, l->tstate_datastack_top);
	uint64_t c1 = 0, c2 = 0, t1 = 0, t2 = 0, t3 = 0, hi, *known;
	uint64_t kc[HP_PY_CFRAMES + 1], f1[HP_PY_CFRAMES + 1], f2[HP_PY_CFRAMES + 1];
	uint64_t tsc = tstate + (l->tstate_cframe ? l->tstate_cframe : l->tstate_current_frame);
	struct hp_mem_req r[2 * HP_PY_CFRAMES + 12 + HP_PY_PREFETCH];
	size_t npf0;
	size_t used = 0, len, nr = 0;
	int nk = 0, j1 = -1, j2 = -1, jg = -1, jr = -1;
	struct hp_pythread_cache *tc = &pp->thread_cache[(tstate >> 6) & 63];

	w->nsnap = 0;
	w->top = 0;
	w->gen_ok = w->res_ok = false;
	w->gen = w->res = w->callee = 0;
	w->callee_ok = w->callee_used = false;
	w->churn = false;
	w->nalt = 0;
	w->ncur = 0;
	pp->npf = 0;
	if (!chunk)
		return 1;
	if (top <= chunk + 24 || top - chunk > MAX_CHUNK_READ)
		return -1;
	/* read a little past the top (frames pushed since tstate was read),
	 * but never past the chunk's end once its size is known */
	known = pp->chunk_sizes[(chunk >> 4) & 63];
	hi = top;
	if (known[0] == chunk && known[1] > 24 && known[1] <= MAX_CHUNK_READ)
		hi = top + CHUNK_SLACK < chunk + known[1] ? top + CHUNK_SLACK : chunk + known[1];
	if (hi < top)
		hi = top;
	len = (size_t)(hi - chunk);
	if (len > pp->chunk_alloc) {
		pp->chunk_alloc = len > 2 * pp->chunk_alloc ? len : 2 * pp->chunk_alloc;
		pp->chunk = hp_xrealloc(pp->chunk, pp->chunk_alloc);
	}
	if (tc->tstate != tstate) {
		memset(tc, 0, sizeof(*tc));
		tc->tstate = tstate;
	}
	/* the cframes whose current frame may be the top: the one tstate
	 * named, then those seen lately (a generator's resume, or Python
	 * called from C, runs a C-level eval loop with its own cframe) */
	if (l->tstate_cframe) {
		kc[nk++] = w->cframe;
		for (int i = 0; i < HP_PY_CFRAMES; i++)
			if (tc->cframes[i] && tc->cframes[i] != w->cframe)
				kc[nk++] = tc->cframes[i];
	}
	memset(f1, 0, sizeof(f1));
	memset(f2, 0, sizeof(f2));
	r[nr++] = (struct hp_mem_req){ tsc, &c1, 8, 0 };
	for (int i = 0; i < nk; i++)
		r[nr++] = (struct hp_mem_req){ kc[i] + l->cframe_current_frame, &f1[i], 8, 0 };
	r[nr++] = (struct hp_mem_req){ tstate + l->tstate_datastack_top, &t1, 8, 0 };
	r[nr++] = (struct hp_mem_req){ chunk, pp->chunk, len, 0 };
	r[nr++] = (struct hp_mem_req){ tstate + l->tstate_datastack_top, &t2, 8, 0 };
	/* right after the second read of the current cframe (which decides
	 * the top), the generator frame last seen on top and the frame that
	 * resumed it: a generator and its consumer take turns every few tens
	 * of nanoseconds, far faster than the chunk copy, so their headers
	 * must be read next to the read that decides which one is running */
	r[nr++] = (struct hp_mem_req){ tsc, &c2, 8, 0 };
	for (int i = 0; i < nk; i++)
		r[nr++] = (struct hp_mem_req){ kc[i] + l->cframe_current_frame, &f2[i], 8, 0 };
	w->gen = tc->gen;
	w->res = tc->gen ? tc->res : 0;
	/* the resumer, the generator and its callee's slot, in this order:
	 * a generator read after its resumer and still linked to it was
	 * resumed by it all along (read the other way round, the resumer
	 * could have moved on from a generator that had returned since:
	 * outer_coro on `await asyncio.sleep(0)` under an inner_coro still
	 * on its `return`); the last two decide the top (see "Callee") and
	 * are read as close together as can be */
	if (w->res)
		r[nr++] = (struct hp_mem_req){ w->res, w->res_hdr, l->frame_size, 0 };
	if (w->gen)
		r[nr++] = (struct hp_mem_req){ w->gen, w->gen_hdr, l->frame_size, 0 };
	/* the callee's slot: right above a resumer on the data stack */
	w->callee = w->gen && w->res >= chunk && w->res < hi && tc->callee > w->res ? tc->callee : 0;
	if (w->callee)
		r[nr++] = (struct hp_mem_req){ w->callee, w->callee_hdr, l->frame_size, 0 };
	r[nr++] = (struct hp_mem_req){ tstate + l->tstate_datastack_top, &t3, 8, 0 };
	/* the headers of the code objects of this thread's last stack: most
	 * stacks run the same code from one sample to the next */
	npf0 = nr;
	if (tc->ncodes > 0 && l->code_size <= CODE_HDR_MAX) {
		if (!pp->pf_hdrs)
			pp->pf_hdrs = hp_xmalloc((size_t)HP_PY_PREFETCH * CODE_HDR_MAX);
		for (int i = 0; i < tc->ncodes && i < HP_PY_PREFETCH; i++) {
			pp->pf_addr[pp->npf] = tc->codes[i];
			r[nr++] = (struct hp_mem_req){ tc->codes[i],
						       pp->pf_hdrs + (size_t)pp->npf * CODE_HDR_MAX,
						       l->code_size, 0 };
			pp->npf++;
		}
	}
	if (rd_vec(pp, r, nr) < 0)
		return -1;
	for (int i = 0; i < pp->npf; i++)
		pp->pf_ok[i] = r[npf0 + (size_t)i].ok;
	for (size_t i = 0; i < npf0; i++) {
		if (r[i].buf == w->res_hdr)
			w->res_ok = r[i].ok;
		else if (r[i].buf == w->gen_hdr)
			w->gen_ok = r[i].ok;
		else if (r[i].buf == w->callee_hdr)
			w->callee_ok = r[i].ok;
		else if (!r[i].ok)
			return -1;
	}
	if (t1 <= chunk + 24 || t1 > hi || t2 <= chunk + 24 || t2 > hi)
		return -1;
	for (int i = 0; i < nk; i++) {
		w->cur[w->ncur++] = f1[i];
		if (f2[i] != f1[i])
			w->cur[w->ncur++] = f2[i];
	}
	w->churn = t1 != t2;
	for (int i = 0; i < nk; i++) {
		if (kc[i] == c1)
			j1 = i;
		if (kc[i] == c2)
			j2 = i;
		if (f1[i] != f2[i])
			w->churn = true;
	}
	if (!l->tstate_cframe) {
		/* 3.12+: tstate names the current frame itself */
		if (c1 != c2)
			w->churn = true;
		w->top = c2;
	} else if (j2 < 0) {
		/* a cframe not seen before: remember it, and read its
		 * current frame now; the snapshot decides (churn) */
		if (rd_u64(pp, c2 + l->cframe_current_frame, &w->top))
			return -1;
		w->churn = true;
	} else {
		/* a cframe switch: a call from C into Python began or ended */
		if (j1 < 0 || c1 != c2)
			w->churn = true;
		w->top = f2[j2];
	}
	if (l->tstate_cframe) {
		remember_cframe(tc->cframes, c1);
		remember_cframe(tc->cframes, c2);
	}
	/* A generator and the frame that resumed it taking turns: the
	 * current frames of two known cframes are the pair, one of them
	 * named by the second read.  Which of them runs changes faster than
	 * separate reads can follow, so the generator's own header (one
	 * copy) decides: `previous` is its resumer while it runs, NULL while
	 * it is suspended (its resumer on top: datastack_top unchanged, so
	 * the resumer called no Python function, or it ends at the slot of
	 * the generator's callee or above).  While it waits on an inline
	 * call, its callee is on top: the header of the callee's slot, read
	 * next to it, is the top (see "Callee" below).  The generator's
	 * cframe names the generator, or that callee. */
	for (int i = 0; i < nk && w->gen; i++) {
		if (f2[i] == w->gen || (w->callee && f2[i] == w->callee))
			jg = i;
		else if (f2[i] == w->res)
			jr = i;
	}
	if (jg >= 0 && jr >= 0 && (j2 == jg || j2 == jr) && w->gen_ok && w->res_ok &&
	    (t3 == t1 || (w->callee && t1 >= w->callee && t3 >= w->callee))) {
		uint64_t gp = rd64(w->gen_hdr, l->frame_previous);

		int32_t gst = l->frame_stacktop ? rd32(w->gen_hdr, l->frame_stacktop) : -1;
		uint64_t gcode = rd64(w->gen_hdr, l->frame_code) & ~l->code_tag_mask;
		uint64_t gi = rd64(w->gen_hdr, l->frame_instr);
		uint64_t xcode = rd64(w->callee_hdr, l->frame_code) & ~l->code_tag_mask;
		bool linked = w->callee_ok && rd64(w->callee_hdr, l->frame_previous) == w->gen;
		int call = 0;

		/* the generator waits on an inline call (stacktop >= 0 on a
		 * call site) */
		if (gp == w->res && gst >= 0 && has_inline_call_ops(l)) {
			int64_t gidx = gi < gcode + l->co_code_adaptive
					       ? -1
					       : (int64_t)((gi - gcode - l->co_code_adaptive) / 2);

			if (gidx > (int64_t)(1u << 24))
				return -1;
			call = inline_call_site(pp, gcode, gidx);
			if (call < 0)
				return -1;
			/* waiting on the frame linked to it above its
			 * resumer: the site it calls that code from */
			if (call == 1 && linked)
				gensite_learn_codes(pp, gcode, xcode, gidx);
		}
		if (linked && (gp == w->res || gp == 0) && callee_runs(pp, w) &&
		    (call == 1 || gensite_instr(pp, gcode, xcode))) {
			/* its callee runs: on top (the generator stands on
			 * the call, as read or as learnt) */
			w->top = w->callee;
		} else if (gp == w->res) {
			/* `previous` is set just before a resume enters the
			 * generator's eval loop, and cleared only after it
			 * yielded and its eval loop returned: standing on
			 * YIELD_VALUE with stacktop >= 0 it still runs while
			 * tstate names its cframe, and no longer once tstate
			 * names the resumer's (seen single-stepping); it
			 * runs when executing (stacktop -1) or waiting on an
			 * inline call (its callee gone, or not started) */
			w->top = gst < 0 || call == 1 || j2 == jg || !has_inline_call_ops(l) ? w->gen
											     : w->res;
		} else if (gp == 0) {
			w->top = w->res;
		} else {
			return -1;
		}
	}
	/* Callee: the generator's callee (its frame in the slot above the
	 * resumer) lives a few hundred instructions; the copy is a moment
	 * older than the reads that decide the top, and it was copied before
	 * them.  Deciding the generator's state from its header read then but
	 * its callee's from the copy gave the generator the callee's time
	 * whenever the callee had run only at one of the two moments:
	 * `square` in gencalls.py got 0.09-0.15 of the samples live against
	 * 0.24 of the time (hp-stepper's --live simulation: 0.00 when the
	 * reads come 1000 instructions after the copy).  When the top is
	 * the pair's or the callee's, the callee's header read with them
	 * replaces its copy: one moment decides. */
	if (w->callee_ok && (w->top == w->gen || w->top == w->res || w->top == w->callee) &&
	    w->callee >= chunk && w->callee + l->frame_size <= hi &&
	    w->callee + l->frame_size > w->callee) {
		memcpy(pp->chunk + (w->callee - chunk), w->callee_hdr, l->frame_size);
		w->callee_used = true;
	}
	/* churn: the frame current before the copy, if the top does not
	 * chain in the snapshot */
	if (w->churn && j1 >= 0 && f1[j1] != w->top)
		w->alt[w->nalt++] = f1[j1];
	known[0] = chunk;
	known[1] = rd64(pp->chunk, 8);
	w->snaps[0].lo = chunk;
	w->snaps[0].hi = t1 > t2 ? t1 : t2;
	/* the callee's header read with the decision is part of the copy */
	if (w->callee_used && w->callee + l->frame_size > w->snaps[0].hi)
		w->snaps[0].hi = w->callee + l->frame_size;
	w->read_hi = hi;
	w->snaps[0].off = 0;
	w->nsnap = 1;
	used = len;
	/* older chunks (deep stacks): frozen while a newer chunk is in use.
	 * _PyStackChunk: previous, size, top (slots used, saved when the next
	 * chunk was pushed) */
	for (;;) {
		uint64_t prev = rd64(pp->chunk + w->snaps[w->nsnap - 1].off, 0), hdr[3];

		if (!prev || w->nsnap >= MAX_SNAPS)
			break;
		if (rd_exact(pp, prev, hdr, sizeof(hdr)) || hdr[2] > MAX_CHUNK_READ / 8)
			return -1;
		len = 24 + (size_t)hdr[2] * 8;
		if (used + len > MAX_CHUNK_READ * 4)
			return -1;
		if (used + len > pp->chunk_alloc) {
			pp->chunk_alloc = used + len > 2 * pp->chunk_alloc ? used + len : 2 * pp->chunk_alloc;
			pp->chunk = hp_xrealloc(pp->chunk, pp->chunk_alloc);
		}
		if (rd_exact(pp, prev, pp->chunk + used, len))
			return -1;
		w->snaps[w->nsnap].lo = prev;
		w->snaps[w->nsnap].hi = prev + len;
		w->snaps[w->nsnap].off = used;
		w->nsnap++;
		used += len;
	}
	return 0;
}

/* The snapshot holding the frame header at addr, or -1. */
static int snap_of(const struct walk *w, uint64_t addr, uint32_t size)
{
	for (int k = 0; k < w->nsnap; k++)
		if (addr >= w->snaps[k].lo && addr + size <= w->snaps[k].hi && addr + size > addr)
			return k;
	return -1;
}

/* <= 3.10: the PyFrameObjects from tstate->frame by f_back, one read
 * each into fb (frame_size bytes).  Every frame must have the frame type
 * (PyFrame_Type, or without the symbol the first frame's type), an aligned
 * code pointer and an f_lasti that can be an instruction; the chain is
 * bounded by MAX_DEPTH, which also ends cycles.  Code objects are checked
 * later against PyCode_Type with their headers.  Returns the count or -1. */
static int walk_frame_objects(struct hp_pyproc *pp, uint64_t frame, unsigned char *fb,
			      struct rawframe **out, size_t *alloc)
{
	const struct hp_pylayout *l = &pp->layout;
	uint64_t type0 = 0;
	int n = 0;

	if ((size_t)l->frame_code + 8 > l->frame_size ||
	    (size_t)l->frame_previous + 8 > l->frame_size ||
	    (size_t)l->frame_lasti + 4 > l->frame_size || (size_t)l->ob_type + 8 > l->frame_size ||
	    (l->lasti_unit != 1 && l->lasti_unit != 2))
		return -1;
	while (frame) {
		uint64_t type, code, back;
		int32_t lasti;

		if (n >= MAX_DEPTH || (frame & 7))
			return -1;
		if (rd_exact(pp, frame, fb, l->frame_size))
			return -1;
		type = rd64(fb, l->ob_type);
		code = rd64(fb, l->frame_code);
		back = rd64(fb, l->frame_previous);
		lasti = rd32(fb, l->frame_lasti);
		if (n == 0)
			type0 = type;
		if (!type || (type & 7) || type != (pp->frame_type ? pp->frame_type : type0))
			return -1;
		if (!code || (code & 7) || back == frame)
			return -1;
		/* -1: not started; 3.8/3.9 count bytes of 2-byte instructions */
		if (lasti < -1 || lasti > (1 << 24) || (l->lasti_unit == 1 && lasti > 0 && (lasti & 1)))
			return -1;
		HP_GROW(*out, (size_t)n + 1, *alloc);
		memset(&(*out)[n], 0, sizeof((*out)[n]));
		(*out)[n].code = code;
		(*out)[n].addr = frame;
		(*out)[n].prev = back;
		(*out)[n].index = lasti < 0 ? -1 : (int64_t)lasti * l->lasti_unit / 2;
		n++;
		frame = back;
	}
	return n;
}

/* Churn (3.11): the frames named current were read apart from the
 * snapshot, so the top is settled from the snapshot itself, where a frame's
 * stacktop tells its state: -1 while it executes (or calls C), >= 0 while
 * it waits for an inline-called Python frame (standing on the call, see
 * inline_call_site), and also once it returned (on RETURN_VALUE) or
 * before it started (index -1).  Climb: the slot right above the leaf (its
 * code's frame size away) holds a frame linked to it that runs: an inline
 * callee of a leaf waiting on a call, or an executing entry frame above an
 * executing leaf (Python called from C).  Then a leaf that returned or has
 * not started is dropped: its caller was on top (a leaf waiting on a call
 * whose callee is gone is returning from it, or about to push it: on top).
 * Frames read outside the snapshot (generators) are left as they are.
 * Returns the new count, or -1 when a code unit cannot be read. */
/* The copy of the frame header at s: in a snapshot, or in the newest chunk
 * above the top seen (the copy reads past it: frames pushed meanwhile).
 * NULL when it was not read. */
static const unsigned char *slot_in_copy(const struct hp_pyproc *pp, const struct walk *w,
					 uint64_t s)
{
	const struct hp_pylayout *l = &pp->layout;
	int k = snap_of(w, s, l->frame_size);

	if (k < 0 && w->nsnap > 0 && s >= w->snaps[0].lo && s + l->frame_size <= w->read_hi &&
	    s + l->frame_size > s)
		k = 0;
	if (k < 0)
		return NULL;
	return pp->chunk + w->snaps[k].off + (s - w->snaps[k].lo);
}

static int leaf_state(struct hp_pyproc *pp, const struct walk *w, const struct rawframe *t,
		      int32_t *st)
{
	const struct hp_pylayout *l = &pp->layout;
	const unsigned char *f = slot_in_copy(pp, w, t->addr);

	*st = -1;
	if (!f)
		return -1;
	*st = rd32(f, l->frame_stacktop);
	if (*st < 0)
		return 1;                      /* executing */
	if (t->index < 0)
		return 0;                      /* not started */
	if (!has_inline_call_ops(l))
		return 0;
	return inline_call_site(pp, t->code, t->index); /* 1 waits on a call */
}

static int settle_top(struct hp_pyproc *pp, const struct walk *w, struct rawframe **out,
		      size_t *alloc, int n)
{
	const struct hp_pylayout *l = &pp->layout;
	bool decided = false;

	if (!l->frame_stacktop || !l->frame_is_entry || !l->co_stacksize)
		return n;
	while (n > 0 && n < MAX_DEPTH && !(*out)[0].outside) {
		const struct rawframe *t = &(*out)[0];
		const struct hp_pycode *c = code_find(pp, t->code);
		const unsigned char *sf;
		uint64_t s, code, instr;
		int state;
		int32_t st;
		bool entry, runs;

		decided = false;
		/* frames climbed to above the top seen are in the copy too */
		if (!slot_in_copy(pp, w, t->addr))
			break;
		state = leaf_state(pp, w, t, &st);
		if (state < 0)
			return -1;
		decided = true;
		/* a leaf that returned or has not started has no callee; its
		 * state needs no frame size (the first sample of a code object
		 * has none yet: such a leaf was once kept) */
		if (st >= 0 && state != 1)
			break;
		if (!c || !c->framesize)
			break;
		s = t->addr + c->framesize;
		sf = slot_in_copy(pp, w, s);
		if (!sf)
			break;
		code = rd64(sf, l->frame_code) & ~l->code_tag_mask;
		instr = rd64(sf, l->frame_instr);
		entry = sf[l->frame_is_entry] != 0;
		if (rd64(sf, l->frame_previous) != t->addr || sf[l->frame_owner] != OWNER_THREAD ||
		    !code || (code & 7))
			break;
		if (st >= 0)
			runs = !entry;
		else
			runs = entry && rd32(sf, l->frame_stacktop) < 0;
		if (!runs)
			break;
		if (instr >= code + l->co_code_adaptive &&
		    (instr - code - l->co_code_adaptive) / 2 > (1u << 24)) {
			decided = false;
			break;
		}
		HP_GROW(*out, (size_t)n + 1, *alloc);
		memmove(&(*out)[1], &(*out)[0], (size_t)n * sizeof(**out));
		memset(&(*out)[0], 0, sizeof(**out));
		(*out)[0].code = code;
		(*out)[0].owner = OWNER_THREAD;
		(*out)[0].inline_call = !entry;
		(*out)[0].addr = s;
		(*out)[0].prev = (*out)[1].addr;
		(*out)[0].instr = instr;
		(*out)[0].index = instr < code + l->co_code_adaptive
					  ? -1
					  : (int64_t)((instr - code - l->co_code_adaptive) / 2);
		n++;
	}
	/* a leaf that returned or has not started: its caller was on top
	 * (without the call-site set: any waiting leaf, once) */
	while (decided && n > 1 && !(*out)[0].outside) {
		int32_t st;
		int state = leaf_state(pp, w, &(*out)[0], &st);

		if (state < 0)
			return -1;
		if (st < 0 || state == 1)
			break;
		memmove(&(*out)[0], &(*out)[1], (size_t)(n - 1) * sizeof(**out));
		n--;
		if (!has_inline_call_ops(l))
			break;
	}
	return n;
}

/* ---- generators calling functions ----
 * A generator calling a short function once per item (`sum(f(x) for x
 * in xs)`) and its consumer change state every few tens of nanoseconds.
 * The callee's frame is in the data-stack copy, but the generator's own
 * frame lives in the generator object and is read apart, a microsecond or
 * more later, when it has mostly moved on (suspended, or past the call):
 * such walks tore, and the callee lost most of its samples (0.03-0.05 of
 * gencalls.py's samples against 0.27 with the target stopped).  Yet the
 * copy alone says that the callee ran, called inline by the generator
 * (its `previous`), so the generator then stood on a call to it, resumed
 * by the executing frame right below the callee's slot (the callee was
 * pushed at the top of the thread's data stack).  What the copy cannot
 * say is which call: that comes from the walks whose generator frame was
 * read standing on the call and validated (thread_attempt): the call
 * site is remembered per (generator code, callee code), and a pair seen
 * calling from two lines is never inferred. */

static struct hp_pygensite *gensite(struct hp_pyproc *pp, uint32_t gen_uid, uint32_t callee_uid)
{
	return &pp->gensites[(gen_uid * 31u + callee_uid * 17u) & 255];
}

static void gensite_learn(struct hp_pyproc *pp, uint32_t gen_uid, uint32_t callee_uid,
			  uint32_t index, int line)
{
	struct hp_pygensite *g = gensite(pp, gen_uid, callee_uid);

	if (g->gen_uid == gen_uid && g->callee_uid == callee_uid) {
		if (g->line != line)
			g->ambiguous = true;
		g->index = index;
		g->line = line;
		return;
	}
	g->gen_uid = gen_uid;
	g->callee_uid = callee_uid;
	g->index = index;
	g->line = line;
	g->ambiguous = false;
}

/* The instruction a generator of code gcode calls code xcode from, as
 * learnt: its address, or 0 when unknown or ambiguous. */
static uint64_t gensite_instr(struct hp_pyproc *pp, uint64_t gcode, uint64_t xcode)
{
	uint32_t gi = code_index(pp, gcode), xi = code_index(pp, xcode);
	const struct hp_pygensite *g;

	if (!gi || !xi)
		return 0;
	g = gensite(pp, pp->codes[gi - 1].uid, pp->codes[xi - 1].uid);
	if (g->gen_uid != pp->codes[gi - 1].uid || g->callee_uid != pp->codes[xi - 1].uid ||
	    g->ambiguous)
		return 0;
	return gcode + pp->layout.co_code_adaptive + 2 * (uint64_t)g->index;
}

/* Learn from a generator of code gcode read standing on call site index,
 * with a frame of code xcode linked to it above its resumer: both codes
 * cached (their line tables give the line). */
static void gensite_learn_codes(struct hp_pyproc *pp, uint64_t gcode, uint64_t xcode,
				int64_t index)
{
	uint32_t gi = code_index(pp, gcode), xi = code_index(pp, xcode);
	const struct hp_pycode *g;
	int line;

	if (!gi || !xi || index < 0 || index > (int64_t)(1u << 24))
		return;
	g = &pp->codes[gi - 1];
	if (!g->qualname || !pp->codes[xi - 1].qualname ||
	    hp_linetable_line_fmt(pp->layout.linetable_format, g->linetable, g->linetable_len,
				  g->firstlineno, (int)index, &line))
		return;
	gensite_learn(pp, g->uid, pp->codes[xi - 1].uid, (uint32_t)index,
		      line < 0 ? g->firstlineno : line);
}

/* The frame in the copy's slot right above thread frame r (r's frame size
 * away) when generator frame gen called it inline and it ran there
 * (executing, or waiting on a call of its own): into *x.  Returns 0. */
static int copy_callee(struct hp_pyproc *pp, const struct walk *w, uint64_t r, uint64_t gen,
		       struct rawframe *x)
{
	const struct hp_pylayout *l = &pp->layout;
	int kr = snap_of(w, r, l->frame_size);
	const unsigned char *sf;
	const struct hp_pycode *c;
	uint64_t s, code, instr;
	int32_t st;

	if (kr < 0)
		return -1;
	c = code_find(pp, rd64(pp->chunk + w->snaps[kr].off + (r - w->snaps[kr].lo), l->frame_code) &
				  ~l->code_tag_mask);
	if (!c || !c->framesize)
		return -1;
	s = r + c->framesize;
	sf = slot_in_copy(pp, w, s);
	if (!sf)
		return -1;
	code = rd64(sf, l->frame_code) & ~l->code_tag_mask;
	instr = rd64(sf, l->frame_instr);
	st = rd32(sf, l->frame_stacktop);
	if (rd64(sf, l->frame_previous) != gen || sf[l->frame_owner] != OWNER_THREAD || !code ||
	    (code & 7) || instr < code + l->co_code_adaptive ||
	    (instr - code - l->co_code_adaptive) / 2 > (1u << 24))
		return -1;
	memset(x, 0, sizeof(*x));
	x->code = code;
	x->owner = OWNER_THREAD;
	x->inline_call = !sf[l->frame_is_entry];
	x->addr = s;
	x->prev = gen;
	x->instr = instr;
	x->index = (int64_t)((instr - code - l->co_code_adaptive) / 2);
	if (st >= 0 && inline_call_site(pp, code, x->index) != 1)
		return -1;
	return 0;
}

/* Whether a generator's frame f (code, instr and prev as read from it),
 * read apart from the copy, still stands on the call of x: an inline
 * callee leaves it waiting (stacktop >= 0 on a call site); one entered
 * from C (Fraction(...) running __new__) leaves it executing the
 * instruction that called into C, the learnt one (site) when known. */
static bool gen_on_call(struct hp_pyproc *pp, const unsigned char *f, uint64_t code,
			uint64_t instr, uint64_t prev, const struct rawframe *x, uint64_t site)
{
	const struct hp_pylayout *l = &pp->layout;
	int64_t index;

	if (!prev)
		return false;
	if (!x->inline_call)
		return rd32(f, l->frame_stacktop) < 0 && (!site || instr == site);
	if (rd32(f, l->frame_stacktop) < 0 || instr < code + l->co_code_adaptive ||
	    (instr - code - l->co_code_adaptive) / 2 > (1u << 24))
		return false;
	index = (int64_t)((instr - code - l->co_code_adaptive) / 2);
	return inline_call_site(pp, code, index) == 1;
}

/* Infer the state of generator frame gen (code gcode, read apart) calling
 * x, a frame of the copy: its instruction and its resumer.  Returns 0. */
static int gen_infer(struct hp_pyproc *pp, const struct walk *w, uint64_t gcode,
		     const struct rawframe *x, uint64_t *instr, uint64_t *resumer)
{
	const struct hp_pylayout *l = &pp->layout;
	uint64_t site = gensite_instr(pp, gcode, x->code);
	int kx = snap_of(w, x->addr, l->frame_size);
	int32_t xst;

	if (!site || kx < 0)
		return -1;
	/* the callee ran in the copy: executing, or waiting on a call */
	xst = rd32(pp->chunk + w->snaps[kx].off + (x->addr - w->snaps[kx].lo), l->frame_stacktop);
	if (xst >= 0 && (x->index < 0 || inline_call_site(pp, x->code, x->index) != 1))
		return -1;
	/* the resumer: a current frame of a known cframe, executing in the
	 * copy, whose slot ends where the callee's begins */
	for (int i = 0; i < w->ncur; i++) {
		uint64_t a = w->cur[i], code;
		int k = snap_of(w, a, l->frame_size);
		const unsigned char *f;
		const struct hp_pycode *c;

		if (!a || k < 0 || a >= x->addr)
			continue;
		f = pp->chunk + w->snaps[k].off + (a - w->snaps[k].lo);
		code = rd64(f, l->frame_code) & ~l->code_tag_mask;
		c = code_find(pp, code);
		if (!c || !c->framesize || a + c->framesize != x->addr ||
		    f[l->frame_owner] != OWNER_THREAD || rd32(f, l->frame_stacktop) >= 0)
			continue;
		*instr = site;
		*resumer = a;
		return 0;
	}
	return -1;
}

/* Collect the raw frames of one thread (leaf first).  Returns the count or
 * -1 on a failed read or a chain that does not validate. */
/* Follow `previous` from frame (leaf first) into *out.  Returns the count
 * or -1 when the chain does not validate. */
static int walk_chain(struct hp_pyproc *pp, const struct walk *w, uint64_t frame,
		      unsigned char *fb, struct rawframe **out, size_t *alloc)
{
	const struct hp_pylayout *l = &pp->layout;
	int n = 0;

	while (frame) {
		const unsigned char *f;
		uint64_t code, instr, prev, addr = frame;
		int owner, k;
		bool late, dead = false, inferred = false, has_lead = false, batch = false;
		struct rawframe lead;
		uint64_t alt;

		if (n >= MAX_DEPTH || (frame & 7))
			return -1;
		k = snap_of(w, frame, l->frame_size);
		late = false;
		alt = 0;
		if (w->res_ok && frame == w->res) {
			/* the generator's resumer, read next to the generator:
			 * in a chunk, the same frame as in the snapshot (its
			 * instruction may have moved since the copy) */
			f = w->res_hdr;
			if (k >= 0) {
				const unsigned char *s = pp->chunk + w->snaps[k].off +
							 (frame - w->snaps[k].lo);

				if (rd64(f, l->frame_code) != rd64(s, l->frame_code) ||
				    rd64(f, l->frame_previous) != rd64(s, l->frame_previous) ||
				    f[l->frame_owner] != s[l->frame_owner])
					return -1;
				/* under its running generator, the resumer
				 * stands on the instruction that resumed it:
				 * the fresh copy or the snapshot shows it */
				if (n > 0 && rd64(s, l->frame_instr) != rd64(f, l->frame_instr))
					alt = rd64(s, l->frame_instr);
			}
		} else if (k >= 0) {
			f = pp->chunk + w->snaps[k].off + (frame - w->snaps[k].lo);
		} else if (w->gen_ok && frame == w->gen &&
			   (n == 0 || (w->callee_used && n == 1 && (*out)[0].addr == w->callee))) {
			f = w->gen_hdr;
			batch = n == 1;
		} else {
			if (rd_exact(pp, frame, fb, l->frame_size))
				return -1;
			f = fb;
			late = true;
		}
		code = rd64(f, l->frame_code) & ~l->code_tag_mask;
		instr = rd64(f, l->frame_instr);
		owner = f[l->frame_owner];
		prev = rd64(f, l->frame_previous);
		if (owner > 3)
			return -1;
		if (w->nsnap > 0) {
			/* chunk frames belong to the thread and call down the
			 * chunk; anything else must be a generator's frame */
			if (k >= 0 && owner != OWNER_THREAD)
				return -1;
			if (k < 0 && owner != OWNER_GENERATOR && owner != l->owner_cstack)
				return -1;
			if (k >= 0 && prev && prev >= w->snaps[k].lo && prev < w->snaps[k].hi &&
			    prev >= frame)
				return -1;
		}
		/* a generator read apart that no longer stands on the call to
		 * the frame above it (see "Generators calling functions") */
		if ((late || batch) && n > 0 && owner == OWNER_GENERATOR && l->frame_stacktop &&
		    has_inline_call_ops(l) && !(*out)[n - 1].outside && code && !(code & 7)) {
			uint64_t site = gensite_instr(pp, code, (*out)[n - 1].code);
			bool waits = gen_on_call(pp, f, code, instr, prev, &(*out)[n - 1], site);
			uint64_t ginstr, gprev;

			if (!waits && gen_infer(pp, w, code, &(*out)[n - 1], &ginstr, &gprev) == 0) {
				instr = ginstr;
				prev = gprev;
				inferred = true;
				late = false;
				batch = false;
			}
		}
		/* the generator named on top suspended since, but the copy
		 * shows a frame it called running above its last resumer:
		 * it stood on that call, resumed by that frame */
		if (!prev && n == 0 && owner == OWNER_GENERATOR && w->res && frame == w->gen &&
		    l->frame_stacktop && has_inline_call_ops(l) && code && !(code & 7) &&
		    copy_callee(pp, w, w->res, frame, &lead) == 0) {
			uint64_t site = gensite_instr(pp, code, lead.code);

			if (site) {
				instr = site;
				prev = w->res;
				inferred = true;
				late = false;
				has_lead = true;
			}
		}
		/* a generator's frame is always resumed by someone: at the bottom
		 * of a chain it means the generator suspended under us */
		if (!prev && owner == OWNER_GENERATOR)
			return -1;
		/* the thread's first frame is the only one without a caller,
		 * and it sits at data[1] of the root chunk (pystate.c skips
		 * data[0] there); elsewhere a NULL `previous` is a frame being
		 * set up, not linked yet */
		if (!prev && k >= 0 && owner == OWNER_THREAD &&
		    (rd64(pp->chunk + w->snaps[k].off, 0) != 0 || addr != w->snaps[k].lo + 32))
			return -1;
		/* 3.11: a frame entered by an inline Python call (not is_entry)
		 * leaves its caller with stacktop >= 0 until it returns; a
		 * caller seen executing (stacktop -1) under such a frame means
		 * the callee is a dead slot above the live stack */
		if (n > 0 && l->frame_stacktop && l->frame_is_entry && !inferred) {
			int32_t st = rd32(f, l->frame_stacktop);
			bool inl = (*out)[n - 1].inline_call, snapped = k >= 0;

			for (int j = 0; j < n && snapped; j++)
				snapped = !(*out)[j].outside;
			if (inl && st < 0) {
				if (!snapped)
					return -1;
				/* in the copy, f was executing and the frames
				 * above it were dead slots, or one being pushed
				 * (CPython may store the new current frame
				 * before the caller's stacktop: seen with the
				 * target stopped): f was on top */
				n = 0;
			} else if (!inl && st >= 0 && w->churn && snapped) {
				/* an entry frame (called from C) above a frame
				 * suspended in an inline call: a dead slot */
				return -1;
			} else if (inl && has_inline_call_ops(l) && code && !(code & 7) &&
				   instr >= code + l->co_code_adaptive &&
				   (instr - code - l->co_code_adaptive) / 2 <= (1u << 24)) {
				/* waiting (stacktop >= 0) but not on a call:
				 * f returned, and it and the frames above it
				 * are dead slots (churn: its caller was on top;
				 * else the walk tore) */
				int site = inline_call_site(
					pp, code, (int64_t)((instr - code - l->co_code_adaptive) / 2));

				if (site < 0)
					return -1;
				if (site == 0) {
					if (!w->churn || !snapped)
						return -1;
					n = 0;
					dead = true;
				}
			}
		}
		frame = prev;
		if (dead)
			continue;
		if (l->owner_cstack >= 0 && owner == l->owner_cstack)
			continue;
		if (!code || (code & 7))
			return -1;
		if (has_lead) {
			HP_GROW(*out, (size_t)n + 1, *alloc);
			(*out)[n++] = lead;
		}
		HP_GROW(*out, (size_t)n + 1, *alloc);
		(*out)[n].code = code;
		(*out)[n].owner = (uint8_t)owner;
		(*out)[n].resumer = n > 0 && (*out)[n - 1].owner == OWNER_GENERATOR;
		(*out)[n].outside = k < 0;
		/* a frame of the copy under one read apart (a coroutine's,
		 * or its resumer's): the slot may hold another frame by then
		 * (a coroutine resumed through Handle._run's slot, which held
		 * BaseEventLoop.time when copied): read again with it */
		(*out)[n].late = late || (k >= 0 && n > 0 && (*out)[n - 1].outside && addr != w->res &&
					  !inferred);
		(*out)[n].batch = batch;
		(*out)[n].inferred = inferred;
		(*out)[n].alt_instr = alt >= code + l->co_code_adaptive &&
				      (alt - code - l->co_code_adaptive) / 2 <= (1u << 24) ? alt : 0;
		(*out)[n].inline_call = l->frame_is_entry && !f[l->frame_is_entry] && !inferred;
		(*out)[n].addr = addr;
		(*out)[n].prev = prev;
		(*out)[n].instr = instr;
		/* instr may lie before the first instruction (a frame that has
		 * not started yet): index -1 */
		if (instr < code + l->co_code_adaptive)
			(*out)[n].index = -1;
		else if ((instr - code - l->co_code_adaptive) / 2 > (1u << 24))
			return -1;
		else
			(*out)[n].index = (int64_t)((instr - code - l->co_code_adaptive) / 2);
		n++;
		/* a frame that has not started calls nobody: the frames above it
		 * are dead slots (churn: it was on top; else the walk tore) */
		if (n > 1 && (*out)[n - 1].index < 0) {
			if (!w->churn)
				return -1;
			(*out)[0] = (*out)[n - 1];
			(*out)[0].resumer = false;
			n = 1;
		}
	}
	return n;
}

static int walk_thread(struct hp_pyproc *pp, uint64_t tstate, const unsigned char *ts,
		       struct walk *w, struct rawframe **out, size_t *alloc, bool use_chunks)
{
	const struct hp_pylayout *l = &pp->layout;
	uint64_t frame;
	unsigned char fb[512];
	int n = 0, r;

	w->nsnap = 0;
	w->cframe = 0;
	if (l->frame_size > sizeof(fb))
		return -1;
	if (l->tstate_cframe) {
		w->cframe = rd64(ts, l->tstate_cframe);
		if (!w->cframe)
			return 0;
	}
	r = use_chunks ? read_chunks(pp, tstate, ts, w) : 1;
	if (r < 0)
		return -1;
	if (r == 0) {
		/* the current frame came with the chunk snapshot */
		frame = w->top;
	} else if (l->tstate_cframe) {
		if (rd_u64(pp, w->cframe + l->cframe_current_frame, &frame))
			return -1;
	} else {
		frame = rd64(ts, l->tstate_current_frame);
	}
	w->top = frame;
	if (!frame)
		return 0;
	if (l->frame_objects)
		return walk_frame_objects(pp, frame, fb, out, alloc);
	n = walk_chain(pp, w, frame, fb, out, alloc);
	/* churn: when the frame named current after the copy does not chain
	 * in the snapshot (pushed after it was copied, or a cframe that
	 * already ended), the frames named current before it are tried */
	for (int i = 0; n < 0 && w->churn && i < w->nalt; i++) {
		if (!w->alt[i] || w->alt[i] == frame)
			continue;
		w->top = w->alt[i];
		n = walk_chain(pp, w, w->alt[i], fb, out, alloc);
	}
	if (n <= 0)
		return n;
	/* a running generator on top whose call the copy shows running
	 * above its resumer (see "Generators calling functions") */
	if (n >= 2 && (*out)[0].outside && (*out)[0].owner == OWNER_GENERATOR &&
	    !(*out)[0].inferred && !(*out)[1].outside && l->frame_stacktop &&
	    has_inline_call_ops(l)) {
		struct rawframe x;
		uint64_t site;

		if (copy_callee(pp, w, (*out)[1].addr, (*out)[0].addr, &x) == 0 &&
		    (site = gensite_instr(pp, (*out)[0].code, x.code)) != 0) {
			HP_GROW(*out, (size_t)n + 1, *alloc);
			memmove(&(*out)[1], &(*out)[0], (size_t)n * sizeof(**out));
			(*out)[0] = x;
			(*out)[1].instr = site;
			(*out)[1].index = (int64_t)((site - (*out)[1].code - l->co_code_adaptive) / 2);
			(*out)[1].inferred = true;
			(*out)[1].late = false;
			(*out)[1].alt_instr = 0;
			n++;
		}
	}
	/* even when nothing changed between the reads around the copy, a
	 * short frame may have been called and gone in between: the copy
	 * shows it running above the top (every tenth sample of lambdas.py,
	 * which went to the caller) */
	n = settle_top(pp, w, out, alloc, n);
	/* remember a generator frame on top, and the frame that resumed it,
	 * for the next snapshot; kept while its resumer is on top (the two
	 * take turns) */
	if (use_chunks && n > 0 && pp->thread_cache[(tstate >> 6) & 63].tstate == tstate) {
		struct hp_pythread_cache *tc = &pp->thread_cache[(tstate >> 6) & 63];

		if ((*out)[0].outside && n > 1) {
			if (tc->gen != (*out)[0].addr || tc->res != (*out)[1].addr)
				tc->callee = 0;
			tc->gen = (*out)[0].addr;
			tc->res = (*out)[1].addr;
		} else if (n > 2 && !(*out)[0].outside && (*out)[1].outside &&
			   (*out)[1].owner == OWNER_GENERATOR && !(*out)[2].outside) {
			tc->callee = (*out)[0].addr;
			tc->gen = (*out)[1].addr;
			tc->res = (*out)[2].addr;
		} else if ((*out)[0].addr != tc->res) {
			tc->gen = tc->res = tc->callee = 0;
		}
		/* the slot a callee of the generator takes: right above the
		 * resumer, whose frame size is known once its code is */
		if (tc->res && !tc->callee) {
			for (int i = 0; i < n; i++) {
				const struct hp_pycode *c;

				if ((*out)[i].addr != tc->res || (*out)[i].outside)
					continue;
				c = code_find(pp, (*out)[i].code);
				if (c && c->framesize)
					tc->callee = tc->res + c->framesize;
				break;
			}
		}
	}
	return n;
}

/* Two walks agree: same code objects, same call sites above the leaf. */
static bool same_stack(const struct rawframe *a, const struct rawframe *b, int n)
{
	for (int i = 0; i < n; i++)
		if (a[i].code != b[i].code || (i > 0 && a[i].index != b[i].index))
			return false;
	return true;
}

static bool resume_op(const struct hp_pylayout *l, unsigned op)
{
	return (l->resume_ops[(op >> 6) & 3] >> (op & 63)) & 1;
}

static bool has_resume_ops(const struct hp_pylayout *l)
{
	return (l->resume_ops[0] | l->resume_ops[1] | l->resume_ops[2] | l->resume_ops[3]) != 0;
}

static void reserve_reqs(struct hp_pyproc *pp, size_t n)
{
	if (n <= pp->reqs_alloc)
		return;
	n *= 2;
	pp->reqs = hp_xreallocarray(pp->reqs, n, sizeof(*pp->reqs));
	pp->hdrs = hp_xreallocarray(pp->hdrs, n, CODE_HDR_MAX);
	pp->frame_codes = hp_xreallocarray(pp->frame_codes, n, sizeof(uint32_t));
	pp->frames = hp_xreallocarray(pp->frames, n, sizeof(*pp->frames));
	pp->reqs_alloc = n;
}

enum { THREAD_OK, THREAD_EMPTY, THREAD_TORN, THREAD_GONE };

/* Validate code entry c from a header read with the snapshot, if there is
 * one: true when done (a header that no longer resolves sets *bad). */
static bool prefetched(struct hp_pyproc *pp, struct hp_pycode *c, int *bad)
{
	for (int k = 0; k < pp->npf; k++) {
		const unsigned char *h = pp->pf_hdrs + (size_t)k * CODE_HDR_MAX;

		if (pp->pf_addr[k] != c->addr)
			continue;
		if (!pp->pf_ok[k])
			return false;
		if (!(c->qualname && code_matches(pp, c, h)) && code_fill(pp, c, h))
			*bad = 1;
		return true;
	}
	return false;
}

/* Remember the distinct code objects of a thread's stack for the headers
 * read with its next snapshot. */
static void remember_codes(struct hp_pyproc *pp, uint64_t tstate, const struct rawframe *raw,
			   int n)
{
	struct hp_pythread_cache *tc = &pp->thread_cache[(tstate >> 6) & 63];
	int m = 0;

	if (tc->tstate != tstate)
		return;
	for (int i = 0; i < n && m < HP_PY_PREFETCH; i++) {
		int j;

		for (j = 0; j < m && tc->codes[j] != raw[i].code; j++)
			;
		if (j == m)
			tc->codes[m++] = raw[i].code;
	}
	tc->ncodes = m;
}

/* The cache entry of the code object at addr, validated this tick: from
 * the headers read with the snapshot, or by a read queued in pp->reqs at
 * *nreq (done by the caller's vectored read). */
static struct hp_pycode *want_code(struct hp_pyproc *pp, uint64_t addr, size_t *nreq, int *bad)
{
	bool fresh;
	struct hp_pycode *c = code_lookup(pp, addr, &fresh);

	if (c->seen_tick == pp->tick)
		return c;
	c->seen_tick = pp->tick;
	if (prefetched(pp, c, bad))
		return c;
	pp->reqs[*nreq].addr = addr;
	pp->reqs[*nreq].buf = pp->hdrs + *nreq * CODE_HDR_MAX;
	pp->reqs[*nreq].len = pp->layout.code_size;
	(*nreq)++;
	return c;
}

/* One attempt at a thread's stack: walk, then validate with one vectored
 * read (code headers, resumers' instructions, top frame unchanged). */
static int thread_attempt(struct hp_pyproc *pp, uint64_t tstate, const unsigned char *ts,
			  struct rawframe **raw, size_t *raw_alloc, int *nout)
{
	const struct hp_pylayout *l = &pp->layout;
	bool chunks = l->tstate_datastack_chunk && l->tstate_datastack_top;
	bool check_ops = chunks && has_resume_ops(l);
	struct hp_pythread_cache *tc = pp->thread_cache[(tstate >> 6) & 63].tstate == tstate
					       ? &pp->thread_cache[(tstate >> 6) & 63]
					       : NULL;
	struct walk w;
	uint64_t v_top = 0;
	uint16_t *ops;
	size_t nreq = 0, ncode, nops = 0, nouts;
	int n, bad = 0;

	n = walk_thread(pp, tstate, ts, &w, raw, raw_alloc, chunks);
	if (n <= 0)
		return n == 0 ? THREAD_EMPTY : THREAD_TORN;
	if (!chunks) {
		/* frames read one by one: a second walk must agree */
		struct rawframe *r2 = NULL;
		size_t a2 = 0;
		struct walk w2;
		int n2 = walk_thread(pp, tstate, ts, &w2, &r2, &a2, false);
		bool same = n2 == n && same_stack(*raw, r2, n);

		free(r2);
		if (!same)
			return THREAD_TORN;
	}
	reserve_reqs(pp, (size_t)n * 5 + 6);
	for (int i = 0; i < n; i++) {
		/* (want_code may grow pp->codes) */
		const struct hp_pycode *c = want_code(pp, (*raw)[i].code, &nreq, &bad);

		pp->frame_codes[i] = (uint32_t)(c - pp->codes);
	}
	/* the code of the generator's callee read with the decision (see
	 * "Callee"), so that its call site can be learnt before the walk
	 * ever had it on top */
	if (w.callee_ok) {
		uint64_t xcode = rd64(w.callee_hdr, l->frame_code) & ~l->code_tag_mask;

		if (xcode && !(xcode & 7))
			want_code(pp, xcode, &nreq, &bad);
	}
	ncode = nreq;
	/* scratch space in hdrs: code headers in slots [0, n + 1) (the
	 * callee's), re-read frames in [n + 1, 3n + 1), opcodes from slot
	 * 3n + 1 on (2 bytes each) */
	ops = (uint16_t *)(void *)(pp->hdrs + ((size_t)n * 3 + 1) * CODE_HDR_MAX);
	for (int i = 0; check_ops && i < n; i++) {
		if (!(*raw)[i].resumer)
			continue;
		if ((*raw)[i].index < 0)
			return THREAD_TORN;
		pp->reqs[nreq].addr = (*raw)[i].code + l->co_code_adaptive +
				      (uint64_t)(*raw)[i].index * 2;
		pp->reqs[nreq].buf = &ops[nops++];
		pp->reqs[nreq].len = 2;
		nreq++;
		if ((*raw)[i].alt_instr) {
			pp->reqs[nreq].addr = (*raw)[i].alt_instr;
			pp->reqs[nreq].buf = &ops[nops++];
			pp->reqs[nreq].len = 2;
			nreq++;
		}
	}
	/* a caller read on its own after its callee (a coroutine awaiting
	 * another, read one by one) may have moved on in between (the callee
	 * finished and the caller awaits the next one): both are read again,
	 * the callee must still run under that caller and the caller must
	 * still stand on the same instruction, so the caller did not move
	 * while it was read.  Frames from the snapshot or read next to the
	 * decision of the top are not concerned, and a running top frame's
	 * instruction is never compared (it moves all the time). */
	nouts = nreq;
	for (int i = 1; chunks && i < n; i++) {
		if (!(*raw)[i].late)
			continue;
		for (int j = i - 1; j <= i; j++) {
			pp->reqs[nreq].addr = (*raw)[j].addr;
			pp->reqs[nreq].buf = pp->hdrs + ((size_t)n + 1 + (nreq - nouts)) * CODE_HDR_MAX;
			pp->reqs[nreq].len = l->frame_size;
			nreq++;
		}
	}
	nouts = nreq - nouts;
	if (!chunks) {
		/* the walk started from the frame that is still on top */
		pp->reqs[nreq].addr = l->tstate_cframe ? w.cframe + l->cframe_current_frame
						       : tstate + l->tstate_current_frame;
		pp->reqs[nreq].buf = &v_top;
		pp->reqs[nreq].len = 8;
		nreq++;
	}
	if (nreq && rd_vec(pp, pp->reqs, nreq) < 0)
		return THREAD_GONE;
	if (!chunks && (!pp->reqs[nreq - 1].ok || v_top != w.top))
		bad = 1;
	for (size_t k = ncode + nops, i = 1; k < ncode + nops + nouts; i++) {
		const unsigned char *callee, *caller;

		if (!(*raw)[i].late)
			continue;
		callee = pp->reqs[k].buf;
		caller = pp->reqs[k + 1].buf;
		if (!pp->reqs[k].ok || !pp->reqs[k + 1].ok ||
		    rd64(callee, l->frame_previous) != (*raw)[i].addr ||
		    (rd64(callee, l->frame_code) & ~l->code_tag_mask) != (*raw)[i - 1].code ||
		    (rd64(caller, l->frame_code) & ~l->code_tag_mask) != (*raw)[i].code ||
		    rd64(caller, l->frame_previous) != (*raw)[i].prev ||
		    rd64(caller, l->frame_instr) != (*raw)[i].instr)
			bad = 1;
		k += 2;
	}
	for (size_t k = ncode, i = 0; k < ncode + nops; i++) {
		const unsigned char *b = pp->reqs[k].buf, *b2;
		struct rawframe *rf = &(*raw)[i];
		bool seen = false;

		if (!rf->resumer)
			continue;
		if (pp->reqs[k].ok && resume_op(l, b[0])) {
			seen = true;
		} else {
			b2 = rf->alt_instr ? pp->reqs[k + 1].buf : NULL;
			if (b2 && pp->reqs[k + 1].ok && resume_op(l, b2[0])) {
				rf->instr = rf->alt_instr;
				seen = true;
			} else if (tc && rf->addr == tc->res && rf->code == tc->res_code &&
				   tc->res_instr) {
				/* the generator's header decided that it ran,
				 * resumed by this frame, which has moved on by
				 * the read of its own: it stood on the resume
				 * it was last seen on (one place only) */
				rf->instr = tc->res_instr;
				rf->inferred = true;
			} else {
				bad = 1;
			}
			rf->index = (int64_t)((rf->instr - rf->code - l->co_code_adaptive) / 2);
		}
		if (seen && tc && rf->addr == tc->res) {
			if (tc->res_code != rf->code) {
				tc->res_code = rf->code;
				tc->res_instr = rf->instr;
			} else if (tc->res_instr != rf->instr) {
				tc->res_instr = 0;
			}
		}
		k += rf->alt_instr ? 2 : 1;
	}
	for (size_t k = 0; k < ncode; k++) {
		bool fresh;
		struct hp_pycode *c = code_lookup(pp, pp->reqs[k].addr, &fresh);
		const unsigned char *h = pp->reqs[k].buf;

		if (!pp->reqs[k].ok) {
			c->seen_tick = 0;
			c->type = 0;
			bad = 1;
			continue;
		}
		if (c->qualname && code_matches(pp, c, h))
			continue;
		if (code_fill(pp, c, h))
			bad = 1;
	}
	if (bad)
		return THREAD_TORN;
	for (int i = 0; i < n; i++) {
		const struct hp_pycode *c = &pp->codes[pp->frame_codes[i]];
		int line;

		if (!c->qualname ||
		    hp_linetable_line_fmt(l->linetable_format, c->linetable, c->linetable_len,
					  c->firstlineno, (int)(*raw)[i].index, &line))
			return THREAD_TORN;
		pp->frames[i].uid = c->uid;
		pp->frames[i].line = line < 0 ? c->firstlineno : line;
		pp->frames[i].qualname = c->qualname;
		pp->frames[i].filename = c->filename;
	}
	/* generators seen standing on a call, read after it and validated:
	 * the call site for gen_infer */
	for (int i = 1; chunks && i < n; i++)
		if (((*raw)[i].late || (*raw)[i].batch) && (*raw)[i].owner == OWNER_GENERATOR &&
		    !(*raw)[i - 1].outside &&
		    (*raw)[i].index >= 0)
			gensite_learn(pp, pp->frames[i].uid, pp->frames[i - 1].uid,
				      (uint32_t)(*raw)[i].index, pp->frames[i].line);
	if (chunks)
		remember_codes(pp, tstate, *raw, n);
	*nout = n;
	return THREAD_OK;
}

int hp_pyproc_sample(struct hp_pyproc *pp, hp_pystack_fn fn, void *ctx,
		     struct hp_pysample_stats *st)
{
	const struct hp_pylayout *l = &pp->layout;
	unsigned char ts[4096];
	struct rawframe *raw = NULL;
	size_t raw_alloc = 0;
	uint64_t tstate;
	int nthreads = 0, ret = 0;
	bool have_ts = false;

	pp->tick++;
	/* bound the cache; only between samples, so indexes stay valid */
	if (pp->nr_codes >= MAX_CODES)
		codes_clear(pp);
	if (l->tstate_size > sizeof(ts) || l->code_size > CODE_HDR_MAX)
		return -1;
	/* the head pointer and, in the same read, the thread state it named
	 * last time (one system call less per tick; used only if it agrees) */
	{
		struct hp_mem_req r[2] = {
			{ pp->interp + l->interp_threads_head, &tstate, 8, 0 },
			{ pp->head_tstate, ts, l->tstate_size, 0 },
		};

		if (rd_vec(pp, r, pp->head_tstate ? 2 : 1) < 0 || !r[0].ok) {
			if (errno == ESRCH || errno == EPERM)
				return -1;
			st->errors++;
			return 0;
		}
		have_ts = pp->head_tstate && r[1].ok && tstate == pp->head_tstate;
		pp->head_tstate = tstate;
	}
	while (tstate) {
		uint64_t this = tstate, tid = 0;
		int r = THREAD_TORN, n = 0;

		if (++nthreads > MAX_THREADS) {
			st->errors++;
			break;
		}
		for (int attempt = 0; attempt < WALK_ATTEMPTS && r == THREAD_TORN; attempt++) {
			if (attempt)
				st->retries++;
			if (have_ts) {
				have_ts = false;
			} else if (rd_exact(pp, this, ts, l->tstate_size)) {
				if (errno == ESRCH) {
					ret = -1;
					goto cleanup;
				}
				st->errors++;
				goto cleanup;
			}
			if (rd64(ts, l->tstate_interp) != pp->interp) {
				st->errors++;
				goto cleanup;
			}
			tstate = rd64(ts, l->tstate_next);
			/* <= 3.10 have no native id: pthread_self() of the
			 * thread is the best there is */
			tid = rd64(ts, l->tstate_native_thread_id ? l->tstate_native_thread_id
								  : l->tstate_thread_id);
			r = thread_attempt(pp, this, ts, &raw, &raw_alloc, &n);
		}
		if (r == THREAD_GONE) {
			ret = -1;
			goto cleanup;
		}
		if (r == THREAD_TORN) {
			st->errors++;
			continue;
		}
		if (r == THREAD_EMPTY)
			continue;
		for (int i = 0; i < n; i++)
			st->inferred += raw[i].inferred;
		/* a frame that has not started (index -1) is not yet running:
		 * drop it so the sample goes to its caller's call line, as
		 * CPython's own tracebacks do; so is a generator or coroutine
		 * function's frame still on the thread's stack (it only makes
		 * the generator object: its body runs in the generator's own
		 * frame, outside the chunks) */
		{
			int skip = 0;

			while (skip < n - 1 &&
			       (raw[skip].index < 0 ||
				(!raw[skip].outside && pp->codes[pp->frame_codes[skip]].makes_gen)))
				skip++;
			fn(ctx, pp->pid, tid, pp->frames + skip, (size_t)(n - skip));
		}
		st->threads++;
	}
cleanup:
	free(raw);
	return ret;
}
