// SPDX-License-Identifier: GPL-2.0
/*
 * Strong semaphores and the object registry: FIFO service, no barging,
 * units conserved under signal storms, timeouts and deaths, undo, destroy,
 * names, permissions, limits, /proc/kipc and KIPC_IOC_LIST, and the size /
 * flags / reserved / pointer rules of every object ioctl.
 *
 * Forked helpers never use the harness's macros: they report through their
 * exit status (0, or the errno their operation failed with).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

/* ---- Helpers ---------------------------------------------------------- */

static int sem_p_until(int fd, unsigned int n, unsigned int flags,
		       const struct timespec *ts)
{
	return sem_p_full(fd, n, flags | KIPC_SEM_TIMED, ts->tv_sec,
			  ts->tv_nsec);
}

static pid_t spawn_p_until(int fd, unsigned int n, const struct timespec *ts,
			   unsigned int flags)
{
	pid_t pid = fork_child();

	if (pid == 0)
		_exit(-sem_p_until(fd, n, flags, ts));
	return pid;
}

static void set_handler(int sig, int flags)
{
	set_handler_fn(sig, flags, nop_handler);
}

KIPC_DEV_FIXTURE(sem)

/* ---- Basics ------------------------------------------------------------ */

TEST_F(sem, feature_and_handles)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct kipc_sem_stat st;
	int fd, ro, wo;

	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_GET_INFO, &info));
	EXPECT_TRUE(info.features & KIPC_FEAT_SEM);

	fd = anon_sem(self->dev, 1);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_RDWR, fcntl(fd, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(0, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(1, st.value);
	EXPECT_EQ(info.sem_value_max, st.max);
	EXPECT_EQ(0, st.nwaiters);
	EXPECT_EQ(0, st.uid);
	EXPECT_EQ(0, st.cuid);
	EXPECT_EQ(0600, st.mode);
	EXPECT_LE(time(NULL) - 60, st.ctime);
	EXPECT_GE(time(NULL), st.ctime);
	close(fd);

	fd = sem_open_full(self->dev, NULL, RW | KIPC_OPEN_INHERIT, 0600, 0, 0,
			   NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	close(fd);

	/* Read-only handles observe; write-only ones post and wait. */
	ro = sem_open_full(self->dev, NULL, KIPC_OPEN_READ, 0600, 2, 0, NULL);
	ASSERT_LE(0, ro);
	EXPECT_EQ(O_RDONLY, fcntl(ro, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(-EBADF, sem_v(ro, 1, 0));
	EXPECT_EQ(-EBADF, sem_p(ro, 1, 0));
	EXPECT_EQ(2, sem_value(ro));
	close(ro);
	wo = sem_open_full(self->dev, NULL, KIPC_OPEN_WRITE, 0600, 2, 0, NULL);
	ASSERT_LE(0, wo);
	EXPECT_EQ(O_WRONLY, fcntl(wo, F_GETFL) & O_ACCMODE);
	EXPECT_EQ(-EBADF, sem_stat(wo, &st, NULL, 0));
	EXPECT_EQ(0, sem_p(wo, 2, 0));
	EXPECT_EQ(0, sem_v(wo, 1, 0));
	close(wo);
}

TEST_F(sem, p_and_v)
{
	struct kipc_open op;
	int fd, fd2;

	fd = sem_open_full(self->dev, NULL, RW, 0600, 3, 0, &op);
	ASSERT_LE(0, fd);
	EXPECT_EQ(KIPC_OPEN_CREATED, op.out_flags);
	EXPECT_NE(0, op.id);
	EXPECT_EQ(0, sem_p(fd, 2, 0));
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(-EAGAIN, sem_p(fd, 2, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(0, sem_p(fd, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(0, sem_v(fd, 5, 0));
	EXPECT_EQ(5, sem_value(fd));
	EXPECT_EQ(0, sem_p(fd, 5, 0));
	EXPECT_EQ(0, sem_value(fd));
	EXPECT_EQ(-EAGAIN, sem_p(fd, 1, KIPC_SEM_NONBLOCK));

	/* Every anonymous open is a new object. */
	fd2 = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(0, sem_v(fd2, 1, 0));
	EXPECT_EQ(0, sem_value(fd));
	close(fd2);
	close(fd);
}

/* ---- Strong semantics ---------------------------------------------------- */

#define FIFO_CHILDREN 16
#define FIFO_ROUNDS 100

struct fifo_shared {
	unsigned int next;	/* grants taken so far */
	unsigned int done;	/* grants recorded in got[] */
	int got[FIFO_CHILDREN];
};

/*
 * 16 processes queue one after the other, each confirmed queued before the
 * next starts; 16 single posts must grant them in exactly that order.  The
 * children live through all rounds and are told to queue through their own
 * "go" semaphore, which keeps a round cheap under emulation.
 */
TEST_F_TIMEOUT(sem, fifo_order, 240)
{
	struct kipc_sem_waiter w[FIFO_CHILDREN + 1];
	int go[FIFO_CHILDREN], fd, i, r;
	pid_t pid[FIFO_CHILDREN];
	struct kipc_sem_stat st;
	struct fifo_shared *sh;
	double t0 = now_mono();

	sh = shared_map(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < FIFO_CHILDREN; i++) {
		go[i] = anon_sem(self->dev, 0);
		ASSERT_LE(0, go[i]);
	}
	for (i = 0; i < FIFO_CHILDREN; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			for (r = 0; r < FIFO_ROUNDS; r++) {
				if (sem_p(go[i], 1, 0))
					_exit(10);
				if (sem_p(fd, 1, 0))
					_exit(11);
				int me = __atomic_fetch_add(&sh->next, 1,
							    __ATOMIC_SEQ_CST);

				__atomic_store_n(&sh->got[i], me,
						 __ATOMIC_SEQ_CST);
				__atomic_fetch_add(&sh->done, 1,
						   __ATOMIC_SEQ_CST);
			}
			_exit(0);
		}
	}

	for (r = 0; r < FIFO_ROUNDS; r++) {
		for (i = 0; i < FIFO_CHILDREN; i++) {
			sh->got[i] = -1;
			ASSERT_EQ(0, sem_v(go[i], 1, 0));
			ASSERT_EQ(0, wait_nwaiters(fd, i + 1));
		}
		ASSERT_EQ(0, sem_stat(fd, &st, w, FIFO_CHILDREN + 1));
		ASSERT_EQ(FIFO_CHILDREN, st.nwaiters);
		for (i = 0; i < FIFO_CHILDREN; i++) {
			ASSERT_EQ(pid[i], w[i].pid);
			ASSERT_EQ(1, w[i].count);
		}
		for (i = 0; i < FIFO_CHILDREN; i++) {
			unsigned int want = r * FIFO_CHILDREN + i + 1;
			double end = now_mono() + 20;

			ASSERT_EQ(0, sem_v(fd, 1, 0));
			/* Handed over: nothing left for anyone else. */
			ASSERT_EQ(0, sem_value(fd));
			while (__atomic_load_n(&sh->done, __ATOMIC_SEQ_CST) <
			       want && now_mono() < end)
				sched_yield();
			ASSERT_EQ(want, __atomic_load_n(&sh->done,
							__ATOMIC_SEQ_CST));
			ASSERT_EQ(want - 1, sh->got[i]) {
				TH_LOG("round %d: post %d went to another child",
				       r, i);
			}
			ASSERT_EQ(FIFO_CHILDREN - i - 1, sem_nwaiters(fd));
		}
	}
	for (i = 0; i < FIFO_CHILDREN; i++)
		EXPECT_EQ(0, reap(pid[i]));
	TH_LOG("%d rounds in %.1f s", FIFO_ROUNDS,
	       now_mono() - t0);
	for (i = 0; i < FIFO_CHILDREN; i++)
		close(go[i]);
	close(fd);
}

/* A later, smaller request never overtakes the head. */
TEST_F(sem, head_of_line)
{
	struct kipc_sem_waiter w[2];
	struct kipc_sem_stat st;
	pid_t a, b;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	a = spawn_p(fd, 3, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	b = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 2));

	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_TRUE(still_running(a));
	EXPECT_TRUE(still_running(b));
	EXPECT_EQ(2, sem_nwaiters(fd));

	ASSERT_EQ(0, sem_v(fd, 2, 0));
	EXPECT_EQ(0, reap(a));
	EXPECT_EQ(0, sem_value(fd));
	EXPECT_TRUE(still_running(b));
	ASSERT_EQ(0, sem_stat(fd, &st, w, 2));
	EXPECT_EQ(1, st.nwaiters);
	EXPECT_EQ(b, w[0].pid);
	EXPECT_EQ(1, w[0].count);

	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, reap(b));
	EXPECT_EQ(0, sem_value(fd));
	close(fd);
}

/* While anyone is queued, trywait fails, even right after a post. */
TEST_F(sem, no_barging)
{
	struct pollfd pfd;
	pid_t a, b;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	a = spawn_p(fd, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(-EAGAIN, sem_p(fd, 1, KIPC_SEM_NONBLOCK));
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, reap(a));
	EXPECT_EQ(0, sem_value(fd));

	/* The unit goes to the waiter before it even runs. */
	b = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(-EAGAIN, sem_p(fd, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(0, sem_value(fd));
	EXPECT_EQ(0, reap(b));
	close(fd);
}

#define FIRE_WAITERS 8
#define FIRE_SECONDS 4
#define FIRE_INITIAL 5

struct fire_shared {
	int stop;
	unsigned long long granted[FIRE_WAITERS];
	unsigned long long eintr, etimedout, eagain, ok;
};

static void fire_waiter(int fd, struct fire_shared *sh, int i)
{
	unsigned int seed = 12345 + i;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
		unsigned int n = 1 + rand_r(&seed) % 3;
		int mode = rand_r(&seed) % 3, ret;
		struct timespec ts;

		if (mode == 0) {
			ret = sem_p(fd, n, 0);
		} else if (mode == 1) {
			ts = in_future(CLOCK_MONOTONIC,
				       rand_r(&seed) % 2000000);
			ret = sem_p_until(fd, n, 0, &ts);
		} else {
			ret = sem_p(fd, n, KIPC_SEM_NONBLOCK);
		}
		if (ret == 0) {
			__atomic_fetch_add(&sh->granted[i], n,
					   __ATOMIC_SEQ_CST);
			__atomic_fetch_add(&sh->ok, 1, __ATOMIC_SEQ_CST);
		} else if (ret == -EINTR) {
			__atomic_fetch_add(&sh->eintr, 1, __ATOMIC_SEQ_CST);
		} else if (ret == -ETIMEDOUT) {
			__atomic_fetch_add(&sh->etimedout, 1,
					   __ATOMIC_SEQ_CST);
		} else if (ret == -EAGAIN) {
			__atomic_fetch_add(&sh->eagain, 1, __ATOMIC_SEQ_CST);
		} else {
			_exit(-ret);
		}
	}
	_exit(0);
}

/*
 * Waiters with signals raining on them and deadlines racing the grants,
 * against a stream of posts: no unit is lost or duplicated.
 */
TEST_F_TIMEOUT(sem, conservation_under_fire, 120)
{
	unsigned long long posted = 0, granted = 0;
	pid_t pid[FIRE_WAITERS], storm;
	struct fire_shared *sh;
	unsigned int seed = 1;
	int fd, i, left;
	double end;

	sh = shared_map(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	/* Inherited: no child may die of an early SIGUSR1. */
	set_handler(SIGUSR1, 0);
	fd = anon_sem(self->dev, FIRE_INITIAL);
	ASSERT_LE(0, fd);
	for (i = 0; i < FIRE_WAITERS; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			fire_waiter(fd, sh, i);
	}
	storm = fork_child();
	ASSERT_LE(0, storm);
	if (storm == 0) {
		for (;;) {
			for (i = 0; i < FIRE_WAITERS; i++)
				kill(pid[i], SIGUSR1);
			usleep(300);
		}
	}

	end = now_mono() + FIRE_SECONDS;
	while (now_mono() < end) {
		unsigned int n = 1 + rand_r(&seed) % 4;

		if (sem_v(fd, n, 0) == 0)
			posted += n;
		if (rand_r(&seed) % 4 == 0)
			usleep(100);
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	kill(storm, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(storm));
	/* Blocked waiters leave on the next signal and see "stop". */
	left = FIRE_WAITERS;
	end = now_mono() + 30;
	while (left && now_mono() < end) {
		for (i = 0; i < FIRE_WAITERS; i++) {
			int status;

			if (!pid[i])
				continue;
			kill(pid[i], SIGUSR1);
			if (waitpid(pid[i], &status, WNOHANG) == pid[i]) {
				EXPECT_TRUE(WIFEXITED(status));
				EXPECT_EQ(0, WEXITSTATUS(status));
				pid[i] = 0;
				left--;
			}
		}
		usleep(1000);
	}
	ASSERT_EQ(0, left);

	for (i = 0; i < FIRE_WAITERS; i++)
		granted += sh->granted[i];
	EXPECT_EQ(0, sem_nwaiters(fd));
	EXPECT_EQ(posted + FIRE_INITIAL, granted + sem_value(fd));
	TH_LOG("posted %llu, granted %llu in %llu P, %llu EINTR, %llu ETIMEDOUT, %llu EAGAIN",
	       posted, granted, sh->ok, sh->eintr, sh->etimedout, sh->eagain);
	/* The races were really run. */
	EXPECT_LT(0, sh->eintr);
	EXPECT_LT(0, sh->etimedout);
	EXPECT_LT(0, sh->ok);
	close(fd);
}

/* A queued waiter killed leaves the queue and unblocks those behind it. */
TEST_F(sem, death_of_waiter)
{
	pid_t a, b;
	int fd;

	fd = anon_sem(self->dev, 1);
	ASSERT_LE(0, fd);
	a = spawn_p(fd, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	b = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 2));
	EXPECT_TRUE(still_running(b));
	kill(a, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(a));
	EXPECT_EQ(0, reap(b));
	EXPECT_EQ(0, sem_value(fd));
	EXPECT_EQ(0, sem_nwaiters(fd));
	close(fd);
}

/* A holder killed with undo units outstanding gives them back. */
TEST_F(sem, death_of_holder_with_undo)
{
	char name[64], c;
	int fd, p[2];
	pid_t holder, w;

	make_name(name, sizeof(name), "undo");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 3, 0, NULL);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(p));
	holder = fork_child();
	ASSERT_LE(0, holder);
	if (holder == 0) {
		/* Its own open file description, not the parent's. */
		int h = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);

		if (h < 0)
			_exit(-h);
		if (sem_p(h, 3, KIPC_SEM_UNDO))
			_exit(12);
		if (write(p[1], "x", 1) != 1)
			_exit(13);
		pause();
		_exit(14);
	}
	ASSERT_EQ(1, read(p[0], &c, 1));
	EXPECT_EQ(0, sem_value(fd));
	w = spawn_p(fd, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	kill(holder, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(holder));
	EXPECT_EQ(0, reap(w));
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(p[0]);
	close(p[1]);
	close(fd);
}

#define STORM_PROCS 6
#define STORM_INITIAL 4

/* Take and give back units with undo, forever, on an own handle. */
static void undo_worker(int dev, const char *name, unsigned int seed)
{
	int h = sem_open_full(dev, name, RW, 0, 0, 0, NULL);

	if (h < 0)
		_exit(-h);
	for (;;) {
		unsigned int n = 1 + rand_r(&seed) % 3;
		struct timespec ts;
		int ret;

		if (rand_r(&seed) % 2) {
			ret = sem_p(h, n, KIPC_SEM_UNDO);
		} else {
			ts = in_future(CLOCK_MONOTONIC,
				       rand_r(&seed) % 1000000);
			ret = sem_p_until(h, n, KIPC_SEM_UNDO, &ts);
		}
		if (ret == -ETIMEDOUT)
			continue;
		if (ret)
			_exit(-ret);
		if (sem_v(h, n, KIPC_SEM_UNDO))
			_exit(30);
	}
}

/*
 * Processes killed at any point of P and V with undo: once they are all
 * gone, every unit is back and nobody is queued.
 */
TEST_F_TIMEOUT(sem, death_storm_with_undo, 120)
{
	pid_t pid[STORM_PROCS];
	unsigned int seed = 7, kills = 0;
	char name[64];
	double end;
	int fd, i;

	make_name(name, sizeof(name), "storm");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, STORM_INITIAL, 0, NULL);
	ASSERT_LE(0, fd);
	for (i = 0; i < STORM_PROCS; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			undo_worker(self->dev, name, 100 + i);
	}
	end = now_mono() + 3;
	while (now_mono() < end) {
		usleep(1000 + rand_r(&seed) % 4000);
		i = rand_r(&seed) % STORM_PROCS;
		kill(pid[i], SIGKILL);
		ASSERT_EQ(1000 + SIGKILL, reap(pid[i]));
		kills++;
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			undo_worker(self->dev, name, 1000 + kills);
	}
	for (i = 0; i < STORM_PROCS; i++) {
		kill(pid[i], SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, reap(pid[i]));
	}
	TH_LOG("%u processes killed", kills + STORM_PROCS);
	EXPECT_EQ(0, sem_nwaiters(fd));
	EXPECT_EQ(STORM_INITIAL, sem_value(fd));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

/* The undo record belongs to the open file description. */
TEST_F(sem, undo_record)
{
	struct kipc_sem_stat st;
	int fd, h1, h2;
	char name[64];
	pid_t pid;

	fd = anon_sem(self->dev, 5);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO));
	ASSERT_EQ(0, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(2, st.undo);
	EXPECT_EQ(3, st.value);
	EXPECT_EQ(0, sem_v(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, sem_v(fd, 2, KIPC_SEM_UNDO));
	ASSERT_EQ(0, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(1, st.undo);
	EXPECT_EQ(4, st.value);
	EXPECT_EQ(0, sem_p(fd, 1, KIPC_SEM_UNDO | KIPC_SEM_NONBLOCK));
	/* A child sharing the description: its exit releases nothing. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-sem_p(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(3, st.undo);
	EXPECT_EQ(2, st.value);
	close(fd);

	/* Released at the last close, clamped to the maximum. */
	make_name(name, sizeof(name), "undo2");
	h1 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0600, 5, 5,
			   NULL);
	ASSERT_LE(0, h1);
	h2 = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, h2);
	EXPECT_EQ(0, sem_p(h1, 3, KIPC_SEM_UNDO));
	EXPECT_EQ(2, sem_value(h2));
	fd = dup(h1);
	close(h1);
	EXPECT_EQ(2, sem_value(h2));	/* a dup still holds it */
	close(fd);
	EXPECT_EQ(5, sem_value(h2));
	h1 = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, h1);
	EXPECT_EQ(0, sem_p(h1, 3, KIPC_SEM_UNDO));
	EXPECT_EQ(0, sem_v(h2, 3, 0));
	EXPECT_EQ(5, sem_value(h2));
	close(h1);
	EXPECT_EQ(5, sem_value(h2));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(h2);
}

/* Destroy: every blocked waiter and every later operation gets EIDRM. */
TEST_F(sem, destroy_with_waiters)
{
	struct kipc_obj_info info[64];
	struct kipc_list list;
	struct kipc_sem_stat st;
	struct kipc_open op;
	struct pollfd pfd;
	char name[64];
	pid_t pid[3];
	int fd, i, n, found = 0;

	make_name(name, sizeof(name), "destroy");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0600, 0, 0,
			   &op);
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		pid[i] = spawn_p(fd, 1 + i, 0);
		ASSERT_EQ(0, wait_nwaiters(fd, i + 1));
	}
	ASSERT_EQ(0, destroy(fd));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(EIDRM, reap(pid[i]));
	EXPECT_EQ(-EIDRM, sem_p(fd, 1, 0));
	EXPECT_EQ(-EIDRM, sem_p(fd, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(-EIDRM, sem_v(fd, 1, 0));
	EXPECT_EQ(-EIDRM, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(-EIDRM, destroy(fd));
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents);
	/* The name went with it. */
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
	EXPECT_EQ(-ENOENT, unlink_sem(self->dev, name));
	/* Listed as destroyed while a handle remains. */
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(info[0]);
	list.capacity = 64;
	list.entries = (uintptr_t)info;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	n = list.filled;
	for (i = 0; i < n; i++) {
		if (info[i].id != op.id)
			continue;
		found = 1;
		EXPECT_EQ(KIPC_OBJ_F_DESTROYED, info[i].flags);
		EXPECT_EQ(0, info[i].name[0]);
	}
	EXPECT_TRUE(found);
	close(fd);
}

/* Waiters blocked in destroy's path on a semaphore nobody else names. */
TEST_F(sem, destroy_anonymous_and_poll_wakes)
{
	struct pollfd pfd;
	pid_t pid;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 20000) != 1)
			_exit(20);
		_exit(pfd.revents == (POLLHUP | POLLERR) ? 0 : 21);
	}
	EXPECT_TRUE(still_running(pid));
	EXPECT_EQ(0, destroy(fd));
	EXPECT_EQ(0, reap(pid));
	close(fd);
}

