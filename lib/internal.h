/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc: what the library's files share and do not export.
 */
#ifndef LKIPC_INTERNAL_H
#define LKIPC_INTERNAL_H

#include <errno.h>
#include <sys/ioctl.h>

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

#endif /* LKIPC_INTERNAL_H */
