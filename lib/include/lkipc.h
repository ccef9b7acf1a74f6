/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc: the userspace library of kipc.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure; none sets errno or keeps global state: each call takes a handle.
 */
#ifndef LKIPC_H
#define LKIPC_H

#include <time.h>

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

/*
 * Objects.  An object is opened through the device handle and used through
 * its own file descriptor (close-on-exec unless KIPC_OPEN_INHERIT), which
 * works with poll, fork and SCM_RIGHTS; close(2) it when done.
 */

/*
 * Every object in the system (KIPC_IOC_LIST): fills up to "capacity"
 * entries and returns the number of objects in all, which may be more.
 */
int lkipc_list(struct lkipc *k, struct kipc_obj_info *entries,
	       unsigned int capacity);

/* End the object of a handle now, of any type (KIPC_IOC_DESTROY). */
int lkipc_destroy(int fd);

/*
 * Semaphores.
 *
 * lkipc_sem_open: open the semaphore "name", or a new anonymous one if name
 * is NULL.  flags: KIPC_OPEN_CREATE, KIPC_OPEN_EXCL, KIPC_OPEN_INHERIT and
 * the access KIPC_OPEN_READ / KIPC_OPEN_WRITE (neither means both); mode
 * and value are used when the semaphore is created, whose maximum is then
 * the module's sem_value_max.  Returns the new file descriptor.
 */
int lkipc_sem_open(struct lkipc *k, const char *name, unsigned int flags,
		   unsigned int mode, unsigned int value);
int lkipc_sem_unlink(struct lkipc *k, const char *name);
int lkipc_sem_destroy(int fd);

/*
 * P(n): flags KIPC_SEM_UNDO, KIPC_SEM_NONBLOCK; with a deadline (absolute,
 * CLOCK_MONOTONIC, or CLOCK_REALTIME with KIPC_SEM_REALTIME) it fails with
 * -ETIMEDOUT when the deadline passes.  -EINTR on a signal.
 */
int lkipc_sem_wait(int fd, unsigned int n, unsigned int flags,
		   const struct timespec *deadline);
/* P(n) that fails with -EAGAIN instead of waiting; flags: KIPC_SEM_UNDO. */
int lkipc_sem_trywait(int fd, unsigned int n, unsigned int flags);
/* V(n); flags: KIPC_SEM_UNDO. */
int lkipc_sem_post(int fd, unsigned int n, unsigned int flags);
/* The value, or -errno. */
int lkipc_sem_value(int fd);
/*
 * Value, max, owner, undo record and the first "capacity" waiters in queue
 * order (KIPC_IOC_SEM_STAT); st->nwaiters is the number of waiters in all.
 */
int lkipc_sem_stat(int fd, struct kipc_sem_stat *st,
		   struct kipc_sem_waiter *waiters, unsigned int capacity);

/* A short English text for a negative errno from liblkipc, like strerror. */
const char *lkipc_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LKIPC_H */