/* ---- Names ------------------------------------------------------------- */

TEST_F(sem, unlink_and_reuse)
{
	struct kipc_open op1, op2;
	char name[64];
	int h1, h2;

	make_name(name, sizeof(name), "reuse");
	h1 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 1, 0, &op1);
	ASSERT_LE(0, h1);
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	EXPECT_EQ(-ENOENT, unlink_sem(self->dev, name));
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
	h2 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 5, 0, &op2);
	ASSERT_LE(0, h2);
	EXPECT_NE(op1.id, op2.id);
	/* The old handle still works, on the old object. */
	EXPECT_EQ(1, sem_value(h1));
	EXPECT_EQ(0, sem_p(h1, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(0, sem_v(h1, 1, 0));
	EXPECT_EQ(5, sem_value(h2));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(h1);
	close(h2);
}

TEST_F(sem, create_exclusive_and_missing)
{
	struct kipc_open op1, op2;
	char name[64];
	int h1, h2;

	make_name(name, sizeof(name), "excl");
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
	h1 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0640, 2, 0, &op1);
	ASSERT_LE(0, h1);
	EXPECT_EQ(KIPC_OPEN_CREATED, op1.out_flags);
	EXPECT_EQ(-EEXIST, sem_open_full(self->dev, name, RW |
					 KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
					 0600, 0, 0, NULL));
	/* CREATE alone opens the existing one; its fields are not used. */
	h2 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0600, 7, 0,
			   &op2);
	ASSERT_LE(0, h2);
	EXPECT_EQ(0, op2.out_flags);
	EXPECT_EQ(op1.id, op2.id);
	EXPECT_EQ(2, sem_value(h2));
	EXPECT_EQ(0, sem_p(h2, 2, 0));
	EXPECT_EQ(0, sem_value(h1));
	close(h1);
	close(h2);
	/* A named semaphore outlives its handles. */
	h1 = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, h1);
	EXPECT_EQ(0, sem_value(h1));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(h1);
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
}

