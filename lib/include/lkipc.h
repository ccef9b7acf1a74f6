/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc: the userspace library of kipc.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none sets errno or keeps global state: each call takes a handle.
 */
#ifndef LKIPC_H
#define LKIPC_H

#include <linux/kipc.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LKIPC_DEFAULT_DEVICE "/dev/kipc"

/*
 * A connection to the kipc device.  Callers allocate it (on the stack, in a
 * struct of theirs); lkipc_open() fills it in.
 */
struct lkipc {
	int fd;
	unsigned int flags;
};

/* Flags of lkipc_open(). */
#define LKIPC_OPEN_INHERIT	(1U << 0)	/* keep the fd across exec */

int lkipc_open(struct lkipc *k, unsigned int flags);
int lkipc_open_path(struct lkipc *k, const char *path, unsigned int flags);
void lkipc_close(struct lkipc *k);

/* The module's ABI version, features and limits (KIPC_IOC_GET_INFO). */
int lkipc_get_info(struct lkipc *k, struct kipc_info *info);

/* A short English text for a negative errno from liblkipc, like strerror. */
const char *lkipc_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LKIPC_H */
