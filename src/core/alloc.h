/*
 * alloc.h - allocation helpers that never return NULL.
 *
 * Ownership: every pointer returned here is owned by the caller and is
 * released with free().  On allocation failure these helpers print one line
 * to stderr and abort(): this is the single place where library code may end
 * the process, because no caller of hotpath can do anything useful without
 * memory (git's xmalloc and htop's xMalloc make the same choice).
 */
#ifndef HP_CORE_ALLOC_H
#define HP_CORE_ALLOC_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if defined(__GNUC__)
#define HP_MALLOC_ATTR(...) __attribute__((malloc, alloc_size(__VA_ARGS__), returns_nonnull))
#define HP_NORETURN __attribute__((noreturn))
#define HP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define HP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define HP_MALLOC_ATTR(...)
#define HP_NORETURN
#define HP_PRINTF(f, a)
#define HP_UNLIKELY(x) (x)
#endif

void *hp_xmalloc(size_t size) HP_MALLOC_ATTR(1);
void *hp_xcalloc(size_t nmemb, size_t size) HP_MALLOC_ATTR(1, 2);
void *hp_xrealloc(void *ptr, size_t size);
void *hp_xreallocarray(void *ptr, size_t nmemb, size_t size);
char *hp_xstrdup(const char *s);
char *hp_xstrndup(const char *s, size_t n);

/* Grow *arr (of *alloc elements of elem bytes) so that it holds at least
 * need elements; capacity grows geometrically. */
#define HP_GROW(arr, need, alloc)                                              \
	do {                                                                   \
		if ((size_t)(need) > (size_t)(alloc)) {                        \
			size_t hp_grow_n_ = (size_t)(alloc) ? (size_t)(alloc) * 2 : 16; \
			while (hp_grow_n_ < (size_t)(need))                    \
				hp_grow_n_ *= 2;                               \
			(arr) = hp_xreallocarray((arr), hp_grow_n_, sizeof(*(arr))); \
			(alloc) = hp_grow_n_;                                  \
		}                                                              \
	} while (0)

HP_NORETURN void hp_oom(size_t size);

/* Memory for a large array that is about to be written (a table sized in
 * advance, a read buffer).  From HP_BIG_MIN bytes up the block is 2 MiB
 * aligned and rounded up to whole 2 MiB, with a transparent-huge-page hint:
 * the kernel then faults it in 2 MiB at a time, on first touch, instead of
 * one 4 KiB page at a time, and address space that is never touched costs
 * nothing.  On the virtual machine the benchmarks ran on (shadow paging) a
 * 4 KiB page costs about 11 us when faulted, about 3.5 us when prefaulted
 * (as below) and then touched, and a 2 MiB page 60-130 us (zeroing it):
 * huge pages pay from about 128 KiB.  Smaller blocks are malloc'd, and
 * from 16 KiB faulted in with one system call (MADV_POPULATE_WRITE, Linux
 * 5.14; ignored where unsupported).  Freed with free(); realloc works (the
 * hint stays with the old block's pages).  *size_out, when not NULL, gets
 * the usable size (the rounded one). */
#define HP_BIG_MIN ((size_t)128 << 10)
#if defined(__GNUC__)
__attribute__((malloc, returns_nonnull)) /* no alloc_size: *size_out may be more */
#endif
void *hp_xmalloc_big(size_t size, size_t *size_out);

/* Ask the kernel to back a large array with transparent huge pages (fewer
 * TLB misses on random access, e.g. walking a big trie).  A hint only:
 * ignored for small sizes and where THP is unavailable. */
void hp_advise_huge(void *ptr, size_t size);

#endif
