// SPDX-License-Identifier: GPL-2.0
/*
 * KIPC_IOC_SEM_WAIT_MULTI: every errno and the size rules; all-or-nothing;
 * any's index; FIFO across semaphores in both directions (a later single
 * waiter, fast or not, never overtakes an earlier multi-wait, nor a later
 * multi-wait an earlier single waiter); two all-waits in opposite orders;
 * units conserved under signals and deadlines racing grants; kill -9 and
 * destroy in the middle of a multi-wait; undo given back at exit; a storm of
 * overlapping multi-waits with destroys and deaths (for lockdep).
 * KIPC_IOC_SEM_OP (SysV semop): its errnos, ERANGE and undo, a wait for
 * zero that blocks nobody, FIFO of takes with single P, and its own storm.
 * lkipc_sem_post_all(): all or nothing (EOVERFLOW past one maximum), its
 * errnos, FIFO hand-off to queued waiters, a multi-wait served by one call,
 * and undo paired with a multi-wait's.
 *
 * Forked helpers never use the harness's macros: they report through their
 * exit status (0, or the errno their operation failed with).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define ENT(_fd, _n) ((struct kipc_sem_multi_entry){ .fd = (_fd), .count = (_n) })

static int sem_open_rw(int dev, const char *name, unsigned int flags,
		       unsigned int value, unsigned int max)
{
	return sem_open_full(dev, name, flags, 0600, value, max, NULL);
}

/* The raw ioctl: the index (any), 0 (all) or -errno. */
static int mwait(int dev, const struct kipc_sem_multi_entry *e,
		 unsigned int nr, unsigned int flags, long long sec,
		 long long nsec)
{
	struct kipc_sem_wait_multi w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = flags;
	w.nr = nr;
	w.entries = (uintptr_t)e;
	w.tv_sec = sec;
	w.tv_nsec = nsec;
	ret = ioctl_ret(dev, KIPC_IOC_SEM_WAIT_MULTI, &w);
	return ret < 0 ? ret : (int)w.index;
}

/* A child doing one multi-wait; exits with its index (any) or -errno. */
static pid_t spawn_mwait(int dev, const struct kipc_sem_multi_entry *e,
			 unsigned int nr, unsigned int flags)
{
	pid_t pid = fork_child();

	if (pid == 0) {
		int ret = mwait(dev, e, nr, flags, 0, 0);

		_exit(ret < 0 ? -ret : ret);
	}
	return pid;
}

FIXTURE(mw) {
	int dev;
};

FIXTURE_SETUP(mw)
{
	struct kipc_info info;

	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl_ret(self->dev, KIPC_IOC_GET_INFO, &info));
	ASSERT_TRUE(info.features & KIPC_FEAT_SEM_MULTI);
}

FIXTURE_TEARDOWN(mw)
{
	close(self->dev);
}

/* ---- Arguments ---------------------------------------------------------- */

TEST_F(mw, sizes)
{
	struct kipc_sem_multi_entry e[1];
	int a = anon_sem(self->dev, 100);

	ASSERT_LE(0, a);
	e[0] = ENT(a, 1);
	TEST_LENGTH_FD(self->dev, kipc_sem_wait_multi, KIPC_IOC_SEM_WAIT_MULTI,
		       tv_nsec,
		       { buf.cmd.nr = 1; buf.cmd.entries = (uintptr_t)e; });
	close(a);
}