TEST_F(sem, names)
{
	char longname[300];
	int fd;

	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "", RW | KIPC_OPEN_CREATE,
					 0600, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "a/b",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "/",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, ".",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "..",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EFAULT, sem_open_full(self->dev, (char *)16,
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, unlink_sem(self->dev, ""));
	EXPECT_EQ(-EINVAL, unlink_sem(self->dev, "x/y"));
	EXPECT_EQ(-EFAULT, unlink_sem(self->dev, (char *)16));

	memset(longname, 'n', sizeof(longname));
	longname[256] = 0;
	EXPECT_EQ(-ENAMETOOLONG, sem_open_full(self->dev, longname,
					       RW | KIPC_OPEN_CREATE, 0600, 0,
					       0, NULL));
	EXPECT_EQ(-ENAMETOOLONG, unlink_sem(self->dev, longname));
	longname[255] = 0;
	fd = sem_open_full(self->dev, longname, RW | KIPC_OPEN_CREATE, 0600,
			   0, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, unlink_sem(self->dev, longname));
	close(fd);
	/* "..." and other dots are plain names. */
	fd = sem_open_full(self->dev, "...", RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 0, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, unlink_sem(self->dev, "..."));
	close(fd);
}

/* ---- Permissions -------------------------------------------------------- */

