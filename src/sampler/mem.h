/*
 * mem.h - reading another process's memory with process_vm_readv.
 *
 * Every read is bounded by the caller's buffer; a read that returns fewer
 * bytes than asked is a failure (the target unmapped or changed the memory),
 * reported as -1 with errno (EFAULT for a short read, EPERM/ESRCH as the
 * kernel gives them).  Nothing here allocates or keeps state.
 */
#ifndef HP_SAMPLER_MEM_H
#define HP_SAMPLER_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read exactly len bytes at addr of pid into buf. */
int hp_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* Read up to len bytes: returns the number read (>= 0) or -1.  Stops at the
 * first unreadable page. */
ssize_t hp_mem_read_some(pid_t pid, uint64_t addr, void *buf, size_t len);

struct hp_mem_req {
	uint64_t addr;
	void *buf;
	size_t len;
	int ok;        /* set by hp_mem_readv: 1 when fully read */
};

/* Vectored read of n regions in as few system calls as possible; each
 * request's ok says whether it was read completely.  Returns the number of
 * requests that failed, or -1 with errno when the process is gone or not
 * readable at all (ESRCH, EPERM). */
int hp_mem_readv(pid_t pid, struct hp_mem_req *reqs, size_t n);

/* A source of target memory other than a live process (tests and fuzz
 * targets plug a buffer here; see hp_pyproc.src).  read copies up to len
 * bytes at addr into buf and returns how many it copied (a prefix: it stops
 * at the first unreadable byte), or -1 with errno set.  The callback owns
 * nothing it is given; ctx belongs to whoever set it up. */
struct hp_mem_src {
	ssize_t (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	void *ctx;
};

/* Read a pointer-sized (u64) value. */
static inline int hp_mem_read_u64(pid_t pid, uint64_t addr, uint64_t *out)
{
	return hp_mem_read(pid, addr, out, sizeof(*out));
}

#endif