TEST_F(mw, errnos)
{
	struct kipc_sem_multi_entry e[KIPC_SEM_MULTI_MAX + 1];
	int a, b, ro, q, pfd[2], dupa, i, n;
	char name[64];
	struct kipc_open op;

	a = anon_sem(self->dev, 1);
	b = anon_sem(self->dev, 1);
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);

	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	/* Flags, index, deadline fields. */
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, 1U << 31, 0, 0));
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_REALTIME, 0, 0));
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2,
				 KIPC_SEM_NONBLOCK | KIPC_SEM_TIMED, 0, 0));
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, 0, 1, 0));
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_TIMED, 0,
				 1000000000LL));
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_TIMED, -1, 0));
	{
		struct kipc_sem_wait_multi w;

		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.nr = 2;
		w.index = 1;
		w.entries = (uintptr_t)e;
		EXPECT_EQ(-EINVAL, ioctl_ret(self->dev,
					     KIPC_IOC_SEM_WAIT_MULTI, &w));
	}
	/* Counts of entries and units. */
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 0, 0, 0, 0));
	EXPECT_EQ(-E2BIG, mwait(self->dev, e, KIPC_SEM_MULTI_MAX + 1, 0, 0, 0));
	e[1] = ENT(b, 0);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, 0, 0, 0));
	e[1] = ENT(b, 32768);	/* above the default max 32767 */
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, 0, 0, 0));
	/* The same semaphore twice: same fd, a dup, another open. */
	e[1] = ENT(a, 1);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	dupa = dup(a);
	ASSERT_LE(0, dupa);
	e[1] = ENT(dupa, 1);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	snprintf(name, sizeof(name), "mw-errnos-%d", getpid());
	n = sem_open_rw(self->dev, name, RW | KIPC_OPEN_CREATE, 1, 0);
	ASSERT_LE(0, n);
	i = sem_open_rw(self->dev, name, RW, 0, 0);
	ASSERT_LE(0, i);
	e[0] = ENT(n, 1);
	e[1] = ENT(i, 1);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	EXPECT_EQ(1, sem_value(n));
	close(i);
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.type = KIPC_OBJ_SEM;
	op.name = (uintptr_t)name;
	op.flags = KIPC_OPEN_READ;
	ro = ioctl_ret(self->dev, KIPC_IOC_OPEN, &op);
	/* Named objects outlive the test: the name goes now. */
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	ASSERT_LE(0, ro);
	/* Not open for writing: EBADF, as a single wait. */
	e[0] = ENT(a, 1);
	e[1] = ENT(ro, 1);
	EXPECT_EQ(-EBADF, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	/* Not an fd: EBADF; an fd but not a semaphore: EINVAL. */
	e[1] = ENT(-1, 1);
	EXPECT_EQ(-EBADF, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	e[1] = ENT(1000, 1);
	EXPECT_EQ(-EBADF, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	ASSERT_EQ(0, pipe(pfd));
	e[1] = ENT(pfd[0], 1);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	e[1] = ENT(self->dev, 1);
	EXPECT_EQ(-EINVAL, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.type = KIPC_OBJ_QUEUE;
	op.flags = RW;
	op.mode = 0600;
	op.queue_msgs = 1;
	op.queue_msgsize = 8;
	q = ioctl_ret(self->dev, KIPC_IOC_OPEN, &op);
	if (q >= 0) {
		e[1] = ENT(q, 1);
		EXPECT_EQ(-EINVAL,
			  mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
		close(q);
	}
	/* Bad pointer. */
	{
		struct kipc_sem_wait_multi w;

		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.nr = 1;
		w.entries = 8;
		EXPECT_EQ(-EFAULT, ioctl_ret(self->dev,
					     KIPC_IOC_SEM_WAIT_MULTI, &w));
	}
	/* On a semaphore handle it is not an ioctl. */
	e[1] = ENT(b, 1);
	{
		struct kipc_sem_wait_multi w;

		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.nr = 2;
		w.entries = (uintptr_t)e;
		EXPECT_EQ(-ENOTTY, ioctl_ret(a, KIPC_IOC_SEM_WAIT_MULTI, &w));
	}
	/* EAGAIN, ETIMEDOUT, then EIDRM; nothing taken by any failure. */
	e[1] = ENT(b, 2);
	EXPECT_EQ(-EAGAIN, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	{
		struct timespec ts = in_future(CLOCK_MONOTONIC, 20000000);

		EXPECT_EQ(-ETIMEDOUT, mwait(self->dev, e, 2, KIPC_SEM_TIMED,
					    ts.tv_sec, ts.tv_nsec));
		ts = in_future(CLOCK_REALTIME, 20000000);
		EXPECT_EQ(-ETIMEDOUT,
			  mwait(self->dev, e, 2,
				KIPC_SEM_TIMED | KIPC_SEM_REALTIME, ts.tv_sec,
				ts.tv_nsec));
	}
	EXPECT_EQ(1, sem_value(a));
	EXPECT_EQ(1, sem_value(b));
	EXPECT_EQ(0, sem_nwaiters(a));
	EXPECT_EQ(0, sem_nwaiters(b));
	/* The most entries is fine. */
	for (i = 0; i < KIPC_SEM_MULTI_MAX; i++) {
		e[i].fd = anon_sem(self->dev, 1);
		ASSERT_LE(0, e[i].fd);
		e[i].count = 1;
	}
	EXPECT_EQ(0, mwait(self->dev, e, KIPC_SEM_MULTI_MAX, 0, 0, 0));
	EXPECT_EQ(0, sem_value(e[KIPC_SEM_MULTI_MAX - 1].fd));
	EXPECT_EQ(0, destroy(e[7].fd));
	EXPECT_EQ(-EIDRM, mwait(self->dev, e, KIPC_SEM_MULTI_MAX,
				KIPC_SEM_NONBLOCK, 0, 0));
	EXPECT_EQ(-EIDRM, mwait(self->dev, e, KIPC_SEM_MULTI_MAX, KIPC_SEM_ANY,
				0, 0));
	for (i = 0; i < KIPC_SEM_MULTI_MAX; i++)
		close(e[i].fd);
	close(pfd[0]);
	close(pfd[1]);
	close(ro);
	close(n);
	close(dupa);
	close(a);
	close(b);
}

/* ---- Semantics ---------------------------------------------------------- */

TEST_F(mw, all_or_nothing)
{
	struct kipc_sem_multi_entry e[3];
	int a = anon_sem(self->dev, 2);
	int b = anon_sem(self->dev, 0);
	int c = anon_sem(self->dev, 5);
	pid_t pid;

	e[0] = ENT(a, 2);
	e[1] = ENT(b, 1);
	e[2] = ENT(c, 3);
	EXPECT_EQ(-EAGAIN, mwait(self->dev, e, 3, KIPC_SEM_NONBLOCK, 0, 0));
	EXPECT_EQ(2, sem_value(a));
	EXPECT_EQ(5, sem_value(c));

	pid = spawn_mwait(self->dev, e, 3, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 1));
	EXPECT_EQ(1, sem_nwaiters(a));
	EXPECT_EQ(1, sem_nwaiters(c));
	/* Queued: the units it will need are not touched, nor taken. */
	EXPECT_EQ(2, sem_value(a));
	EXPECT_TRUE(still_running(pid));
	ASSERT_EQ(0, sem_v(b, 1, 0));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, sem_value(b));
	EXPECT_EQ(2, sem_value(c));
	EXPECT_EQ(0, sem_nwaiters(a));
	EXPECT_EQ(0, sem_nwaiters(c));
	close(a);
	close(b);
	close(c);
}

TEST_F(mw, any_index)
{
	struct kipc_sem_multi_entry e[3];
	struct lkipc k = { .fd = self->dev };
	int a = anon_sem(self->dev, 0);
	int b = anon_sem(self->dev, 1);
	int c = anon_sem(self->dev, 3);
	pid_t pid;

	e[0] = ENT(a, 1);
	e[1] = ENT(b, 2);
	e[2] = ENT(c, 2);
	EXPECT_EQ(2, lkipc_sem_wait_any(&k, e, 3, 0, NULL));
	EXPECT_EQ(1, sem_value(c));
	EXPECT_EQ(1, sem_value(b));
	EXPECT_EQ(-EAGAIN, lkipc_sem_wait_any(&k, e, 3, KIPC_SEM_NONBLOCK,
					      NULL));
	/* Blocked on all three; the one posted is the one reported. */
	pid = spawn_mwait(self->dev, e, 3, KIPC_SEM_ANY);
	ASSERT_EQ(0, wait_nwaiters(a, 1));
	ASSERT_EQ(0, sem_v(b, 1, 0));
	EXPECT_EQ(1, reap(pid));
	EXPECT_EQ(0, sem_value(b));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(1, sem_value(c));
	EXPECT_EQ(0, sem_nwaiters(a));
	EXPECT_EQ(0, sem_nwaiters(c));
	/* All of them ready: the first in array order. */
	ASSERT_EQ(0, sem_v(a, 1, 0));
	ASSERT_EQ(0, sem_v(b, 2, 0));
	ASSERT_EQ(0, sem_v(c, 1, 0));
	EXPECT_EQ(0, lkipc_sem_wait_any(&k, e, 3, 0, NULL));
	EXPECT_EQ(0, lkipc_sem_wait_all(&k, e + 1, 2, 0, NULL));
	EXPECT_EQ(0, sem_value(b));
	EXPECT_EQ(0, sem_value(c));
	close(a);
	close(b);
	close(c);
}

/*
 * A multi-wait queued first keeps its place on every semaphore it names:
 * a later single waiter (ioctl or mapped fast path) on a semaphore that has
 * the units still waits behind it.
 */
TEST_F(mw, fifo_single_behind_multi)
{
	struct kipc_sem_multi_entry e[2];
	struct lkipc_sem sa, sb;
	struct lkipc k;
	int a, b;
	pid_t m, s;

	ASSERT_EQ(0, lkipc_open(&k, 0));
	ASSERT_EQ(0, lkipc_sem_open(&k, &sa, NULL, RW, 0600, 0));
	ASSERT_EQ(0, lkipc_sem_open(&k, &sb, NULL, RW, 0600, 1));
	a = sa.fd;
	b = sb.fd;
	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	m = spawn_mwait(self->dev, e, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 1));
	/* b has its unit, but the multi-wait is ahead. */
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sb, 1, 0));
	EXPECT_EQ(-EAGAIN, sem_p(b, 1, KIPC_SEM_NONBLOCK));
	s = spawn_p(b, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 2));
	EXPECT_TRUE(still_running(s));
	EXPECT_EQ(1, sem_value(b));
	/* A post to b does not pass the multi-wait either. */
	ASSERT_EQ(0, lkipc_sem_post(&sb, 1, 0));
	EXPECT_TRUE(still_running(s));
	EXPECT_EQ(2, sem_value(b));
	EXPECT_EQ(2, sem_nwaiters(b));
	/* a's unit completes the multi-wait; then b's second unit is s's. */
	ASSERT_EQ(0, lkipc_sem_post(&sa, 1, 0));
	EXPECT_EQ(0, reap(m));
	EXPECT_EQ(0, reap(s));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, sem_value(b));
	EXPECT_EQ(0, sem_nwaiters(b));
	EXPECT_EQ(0, lkipc_sem_close(&sa));
	EXPECT_EQ(0, lkipc_sem_close(&sb));
	lkipc_close(&k);
}