FIXTURE(perm) {
	int dev;
	char base[48];
};

/* How the unprivileged caller relates to the semaphore. */
FIXTURE_VARIANT(perm) {
	int relation;	/* 6: owner, 3: group, 0: other */
};

FIXTURE_VARIANT_ADD(perm, owner) {
	.relation = 6,
};

FIXTURE_VARIANT_ADD(perm, group) {
	.relation = 3,
};

FIXTURE_VARIANT_ADD(perm, other) {
	.relation = 0,
};

FIXTURE_SETUP(perm)
{
	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	snprintf(self->base, sizeof(self->base), "sem_test-perm-%d", getpid());
}

FIXTURE_TEARDOWN(perm)
{
	close(self->dev);
}

static const unsigned int perm_modes[] = {
	0000, 0400, 0200, 0600, 0040, 0020, 0060, 0004, 0002, 0006,
	0700, 0070, 0007, 0777, 0640, 0604, 0664, 0466, 0646,
};

#define NMODES (sizeof(perm_modes) / sizeof(perm_modes[0]))

static void perm_name(char *buf, size_t len, const char *base, unsigned int i)
{
	snprintf(buf, len, "%s-%u", base, i);
}

/*
 * The permission matrix as uid/gid 65534: every mode against read, write
 * and read-write opens, and unlink/destroy allowed to the owner only.
 */
TEST_F(perm, matrix)
{
	static const unsigned int access[] = {
		KIPC_OPEN_READ, KIPC_OPEN_WRITE, RW,
	};
	int fds[NMODES];
	char name[80];
	unsigned int i;
	pid_t pid;

	/* Root creates them for "group" and "other"; gid 0 is their group. */
	for (i = 0; i < NMODES && variant->relation != 6; i++) {
		perm_name(name, sizeof(name), self->base, i);
		fds[i] = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
				       KIPC_OPEN_EXCL, perm_modes[i], 1, 0,
				       NULL);
		ASSERT_LE(0, fds[i]);
	}

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gid_t root_group = 0;
		int bad = 0;

		if (become_nobody(variant->relation == 3, &root_group))
			_exit(100);
		for (i = 0; i < NMODES; i++) {
			unsigned int granted, a;

			perm_name(name, sizeof(name), self->base, i);
			if (variant->relation == 6) {
				/* The creator gets what it asks for. */
				int fd = sem_open_full(self->dev, name,
						       KIPC_OPEN_READ |
						       KIPC_OPEN_WRITE |
						       KIPC_OPEN_CREATE |
						       KIPC_OPEN_EXCL,
						       perm_modes[i], 1, 0,
						       NULL);
				if (fd < 0) {
					bad++;
					continue;
				}
				close(fd);
			}
			granted = (perm_modes[i] >> variant->relation) & 7;
			for (a = 0; a < 3; a++) {
				unsigned int want = 0;
				int fd, expect;

				if (access[a] & KIPC_OPEN_READ)
					want |= 4;
				if (access[a] & KIPC_OPEN_WRITE)
					want |= 2;
				expect = (want & ~granted) ? -EACCES : 0;
				fd = sem_open_full(self->dev, name, access[a],
						   0, 0, 0, NULL);
				if ((fd < 0 ? fd : 0) != expect) {
					fprintf(stderr,
						"# mode %04o access %u: %d, expected %d\n",
						perm_modes[i], access[a], fd,
						expect);
					bad++;
				}
				if (fd < 0)
					continue;
				/* Destroy needs ownership, not access. */
				if (variant->relation != 6 &&
				    destroy(fd) != -EPERM)
					bad++;
				close(fd);
			}
			if (unlink_sem(self->dev, name) !=
			    (variant->relation == 6 ? 0 : -EPERM))
				bad++;
		}
		_exit(bad > 99 ? 99 : bad);
	}
	EXPECT_EQ(0, reap(pid));

	for (i = 0; i < NMODES && variant->relation != 6; i++) {
		perm_name(name, sizeof(name), self->base, i);
		EXPECT_EQ(0, unlink_sem(self->dev, name));
		/* Nobody's failed destroy left it alive. */
		EXPECT_EQ(1, sem_value(fds[i]));
		close(fds[i]);
	}
}

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static int set_caps(uint32_t caps)
{
	struct cap_header h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct cap_data d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = caps;
	d[0].permitted = caps;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* CAP_IPC_OWNER overrides the mode bits and ownership, as in SysV IPC. */
TEST_F(sem, cap_ipc_owner)
{
	char name[64];
	pid_t pid;
	int fd;

	make_name(name, sizeof(name), "cap");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0000, 1, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	/* Root itself: it has the capability. */
	fd = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int h;

		if (prctl(PR_SET_KEEPCAPS, 1))
			_exit(100);
		if (become_nobody(0, NULL))
			_exit(101);
		if (set_caps(1U << CAP_IPC_OWNER))
			_exit(102);
		h = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
		if (h < 0)
			_exit(103);
		if (sem_p(h, 1, 0) || sem_v(h, 1, 0))
			_exit(104);
		if (set_caps(0))
			_exit(105);
		if (sem_open_full(self->dev, name, KIPC_OPEN_READ, 0, 0, 0,
				  NULL) != -EACCES)
			_exit(106);
		if (unlink_sem(self->dev, name) != -EPERM)
			_exit(107);
		if (destroy(h) != -EPERM)
			_exit(108);
		/* The handle opened with the capability keeps working. */
		if (sem_p(h, 1, 0) || sem_v(h, 1, 0))
			_exit(109);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
}

TEST_F(sem, bad_mode_and_open_args)
{
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 01000, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 04600, 0, 0,
					 NULL));
	/* No access mode. */
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, KIPC_OPEN_CREATE,
					 0600, 0, 0, NULL));
}

