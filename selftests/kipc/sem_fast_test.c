// SPDX-License-Identifier: GPL-2.0
/*
 * The semaphore fast path (Documentation/ring.md section 8): liblkipc's P
 * and V through the mapped page.  No system call when uncontended, strong
 * FIFO kept against fast P, the fast and the ioctl path on one semaphore,
 * kill -9 at any point, a hostile writer, poll, destroy, the errors of the
 * API unchanged, and the mmap rules.
 *
 * Forked helpers never use the harness's macros: they report through their
 * exit status (0, or a code) and shared memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"


/* ---- Helpers ---------------------------------------------------------- */

/* reap(), but a child still running after "secs" is killed: -1. */
static int reap_within(pid_t pid, double secs)
{
	double end = now_mono() + secs;
	int status;

	while (now_mono() < end) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			return WIFSIGNALED(status) ? 1000 + WTERMSIG(status) :
						     WEXITSTATUS(status);
		if (r < 0)
			return -1;
		usleep(2000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* A named semaphore of this value and max, created through the ioctl. */
static int create_sem(struct lkipc *k, const char *name, unsigned int value,
		      unsigned int max)
{
	struct kipc_open op;
	int fd;

	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.flags = RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL;
	op.type = KIPC_OBJ_SEM;
	op.mode = 0600;
	op.name = (uintptr_t)name;
	op.sem_value = value;
	op.sem_max = max;
	fd = ioctl(k->fd, KIPC_IOC_OPEN, &op);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* The test's own view of a handle's page: NULL if mmap failed. */
static struct kipc_sem_page *map_page(int fd, int prot)
{
	void *p = mmap(NULL, sysconf(_SC_PAGESIZE), prot, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

static uint64_t word(struct kipc_sem_page *pg)
{
	return __atomic_load_n(&pg->state, __ATOMIC_SEQ_CST);
}

static void set_word(struct kipc_sem_page *pg, uint64_t s)
{
	__atomic_store_n(&pg->state, s, __ATOMIC_SEQ_CST);
}

/* Semaphore pages mapped in this process (liblkipc's and the test's). */
static int sem_maps(const char *perms)
{
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[kipc-sem]") &&
		    (!perms || strstr(line, perms)))
			n++;
	fclose(f);
	return n;
}

static long long stat_field(struct lkipc_sem *sem, int waiters)
{
	struct kipc_sem_stat st;
	int ret = lkipc_sem_stat(sem, &st, NULL, 0);

	if (ret)
		return ret;
	return waiters ? st.nwaiters : st.value;
}

/*
 * From here on every system call but exit and exit_group fails with ENOSYS
 * (a seccomp filter): what still works makes no system call.  A kernel
 * without seccomp filters (they need CONFIG_NET, which the debug kernel
 * lacks) gets strict mode instead: every system call but read, write,
 * exit and sigreturn kills the process.  Returns 0 (filter), 1 (strict)
 * or -errno; leave with exit_forbidden().
 */
static int forbid_syscalls(void)
{
	struct sock_filter filter[] = {
#ifdef __x86_64__
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (!syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return 0;
	if (errno != EINVAL)
		return -errno;
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL))
		return -errno;
	return 1;
}

/* Exit under forbid_syscalls(): exit(2), not _exit()'s exit_group(2). */
static void __attribute__((noreturn)) exit_forbidden(int status)
{
	for (;;)
		syscall(__NR_exit, status);
}

/* Where a checked sequence in a child went wrong. */
struct report {
	int step;
	int ret;
	int iter;
	int strict;		/* forbid_syscalls() fell back to strict mode */
};

#define CHECK(_r, _step, _iter, _call, _want)                                  \
	do {                                                                   \
		int _ret = (_call);                                            \
		if (_ret != (_want)) {                                         \
			(_r)->step = (_step);                                  \
			(_r)->ret = _ret;                                      \
			(_r)->iter = (_iter);                                  \
			return 1;                                              \
		}                                                              \
	} while (0)

FIXTURE(fast) {
	struct lkipc k;
	long page;
};

FIXTURE_SETUP(fast)
{
	struct kipc_info info;

	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	ASSERT_EQ(0, lkipc_get_info(&self->k, &info));
	ASSERT_TRUE(info.features & KIPC_FEAT_SEM_FAST);
	self->page = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(fast)
{
	lkipc_close(&self->k);
}

/* ---- No system call when uncontended ------------------------------------ */

#define ZS_PAIRS 10000

/* Everything here must work without one system call. */
static int uncontended_phase(struct lkipc_sem *sem, struct report *r)
{
	struct timespec far = { .tv_sec = INT_MAX };
	int i;

	for (i = 0; i < ZS_PAIRS; i++) {
		CHECK(r, 1, i, lkipc_sem_post(sem, 1, 0), 0);
		CHECK(r, 2, i, lkipc_sem_wait(sem, 1, 0, NULL), 0);
		CHECK(r, 3, i, lkipc_sem_trywait(sem, 1, 0), -EAGAIN);
	}
	CHECK(r, 4, i, lkipc_sem_post(sem, 3, 0), 0);
	CHECK(r, 5, i, lkipc_sem_value(sem), 3);
	CHECK(r, 6, i, lkipc_sem_wait(sem, 2, 0, &far), 0);
	CHECK(r, 7, i, lkipc_sem_wait(sem, 1, KIPC_SEM_REALTIME, &far), 0);
	CHECK(r, 8, i, lkipc_sem_wait(sem, 1, KIPC_SEM_NONBLOCK, NULL),
	      -EAGAIN);
	CHECK(r, 9, i, lkipc_sem_value(sem), 0);
	return 0;
}

/* A child: warm up on sem, forbid system calls, run the phase. */
static void zero_syscall_child(struct lkipc_sem *sem, struct report *r)
{
	int ret;

	/* Warm-up: the page is touched. */
	if (lkipc_sem_post(sem, 1, 0) || lkipc_sem_wait(sem, 1, 0, NULL))
		_exit(2);
	ret = forbid_syscalls();
	if (ret < 0)
		_exit(3);
	r->strict = ret;
	exit_forbidden(uncontended_phase(sem, r));
}

TEST_F_TIMEOUT(fast, zero_syscalls, 120)
{
	struct report *r = shared_map(2 * sizeof(*r));
	struct lkipc_sem sem, nomap;
	pid_t pid;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &nomap, NULL, LKIPC_OPEN_NOMAP,
				    0600, 0));

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		zero_syscall_child(&sem, &r[0]);
	EXPECT_EQ(0, reap(pid)) {
		TH_LOG("step %d, pair %d: %d (%s)", r[0].step, r[0].iter,
		       r[0].ret, lkipc_strerror(r[0].ret));
	}
	EXPECT_EQ(0, lkipc_sem_value(&sem));
	if (r[0].strict)
		TH_LOG("no seccomp filters: strict mode (a system call kills)");

	/*
	 * The control: through the ioctl, the very first post fails with
	 * ENOSYS (or, in strict mode, kills the child).
	 */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		zero_syscall_child(&nomap, &r[1]);
	if (r[0].strict) {
		EXPECT_EQ(1000 + SIGKILL, reap(pid));
	} else {
		EXPECT_EQ(1, reap(pid));
		EXPECT_EQ(1, r[1].step);
		EXPECT_EQ(0, r[1].iter);
		EXPECT_EQ(-ENOSYS, r[1].ret);
	}
	lkipc_sem_close(&nomap);
	lkipc_sem_close(&sem);
}

/* ---- Strong FIFO is kept against the fast path ---------------------------- */

#define FIFO_N 6

struct fifo_shared {
	int next;
	int order[FIFO_N];
	int stop;
	long barged, tries;
};

/*
 * Waiters queue in the kernel in a known order, the first asking for 2.
 * A unit posted then sits in the value (the head does not fit), and a
 * barger hammering fast trywait must not get it, nor any unit the posts
 * after it hand to the waiters one by one, in arrival order.
 */
TEST_F_TIMEOUT(fast, strong_fifo, 120)
{
	struct lkipc_sem sem;
	struct fifo_shared *sh = shared_map(sizeof(*sh));
	struct kipc_sem_page *pg;
	pid_t pid[FIFO_N], barger;
	int fd, i;

	ASSERT_NE(NULL, sh);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	pg = map_page(fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	for (i = 0; i < FIFO_N; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			int ret = lkipc_sem_wait(&sem, i ? 1 : 2, 0, NULL);

			if (ret)
				_exit(-ret);
			sh->order[i] = __atomic_fetch_add(&sh->next, 1,
							  __ATOMIC_SEQ_CST);
			_exit(0);
		}
		ASSERT_EQ(0, wait_nwaiters(fd, i + 1));
	}
	EXPECT_EQ(KIPC_SEM_SLOW, word(pg));

	/* One unit, the head wants two: it waits in the value. */
	ASSERT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(1, stat_field(&sem, 0));
	EXPECT_EQ(KIPC_SEM_SLOW | 1, word(pg));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sem, 1, 0));

	barger = fork_child();
	ASSERT_LE(0, barger);
	if (barger == 0) {
		while (!__atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST)) {
			if (lkipc_sem_trywait(&sem, 1, 0) == 0)
				__atomic_fetch_add(&sh->barged, 1,
						   __ATOMIC_SEQ_CST);
			__atomic_fetch_add(&sh->tries, 1, __ATOMIC_SEQ_CST);
			sched_yield();
		}
		_exit(0);
	}

	usleep(200000);
	EXPECT_EQ(0, __atomic_load_n(&sh->barged, __ATOMIC_SEQ_CST));
	EXPECT_EQ(1, stat_field(&sem, 0));
	EXPECT_EQ(FIFO_N, stat_field(&sem, 1));

	for (i = 0; i < FIFO_N; i++) {
		ASSERT_EQ(0, lkipc_sem_post(&sem, 1, 0));
		ASSERT_EQ(0, reap_within(pid[i], 20)) {
			TH_LOG("waiter %d was not served", i);
		}
		EXPECT_EQ(i, sh->order[i]);
		if (i < FIFO_N - 1)
			EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sem, 1, 0));
	}
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	EXPECT_EQ(0, reap_within(barger, 20));
	EXPECT_EQ(0, sh->barged);
	EXPECT_LT(0, sh->tries);
	/* Nobody queued any more: the word is the value again, 0. */
	EXPECT_EQ(0, stat_field(&sem, 1));
	EXPECT_EQ(0, word(pg));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(1, word(pg));
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 1, 0));
	munmap(pg, self->page);
	lkipc_sem_close(&sem);
}

