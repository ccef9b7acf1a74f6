/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc: the userspace library of kipc.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure, and none sets errno.  Each call takes a handle the caller owns
 * (struct lkipc, struct lkipc_sem, struct lkipc_queue).  Process-wide
 * state is limited to the polling budget of lkipc_set_spin(), a fork
 * handler that tells a child's threads apart from the parent's, and each
 * thread's record of the ring lanes it registered.
 */
#ifndef LKIPC_H
#define LKIPC_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <lkipc/kipc.h>

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

/* Flags of lkipc_open(): 0 or KIPC_OPEN_INHERIT (keep the fd across exec). */

int lkipc_open(struct lkipc *k, unsigned int flags);
int lkipc_open_path(struct lkipc *k, const char *path, unsigned int flags);
void lkipc_close(struct lkipc *k);

/* The module's ABI version, features and limits (KIPC_IOC_GET_INFO). */
int lkipc_get_info(struct lkipc *k, struct kipc_info *info);

/*
 * Objects.  lkipc_sem_open() and lkipc_queue_open() fill a handle the
 * caller allocates (struct lkipc_sem, struct lkipc_queue: on the stack, in
 * a struct of theirs), and every operation takes that handle.  A handle
 * owns its file descriptor (close-on-exec unless KIPC_OPEN_INHERIT), which
 * works with poll, epoll, io_uring and SCM_RIGHTS, and the object's shared
 * pages when they are mapped (Documentation/ring.md): an operation that
 * need not wait then makes no system call.  Close a handle with
 * lkipc_sem_close() / lkipc_queue_close(), never with close(2).
 *
 * The library keeps no table of descriptors: an operation reaches the
 * object its handle was opened on, through the handle's own mapping, or
 * fails.  A descriptor number reused for another object (dup2, SCM_RIGHTS,
 * another library) cannot redirect it, and on a module with
 * KIPC_FEAT_HANDLE_ID even a handle whose descriptor was closed behind the
 * library's back fails with -EBADF rather than reach whatever object the
 * number names now.  A descriptor received from another process or
 * inherited across exec becomes a handle with lkipc_sem_from_fd() /
 * lkipc_queue_from_fd(), which take it over.
 *
 * A fork's child shares the parent's handles and mappings, as it shares
 * its descriptors; a handle is closed only when no thread uses it.
 */
struct lkipc_map;

struct lkipc_sem {
	int fd;			/* the handle's descriptor, or -1 */
	unsigned int flags;	/* library-private */
	uint64_t id;		/* the object's id */
	struct lkipc_map *map;	/* library-private: the shared page */
};

struct lkipc_queue {
	int fd;			/* the handle's descriptor, or -1 */
	unsigned int flags;	/* library-private */
	uint64_t id;		/* the object's id */
	struct lkipc_map *map;	/* library-private: the shared ring */
};

/*
 * Every object in the system (KIPC_IOC_LIST): fills up to "capacity"
 * entries and returns the number of objects in all, which may be more.
 */
int lkipc_list(struct lkipc *k, struct kipc_obj_info *entries,
	       unsigned int capacity);

/* In the open flags: do not map the shared pages (every op a syscall). */
#define LKIPC_OPEN_NOMAP	(1U << 31)

/*
 * Semaphores.
 *
 * lkipc_sem_open: open the semaphore "name", or a new anonymous one if name
 * is NULL, into *s.  flags: KIPC_OPEN_CREATE, KIPC_OPEN_EXCL,
 * KIPC_OPEN_INHERIT, LKIPC_OPEN_NOMAP, KIPC_OPEN_PRIO_ORDER (waiters by
 * priority, then FIFO; KIPC_FEAT_PRIO_ORDER) and the access KIPC_OPEN_READ
 * / KIPC_OPEN_WRITE (neither means both); mode, value and the order are
 * used when the semaphore is created, whose maximum is then the module's
 * sem_value_max.
 * Returns 0, or -errno with s->fd set to -1.
 */
int lkipc_sem_open(struct lkipc *k, struct lkipc_sem *s, const char *name,
		   unsigned int flags, unsigned int mode, unsigned int value);
