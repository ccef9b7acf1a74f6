/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kipc selftests.
 */
#ifndef KIPC_TEST_H
#define KIPC_TEST_H

#include <sys/wait.h>
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lkipc/kipc.h>

#ifndef offsetofend
#define offsetofend(TYPE, MEMBER) \
	(offsetof(TYPE, MEMBER) + sizeof(((TYPE *)0)->MEMBER))
#endif

/*
 * KIPC_IOC_OPEN returns a new file descriptor, KIPC_IOC_RECV a length and
 * the batch ioctls a count, the others 0.
 */
#define KIPC_EXPECT_SUCCESS(_ioctl, _ret)                                      \
	do {                                                                   \
		if ((_ioctl) == KIPC_IOC_OPEN) {                               \
			EXPECT_LE(0, _ret);                                    \
			if ((_ret) >= 0)                                       \
				close(_ret);                                   \
		} else if ((_ioctl) == KIPC_IOC_RECV ||                        \
			   (_ioctl) == KIPC_IOC_SEND_BATCH ||                  \
			   (_ioctl) == KIPC_IOC_RECV_BATCH) {                  \
			EXPECT_LE(0, _ret);                                    \
		} else {                                                       \
			EXPECT_EQ(0, _ret);                                    \
		}                                                              \
	} while (0)

/*
 * The size rules of an ioctl, after iommufd's cmd_length test: below the
 * minimum EINVAL; exactly the minimum works and nothing past it is written;
 * larger with a zero tail works; larger with a non-zero tail E2BIG.
 *
 * _fd is evaluated for every call (it may make a new object each time);
 * _init is a statement run on "buf.cmd" after it is zeroed and sized, to
 * fill the fields a successful call needs.
 */
#define TEST_LENGTH_FD(_fd, _struct, _ioctl, _last, _init)                     \
	do {                                                                   \
		size_t min_size = offsetofend(struct _struct, _last);          \
		struct {                                                       \
			struct _struct cmd;                                    \
			uint8_t extra[64];                                     \
		} buf;                                                         \
		int ret;                                                       \
		memset(&buf, 0, sizeof(buf));                                  \
		buf.cmd.size = min_size - 1;                                   \
		_init;                                                         \
		EXPECT_EQ(-1, ioctl(_fd, _ioctl, &buf));                       \
		EXPECT_EQ(EINVAL, errno);                                      \
		buf.cmd.size = 0;                                              \
		EXPECT_EQ(-1, ioctl(_fd, _ioctl, &buf));                       \
		EXPECT_EQ(EINVAL, errno);                                      \
		memset(&buf, 0xA5, sizeof(buf));                               \
		memset(&buf, 0, min_size);                                     \
		buf.cmd.size = min_size;                                       \
		_init;                                                         \
		ret = ioctl(_fd, _ioctl, &buf);                                \
		KIPC_EXPECT_SUCCESS(_ioctl, ret);                              \
		for (size_t i = min_size; i < sizeof(buf); i++)                \
			EXPECT_EQ(0xA5, ((uint8_t *)&buf)[i]);                 \
		memset(&buf, 0, sizeof(buf));                                  \
		buf.cmd.size = sizeof(buf);                                    \
		_init;                                                         \
		ret = ioctl(_fd, _ioctl, &buf);                                \
		KIPC_EXPECT_SUCCESS(_ioctl, ret);                              \
		memset(&buf, 0, sizeof(buf));                                  \
		buf.cmd.size = sizeof(buf);                                    \
		_init;                                                         \
		buf.extra[sizeof(buf.extra) - 1] = 1;                          \
		EXPECT_EQ(-1, ioctl(_fd, _ioctl, &buf));                       \
		EXPECT_EQ(E2BIG, errno);                                       \
	} while (0)

/* On the fixture's fd, with nothing to fill in. */
#define TEST_LENGTH(_struct, _ioctl, _last) \
	TEST_LENGTH_FD(self->fd, _struct, _ioctl, _last, )


/* ---- Files and module parameters -------------------------------------- */

#define PARAM_DIR "/sys/module/kipc/parameters/"
#define RW (KIPC_OPEN_READ | KIPC_OPEN_WRITE)
#define NOBODY 65534

/* Write val to a file: 0 or -errno. */
static inline int write_file(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Up to len - 1 bytes of a file, NUL-terminated: 0 or -errno. */
static inline int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* A module parameter's text, its newline cut: 0 or -errno. */
static inline int read_param(const char *name, char *buf, size_t len)
{
	char path[128];
	int ret;

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	ret = read_file(path, buf, len);
	if (!ret)
		buf[strcspn(buf, "\n")] = 0;
	return ret;
}

static inline int write_param(const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), PARAM_DIR "%s", name);
	return write_file(path, val);
}

static inline int write_param_u(const char *name, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", v);
	return write_param(name, buf);
}