/* A later multi-wait never overtakes an earlier single waiter. */
TEST_F(mw, fifo_multi_behind_single)
{
	struct kipc_sem_multi_entry e[2];
	int a = anon_sem(self->dev, 1);
	int b = anon_sem(self->dev, 1);
	pid_t m, s;

	s = spawn_p(b, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 1));
	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	EXPECT_EQ(-EAGAIN, mwait(self->dev, e, 2, KIPC_SEM_NONBLOCK, 0, 0));
	EXPECT_EQ(-EAGAIN, mwait(self->dev, e + 1, 1,
				 KIPC_SEM_NONBLOCK | KIPC_SEM_ANY, 0, 0));
	m = spawn_mwait(self->dev, e, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 2));
	EXPECT_TRUE(still_running(m));
	EXPECT_EQ(1, sem_value(a));
	/* b: 2, all for the single waiter */
	ASSERT_EQ(0, sem_v(b, 1, 0));
	EXPECT_EQ(0, reap(s));
	EXPECT_TRUE(still_running(m));
	ASSERT_EQ(0, sem_v(b, 1, 0));
	EXPECT_EQ(0, reap(m));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, sem_value(b));
	close(a);
	close(b);
}

/*
 * Two all-waits queued in opposite orders on a and b, each behind the
 * other's holder: with a place taken at one instant in both queues, the
 * earlier is ahead on both and no cycle can form.
 */
