// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc-posix: POSIX message queues and semaphores on kipc objects
 * (Documentation/compat.md, lkipc-posix(7)).
 *
 * A message queue descriptor (mqd_t) is the kipc queue handle itself, so
 * poll, epoll and select work on it.  POSIX priority p travels as kipc type
 * MQ_PRIO_MAX - p and a receive selects KIPC_SEL_LE MQ_PRIO_MAX: the
 * lowest type, the highest priority, first of its type.  O_NONBLOCK of an
 * mq_open lives in the handle's open file description (fcntl), so dup and
 * fork share it; it is only looked at when an operation would block, so
 * an operation that need not wait makes no system call.
 *
 * A sem_t holds a magic, the kind of semaphore and either the handle
 * (unnamed, not shared) or a 64-bit token naming a kipc semaphore
 * "posix.semu.<token>" that any process mapping the sem_t opens on first
 * use and keeps in a per-process table.  Named semaphores are
 * "posix.sem.<name>", queues "posix.mq.<name>".
 *
 * Queues and semaphores are created with KIPC_OPEN_PRIO_ORDER where the
 * module has it: as POSIX asks under SCHED_FIFO and SCHED_RR, sem_post
 * wakes and a queue serves its highest-priority waiter, the longest
 * waiting among equals.  SysV objects (sysv_*.c) stay FIFO.
 *
 * Errors follow the POSIX and Linux manual pages; every entry point sets
 * errno and returns -1 (or (mqd_t)-1, SEM_FAILED).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"
#include "lkipc.h"

#define API __attribute__((visibility("default")))

/*
 * Each function px_NAME is NAME@@GLIBC_2.34, the default a program links
 * to, and NAME@OLD, the version programs built before glibc 2.34 bind:
 * glibc's own two versions of it (lib/posix/liblkipc-posix.map).
 */
/* GCC's copy: the alias gets its target's attributes.  Clang has none. */
#ifdef __has_attribute
#if __has_attribute(copy)
#define PX_COPY(fn) copy(fn),
#endif
#endif
#ifndef PX_COPY
#define PX_COPY(fn)
#endif

#define VERSIONS(name, old)						\
	extern __typeof(px_##name) px_##name##_old			\
		__attribute__((alias("px_" #name), PX_COPY(px_##name)	\
			       visibility("default")));			\
	__asm__(".symver px_" #name "," #name "@@GLIBC_2.34");		\
	__asm__(".symver px_" #name "_old," #name "@" old)

/* The definitions below, named px_NAME; VERSIONS() exports them. */
__typeof(mq_open) px_mq_open;
__typeof(mq_close) px_mq_close;
__typeof(mq_unlink) px_mq_unlink;
__typeof(mq_timedsend) px_mq_timedsend;
__typeof(mq_send) px_mq_send;
__typeof(mq_timedreceive) px_mq_timedreceive;
__typeof(mq_receive) px_mq_receive;
__typeof(mq_getattr) px_mq_getattr;
__typeof(mq_setattr) px_mq_setattr;
__typeof(mq_notify) px_mq_notify;
__typeof(sem_init) px_sem_init;
__typeof(sem_destroy) px_sem_destroy;
__typeof(sem_open) px_sem_open;
__typeof(sem_close) px_sem_close;
__typeof(sem_unlink) px_sem_unlink;
__typeof(sem_post) px_sem_post;
__typeof(sem_trywait) px_sem_trywait;
__typeof(sem_wait) px_sem_wait;
__typeof(sem_timedwait) px_sem_timedwait;
__typeof(sem_clockwait) px_sem_clockwait;
__typeof(sem_getvalue) px_sem_getvalue;

#define MQ_PREFIX	"posix.mq."
#define SEM_PREFIX	"posix.sem."
#define SEMU_PREFIX	"posix.semu."
/* Linux's defaults of /proc/sys/fs/mqueue/msg_default, msgsize_default. */
#define MQ_DEFAULT_MAXMSG	10
#define MQ_DEFAULT_MSGSIZE	8192

/* ------------------------------------------------------------------ */
/* The device, the glibc fallback, counters                            */
/* ------------------------------------------------------------------ */

struct lkipc px_dev = { .fd = -1 };
static int lib_mode;
int px_log_opens;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
unsigned long px_n_mq;
static unsigned long n_sem;
/* KIPC_OPEN_PRIO_ORDER if the module has it, else 0: new POSIX objects' */
static unsigned int px_order;

unsigned long lkipc_posix_count(void);

static void report(void)
{
	if (!lkipc_posix_count())
		return;
	fprintf(stderr, "liblkipc-posix: %lu queue and %lu semaphore opens on kipc\n",
		__atomic_load_n(&px_n_mq, __ATOMIC_RELAXED),
		__atomic_load_n(&n_sem, __ATOMIC_RELAXED));
}

static void init(void)
{
	const char *fb = getenv("LKIPC_POSIX_FALLBACK");
	const char *path = getenv("LKIPC_POSIX_DEVICE");
	int ret = lkipc_open_path(&px_dev, path && *path ? path :
				  LKIPC_DEFAULT_DEVICE, 0);

	if (!ret) {
		struct kipc_info info;

		lib_mode = MODE_KIPC;
		if (!lkipc_get_info(&px_dev, &info) &&
		    (info.features & KIPC_FEAT_PRIO_ORDER))
			px_order = KIPC_OPEN_PRIO_ORDER;
		if (getenv("LKIPC_POSIX_LOG")) {
			px_log_opens = 1;
			atexit(report);
		}
		return;
	}
	if (fb && !strcmp(fb, "glibc")) {
		lib_mode = MODE_GLIBC;
		return;
	}
	lib_mode = MODE_NONE;
	fprintf(stderr, "liblkipc-posix: cannot open %s: %s (LKIPC_POSIX_FALLBACK=glibc uses glibc's instead)\n",
		path && *path ? path : LKIPC_DEFAULT_DEVICE, strerror(-ret));
}

int px_get_mode(void)
{
	pthread_once(&init_once, init);
	return lib_mode;
}

/*
 * For the other files of the library (sysv_sem.c): the device if kipc is
 * in use, else NULL with *glibc set if glibc's functions were asked for;
 * *log: LKIPC_POSIX_LOG.
 */
struct lkipc *px_device(int *glibc, int *log)
{
	int m = px_get_mode();

	*glibc = m == MODE_GLIBC;
	*log = px_log_opens;
	return m == MODE_KIPC ? &px_dev : NULL;
}

/* glibc's own function, for LKIPC_POSIX_FALLBACK=glibc. */
void *px_real(const char *name)
{
	void *f = dlvsym(RTLD_NEXT, name, "GLIBC_2.34");

	if (!f)
		f = dlsym(RTLD_NEXT, name);
	if (!f) {
		fprintf(stderr, "liblkipc-posix: no glibc %s\n", name);
		abort();
	}
	return f;
}

API unsigned long lkipc_posix_count(void)
{
	return __atomic_load_n(&px_n_mq, __ATOMIC_RELAXED) +
	       __atomic_load_n(&n_sem, __ATOMIC_RELAXED);
}

int px_fail(int err)
{
	errno = err;
	return -1;
}

/* The caller's umask, without changing it even for a moment. */
static mode_t cur_umask(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[128];
	unsigned int m;
	mode_t old;

	if (f) {
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "Umask: %o", &m) == 1) {
				fclose(f);
				return m & 0777;
			}
		fclose(f);
	}
	old = umask(022);
	umask(old);
	return old;
}

/*
 * "/name" -> "<prefix>name": EINVAL without the one leading '/', EACCES
 * with another '/' (Linux's mqueue lookup), ENOENT for "/" alone,
 * ENAMETOOLONG beyond NAME_MAX or beyond what kipc's names hold, EINVAL
 * for a control character (kipc names cannot hold them).
 */
static int kname(char *out, size_t outsz, const char *prefix, const char *name,
		 int sem)
{
	size_t len, plen = strlen(prefix);
	const char *p;

	if (!name)
		return EFAULT;
	if (sem) {
		/* glibc's sem_open: leading slashes optional. */
		while (*name == '/')
			name++;
		if (!*name || strchr(name, '/'))
			return EINVAL;
	} else {
		if (name[0] != '/')
			return EINVAL;
		name++;
		if (!*name)
			return ENOENT;
		if (strchr(name, '/'))
			return EACCES;
	}
	len = strlen(name);
	if (len > NAME_MAX || plen + len > KIPC_NAME_MAX || plen + len >= outsz)
		return ENAMETOOLONG;
	for (p = name; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return EINVAL;
	memcpy(out, prefix, plen);
	memcpy(out + plen, name, len + 1);
	return 0;
}

/*
 * A blocking call came back with EINTR: restart it when SA_RESTART says so
 * (signal(7): mq_* and sem_wait/sem_timedwait restart).  kipc never
 * restarts, and does not say which signal it was: restart only when every
 * signal with a handler has SA_RESTART (Documentation/compat.md).
 */
static int restart_ok(void)
{
	struct sigaction sa;
	int sig;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, NULL, &sa))
			continue;
		if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
			continue;
		if (!(sa.sa_flags & SA_RESTART))
			return 0;
	}
	return 1;
}