/*
 * Take over fd, a semaphore handle received or inherited, into *s (flags:
 * 0 or LKIPC_OPEN_NOMAP).  -EINVAL if fd is not a kipc semaphore handle;
 * fd stays the caller's on failure.  A write-only handle cannot be
 * observed, so s->id is left 0 (unchecked) unless the caller knows it.
 */
int lkipc_sem_from_fd(struct lkipc *k, struct lkipc_sem *s, int fd,
		      unsigned int flags);
/* Unmap and close the handle (s->fd becomes -1): 0 or -errno. */
int lkipc_sem_close(struct lkipc_sem *s);
int lkipc_sem_unlink(struct lkipc *k, const char *name);
/* End the semaphore now (KIPC_IOC_DESTROY); the handle stays open. */
int lkipc_sem_destroy(struct lkipc_sem *s);

/*
 * P(n): flags KIPC_SEM_UNDO, KIPC_SEM_NONBLOCK; with a deadline (absolute,
 * CLOCK_MONOTONIC, or CLOCK_REALTIME with KIPC_SEM_REALTIME) it fails with
 * -ETIMEDOUT when the deadline passes.  -EINTR on a signal.
 */
int lkipc_sem_wait(struct lkipc_sem *s, unsigned int n, unsigned int flags,
		   const struct timespec *deadline);
/*
 * P on several semaphores at once (KIPC_IOC_SEM_WAIT_MULTI; needs
 * KIPC_FEAT_SEM_MULTI): entries[0..nr) name up to KIPC_SEM_MULTI_MAX
 * distinct semaphore handles (their fd) and the units to take from each.
 * _all takes every entry's units atomically and returns 0; _any takes one
 * entry's and returns its index.  flags and deadline as for
 * lkipc_sem_wait(); -errno on failure, with nothing taken.
 */
int lkipc_sem_wait_all(struct lkipc *k,
		       const struct kipc_sem_multi_entry *entries,
		       unsigned int nr, unsigned int flags,
		       const struct timespec *deadline);
int lkipc_sem_wait_any(struct lkipc *k,
		       const struct kipc_sem_multi_entry *entries,
		       unsigned int nr, unsigned int flags,
		       const struct timespec *deadline);
/* P(n) that fails with -EAGAIN instead of waiting; flags: KIPC_SEM_UNDO. */
int lkipc_sem_trywait(struct lkipc_sem *s, unsigned int n,
		      unsigned int flags);
/* V(n); flags: KIPC_SEM_UNDO. */
int lkipc_sem_post(struct lkipc_sem *s, unsigned int n, unsigned int flags);
/*
 * V on several semaphores at once (KIPC_IOC_SEM_OP; needs KIPC_FEAT_SEM_OP):
 * adds every entry's count to its semaphore in one step, or nothing, and
 * hands the units to the waiters as lkipc_sem_post() does; the entries of
 * an lkipc_sem_wait_all() give back what it took.  flags: KIPC_SEM_UNDO.
 * Always a system call.  0, or -errno (-EOVERFLOW: one would pass its
 * maximum) with nothing added.
 */
int lkipc_sem_post_all(struct lkipc *k,
		       const struct kipc_sem_multi_entry *entries,
		       unsigned int nr, unsigned int flags);
/* The value, or -errno. */
int lkipc_sem_value(struct lkipc_sem *s);
/*
 * Value, max, owner, undo record and the first "capacity" waiters in queue
 * order (KIPC_IOC_SEM_STAT); st->nwaiters is the number of waiters in all.
 */
int lkipc_sem_stat(struct lkipc_sem *s, struct kipc_sem_stat *st,
		   struct kipc_sem_waiter *waiters, unsigned int capacity);

/*
 * Message queues.
 *
 * lkipc_queue_open: open the queue "name", or a new anonymous one if name is
 * NULL, into *q; flags and mode as for lkipc_sem_open.  attr (may be NULL:
 * all defaults) gives a new queue's capacity in messages and bytes, its
 * largest message (0 for each: the module's defaults, see <lkipc/kipc.h>)
 * and KIPC_QUEUE_PIPE; KIPC_QUEUE_NOSIGPIPE in attr->flags applies to the
 * handle whether or not it creates the queue.  Returns 0 or -errno.
 */