TEST_F_TIMEOUT(mw, opposite_orders, 120)
{
	struct kipc_sem_multi_entry ab[2], ba[2];
	int a = anon_sem(self->dev, 1);
	int b = anon_sem(self->dev, 1);
	pid_t p[4];
	int i, j;

	ab[0] = ENT(a, 1);
	ab[1] = ENT(b, 1);
	ba[0] = ENT(b, 1);
	ba[1] = ENT(a, 1);
	for (i = 0; i < 4; i++) {
		p[i] = fork_child();
		if (p[i] == 0) {
			for (j = 0; j < 2000; j++) {
				int r = mwait(self->dev, i & 1 ? ba : ab, 2, 0,
					      0, 0);

				if (r < 0)
					_exit(-r);
				if (sem_v(a, 1, 0) || sem_v(b, 1, 0))
					_exit(100);
			}
			_exit(0);
		}
	}
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, reap(p[i]));
	EXPECT_EQ(1, sem_value(a));
	EXPECT_EQ(1, sem_value(b));
	close(a);
	close(b);
}

#define FIRE_WAITERS 6
#define FIRE_SECONDS 3

struct fire_shared {
	int stop;
	unsigned long long ok, eintr, etimedout;
};

/*
 * Signals and deadlines racing grants: every unit granted is posted back,
 * so at the end the values are what they started at and nobody waits.
 */
TEST_F_TIMEOUT(mw, conservation_under_fire, 120)
{
	struct fire_shared *sh = shared_map(sizeof(*sh));
	struct sigaction sa = { .sa_handler = nop_handler };
	struct kipc_sem_multi_entry e[3];
	pid_t p[FIRE_WAITERS];
	double end;
	int fds[3], i;

	ASSERT_NE(NULL, sh);
	for (i = 0; i < 3; i++) {
		fds[i] = anon_sem(self->dev, 2);
		ASSERT_LE(0, fds[i]);
	}
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	for (i = 0; i < FIRE_WAITERS; i++) {
		p[i] = fork_child();
		if (p[i] == 0) {
			unsigned int seed = 777 + i;

			while (!__atomic_load_n(&sh->stop, __ATOMIC_RELAXED)) {
				int any = rand_r(&seed) & 1, r, k;
				struct timespec ts =
					in_future(CLOCK_MONOTONIC,
						  rand_r(&seed) % 200000);

				for (k = 0; k < 3; k++)
					e[k] = ENT(fds[(i + k) % 3],
						   1 + rand_r(&seed) % 2);
				r = mwait(self->dev, e, 3,
					  KIPC_SEM_TIMED |
						  (any ? KIPC_SEM_ANY : 0),
					  ts.tv_sec, ts.tv_nsec);
				if (r == -EINTR) {
					__atomic_add_fetch(&sh->eintr, 1,
							   __ATOMIC_RELAXED);
					continue;
				}
				if (r == -ETIMEDOUT) {
					__atomic_add_fetch(&sh->etimedout, 1,
							   __ATOMIC_RELAXED);
					continue;
				}
				if (r < 0)
					_exit(-r);
				__atomic_add_fetch(&sh->ok, 1,
						   __ATOMIC_RELAXED);
				for (k = 0; k < 3; k++) {
					if (any && k != r)
						continue;
					if (sem_v(e[k].fd, e[k].count, 0))
						_exit(101);
				}
			}
			_exit(0);
		}
	}
	end = now_mono() + FIRE_SECONDS;
	while (now_mono() < end) {
		for (i = 0; i < FIRE_WAITERS; i++)
			kill(p[i], SIGUSR1);
		usleep(300);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < FIRE_WAITERS; i++)
		EXPECT_EQ(0, reap(p[i]));
	TH_LOG("granted %llu, EINTR %llu, ETIMEDOUT %llu", sh->ok, sh->eintr,
	       sh->etimedout);
	EXPECT_LT(0, sh->ok);
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(2, sem_value(fds[i]));
		EXPECT_EQ(0, sem_nwaiters(fds[i]));
		close(fds[i]);
	}
	munmap(sh, sizeof(*sh));
}

/*
 * kill -9 of multi-waiters: their places go, and the waiters behind a
 * place that was a head are examined again.
 */
TEST_F(mw, kill_mid_wait)
{
	struct kipc_sem_multi_entry e[2];
	int a = anon_sem(self->dev, 0);
	int b = anon_sem(self->dev, 1);
	pid_t m[3], s;
	int i;

	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	for (i = 0; i < 3; i++) {
		m[i] = spawn_mwait(self->dev, e, 2, i == 1 ? KIPC_SEM_ANY : 0);
		ASSERT_EQ(0, wait_nwaiters(a, i + 1));
	}
	s = spawn_p(b, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(b, 4));
	/* m[0] heads b and blocks it: nobody behind gets b's unit. */
	EXPECT_TRUE(still_running(m[1]));
	kill(m[0], SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(m[0]));
	/* Now the "any" one heads b: b's unit, index 1. */
	EXPECT_EQ(1, reap(m[1]));
	EXPECT_TRUE(still_running(s));
	kill(m[2], SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(m[2]));
	EXPECT_EQ(0, sem_nwaiters(a));
	EXPECT_EQ(1, sem_nwaiters(b));
	ASSERT_EQ(0, sem_v(b, 1, 0));
	EXPECT_EQ(0, reap(s));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, sem_value(b));
	EXPECT_EQ(0, sem_nwaiters(b));
	close(a);
	close(b);
}

TEST_F(mw, destroy_mid_wait)
{
	struct kipc_sem_multi_entry e[2];
	int a = anon_sem(self->dev, 1);
	int b = anon_sem(self->dev, 0);
	pid_t m, s;

	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	m = spawn_mwait(self->dev, e, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(a, 1));
	s = spawn_p(a, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(a, 2));
	ASSERT_EQ(0, destroy(b));
	EXPECT_EQ(EIDRM, reap(m));
	/* Its place on a is gone: the single waiter behind gets a's unit. */
	EXPECT_EQ(0, reap(s));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, sem_nwaiters(a));
	close(a);
	close(b);
}

