// SPDX-License-Identifier: GPL-2.0
/*
 * liblkipc-posix: SysV semaphore sets on kipc, as a program linked with
 * -llkipc-posix sees them (Documentation/compat.md).  Keys and ids, every
 * semctl command, semop's atomicity over a mix of decrements, increments
 * and waits for zero, SEM_UNDO per process across fork, EIDRM, EINTR,
 * strong FIFO order, and a differential test against the kernel's own
 * SysV semaphores (raw system calls) in the same boot.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/prctl.h>
#include <sys/sem.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"
#include "kipc_posix_test.h"

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

/* A key of this test process: no clash between parallel runs. */
static key_t tkey(int n)
{
	return (key_t)(0x5e000000 | ((getpid() & 0xffff) << 8) | n);
}

static int getval(int id, int n)
{
	return semctl(id, n, GETVAL);
}

static int setval(int id, int n, int v)
{
	union semun a = { .val = v };

	return semctl(id, n, SETVAL, a);
}

static int op1(int id, unsigned short n, short op, short flg)
{
	struct sembuf b = { .sem_num = n, .sem_op = op, .sem_flg = flg };

	return semop(id, &b, 1);
}

static int rmid(int id)
{
	return semctl(id, 0, IPC_RMID);
}


TEST(keys_and_ids)
{
	char name[64];
	int a, b, id, id2;

	a = semget(IPC_PRIVATE, 2, 0600);
	b = semget(IPC_PRIVATE, 2, 0600);
	ASSERT_LT(0, a);
	ASSERT_LT(0, b);
	EXPECT_NE(a, b);
	snprintf(name, sizeof(name), "sysv.sem.%d.1", a);
	EXPECT_EQ(1, kipc_has(name));

	errno = 0;
	EXPECT_EQ(-1, semget(tkey(1), 3, 0600));
	EXPECT_EQ(ENOENT, errno);
	id = semget(tkey(1), 3, IPC_CREAT | 0600);
	ASSERT_LT(0, id);
	snprintf(name, sizeof(name), "sysv.sem.k%08x", (unsigned int)tkey(1));
	EXPECT_EQ(1, kipc_has(name));
	EXPECT_EQ(id, semget(tkey(1), 3, 0600));
	EXPECT_EQ(id, semget(tkey(1), 0, 0));
	EXPECT_EQ(id, semget(tkey(1), 2, IPC_CREAT | 0600));
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(1), 4, 0600));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(1), 3, IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(2), -1, IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(2), 32001, IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(2), 0, IPC_CREAT | 0600));
	EXPECT_EQ(EINVAL, errno);

	/* Removed: the key is free, the old id is gone. */
	EXPECT_EQ(0, rmid(id));
	EXPECT_EQ(0, kipc_has(name));
	errno = 0;
	EXPECT_EQ(-1, getval(id, 0));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, semget(tkey(1), 3, 0600));
	EXPECT_EQ(ENOENT, errno);
	id2 = semget(tkey(1), 3, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LT(0, id2);
	EXPECT_NE(id, id2);
	EXPECT_EQ(0, rmid(id2));
	EXPECT_EQ(0, rmid(a));
	EXPECT_EQ(0, rmid(b));
	errno = 0;
	EXPECT_EQ(-1, rmid(b));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, getval(-5, 0));
	EXPECT_EQ(EINVAL, errno);
}

TEST(values_and_errors)
{
	unsigned short all[5] = { 1, 2, 3, 4, 5 }, got[5];
	struct sembuf ops[65];
	union semun a;
	int id = semget(IPC_PRIVATE, 5, 0600);

	ASSERT_LT(0, id);
	a.array = all;
	EXPECT_EQ(0, semctl(id, 0, SETALL, a));
	a.array = got;
	EXPECT_EQ(0, semctl(id, 0, GETALL, a));
	EXPECT_EQ(0, memcmp(all, got, sizeof(all)));
	EXPECT_EQ(0, setval(id, 2, 32767));
	EXPECT_EQ(32767, getval(id, 2));
	errno = 0;
	EXPECT_EQ(-1, setval(id, 2, 32768));
	EXPECT_EQ(ERANGE, errno);
	errno = 0;
	EXPECT_EQ(-1, setval(id, 2, -1));
	EXPECT_EQ(ERANGE, errno);
	errno = 0;
	EXPECT_EQ(-1, setval(id, 5, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, op1(id, 2, 1, 0));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(32767, getval(id, 2));
	errno = 0;
	EXPECT_EQ(-1, op1(id, 5, -1, 0));
	EXPECT_EQ(EFBIG, errno);
	errno = 0;
	EXPECT_EQ(-1, semop(id, ops, 0));
	EXPECT_EQ(EINVAL, errno);
	memset(ops, 0, sizeof(ops));
	for (int i = 0; i < 65; i++)
		ops[i].sem_op = 1;
	errno = 0;
	EXPECT_EQ(-1, semop(id, ops, 65));
	EXPECT_EQ(E2BIG, errno);
	errno = 0;
	EXPECT_EQ(-1, semctl(id, 0, 12345));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, rmid(id));
}