/* ---- Both paths at once ------------------------------------------------- */

#define MIX_PROCS 4
#define MIX_ITERS 1500

struct mix_shared {
	int inside;
	long counter;
	long violations;
};

/* Even workers take the fast path, odd ones the ioctl (NOMAP). */
static int mix_worker(struct lkipc *k, const char *name, int i,
		      struct mix_shared *sh)
{
	int before = sem_maps(NULL), j, ret;
	struct lkipc_sem h;

	if (lkipc_sem_open(k, &h, name, i % 2 ? LKIPC_OPEN_NOMAP : 0, 0, 0))
		return 40;
	if (sem_maps(NULL) != before + !(i % 2))
		return 41;
	for (j = 0; j < MIX_ITERS; j++) {
		long c;

		ret = lkipc_sem_wait(&h, 1, 0, NULL);
		if (ret)
			return 42;
		if (__atomic_fetch_add(&sh->inside, 1, __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&sh->violations, 1,
					   __ATOMIC_SEQ_CST);
		c = sh->counter;
		if (j % 5 == 0)
			sched_yield();
		sh->counter = c + 1;
		__atomic_fetch_sub(&sh->inside, 1, __ATOMIC_SEQ_CST);
		ret = lkipc_sem_post(&h, 1, 0);
		if (ret)
			return 43;
	}
	return 0;
}

/* A semaphore of 1 as a mutex, taken fast and through the kernel. */
TEST_F_TIMEOUT(fast, mixed_paths_mutex, 300)
{
	struct lkipc_sem sem;
	struct mix_shared *sh = shared_map(sizeof(*sh));
	pid_t pid[MIX_PROCS];
	char name[64];
	int fd, i;

	ASSERT_NE(NULL, sh);
	make_name(name, sizeof(name), "mix");
	ASSERT_EQ(0, create_sem(&self->k, name, 1, 1));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, 0, 0, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	for (i = 0; i < MIX_PROCS; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(mix_worker(&self->k, name, i, sh));
	}
	for (i = 0; i < MIX_PROCS; i++)
		EXPECT_EQ(0, reap_within(pid[i], 240)) {
			TH_LOG("worker %d (%s path)", i,
			       i % 2 ? "ioctl" : "fast");
		}
	EXPECT_EQ(0, sh->violations);
	EXPECT_EQ(MIX_PROCS * MIX_ITERS, sh->counter);
	EXPECT_EQ(1, stat_field(&sem, 0));
	EXPECT_EQ(0, stat_field(&sem, 1));
	EXPECT_EQ(1, lkipc_sem_value(&sem));
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
	lkipc_sem_close(&sem);
}

/* ---- kill -9 at any point ------------------------------------------------ */

#define KILL_PROCS 4

FIXTURE(kill9) {
	struct lkipc k;
};

FIXTURE_VARIANT(kill9) {
	unsigned int initial;	/* units at the start */
	unsigned int kills;	/* processes killed while running */
};

/* Units to spare: everyone stays on the fast path. */
FIXTURE_VARIANT_ADD(kill9, plenty) {
	.initial = 1000,
	.kills = 400,
};

/* Two units for four: waiters queue, SLOW comes and goes. */
FIXTURE_VARIANT_ADD(kill9, scarce) {
	.initial = 2,
	.kills = 400,
};

FIXTURE_SETUP(kill9)
{
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
}

FIXTURE_TEARDOWN(kill9)
{
	lkipc_close(&self->k);
}

/*
 * P and V (no undo) forever, holding the unit a little and saying so in
 * *held from just after P to just before V; every fourth worker through
 * the ioctl.  Exits only on an error.
 */
static int kill_worker(struct lkipc *k, const char *name, int i,
		       unsigned int seed, int *held)
{
	struct lkipc_sem h;

	if (lkipc_sem_open(k, &h, name, i % 4 == 3 ? LKIPC_OPEN_NOMAP : 0, 0,
			   0))
		return 50;
	for (;;) {
		unsigned int spin = rand_r(&seed) % 2000;
		volatile unsigned int x = 0;
		int ret = lkipc_sem_wait(&h, 1, 0, NULL);

		if (ret)
			return 51;
		__atomic_store_n(held, 1, __ATOMIC_SEQ_CST);
		while (x < spin)
			x++;
		__atomic_store_n(held, 0, __ATOMIC_SEQ_CST);
		ret = lkipc_sem_post(&h, 1, 0);
		if (ret)
			return 52;
	}
}

/*
 * Workers killed at random moments.  A kill between a worker's P and its V
 * loses that unit (no undo: it was the worker's), and nothing else: the
 * units lost (what the test added back when all were gone included) are
 * at most the kills and at least the units the killed workers said they
 * held (a kill between the CAS and that record loses one unsaid), nobody
 * stays queued, and P and V from fresh processes, fast and through the
 * kernel, work.
 */
TEST_F_TIMEOUT(kill9, conservation, 300)
{
	struct lkipc_sem sem;
	unsigned int seed = 4242, kills = 0, added = 0, said = 0;
	int *held = shared_map(KILL_PROCS * sizeof(*held));
	struct kipc_sem_page *pg;
	pid_t pid[KILL_PROCS], a, b;
	long long value, lost;
	char name[64];
	int fd, i;
	double end;

	ASSERT_NE(NULL, held);
	make_name(name, sizeof(name), "kill");
	ASSERT_EQ(0, create_sem(&self->k, name, variant->initial, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, LKIPC_OPEN_NOMAP, 0,
				    0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	pg = map_page(fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	for (i = 0; i < KILL_PROCS; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(kill_worker(&self->k, name, i, seed + i,
					  &held[i]));
	}
	end = now_mono() + 200;
	while (kills < variant->kills && now_mono() < end) {
		usleep(rand_r(&seed) % 3000);
		i = rand_r(&seed) % KILL_PROCS;
		kill(pid[i], SIGKILL);
		ASSERT_EQ(1000 + SIGKILL, reap(pid[i]));
		kills++;
		said += held[i];
		held[i] = 0;
		/* Every unit lost: one back, counted, so the run goes on. */
		if (stat_field(&sem, 0) == 0 &&
		    stat_field(&sem, 1) == KILL_PROCS - 1) {
			ASSERT_EQ(0, lkipc_sem_post(&sem, 1, 0));
			added++;
		}
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0)
			_exit(kill_worker(&self->k, name, i, seed + kills,
					  &held[i]));
	}
	EXPECT_EQ(variant->kills, kills);
	for (i = 0; i < KILL_PROCS; i++) {
		kill(pid[i], SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, reap(pid[i]));
		kills++;
		said += held[i];
	}

	value = stat_field(&sem, 0);
	lost = (long long)variant->initial + added - value;
	TH_LOG("%u kills, %lld units lost (%u said held), %u added back, value %lld",
	       kills, lost, said, added, value);
	EXPECT_LE(lost, kills);
	EXPECT_GE(lost, said);
	EXPECT_EQ(0, stat_field(&sem, 1));
	/* The kernel looked: the word is the value, nothing else. */
	EXPECT_EQ(value, word(pg));

	/* Nothing is wedged: a fresh process takes all, another waits. */
	if (value == 0) {
		ASSERT_EQ(0, lkipc_sem_post(&sem, 1, 0));
		value = 1;
	}
	a = fork_child();
	ASSERT_LE(0, a);
	if (a == 0) {
		struct lkipc_sem h;

		if (lkipc_sem_open(&self->k, &h, name, 0, 0, 0) ||
		    sem_maps("rw-s") != 1)
			_exit(60);
		if (lkipc_sem_wait(&h, value, 0, NULL))
			_exit(61);
		if (lkipc_sem_trywait(&h, 1, 0) != -EAGAIN)
			_exit(62);
		_exit(0);
	}
	EXPECT_EQ(0, reap_within(a, 20));
	EXPECT_EQ(0, stat_field(&sem, 0));
	b = fork_child();
	ASSERT_LE(0, b);
	if (b == 0) {
		struct lkipc_sem h;

		if (lkipc_sem_open(&self->k, &h, name, 0, 0, 0))
			_exit(70);
		_exit(-lkipc_sem_wait(&h, 1, 0, NULL));
	}
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(0, reap_within(b, 20));
	EXPECT_EQ(0, word(pg));
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
	munmap(pg, sysconf(_SC_PAGESIZE));
	lkipc_sem_close(&sem);
}

/* ---- Hostile memory ---------------------------------------------------- */

#define HOSTILE_MAX 10
#define HOSTILE_SECONDS 3

struct hostile_shared {
	int stop;
	long writes, ops, polls, stats;
	int bad_ret;		/* an unexpected result, 0 if none */
	long bad_stat;		/* a stat above max, or a bad waiter count */
};

static void note_bad(struct hostile_shared *sh, int ret)
{
	__atomic_store_n(&sh->bad_ret, ret ? ret : -1, __ATOMIC_SEQ_CST);
}

static int stopped(struct hostile_shared *sh)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_SEQ_CST);
}

/* Scribbles over the page: random words, SLOW, values above max. */
static void scribbler(int fd, struct hostile_shared *sh)
{
	struct kipc_sem_page *pg = map_page(fd, PROT_READ | PROT_WRITE);
	unsigned int seed = 99;

	if (!pg)
		_exit(80);
	while (!stopped(sh)) {
		uint64_t r = (uint64_t)rand_r(&seed) << 32 | rand_r(&seed);

		switch (r % 6) {
		case 0:
			set_word(pg, r);
			break;
		case 1:
			set_word(pg, KIPC_SEM_SLOW | (r >> 40));
			break;
		case 2:
			set_word(pg, HOSTILE_MAX + 1 + (r >> 48));
			break;
		case 3:
			set_word(pg, 0);
			break;
		case 4:
			__atomic_store_n(&pg->max, (uint32_t)(r >> 8),
					 __ATOMIC_SEQ_CST);
			break;
		default:
			set_word(pg, word(pg) & ~KIPC_SEM_SLOW);
			break;
		}
		__atomic_fetch_add(&sh->writes, 1, __ATOMIC_SEQ_CST);
		if (r % 16 == 0)
			sched_yield();
	}
	_exit(0);
}

/* P and V with short deadlines; any answer but these is a bug. */
static void hostile_worker(struct lkipc *k, const char *name, int nomap,
			   struct hostile_shared *sh, unsigned int seed)
{
	struct lkipc_sem h;

