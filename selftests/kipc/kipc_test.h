/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the kipc selftests.
 */
#ifndef KIPC_TEST_H
#define KIPC_TEST_H

#include <sys/wait.h>
#include <sys/mman.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
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

/* Memory shared with the test's children. */
static inline void *shared_map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

#endif /* KIPC_TEST_H */