/* The whole array or nothing; in order, the same semaphore twice. */
TEST(semop_atomic_and_sequential)
{
	struct sembuf two[2] = {
		{ .sem_num = 0, .sem_op = -1, .sem_flg = IPC_NOWAIT },
		{ .sem_num = 1, .sem_op = -1, .sem_flg = IPC_NOWAIT },
	};
	struct sembuf seq[2] = {
		{ .sem_num = 2, .sem_op = 1 },
		{ .sem_num = 2, .sem_op = -1 },
	};
	struct sembuf mix[3] = {
		{ .sem_num = 0, .sem_op = -1 },
		{ .sem_num = 1, .sem_op = 3 },
		{ .sem_num = 2, .sem_op = 0 },
	};
	struct sembuf bad[2] = {
		{ .sem_num = 0, .sem_op = -1 },
		{ .sem_num = 1, .sem_op = 32767 },
	};
	int id = semget(IPC_PRIVATE, 3, 0600);

	ASSERT_LT(0, id);
	EXPECT_EQ(0, setval(id, 0, 1));
	errno = 0;
	EXPECT_EQ(-1, semop(id, two, 2));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, getval(id, 0));
	/* +1 then -1 on a semaphore at 0: fine, in this order. */
	EXPECT_EQ(0, semop(id, seq, 2));
	EXPECT_EQ(0, getval(id, 2));
	/* Take, add and wait for zero in one step. */
	EXPECT_EQ(0, semop(id, mix, 3));
	EXPECT_EQ(0, getval(id, 0));
	EXPECT_EQ(3, getval(id, 1));
	/* ERANGE after a take: nothing changes. */
	EXPECT_EQ(0, setval(id, 0, 1));
	errno = 0;
	EXPECT_EQ(-1, semop(id, bad, 2));
	EXPECT_EQ(ERANGE, errno);
	EXPECT_EQ(1, getval(id, 0));
	EXPECT_EQ(3, getval(id, 1));
	EXPECT_EQ(getpid(), semctl(id, 1, GETPID));
	EXPECT_EQ(0, rmid(id));
}