struct lkipc_queue_attr {
	unsigned int msgs;
	unsigned int msgsize;
	unsigned long long bytes;
	unsigned int flags;
};

int lkipc_queue_open(struct lkipc *k, struct lkipc_queue *q,
		     const char *name, unsigned int flags, unsigned int mode,
		     const struct lkipc_queue_attr *attr);
/* As lkipc_sem_from_fd(), for a queue handle. */
int lkipc_queue_from_fd(struct lkipc *k, struct lkipc_queue *q, int fd,
			unsigned int flags);
/* Unmap and close the handle (q->fd becomes -1): 0 or -errno. */
int lkipc_queue_close(struct lkipc_queue *q);
int lkipc_queue_unlink(struct lkipc *k, const char *name);
/* End the queue now (KIPC_IOC_DESTROY); the handle stays open. */
int lkipc_queue_destroy(struct lkipc_queue *q);
/* Geometry, occupancy, waiters, counters and owner (KIPC_IOC_QUEUE_STAT). */
int lkipc_queue_stat(struct lkipc_queue *q, struct kipc_queue_stat *st);
/*
 * Register the calling process to be told when a message arrives on the
 * empty queue (KIPC_IOC_QUEUE_NOTIFY, as mq_notify): kind KIPC_NOTIFY_NONE,
 * KIPC_NOTIFY_SIGNAL (signo, value: si_value) or KIPC_NOTIFY_EVENTFD
 * (eventfd: a descriptor of eventfd(2)); KIPC_NOTIFY_REMOVE removes the
 * process's registration and returns 1 if there was one, else 0.  0 or
 * -errno (-EBUSY: the queue has a registration).
 */
int lkipc_queue_notify(struct lkipc_queue *q, unsigned int kind, int signo,
		       uint64_t value, int eventfd);

/*
 * Send one message of "type" (1..INT64_MAX): flags KIPC_MSG_NONBLOCK,
 * KIPC_MSG_NOSIGNAL; with a deadline (absolute, CLOCK_MONOTONIC, or
 * CLOCK_REALTIME with KIPC_MSG_REALTIME) -ETIMEDOUT when it passes.
 */
int lkipc_queue_send(struct lkipc_queue *q, int64_t type, const void *buf,
		     size_t len, unsigned int flags,
		     const struct timespec *deadline);
/*
 * Receive the first message the selector (KIPC_SEL_ANY with type 0,
 * KIPC_SEL_EXACT, KIPC_SEL_LE, KIPC_SEL_NOT) matches: returns its full
 * length and stores its type in *out_type (if not NULL; 0 at pipe-mode
 * end-of-file).  Flags: KIPC_MSG_NONBLOCK, KIPC_MSG_PEEK,
 * KIPC_MSG_TRUNCATE, KIPC_MSG_REALTIME; -EMSGSIZE (message kept) if len is
 * too small without KIPC_MSG_TRUNCATE.
 */
int lkipc_queue_recv(struct lkipc_queue *q, void *buf, size_t len,
		     unsigned int select, int64_t type, int64_t *out_type,
		     unsigned int flags, const struct timespec *deadline);
/*
 * Up to count (1..KIPC_BATCH_MAX) messages in one call, waiting only for
 * the first; returns how many were done.
 */
int lkipc_queue_send_batch(struct lkipc_queue *q, struct kipc_mmsg *msgs,
			   unsigned int count, unsigned int flags,
			   const struct timespec *deadline);
int lkipc_queue_recv_batch(struct lkipc_queue *q, struct kipc_mmsg *msgs,
			   unsigned int count, unsigned int select,
			   int64_t type, unsigned int flags,
			   const struct timespec *deadline);

/*
 * io_uring (include <liburing.h> before <lkipc.h>): a queue handle works
 * with IORING_OP_READ / IORING_OP_WRITE / IORING_OP_POLL_ADD without a
 * worker thread; these prepare a receive of one message of any type and a
 * send of one message of type 1.  The completion's res is the message's
 * length or -errno, as for read(2) and write(2).
 */
#ifdef LIB_URING_H
static inline void lkipc_prep_send(struct io_uring_sqe *sqe,
				   const struct lkipc_queue *q,
				   const void *buf, unsigned int len)
{
	io_uring_prep_write(sqe, q->fd, buf, len, 0);
}