/* A numeric module parameter, or ~0ULL if it cannot be read. */
static inline unsigned long long param_u(const char *name)
{
	char buf[64];

	if (read_param(name, buf, sizeof(buf)) || !buf[0])
		return ~0ULL;
	return strtoull(buf, NULL, 0);
}

/* Become uid/gid NOBODY with the given supplementary groups. */
static inline int become_nobody(int ngroups, const gid_t *groups)
{
	if (setgroups(ngroups, groups))
		return -errno;
	if (setresgid(NOBODY, NOBODY, NOBODY))
		return -errno;
	if (setresuid(NOBODY, NOBODY, NOBODY))
		return -errno;
	return 0;
}

/* ---- Raw ioctls: what the ioctl returns, or -errno --------------------- */

static inline int ioctl_ret(int fd, unsigned long cmd, void *arg)
{
	int ret = ioctl(fd, cmd, arg);

	return ret < 0 ? -errno : ret;
}

static inline int dev_open(void)
{
	return open("/dev/kipc", O_RDWR | O_CLOEXEC);
}

/* A name unique to this process and tag. */
static inline void make_name(char *buf, size_t len, const char *tag)
{
	snprintf(buf, len, "%s-%s-%d", program_invocation_short_name, tag,
		 getpid());
}

/* KIPC_IOC_OPEN of a semaphore: the fd or -errno; the struct in *out. */
static inline int sem_open_full(int dev, const char *name, unsigned int flags,
				unsigned int mode, unsigned int value,
				unsigned int max, struct kipc_open *out)
{
	struct kipc_open op;
	int ret;

	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.flags = flags;
	op.type = KIPC_OBJ_SEM;
	op.mode = mode;
	op.name = (uintptr_t)name;
	op.sem_value = value;
	op.sem_max = max;
	ret = ioctl_ret(dev, KIPC_IOC_OPEN, &op);
	if (out)
		*out = op;
	return ret;
}

/* KIPC_IOC_OPEN of a queue: the fd or -errno; the struct in *out. */
static inline int q_open_full(int dev, const char *name, unsigned int flags,
			      unsigned int mode, unsigned int msgs,
			      unsigned int msgsize, unsigned long long bytes,
			      unsigned int qflags, struct kipc_open *out)
{
	struct kipc_open op;
	int ret;

	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.flags = flags;
	op.type = KIPC_OBJ_QUEUE;
	op.mode = mode;
	op.name = (uintptr_t)name;
	op.queue_msgs = msgs;
	op.queue_msgsize = msgsize;
	op.queue_bytes = bytes;
	op.queue_flags = qflags;
	ret = ioctl_ret(dev, KIPC_IOC_OPEN, &op);
	if (out)
		*out = op;
	return ret;
}

/* KIPC_IOC_SEND; with ts, KIPC_MSG_TIMED and that deadline. */
static inline int q_send_full(int fd, int64_t type, const void *buf,
			      uint32_t len, unsigned int flags,
			      const struct timespec *ts)
{
	struct kipc_send s;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = flags;
	s.type = type;
	s.buf = (uintptr_t)buf;
	s.len = len;
	if (ts) {
		s.flags |= KIPC_MSG_TIMED;
		s.tv_sec = ts->tv_sec;
		s.tv_nsec = ts->tv_nsec;
	}
	return ioctl_ret(fd, KIPC_IOC_SEND, &s);
}

/* KIPC_IOC_RECV: the length or -errno; the type and msg_len out. */
static inline int q_recv_full(int fd, void *buf, uint32_t len,
			      unsigned int sel, int64_t type,
			      unsigned int flags, const struct timespec *ts,
			      int64_t *otype, uint64_t *olen)
{
	struct kipc_recv r;
	int ret;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.flags = flags;
	r.select = sel;
	r.type = type;
	r.buf = (uintptr_t)buf;
	r.len = len;
	if (ts) {
		r.flags |= KIPC_MSG_TIMED;
		r.tv_sec = ts->tv_sec;
		r.tv_nsec = ts->tv_nsec;
	}
	ret = ioctl_ret(fd, KIPC_IOC_RECV, &r);
	if (otype)
		*otype = r.type;
	if (olen)
		*olen = r.msg_len;
	return ret;
}

static inline int anon_sem(int dev, unsigned int value)
{
	return sem_open_full(dev, NULL, RW, 0600, value, 0, NULL);
}

static inline int sem_p_full(int fd, unsigned int n, unsigned int flags,
			     long long sec, long long nsec)
{
	struct kipc_sem_wait w;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = flags;
	w.count = n;
	w.tv_sec = sec;
	w.tv_nsec = nsec;
	return ioctl_ret(fd, KIPC_IOC_SEM_WAIT, &w);
}