	if (lkipc_sem_open(k, &h, name, nomap ? LKIPC_OPEN_NOMAP : 0, 0, 0))
		_exit(81);
	while (!stopped(sh)) {
		unsigned int n = 1 + rand_r(&seed) % 2;
		struct timespec ts = in_future(CLOCK_MONOTONIC, 5000000);
		int ret = rand_r(&seed) % 2 ? lkipc_sem_wait(&h, n, 0, &ts) :
					      lkipc_sem_trywait(&h, n, 0);

		if (ret == 0)
			ret = lkipc_sem_post(&h, n, 0);
		if (ret && ret != -ETIMEDOUT && ret != -EAGAIN &&
		    ret != -EOVERFLOW)
			note_bad(sh, ret);
		__atomic_fetch_add(&sh->ops, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/* poll, stat, /proc/kipc and KIPC_IOC_LIST: the kernel's view stays sane. */
static void hostile_observer(struct lkipc *k, struct lkipc_sem *sem,
			     const char *name, struct hostile_shared *sh)
{
	struct kipc_obj_info info[64];
	struct kipc_sem_stat st;
	struct pollfd pfd = { .fd = sem->fd, .events = POLLIN };
	char line[512];

	while (!stopped(sh)) {
		int i, n, ret;
		FILE *f;

		ret = poll(&pfd, 1, 2);
		if (ret < 0 || (ret == 1 && pfd.revents != POLLIN))
			note_bad(sh, ret < 0 ? -errno : 1000 + pfd.revents);
		__atomic_fetch_add(&sh->polls, 1, __ATOMIC_SEQ_CST);
		ret = lkipc_sem_stat(sem, &st, NULL, 0);
		if (ret)
			note_bad(sh, ret);
		else if (st.value > HOSTILE_MAX || st.max != HOSTILE_MAX ||
			 st.nwaiters > 4)
			__atomic_fetch_add(&sh->bad_stat, 1, __ATOMIC_SEQ_CST);
		memset(info, 0, sizeof(info));
		n = lkipc_list(k, info, 64);
		for (i = 0; i < n && i < 64; i++)
			if (info[i].type == KIPC_OBJ_SEM &&
			    !strcmp((char *)info[i].name, name) &&
			    info[i].sem_value > HOSTILE_MAX)
				__atomic_fetch_add(&sh->bad_stat, 1,
						   __ATOMIC_SEQ_CST);
		f = fopen("/proc/kipc", "r");
		if (!f) {
			note_bad(sh, -errno);
			continue;
		}
		while (fgets(line, sizeof(line), f))
			;
		fclose(f);
		__atomic_fetch_add(&sh->stats, 1, __ATOMIC_SEQ_CST);
	}
	_exit(0);
}

/*
 * A process with write access scribbles over the page while others P and
 * V through it and through the kernel, poll and observe.  The kernel
 * never reports a value above max nor crashes (the debug kernel's KASAN
 * and lockdep watch), and after the storm one kernel operation puts the
 * word right: the semaphore works as new.
 */
TEST_F_TIMEOUT(fast, hostile_writer, 200)
{
	struct hostile_shared *sh = shared_map(sizeof(*sh));
	struct kipc_sem_page *pg;
	pid_t pid[6];
	struct lkipc_sem sem, mapped;
	char name[64];
	long long v;
	int fd, i;

	ASSERT_NE(NULL, sh);
	make_name(name, sizeof(name), "hostile");
	ASSERT_EQ(0, create_sem(&self->k, name, 5, HOSTILE_MAX));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, LKIPC_OPEN_NOMAP, 0,
				    0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	for (i = 0; i < 6; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			if (i == 0)
				scribbler(fd, sh);
			else if (i == 5)
				hostile_observer(&self->k, &sem, name, sh);
			hostile_worker(&self->k, name, i > 2, sh, 7 * i);
		}
	}
	sleep(HOSTILE_SECONDS);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < 6; i++)
		EXPECT_EQ(0, reap_within(pid[i], 30));
	TH_LOG("%ld scribbles, %ld P/V, %ld polls, %ld observations",
	       sh->writes, sh->ops, sh->polls, sh->stats);
	EXPECT_EQ(0, sh->bad_ret);
	EXPECT_EQ(0, sh->bad_stat);
	EXPECT_LT(0, sh->writes);
	EXPECT_LT(0, sh->ops);
	EXPECT_LT(0, sh->stats);

	/* One kernel operation later, the word is a plain value again. */
	pg = map_page(fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, pg);
	v = stat_field(&sem, 0);
	EXPECT_LE(0, v);
	EXPECT_GE(HOSTILE_MAX, v);
	EXPECT_EQ(0, stat_field(&sem, 1));
	EXPECT_EQ(v, word(pg));
	/* Fix it with kernel P and V; then both paths work as new. */
	if (v)
		EXPECT_EQ(0, lkipc_sem_wait(&sem, v, 0, NULL));
	EXPECT_EQ(0, lkipc_sem_post(&sem, HOSTILE_MAX, 0));
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(HOSTILE_MAX, word(pg));
	EXPECT_EQ(HOSTILE_MAX, pg->max);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &mapped, name, 0, 0, 0));
	ASSERT_LE(0, mapped.fd);
	EXPECT_EQ(0, lkipc_sem_trywait(&mapped, HOSTILE_MAX, 0));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&mapped, 1, 0));
	EXPECT_EQ(0, word(pg));
	EXPECT_EQ(0, lkipc_sem_post(&mapped, 3, 0));
	EXPECT_EQ(3, stat_field(&sem, 0));
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
	munmap(pg, self->page);
	lkipc_sem_close(&mapped);
	lkipc_sem_close(&sem);
}

