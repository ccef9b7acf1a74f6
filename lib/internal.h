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
	if (flags & ~KIPC_OPEN_FLAGS)
		return -EINVAL;
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

#endif /* LKIPC_INTERNAL_H */
