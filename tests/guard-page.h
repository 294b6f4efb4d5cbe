/*
 * Text that ends where readable memory ends: the bytes are copied to the
 * end of a page followed by a PROT_NONE page, so a call that reads even
 * one byte past them dies of SIGSEGV (which Check reports) instead of
 * passing by luck.
 */
#ifndef NETKIT_TEST_GUARD_PAGE_H
#define NETKIT_TEST_GUARD_PAGE_H

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers.h"

struct nk_guarded {
	char *map;
	size_t size;
};

/* Copies len bytes (no NUL added) so that the last one is the last
 * readable byte; returns their address. len must fit in one page. */
static inline const char *
nk_guarded_text(struct nk_guarded *g, const char *bytes, size_t len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	ck_assert_uint_le(len, page);
	g->size = 2 * page;
	g->map = mmap(NULL, g->size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g->map, MAP_FAILED);
	ck_assert_int_eq(mprotect(g->map + page, page, PROT_NONE), 0);
	memcpy(g->map + page - len, bytes, len);
	return g->map + page - len;
}

static inline void
nk_guarded_free(struct nk_guarded *g)
{
	munmap(g->map, g->size);
}

#endif