/* Each kind of scribble, one at a time: clamped, cleared, dropped. */
TEST_F(fast, scribbles_repaired)
{
	struct lkipc_sem sem;
	struct kipc_sem_page *pg;
	char name[64];
	int fd;

	make_name(name, sizeof(name), "scribble");
	ASSERT_EQ(0, create_sem(&self->k, name, 4, HOSTILE_MAX));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, 0, 0, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	pg = map_page(fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(4, word(pg));
	EXPECT_EQ(HOSTILE_MAX, pg->max);

	/* A value above max is clamped by the next kernel operation. */
	set_word(pg, 0xffffffff);
	EXPECT_EQ(HOSTILE_MAX, stat_field(&sem, 0));
	EXPECT_EQ(HOSTILE_MAX, word(pg));
	/* The library does not trust it either: it asks the kernel. */
	set_word(pg, HOSTILE_MAX + 5);
	EXPECT_EQ(HOSTILE_MAX, lkipc_sem_value(&sem));
	EXPECT_EQ(HOSTILE_MAX, word(pg));

	/* SLOW without a reason: cleared by the operation it sends in. */
	set_word(pg, KIPC_SEM_SLOW | 3);
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(2, word(pg));

	/* Bits that mean nothing are dropped. */
	set_word(pg, 1ULL << 40 | 1ULL << 62 | 4);
	EXPECT_EQ(4, stat_field(&sem, 0));
	EXPECT_EQ(4, word(pg));

	/* SLOW cleared while a waiter is queued: set again by the kernel. */
	set_word(pg, 0);
	EXPECT_EQ(0, stat_field(&sem, 0));
	{
		pid_t pid = fork_child();

		ASSERT_LE(0, pid);
		if (pid == 0)
			_exit(-lkipc_sem_wait(&sem, 2, 0, NULL));
		ASSERT_EQ(0, wait_nwaiters(fd, 1));
		EXPECT_EQ(KIPC_SEM_SLOW, word(pg));
		set_word(pg, 0);
		EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0)); /* fast: no SLOW */
		EXPECT_EQ(1, word(pg));
		EXPECT_EQ(1, stat_field(&sem, 0)); /* the kernel's turn */
		EXPECT_EQ(KIPC_SEM_SLOW | 1, word(pg));
		EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
		EXPECT_EQ(0, reap_within(pid, 20));
		EXPECT_EQ(0, word(pg));
	}
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
	munmap(pg, self->page);
	lkipc_sem_close(&sem);
}