/* A wait for zero blocks no decrement, and wakes when the value is 0. */
TEST(wait_for_zero)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t pid;

	ASSERT_LT(0, id);
	EXPECT_EQ(0, setval(id, 0, 2));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(op1(id, 0, 0, 0) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR(semctl(id, 0, GETZCNT), 1));
	EXPECT_EQ(0, semctl(id, 0, GETNCNT));
	/* Decrements pass the waiting zero. */
	EXPECT_EQ(0, op1(id, 0, -1, IPC_NOWAIT));
	EXPECT_TRUE(still_running(pid));
	EXPECT_EQ(0, op1(id, 0, -1, IPC_NOWAIT));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, semctl(id, 0, GETZCNT));
	/* At 0 a wait for zero returns at once. */
	EXPECT_EQ(0, op1(id, 0, 0, IPC_NOWAIT));
	EXPECT_EQ(0, setval(id, 0, 1));
	errno = 0;
	EXPECT_EQ(-1, op1(id, 0, 0, IPC_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	/* SETVAL to 0 wakes it too. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(op1(id, 0, 0, 0) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR(semctl(id, 0, GETZCNT), 1));
	EXPECT_EQ(0, setval(id, 0, 0));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, rmid(id));
}

/* Decrements are served in arrival order: strong FIFO, unlike Linux. */
TEST(fifo_decrements)
{
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t big, small;

	ASSERT_LT(0, id);
	big = fork_child();
	ASSERT_LE(0, big);
	if (big == 0)
		_exit(op1(id, 0, -2, 0) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR(semctl(id, 0, GETNCNT), 1));
	small = fork_child();
	ASSERT_LE(0, small);
	if (small == 0)
		_exit(op1(id, 0, -1, 0) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR(semctl(id, 0, GETNCNT), 2));
	/* One unit: the later, smaller request may not take it. */
	EXPECT_EQ(0, op1(id, 0, 1, 0));
	EXPECT_TRUE(still_running(small));
	EXPECT_EQ(1, getval(id, 0));
	EXPECT_EQ(0, op1(id, 0, 2, 0));
	EXPECT_EQ(0, reap(big));
	EXPECT_EQ(0, reap(small));
	EXPECT_EQ(0, getval(id, 0));
	EXPECT_EQ(0, rmid(id));
}

/* SEM_UNDO is per process: a child's is undone when it exits. */
TEST(undo_per_process)
{
	int id = semget(IPC_PRIVATE, 2, 0600);
	pid_t pid;

	ASSERT_LT(0, id);
	EXPECT_EQ(0, setval(id, 0, 3));
	EXPECT_EQ(0, op1(id, 0, -1, SEM_UNDO));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The id works without semget. */
		if (op1(id, 0, -2, SEM_UNDO) || getval(id, 0) != 0)
			_exit(1);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(2, getval(id, 0));
	/* Undone with an increment: nothing left to undo. */
	EXPECT_EQ(0, op1(id, 0, 1, SEM_UNDO));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(op1(id, 1, 1, SEM_UNDO) == -1 && errno == EINVAL ? 0 : 1);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(3, getval(id, 0));
	EXPECT_EQ(0, rmid(id));
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST(timeouts_eintr_eidrm)
{
	struct timespec ts = { .tv_nsec = 100000000 };
	struct sembuf b = { .sem_num = 0, .sem_op = -1 };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	double t0;
	int id = semget(IPC_PRIVATE, 1, 0600);
	pid_t pid;

	ASSERT_LT(0, id);
	t0 = now_mono();
	errno = 0;
	EXPECT_EQ(-1, semtimedop(id, &b, 1, &ts));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LE(0.09, now_mono() - t0);
	ts.tv_nsec = 1000000000L;
	errno = 0;
	EXPECT_EQ(-1, semtimedop(id, &b, 1, &ts));
	EXPECT_EQ(EINVAL, errno);
	/* EINTR even with SA_RESTART (signal(7)). */
	sigemptyset(&sa.sa_mask);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, NULL));
	ualarm(100000, 0);
	errno = 0;
	EXPECT_EQ(-1, semop(id, &b, 1));
	EXPECT_EQ(EINTR, errno);
	signal(SIGALRM, SIG_DFL);
	/* A waiter sees EIDRM when the set is removed. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(semop(id, &b, 1) == -1 && errno == EIDRM ? 0 : 1);
	ASSERT_EQ(0, WAIT_FOR(semctl(id, 0, GETNCNT), 1));
	EXPECT_EQ(0, rmid(id));
	EXPECT_EQ(0, reap(pid));
	errno = 0;
	EXPECT_EQ(-1, semop(id, &b, 1));
	EXPECT_TRUE(errno == EIDRM || errno == EINVAL);
}

TEST(stat_set_info)
{
	struct semid_ds ds;
	struct seminfo si;
	union semun a = { .buf = &ds };
	int id = semget(tkey(7), 4, IPC_CREAT | IPC_EXCL | 0640);
	int maxidx, found = 0;

	ASSERT_LT(0, id);
	memset(&ds, 0, sizeof(ds));
	EXPECT_EQ(0, semctl(id, 0, IPC_STAT, a));
	EXPECT_EQ(4, ds.sem_nsems);
	EXPECT_EQ(tkey(7), ds.sem_perm.__key);
	EXPECT_EQ(0640, ds.sem_perm.mode & 0777);
	EXPECT_EQ(geteuid(), ds.sem_perm.uid);
	EXPECT_EQ(geteuid(), ds.sem_perm.cuid);
	EXPECT_EQ(0, ds.sem_otime);
	EXPECT_LT(0, ds.sem_ctime);
	EXPECT_EQ(0, op1(id, 3, 1, 0));
	EXPECT_EQ(0, semctl(id, 0, IPC_STAT, a));
	EXPECT_LT(0, ds.sem_otime);
	/* IPC_SET: what kipc keeps is accepted, a new mode is not. */
	EXPECT_EQ(0, semctl(id, 0, IPC_SET, a));
	ds.sem_perm.mode = 0600;
	errno = 0;
	EXPECT_EQ(-1, semctl(id, 0, IPC_SET, a));
	EXPECT_EQ(EOPNOTSUPP, errno);

	a.__buf = &si;
	maxidx = semctl(0, 0, IPC_INFO, a);
	EXPECT_LE(0, maxidx);
	EXPECT_EQ(32767, si.semvmx);
	EXPECT_EQ(64, si.semopm);
	maxidx = semctl(0, 0, SEM_INFO, a);
	EXPECT_LE(1, si.semusz);
	EXPECT_LE(4, si.semaem);
	a.buf = &ds;
	for (int i = 0; i <= maxidx; i++)
		if (semctl(i, 0, SEM_STAT, a) == id && ds.sem_nsems == 4)
			found = 1;
	EXPECT_EQ(1, found);
	errno = 0;
	EXPECT_EQ(-1, semctl(maxidx + 1, 0, SEM_STAT, a));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, rmid(id));
}

