// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: message queues.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "internal.h"
#include "lkipc.h"

/* Flags and deadline of a queue operation into the ioctl's fields. */
static int lkipc_qwait(unsigned int *flags, unsigned int allowed,
		       const struct timespec *deadline, __s64 *sec,
		       __s64 *nsec)
{
	if (*flags & ~allowed)
		return -EINVAL;
	if (deadline) {
		*flags |= KIPC_MSG_TIMED;
		*sec = deadline->tv_sec;
		*nsec = deadline->tv_nsec;
	}
	return 0;
}

/* Polling before a wait, bounded by the call's deadline (lib/ring.c). */
static struct lkipc_spin lkipc_qspin(unsigned int flags,
				     const struct timespec *deadline)
{
	return (struct lkipc_spin){
		.deadline = deadline,
		.realtime = !!(flags & KIPC_MSG_REALTIME),
	};
}

/* The descriptor's queue, mapped unless nomap: the common part of open. */
static void lkipc_queue_init(struct lkipc_queue *q, int fd, uint64_t id,
			     uint64_t features, unsigned int access,
			     unsigned int ring_bytes, int nomap)
{
	unsigned int rw = KIPC_OPEN_READ | KIPC_OPEN_WRITE;

	q->fd = fd;
	q->id = id;
	q->flags = lkipc_handle_flags(features);
	q->map = NULL;
	/*
	 * Only a read-write handle's ring is mapped for the fast path.
	 * Without a mapping (opted out, an older module, a read-only or
	 * write-only handle, no address space left) every operation is a
	 * system call.
	 */
	if (!nomap && (access & rw) == rw && ring_bytes)
		q->map = lkipc_map_new(fd, id, LKIPC_MAP_QUEUE, ring_bytes,
					1);
}

/* KIPC_IOC_QUEUE_STAT on a descriptor. */
static int lkipc_queue_stat_fd(int fd, struct kipc_queue_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return lkipc_ioctl(fd, KIPC_IOC_QUEUE_STAT, st);
}

LKIPC_API int lkipc_queue_open(struct lkipc *k, struct lkipc_queue *q,
			       const char *name, unsigned int flags,
			       unsigned int mode,
			       const struct lkipc_queue_attr *attr)
{
	int nomap = !!(flags & LKIPC_OPEN_NOMAP);
	struct kipc_queue_stat st;
	struct kipc_open op;
	int fd;

	if (!q)
		return -EINVAL;
	q->fd = -1;
	q->map = NULL;
	if (!k || lkipc_open_request(&op, flags, KIPC_OBJ_QUEUE, mode, name))
		return -EINVAL;
	if (attr) {
		op.queue_msgs = attr->msgs;
		op.queue_msgsize = attr->msgsize;
		op.queue_bytes = attr->bytes;
		op.queue_flags = attr->flags;
	}
	fd = lkipc_open_object(k, &op);
	if (fd < 0)
		return fd;
	if (nomap || lkipc_queue_stat_fd(fd, &st))
		st.ring_bytes = 0;
	lkipc_queue_init(q, fd, op.id, lkipc_features(k->fd), op.flags,
			 st.ring_bytes, nomap);
	return 0;
}

LKIPC_API int lkipc_queue_from_fd(struct lkipc *k, struct lkipc_queue *q,
				  int fd, unsigned int flags)
{
	struct kipc_queue_stat st;
	int ret;

	if (!k || !q || fd < 0 || (flags & ~LKIPC_OPEN_NOMAP))
		return -EINVAL;
	ret = lkipc_fd_stat(fd, KIPC_IOC_QUEUE_STAT, &st, sizeof(st));
	if (ret)
		return ret;
	lkipc_queue_init(q, fd, st.id, lkipc_features(k->fd),
			 lkipc_fd_access(fd), st.ring_bytes,
			 !!(flags & LKIPC_OPEN_NOMAP));
	return 0;
}

LKIPC_API int lkipc_queue_close(struct lkipc_queue *q)
{
	if (!q)
		return -EINVAL;
	return lkipc_handle_fini(&q->fd, &q->map);
}