/* ---- poll, destroy, errors ------------------------------------------------ */

/* A poller keeps SLOW set, so a post goes to the kernel, which wakes it. */
TEST_F_TIMEOUT(fast, poll_wakes, 60)
{
	struct lkipc_sem sem;
	struct epoll_event ev = { .events = EPOLLIN };
	struct kipc_sem_page *pg;
	double end;
	pid_t pid;
	int fd, ep;

	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	pg = map_page(fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 20000) != 1)
			_exit(20);
		_exit(pfd.revents == POLLIN ? 0 : 21);
	}
	end = now_mono() + 20;
	while (!(word(pg) & KIPC_SEM_SLOW) && now_mono() < end)
		usleep(1000);
	ASSERT_EQ(KIPC_SEM_SLOW, word(pg));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(0, reap_within(pid, 20));
	/* The poller has gone: the next kernel operation clears SLOW. */
	EXPECT_EQ(1, stat_field(&sem, 0));
	EXPECT_EQ(1, word(pg));

	/* epoll keeps its entry: SLOW stays while it is registered. */
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(KIPC_SEM_SLOW | 1, word(pg));
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(KIPC_SEM_SLOW, word(pg));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 20000));
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL));
	close(ep);
	EXPECT_EQ(1, stat_field(&sem, 0));
	EXPECT_EQ(1, word(pg));
	munmap(pg, self->page);
	lkipc_sem_close(&sem);
}