/* ------------------------------------------------------------------ */
/* The kernel's own SysV semaphores, by raw system calls, side by side */

static uint64_t rng;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* i386 has no semop system call, only semtimedop_time64. */
static long ksemop(int id, struct sembuf *b, size_t n)
{
#ifdef SYS_semop
	return syscall(SYS_semop, id, b, n);
#else
	return syscall(SYS_semtimedop_time64, id, b, n, NULL);
#endif
}

static long ksemctl(int id, int n, int cmd, unsigned long arg)
{
	return syscall(SYS_semctl, id, n, cmd, arg);
}

#define DIFF_SEMS 4
/*
 * 8 seeds of 200 operations (1,600) fit well in the harness's 30 s on
 * the debug kernel on a busy host; SYSV_SEM_TEST_SEEDS=N runs more.
 */
#define DIFF_SEEDS 8
#define DIFF_OPS 200

/* 0 if the library and the kernel agreed on every result and value. */
static int differential(uint64_t seed, int nops, char *why, size_t len)
{
	int kid = (int)syscall(SYS_semget, IPC_PRIVATE, DIFF_SEMS, 0600);
	int lid = semget(IPC_PRIVATE, DIFF_SEMS, 0600);
	int bad = 0;

	rng = seed * 2654435761ULL + 1;
	if (kid < 0 || lid < 0) {
		snprintf(why, len, "semget: %d %d", kid, lid);
		return 1;
	}
	for (int i = 0; i < nops && !bad; i++) {
		struct sembuf b[6];
		size_t n = 1 + rnd(5);
		long kr, lr;
		int ke, le;

		for (size_t j = 0; j < n; j++) {
			b[j].sem_num = (unsigned short)rnd(DIFF_SEMS + (rnd(40) == 0));
			b[j].sem_op = (short)((int)rnd(7) - 3);
			if (rnd(50) == 0)
				b[j].sem_op = 32767;
			b[j].sem_flg = IPC_NOWAIT;
		}
		if (rnd(10) == 0) {
			int v = (int)rnd(5), s = (int)rnd(DIFF_SEMS);

			kr = ksemctl(kid, s, SETVAL, (unsigned long)v);
			ke = errno;
			lr = setval(lid, s, v);
			le = errno;
		} else {
			errno = 0;
			kr = ksemop(kid, b, n);
			ke = errno;
			errno = 0;
			lr = semop(lid, b, n);
			le = errno;
		}
		if (kr != lr || (kr && ke != le)) {
			snprintf(why, len, "seed %llu op %d: kernel %ld/%d, kipc %ld/%d",
				 (unsigned long long)seed, i, kr, ke, lr, le);
			bad = 1;
		}
		for (int s = 0; s < DIFF_SEMS && !bad; s++) {
			long kv = ksemctl(kid, s, GETVAL, 0);
			int lv = getval(lid, s);

			if (kv != lv) {
				snprintf(why, len, "seed %llu op %d: sem %d kernel %ld kipc %d",
					 (unsigned long long)seed, i, s, kv, lv);
				bad = 1;
			}
		}
	}
	ksemctl(kid, 0, IPC_RMID, 0);
	rmid(lid);
	return bad;
}

TEST(differential_kernel_sysv)
{
	char why[200] = "";
	int s, bad = 0, seeds = DIFF_SEEDS;
	const char *nenv = getenv("SYSV_SEM_TEST_SEEDS");

	if (nenv)
		seeds = atoi(nenv);
	for (s = 0; s < seeds && !bad; s++)
		bad = differential((uint64_t)s + 1, DIFF_OPS, why, sizeof(why));
	if (bad)
		TH_LOG("%s", why);
	EXPECT_EQ(0, bad);
	TH_LOG("%d seeds x %d operations compared", s, DIFF_OPS);
}

TEST_HARNESS_MAIN