/* ---- Limits ------------------------------------------------------------- */

static long long count_objects(int dev)
{
	struct kipc_list list;

	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(struct kipc_obj_info);
	if (ioctl(dev, KIPC_IOC_LIST, &list))
		return -errno;
	return list.count;
}

TEST_F(sem, limit_max_objects)
{
	unsigned long long old = param_u("max_objects");
	long long n0 = count_objects(self->dev);
	int a, b, c, d;

	ASSERT_NE(~0ULL, old);
	ASSERT_LE(0, n0);
	ASSERT_EQ(0, write_param_u("max_objects", n0 + 2));
	a = anon_sem(self->dev, 0);
	b = anon_sem(self->dev, 0);
	c = anon_sem(self->dev, 0);
	close(b);
	d = anon_sem(self->dev, 0);
	ASSERT_EQ(0, write_param_u("max_objects", old));
	EXPECT_LE(0, a);
	EXPECT_LE(0, b);
	EXPECT_EQ(-ENOSPC, c);
	EXPECT_LE(0, d);
	close(a);
	close(d);
}

TEST_F(sem, limit_user_bytes)
{
	unsigned long long old = param_u("user_bytes_max");
	int fds[200], n = 0, last = 0, again;

	ASSERT_NE(~0ULL, old);
	/* A semaphore is charged its page and a little more: three fit. */
	ASSERT_EQ(0, write_param_u("user_bytes_max",
				   4 * sysconf(_SC_PAGESIZE)));
	while (n < 200) {
		last = anon_sem(self->dev, 0);
		if (last < 0)
			break;
		fds[n++] = last;
	}
	if (n)
		close(fds[--n]);
	again = anon_sem(self->dev, 0);
	ASSERT_EQ(0, write_param_u("user_bytes_max", old));
	EXPECT_EQ(-EDQUOT, last);
	EXPECT_LT(0, n);
	EXPECT_LE(0, again);
	if (again >= 0)
		close(again);
	while (n)
		close(fds[--n]);
}

TEST_F(sem, limit_value_max)
{
	unsigned long long old = param_u("sem_value_max");
	struct kipc_sem_stat st;
	int fd, fd2, fd3;

	ASSERT_NE(~0ULL, old);
	fd = sem_open_full(self->dev, NULL, RW, 0600, 5, 5, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOVERFLOW, sem_v(fd, 1, 0));
	EXPECT_EQ(5, sem_value(fd));
	EXPECT_EQ(-EOVERFLOW, sem_v(fd, 0xffffffffu, 0));
	EXPECT_EQ(-EINVAL, sem_v(fd, 0, 0));
	EXPECT_EQ(-EINVAL, sem_p(fd, 6, 0));
	EXPECT_EQ(-EINVAL, sem_p(fd, 0, 0));
	EXPECT_EQ(0, sem_p(fd, 5, 0));
	EXPECT_EQ(0, sem_v(fd, 5, 0));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, 6, 5,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, 0,
					 old + 1, NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, old + 1,
					 0, NULL));
	fd2 = sem_open_full(self->dev, NULL, RW, 0600, old, 0, NULL);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EOVERFLOW, sem_v(fd2, 1, 0));

	/* The maximum is fixed at creation. */
	ASSERT_EQ(0, write_param_u("sem_value_max", 10));
	fd3 = sem_open_full(self->dev, NULL, RW, 0600, 0, 0, NULL);
	ASSERT_EQ(0, write_param_u("sem_value_max", old));
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, sem_stat(fd3, &st, NULL, 0));
	EXPECT_EQ(10, st.max);
	EXPECT_EQ(0, sem_v(fd3, 10, 0));
	EXPECT_EQ(-EOVERFLOW, sem_v(fd3, 1, 0));
	ASSERT_EQ(0, sem_stat(fd2, &st, NULL, 0));
	EXPECT_EQ(old, st.max);
	close(fd);
	close(fd2);
	close(fd3);
}

/* ---- Waiting: signals and deadlines ------------------------------------- */

/* A signal ends a wait with EINTR, SA_RESTART or not, and takes nothing. */
TEST_F(sem, signal_interrupts)
{
	pid_t pid;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		set_handler(SIGUSR1, SA_RESTART);
		_exit(-sem_p(fd, 1, 0));
	}
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(EINTR, reap(pid));
	EXPECT_EQ(0, sem_nwaiters(fd));
	EXPECT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(1, sem_value(fd));
	close(fd);
}

FIXTURE(timed) {
	int dev;
	int fd;
};

FIXTURE_VARIANT(timed) {
	clockid_t clock;
	unsigned int flags;
};