/*
 * Named semaphores of values 3 and 4 into *a and *b; fn runs in a child on
 * handles of its own (ca, cb), whose undo records go when it exits.  The
 * child's status (0, or what fn returned), with the names unlinked.
 */
static int undo_child(int dev, const char *tag, int *a, int *b,
		      int (*fn)(int dev, int ca, int cb))
{
	char na[64], nb[64];
	pid_t pid;
	int st;

	snprintf(na, sizeof(na), "mw-%s-a-%d", tag, getpid());
	snprintf(nb, sizeof(nb), "mw-%s-b-%d", tag, getpid());
	*a = sem_open_rw(dev, na, RW | KIPC_OPEN_CREATE, 3, 0);
	*b = sem_open_rw(dev, nb, RW | KIPC_OPEN_CREATE, 4, 0);
	if (*a < 0 || *b < 0)
		return 101;
	pid = fork_child();
	if (pid == 0) {
		int ca = sem_open_rw(dev, na, RW, 0, 0);
		int cb = sem_open_rw(dev, nb, RW, 0, 0);

		_exit(ca < 0 || cb < 0 ? 102 : fn(dev, ca, cb));
	}
	st = reap(pid);
	if (unlink_sem(dev, na) || unlink_sem(dev, nb))
		return 106;
	return st;
}

/* A multi-wait with undo, then exit: 0 or what went wrong. */
static int undo_at_exit_child(int dev, int ca, int cb)
{
	struct kipc_sem_multi_entry e[2] = { ENT(ca, 2), ENT(cb, 3) };
	struct kipc_sem_stat st;
	int r;

	r = mwait(dev, e, 2, KIPC_SEM_UNDO, 0, 0);
	if (r < 0)
		return -r;
	if (sem_stat(ca, &st, NULL, 0) || st.undo != 2 || st.value != 1)
		return 103;
	if (sem_stat(cb, &st, NULL, 0) || st.undo != 3 || st.value != 1)
		return 104;
	e[0] = ENT(ca, 1);
	r = mwait(dev, e, 1, KIPC_SEM_UNDO | KIPC_SEM_ANY, 0, 0);
	return r < 0 ? -r : 0;
}

TEST_F(mw, undo_at_exit)
{
	int a = -1, b = -1;

	EXPECT_EQ(0, undo_child(self->dev, "undo", &a, &b,
				undo_at_exit_child));
	EXPECT_EQ(3, sem_value(a));
	EXPECT_EQ(4, sem_value(b));
	close(a);
	close(b);
}

/*
 * Many processes in multi-waits over overlapping sets, in every order,
 * while semaphores are destroyed and waiters killed: it ends, and on the
 * debug kernel lockdep sees every lock order.
 */
TEST_F_TIMEOUT(mw, storm, 180)
{
	struct kipc_sem_multi_entry e[4];
	int fds[6], i, round;
	pid_t p[8];

	for (round = 0; round < 6; round++) {
		for (i = 0; i < 6; i++) {
			fds[i] = anon_sem(self->dev, 2);
			ASSERT_LE(0, fds[i]);
		}
		for (i = 0; i < 8; i++) {
			p[i] = fork_child();
			if (p[i] == 0) {
				unsigned int seed = round * 8 + i;

				for (;;) {
					int k, r, any = rand_r(&seed) & 1;
					unsigned int n = 1 + rand_r(&seed) % 4;
					int first = rand_r(&seed) % 6;
					int step = 1 + rand_r(&seed) % 5;

					for (k = 0; k < (int)n; k++)
						e[k] = ENT(fds[(first + k * step) % 6],
							   1);
					if (step == 3 && n > 2)
						n = 2; /* (first + 2*3) % 6 == first */
					if (step % 2 == 0 && n > 3)
						n = 3;
					r = mwait(self->dev, e, n,
						  any ? KIPC_SEM_ANY : 0, 0, 0);
					if (r == -EIDRM)
						_exit(0);
					if (r < 0)
						_exit(-r);
					for (k = 0; k < (int)n; k++)
						if ((!any || k == r) &&
						    sem_v(e[k].fd, 1, 0) ==
							    -EIDRM)
							_exit(0);
				}
			}
		}
		usleep(200000);
		kill(p[round % 8], SIGKILL);
		usleep(50000);
		EXPECT_EQ(0, destroy(fds[round % 6]));
		usleep(50000);
		for (i = 0; i < 6; i++)
			destroy(fds[i]);
		for (i = 0; i < 8; i++) {
			int st = reap(p[i]);

			if (i == round % 8) {
				EXPECT_TRUE(st == 0 || st == 1000 + SIGKILL);
			} else {
				EXPECT_EQ(0, st);
			}
		}
		for (i = 0; i < 6; i++)
			close(fds[i]);
	}
}

/* ---- KIPC_IOC_SEM_OP: take, add, wait for zero, set ------------------- */

#define OPE(_fd, _op, _n, _f) ((struct kipc_sem_op_entry){ .fd = (_fd), \
	.op = KIPC_SEMOP_##_op, .count = (_n), .flags = (_f) })

static int semop_raw(int dev, const struct kipc_sem_op_entry *e,
		     unsigned int nr, unsigned int flags)
{
	struct kipc_sem_wait_multi w;

	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = flags;
	w.nr = nr;
	w.entries = (uintptr_t)e;
	return ioctl_ret(dev, KIPC_IOC_SEM_OP, &w);
}

