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
 * Errors follow the POSIX and Linux manual pages; every entry point sets
 * errno and returns -1 (or (mqd_t)-1, SEM_FAILED).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
		lib_mode = MODE_KIPC;
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
 * Per descriptor: the queue's largest message, learnt at mq_open (or
 * asked once, for a dup), so that mq_receive checks its buffer with no
 * system call.  0: unknown.
 */
#define MQ_TABLE	65536
static uint32_t mq_msgsize[MQ_TABLE];
/* Descriptors mq_open returned (and mq_close did not close): read(2). */
static uint8_t mq_is[MQ_TABLE];

/*
 * A write-only descriptor cannot observe its queue (the stat needs read
 * access): mq_open keeps a read-only handle beside it, when the caller may
 * have one, for mq_getattr.  -1: none.
 */
static int mq_shadow[MQ_TABLE];
static pthread_once_t shadow_once = PTHREAD_ONCE_INIT;

static void shadow_init(void)
{
	for (int i = 0; i < MQ_TABLE; i++)
		mq_shadow[i] = -1;
}

static int mq_stat(int fd, struct kipc_queue_stat *st)
{
	int ret = lkipc_queue_info(fd, st);

	pthread_once(&shadow_once, shadow_init);
	if (ret == -EBADF && fd >= 0 && fd < MQ_TABLE && mq_shadow[fd] >= 0 &&
	    fcntl(fd, F_GETFD) >= 0)
		ret = lkipc_queue_info(mq_shadow[fd], st);
	return ret;
}

static int mq_size(int fd, long *msgsize)
{
	struct kipc_queue_stat st;
	int ret;

	if (fd >= 0 && fd < MQ_TABLE) {
		uint32_t s = __atomic_load_n(&mq_msgsize[fd], __ATOMIC_RELAXED);

		if (s) {
			*msgsize = s;
			return 0;
		}
	}
	ret = lkipc_queue_info(fd, &st);
	if (ret < 0)
		return ret;
	*msgsize = st.msgsize;
	if (fd >= 0 && fd < MQ_TABLE)
		__atomic_store_n(&mq_msgsize[fd], st.msgsize, __ATOMIC_RELAXED);
	return 0;
}

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
	flags = acc == O_RDONLY ? KIPC_OPEN_READ :
		acc == O_WRONLY ? KIPC_OPEN_WRITE :
		KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	memset(&qa, 0, sizeof(qa));
	qa.flags = KIPC_QUEUE_NOSIGPIPE;
	qa.msgs = MQ_DEFAULT_MAXMSG;
	qa.msgsize = MQ_DEFAULT_MSGSIZE;
	if (oflag & O_CREAT) {
		flags |= KIPC_OPEN_CREATE;
		if (oflag & O_EXCL)
			flags |= KIPC_OPEN_EXCL;
		if (attr) {
			/* As Linux: the attributes matter when it creates. */
			if (attr->mq_maxmsg <= 0 || attr->mq_msgsize <= 0 ||
			    attr->mq_maxmsg > INT_MAX ||
			    attr->mq_msgsize > INT_MAX) {
				fd = lkipc_queue_open(&px_dev, kn, flags &
						      ~(KIPC_OPEN_CREATE |
							KIPC_OPEN_EXCL),
						      0, &qa);
				if (fd >= 0 && (oflag & O_EXCL)) {
					lkipc_handle_close(fd);
					return px_fail(EEXIST);
				}
				if (fd < 0)
					return px_fail(fd == -ENOENT ? EINVAL :
						    fd == -EPERM ? EACCES : -fd);
				goto opened;
			}
			qa.msgs = (unsigned int)attr->mq_maxmsg;
			qa.msgsize = (unsigned int)attr->mq_msgsize;
		}
		mode = mode & ~cur_umask() & 0777;
	}
	fd = lkipc_queue_open(&px_dev, kn, flags, mode, &qa);
	if (fd < 0)
		return px_fail(fd == -EPERM ? EACCES : fd == -EDQUOT ? ENOSPC :
			    -fd);