TEST_F(fast, destroy_is_seen)
{
	struct lkipc_sem sem;
	struct kipc_sem_page *pg;
	int fd;

	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 2));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	pg = map_page(fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(0, lkipc_sem_destroy(&sem));
	EXPECT_EQ(KIPC_SEM_SLOW | 2, word(pg));
	EXPECT_EQ(-EIDRM, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_wait(&sem, 1, 0, NULL));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_value(&sem));
	/* Scribbled away: the kernel sets it again. */
	munmap(pg, self->page);
	pg = map_page(fd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, pg);
	set_word(pg, 2);
	EXPECT_EQ(-EIDRM, lkipc_sem_wait(&sem, 3, 0, NULL));
	EXPECT_EQ(KIPC_SEM_SLOW | 2, word(pg));
	munmap(pg, self->page);
	lkipc_sem_close(&sem);
}

/* The API's results and errors, with the page mapped. */
TEST_F(fast, errors_unchanged)
{
	struct lkipc_sem sem;
	struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000L };
	struct timespec past = { .tv_sec = 0 };
	struct kipc_sem_stat st;
	char name[64];
	int fd, saved;

	make_name(name, sizeof(name), "errors");
	ASSERT_EQ(0, create_sem(&self->k, name, 5, HOSTILE_MAX));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, 0, 0, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, sem_maps("rw-s"));

	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_trywait(&sem, HOSTILE_MAX + 1, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 0, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 1, 1U << 7));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, 0, &bad));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, KIPC_SEM_REALTIME, NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, KIPC_SEM_NONBLOCK, &past));
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post(&sem, HOSTILE_MAX - 4, 0));
	EXPECT_EQ(5, lkipc_sem_value(&sem));
	/* Available: success even with a deadline in the past. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 2, 0, &past));
	saved = errno = 4321;
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sem, 4, 0));
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(&sem, 4, 0, &past));
	EXPECT_EQ(saved, errno);
	EXPECT_EQ(0, lkipc_sem_post(&sem, HOSTILE_MAX - 3, 0));
	EXPECT_EQ(HOSTILE_MAX, lkipc_sem_value(&sem));
	/* Undo goes to the kernel and is recorded. */
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 5, 0));
	EXPECT_EQ(0, lkipc_sem_trywait(&sem, 2, KIPC_SEM_UNDO));
	ASSERT_EQ(0, lkipc_sem_stat(&sem, &st, NULL, 0));
	EXPECT_EQ(2, st.undo);
	EXPECT_EQ(3, st.value);
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 3, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 5, 0));
	EXPECT_EQ(HOSTILE_MAX, lkipc_sem_value(&sem));
	/* Closed with lkipc_sem_close: unmapped, and EBADF. */
	EXPECT_EQ(0, lkipc_sem_close(&sem));
	EXPECT_EQ(-1, sem.fd);
	EXPECT_EQ(0, sem_maps(NULL));
	EXPECT_EQ(-EBADF, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_trywait(&sem, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_value(&sem));
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
}

