/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc: what the library's files share and do not export.
 */
#ifndef LKIPC_INTERNAL_H
#define LKIPC_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>

#include <linux/kipc.h>

#include "lkipc.h"

/* Open flags for the library only, above the kernel's KIPC_OPEN_*. */
#define LKIPC_OPEN_LIB_FLAGS	LKIPC_OPEN_NOMAP

/* Exported through lib/liblkipc.map; everything else is hidden. */
#define LKIPC_API __attribute__((visibility("default")))

/* An ioctl that returns 0 or a count: the result or -errno; errno kept. */
static inline int lkipc_ioctl(int fd, unsigned long cmd, void *arg)
{
	int saved = errno;
	int ret = ioctl(fd, cmd, arg);

	if (ret < 0)
		ret = -errno;
	errno = saved;
	return ret;
}

/*
 * The common part of an open request: flags checked (neither access mode
 * means both), the rest of the struct zeroed for the caller's type fields.
 */
static inline int lkipc_open_request(struct kipc_open *op, unsigned int flags,
				     unsigned int type, unsigned int mode,
				     const char *name)
{
	if (flags & ~(KIPC_OPEN_FLAGS | LKIPC_OPEN_LIB_FLAGS))
		return -EINVAL;
	flags &= ~LKIPC_OPEN_LIB_FLAGS;
	if (!(flags & (KIPC_OPEN_READ | KIPC_OPEN_WRITE)))
		flags |= KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	memset(op, 0, sizeof(*op));
	op->size = sizeof(*op);
	op->flags = flags;
	op->type = type;
	op->mode = mode;
	op->name = (uintptr_t)name;
	return 0;
}

/* The mapping of a handle (lib/map.c). */
enum { LKIPC_MAP_SEM = 1, LKIPC_MAP_QUEUE = 2 };

struct lkipc_map {
	int kind;		/* LKIPC_MAP_* */
	int writable;		/* mapped read-write: the fast path may run */
	void *addr;
	size_t len;
	uint32_t gen;		/* unique per mapping in this process */
};

/* fd's mapping or NULL; no lock, no system call. */
struct lkipc_map *lkipc_map_find(int fd);
/* mmap fd's shared pages (len bytes) and record them: 0 or -errno. */
int lkipc_map_attach(int fd, int kind, size_t len, int writable);
void lkipc_map_drop(int fd);
void lkipc_map_free(struct lkipc_map *m);
/* Bumped in every fork's child: lanes registered before belong to the parent. */
extern uint32_t lkipc_fork_gen;

#endif /* LKIPC_INTERNAL_H */