/* q's ring if the fast path may use it. */
static struct lkipc_map *lkipc_queue_ring(const struct lkipc_queue *q)
{
	struct lkipc_map *m = q->map;

	return m && m->kind == LKIPC_MAP_QUEUE && m->writable ? m : NULL;
}

LKIPC_API int lkipc_queue_unlink(struct lkipc *k, const char *name)
{
	return lkipc_unlink(k, KIPC_OBJ_QUEUE, name);
}

LKIPC_API int lkipc_queue_destroy(struct lkipc_queue *q)
{
	if (!q)
		return -EINVAL;
	return lkipc_destroy_fd(q->fd, lkipc_req_id(q->flags, q->id));
}

LKIPC_API int lkipc_queue_stat(struct lkipc_queue *q,
			       struct kipc_queue_stat *st)
{
	if (!q || !st)
		return -EINVAL;
	return lkipc_queue_stat_fd(q->fd, st);
}

LKIPC_API int lkipc_queue_notify(struct lkipc_queue *q, unsigned int kind,
				 int signo, uint64_t value, int eventfd)
{
	struct kipc_queue_notify cmd;
	int ret;

	if (!q)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.kind = kind;
	cmd.signo = signo;
	cmd.value = value;
	cmd.eventfd = eventfd;
	cmd.id = lkipc_req_id(q->flags, q->id);
	ret = lkipc_ioctl(q->fd, KIPC_IOC_QUEUE_NOTIFY, &cmd);
	return ret ? ret : (int)cmd.removed;
}

LKIPC_API int lkipc_queue_send(struct lkipc_queue *q, int64_t type,
			       const void *buf, size_t len, unsigned int flags,
			       const struct timespec *deadline)
{
	struct kipc_send cmd;
	struct lkipc_map *m;
	int ret;

	if (!q)
		return -EINVAL;
	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&cmd, 0, sizeof(cmd));
	ret = lkipc_qwait(&flags, KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			  KIPC_MSG_NOSIGNAL, deadline, &cmd.tv_sec,
			  &cmd.tv_nsec);
	if (ret)
		return ret;
	m = lkipc_queue_ring(q);
	if (m) {
		struct lkipc_spin spin = lkipc_qspin(flags, deadline);

		/* Full: the kernel says EAGAIN, or the sender waits. */
		while ((ret = lkipc_ring_send(q->fd, m, type, buf, len)) ==
		       -EAGAIN && !(flags & KIPC_MSG_NONBLOCK) &&
		       lkipc_ring_spin(m, 1, &spin))
			;
		if (!ret || ret == -EBADF)
			return ret;
	}
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.len = len;
	cmd.type = type;
	cmd.buf = (uintptr_t)buf;
	cmd.id = lkipc_req_id(q->flags, q->id);
	return lkipc_ioctl(q->fd, KIPC_IOC_SEND, &cmd);
}

/* KIPC_IOC_RECV's request, with the flags in "allowed". */
static int lkipc_recv_fill(const struct lkipc_queue *q,
			   struct kipc_recv *cmd, void *buf, size_t len,
			   unsigned int select, int64_t type, unsigned int *flags,
			   unsigned int allowed,
			   const struct timespec *deadline)
{
	int ret;

	memset(cmd, 0, sizeof(*cmd));
	ret = lkipc_qwait(flags, allowed, deadline, &cmd->tv_sec,
			  &cmd->tv_nsec);
	if (ret)
		return ret;
	cmd->size = sizeof(*cmd);
	cmd->flags = *flags;
	cmd->select = select;
	cmd->type = type;
	cmd->buf = (uintptr_t)buf;
	cmd->len = len > UINT32_MAX ? UINT32_MAX : len;
	cmd->id = lkipc_req_id(q->flags, q->id);
	return 0;
}

LKIPC_API int lkipc_queue_recv_req(struct lkipc_queue *q,
				   struct kipc_recv *req, void *buf, size_t len,
				   unsigned int select, int64_t type,
				   unsigned int flags,
				   const struct timespec *deadline)
{
	if (!q || !req)
		return -EINVAL;
	return lkipc_recv_fill(q, req, buf, len, select, type, &flags,
			       KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			       KIPC_MSG_TRUNCATE, deadline);
}

