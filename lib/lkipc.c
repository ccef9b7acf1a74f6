// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: the device handle and KIPC_IOC_GET_INFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"
#include "lkipc.h"

LKIPC_API int lkipc_open_path(struct lkipc *k, const char *path,
			      unsigned int flags)
{
	int oflags = O_RDWR | O_CLOEXEC;
	int fd;

	if (!k || !path || (flags & ~KIPC_OPEN_INHERIT))
		return -EINVAL;
	if (flags & KIPC_OPEN_INHERIT)
		oflags &= ~O_CLOEXEC;
	fd = open(path, oflags);
	if (fd < 0)
		return -errno;
	k->fd = fd;
	k->flags = flags;
	return 0;
}

LKIPC_API int lkipc_open(struct lkipc *k, unsigned int flags)
{
	return lkipc_open_path(k, LKIPC_DEFAULT_DEVICE, flags);
}

LKIPC_API void lkipc_close(struct lkipc *k)
{
	if (k && k->fd >= 0) {
		close(k->fd);
		k->fd = -1;
	}
}

LKIPC_API int lkipc_get_info(struct lkipc *k, struct kipc_info *info)
{
	if (!k || !info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info);
	return lkipc_ioctl(k->fd, KIPC_IOC_GET_INFO, info);
}

int lkipc_open_object(struct lkipc *k, struct kipc_open *op)
{
	return lkipc_ioctl(k->fd, KIPC_IOC_OPEN, op);
}

uint64_t lkipc_features(int fd)
{
	struct kipc_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	return lkipc_ioctl(fd, KIPC_IOC_GET_INFO, &info) ? 0 : info.features;
}

unsigned int lkipc_fd_access(int fd)
{
	switch (fcntl(fd, F_GETFL) & O_ACCMODE) {
	case O_RDONLY:
		return KIPC_OPEN_READ;
	case O_WRONLY:
		return KIPC_OPEN_WRITE;
	}
	return KIPC_OPEN_READ | KIPC_OPEN_WRITE;
}

int lkipc_fd_stat(int fd, unsigned long cmd, void *st, size_t size)
{
	int ret;

	memset(st, 0, size);
	*(__u32 *)st = (__u32)size;	/* every stat struct begins with size */
	ret = lkipc_ioctl(fd, cmd, st);
	/*
	 * The stat needs read access: a write-only handle is taken over
	 * without its id (0: the module checks none), which a caller that
	 * knows it may fill in.
	 */
	if (ret == -EBADF && lkipc_fd_access(fd) == KIPC_OPEN_WRITE) {
		memset(st, 0, size);
		return 0;
	}
	return ret == -ENOTTY ? -EINVAL : ret;
}

int lkipc_handle_fini(int *fd, struct lkipc_map **map)
{
	int ret = 0;

	lkipc_map_free(*map);
	*map = NULL;
	if (*fd >= 0 && close(*fd))
		ret = -errno;
	*fd = -1;
	return ret;
}

int lkipc_unlink(struct lkipc *k, unsigned int type, const char *name)
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

LKIPC_API const char *lkipc_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}