static inline int sem_p(int fd, unsigned int n, unsigned int flags)
{
	return sem_p_full(fd, n, flags, 0, 0);
}

static inline int sem_v(int fd, unsigned int n, unsigned int flags)
{
	struct kipc_sem_post p;

	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.flags = flags;
	p.count = n;
	return ioctl_ret(fd, KIPC_IOC_SEM_POST, &p);
}

/* KIPC_IOC_SEM_STAT, with up to cap waiter records into w. */
static inline int sem_stat(int fd, struct kipc_sem_stat *st,
			   struct kipc_sem_waiter *w, unsigned int cap)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	st->capacity = cap;
	st->waiters = (uintptr_t)w;
	return ioctl_ret(fd, KIPC_IOC_SEM_STAT, st);
}

/* The value, or -errno. */
static inline long long sem_value(int fd)
{
	struct kipc_sem_stat st;
	int ret = sem_stat(fd, &st, NULL, 0);

	return ret ? ret : (long long)st.value;
}

static inline long long sem_nwaiters(int fd)
{
	struct kipc_sem_stat st;
	int ret = sem_stat(fd, &st, NULL, 0);

	return ret ? ret : (long long)st.nwaiters;
}

static inline int queue_stat(int fd, struct kipc_queue_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->size = sizeof(*st);
	return ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, st);
}

static inline int destroy(int fd)
{
	struct kipc_destroy d = { .size = sizeof(d) };

	return ioctl_ret(fd, KIPC_IOC_DESTROY, &d);
}

static inline int unlink_obj(int dev, unsigned int type, const char *name)
{
	struct kipc_unlink u;

	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.type = type;
	u.name = (uintptr_t)name;
	return ioctl_ret(dev, KIPC_IOC_UNLINK, &u);
}

static inline int unlink_sem(int dev, const char *name)
{
	return unlink_obj(dev, KIPC_OBJ_SEM, name);
}

/*
 * A fixture holding an open /dev/kipc in self->dev.  (The harness's own
 * macros expand inside this one.)
 */
#define KIPC_DEV_FIXTURE(_name)                                                \
	FIXTURE(_name) {                                                       \
		int dev;                                                       \
	};                                                                     \
	FIXTURE_SETUP(_name)                                                   \
	{                                                                      \
		self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);             \
		ASSERT_LE(0, self->dev);                                       \
	}                                                                      \
	FIXTURE_TEARDOWN(_name)                                                \
	{                                                                      \
		close(self->dev);                                              \
	}

/* ---- Waiting, children and signals ------------------------------------ */

/* Exit status, or 1000 + the signal that killed it. */
static inline int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return 1000 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Still running (not exited) after a short while? */
static inline int still_running(pid_t pid)
{
	int status;

	usleep(20000);
	return waitpid(pid, &status, WNOHANG) == 0;
}

/* A child that dies with us. */
static inline pid_t fork_child(void)
{
	pid_t ppid = getpid();
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != ppid)
			_exit(99);
	}
	return pid;
}

/* Seconds on a clock. */
static inline double now_on(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline double now_mono(void)
{
	return now_on(CLOCK_MONOTONIC);
}

/* An absolute deadline on a clock, ns from now. */
static inline struct timespec in_future(clockid_t clock, long long ns)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ns / 1000000000LL;
	ts.tv_nsec += ns % 1000000000LL;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

/* Wait up to 20 s until expr == n: 0, or -ETIMEDOUT. */
#define WAIT_FOR(expr, n)                                                      \
	({                                                                     \
		double _end = now_mono() + 20;                                 \
		int _ret = -ETIMEDOUT;                                         \
		while (now_mono() < _end) {                                    \
			if ((expr) == (n)) {                                   \
				_ret = 0;                                      \
				break;                                         \
			}                                                      \
			usleep(200);                                           \
		}                                                              \
		_ret;                                                          \
	})

/* Wait up to 20 s until the semaphore has exactly n waiters. */
static inline int wait_nwaiters(int fd, long long n)
{
	return WAIT_FOR(sem_nwaiters(fd), n);
}

/* A child doing P(n): exits 0, or with the errno. */
static inline pid_t spawn_p(int fd, unsigned int n, unsigned int flags)
{
	pid_t pid = fork_child();

	if (pid == 0)
		_exit(-sem_p(fd, n, flags));
	return pid;
}

static inline void nop_handler(int sig)
{
	(void)sig;
}

/* Install handler for sig with these SA_ flags. */
static inline void set_handler_fn(int sig, int flags, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* Memory shared with the test's children. */
static inline void *shared_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Send an fd with SCM_RIGHTS over a unix socket (0 or -1), or receive one
 * (returned, close-on-exec; -1 on failure).
 */
static inline int send_fd(int sock, int fd)
{
	char c = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static inline int recv_fd(int sock)
{
	char c, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

#endif /* KIPC_TEST_H */