static int ts_valid(const struct timespec *ts)
{
	return ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000L;
}

/* ------------------------------------------------------------------ */
/* Message queues                                                      */
/* ------------------------------------------------------------------ */

/*
 * Per descriptor: the handle (its mapped ring), the queue's largest
 * message, learnt once so that mq_receive checks its buffer with no system
 * call, and for a write-only descriptor a read-only handle beside it, when
 * the caller may have one, for mq_getattr (the stat needs read access).
 *
 * An entry is made by mq_open, or on first use of a descriptor mq_open did
 * not return here (a dup, one inherited or received), and dropped by
 * mq_close and by every C library call that closes or replaces a
 * descriptor (close, dup2, dup3, close_range, closefrom, interposed
 * below): a number reused for another queue is then taken over afresh, so
 * an operation reaches the queue the descriptor names now, as with Linux's
 * mqueue, never the one it used to name.
 */
#define MQ_TABLE	65536

struct mq_entry {
	struct lkipc_queue q;		/* q.fd is the mqd_t */
	struct lkipc_queue shadow;	/* read-only, or fd -1 */
	uint32_t msgsize;		/* 0: not known yet */
};

/* Entries change by atomic exchange only: close(2) may be called anywhere. */
static struct mq_entry *mq_tab[MQ_TABLE];

static struct mq_entry *mq_find(int fd)
{
	if (fd < 0 || fd >= MQ_TABLE)
		return NULL;
	return __atomic_load_n(&mq_tab[fd], __ATOMIC_ACQUIRE);
}

/* Free an entry; close its descriptor too if close_fd. */
static int mq_free(struct mq_entry *e, int close_fd)
{
	int ret;

	if (!e)
		return 0;
	if (!close_fd)
		e->q.fd = -1;		/* unmapped only: the caller closes */
	ret = lkipc_queue_close(&e->q);
	lkipc_queue_close(&e->shadow);
	free(e);
	return ret;
}

/*
 * Take fd's entry out of the table: the caller owns it (of two threads
 * closing one number, only one gets it) and frees it.
 */
static struct mq_entry *mq_take(int fd)
{
	if (!mq_find(fd))
		return NULL;
	return __atomic_exchange_n(&mq_tab[fd], NULL, __ATOMIC_ACQ_REL);
}

/* Forget fd's entry; close the descriptor too if close_fd. */
static int mq_drop(int fd, int close_fd)
{
	return mq_free(mq_take(fd), close_fd);
}

/*
 * The handle of mqd: its entry, or one taken over now (cached for a
 * number the table holds, else built in *tmp without a mapping).
 * NULL with -errno in *err when mqd is not a kipc queue handle.
 */
