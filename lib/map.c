// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: the mappings of handles (Documentation/ring.md).
 *
 * lkipc_queue_open() and lkipc_sem_open() map the object's shared pages
 * unless told not to (LKIPC_OPEN_NOMAP) and record the mapping here, by
 * file descriptor, so that lkipc_send(fd, ...) finds it without a system
 * call.  The table has two levels of LKIPC_MAP_CHUNK pointers each, so that
 * a lookup takes no lock: chunks are never freed, entries are published
 * with release stores and read with acquire loads.  A handle's entry is
 * removed by lkipc_handle_close(); a handle closed with close(2) leaves its
 * entry behind, and a descriptor number reused for another object would
 * then find the old mapping: close mapped handles with lkipc_handle_close().
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "lkipc.h"

#define LKIPC_MAP_CHUNK 1024
#define LKIPC_MAP_CHUNKS 1024		/* descriptors below 1M are mapped */

static struct lkipc_map **lkipc_maps[LKIPC_MAP_CHUNKS];
static pthread_mutex_t lkipc_maps_lock = PTHREAD_MUTEX_INITIALIZER;
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

struct lkipc_map *lkipc_map_find(int fd)
{
	struct lkipc_map **chunk;

	if (fd < 0 || fd >= LKIPC_MAP_CHUNK * LKIPC_MAP_CHUNKS)
		return NULL;
	chunk = __atomic_load_n(&lkipc_maps[fd / LKIPC_MAP_CHUNK],
				__ATOMIC_ACQUIRE);
	if (!chunk)
		return NULL;
	return __atomic_load_n(&chunk[fd % LKIPC_MAP_CHUNK], __ATOMIC_ACQUIRE);
}

int lkipc_map_attach(int fd, int kind, size_t len, int writable)
{
	struct lkipc_map **chunk, *m;
	int prot = PROT_READ | (writable ? PROT_WRITE : 0);
	void *addr;

	if (fd < 0 || fd >= LKIPC_MAP_CHUNK * LKIPC_MAP_CHUNKS)
		return -EMFILE;
	pthread_once(&lkipc_atfork_once, lkipc_atfork_init);
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	addr = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
	if (addr == MAP_FAILED) {
		int err = -errno;

		free(m);
		return err;
	}
	m->kind = kind;
	m->addr = addr;
	m->len = len;
	m->writable = writable;
	if (kind == LKIPC_MAP_QUEUE) {
		int err = lkipc_ring_setup(m);

		if (err) {
			lkipc_map_free(m);
			return err;
		}
	}
	pthread_mutex_lock(&lkipc_maps_lock);
	m->gen = ++lkipc_map_gen;
	chunk = lkipc_maps[fd / LKIPC_MAP_CHUNK];
	if (!chunk) {
		chunk = calloc(LKIPC_MAP_CHUNK, sizeof(*chunk));
		if (!chunk) {
			pthread_mutex_unlock(&lkipc_maps_lock);
			munmap(addr, len);
			free(m);
			return -ENOMEM;
		}
		__atomic_store_n(&lkipc_maps[fd / LKIPC_MAP_CHUNK], chunk,
				 __ATOMIC_RELEASE);
	}
	/* A stale entry of a descriptor closed with close(2) goes now. */
	lkipc_map_free(chunk[fd % LKIPC_MAP_CHUNK]);
	__atomic_store_n(&chunk[fd % LKIPC_MAP_CHUNK], m, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lkipc_maps_lock);
	return 0;
}

void lkipc_map_free(struct lkipc_map *m)
{
	if (!m)
		return;
	munmap(m->addr, m->len);
	free(m);
}

/*
 * Forget fd's mapping.  A thread of the caller's still inside an operation
 * on this handle would touch unmapped memory: as with close(2) and read(2),
 * a handle is closed only when nobody uses it.
 */
void lkipc_map_drop(int fd)
{
	struct lkipc_map **chunk, *m;

	if (fd < 0 || fd >= LKIPC_MAP_CHUNK * LKIPC_MAP_CHUNKS)
		return;
	pthread_mutex_lock(&lkipc_maps_lock);
	chunk = lkipc_maps[fd / LKIPC_MAP_CHUNK];
	m = chunk ? chunk[fd % LKIPC_MAP_CHUNK] : NULL;
	if (m)
		__atomic_store_n(&chunk[fd % LKIPC_MAP_CHUNK], NULL,
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lkipc_maps_lock);
	lkipc_map_free(m);
}

LKIPC_API int lkipc_handle_close(int fd)
{
	lkipc_map_drop(fd);
	return close(fd) ? -errno : 0;
}