FIXTURE_VARIANT_ADD(timed, monotonic) {
	.clock = CLOCK_MONOTONIC,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(timed, realtime) {
	.clock = CLOCK_REALTIME,
	.flags = KIPC_SEM_REALTIME,
};

FIXTURE_SETUP(timed)
{
	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(timed)
{
	close(self->fd);
	close(self->dev);
}

TEST_F(timed, deadline_passes)
{
	/* t0 first: the deadline is at least 100 ms after it. */
	double t0 = now_on(variant->clock), dt;
	struct timespec ts = in_future(variant->clock, 100000000);

	EXPECT_EQ(-ETIMEDOUT, sem_p_until(self->fd, 1, variant->flags, &ts));
	dt = now_on(variant->clock) - t0;
	EXPECT_LE(0.1 - 0.001, dt);
	EXPECT_GT(10, dt);
	EXPECT_EQ(0, sem_nwaiters(self->fd));
}

TEST_F(timed, past_deadline)
{
	struct timespec ts = in_future(variant->clock, 0);

	ts.tv_sec -= 1;
	EXPECT_EQ(-ETIMEDOUT, sem_p_until(self->fd, 1, variant->flags, &ts));
	ts.tv_sec = 0;
	ts.tv_nsec = 0;
	EXPECT_EQ(-ETIMEDOUT, sem_p_until(self->fd, 1, variant->flags, &ts));
	/* Available now: the deadline does not matter. */
	ASSERT_EQ(0, sem_v(self->fd, 1, 0));
	EXPECT_EQ(0, sem_p_until(self->fd, 1, variant->flags, &ts));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(timed, granted_before_deadline)
{
	struct timespec ts = in_future(variant->clock, 20000000000LL);
	double t0 = now_mono();
	pid_t pid;

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		usleep(50000);
		_exit(-sem_v(self->fd, 1, 0));
	}
	EXPECT_EQ(0, sem_p_until(self->fd, 1, variant->flags, &ts));
	EXPECT_GT(15, now_mono() - t0);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, sem_value(self->fd));
}

/* The head timing out lets the smaller request behind it through. */
TEST_F(timed, head_times_out)
{
	struct timespec ts = in_future(variant->clock, 2000000000LL);
	pid_t a, b;

	ASSERT_EQ(0, sem_v(self->fd, 1, 0));
	a = spawn_p_until(self->fd, 2, &ts, variant->flags);
	ASSERT_EQ(0, wait_nwaiters(self->fd, 1));
	b = spawn_p(self->fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(self->fd, 2));
	EXPECT_EQ(ETIMEDOUT, reap(a));
	EXPECT_EQ(0, reap(b));
	EXPECT_EQ(0, sem_value(self->fd));
}

TEST_F(timed, bad_deadlines)
{
	int fd = self->fd;

	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_TIMED | variant->flags,
				      1, 1000000000));
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_TIMED | variant->flags,
				      1, -1));
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_TIMED | variant->flags,
				      -1, 0));
	/* Deadline fields without TIMED, REALTIME without TIMED. */
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_NONBLOCK, 1, 0));
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_NONBLOCK, 0, 1));
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_REALTIME, 0, 0));
	EXPECT_EQ(-EINVAL, sem_p_full(fd, 1, KIPC_SEM_TIMED |
				      KIPC_SEM_NONBLOCK, 0, 0));
	/* A deadline far away is fine: it is clamped. */
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, sem_p_full(fd, 1, KIPC_SEM_TIMED | variant->flags,
				INT64_MAX, 999999999));
}

/* ---- poll ----------------------------------------------------------------- */

TEST_F(sem, poll_hint)
{
	struct pollfd pfd;
	pid_t pid;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	pfd.fd = fd;
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(0, sem_p(fd, 1, 0));
	EXPECT_EQ(0, poll(&pfd, 1, 0));

	/* A post wakes a poller up. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (poll(&pfd, 1, 20000) != 1)
			_exit(20);
		_exit(pfd.revents == POLLIN ? 0 : 21);
	}
	EXPECT_TRUE(still_running(pid));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, reap(pid));

	/* A waiter leaving makes the units available again: a wake-up. */
	ASSERT_EQ(0, sem_p(fd, 1, 0));
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	pid = spawn_p(fd, 2, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(pid));
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLIN, pfd.revents);
	close(fd);
}

/* ---- /proc/kipc and KIPC_IOC_LIST ---------------------------------------- */

TEST_F(sem, proc_and_list)
{
	struct kipc_obj_info *info;
	char name[64], line[512], hdr[512];
	struct kipc_list list;
	struct kipc_open op;
	int fd, i, found = 0;
	pid_t pid;
	FILE *f;

	make_name(name, sizeof(name), "proc");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0640, 3, 9,
			   &op);
	ASSERT_LE(0, fd);
	pid = spawn_p(fd, 5, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));

	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(hdr, sizeof(hdr), f));
	EXPECT_EQ(0, strncmp(hdr, "type ", 5));
	EXPECT_NE(NULL, strstr(hdr, " id "));
	EXPECT_NE(NULL, strstr(hdr, " value "));
	EXPECT_NE(NULL, strstr(hdr, " waiters "));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id;
		unsigned int mode, uid, gid, cuid, cgid, value, max, waiters;
		long long ctime;
		char type[8], nm[300];

		/* Fixed columns: every line as long as the header's. */
		EXPECT_EQ(strlen(hdr) - strlen("name\n"),
			  strrchr(line, ' ') - line + 1);
		ASSERT_EQ(12, sscanf(line, "%7s %llu %o %u %u %u %u %lld %u %u %u %299s",
				     type, &id, &mode, &uid, &gid, &cuid,
				     &cgid, &ctime, &value, &max, &waiters,
				     nm));
		if (id != op.id)
			continue;
		found++;
		EXPECT_STREQ("sem", type);
		EXPECT_EQ(0640, mode);
		EXPECT_EQ(0, uid);
		EXPECT_EQ(0, cgid);
		EXPECT_EQ(3, value);
		EXPECT_EQ(9, max);
		EXPECT_EQ(1, waiters);
		EXPECT_STREQ(name, nm);
		EXPECT_LE(time(NULL) - 60, ctime);
	}
	fclose(f);
	EXPECT_EQ(1, found);

	info = calloc(4096, sizeof(*info));
	ASSERT_NE(NULL, info);
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(*info);
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_LE(1, list.count);
	EXPECT_EQ(0, list.filled);
	list.capacity = 4096;
	list.entries = (uintptr_t)info;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(list.count, list.filled);
	found = 0;
	for (i = 0; i < (int)list.filled; i++) {
		if (i)
			EXPECT_LT(info[i - 1].id, info[i].id);
		if (info[i].id != op.id)
			continue;
		found++;
		EXPECT_EQ(KIPC_OBJ_SEM, info[i].type);
		EXPECT_EQ(KIPC_OBJ_F_NAMED, info[i].flags);
		EXPECT_EQ(0640, info[i].mode);
		EXPECT_EQ(3, info[i].sem_value);
		EXPECT_EQ(9, info[i].sem_max);
		EXPECT_EQ(1, info[i].sem_nwaiters);
		EXPECT_STREQ(name, (char *)info[i].name);
		EXPECT_LT(0, info[i].bytes);
	}
	EXPECT_EQ(1, found);

	/* Capacity 1: one entry, the total count anyway. */
	list.capacity = 1;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(1, list.filled);
	EXPECT_LE(1, list.count);

	/* Unlinked: no name any more, in both. */
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	list.capacity = 4096;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	for (i = 0; i < (int)list.filled; i++)
		if (info[i].id == op.id) {
			EXPECT_EQ(0, info[i].flags);
			EXPECT_EQ(0, info[i].name[0]);
		}
	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		EXPECT_EQ(NULL, strstr(line, name));
	fclose(f);

	ASSERT_EQ(0, sem_v(fd, 2, 0));
	EXPECT_EQ(0, reap(pid));
	close(fd);
	/* Gone with its last handle. */
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	for (i = 0; i < (int)list.filled; i++)
		EXPECT_NE(op.id, info[i].id);
	free(info);
}

