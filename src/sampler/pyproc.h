/*
 * pyproc.h - one CPython process seen from outside: finding the
 * interpreter in it, and walking every thread's Python frames.
 *
 * Finding: /proc/PID/maps gives the executable and any libpython*.so; the
 * first that has the ELF symbol _PyRuntime (.dynsym or .symtab) is the
 * interpreter.  Its version comes from the Py_Version symbol read in the
 * target, else from the file name ("python3.11", "libpython3.11.so").  The
 * interpreter is "ready" once _PyRuntime.interpreters.head points at an
 * interpreter whose first thread state points back at it.
 *
 * Walking (hp_pyproc_sample): for each thread state, read it whole, check
 * its interpreter back-pointer, then follow the frame chain.  3.8-3.10
 * follow heap PyFrameObjects from tstate->frame by f_back, one read each:
 * every frame's type must be PyFrame_Type (or, without that symbol, the
 * same as the first one's), the chain is bounded, and two walks plus a
 * re-read of tstate->frame must agree.  3.11 reads the
 * live part of the thread's data-stack chunks in one read each and takes
 * thread-owned frames from that snapshot; generator frames (the only ones
 * outside the chunks) are read one by one.  The chain is validated inside
 * the snapshot, the top frame is re-read after the walk, and a generator's
 * caller must stand on an instruction that resumes generators; a walk that
 * fails is retried once with a fresh thread state (pyproc.c explains why
 * this is enough).  Code objects are cached by address; on every sample all code
 * objects of the sample are re-read in one vectored read and compared with
 * the cache (type, first line, name/qualname/file/line-table pointers), so a
 * code object freed and replaced at the same address is never reported
 * with the old one's name.  Any failed read or implausible value drops that
 * thread's stack for this tick and counts one error: never a wrong frame.
 *
 * Ownership: the struct owns its caches (hp_pyproc_release frees them).
 * Strings given to the callback stay valid until the next sample call.
 */
#ifndef HP_SAMPLER_PYPROC_H
#define HP_SAMPLER_PYPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "sampler/mem.h"
#include "sampler/pylayout.h"

enum hp_pyfind {
	HP_PYFIND_OK = 0,
	HP_PYFIND_NOT_YET,       /* no interpreter (yet): not Python, or starting */
	HP_PYFIND_UNSUPPORTED,   /* Python, but a version without a layout */
	HP_PYFIND_DENIED,        /* no permission to read the process */
	HP_PYFIND_GONE,          /* the process exited */
	HP_PYFIND_ERROR,         /* anything else (err set) */
};

struct hp_pycode;

/* C-level eval loops (cframes) remembered per thread: one per nesting of
 * Python called from C (callbacks, __new__ via type(), ...) */
#define HP_PY_CFRAMES 6
/* code objects of a thread's last stack whose headers are read with its
 * next snapshot (validated there, not in a read of their own) */
#define HP_PY_PREFETCH 16

/* What the walker remembers of a thread between samples. */
struct hp_pythread_cache {
	uint64_t tstate;
	uint64_t cframes[HP_PY_CFRAMES]; /* seen current lately, newest first */
	uint64_t gen, res;      /* generator frame on top, and the frame that
				   resumed it */
	uint64_t callee;        /* the thread frame last seen called by that
				   generator (its slot above the resumer) */
	uint64_t res_code, res_instr; /* the resumer's code and the instruction
				   it was last seen resuming the generator
				   from (0: none, or seen from two) */
	uint64_t codes[HP_PY_PREFETCH]; /* distinct code objects of the last stack */
	int ncodes;
};

struct hp_pyproc {
	pid_t pid;
	struct hp_pylayout layout;
	uint64_t version_hex;           /* PY_VERSION_HEX, or major/minor only */
	char version[32];               /* "3.11.7" */
	char *binary;                   /* file holding _PyRuntime */
	uint64_t runtime, interp;       /* addresses in the target */
	uint64_t code_type, unicode_type, bytes_type; /* type objects, 0 = unknown */
	uint64_t frame_type;            /* PyFrame_Type (<= 3.10 walks), 0 = unknown */
	/* where sampling reads target memory: src.read NULL (hp_pyproc_init)
	 * means process_vm_readv on pid; tests and fuzz targets set a buffer
	 * reader, together with layout, interp and the type addresses, and
	 * call hp_pyproc_sample without hp_pyproc_find */
	struct hp_mem_src src;
	bool found;                     /* _PyRuntime located */

