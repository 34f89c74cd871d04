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

/* Ask the kernel to back a large array with transparent huge pages (fewer
 * TLB misses on random access, e.g. walking a big trie).  A hint only:
 * ignored for small sizes and where THP is unavailable. */
void hp_advise_huge(void *ptr, size_t size);

#endif