/* Many objects: /proc/kipc spans several reads, each object once. */
TEST_F(sem, proc_many)
{
	int fds[300], i, lines = 0, dup = 0;
	unsigned long long id, prev = 0;
	char line[512];
	FILE *f;

	for (i = 0; i < 300; i++) {
		fds[i] = anon_sem(self->dev, i);
		ASSERT_LE(0, fds[i]);
	}
	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	setvbuf(f, NULL, _IONBF, 0);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(1, sscanf(line, "%*s %llu", &id));
		if (id <= prev)
			dup++;
		prev = id;
		lines++;
	}
	fclose(f);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(count_objects(self->dev), lines);
	EXPECT_LE(300, lines);
	for (i = 0; i < 300; i++)
		close(fds[i]);
}

/* Handles are file descriptors: epoll and SCM_RIGHTS work on them. */
TEST_F(sem, epoll_and_fd_passing)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct epoll_event ev = { .events = EPOLLIN };
	struct msghdr msg;
	struct cmsghdr *cm;
	struct iovec iov;
	int fd, ep, sv[2];
	pid_t pid;
	char c = 'x';

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
		/* A kernel without sockets: a plain post wakes epoll. */
		ASSERT_TRUE(errno == EAFNOSUPPORT || errno == ENOSYS);
		ASSERT_EQ(0, sem_v(fd, 1, 0));
		EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 20000));
		EXPECT_EQ(EPOLLIN, ev.events);
		close(ep);
		close(fd);
		SKIP(return, "no AF_UNIX sockets: SCM_RIGHTS not tried");
	}

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int got;

		close(fd);
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = &c;
		iov.iov_len = 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if (recvmsg(sv[1], &msg, 0) != 1)
			_exit(40);
		cm = CMSG_FIRSTHDR(&msg);
		if (!cm || cm->cmsg_type != SCM_RIGHTS)
			_exit(41);
		memcpy(&got, CMSG_DATA(cm), sizeof(got));
		_exit(-sem_v(got, 2, 0));
	}
	close(sv[1]);
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = &c;
	iov.iov_len = 1;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = sizeof(cbuf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	ASSERT_EQ(1, sendmsg(sv[0], &msg, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 20000));
	EXPECT_EQ(EPOLLIN, ev.events);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(2, sem_value(fd));
	close(sv[0]);
	close(ep);
	close(fd);
}

TEST_F(sem, list_entry_sizes)
{
	struct kipc_list list;
	uint8_t *buf;
	int fd;

	fd = anon_sem(self->dev, 4);
	ASSERT_LE(0, fd);
	buf = malloc(2 * 512);
	ASSERT_NE(NULL, buf);
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entries = (uintptr_t)buf;
	list.capacity = 1;
	/* Below the first version's size (328 bytes), or not a multiple of 8. */
	list.entry_size = 328 - 8;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EINVAL, errno);
	list.entry_size = sizeof(struct kipc_obj_info) + 4;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EINVAL, errno);
	/* Between two versions: that much of each entry is written. */
	memset(buf, 0xA5, 2 * 512);
	list.entry_size = 336;
	list.capacity = 1;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	ASSERT_EQ(1, list.filled);
	EXPECT_NE(0, ((struct kipc_obj_info *)buf)->id);
	EXPECT_EQ(0xA5, buf[336]);
	/* A larger entry: the tail is zeroed. */
	memset(buf, 0xA5, 2 * 512);
	list.entry_size = 512;
	list.capacity = 2;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	ASSERT_LE(1, list.filled);
	for (size_t i = sizeof(struct kipc_obj_info); i < 512; i++)
		ASSERT_EQ(0, buf[i]);
	if (list.filled == 1)
		EXPECT_EQ(0xA5, buf[512]);
	/* A bad array. */
	list.entries = 16;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EFAULT, errno);
	free(buf);
	close(fd);
}

/* ---- The ioctl rules ------------------------------------------------------ */

/* A new semaphore for every call, the previous one closed. */
static int fresh_fd = -1;

static int fresh_sem(int dev)
{
	if (fresh_fd >= 0)
		close(fresh_fd);
	fresh_fd = sem_open_full(dev, NULL, RW, 0600, 100, 0, NULL);
	return fresh_fd;
}

static uint64_t make_named(int dev, const char *name)
{
	int fd = sem_open_full(dev, name, RW | KIPC_OPEN_CREATE, 0600, 0, 0,
			       NULL);

	if (fd >= 0)
		close(fd);
	return (uintptr_t)name;
}

TEST_F(sem, cmd_length)
{
	char name[64];
	int fd;

	make_name(name, sizeof(name), "len");
	fd = sem_open_full(self->dev, NULL, RW, 0600, 100, 0, NULL);
	ASSERT_LE(0, fd);

	TEST_LENGTH_FD(self->dev, kipc_open, KIPC_IOC_OPEN, __reserved,
		       (buf.cmd.flags = RW, buf.cmd.type = KIPC_OBJ_SEM));
	TEST_LENGTH_FD(self->dev, kipc_unlink, KIPC_IOC_UNLINK, name,
		       (buf.cmd.type = KIPC_OBJ_SEM,
			buf.cmd.name = make_named(self->dev, name)));
	TEST_LENGTH_FD(self->dev, kipc_list, KIPC_IOC_LIST, filled,
		       buf.cmd.entry_size = sizeof(struct kipc_obj_info));
	TEST_LENGTH_FD(fresh_sem(self->dev), kipc_destroy, KIPC_IOC_DESTROY,
		       flags, );
	TEST_LENGTH_FD(fd, kipc_sem_wait, KIPC_IOC_SEM_WAIT, tv_nsec,
		       buf.cmd.count = 1);
	TEST_LENGTH_FD(fd, kipc_sem_post, KIPC_IOC_SEM_POST, __reserved,
		       buf.cmd.count = 1);
	TEST_LENGTH_FD(fd, kipc_sem_stat, KIPC_IOC_SEM_STAT, undo, );
	EXPECT_EQ(100, sem_value(fd));
	unlink_sem(self->dev, name);
	close(fd);
}

