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

LKIPC_API int lkipc_queue_open(struct lkipc *k, const char *name,
			       unsigned int flags, unsigned int mode,
			       const struct lkipc_queue_attr *attr)
{
	struct kipc_open op;

	if (!k || lkipc_open_request(&op, flags, KIPC_OBJ_QUEUE, mode, name))
		return -EINVAL;
	if (attr) {
		op.queue_msgs = attr->msgs;
		op.queue_msgsize = attr->msgsize;
		op.queue_bytes = attr->bytes;
		op.queue_flags = attr->flags;
	}
	return lkipc_ioctl(k->fd, KIPC_IOC_OPEN, &op);
}

LKIPC_API int lkipc_queue_unlink(struct lkipc *k, const char *name)
{
	struct kipc_unlink cmd;

	if (!k || !name)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.type = KIPC_OBJ_QUEUE;
	cmd.name = (uintptr_t)name;
	return lkipc_ioctl(k->fd, KIPC_IOC_UNLINK, &cmd);
}

LKIPC_API int lkipc_queue_destroy(int fd)
{
	struct kipc_destroy cmd = { .size = sizeof(cmd) };

	return lkipc_ioctl(fd, KIPC_IOC_DESTROY, &cmd);
}

LKIPC_API int lkipc_queue_info(int fd, struct kipc_queue_stat *st)
{
	if (!st)
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return lkipc_ioctl(fd, KIPC_IOC_QUEUE_STAT, st);
}

LKIPC_API int lkipc_send(int fd, int64_t type, const void *buf, size_t len,
			 unsigned int flags, const struct timespec *deadline)
{
	struct kipc_send cmd;
	int ret;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	memset(&cmd, 0, sizeof(cmd));
	ret = lkipc_qwait(&flags, KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			  KIPC_MSG_NOSIGNAL, deadline, &cmd.tv_sec,
			  &cmd.tv_nsec);
	if (ret)
		return ret;
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.len = len;
	cmd.type = type;
	cmd.buf = (uintptr_t)buf;
	return lkipc_ioctl(fd, KIPC_IOC_SEND, &cmd);
}

LKIPC_API int lkipc_recv(int fd, void *buf, size_t len, unsigned int select,
			 int64_t type, int64_t *out_type, unsigned int flags,
			 const struct timespec *deadline)
{
	struct kipc_recv cmd;
	int ret;

	memset(&cmd, 0, sizeof(cmd));
	ret = lkipc_qwait(&flags, KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			  KIPC_MSG_PEEK | KIPC_MSG_TRUNCATE, deadline,
			  &cmd.tv_sec, &cmd.tv_nsec);
	if (ret)
		return ret;
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.select = select;
	cmd.type = type;
	cmd.buf = (uintptr_t)buf;
	cmd.len = len > UINT32_MAX ? UINT32_MAX : len;
	ret = lkipc_ioctl(fd, KIPC_IOC_RECV, &cmd);
	if (out_type)
		*out_type = ret >= 0 ? cmd.type : 0;
	return ret;
}

static int lkipc_batch(int fd, unsigned long ioc, struct kipc_mmsg *msgs,
		       unsigned int count, unsigned int select, int64_t type,
		       unsigned int flags, unsigned int allowed,
		       const struct timespec *deadline)
{
	struct kipc_batch cmd;
	int ret;

	if (!msgs)
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
	return lkipc_ioctl(fd, ioc, &cmd);
}

LKIPC_API int lkipc_send_batch(int fd, struct kipc_mmsg *msgs,
			       unsigned int count, unsigned int flags,
			       const struct timespec *deadline)
{
	return lkipc_batch(fd, KIPC_IOC_SEND_BATCH, msgs, count, 0, 0, flags,
			   KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			   KIPC_MSG_NOSIGNAL, deadline);
}

LKIPC_API int lkipc_recv_batch(int fd, struct kipc_mmsg *msgs,
			       unsigned int count, unsigned int select,
			       int64_t type, unsigned int flags,
			       const struct timespec *deadline)
{
	return lkipc_batch(fd, KIPC_IOC_RECV_BATCH, msgs, count, select, type,
			   flags, KIPC_MSG_NONBLOCK | KIPC_MSG_REALTIME |
			   KIPC_MSG_TRUNCATE, deadline);
}