static pid_t spawn_semop(int dev, const struct kipc_sem_op_entry *e,
			 unsigned int nr)
{
	pid_t pid = fork_child();

	if (pid == 0)
		_exit(-semop_raw(dev, e, nr, 0));
	return pid;
}

TEST_F(mw, semop_errnos)
{
	struct kipc_sem_op_entry e[KIPC_SEM_MULTI_MAX + 1];
	int a = sem_open_rw(self->dev, NULL, RW, 1, 10);
	int ro, i;

	ASSERT_LE(0, a);
	ro = sem_open_rw(self->dev, "mw.semop.ro", RW | KIPC_OPEN_CREATE, 0, 0);
	ASSERT_LE(0, ro);
	close(ro);
	ro = sem_open_rw(self->dev, "mw.semop.ro", KIPC_OPEN_READ, 0, 0);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, unlink_sem(self->dev, "mw.semop.ro"));

	e[0] = OPE(a, TAKE, 1, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 0, 0));
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, KIPC_SEM_ANY));
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, KIPC_SEM_UNDO));
	for (i = 0; i <= KIPC_SEM_MULTI_MAX; i++)
		e[i] = OPE(a, ADD, 1, 0);
	EXPECT_EQ(-E2BIG, semop_raw(self->dev, e, KIPC_SEM_MULTI_MAX + 1, 0));
	e[0] = OPE(a, TAKE, 0, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, TAKE, 11, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, ZERO, 1, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, ZERO, 0, KIPC_SEM_UNDO);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, SET, 11, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, SET, 2, 0);
	e[1] = OPE(a, ADD, 1, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 2, 0));
	e[0] = (struct kipc_sem_op_entry){ .fd = a, .op = 9, .count = 1 };
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, ADD, 1, 1U << 7);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(self->dev, ADD, 1, 0);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(ro, ADD, 1, 0);
	EXPECT_EQ(-EBADF, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(9999, ADD, 1, 0);
	EXPECT_EQ(-EBADF, semop_raw(self->dev, e, 1, 0));
	/* An add past max after a take: ERANGE, nothing changes. */
	e[0] = OPE(a, TAKE, 1, 0);
	e[1] = OPE(a, ADD, 10, 0);
	e[2] = OPE(a, ADD, 1, 0);
	EXPECT_EQ(-ERANGE, semop_raw(self->dev, e, 3, 0));
	EXPECT_EQ(1, sem_value(a));
	/* Undo: an add may give back only what was recorded. */
	e[0] = OPE(a, ADD, 1, KIPC_SEM_UNDO);
	EXPECT_EQ(-EINVAL, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, TAKE, 1, KIPC_SEM_UNDO);
	e[1] = OPE(a, ADD, 1, KIPC_SEM_UNDO);
	EXPECT_EQ(0, semop_raw(self->dev, e, 2, 0));
	EXPECT_EQ(1, sem_value(a));
	/* NONBLOCK on the entry that would wait, or on the request. */
	e[0] = OPE(a, TAKE, 2, KIPC_SEM_NONBLOCK);
	EXPECT_EQ(-EAGAIN, semop_raw(self->dev, e, 1, 0));
	e[0] = OPE(a, ZERO, 0, 0);
	EXPECT_EQ(-EAGAIN, semop_raw(self->dev, e, 1, KIPC_SEM_NONBLOCK));
	e[0] = OPE(a, SET, 0, 0);
	EXPECT_EQ(0, semop_raw(self->dev, e, 1, 0));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(0, destroy(a));
	e[0] = OPE(a, ADD, 1, 0);
	EXPECT_EQ(-EIDRM, semop_raw(self->dev, e, 1, 0));
	close(a);
	close(ro);
}

/*
 * A wait for zero blocks nobody: a P behind it is served at once, and the
 * P that takes the value to 0 wakes it.  SEM_STAT shows it with count 0.
 */
