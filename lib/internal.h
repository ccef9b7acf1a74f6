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

#include <lkipc/kipc.h>

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

/* KIPC_IOC_DESTROY on a descriptor, naming object id (0: no check). */
static inline int lkipc_destroy_fd(int fd, uint64_t id)
{
	struct kipc_destroy cmd = { .size = sizeof(cmd), .id = id };

	return lkipc_ioctl(fd, KIPC_IOC_DESTROY, &cmd);
}

/* KIPC_IOC_SEM_STAT on a descriptor, with up to capacity waiters. */
static inline int lkipc_sem_stat_fd(int fd, struct kipc_sem_stat *st,
				    struct kipc_sem_waiter *waiters,
				    unsigned int capacity)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->capacity = capacity;
	st->waiters = (uintptr_t)waiters;
	return lkipc_ioctl(fd, KIPC_IOC_SEM_STAT, st);
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

/* KIPC_IOC_OPEN on the device: the new descriptor, or -errno. */
int lkipc_open_object(struct lkipc *k, struct kipc_open *op);

/* Library-private bits of struct lkipc_sem / lkipc_queue .flags. */
#define LKIPC_H_ID	(1U << 0)	/* the module checks the handle's id */

/*
 * The "id" of a request made through a handle: the handle's object, which
 * the module then checks the descriptor still names (EBADF otherwise), or
 * 0 for a module without KIPC_FEAT_HANDLE_ID (it would refuse the field).
 */
static inline uint64_t lkipc_req_id(unsigned int hflags, uint64_t id)
{
	return hflags & LKIPC_H_ID ? id : 0;
}

/* The module's features, or 0 if it cannot say (lib/lkipc.c). */
uint64_t lkipc_features(int fd);
/* A handle's flags for a module with these features. */
static inline unsigned int lkipc_handle_flags(uint64_t features)
{
	return features & KIPC_FEAT_HANDLE_ID ? LKIPC_H_ID : 0;
}

/* A handle descriptor's access, KIPC_OPEN_READ and/or _WRITE. */
unsigned int lkipc_fd_access(int fd);
/*
 * The stat (KIPC_IOC_SEM_STAT or _QUEUE_STAT, into st of size bytes) of a
 * descriptor being taken over: 0, with st zeroed for a write-only handle
 * (which cannot be observed), -EINVAL if fd is not that kind of handle,
 * else -errno (lib/lkipc.c).
 */
int lkipc_fd_stat(int fd, unsigned long cmd, void *st, size_t size);
/* Unmap and close a handle's descriptor and mapping (lib/lkipc.c). */
int lkipc_handle_fini(int *fd, struct lkipc_map **map);
/* KIPC_IOC_UNLINK of "name" of the given type (lib/lkipc.c). */
int lkipc_unlink(struct lkipc *k, unsigned int type, const char *name);

/* The mapping of a handle (lib/map.c). */
enum { LKIPC_MAP_SEM = 1, LKIPC_MAP_QUEUE = 2 };

/* A queue ring's geometry, read once and checked (lib/ring.c). */
struct lkipc_ring {
	char *slots;
	struct kipc_ring_lane *lanes;
	uint32_t nslots, slot_size, msgsize, cap_msgs, flags, nlanes;
};

struct lkipc_map {
	int kind;		/* LKIPC_MAP_* */
	int writable;		/* mapped read-write: the fast path may run */
	void *addr;
	size_t len;
	uint32_t gen;		/* unique per mapping in this process */
	uint64_t id;		/* the object's id: its handle's */
	struct lkipc_ring ring;	/* LKIPC_MAP_QUEUE */
	/*
	 * LKIPC_MAP_SEM with KIPC_FEAT_SEM_UNDO_FAST: the undo page, mapped on
	 * the first P or V with undo that could go through it, and the slot
	 * of the handle's description; undo_slot is 0 until then, and
	 * LKIPC_UNDO_NONE if the module, the map or the kernel (no slot left)
	 * says no (lib/sem.c).
	 */
	struct kipc_sem_undo_rec *undo;
	int undo_slot;
};

#define LKIPC_UNDO_NONE		(-1)

/* The fast path cannot do it: make the system call (lib/ring.c). */
#define LKIPC_RING_KERNEL	INT32_MIN
int lkipc_ring_setup(struct lkipc_map *m);
/*
 * 0, -EAGAIN (no free slot in fast mode), -EBADF (fd no longer names the
 * mapping's object: it was closed behind the library's back) or
 * LKIPC_RING_KERNEL.
 */
int lkipc_ring_send(int fd, struct lkipc_map *m, int64_t type,
		    const void *buf, size_t len);
/*
 * The message's length, -EAGAIN (empty, nonblock), -EBADF (as for a send)
 * or LKIPC_RING_KERNEL.
 * le: 0 for KIPC_SEL_ANY, else KIPC_SEL_LE's type.
 */
int lkipc_ring_recv(int fd, struct lkipc_map *m, void *buf, size_t size,
		    int64_t *out_type, int truncate, int nonblock, int64_t le);

/*
 * Before a send or receive that would block makes its system call (which
 * puts the queue in kernel mode until the waiter is served): poll the ring
 * for a free slot or a message, for up to the spin budget (lkipc_set_spin)
 * and never past the operation's deadline.  lkipc_ring_spin: 1 to try the
 * fast path again, 0 to make the system call.
 */
struct lkipc_spin {
	uint64_t end;		/* CLOCK_MONOTONIC ns; 0 until the first spin */
	const struct timespec *deadline;
	int realtime;		/* deadline is on CLOCK_REALTIME */
};
int lkipc_ring_spin(const struct lkipc_map *m, int send,
		    struct lkipc_spin *sp);

/*
 * mmap fd's shared pages (len bytes, read-write if writable), or NULL:
 * the mapping is an optimisation, and without it every operation is a
 * system call.
 */
struct lkipc_map *lkipc_map_new(int fd, uint64_t id, int kind, size_t len,
				int writable);
void lkipc_map_free(struct lkipc_map *m);
/* Bumped in every fork's child: earlier lanes belong to the parent. */
extern uint32_t lkipc_fork_gen;

#endif /* LKIPC_INTERNAL_H */