	/* code object cache: open addressing on address, entries by index */
	struct hp_pycode *codes;
	uint32_t nr_codes, alloc_codes;
	uint32_t *slots;                /* index + 1, 0 = empty */
	uint32_t slot_mask;
	uint32_t next_uid;
	uint64_t tick;
	unsigned char *pf_hdrs;         /* HP_PY_PREFETCH code headers read with
					   the snapshot (owned) */
	uint64_t pf_addr[HP_PY_PREFETCH];
	bool pf_ok[HP_PY_PREFETCH];
	int npf;
	uint64_t head_tstate;            /* interpreter's first thread state last
					   seen: read with the head pointer */
	/* call sites of generators: (generator code, callee code) -> the
	 * instruction the generator was seen calling it from (see
	 * "Generators" in pyproc.c), direct-mapped */
	struct hp_pygensite {
		uint32_t gen_uid, callee_uid;   /* code versions, 0 = empty */
		uint32_t index;                 /* the generator's instruction */
		int line;
		bool ambiguous;                 /* seen calling it from two lines */
	} gensites[256];

	/* scratch buffers reused between samples */
	unsigned char *chunk;
	size_t chunk_alloc;
	uint64_t chunk_sizes[64][2];    /* (chunk address, size) seen lately */
	struct hp_pythread_cache thread_cache[64];
	uint8_t *units;                 /* bytecode read to find instruction starts */
	size_t units_alloc;
	struct hp_pyframe *frames;
	size_t frames_alloc;
	uint32_t *frame_codes;
	struct hp_mem_req *reqs;
	unsigned char *hdrs;
	size_t reqs_alloc;

	/* paths already checked and found not to hold _PyRuntime */
	char **checked;
	size_t nr_checked, alloc_checked;
};

/* One frame given to the sample callback. */
struct hp_pyframe {
	uint32_t uid;                   /* unique per code object version */
	int line;                       /* current line, 0 = unknown */
	const char *qualname, *filename;
};

void hp_pyproc_init(struct hp_pyproc *pp, pid_t pid);
void hp_pyproc_release(struct hp_pyproc *pp);

/* Try to find a ready interpreter in pp->pid.  Call repeatedly while it
 * returns HP_PYFIND_NOT_YET.  err explains UNSUPPORTED, DENIED and ERROR. */
enum hp_pyfind hp_pyproc_find(struct hp_pyproc *pp, struct hp_err *err);

/* Called once per thread with Python frames, leaf first. */
typedef void (*hp_pystack_fn)(void *ctx, pid_t pid, uint64_t tid,
			      const struct hp_pyframe *frames, size_t n);

struct hp_pysample_stats {
	uint64_t threads;   /* thread stacks delivered */
	uint64_t errors;    /* reads that failed or chains that did not validate */
	uint64_t retries;   /* torn walks read again (see pyproc.c) */
	uint64_t inferred;  /* generator frames placed on their known call
			       site (see "Generators" in pyproc.c) */
};

/* Sample every thread once.  Returns 0, or -1 when the process is gone or
 * unreadable (errno ESRCH/EPERM). */
int hp_pyproc_sample(struct hp_pyproc *pp, hp_pystack_fn fn, void *ctx,
		     struct hp_pysample_stats *st);

/* Decode a remote PyUnicode header + data already read into buf (exposed for
 * fuzzing): writes UTF-8 to out (cap bytes, NUL-terminated).  Returns the
 * number of characters needed in total from the object (so the caller can
 * read more) via *need, and 0/-1. */
int hp_pyproc_unicode_decode(const struct hp_pylayout *l, const unsigned char *buf, size_t len,
			     char *out, size_t cap, size_t *need);

#endif