static inline void lkipc_prep_recv(struct io_uring_sqe *sqe,
				   const struct lkipc_queue *q,
				   void *buf, unsigned int len)
{
	io_uring_prep_read(sqe, q->fd, buf, len, 0);
}

/*
 * Typed receive and strong P without a thread, in their object's FIFO of
 * waiters (KIPC_FEAT_URING_CMD, Linux 6.7 and later; elsewhere the
 * completion's res is -EOPNOTSUPP): an IORING_OP_URING_CMD carrying the
 * ioctl's request, which must stay valid until the completion.  Fill it
 * with lkipc_queue_recv_req() / lkipc_sem_wait_req().  res is the
 * message's full length (0 at pipe-mode end-of-file) or 0 for P, else
 * -errno; the receive stores the message's type and full length in
 * req->type and req->msg_len.
 * Deadlines are absolute, on the request's clock; tearing the ring down or
 * exiting cancels a pending request (-ECANCELED) without losing what it was
 * handed (lkipc_prep_recv_cmd(3)).
 */
static inline void lkipc_prep_kipc_cmd(struct io_uring_sqe *sqe, int fd,
				       unsigned int cmd_op, void *req)
{
	struct kipc_uring_cmd *c;

	io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
	sqe->cmd_op = cmd_op;
	c = (struct kipc_uring_cmd *)(void *)sqe->cmd;
	c->arg = (uintptr_t)req;
	c->__reserved = 0;
}

static inline void lkipc_prep_recv_cmd(struct io_uring_sqe *sqe,
				       const struct lkipc_queue *q,
				       struct kipc_recv *req)
{
	lkipc_prep_kipc_cmd(sqe, q->fd, KIPC_IOC_RECV, req);
}

static inline void lkipc_prep_sem_wait_cmd(struct io_uring_sqe *sqe,
					   const struct lkipc_sem *s,
					   struct kipc_sem_wait *req)
{
	lkipc_prep_kipc_cmd(sqe, s->fd, KIPC_IOC_SEM_WAIT, req);
}

/*
 * lkipc_sem_wait_all() / lkipc_sem_wait_any() without a thread
 * (KIPC_FEAT_SEM_MULTI_URING): a KIPC_IOC_SEM_WAIT_MULTI on the device
 * handle k, req filled as for the ioctl (req->entries too must stay valid
 * until the completion).  res is 0 or -errno; with KIPC_SEM_ANY the
 * entry taken is in req->index.
 */
static inline void lkipc_prep_sem_wait_multi_cmd(struct io_uring_sqe *sqe,
						 const struct lkipc *k,
						 struct kipc_sem_wait_multi *req)
{
	lkipc_prep_kipc_cmd(sqe, k->fd, KIPC_IOC_SEM_WAIT_MULTI, req);
}
#endif

/*
 * Fill a request for lkipc_prep_recv_cmd() (as lkipc_queue_recv()'s
 * arguments; KIPC_MSG_PEEK is not allowed) or lkipc_prep_sem_wait_cmd() (as
 * lkipc_sem_wait()'s).  0, or -EINVAL for a flag they do not take; the
 * kernel checks the rest (a bad deadline completes with -EINVAL).
 */
int lkipc_queue_recv_req(struct lkipc_queue *q, struct kipc_recv *req,
			 void *buf, size_t len, unsigned int select,
			 int64_t type, unsigned int flags,
			 const struct timespec *deadline);
int lkipc_sem_wait_req(struct lkipc_sem *s, struct kipc_sem_wait *req,
		       unsigned int n, unsigned int flags,
		       const struct timespec *deadline);

/*
 * How long (microseconds, at most 1000000) lkipc_queue_send() and
 * lkipc_queue_recv() poll a queue's mapped ring for room or a message
 * before a call that would block enters the kernel; 0 never polls.  For
 * the whole process; the first value is LKIPC_SPIN_US from the
 * environment, else 20, and always 0 with one CPU online.  Returns the
 * previous value.
 */
unsigned int lkipc_set_spin(unsigned int usec);

/* A short English text for a negative errno from liblkipc, like strerror. */
const char *lkipc_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* LKIPC_H */