/* Every unknown flag bit and every reserved field: EINVAL. */
TEST_F(sem, flags_and_reserved)
{
	struct kipc_sem_stat st;
	struct kipc_sem_wait w;
	struct kipc_sem_post p;
	struct kipc_destroy d;
	struct kipc_unlink u;
	struct kipc_list l;
	struct kipc_open o;
	char name[64];
	int fd, bit;

	make_name(name, sizeof(name), "flags");
	fd = anon_sem(self->dev, 100);
	ASSERT_LE(0, fd);
	for (bit = 0; bit < 32; bit++) {
		unsigned int f = 1U << bit;

		if (!(f & KIPC_OPEN_FLAGS)) {
			memset(&o, 0, sizeof(o));
			o.size = sizeof(o);
			o.flags = RW | f;
			o.type = KIPC_OBJ_SEM;
			EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
			EXPECT_EQ(EINVAL, errno);
		}
		if (!(f & KIPC_SEM_WAIT_FLAGS)) {
			memset(&w, 0, sizeof(w));
			w.size = sizeof(w);
			w.flags = f;
			w.count = 1;
			EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_WAIT, &w));
			EXPECT_EQ(EINVAL, errno);
		}
		if (!(f & KIPC_SEM_POST_FLAGS)) {
			memset(&p, 0, sizeof(p));
			p.size = sizeof(p);
			p.flags = f;
			p.count = 1;
			EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_POST, &p));
			EXPECT_EQ(EINVAL, errno);
		}
		memset(&u, 0, sizeof(u));
		u.size = sizeof(u);
		u.flags = f;
		u.type = KIPC_OBJ_SEM;
		u.name = make_named(self->dev, name);
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
		EXPECT_EQ(EINVAL, errno);
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.flags = f;
		l.entry_size = sizeof(struct kipc_obj_info);
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &l));
		EXPECT_EQ(EINVAL, errno);
		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.flags = f;
		EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_DESTROY, &d));
		EXPECT_EQ(EINVAL, errno);
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.flags = f;
		EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
		EXPECT_EQ(EINVAL, errno);
	}

	/* Reserved fields. */
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = RW;
	o.type = KIPC_OBJ_SEM;
	o.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.__reserved = 0;
	o.type = 0;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.type = 77;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.type = KIPC_OBJ_SEM;
	u.name = make_named(self->dev, name);
	u.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
	EXPECT_EQ(EINVAL, errno);
	u.__reserved = 0;
	u.type = 77;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
	EXPECT_EQ(EINVAL, errno);
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.count = 1;
	w.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.count = 1;
	p.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(EINVAL, errno);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(EINVAL, errno);

	/* Nothing was taken, posted or destroyed on the way. */
	EXPECT_EQ(100, sem_value(fd));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

TEST_F(sem, bad_pointers)
{
	static const unsigned long dev_cmds[] = {
		KIPC_IOC_OPEN, KIPC_IOC_UNLINK, KIPC_IOC_LIST,
	};
	static const unsigned long sem_cmds[] = {
		KIPC_IOC_DESTROY, KIPC_IOC_SEM_WAIT, KIPC_IOC_SEM_POST,
		KIPC_IOC_SEM_STAT,
	};
	struct kipc_sem_stat st;
	unsigned int i;
	pid_t pid;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(dev_cmds) / sizeof(dev_cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->dev, dev_cmds[i], NULL));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, ioctl(self->dev, dev_cmds[i], (void *)16));
		EXPECT_EQ(EFAULT, errno);
	}
	for (i = 0; i < sizeof(sem_cmds) / sizeof(sem_cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(fd, sem_cmds[i], NULL));
		EXPECT_EQ(EFAULT, errno);
	}
	/* The waiter array of SEM_STAT. */
	pid = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.capacity = 4;
	st.waiters = 16;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, reap(pid));
	/* A read-only struct: read, but not written back. */
	{
		long page = sysconf(_SC_PAGESIZE);
		struct kipc_open *op;
		char *map;

		map = mmap(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, map);
		op = (struct kipc_open *)map;
		op->size = sizeof(*op);
		op->flags = RW;
		op->type = KIPC_OBJ_SEM;
		ASSERT_EQ(0, mprotect(map, page, PROT_READ));
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, op));
		EXPECT_EQ(EFAULT, errno);
		munmap(map, page);
	}
	close(fd);
}

/* An ioctl of another object type, or of the device: ENOTTY. */
TEST_F(sem, wrong_object)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct kipc_sem_post p = { .size = sizeof(p), .count = 1 };
	struct kipc_destroy d = { .size = sizeof(d) };
	struct kipc_list l = {
		.size = sizeof(l),
		.entry_size = sizeof(struct kipc_obj_info),
	};
	struct kipc_open o = {
		.size = sizeof(o),
		.flags = RW,
		.type = KIPC_OBJ_SEM,
	};
	char c;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_DESTROY, &d));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_LIST, &l));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, FIONREAD, &c));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, sem_value(fd));
	close(fd);
}

/* ---- liblkipc ---------------------------------------------------------------- */

TEST(library)
{
	struct kipc_sem_waiter w[2];
	struct kipc_obj_info info[2];
	struct timespec ts;
	struct kipc_sem_stat st;
	struct lkipc k;
	char name[64];
	int fd, fd2;

	make_name(name, sizeof(name), "lib");
	ASSERT_EQ(0, lkipc_open(&k, 0));
	fd = lkipc_sem_open(&k, name, KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, 0600,
			    2);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-EEXIST, lkipc_sem_open(&k, name, KIPC_OPEN_CREATE |
					  KIPC_OPEN_EXCL, 0600, 2));
	fd2 = lkipc_sem_open(&k, name, 0, 0, 0);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(2, lkipc_sem_value(fd2));
	errno = 1234;
	EXPECT_EQ(0, lkipc_sem_wait(fd, 2, 0, NULL));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(fd, 1, 0));
	EXPECT_EQ(1234, errno);		/* untouched */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(fd, 1, 0, &ts));
	clock_gettime(CLOCK_REALTIME, &ts);
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(fd, 1, KIPC_SEM_REALTIME, &ts));
	EXPECT_EQ(0, lkipc_sem_post(fd, 1, 0));
	EXPECT_EQ(0, lkipc_sem_trywait(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_stat(fd, &st, w, 2));
	EXPECT_EQ(1, st.undo);
	EXPECT_EQ(0, st.value);
	EXPECT_EQ(0, st.nwaiters);
	EXPECT_EQ(0, lkipc_sem_post(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_trywait(fd, 1, KIPC_SEM_NONBLOCK << 8));
	EXPECT_LE(1, lkipc_list(&k, info, 2));
	EXPECT_LE(1, lkipc_list(&k, NULL, 0));
	EXPECT_EQ(-EINVAL, lkipc_list(&k, NULL, 2));
	EXPECT_EQ(0, lkipc_sem_unlink(&k, name));
	EXPECT_EQ(-ENOENT, lkipc_sem_unlink(&k, name));
	EXPECT_EQ(0, lkipc_sem_destroy(fd));
	EXPECT_EQ(-EIDRM, lkipc_sem_value(fd2));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(fd2, 1, 0));
	close(fd);
	close(fd2);

	fd = lkipc_sem_open(&k, NULL, KIPC_OPEN_INHERIT, 0600, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, lkipc_destroy(fd));
	close(fd);
	EXPECT_EQ(-EBADF, lkipc_sem_post(fd, 1, 0));
	lkipc_close(&k);
}

TEST_HARNESS_MAIN