TEST_F(mw, semop_zero_blocks_nobody)
{
	struct kipc_sem_waiter wt[2];
	struct kipc_sem_stat st;
	struct kipc_sem_op_entry z;
	int a = anon_sem(self->dev, 2);
	pid_t pid;

	ASSERT_LE(0, a);
	z = OPE(a, ZERO, 0, 0);
	pid = spawn_semop(self->dev, &z, 1);
	ASSERT_EQ(0, wait_nwaiters(a, 1));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.capacity = 2;
	st.waiters = (uintptr_t)wt;
	ASSERT_EQ(0, ioctl_ret(a, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(0, wt[0].count);
	EXPECT_EQ(0, sem_p(a, 1, KIPC_SEM_NONBLOCK));
	EXPECT_TRUE(still_running(pid));
	EXPECT_EQ(0, sem_p(a, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, sem_nwaiters(a));
	close(a);
}

/* Takes keep FIFO order with single P in both directions; adds grant. */
TEST_F(mw, semop_fifo_and_add)
{
	struct kipc_sem_op_entry e[2];
	int a = anon_sem(self->dev, 0), b = anon_sem(self->dev, 5);
	pid_t single, multi;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	single = spawn_p(a, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(a, 1));
	/* A later take of 1 on a, with an add on b: behind the P of 2. */
	e[0] = OPE(a, TAKE, 1, 0);
	e[1] = OPE(b, ADD, 1, 0);
	multi = spawn_semop(self->dev, e, 2);
	ASSERT_EQ(0, wait_nwaiters(a, 2));
	EXPECT_EQ(0, sem_nwaiters(b));
	EXPECT_EQ(0, sem_v(a, 1, 0));
	EXPECT_TRUE(still_running(multi));
	EXPECT_TRUE(still_running(single));
	/* An add through KIPC_IOC_SEM_OP grants like V. */
	e[0] = OPE(a, ADD, 2, 0);
	EXPECT_EQ(0, semop_raw(self->dev, e, 1, 0));
	EXPECT_EQ(0, reap(single));
	EXPECT_EQ(0, reap(multi));
	EXPECT_EQ(0, sem_value(a));
	EXPECT_EQ(6, sem_value(b));
	close(a);
	close(b);
}

/* Overlapping mixed operations with destroys and deaths (for lockdep). */
TEST_F_TIMEOUT(mw, semop_storm, 180)
{
	struct kipc_sem_op_entry e[4];
	int fds[4], i, round;
	pid_t p[6];

	for (round = 0; round < 4; round++) {
		for (i = 0; i < 4; i++) {
			fds[i] = anon_sem(self->dev, 1);
			ASSERT_LE(0, fds[i]);
		}
		for (i = 0; i < 6; i++) {
			p[i] = fork_child();
			if (p[i] == 0) {
				unsigned int seed = round * 6 + i;

				for (;;) {
					int k, r, n = 1 + rand_r(&seed) % 4;

					for (k = 0; k < n; k++) {
						int f = fds[rand_r(&seed) % 4];

						switch (rand_r(&seed) % 4) {
						case 0:
							e[k] = OPE(f, ZERO, 0, 0);
							break;
						case 1:
							e[k] = OPE(f, ADD, 1,
								   KIPC_SEM_UNDO);
							break;
						default:
							e[k] = OPE(f, TAKE, 1,
								   KIPC_SEM_UNDO);
						}
					}
					r = semop_raw(self->dev, e, n, 0);
					if (r == -EIDRM)
						_exit(0);
					if (r && r != -EINVAL && r != -ERANGE)
						_exit(-r);
					e[0] = OPE(fds[rand_r(&seed) % 4], ADD, 1, 0);
					r = semop_raw(self->dev, e, 1, 0);
					if (r == -EIDRM)
						_exit(0);
				}
			}
		}
		usleep(200000);
		kill(p[round % 6], SIGKILL);
		usleep(50000);
		EXPECT_EQ(0, destroy(fds[round % 4]));
		usleep(50000);
		for (i = 0; i < 4; i++)
			destroy(fds[i]);
		for (i = 0; i < 6; i++) {
			int st = reap(p[i]);

			if (i == round % 6) {
				EXPECT_TRUE(st == 0 || st == 1000 + SIGKILL);
			} else {
				EXPECT_EQ(0, st);
			}
		}
		for (i = 0; i < 4; i++)
			close(fds[i]);
	}
}

/* ---- lkipc_sem_post_all(): V on several semaphores at once ------------ */

/* One past the maximum on one semaphore: nothing changes on any. */
TEST_F(mw, post_all_all_or_nothing)
{
	struct kipc_sem_multi_entry e[3];
	struct lkipc k = { .fd = self->dev };
	int a = sem_open_rw(self->dev, NULL, RW, 5, 10);
	int b = sem_open_rw(self->dev, NULL, RW, 2, 3);
	int c = sem_open_rw(self->dev, NULL, RW, 0, 10);

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ASSERT_LE(0, c);
	e[0] = ENT(a, 4);
	e[1] = ENT(b, 2);
	e[2] = ENT(c, 1);
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post_all(&k, e, 3, 0));
	EXPECT_EQ(5, sem_value(a));
	EXPECT_EQ(2, sem_value(b));
	EXPECT_EQ(0, sem_value(c));
	/* The same semaphore twice: the counts add up, past max too. */
	e[1] = ENT(a, 1);
	e[2] = ENT(a, 1);
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post_all(&k, e, 3, 0));
	EXPECT_EQ(5, sem_value(a));
	e[0] = ENT(a, 3);
	EXPECT_EQ(0, lkipc_sem_post_all(&k, e, 3, 0));
	EXPECT_EQ(10, sem_value(a));
	/* Within every maximum: all of it. */
	e[0] = ENT(b, 1);
	e[1] = ENT(c, 10);
	EXPECT_EQ(0, lkipc_sem_post_all(&k, e, 2, 0));
	EXPECT_EQ(3, sem_value(b));
	EXPECT_EQ(10, sem_value(c));
	close(a);
	close(b);
	close(c);
}

TEST_F(mw, post_all_errnos)
{
	struct kipc_sem_multi_entry e[KIPC_SEM_MULTI_MAX + 1];
	struct lkipc k = { .fd = self->dev };
	int a = sem_open_rw(self->dev, NULL, RW, 1, 10);
	int b = anon_sem(self->dev, 1);
	int ro, i;

	ASSERT_LE(0, a);
	ASSERT_LE(0, b);
	ro = sem_open_rw(self->dev, "mw.postall.ro", RW | KIPC_OPEN_CREATE,
			 0, 0);
	ASSERT_LE(0, ro);
	close(ro);
	ro = sem_open_rw(self->dev, "mw.postall.ro", KIPC_OPEN_READ, 0, 0);
	ASSERT_LE(0, ro);
	ASSERT_EQ(0, unlink_sem(self->dev, "mw.postall.ro"));

	e[0] = ENT(a, 1);
	e[1] = ENT(b, 1);
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(NULL, e, 2, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, NULL, 2, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 0, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, 1U << 31));
	for (i = 0; i <= KIPC_SEM_MULTI_MAX; i++)
		e[i] = ENT(a, 1);
	EXPECT_EQ(-E2BIG, lkipc_sem_post_all(&k, e,
					      KIPC_SEM_MULTI_MAX + 1, 0));
	/* Each bad entry, after a good one: the good one is not added. */
	e[0] = ENT(b, 1);
	e[1] = ENT(a, 0);
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, 0));
	e[1] = ENT(a, 11);
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, 0));
	e[1] = ENT(self->dev, 1);
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, 0));
	e[1] = ENT(ro, 1);
	EXPECT_EQ(-EBADF, lkipc_sem_post_all(&k, e, 2, 0));
	e[1] = ENT(9999, 1);
	EXPECT_EQ(-EBADF, lkipc_sem_post_all(&k, e, 2, 0));
	/* Undo with no record to give back. */
	e[1] = ENT(a, 1);
	EXPECT_EQ(-EINVAL, lkipc_sem_post_all(&k, e, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(1, sem_value(a));
	EXPECT_EQ(1, sem_value(b));
	ASSERT_EQ(0, destroy(a));
	EXPECT_EQ(-EIDRM, lkipc_sem_post_all(&k, e, 2, 0));
	EXPECT_EQ(1, sem_value(b));
	close(a);
	close(b);
	close(ro);
}

/*
 * Waiters queued on a and b, a multi-wait first: one call serves them in
 * order on each semaphore, the multi-wait with every unit it needs, and
 * nobody else, through the ioctl or a mapped page, takes a unit meant for
 * a waiter.
 */
TEST_F(mw, post_all_fifo_handoff)
{
	struct kipc_sem_multi_entry e[2];
	struct lkipc_sem sa, sb;
	struct lkipc k;
	pid_t m, pa, pb;

	ASSERT_EQ(0, lkipc_open(&k, 0));
	ASSERT_EQ(0, lkipc_sem_open(&k, &sa, NULL, RW, 0600, 0));
	ASSERT_EQ(0, lkipc_sem_open(&k, &sb, NULL, RW, 0600, 0));
	e[0] = ENT(sa.fd, 1);
	e[1] = ENT(sb.fd, 1);
	m = spawn_mwait(self->dev, e, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(sa.fd, 1));
	pa = spawn_p(sa.fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(sa.fd, 2));
	pb = spawn_p(sb.fd, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(sb.fd, 2));

	e[0] = ENT(sa.fd, 2);
	e[1] = ENT(sb.fd, 2);
	ASSERT_EQ(0, lkipc_sem_post_all(&k, e, 2, 0));
	/* Whether or not the waiters ran yet, their units are theirs. */
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sa, 1, 0));
	EXPECT_EQ(-EAGAIN, sem_p(sa.fd, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sb, 1, 0));
	EXPECT_EQ(0, reap(m));
	EXPECT_EQ(0, reap(pa));
	/* b: one unit left, for pb, which needs two: it keeps waiting. */
	ASSERT_EQ(0, wait_nwaiters(sb.fd, 1));
	EXPECT_TRUE(still_running(pb));
	EXPECT_EQ(0, sem_value(sa.fd));
	EXPECT_EQ(1, sem_value(sb.fd));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sb, 1, 0));
	e[0] = ENT(sb.fd, 1);
	ASSERT_EQ(0, lkipc_sem_post_all(&k, e, 1, 0));
	EXPECT_EQ(0, reap(pb));
	EXPECT_EQ(0, sem_value(sa.fd));
	EXPECT_EQ(0, sem_value(sb.fd));
	EXPECT_EQ(0, sem_nwaiters(sa.fd));
	EXPECT_EQ(0, sem_nwaiters(sb.fd));
	EXPECT_EQ(0, lkipc_sem_close(&sa));
	EXPECT_EQ(0, lkipc_sem_close(&sb));
	lkipc_close(&k);
}

