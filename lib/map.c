// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: the mappings of handles (Documentation/ring.md).
 *
 * lkipc_queue_open() and lkipc_sem_open() map the object's shared pages
 * unless told not to (LKIPC_OPEN_NOMAP) and keep the mapping in the
 * caller's handle (struct lkipc_queue, struct lkipc_sem), so that an
 * operation finds it without a lookup and without a system call.  There
 * is no table by descriptor number: a number reused for another object
 * cannot lead an operation to this mapping, nor this mapping's operations
 * to the other object.
 */
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "lkipc.h"

static uint32_t lkipc_map_gen;

/* Bumped in a fork's child: every thread's lanes belong to the parent. */
uint32_t lkipc_fork_gen;

static void lkipc_atfork_child(void)
{
	__atomic_add_fetch(&lkipc_fork_gen, 1, __ATOMIC_RELAXED);
}

static pthread_once_t lkipc_atfork_once = PTHREAD_ONCE_INIT;

static void lkipc_atfork_init(void)
{
	pthread_atfork(NULL, NULL, lkipc_atfork_child);
}

struct lkipc_map *lkipc_map_new(int fd, uint64_t id, int kind, size_t len,
				int writable)
{
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	struct lkipc_map *m;
	void *addr;

	pthread_once(&lkipc_atfork_once, lkipc_atfork_init);
	m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	addr = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		free(m);
		return NULL;
	}
	m->kind = kind;
	m->id = id;
	m->addr = addr;
	m->len = len;
	m->writable = writable;
	m->gen = __atomic_add_fetch(&lkipc_map_gen, 1, __ATOMIC_RELAXED);
	if (kind == LKIPC_MAP_QUEUE && lkipc_ring_setup(m)) {
		lkipc_map_free(m);
		return NULL;
	}
	return m;
}

void lkipc_map_free(struct lkipc_map *m)
{
	if (!m)
		return;
	if (m->undo)
		munmap(m->undo, m->len);
	munmap(m->addr, m->len);
	free(m);
}