/* ---- mmap rules ---------------------------------------------------------- */

static int mmap_errno(int fd, size_t len, int prot, int flags, off_t off)
{
	void *p = mmap(NULL, len, prot, flags, fd, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		return 0;
	}
	return errno;
}

TEST_F(fast, mmap_rules)
{
	int rw_prot = PROT_READ | PROT_WRITE;
	long page = self->page;
	struct lkipc_sem sem, ro, wo, nomap;
	struct kipc_sem_page *pg;
	int fd, before;
	char name[64];
	void *p;

	make_name(name, sizeof(name), "mmap");
	ASSERT_EQ(0, create_sem(&self->k, name, 7, HOSTILE_MAX));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, name, LKIPC_OPEN_NOMAP, 0,
				    0));
	fd = sem.fd;
	ASSERT_LE(0, fd);

	/* Read-write handle: shared, offset 0, up to one page. */
	EXPECT_EQ(0, mmap_errno(fd, page, rw_prot, MAP_SHARED, 0));
	EXPECT_EQ(0, mmap_errno(fd, 1, rw_prot, MAP_SHARED, 0));
	EXPECT_EQ(0, mmap_errno(fd, page, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, rw_prot, MAP_PRIVATE, 0));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_PRIVATE, 0));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_SHARED, page));
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * page, PROT_READ, MAP_SHARED, 0));
	pg = map_page(fd, rw_prot);
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(7, word(pg));
	EXPECT_EQ(HOSTILE_MAX, pg->max);
	EXPECT_EQ(0, pg->__reserved);
	/* It cannot grow. */
	p = mremap(pg, page, 2 * page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EFAULT, errno);
	munmap(pg, page);

	/* Read-only handle: a read-only mapping that shows the value. */
	before = sem_maps(NULL);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &ro, name, KIPC_OPEN_READ, 0, 0));
	ASSERT_LE(0, ro.fd);
	EXPECT_EQ(before + 1, sem_maps(NULL));
	EXPECT_EQ(1, sem_maps("r--s"));
	EXPECT_EQ(EACCES, mmap_errno(ro.fd, page, rw_prot, MAP_SHARED, 0));
	pg = map_page(ro.fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(7, word(pg));
	EXPECT_EQ(-1, mprotect(pg, page, rw_prot));
	EXPECT_EQ(EACCES, errno);
	munmap(pg, page);
	EXPECT_EQ(7, lkipc_sem_value(&ro));
	EXPECT_EQ(-EBADF, lkipc_sem_post(&ro, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_trywait(&ro, 1, 0));
	EXPECT_EQ(7, lkipc_sem_value(&sem));

	/* Write-only handle: no mapping at all; the ioctls work. */
	before = sem_maps(NULL);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &wo, name, KIPC_OPEN_WRITE, 0,
				    0));
	ASSERT_LE(0, wo.fd);
	EXPECT_EQ(before, sem_maps(NULL));
	EXPECT_EQ(EACCES, mmap_errno(wo.fd, page, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(EACCES, mmap_errno(wo.fd, page, rw_prot, MAP_SHARED, 0));
	EXPECT_EQ(0, lkipc_sem_post(&wo, 1, 0));
	EXPECT_EQ(0, lkipc_sem_trywait(&wo, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_value(&wo));

	/* LKIPC_OPEN_NOMAP: not mapped. */
	before = sem_maps(NULL);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &nomap, name, LKIPC_OPEN_NOMAP,
				    0, 0));
	EXPECT_EQ(before, sem_maps(NULL));
	lkipc_sem_close(&nomap);
	EXPECT_EQ(before, sem_maps(NULL));

	lkipc_sem_close(&wo);
	lkipc_sem_close(&ro);
	EXPECT_EQ(0, sem_maps(NULL));
	EXPECT_EQ(0, lkipc_sem_unlink(&self->k, name));
	lkipc_sem_close(&sem);
}

/* A fork's child shares the handle and its mapping: its P and V are fast. */
TEST_F(fast, fork_shares_mapping)
{
	struct lkipc_sem sem;
	struct report *r = shared_map(sizeof(*r));
	pid_t pid;
	int fd;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, 0, 0600, 1));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, sem_maps("rw-s"));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (forbid_syscalls() < 0)
			_exit(3);
		if (lkipc_sem_post(&sem, 3, 0) ||
		    lkipc_sem_wait(&sem, 1, 0, NULL))
			exit_forbidden(4);
		exit_forbidden(lkipc_sem_value(&sem) == 3 ? 0 : 5);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(3, stat_field(&sem, 0));
	EXPECT_EQ(3, lkipc_sem_value(&sem));
	/* And the other way round: what the parent does, the child sees. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 3, 0, NULL));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(-lkipc_sem_wait(&sem, 1, 0, NULL));
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, 0));
	EXPECT_EQ(0, reap_within(pid, 20));
	EXPECT_EQ(0, lkipc_sem_value(&sem));
	lkipc_sem_close(&sem);
}

TEST_HARNESS_MAIN