opened:
	if (oflag & O_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	if (fd < MQ_TABLE) {
		__atomic_store_n(&mq_msgsize[fd], 0, __ATOMIC_RELAXED);
		pthread_once(&shadow_once, shadow_init);
		if (mq_shadow[fd] >= 0)
			lkipc_handle_close(mq_shadow[fd]);
		mq_shadow[fd] = acc == O_WRONLY ?
			lkipc_queue_open(&px_dev, kn, KIPC_OPEN_READ |
					 LKIPC_OPEN_NOMAP, 0, NULL) : -1;
		if (mq_shadow[fd] < 0)
			mq_shadow[fd] = -1;
	}
	__atomic_add_fetch(&px_n_mq, 1, __ATOMIC_RELAXED);
	if (px_log_opens)
		fprintf(stderr, "liblkipc-posix: pid %d: mq_open %s: kipc queue %s\n",
			getpid(), name, kn);
	if (fd < MQ_TABLE)
		__atomic_store_n(&mq_is[fd], 1, __ATOMIC_RELAXED);
	return fd;
}
VERSIONS(mq_open, "GLIBC_2.3.4");

API int px_mq_close(mqd_t mqd)
{
	FALLBACK(mq_close, -1, mqd);
	if (mqd >= 0 && mqd < MQ_TABLE) {
		__atomic_store_n(&mq_msgsize[mqd], 0, __ATOMIC_RELAXED);
		__atomic_store_n(&mq_is[mqd], 0, __ATOMIC_RELAXED);
		pthread_once(&shadow_once, shadow_init);
		if (mq_shadow[mqd] >= 0 && fcntl(mqd, F_GETFD) >= 0) {
			lkipc_handle_close(mq_shadow[mqd]);
			mq_shadow[mqd] = -1;
		}
	}
	if (lkipc_handle_close(mqd))
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
	int ret, nb;

	if (prio >= MQ_PRIO_MAX)
		return px_fail(EINVAL);
	/* First without waiting: through the ring when it can be. */
	ret = lkipc_send(mqd, MQ_PRIO_MAX - prio, msg, len,
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
		ret = lkipc_send(mqd, MQ_PRIO_MAX - prio, msg, len,
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
	int64_t type = 0;
	long msgsize;
	int ret, nb;

	ret = mq_size(mqd, &msgsize);
	if (ret < 0)
		return px_fail(mq_err(-ret));
	if (len < (size_t)msgsize)
		return px_fail(EMSGSIZE);
	ret = lkipc_recv(mqd, msg, len, KIPC_SEL_LE, MQ_PRIO_MAX, &type,
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
			ret = lkipc_recv(mqd, msg, len, KIPC_SEL_LE,
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
	struct kipc_queue_stat st;
	int nb, ret;

	FALLBACK(mq_getattr, -1, mqd, attr);
	ret = mq_stat(mqd, &st);
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
 * Not implemented: a registration must be one per queue for every process,
 * and fire only on a message arriving on an empty queue no receiver waits
 * on: that needs state in the kernel object, which kipc does not have yet.
 */
API int px_mq_notify(mqd_t mqd, const struct sigevent *sev)
{
	struct kipc_queue_stat st;
	int ret;

	FALLBACK(mq_notify, -1, mqd, sev);
	ret = lkipc_queue_info(mqd, &st);
	if (ret < 0 && ret != -EBADF)
		return px_fail(mq_err(-ret));
	return px_fail(ENOSYS);
}
VERSIONS(mq_notify, "GLIBC_2.3.4");

/*
 * read(2) of a Linux mqueue descriptor returns the queue's status line and
 * takes no message; read(2) of a kipc queue handle receives one.  Programs
 * read mqd_t descriptors (stress-ng does, to look at the queue), so read
 * is interposed: on a descriptor that mq_open returned and that is still
 * a kipc queue, it returns the status line as Linux writes it, from its
 * beginning (kipc handles have no file position); anything else goes to
 * the C library's read.
 */
static ssize_t (*libc_read)(int, void *, size_t);

static ssize_t mq_read(int fd, void *buf, size_t count)
{
	struct kipc_queue_stat st;
	char line[96];
	int ret, len;

	/* Not mq_stat: a write-only descriptor reads EBADF, as on Linux. */
	ret = lkipc_queue_info(fd, &st);
	if (ret < 0) {
		/* Not a kipc queue any more (the number was reused: ENOTTY,
		 * or EINVAL from another driver), or not readable (EBADF):
		 * the C library's read says what it is. */
		if (ret != -EBADF)
			__atomic_store_n(&mq_is[fd], 0, __ATOMIC_RELAXED);
		return -2;
	}
	len = snprintf(line, sizeof(line),
		       "QSIZE:%-10llu NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n",
		       (unsigned long long)st.bytes, 0, 0, 0);
	if ((size_t)len > count)
		len = (int)count;
	memcpy(buf, line, len);
	return len;
}

__typeof(read) px_read;
API ssize_t px_read(int fd, void *buf, size_t count)
{
	ssize_t ret;

	if (fd >= 0 && fd < MQ_TABLE &&
	    __atomic_load_n(&mq_is[fd], __ATOMIC_RELAXED) &&
	    (ret = mq_read(fd, buf, count)) != -2)
		return ret;
	if (!__atomic_load_n(&libc_read, __ATOMIC_ACQUIRE))
		__atomic_store_n(&libc_read, (__typeof(libc_read))
				 px_real("read"), __ATOMIC_RELEASE);
	return libc_read(fd, buf, count);
}
__asm__(".symver px_read,read@@GLIBC_2.2.5");

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
		int32_t fd;	/* PRIVATE, NAMED */
		uint64_t token;	/* SHARED */
	};
};
_Static_assert(sizeof(struct psem) <= sizeof(sem_t), "sem_t too small");

/* Named semaphores open in this process: one address per object. */
struct named {
	struct psem s;		/* first: the sem_t handed out */
	sem_t pad;		/* so that sem_t-sized accesses stay inside */
	uint64_t id;
	unsigned long refs;
	struct named *next;
};

/* The handles of shared unnamed semaphores this process has opened. */
struct shared {
	uint64_t token;
	int fd;
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
static int shared_find(uint64_t token)
{
	struct shared *e = __atomic_load_n(&shared_tab[token % SHARED_BUCKETS],
					   __ATOMIC_ACQUIRE);

	for (; e; e = e->next)
		if (e->token == token && e->fd >= 0)
			return __atomic_load_n(&e->fd, __ATOMIC_RELAXED);
	return -1;
}

static int shared_add(uint64_t token, int fd)
{
	struct shared *e = malloc(sizeof(*e)), **head;

	if (!e)
		return -ENOMEM;
	e->token = token;
	e->fd = fd;
	head = &shared_tab[token % SHARED_BUCKETS];
	e->next = *head;
	__atomic_store_n(head, e, __ATOMIC_RELEASE);
	return 0;
}

/* The handle of a sem_t, opening a shared one on first use: fd or -errno. */
static int sem_fd(sem_t *sem)
{
	struct psem *s = (struct psem *)sem;
	char kn[KIPC_NAME_MAX + 1];
	int fd;

	if (!s || __atomic_load_n(&s->magic, __ATOMIC_ACQUIRE) != PSEM_MAGIC)
		return -EINVAL;
	if (s->kind != PSEM_SHARED)
		return s->kind == PSEM_PRIVATE || s->kind == PSEM_NAMED ?
			s->fd : -EINVAL;
	fd = shared_find(s->token);
	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&sem_lock);
	fd = shared_find(s->token);
	if (fd < 0) {
		semu_name(kn, sizeof(kn), s->token);
		fd = lkipc_sem_open(&px_dev, kn, 0, 0, 0);
		if (fd >= 0 && shared_add(s->token, fd)) {
			lkipc_handle_close(fd);
			fd = -ENOMEM;
		}
		if (fd == -ENOENT)
			fd = -EINVAL;	/* destroyed */
	}
	pthread_mutex_unlock(&sem_lock);
	return fd;
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
	uint64_t token;
	int fd;

	FALLBACK(sem_init, -1, sem, pshared, value);
	if (value > SEM_VALUE_MAX)
		return px_fail(EINVAL);
	memset(sem, 0, sizeof(*sem));
	if (!pshared) {
		fd = lkipc_sem_open(&px_dev, NULL, KIPC_OPEN_CREATE, 0600, value);
		if (fd < 0)
			return px_fail(fd == -EDQUOT ? ENOSPC : -fd);
		s->kind = PSEM_PRIVATE;
		s->fd = fd;
	} else {
		do {
			if (getrandom(&token, sizeof(token), 0) !=
			    sizeof(token))
				return px_fail(ENOSPC);
			semu_name(kn, sizeof(kn), token);
			fd = lkipc_sem_open(&px_dev, kn, KIPC_OPEN_CREATE |
					    KIPC_OPEN_EXCL, 0600, value);
		} while (fd == -EEXIST);
		if (fd < 0)
			return px_fail(fd == -EDQUOT ? ENOSPC : -fd);
		pthread_mutex_lock(&sem_lock);
		if (shared_add(token, fd)) {
			pthread_mutex_unlock(&sem_lock);
			lkipc_sem_unlink(&px_dev, kn);
			lkipc_handle_close(fd);
			return px_fail(ENOMEM);
		}
		pthread_mutex_unlock(&sem_lock);
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
		lkipc_handle_close(s->fd);
	} else {
		semu_name(kn, sizeof(kn), s->token);
		lkipc_sem_unlink(&px_dev, kn);
		pthread_mutex_lock(&sem_lock);
		for (e = shared_tab[s->token % SHARED_BUCKETS]; e; e = e->next)
			if (e->token == s->token && e->fd >= 0) {
				lkipc_handle_close(e->fd);
				__atomic_store_n(&e->fd, -1, __ATOMIC_RELEASE);
			}
		pthread_mutex_unlock(&sem_lock);
	}
	__atomic_store_n(&s->magic, 0, __ATOMIC_RELEASE);
	return 0;
}
VERSIONS(sem_destroy, "GLIBC_2.2.5");

API sem_t *px_sem_open(const char *name, int oflag, ...)
{
	char kn[KIPC_NAME_MAX + 1];
	struct kipc_sem_stat st;
	unsigned int flags = KIPC_OPEN_READ | KIPC_OPEN_WRITE, value = 0;
	struct named *n;
	mode_t mode = 0;
	int fd, err;
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
		flags |= KIPC_OPEN_CREATE;
		if (oflag & O_EXCL)
			flags |= KIPC_OPEN_EXCL;
		mode = mode & ~cur_umask() & 0777;
	}
	fd = lkipc_sem_open(&px_dev, kn, flags, mode, value);
	if (fd < 0) {
		errno = fd == -EDQUOT ? ENOSPC : -fd;
		return SEM_FAILED;
	}
	err = lkipc_sem_stat(fd, &st, NULL, 0);
	if (err < 0) {
		lkipc_handle_close(fd);
		errno = -err;
		return SEM_FAILED;
	}
	pthread_mutex_lock(&sem_lock);
	for (n = named_list; n; n = n->next)
		if (n->id == st.id) {
			n->refs++;
			pthread_mutex_unlock(&sem_lock);
			lkipc_handle_close(fd);
			return (sem_t *)&n->s;
		}
	n = calloc(1, sizeof(*n));
	if (!n) {
		pthread_mutex_unlock(&sem_lock);
		lkipc_handle_close(fd);
		errno = ENOMEM;
		return SEM_FAILED;
	}
	n->s.magic = PSEM_MAGIC;
	n->s.kind = PSEM_NAMED;
	n->s.fd = fd;
	n->id = st.id;
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
		lkipc_handle_close(n->s.fd);
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
	int fd, ret;

	FALLBACK(sem_post, -1, sem);
	fd = sem_fd(sem);
	if (fd < 0)
		return px_fail(-fd);
	ret = lkipc_sem_post(fd, 1, 0);
	return ret ? px_fail(sem_err(-ret)) : 0;
}
VERSIONS(sem_post, "GLIBC_2.2.5");

API int px_sem_trywait(sem_t *sem)
{
	int fd, ret;

	FALLBACK(sem_trywait, -1, sem);
	fd = sem_fd(sem);
	if (fd < 0)
		return px_fail(-fd);
	ret = lkipc_sem_trywait(fd, 1, 0);
	return ret ? px_fail(sem_err(-ret)) : 0;
}
VERSIONS(sem_trywait, "GLIBC_2.2.5");

/* P with a deadline on clock (or none), restarting per SA_RESTART. */
static int sem_wait_on(sem_t *sem, clockid_t clock, const struct timespec *ts)
{
	int fd, ret;

	fd = sem_fd(sem);
	if (fd < 0)
		return px_fail(-fd);
	if (ts) {
		/* POSIX: a bad deadline matters only if the call waits. */
		ret = lkipc_sem_trywait(fd, 1, 0);
		if (ret != -EAGAIN)
			return ret ? px_fail(sem_err(-ret)) : 0;
		if (!ts_valid(ts))
			return px_fail(EINVAL);
	}
	for (;;) {
		ret = lkipc_sem_wait(fd, 1, ts && clock == CLOCK_REALTIME ?
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
	int fd, ret;

	FALLBACK(sem_getvalue, -1, sem, sval);
	fd = sem_fd(sem);
	if (fd < 0)
		return px_fail(-fd);
	ret = lkipc_sem_value(fd);
	if (ret < 0)
		return px_fail(sem_err(-ret));
	*sval = ret;
	return 0;
}
VERSIONS(sem_getvalue, "GLIBC_2.2.5");
