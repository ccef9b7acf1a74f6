// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: objects (open, unlink, destroy, list) and semaphores.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "internal.h"
#include "lkipc.h"


LKIPC_API int lkipc_sem_open(struct lkipc *k, const char *name,
			     unsigned int flags, unsigned int mode,
			     unsigned int value)
{
	struct kipc_open op;

	if (!k || lkipc_open_request(&op, flags, KIPC_OBJ_SEM, mode, name))
		return -EINVAL;
	op.sem_value = value;
	return lkipc_ioctl(k->fd, KIPC_IOC_OPEN, &op);
}

static int lkipc_unlink(struct lkipc *k, unsigned int type, const char *name)
{
	struct kipc_unlink cmd;

	if (!k || !name)
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.type = type;
	cmd.name = (uintptr_t)name;
	return lkipc_ioctl(k->fd, KIPC_IOC_UNLINK, &cmd);
}

LKIPC_API int lkipc_sem_unlink(struct lkipc *k, const char *name)
{
	return lkipc_unlink(k, KIPC_OBJ_SEM, name);
}

LKIPC_API int lkipc_destroy(int fd)
{
	struct kipc_destroy cmd = { .size = sizeof(cmd) };

	return lkipc_ioctl(fd, KIPC_IOC_DESTROY, &cmd);
}

LKIPC_API int lkipc_sem_destroy(int fd)
{
	return lkipc_destroy(fd);
}

LKIPC_API int lkipc_sem_wait(int fd, unsigned int n, unsigned int flags,
			     const struct timespec *deadline)
{
	struct kipc_sem_wait cmd;

	if (flags & ~(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO | KIPC_SEM_REALTIME))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.count = n;
	if (deadline) {
		cmd.flags |= KIPC_SEM_TIMED;
		cmd.tv_sec = deadline->tv_sec;
		cmd.tv_nsec = deadline->tv_nsec;
	}
	return lkipc_ioctl(fd, KIPC_IOC_SEM_WAIT, &cmd);
}

LKIPC_API int lkipc_sem_trywait(int fd, unsigned int n, unsigned int flags)
{
	if (flags & ~KIPC_SEM_UNDO)
		return -EINVAL;
	return lkipc_sem_wait(fd, n, flags | KIPC_SEM_NONBLOCK, NULL);
}

LKIPC_API int lkipc_sem_post(int fd, unsigned int n, unsigned int flags)
{
	struct kipc_sem_post cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.count = n;
	return lkipc_ioctl(fd, KIPC_IOC_SEM_POST, &cmd);
}

LKIPC_API int lkipc_sem_stat(int fd, struct kipc_sem_stat *st,
			     struct kipc_sem_waiter *waiters,
			     unsigned int capacity)
{
	if (!st || (capacity && !waiters))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->capacity = capacity;
	st->waiters = (uintptr_t)waiters;
	return lkipc_ioctl(fd, KIPC_IOC_SEM_STAT, st);
}

LKIPC_API int lkipc_sem_value(int fd)
{
	struct kipc_sem_stat st;
	int ret;

	ret = lkipc_sem_stat(fd, &st, NULL, 0);
	if (ret < 0)
		return ret;
	return (int)st.value;
}

LKIPC_API int lkipc_list(struct lkipc *k, struct kipc_obj_info *entries,
			 unsigned int capacity)
{
	struct kipc_list cmd;
	int ret;

	if (!k || (capacity && !entries))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.entry_size = sizeof(*entries);
	cmd.capacity = capacity;
	cmd.entries = (uintptr_t)entries;
	ret = lkipc_ioctl(k->fd, KIPC_IOC_LIST, &cmd);
	if (ret < 0)
		return ret;
	if (cmd.count > INT32_MAX)
		return -EOVERFLOW;
	return (int)cmd.count;
}