/*
 * A multi-wait with undo released by lkipc_sem_post_all() with undo: the
 * records go back to 0, and giving back more is refused.  Then one
 * released without undo: the exit gives the units back a second time.
 */
static int post_all_undo_child(int dev, int ca, int cb)
{
	struct kipc_sem_multi_entry e[2] = { ENT(ca, 2), ENT(cb, 3) };
	struct lkipc k = { .fd = dev };
	struct kipc_sem_stat st;
	int r;

	r = lkipc_sem_wait_all(&k, e, 2, KIPC_SEM_UNDO, NULL);
	if (!r)
		r = lkipc_sem_post_all(&k, e, 2, KIPC_SEM_UNDO);
	if (r < 0)
		return -r;
	if (sem_stat(ca, &st, NULL, 0) || st.undo != 0 || st.value != 3)
		return 103;
	if (sem_stat(cb, &st, NULL, 0) || st.undo != 0 || st.value != 4)
		return 104;
	if (lkipc_sem_post_all(&k, e, 2, KIPC_SEM_UNDO) != -EINVAL)
		return 105;
	r = lkipc_sem_wait_all(&k, e, 2, KIPC_SEM_UNDO, NULL);
	if (!r)
		r = lkipc_sem_post_all(&k, e, 2, 0);
	return r < 0 ? -r : 0;
}

TEST_F(mw, post_all_undo)
{
	int a = -1, b = -1;

	EXPECT_EQ(0, undo_child(self->dev, "pundo", &a, &b,
				post_all_undo_child));
	/* The second round's units: given back twice, once by exit. */
	EXPECT_EQ(5, sem_value(a));
	EXPECT_EQ(7, sem_value(b));
	close(a);
	close(b);
}

TEST_HARNESS_MAIN