static struct lkipc_queue *mq_handle(mqd_t mqd, struct lkipc_queue *tmp,
				     int *err)
{
	struct mq_entry *e = mq_find(mqd), *none = NULL;

	if (e)
		return &e->q;
	/* Not a kipc queue handle (EINVAL): a bad descriptor, for POSIX. */
	if (mqd < 0 || mqd >= MQ_TABLE) {
		*err = lkipc_queue_from_fd(&px_dev, tmp, mqd, LKIPC_OPEN_NOMAP);
		if (*err == -EINVAL)
			*err = -EBADF;
		return *err ? NULL : tmp;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	e->shadow.fd = -1;
	*err = lkipc_queue_from_fd(&px_dev, &e->q, mqd, 0);
	if (*err) {
		if (*err == -EINVAL)
			*err = -EBADF;
		free(e);
		return NULL;
	}
	if (!__atomic_compare_exchange_n(&mq_tab[mqd], &none, e, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		/* Another thread took it over first: use its entry. */
		mq_free(e, 0);
		e = mq_find(mqd);
		if (!e) {
			*err = -EBADF;	/* and it was closed since */
			return NULL;
		}
	}
	return &e->q;
}

static int mq_stat(struct lkipc_queue *q, struct kipc_queue_stat *st)
{
	struct mq_entry *e = mq_find(q->fd);
	int ret = lkipc_queue_stat(q, st);

	if (ret == -EBADF && e && &e->q == q && e->shadow.fd >= 0)
		ret = lkipc_queue_stat(&e->shadow, st);
	return ret;
}

static int mq_size(struct lkipc_queue *q, long *msgsize)
{
	struct mq_entry *e = mq_find(q->fd);
	struct kipc_queue_stat st;
	int ret;

	if (e && &e->q == q) {
		uint32_t sz = __atomic_load_n(&e->msgsize, __ATOMIC_RELAXED);

		if (sz) {
			*msgsize = sz;
			return 0;
		}
	}
	ret = lkipc_queue_stat(q, &st);
	if (ret < 0)
		return ret;
	*msgsize = st.msgsize;
	if (e && &e->q == q)
		__atomic_store_n(&e->msgsize, st.msgsize, __ATOMIC_RELAXED);
	return 0;
}

static void mqn_settle(uint64_t qid);

/* A kipc error of a queue call as POSIX says it. */
static int mq_err(int err)
{
	if (err == ENOTTY || err == EIDRM)
		return EBADF;
	return err;
}

API mqd_t px_mq_open(const char *name, int oflag, ...)
{
	char kn[KIPC_NAME_MAX + 1];
	struct lkipc_queue_attr qa;
	struct mq_attr *attr = NULL;
	struct mq_entry *e;
	unsigned int flags = 0;
	mode_t mode = 0;
	int acc = oflag & O_ACCMODE, fd, err;
	va_list ap;

	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		attr = va_arg(ap, struct mq_attr *);
		va_end(ap);
	}
	FALLBACK(mq_open, (mqd_t)-1, name, oflag, mode, attr);
	err = kname(kn, sizeof(kn), MQ_PREFIX, name, 0);
	if (err)
		return px_fail(err);
	if (acc == O_ACCMODE)
		return px_fail(EINVAL);
	e = calloc(1, sizeof(*e));
	if (!e)
		return px_fail(ENOMEM);
	e->shadow.fd = -1;
	flags = acc == O_RDONLY ? KIPC_OPEN_READ :
		acc == O_WRONLY ? KIPC_OPEN_WRITE :
		KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	memset(&qa, 0, sizeof(qa));
	qa.flags = KIPC_QUEUE_NOSIGPIPE;
	qa.msgs = MQ_DEFAULT_MAXMSG;
	qa.msgsize = MQ_DEFAULT_MSGSIZE;
	if (oflag & O_CREAT) {
		flags |= KIPC_OPEN_CREATE | px_order;
		if (oflag & O_EXCL)
			flags |= KIPC_OPEN_EXCL;
		if (attr) {
			/* As Linux: the attributes matter when it creates. */
			if (attr->mq_maxmsg <= 0 || attr->mq_msgsize <= 0 ||
			    attr->mq_maxmsg > INT_MAX ||
			    attr->mq_msgsize > INT_MAX) {
				err = lkipc_queue_open(&px_dev, &e->q, kn, flags &
						       ~(KIPC_OPEN_CREATE |
							 KIPC_OPEN_EXCL |
							 px_order),
						       0, &qa);
				if (!err && (oflag & O_EXCL)) {
					lkipc_queue_close(&e->q);
					err = -EEXIST;
				} else if (err) {
					err = err == -ENOENT ? -EINVAL :
					      err == -EPERM ? -EACCES : err;
				}
				if (err) {
					free(e);
					return px_fail(-err);
				}
				goto opened;
			}
			qa.msgs = (unsigned int)attr->mq_maxmsg;
			qa.msgsize = (unsigned int)attr->mq_msgsize;
		}
		mode = mode & ~cur_umask() & 0777;
	}
	err = lkipc_queue_open(&px_dev, &e->q, kn, flags, mode, &qa);
	if (err) {
		free(e);
		return px_fail(err == -EPERM ? EACCES : err == -EDQUOT ?
			       ENOSPC : -err);
	}
opened:
	fd = e->q.fd;
	if (oflag & O_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (acc == O_WRONLY)
		lkipc_queue_open(&px_dev, &e->shadow, kn, KIPC_OPEN_READ |
				 LKIPC_OPEN_NOMAP, 0, NULL);
	if (fd < MQ_TABLE)
		mq_free(__atomic_exchange_n(&mq_tab[fd], e, __ATOMIC_ACQ_REL),
			0);
	else
		mq_free(e, 0);	/* beyond the table: taken over per call */
	__atomic_add_fetch(&px_n_mq, 1, __ATOMIC_RELAXED);
	if (px_log_opens)
		fprintf(stderr, "liblkipc-posix: pid %d: mq_open %s: kipc queue %s\n",
			getpid(), name, kn);
	return fd;
}
VERSIONS(mq_open, "GLIBC_2.3.4");

API int px_mq_close(mqd_t mqd)
{
	struct mq_entry *e;
	int ret;

	FALLBACK(mq_close, -1, mqd);
	e = mq_take(mqd);
	if (e) {
		uint64_t qid = e->q.id;

		ret = mq_free(e, 1);
		/* The kernel removed this process's registration, if any. */
		mqn_settle(qid);
		return ret ? px_fail(EBADF) : 0;
	}
	if (close(mqd))
		return px_fail(EBADF);
	return 0;
}
VERSIONS(mq_close, "GLIBC_2.3.4");

API int px_mq_unlink(const char *name)
{
	char kn[KIPC_NAME_MAX + 1];
	int err, ret;

	FALLBACK(mq_unlink, -1, name);
	err = kname(kn, sizeof(kn), MQ_PREFIX, name, 0);
	if (err)
		return px_fail(err);
	ret = lkipc_queue_unlink(&px_dev, kn);
	if (ret < 0)
		return px_fail(ret == -EPERM ? EACCES : -ret);
	return 0;
}
VERSIONS(mq_unlink, "GLIBC_2.3.4");

/* Is the open description in non-blocking mode? -errno if not a file. */
static int nonblocking(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -errno;
	return !!(fl & O_NONBLOCK);
}

/* glibc declares abs_timeout nonnull: NULL (mq_send) only comes here. */
static int do_send(mqd_t mqd, const char *msg, size_t len, unsigned int prio,
		   const struct timespec *abs_timeout)
{
	struct lkipc_queue tmp, *q;
	int ret, nb;

	if (prio >= MQ_PRIO_MAX)
		return px_fail(EINVAL);
	q = mq_handle(mqd, &tmp, &ret);
	if (!q)
		return px_fail(mq_err(-ret));
	/* First without waiting: through the ring when it can be. */
	ret = lkipc_queue_send(q, MQ_PRIO_MAX - prio, msg, len,
			 KIPC_MSG_NONBLOCK | KIPC_MSG_NOSIGNAL, NULL);
	if (ret != -EAGAIN)
		return ret ? px_fail(mq_err(-ret)) : 0;
	nb = nonblocking(mqd);
	if (nb < 0)
		return px_fail(-nb);
	if (nb)
		return px_fail(EAGAIN);
	if (abs_timeout && !ts_valid(abs_timeout))
		return px_fail(EINVAL);
	for (;;) {
		ret = lkipc_queue_send(q, MQ_PRIO_MAX - prio, msg, len,
				 KIPC_MSG_NOSIGNAL |
				 (abs_timeout ? KIPC_MSG_REALTIME : 0),
				 abs_timeout);
		if (ret == -EINTR && restart_ok())
			continue;
		break;
	}
	return ret ? px_fail(mq_err(-ret)) : 0;
}

API int px_mq_timedsend(mqd_t mqd, const char *msg, size_t len, unsigned int prio,
		     const struct timespec *abs_timeout)
{
	FALLBACK(mq_timedsend, -1, mqd, msg, len, prio, abs_timeout);
	return do_send(mqd, msg, len, prio, abs_timeout);
}
VERSIONS(mq_timedsend, "GLIBC_2.3.4");

API int px_mq_send(mqd_t mqd, const char *msg, size_t len, unsigned int prio)
{
	FALLBACK(mq_send, -1, mqd, msg, len, prio);
	return do_send(mqd, msg, len, prio, NULL);
}
VERSIONS(mq_send, "GLIBC_2.3.4");

static ssize_t do_recv(mqd_t mqd, char *msg, size_t len, unsigned int *prio,
		       const struct timespec *abs_timeout)
{
	struct lkipc_queue tmp, *q;
	int64_t type = 0;
	long msgsize;
	int ret, nb;

	q = mq_handle(mqd, &tmp, &ret);
	if (!q)
		return px_fail(mq_err(-ret));
	ret = mq_size(q, &msgsize);
	if (ret < 0)
		return px_fail(mq_err(-ret));
	if (len < (size_t)msgsize)
		return px_fail(EMSGSIZE);
	ret = lkipc_queue_recv(q, msg, len, KIPC_SEL_LE, MQ_PRIO_MAX, &type,
			 KIPC_MSG_NONBLOCK, NULL);
	if (ret == -EAGAIN) {
		nb = nonblocking(mqd);
		if (nb < 0)
			return px_fail(-nb);
		if (nb)
			return px_fail(EAGAIN);
		if (abs_timeout && !ts_valid(abs_timeout))
			return px_fail(EINVAL);
		for (;;) {
			ret = lkipc_queue_recv(q, msg, len, KIPC_SEL_LE,
					 MQ_PRIO_MAX, &type,
					 abs_timeout ? KIPC_MSG_REALTIME : 0,
					 abs_timeout);
			if (ret == -EINTR && restart_ok())
				continue;
			break;
		}
	}
	if (ret < 0)
		return px_fail(mq_err(-ret));
	if (prio)
		*prio = (unsigned int)(MQ_PRIO_MAX - type);
	return ret;
}

API ssize_t px_mq_timedreceive(mqd_t mqd, char *msg, size_t len,
			    unsigned int *prio,
			    const struct timespec *abs_timeout)
{
	FALLBACK(mq_timedreceive, -1, mqd, msg, len, prio, abs_timeout);
	return do_recv(mqd, msg, len, prio, abs_timeout);
}
VERSIONS(mq_timedreceive, "GLIBC_2.3.4");

API ssize_t px_mq_receive(mqd_t mqd, char *msg, size_t len, unsigned int *prio)
{
	FALLBACK(mq_receive, -1, mqd, msg, len, prio);
	return do_recv(mqd, msg, len, prio, NULL);
}
VERSIONS(mq_receive, "GLIBC_2.3.4");

API int px_mq_getattr(mqd_t mqd, struct mq_attr *attr)
{
	struct lkipc_queue tmp, *q;
	struct kipc_queue_stat st;
	int nb, ret;

	FALLBACK(mq_getattr, -1, mqd, attr);
	q = mq_handle(mqd, &tmp, &ret);
	if (!q)
		return px_fail(mq_err(-ret));
	ret = mq_stat(q, &st);
	if (ret < 0)
		return px_fail(mq_err(-ret));
	nb = nonblocking(mqd);
	if (nb < 0)
		return px_fail(-nb);
	memset(attr, 0, sizeof(*attr));
	attr->mq_flags = nb ? O_NONBLOCK : 0;
	attr->mq_maxmsg = st.cap_msgs;
	attr->mq_msgsize = st.msgsize;
	attr->mq_curmsgs = st.msgs;
	return 0;
}
VERSIONS(mq_getattr, "GLIBC_2.3.4");

API int px_mq_setattr(mqd_t mqd, const struct mq_attr *newattr,
		   struct mq_attr *oldattr)
{
	struct mq_attr cur;
	int fl;

	FALLBACK(mq_setattr, -1, mqd, newattr, oldattr);
	if (newattr->mq_flags & ~(long)O_NONBLOCK)
		return px_fail(EINVAL);
	if (px_mq_getattr(mqd, &cur))
		return -1;
	fl = fcntl(mqd, F_GETFL);
	if (fl < 0)
		return -1;
	fl = (fl & ~O_NONBLOCK) | (newattr->mq_flags & O_NONBLOCK);
	if (fcntl(mqd, F_SETFL, fl))
		return -1;
	if (oldattr)
		*oldattr = cur;
	return 0;
}
VERSIONS(mq_setattr, "GLIBC_2.3.4");

/*
 * mq_notify: the registration is the kernel's (KIPC_IOC_QUEUE_NOTIFY), one
 * per queue for every process, and fires as Linux's does.  SIGEV_NONE and
 * SIGEV_SIGNAL are the kernel's own kinds.  SIGEV_THREAD registers an
 * eventfd the kernel signals when it fires; a helper thread (every signal
 * blocked, as glibc's) waits on it and starts the function in a new
 * detached thread, with the value and the attributes given, copied.
 *
 * The helper only polls the eventfd and decides under mqn_lock, so that a
 * registration the process removed (mq_notify(NULL), or a close of any
 * descriptor of the queue, which the kernel takes as removal) can be told
 * from one that fired: the kernel signals the eventfd before the
 * registration goes, so once it is gone an eventfd that is not readable
 * means "removed".  A fork's child has no registration: it forgets the
 * parent's records.
 */
enum { MQN_ARMED, MQN_FIRED, MQN_CANCELLED };

struct mqn {
	int efd;
	int state;			/* MQN_*: under mqn_lock */
	uint64_t qid;			/* the queue's object id */
	void (*fn)(union sigval);
	union sigval value;
	pthread_attr_t attr;
	int has_attr;
	struct mqn *next;
};

static pthread_mutex_t mqn_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mqn *mqn_list;		/* armed SIGEV_THREAD registrations */
static pthread_once_t mqn_once = PTHREAD_ONCE_INIT;

static void mqn_free(struct mqn *r)
{
	if (r->has_attr)
		pthread_attr_destroy(&r->attr);
	close(r->efd);
	free(r);
}

static void mqn_unlist(struct mqn *r)
{
	struct mqn **pp;

	for (pp = &mqn_list; *pp; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			break;
		}
}

static void mqn_prepare(void)
{
	pthread_mutex_lock(&mqn_lock);
}

static void mqn_parent(void)
{
	pthread_mutex_unlock(&mqn_lock);
}

/* The child of fork: the registrations are the parent's, not its own. */
static void mqn_child(void)
{
	struct mqn *r, *next;

	for (r = mqn_list; r; r = next) {
		next = r->next;
		mqn_free(r);
	}
	mqn_list = NULL;
	pthread_mutex_init(&mqn_lock, NULL);
}

static void mqn_atfork(void)
{
	pthread_atfork(mqn_prepare, mqn_parent, mqn_child);
}

/* Has the kernel signalled r's eventfd (the registration fired)? */
static int mqn_fired(const struct mqn *r)
{
	struct pollfd p = { .fd = r->efd, .events = POLLIN };

	return poll(&p, 1, 0) == 1;
}

/*
 * The process's registration on queue qid is gone (removed or closed):
 * a record whose eventfd the kernel did not signal was removed.
 */
static void mqn_settle(uint64_t qid)
{
	int saved = errno;
	uint64_t one = 1;
	struct mqn *r;

	if (!__atomic_load_n(&mqn_list, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&mqn_lock);
	for (r = mqn_list; r; r = r->next)
		if (r->qid == qid && r->state == MQN_ARMED && !mqn_fired(r)) {
			r->state = MQN_CANCELLED;
			/* Wake its helper, which then goes. */
			if (write(r->efd, &one, sizeof(one)) < 0)
				abort();
		}
	pthread_mutex_unlock(&mqn_lock);
	errno = saved;
}

/* The notification's thread: glibc's, signals unblocked, detached. */
static void *mqn_run(void *arg)
{
	struct mqn *r = arg;
	void (*fn)(union sigval) = r->fn;
	union sigval value = r->value;
	sigset_t none;

	mqn_free(r);
	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	fn(value);
	return NULL;
}

/* The helper of one SIGEV_THREAD registration. */
static void *mqn_helper(void *arg)
{
	struct mqn *r = arg;
	struct pollfd p = { .fd = r->efd, .events = POLLIN };
	pthread_t th;
	int fire;

	while (poll(&p, 1, -1) < 0)
		;
	pthread_mutex_lock(&mqn_lock);
	fire = r->state == MQN_ARMED;
	if (fire)
		r->state = MQN_FIRED;
	mqn_unlist(r);
	pthread_mutex_unlock(&mqn_lock);
	if (!fire || pthread_create(&th, r->has_attr ? &r->attr : NULL,
				    mqn_run, r))
		mqn_free(r);
	else
		pthread_detach(th);
	return NULL;
}

/*
 * The attributes' copy (glibc copies them too): what pthread_attr_t can
 * say but a caller-provided stack, which one thread at a time may use.
 */
static int mqn_copy_attr(pthread_attr_t *dst, const pthread_attr_t *src)
{
	struct sched_param sp;
	size_t sz;
	int v;

	if (pthread_attr_init(dst))
		return -1;
	if (!pthread_attr_getstacksize(src, &sz))
		pthread_attr_setstacksize(dst, sz);
	if (!pthread_attr_getguardsize(src, &sz))
		pthread_attr_setguardsize(dst, sz);
	if (!pthread_attr_getinheritsched(src, &v))
		pthread_attr_setinheritsched(dst, v);
	if (!pthread_attr_getschedpolicy(src, &v))
		pthread_attr_setschedpolicy(dst, v);
	if (!pthread_attr_getschedparam(src, &sp))
		pthread_attr_setschedparam(dst, &sp);
	if (!pthread_attr_getscope(src, &v))
		pthread_attr_setscope(dst, v);
	return 0;
}

/* A SIGEV_THREAD record with its eventfd and helper; -errno. */
static int mqn_new(const struct sigevent *sev, uint64_t qid, struct mqn **out)
{
	sigset_t all, old;
	struct mqn *r;
	pthread_t th;
	int ret;

	pthread_once(&mqn_once, mqn_atfork);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->qid = qid;
	r->fn = sev->sigev_notify_function;
	r->value = sev->sigev_value;
	if (sev->sigev_notify_attributes) {
		if (mqn_copy_attr(&r->attr, sev->sigev_notify_attributes)) {
			free(r);
			return -ENOMEM;
		}
		r->has_attr = 1;
	}
	r->efd = eventfd(0, EFD_CLOEXEC);
	if (r->efd < 0) {
		ret = -errno;
		if (r->has_attr)
			pthread_attr_destroy(&r->attr);
		free(r);
		return ret;
	}
	/* Not armed yet: a failed registration cancels it. */
	r->state = MQN_CANCELLED;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = -pthread_create(&th, NULL, mqn_helper, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (ret) {
		mqn_free(r);
		return ret == -EAGAIN ? -ENOMEM : ret;
	}
	pthread_detach(th);
	*out = r;
	return 0;
}

API int px_mq_notify(mqd_t mqd, const struct sigevent *sev)
{
	unsigned int kind = KIPC_NOTIFY_REMOVE;
	struct lkipc_queue tmp, *q;
	struct mqn *r = NULL;
	uint64_t value = 0, one = 1;
	int ret;

	FALLBACK(mq_notify, -1, mqd, sev);
	if (sev) {
		switch (sev->sigev_notify) {
		case SIGEV_NONE:
			kind = KIPC_NOTIFY_NONE;
			break;
		case SIGEV_SIGNAL:
			/* The kernel checks the signal, as Linux's. */
			kind = KIPC_NOTIFY_SIGNAL;
			memcpy(&value, &sev->sigev_value,
			       sizeof(sev->sigev_value));
			break;
		case SIGEV_THREAD:
			kind = KIPC_NOTIFY_EVENTFD;
			break;
		default:
			return px_fail(EINVAL);
		}
	}
	q = mq_handle(mqd, &tmp, &ret);
	if (!q)
		return px_fail(mq_err(-ret));
	if (kind == KIPC_NOTIFY_EVENTFD) {
		ret = mqn_new(sev, q->id, &r);
		if (ret)
			return px_fail(-ret);
	}
	pthread_mutex_lock(&mqn_lock);
	ret = lkipc_queue_notify(q, kind, kind == KIPC_NOTIFY_SIGNAL ?
				 sev->sigev_signo : 0, value, r ? r->efd : 0);
	if (r && !ret) {
		r->state = MQN_ARMED;
		r->next = mqn_list;
		__atomic_store_n(&mqn_list, r, __ATOMIC_RELEASE);
	} else if (r && write(r->efd, &one, sizeof(one)) < 0) {
		abort();		/* an eventfd at 1 cannot refuse 1 */
	}
	pthread_mutex_unlock(&mqn_lock);
	if (kind == KIPC_NOTIFY_REMOVE && ret >= 0)
		mqn_settle(q->id);
	if (ret < 0)
		/* A module without notification: as before it had them. */
		return px_fail(ret == -ENOTTY ? ENOSYS : mq_err(-ret));
	return 0;
}
VERSIONS(mq_notify, "GLIBC_2.3.4");

/*
 * read(2) of a Linux mqueue descriptor returns the queue's status line and
 * takes no message; read(2) of a kipc queue handle receives one.  Programs
 * read mqd_t descriptors (stress-ng does, to look at the queue), so read
 * is interposed: on a descriptor that the mq_* functions know (it has an
 * entry) and that is still a kipc queue, it returns the status line as
 * Linux writes it, from its beginning (kipc handles have no file
 * position); anything else goes to the C library's read.
 */
static ssize_t mq_read(struct mq_entry *e, void *buf, size_t count)
{
	struct kipc_queue_stat st;
	char line[96];
	int ret, len;

	/* Not mq_stat: a write-only descriptor reads EBADF, as on Linux. */
	ret = lkipc_queue_stat(&e->q, &st);
	if (ret < 0)
		return -2;	/* the C library's read says what it is */
	/* NOTIFY is the registration's sigev_notify: SIGEV_SIGNAL is 0. */
	len = snprintf(line, sizeof(line),
		       "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		       (unsigned long long)st.bytes,
		       st.notify == KIPC_NOTIFY_NONE ? SIGEV_NONE :
		       st.notify == KIPC_NOTIFY_EVENTFD ? SIGEV_THREAD : 0,
		       (int)st.notify_signo, (int)st.notify_pid);
	if ((size_t)len > count)
		len = (int)count;
	memcpy(buf, line, len);
	return len;
}

/* The C library's function "name", looked up once into *slot. */
static void *libc_fn(void **slot, const char *name)
{
	void *fn = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!fn) {
		fn = px_real(name);
		__atomic_store_n(slot, fn, __ATOMIC_RELEASE);
	}
	return fn;
}
#define LIBC(name)							\
	((__typeof(&name))libc_fn(&libc_##name, #name))

static void *libc_read, *libc_close, *libc_dup2, *libc_dup3,
	*libc_close_range, *libc_closefrom;

/*
 * Looked up when the library is loaded, so that close in a fork's child
 * never calls into the dynamic linker, whose lock another thread of the
 * parent may have held at the fork.  A function this C library lacks
 * stays NULL (libc_fn says so if it is ever called).
 */
__attribute__((constructor)) static void libc_fns_init(void)
{
	libc_read = dlsym(RTLD_NEXT, "read");
	libc_close = dlsym(RTLD_NEXT, "close");
	libc_dup2 = dlsym(RTLD_NEXT, "dup2");
	libc_dup3 = dlsym(RTLD_NEXT, "dup3");
	libc_close_range = dlsym(RTLD_NEXT, "close_range");
	libc_closefrom = dlsym(RTLD_NEXT, "closefrom");
}

__typeof(read) px_read;
API ssize_t px_read(int fd, void *buf, size_t count)
{
	struct mq_entry *e = mq_find(fd);
	ssize_t ret;

	if (e && (ret = mq_read(e, buf, count)) != -2)
		return ret;
	return LIBC(read)(fd, buf, count);
}
__asm__(".symver px_read,read@@GLIBC_2.2.5");

/*
 * The calls that close or replace a descriptor forget its entry first, so
 * that the number, once reused, cannot lead an mq_* call to the queue it
 * named before.  A descriptor closed behind the C library's back (the raw
 * system call, io_uring) is not seen: Documentation/compat.md.
 */
__typeof(close) px_close;
API int px_close(int fd)
{
	struct mq_entry *e = mq_take(fd);
	uint64_t qid = e ? e->q.id : 0;
	int ret;

	mq_free(e, 0);
	ret = LIBC(close)(fd);
	if (qid)
		mqn_settle(qid);	/* as in mq_close */
	return ret;
}
__asm__(".symver px_close,close@@GLIBC_2.2.5");

__typeof(dup2) px_dup2;
API int px_dup2(int oldfd, int newfd)
{
	if (oldfd != newfd)
		mq_drop(newfd, 0);
	return LIBC(dup2)(oldfd, newfd);
}
__asm__(".symver px_dup2,dup2@@GLIBC_2.2.5");

__typeof(dup3) px_dup3;
API int px_dup3(int oldfd, int newfd, int flags)
{
	if (oldfd != newfd)
		mq_drop(newfd, 0);
	return LIBC(dup3)(oldfd, newfd, flags);
}
__asm__(".symver px_dup3,dup3@@GLIBC_2.9");

/* Forget the entries of [first, last]. */
static void mq_drop_range(unsigned int first, unsigned int last)
{
	for (unsigned int fd = first; fd <= last && fd < MQ_TABLE; fd++)
		if (__atomic_load_n(&mq_tab[fd], __ATOMIC_RELAXED))
			mq_drop((int)fd, 0);
}

__typeof(close_range) px_close_range;
API int px_close_range(unsigned int first, unsigned int last, int flags)
{
	if (!(flags & CLOSE_RANGE_CLOEXEC))
		mq_drop_range(first, last);
	return LIBC(close_range)(first, last, flags);
}
__asm__(".symver px_close_range,close_range@@GLIBC_2.34");

__typeof(closefrom) px_closefrom;
API void px_closefrom(int lowfd)
{
	mq_drop_range(lowfd < 0 ? 0 : (unsigned int)lowfd, UINT_MAX);
	LIBC(closefrom)(lowfd);
}
__asm__(".symver px_closefrom,closefrom@@GLIBC_2.34");

/* ------------------------------------------------------------------ */
/* Semaphores                                                          */
/* ------------------------------------------------------------------ */

#define PSEM_MAGIC	0x6b73656dU	/* "kmes" */
enum { PSEM_PRIVATE = 1, PSEM_SHARED = 2, PSEM_NAMED = 3 };

/* 16 bytes: it fits every ABI's sem_t (i386's is 16, x86_64's 32). */
struct psem {
	uint32_t magic;
	uint32_t kind;
	union {
		uint64_t handle;	/* PRIVATE: a struct lkipc_sem * */
		uint64_t token;		/* SHARED */
	};				/* NAMED: in struct named */
};
_Static_assert(sizeof(struct psem) <= sizeof(sem_t), "sem_t too small");

/* Named semaphores open in this process: one address per object. */
struct named {
	struct psem s;		/* first: the sem_t handed out */
	sem_t pad;		/* so that sem_t-sized accesses stay inside */
	struct lkipc_sem h;
	uint64_t id;
	unsigned long refs;
	struct named *next;
};

/* The handles of shared unnamed semaphores this process has opened. */
struct shared {
	uint64_t token;
	struct lkipc_sem h;	/* fd -1: destroyed */
	struct shared *next;
};

#define SHARED_BUCKETS 256
static struct shared *shared_tab[SHARED_BUCKETS];
static struct named *named_list;
static pthread_mutex_t sem_lock = PTHREAD_MUTEX_INITIALIZER;

static void semu_name(char *buf, size_t sz, uint64_t token)
{
	snprintf(buf, sz, SEMU_PREFIX "%016llx", (unsigned long long)token);
}

/* Lock-free lookup: entries are only ever prepended, never freed early. */
static struct lkipc_sem *shared_find(uint64_t token)
{
	struct shared *e = __atomic_load_n(&shared_tab[token % SHARED_BUCKETS],
					   __ATOMIC_ACQUIRE);

	for (; e; e = e->next)
		if (e->token == token &&
		    __atomic_load_n(&e->h.fd, __ATOMIC_ACQUIRE) >= 0)
			return &e->h;
	return NULL;
}

/* Open the shared semaphore "name" into a new entry for token: 0 or -errno. */
static int shared_add(uint64_t token, const char *name, unsigned int flags,
		      unsigned int value)
{
	struct shared *e = malloc(sizeof(*e)), **head;
	int ret;

	if (!e)
		return -ENOMEM;
	e->token = token;
	ret = lkipc_sem_open(&px_dev, &e->h, name, flags, 0600, value);
	if (ret) {
		free(e);
		return ret;
	}
	head = &shared_tab[token % SHARED_BUCKETS];
	e->next = *head;
	__atomic_store_n(head, e, __ATOMIC_RELEASE);
	return 0;
}

/*
 * The handle of a sem_t, opening a shared one on first use; NULL with
 * -errno in *err.
 */
static struct lkipc_sem *sem_handle(sem_t *sem, int *err)
{
	struct psem *s = (struct psem *)sem;
	struct lkipc_sem *h;
	char kn[KIPC_NAME_MAX + 1];

	*err = -EINVAL;
	if (!s || __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != PSEM_MAGIC)
		return NULL;
	if (s->kind == PSEM_PRIVATE)
		return (struct lkipc_sem *)(uintptr_t)s->handle;
	if (s->kind == PSEM_NAMED)
		return &((struct named *)(void *)s)->h;
	if (s->kind != PSEM_SHARED)
		return NULL;
	h = shared_find(s->token);
	if (h)
		return h;
	pthread_mutex_lock(&sem_lock);
	h = shared_find(s->token);
	if (!h) {
		semu_name(kn, sizeof(kn), s->token);
		*err = shared_add(s->token, kn, 0, 0);
		if (*err == -ENOENT)
			*err = -EINVAL;	/* destroyed */
		h = *err ? NULL : shared_find(s->token);
	}
	pthread_mutex_unlock(&sem_lock);
	return h;
}

static int sem_err(int err)
{
	if (err == ENOTTY || err == EIDRM || err == EBADF)
		return EINVAL;
	return err;
}

API int px_sem_init(sem_t *sem, int pshared, unsigned int value)
{
	struct psem *s = (struct psem *)sem;
	char kn[KIPC_NAME_MAX + 1];
	struct lkipc_sem *h;
	uint64_t token;
	int ret;

	FALLBACK(sem_init, -1, sem, pshared, value);
	if (value > SEM_VALUE_MAX)
		return px_fail(EINVAL);
	memset(sem, 0, sizeof(*sem));
	if (!pshared) {
		h = malloc(sizeof(*h));
		if (!h)
			return px_fail(ENOMEM);
		ret = lkipc_sem_open(&px_dev, h, NULL,
				     KIPC_OPEN_CREATE | px_order, 0600, value);
		if (ret) {
			free(h);
			return px_fail(ret == -EDQUOT ? ENOSPC : -ret);
		}
		s->kind = PSEM_PRIVATE;
		s->handle = (uintptr_t)h;
	} else {
		pthread_mutex_lock(&sem_lock);
		do {
			if (getrandom(&token, sizeof(token), 0) !=
			    sizeof(token)) {
				ret = -ENOSPC;
				break;
			}
			semu_name(kn, sizeof(kn), token);
			ret = shared_add(token, kn, KIPC_OPEN_CREATE |
					 KIPC_OPEN_EXCL | px_order, value);
		} while (ret == -EEXIST);
		pthread_mutex_unlock(&sem_lock);
		if (ret)
			return px_fail(ret == -EDQUOT ? ENOSPC : -ret);
		s->kind = PSEM_SHARED;
		s->token = token;
	}
	__atomic_add_fetch(&n_sem, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&s->magic, PSEM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}
VERSIONS(sem_init, "GLIBC_2.2.5");

API int px_sem_destroy(sem_t *sem)
{
	struct psem *s = (struct psem *)sem;
	char kn[KIPC_NAME_MAX + 1];
	struct shared *e;

	FALLBACK(sem_destroy, -1, sem);
	if (!s || s->magic != PSEM_MAGIC || s->kind == PSEM_NAMED)
		return px_fail(EINVAL);
	if (s->kind == PSEM_PRIVATE) {
		struct lkipc_sem *h = (struct lkipc_sem *)(uintptr_t)s->handle;

		lkipc_sem_close(h);
		free(h);
	} else {
		semu_name(kn, sizeof(kn), s->token);
		lkipc_sem_unlink(&px_dev, kn);
		pthread_mutex_lock(&sem_lock);
		for (e = shared_tab[s->token % SHARED_BUCKETS]; e; e = e->next)
			if (e->token == s->token && e->h.fd >= 0)
				lkipc_sem_close(&e->h);
		pthread_mutex_unlock(&sem_lock);
	}
	__atomic_store_n(&s->magic, 0, __ATOMIC_RELEASE);
	return 0;
}
VERSIONS(sem_destroy, "GLIBC_2.2.5");

API sem_t *px_sem_open(const char *name, int oflag, ...)
{
	char kn[KIPC_NAME_MAX + 1];
	unsigned int flags = KIPC_OPEN_READ | KIPC_OPEN_WRITE, value = 0;
	struct lkipc_sem h;
	struct named *n;
	mode_t mode = 0;
	int err;
	va_list ap;

	if (oflag & O_CREAT) {
		va_start(ap, oflag);
		mode = va_arg(ap, mode_t);
		value = va_arg(ap, unsigned int);
		va_end(ap);
	}
	FALLBACK(sem_open, SEM_FAILED, name, oflag, mode, value);
	err = kname(kn, sizeof(kn), SEM_PREFIX, name, 1);
	if (err) {
		errno = err;
		return SEM_FAILED;
	}
	if (oflag & O_CREAT) {
		if (value > SEM_VALUE_MAX) {
			errno = EINVAL;
			return SEM_FAILED;
		}
		flags |= KIPC_OPEN_CREATE | px_order;
		if (oflag & O_EXCL)
			flags |= KIPC_OPEN_EXCL;
		mode = mode & ~cur_umask() & 0777;
	}
	err = lkipc_sem_open(&px_dev, &h, kn, flags, mode, value);
	if (err) {
		errno = err == -EDQUOT ? ENOSPC : -err;
		return SEM_FAILED;
	}
	pthread_mutex_lock(&sem_lock);
	for (n = named_list; n; n = n->next)
		if (n->id == h.id) {
			n->refs++;
			pthread_mutex_unlock(&sem_lock);
			lkipc_sem_close(&h);
			return (sem_t *)&n->s;
		}
	n = calloc(1, sizeof(*n));
	if (!n) {
		pthread_mutex_unlock(&sem_lock);
		lkipc_sem_close(&h);
		errno = ENOMEM;
		return SEM_FAILED;
	}
	n->s.magic = PSEM_MAGIC;
	n->s.kind = PSEM_NAMED;
	n->h = h;
	n->id = h.id;
	n->refs = 1;
	n->next = named_list;
	named_list = n;
	pthread_mutex_unlock(&sem_lock);
	__atomic_add_fetch(&n_sem, 1, __ATOMIC_RELAXED);
	return (sem_t *)&n->s;
}
VERSIONS(sem_open, "GLIBC_2.2.5");

API int px_sem_close(sem_t *sem)
{
	struct named **pp, *n;

	FALLBACK(sem_close, -1, sem);
	pthread_mutex_lock(&sem_lock);
	for (pp = &named_list; (n = *pp); pp = &n->next)
		if ((sem_t *)&n->s == sem)
			break;
	if (!n) {
		pthread_mutex_unlock(&sem_lock);
		return px_fail(EINVAL);
	}
	if (--n->refs == 0) {
		*pp = n->next;
		lkipc_sem_close(&n->h);
		n->s.magic = 0;
		free(n);
	}
	pthread_mutex_unlock(&sem_lock);
	return 0;
}
VERSIONS(sem_close, "GLIBC_2.2.5");

API int px_sem_unlink(const char *name)
{
	char kn[KIPC_NAME_MAX + 1];
	int err, ret;

	FALLBACK(sem_unlink, -1, name);
	err = kname(kn, sizeof(kn), SEM_PREFIX, name, 1);
	if (err)
		return px_fail(err == EINVAL ? ENOENT : err);
	ret = lkipc_sem_unlink(&px_dev, kn);
	if (ret < 0)
		return px_fail(ret == -EPERM ? EACCES : -ret);
	return 0;
}
VERSIONS(sem_unlink, "GLIBC_2.2.5");

API int px_sem_post(sem_t *sem)
{
	struct lkipc_sem *h;
	int ret;

	FALLBACK(sem_post, -1, sem);
	h = sem_handle(sem, &ret);
	if (!h)
		return px_fail(-ret);
	ret = lkipc_sem_post(h, 1, 0);
	return ret ? px_fail(sem_err(-ret)) : 0;
}
VERSIONS(sem_post, "GLIBC_2.2.5");

API int px_sem_trywait(sem_t *sem)
{
	struct lkipc_sem *h;
	int ret;

	FALLBACK(sem_trywait, -1, sem);
	h = sem_handle(sem, &ret);
	if (!h)
		return px_fail(-ret);
	ret = lkipc_sem_trywait(h, 1, 0);
	return ret ? px_fail(sem_err(-ret)) : 0;
}
VERSIONS(sem_trywait, "GLIBC_2.2.5");

/* P with a deadline on clock (or none), restarting per SA_RESTART. */
static int sem_wait_on(sem_t *sem, clockid_t clock, const struct timespec *ts)
{
	struct lkipc_sem *h;
	int ret;

	h = sem_handle(sem, &ret);
	if (!h)
		return px_fail(-ret);
	if (ts) {
		/* POSIX: a bad deadline matters only if the call waits. */
		ret = lkipc_sem_trywait(h, 1, 0);
		if (ret != -EAGAIN)
			return ret ? px_fail(sem_err(-ret)) : 0;
		if (!ts_valid(ts))
			return px_fail(EINVAL);
	}
	for (;;) {
		ret = lkipc_sem_wait(h, 1, ts && clock == CLOCK_REALTIME ?
				     KIPC_SEM_REALTIME : 0, ts);
		if (ret == -EINTR && restart_ok())
			continue;
		break;
	}
	return ret ? px_fail(sem_err(-ret)) : 0;
}

API int px_sem_wait(sem_t *sem)
{
	FALLBACK(sem_wait, -1, sem);
	return sem_wait_on(sem, CLOCK_REALTIME, NULL);
}
VERSIONS(sem_wait, "GLIBC_2.2.5");

API int px_sem_timedwait(sem_t *sem, const struct timespec *abs_timeout)
{
	FALLBACK(sem_timedwait, -1, sem, abs_timeout);
	return sem_wait_on(sem, CLOCK_REALTIME, abs_timeout);
}
VERSIONS(sem_timedwait, "GLIBC_2.2.5");

API int px_sem_clockwait(sem_t *sem, clockid_t clock,
		      const struct timespec *abs_timeout)
{
	FALLBACK(sem_clockwait, -1, sem, clock, abs_timeout);
	if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC)
		return px_fail(EINVAL);
	return sem_wait_on(sem, clock, abs_timeout);
}
VERSIONS(sem_clockwait, "GLIBC_2.30");

API int px_sem_getvalue(sem_t *sem, int *sval)
{
	struct lkipc_sem *h;
	int ret;

	FALLBACK(sem_getvalue, -1, sem, sval);
	h = sem_handle(sem, &ret);
	if (!h)
		return px_fail(-ret);
	ret = lkipc_sem_value(h);
	if (ret < 0)
		return px_fail(sem_err(-ret));
	*sval = ret;
	return 0;
}
VERSIONS(sem_getvalue, "GLIBC_2.2.5");