/* lkipc_queue_recv(), whose out_type is always set on success only. */
static int lkipc_recv_typed(struct lkipc_queue *q, void *buf, size_t len,
			    unsigned int select, int64_t type, int64_t *out_type,
			    unsigned int flags,
			    const struct timespec *deadline)
{
	struct kipc_recv cmd;
	struct lkipc_map *m;
	int ret;

	ret = lkipc_recv_fill(q, &cmd, buf, len, select, type, &flags,
			      KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			      KIPC_MSG_PEEK | KIPC_MSG_TRUNCATE, deadline);
	if (ret)
		return ret;
	m = lkipc_queue_ring(q);
	/* Selective receives but KIPC_SEL_LE are the kernel's to decide. */
	if (m && ((select == KIPC_SEL_ANY && !type) ||
		  (select == KIPC_SEL_LE && type > 0)) &&
	    !(flags & KIPC_MSG_PEEK)) {
		struct lkipc_spin spin = lkipc_qspin(flags, deadline);

		/* Empty: EAGAIN, or the receiver spins, then waits. */
		while ((ret = lkipc_ring_recv(q->fd, m, buf, len, out_type,
					      flags & KIPC_MSG_TRUNCATE, 1,
					      select == KIPC_SEL_LE ? type :
					      0)) == -EAGAIN &&
		       !(flags & KIPC_MSG_NONBLOCK) &&
		       lkipc_ring_spin(m, 0, &spin))
			;
		if (ret != LKIPC_RING_KERNEL &&
		    (ret != -EAGAIN || (flags & KIPC_MSG_NONBLOCK)))
			return ret;
	}
	ret = lkipc_ioctl(q->fd, KIPC_IOC_RECV, &cmd);
	*out_type = cmd.type;
	return ret;
}

LKIPC_API int lkipc_queue_recv(struct lkipc_queue *q, void *buf, size_t len,
			       unsigned int select, int64_t type,
			       int64_t *out_type, unsigned int flags,
			       const struct timespec *deadline)
{
	int64_t t = 0;
	int ret;

	if (!q)
		return -EINVAL;
	ret = lkipc_recv_typed(q, buf, len, select, type, &t, flags,
				   deadline);

	/* One rule for every path, the mapped ring's included. */
	if (out_type)
		*out_type = ret >= 0 ? t : 0;
	return ret;
}

static int lkipc_batch(struct lkipc_queue *q, unsigned long ioc,
		       struct kipc_mmsg *msgs,
		       unsigned int count, unsigned int select, int64_t type,
		       unsigned int flags, unsigned int allowed,
		       const struct timespec *deadline)
{
	struct kipc_batch cmd;
	int ret;

	if (!q || !msgs)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	ret = lkipc_qwait(&flags, allowed, deadline, &cmd.tv_sec,
			  &cmd.tv_nsec);
	if (ret)
		return ret;
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.select = select;
	cmd.type = type;
	cmd.count = count;
	cmd.entry_size = sizeof(*msgs);
	cmd.msgs = (uintptr_t)msgs;
	cmd.id = lkipc_req_id(q->flags, q->id);
	return lkipc_ioctl(q->fd, ioc, &cmd);
}

LKIPC_API int lkipc_queue_send_batch(struct lkipc_queue *q,
				     struct kipc_mmsg *msgs, unsigned int count,
				     unsigned int flags,
				     const struct timespec *deadline)
{
	return lkipc_batch(q, KIPC_IOC_SEND_BATCH, msgs, count, 0, 0, flags,
			   KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			   KIPC_MSG_NOSIGNAL, deadline);
}

LKIPC_API int lkipc_queue_recv_batch(struct lkipc_queue *q,
				     struct kipc_mmsg *msgs, unsigned int count,
				     unsigned int select, int64_t type,
				     unsigned int flags,
				     const struct timespec *deadline)
{
	return lkipc_batch(q, KIPC_IOC_RECV_BATCH, msgs, count, select, type,
			   flags, KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			   KIPC_MSG_TRUNCATE, deadline);
}
