// SPDX-License-Identifier: GPL-2.0
/*
 * Strong semaphores: FIFO service, no barging, units conserved under signal
 * storms, timeouts and deaths, undo, destroy, poll and epoll, and the
 * library's calls.  The registry (names, permissions, limits, /proc/kipc,
 * KIPC_IOC_LIST) is tested in registry_test.c, the ioctl rules in
 * abi_test.c.
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

/* ---- liblkipc ---------------------------------------------------------------- */

TEST(library)
{
	struct kipc_sem_waiter w[2];
	struct kipc_obj_info info[2];
	struct lkipc_sem s, s2, s3;
	struct timespec ts;
	struct kipc_sem_stat st;
	struct lkipc k;
	char name[64];

	make_name(name, sizeof(name), "lib");
	ASSERT_EQ(0, lkipc_open(&k, 0));
	ASSERT_EQ(0, lkipc_sem_open(&k, &s, name, KIPC_OPEN_CREATE |
				    KIPC_OPEN_EXCL, 0600, 2));
	ASSERT_LE(0, s.fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(-EEXIST, lkipc_sem_open(&k, &s3, name, KIPC_OPEN_CREATE |
					  KIPC_OPEN_EXCL, 0600, 2));
	ASSERT_EQ(0, lkipc_sem_open(&k, &s2, name, 0, 0, 0));
	ASSERT_LE(0, s2.fd);
	EXPECT_EQ(2, lkipc_sem_value(&s2));
	errno = 1234;
	EXPECT_EQ(0, lkipc_sem_wait(&s, 2, 0, NULL));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&s, 1, 0));
	EXPECT_EQ(1234, errno);		/* untouched */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(&s, 1, 0, &ts));
	clock_gettime(CLOCK_REALTIME, &ts);
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(&s, 1, KIPC_SEM_REALTIME, &ts));
	EXPECT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_EQ(0, lkipc_sem_trywait(&s, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_stat(&s, &st, w, 2));
	EXPECT_EQ(1, st.undo);
	EXPECT_EQ(0, st.value);
	EXPECT_EQ(0, st.nwaiters);
	EXPECT_EQ(0, lkipc_sem_post(&s, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_trywait(&s, 1, KIPC_SEM_NONBLOCK << 8));
	EXPECT_LE(1, lkipc_list(&k, info, 2));
	EXPECT_LE(1, lkipc_list(&k, NULL, 0));
	EXPECT_EQ(-EINVAL, lkipc_list(&k, NULL, 2));
	EXPECT_EQ(0, lkipc_sem_unlink(&k, name));
	EXPECT_EQ(-ENOENT, lkipc_sem_unlink(&k, name));
	EXPECT_EQ(0, lkipc_sem_destroy(&s));
	EXPECT_EQ(-EIDRM, lkipc_sem_value(&s2));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(&s2, 1, 0));
	EXPECT_EQ(0, lkipc_sem_close(&s));
	EXPECT_EQ(0, lkipc_sem_close(&s2));

	ASSERT_EQ(0, lkipc_sem_open(&k, &s, NULL, KIPC_OPEN_INHERIT, 0600, 0));
	ASSERT_LE(0, s.fd);
	EXPECT_EQ(0, fcntl(s.fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, lkipc_sem_destroy(&s));
	EXPECT_EQ(0, lkipc_sem_close(&s));
	EXPECT_EQ(-1, s.fd);
	EXPECT_EQ(-EBADF, lkipc_sem_post(&s, 1, 0));
	lkipc_close(&k);
}

TEST_HARNESS_MAIN
