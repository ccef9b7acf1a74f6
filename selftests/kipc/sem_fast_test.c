// SPDX-License-Identifier: GPL-2.0
/*
 * The semaphore fast path (Documentation/ring.md section 8): liblkipc's P
 * and V through the mapped page.  No system call when uncontended, strong
 * FIFO kept against fast P, the fast and the ioctl path on one semaphore,
 * kill -9 at any point, a hostile writer, poll, destroy, the errors of the
 * API unchanged, and the mmap rules.  Then P(1) and V(1) with undo through
 * the pages (KIPC_FEAT_SEM_UNDO_FAST; fixtures "undo" and "undo_torture"):
 * the slot ioctl and the undo page's mmap, no system call, every unit
 * back after kill -9 wherever it lands (the change in the word's tag,
 * pending or recorded), threads sharing a slot, the fast and kernel paths
 * on one record, and a hostile writer of the word (the undo page is
 * read-only: only the kernel records).
 *
 * Forked helpers never use the harness's macros: they report through their
 * exit status (0, or a code) and shared memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
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
#include <sys/resource.h>
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

/* ---- Undo without a system call (KIPC_FEAT_SEM_UNDO_FAST) ----------------- */

/*
 * The protocol is Documentation/ring.md's "Undo without a system call":
 * the word's tag holds a slot's change that its record in the undo page
 * does not have yet (pending) until it is recorded.  The test reads the
 * word and the (read-only) records through its own mappings; slot_count()
 * is what a slot really holds.
 */

#define SEQ_MOD		(1U << KIPC_SEM_TAG_SEQ_BITS)
#define TAG_SLOT(w)	((unsigned int)(((w) & KIPC_SEM_TAG_SLOT_MASK) >>     \
				     KIPC_SEM_TAG_SLOT_SHIFT))
#define TAG_SEQ(w)	((unsigned int)(((w) & KIPC_SEM_TAG_SEQ_MASK) >>      \
				     KIPC_SEM_TAG_SEQ_SHIFT))
#define VALUE(w)	((unsigned int)((w) & KIPC_SEM_VALUE_MASK))

_Static_assert(sizeof(struct kipc_sem_undo_rec) == 8, "one 64-bit CAS");

/* The tag's delta: 4 bits, two's complement. */
static int tag_delta(uint64_t w)
{
	int d = (int)((w & KIPC_SEM_TAG_DELTA_MASK) >> KIPC_SEM_TAG_DELTA_SHIFT);

	return d & 8 ? d - 16 : d;
}

static uint64_t make_tag(unsigned int slot, int delta, unsigned int seq)
{
	return (uint64_t)(slot & 0x1ff) << KIPC_SEM_TAG_SLOT_SHIFT |
	       (uint64_t)(delta & 0xf) << KIPC_SEM_TAG_DELTA_SHIFT |
	       (uint64_t)(seq & (SEQ_MOD - 1)) << KIPC_SEM_TAG_SEQ_SHIFT;
}

static unsigned int seq_before(unsigned int seq)
{
	return (seq - 1) & (SEQ_MOD - 1);
}

/*
 * Is seq a, at most a few steps, at or after b (mod 2^18)?  A record's
 * seq never goes back: a tag made later must not find it again.
 */
static int seq_from(unsigned int a, unsigned int b)
{
	return ((a - b) & (SEQ_MOD - 1)) < 8;
}

static struct kipc_sem_undo_rec rec_get(struct kipc_sem_undo_rec *recs,
					unsigned int i)
{
	uint64_t v = __atomic_load_n((uint64_t *)&recs[i], __ATOMIC_SEQ_CST);
	struct kipc_sem_undo_rec r;

	memcpy(&r, &v, sizeof(r));
	return r;
}

/* Is the tag in w pending: its slot's record one seq behind it? */
static int tag_pending(struct kipc_sem_undo_rec *recs, uint64_t w)
{
	unsigned int t = TAG_SLOT(w);

	return t && rec_get(recs, t).seq == seq_before(TAG_SEQ(w));
}

/*
 * What slot s really holds in the page: its record, plus the delta of the
 * word's tag while that tag is s's and pending.  (Exact when nobody else
 * operates meanwhile.)
 */
static long long slot_count(struct kipc_sem_page *pg,
			    struct kipc_sem_undo_rec *recs, unsigned int s)
{
	uint64_t w = word(pg);
	struct kipc_sem_undo_rec r = rec_get(recs, s);
	long long n = r.held;

	if (TAG_SLOT(w) == s && r.seq == seq_before(TAG_SEQ(w)))
		n += tag_delta(w);
	return n;
}

/* The seq slot s's record has once the word's tag is recorded. */
static unsigned int slot_seq(struct kipc_sem_page *pg,
			     struct kipc_sem_undo_rec *recs, unsigned int s)
{
	uint64_t w = word(pg);
	struct kipc_sem_undo_rec r = rec_get(recs, s);

	if (TAG_SLOT(w) == s && r.seq == seq_before(TAG_SEQ(w)))
		return TAG_SEQ(w);
	return r.seq;
}

/* KIPC_IOC_SEM_UNDO_SLOT with these fields: 0 or -errno; the slot out. */
static int undo_slot_full(int fd, uint32_t size, uint32_t flags,
			  uint32_t reserved, unsigned int *slot)
{
	struct kipc_sem_undo_slot u;
	int ret;

	memset(&u, 0, sizeof(u));
	u.size = size;
	u.flags = flags;
	u.__reserved = reserved;
	ret = ioctl_ret(fd, KIPC_IOC_SEM_UNDO_SLOT, &u);
	if (!ret && slot)
		*slot = u.slot;
	return ret;
}

static int undo_slot(int fd, unsigned int *slot)
{
	return undo_slot_full(fd, sizeof(struct kipc_sem_undo_slot), 0, 0,
			      slot);
}

/* The undo page through fd: NULL (errno set) if mmap failed. */
static struct kipc_sem_undo_rec *map_undo(int fd, int prot)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, page, prot, MAP_SHARED, fd,
		       (off_t)KIPC_SEM_UNDO_PGOFF * page);

	return p == MAP_FAILED ? NULL : p;
}

static void unmap_page(void *p)
{
	if (p)
		munmap(p, sysconf(_SC_PAGESIZE));
}

/* The handle's undo record as KIPC_IOC_SEM_STAT reports it, or -errno. */
static long long stat_undo(int fd)
{
	struct kipc_sem_stat st;
	int ret = sem_stat(fd, &st, NULL, 0);

	return ret ? ret : (long long)st.undo;
}

/* A raw read-write handle of "name" (its own open file description). */
static int open_rw(struct lkipc *k, const char *name)
{
	return sem_open_full(k->fd, name, RW, 0, 0, 0, NULL);
}

/* Records 1..511 whose held is not 0: how many; the first in *first. */
static int held_records(struct kipc_sem_undo_rec *recs, unsigned int *first)
{
	unsigned int i;
	int n = 0;

	for (i = 1; i < KIPC_SEM_UNDO_SLOTS; i++)
		if (rec_get(recs, i).held) {
			if (!n && first)
				*first = i;
			n++;
		}
	return n;
}

/* Wait up to 20 s for the value to be n: 0 or -ETIMEDOUT. */
static int wait_value(int fd, long long n)
{
	return WAIT_FOR(sem_value(fd), n);
}

static int undo_fast_supported(struct lkipc *k)
{
	struct kipc_info info;

	return !lkipc_get_info(k, &info) &&
	       (info.features & KIPC_FEAT_SEM_UNDO_FAST);
}

FIXTURE(undo) {
	struct lkipc k;
	long page;
	char name[64];
};

FIXTURE_SETUP(undo)
{
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	self->page = sysconf(_SC_PAGESIZE);
	make_name(self->name, sizeof(self->name), "undo");
	if (!undo_fast_supported(&self->k))
		SKIP(return, "the module lacks KIPC_FEAT_SEM_UNDO_FAST");
}

FIXTURE_TEARDOWN(undo)
{
	unlink_sem(self->k.fd, self->name);
	lkipc_close(&self->k);
}

/* ---- The slot ioctl ------------------------------------------------------ */

/*
 * One slot per open file description: the same for every call, a dup and
 * a fork's child (they share the description: a different slot there
 * would split its record), another for another description (one shared
 * slot would let one description's release post the other's units); the
 * access, flags, reserved, size and destroy rules.
 */
TEST_F(undo, slot_per_description)
{
	unsigned int s1, s2, s, *shs = shared_map(sizeof(*shs));
	int fd1, fd2, dupfd, ro, wo, q, fd;
	pid_t pid;

	ASSERT_NE(NULL, shs);
	ASSERT_EQ(0, create_sem(&self->k, self->name, 3, 10));
	fd1 = open_rw(&self->k, self->name);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(0, undo_slot(fd1, &s1));
	EXPECT_LE(1, s1);
	EXPECT_GE(KIPC_SEM_UNDO_SLOTS - 1, s1);
	ASSERT_EQ(0, undo_slot(fd1, &s));
	EXPECT_EQ(s1, s);
	dupfd = dup(fd1);
	ASSERT_LE(0, dupfd);
	ASSERT_EQ(0, undo_slot(dupfd, &s));
	EXPECT_EQ(s1, s);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int ret = undo_slot(fd1, shs);

		_exit(ret ? -ret : 0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(s1, *shs);

	fd2 = open_rw(&self->k, self->name);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, undo_slot(fd2, &s2));
	EXPECT_LE(1, s2);
	EXPECT_GE(KIPC_SEM_UNDO_SLOTS - 1, s2);
	EXPECT_NE(s1, s2);
	ASSERT_EQ(0, undo_slot(fd2, &s));
	EXPECT_EQ(s2, s);
	/* Asking changes nothing else. */
	EXPECT_EQ(0, stat_undo(fd1));
	EXPECT_EQ(3, sem_value(fd1));

	/* Read and write are both needed. */
	ro = sem_open_full(self->k.fd, self->name, KIPC_OPEN_READ, 0, 0, 0,
			   NULL);
	ASSERT_LE(0, ro);
	wo = sem_open_full(self->k.fd, self->name, KIPC_OPEN_WRITE, 0, 0, 0,
			   NULL);
	ASSERT_LE(0, wo);
	EXPECT_EQ(-EBADF, undo_slot(ro, &s));
	EXPECT_EQ(-EBADF, undo_slot(wo, &s));

	/* Flags, reserved, size. */
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 16, 1, 0, &s));
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 16, 1U << 31, 0, &s));
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 16, 0, 1, &s));
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 15, 0, 0, &s));
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 12, 0, 0, &s));
	EXPECT_EQ(-EINVAL, undo_slot_full(fd1, 0, 0, 0, &s));
	TEST_LENGTH_FD(fd1, kipc_sem_undo_slot, KIPC_IOC_SEM_UNDO_SLOT,
		       __reserved, );
	s = 0;
	EXPECT_EQ(0, undo_slot_full(fd1, 16, 0, 0, &s));
	EXPECT_EQ(s1, s);

	/* Not a semaphore: ENOTTY. */
	EXPECT_EQ(-ENOTTY, undo_slot(self->k.fd, &s));
	q = q_open_full(self->k.fd, NULL, RW, 0600, 4, 16, 0, 0, NULL);
	ASSERT_LE(0, q);
	EXPECT_EQ(-ENOTTY, undo_slot(q, &s));
	close(q);

	/* Destroyed: EIDRM, with or without a slot already. */
	fd = anon_sem(self->k.fd, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, destroy(fd));
	EXPECT_EQ(-EIDRM, undo_slot(fd, &s));
	close(fd);
	fd = anon_sem(self->k.fd, 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, undo_slot(fd, &s));
	ASSERT_EQ(0, destroy(fd));
	EXPECT_EQ(-EIDRM, undo_slot(fd, &s));
	close(fd);

	close(wo);
	close(ro);
	close(dupfd);
	close(fd2);
	close(fd1);
}

/* Raise the soft limit on descriptors to at least n: 0 or -errno. */
static int want_nofile(rlim_t n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= n)
		return 0;
	if (rl.rlim_max < n)
		rl.rlim_max = n;
	rl.rlim_cur = n;
	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

/*
 * 511 descriptions hold every slot: the next gets ENOSPC (not a shared or
 * out-of-range slot: slot 512 would be past the page, a shared one would
 * mix two records).  Closing one frees its slot (a slot leaked at release
 * would run a long-lived semaphore out); the refused description gets it
 * on asking again, with the record's held 0 and its seq not behind where
 * the last owner left it (a tag's seq must not repeat soon).
 */
TEST_F_TIMEOUT(undo, slots_run_out, 120)
{
	const int n = KIPC_SEM_UNDO_SLOTS - 1;
	unsigned char *seen = calloc(KIPC_SEM_UNDO_SLOTS, 1);
	int *fds = calloc(n + 1, sizeof(int));
	struct kipc_sem_undo_rec *recs, r;
	unsigned int s, seq, victim_slot = 0;
	struct kipc_sem_page *pg;
	struct lkipc_sem vs;
	int i, obs, bad = 0, dups = 0;

	ASSERT_NE(NULL, seen);
	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, want_nofile(n + 64));
	ASSERT_EQ(0, create_sem(&self->k, self->name, 5, 10));
	obs = open_rw(&self->k, self->name);
	ASSERT_LE(0, obs);
	for (i = 0; i <= n; i++) {
		fds[i] = open_rw(&self->k, self->name);
		ASSERT_LE(0, fds[i]) {
			TH_LOG("open %d: %s", i, strerror(-fds[i]));
		}
	}
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, undo_slot(fds[i], &s)) {
			TH_LOG("description %d of %d", i + 1, n);
		}
		if (s < 1 || s >= KIPC_SEM_UNDO_SLOTS)
			bad++;
		else if (seen[s]++)
			dups++;
	}
	EXPECT_EQ(0, bad);
	EXPECT_EQ(0, dups);
	EXPECT_EQ(-ENOSPC, undo_slot(fds[n], &s));
	EXPECT_EQ(-ENOSPC, undo_slot(obs, &s));

	/* One owner uses its slot in the page, holds a unit, and closes. */
	ASSERT_EQ(0, undo_slot(fds[100], &victim_slot));
	recs = map_undo(obs, PROT_READ);
	ASSERT_NE(NULL, recs);
	pg = map_page(obs, PROT_READ);
	ASSERT_NE(NULL, pg);
	ASSERT_EQ(0, lkipc_sem_from_fd(&self->k, &vs, fds[100], 0));
	ASSERT_EQ(0, lkipc_sem_wait(&vs, 1, KIPC_SEM_UNDO, NULL));
	ASSERT_EQ(0, lkipc_sem_post(&vs, 1, KIPC_SEM_UNDO));
	ASSERT_EQ(0, lkipc_sem_wait(&vs, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, slot_count(pg, recs, victim_slot));
	seq = slot_seq(pg, recs, victim_slot);
	EXPECT_EQ(4, VALUE(word(pg)));
	EXPECT_EQ(0, lkipc_sem_close(&vs));
	EXPECT_EQ(5, sem_value(obs));		/* its unit came back */
	r = rec_get(recs, victim_slot);
	EXPECT_EQ(0, r.held);
	EXPECT_TRUE(seq_from(r.seq, seq)) {
		TH_LOG("record seq %u, the tag's %u", r.seq, seq);
	}

	/* The refused description asks again: it gets the freed slot. */
	s = 0;
	EXPECT_EQ(0, undo_slot(fds[n], &s));
	EXPECT_EQ(victim_slot, s);
	EXPECT_EQ(0, rec_get(recs, s).held);
	EXPECT_TRUE(seq_from(rec_get(recs, s).seq, r.seq));
	EXPECT_EQ(-ENOSPC, undo_slot(obs, &s));

	unmap_page(pg);
	unmap_page(recs);
	for (i = 0; i <= n; i++)
		if (i != 100)
			close(fds[i]);
	/* All released: slots are free again. */
	EXPECT_EQ(0, undo_slot(obs, &s));
	EXPECT_EQ(5, sem_value(obs));
	close(obs);
	free(fds);
	free(seen);
}

/* ---- The undo page's mmap ------------------------------------------------ */

/*
 * Offset KIPC_SEM_UNDO_PGOFF pages: refused until a handle of the
 * semaphore has a slot (no page to show), then one page, shared, the same
 * for every handle of the semaphore; read-only for everyone, for good
 * (only the kernel writes records: a process that could write its
 * record, or another's, could forge units at a release); never two pages
 * (the kernel would hand out memory past the records), never private.
 */
TEST_F(undo, page_mmap)
{
	int rw_prot = PROT_READ | PROT_WRITE;
	long page = self->page;
	off_t off = (off_t)KIPC_SEM_UNDO_PGOFF * page;
	struct kipc_sem_undo_rec *recs, *recs2;
	int fd, fd2, ro, wo, i, nonzero = 0;
	unsigned int s;
	void *p;

	ASSERT_EQ(0, create_sem(&self->k, self->name, 3, 10));
	fd = open_rw(&self->k, self->name);
	ASSERT_LE(0, fd);
	fd2 = open_rw(&self->k, self->name);
	ASSERT_LE(0, fd2);
	ro = sem_open_full(self->k.fd, self->name, KIPC_OPEN_READ, 0, 0, 0,
			   NULL);
	ASSERT_LE(0, ro);
	wo = sem_open_full(self->k.fd, self->name, KIPC_OPEN_WRITE, 0, 0, 0,
			   NULL);
	ASSERT_LE(0, wo);

	/* No slot yet: nothing to map. */
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_SHARED, off));
	EXPECT_EQ(EINVAL, mmap_errno(fd2, page, PROT_READ, MAP_SHARED, off));
	/* Page 0 still maps as before. */
	EXPECT_EQ(0, mmap_errno(fd, page, rw_prot, MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * page, rw_prot, MAP_SHARED, 0));

	ASSERT_EQ(0, undo_slot(fd, &s));
	/* Never writable, not even by a read-write handle. */
	EXPECT_EQ(EACCES, mmap_errno(fd, page, rw_prot, MAP_SHARED, off));
	EXPECT_EQ(EACCES, mmap_errno(fd2, page, rw_prot, MAP_SHARED, off));
	recs = map_undo(fd, PROT_READ);
	ASSERT_NE(NULL, recs) {
		TH_LOG("mmap of the undo page: %s", strerror(errno));
	}
	EXPECT_EQ(-1, mprotect(recs, page, rw_prot));
	EXPECT_EQ(EACCES, errno);
	for (i = 0; i < KIPC_SEM_UNDO_SLOTS; i++)
		nonzero += rec_get(recs, i).held != 0;
	EXPECT_EQ(0, nonzero);
	/* Another description of the semaphore: the same page. */
	recs2 = map_undo(fd2, PROT_READ);
	ASSERT_NE(NULL, recs2);
	EXPECT_EQ(0, memcmp(recs, recs2, page));
	EXPECT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(0, sem_v(fd, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(0, memcmp(recs, recs2, page));
	unmap_page(recs2);

	/* One page only, shared only, not past it. */
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * page, PROT_READ, MAP_SHARED, off));
	EXPECT_EQ(EINVAL, mmap_errno(fd, 2 * page, PROT_READ, MAP_SHARED, 0));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_PRIVATE, off));
	EXPECT_NE(0, mmap_errno(fd, page, rw_prot, MAP_PRIVATE, off));
	EXPECT_EQ(EINVAL, mmap_errno(fd, page, PROT_READ, MAP_SHARED,
				     off + page));
	p = mremap(recs, page, 2 * page, MREMAP_MAYMOVE);
	EXPECT_EQ(MAP_FAILED, p);

	/* Read-only handle: never writable either. */
	EXPECT_EQ(EACCES, mmap_errno(ro, page, rw_prot, MAP_SHARED, off));
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, off);
	if (p != MAP_FAILED) {
		EXPECT_EQ(-1, mprotect(p, page, rw_prot));
		EXPECT_EQ(EACCES, errno);
		munmap(p, page);
	} else {
		TH_LOG("a read-only handle cannot map the undo page: %s",
		       strerror(errno));
	}
	/* Write-only handle: no mapping at all. */
	EXPECT_EQ(EACCES, mmap_errno(wo, page, PROT_READ, MAP_SHARED, off));
	EXPECT_EQ(EACCES, mmap_errno(wo, page, rw_prot, MAP_SHARED, off));

	unmap_page(recs);
	close(wo);
	close(ro);
	close(fd2);
	close(fd);
}

/* ---- No system call: P(1) and V(1) with undo ----------------------------- */

/* With the slot and the undo page: none of this makes a system call. */
static int undo_phase(struct lkipc_sem *sem, struct kipc_sem_page *pg,
		      struct kipc_sem_undo_rec *recs, unsigned int s,
		      struct report *r)
{
	int i;

	for (i = 0; i < ZS_PAIRS; i++) {
		CHECK(r, 1, i, lkipc_sem_wait(sem, 1, KIPC_SEM_UNDO, NULL), 0);
		CHECK(r, 2, i, (int)slot_count(pg, recs, s), 1);
		CHECK(r, 3, i, lkipc_sem_trywait(sem, 1, KIPC_SEM_UNDO),
		      -EAGAIN);
		CHECK(r, 4, i, lkipc_sem_post(sem, 1, KIPC_SEM_UNDO), 0);
		CHECK(r, 5, i, (int)slot_count(pg, recs, s), 0);
		CHECK(r, 6, i, lkipc_sem_trywait(sem, 1, KIPC_SEM_UNDO), 0);
		CHECK(r, 7, i, lkipc_sem_post(sem, 1, KIPC_SEM_UNDO), 0);
	}
	CHECK(r, 8, i, lkipc_sem_wait(sem, 1, KIPC_SEM_UNDO, NULL), 0);
	CHECK(r, 9, i, (int)slot_count(pg, recs, s), 1);
	CHECK(r, 10, i, lkipc_sem_value(sem), 0);
	/* Still the filter's: n > 1 goes to the kernel, which it refuses. */
	if (!r->strict)
		CHECK(r, 11, i, lkipc_sem_post(sem, 2, KIPC_SEM_UNDO),
		      -ENOSYS);
	return 0;
}

static void undo_syscall_child(struct lkipc_sem *sem, struct kipc_sem_page *pg,
			       struct kipc_sem_undo_rec *recs, unsigned int s,
			       struct report *r)
{
	int ret;

	/* Warm-up: the slot is asked for, the undo page mapped. */
	if (lkipc_sem_wait(sem, 1, KIPC_SEM_UNDO, NULL) ||
	    lkipc_sem_post(sem, 1, KIPC_SEM_UNDO))
		_exit(2);
	ret = forbid_syscalls();
	if (ret < 0)
		_exit(3);
	r->strict = ret;
	exit_forbidden(undo_phase(sem, pg, recs, s, r));
}

/*
 * After one P and V with undo (the slot asked for), P(1) and V(1) with
 * undo, blocking or not, make no system call, and each is counted at once
 * (the slot holds 1 after P, 0 after V): fails on a library that still
 * takes the kernel path, and on one that leaves the count out.  The
 * child shares the parent's description: its exit releases nothing, the
 * parent's close does.  The control, a NOMAP handle, makes the very first
 * one fail with ENOSYS.
 */
TEST_F_TIMEOUT(undo, zero_syscalls, 120)
{
	struct report *r = shared_map(2 * sizeof(*r));
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_page *pg;
	struct lkipc_sem sem, nomap;
	unsigned int s;
	int obs;
	pid_t pid;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, create_sem(&self->k, self->name, 1, 10));
	obs = open_rw(&self->k, self->name);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &nomap, self->name,
				    LKIPC_OPEN_NOMAP, 0, 0));
	/* The test's view: the same description's slot, both pages. */
	ASSERT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	ASSERT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	ASSERT_EQ(0, undo_slot(sem.fd, &s));
	recs = map_undo(obs, PROT_READ);
	ASSERT_NE(NULL, recs);
	pg = map_page(obs, PROT_READ);
	ASSERT_NE(NULL, pg);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		undo_syscall_child(&sem, pg, recs, s, &r[0]);
	EXPECT_EQ(0, reap(pid)) {
		TH_LOG("step %d, pair %d: %d (%s)", r[0].step, r[0].iter,
		       r[0].ret, lkipc_strerror(r[0].ret));
	}
	if (r[0].strict)
		TH_LOG("no seccomp filters: strict mode (a system call kills)");
	/* The child's unit is the description's: still held, recorded. */
	EXPECT_EQ(1, slot_count(pg, recs, s));
	EXPECT_EQ(0, sem_value(obs));
	EXPECT_EQ(1, stat_undo(sem.fd));
	EXPECT_EQ(1, rec_get(recs, s).held);	/* the kernel recorded it */
	/* The last close gives it back. */
	EXPECT_EQ(0, lkipc_sem_close(&sem));
	EXPECT_EQ(0, wait_value(obs, 1));
	EXPECT_EQ(0, rec_get(recs, s).held);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0)
		undo_syscall_child(&nomap, pg, recs, s, &r[1]);
	if (r[0].strict) {
		EXPECT_EQ(1000 + SIGKILL, reap(pid));
	} else {
		EXPECT_EQ(1, reap(pid));
		EXPECT_EQ(1, r[1].step);
		EXPECT_EQ(0, r[1].iter);
		EXPECT_EQ(-ENOSYS, r[1].ret);
	}
	EXPECT_EQ(1, sem_value(obs));
	unmap_page(pg);
	unmap_page(recs);
	lkipc_sem_close(&nomap);
	close(obs);
}

/* ---- Killed: every unit taken with undo comes back ------------------------ */

struct script_out {
	unsigned int slot;
	int err;		/* the failing step + 1, 0 if none */
	int ret;
};

/*
 * A child with its own description of "name" runs a script through the
 * library: 'P' and 'V' are P(1) and V(1) with undo, after each of which
 * the word's tag must be the slot's and pending (the count is the
 * record's plus the tag's delta: the state a death must not lose), 'K'
 * a kernel section (a stat, which records a pending delta) that must
 * report the count so far as the description's undo record.  Then it
 * says so on a pipe and waits to be killed.
 */
static pid_t spawn_script(struct lkipc *k, const char *name,
			  const char *script, struct script_out *out)
{
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_page *pg;
	struct kipc_sem_stat st;
	struct lkipc_sem ls;
	long long count = 0;
	int p[2], h, i, ret;
	unsigned int s;
	pid_t pid;
	char c;

	memset(out, 0, sizeof(*out));
	if (pipe(p))
		return -1;
	pid = fork_child();
	if (pid) {
		close(p[1]);
		if (pid > 0 && read(p[0], &c, 1) != 1 && !out->err)
			out->err = 1000;
		close(p[0]);
		return pid;
	}
	close(p[0]);
	h = open_rw(k, name);
	if (h < 0 || undo_slot(h, &s))
		_exit(out->err = 1001);
	pg = map_page(h, PROT_READ);
	recs = map_undo(h, PROT_READ);
	if (!pg || !recs)
		_exit(out->err = 1002);
	out->slot = s;
	if (lkipc_sem_from_fd(k, &ls, h, 0))
		_exit(out->err = 1003);
	for (i = 0; script[i]; i++) {
		uint64_t w;

		if (script[i] == 'K') {
			ret = lkipc_sem_stat(&ls, &st, NULL, 0);
			if (!ret && (long long)st.undo != count)
				ret = -1000 - (int)st.undo;
		} else {
			int v = script[i] == 'V';

			ret = v ? lkipc_sem_post(&ls, 1, KIPC_SEM_UNDO) :
				  lkipc_sem_wait(&ls, 1, KIPC_SEM_UNDO, NULL);
			count += v ? -1 : 1;
			w = word(pg);
			if (!ret && (TAG_SLOT(w) != s || !tag_pending(recs, w)))
				ret = -1;
		}
		if (ret) {
			out->ret = ret;
			_exit(out->err = i + 1);
		}
	}
	if (write(p[1], "x", 1) != 1)
		_exit(out->err = 1004);
	for (;;)
		pause();
}

/* Kill and reap a script child: its status. */
static int kill_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	return reap(pid);
}

/*
 * What most of the tests below start from: the semaphore, an observer (a
 * read-write handle of the test's own, so a description apart from every
 * child's: its slot is never theirs, its close releases nothing of
 * theirs), its view of the word and, once some description holds a slot
 * (the undo page cannot be mapped before), of the records; the script
 * child, if any.
 */
struct undo_view {
	int obs;
	struct kipc_sem_page *pg;
	struct kipc_sem_undo_rec *recs;
	pid_t pid;
};

/*
 * Create "name" with value and max, open the observer and map its page
 * with prot: 0 or -errno.  No ASSERT here (no _metadata): the body
 * asserts the result, as with the other helpers.
 */
static int undo_view_open(struct undo_view *u, struct lkipc *k,
			  const char *name, unsigned int value,
			  unsigned int max, int prot)
{
	int ret;

	memset(u, 0, sizeof(*u));
	u->obs = -1;
	ret = create_sem(k, name, value, max);
	if (ret)
		return ret;
	u->obs = open_rw(k, name);
	if (u->obs < 0)
		return u->obs;
	u->pg = map_page(u->obs, prot);
	return u->pg ? 0 : -errno;
}

/*
 * spawn_script() into u->pid, then, the first time, map the records
 * through the observer (the child's slot makes the page exist): 0; 1 if
 * no child started, 2 if it failed (o->err and o->ret say where), or
 * -errno from the mmap.
 */
static int undo_view_script(struct undo_view *u, struct lkipc *k,
			    const char *name, const char *script,
			    struct script_out *o)
{
	u->pid = spawn_script(k, name, script, o);
	if (u->pid <= 0)
		return 1;
	if (o->err)
		return 2;
	if (!u->recs)
		u->recs = map_undo(u->obs, PROT_READ);
	return u->recs ? 0 : -errno;
}

/* Both views unmapped, the observer closed; the child is the body's. */
static void undo_view_close(struct undo_view *u)
{
	unmap_page(u->recs);
	unmap_page(u->pg);
	if (u->obs >= 0)
		close(u->obs);
}

/* The value after every release: n, and still n a moment later. */
#define EXPECT_VALUE_SETTLES(_fd, _n)                                          \
	do {                                                                   \
		EXPECT_EQ(0, wait_value(_fd, _n)) {                            \
			TH_LOG("value %lld, not %d", sem_value(_fd), _n);     \
		}                                                              \
		usleep(100000);                                                \
		EXPECT_EQ(_n, sem_value(_fd));                                 \
		EXPECT_EQ(0, sem_nwaiters(_fd));                               \
	} while (0)

/*
 * Taken with undo through the page and killed: the units are then only in
 * the word's tag (delta 2, pending; the record still says 0).  The
 * release must record the tag before it posts (fails on a module that
 * posts the record as it is: both units lost), post them once, zero the
 * record, its seq the tag's or later (a later holder goes on from it).
 */
TEST_F(undo, killed_holder)
{
	struct script_out *o = shared_map(sizeof(*o));
	struct kipc_sem_undo_rec r;
	struct undo_view u;
	uint64_t w;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 3, 10,
				    PROT_READ));
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, "PP", o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_EQ(1, VALUE(w));
	EXPECT_EQ(o->slot, TAG_SLOT(w));
	EXPECT_EQ(2, tag_delta(w));
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(0, r.held);
	EXPECT_EQ(seq_before(TAG_SEQ(w)), r.seq);
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 3);
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(0, r.held);
	EXPECT_TRUE(seq_from(r.seq, TAG_SEQ(w)));
	EXPECT_EQ(0, slot_count(u.pg, u.recs, o->slot));
	undo_view_close(&u);
}

/*
 * A kernel section of another process records the child's pending
 * change exactly once: the record has it, the word stays the
 * child's, and more kernel sections change nothing (fails on a kernel
 * that adds a tag's delta without checking the record's seq, or that
 * leaves the delta in the tag after recording it).  Then the kill: the
 * unit back, once.
 */
TEST_F(undo, recorded_by_kernel)
{
	struct script_out *o = shared_map(sizeof(*o));
	struct kipc_sem_undo_rec r;
	struct undo_view u;
	uint64_t w;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 3, 10,
				    PROT_READ));
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, "P", o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_TRUE(tag_pending(u.recs, w));
	EXPECT_EQ(1, tag_delta(w));
	EXPECT_EQ(0, rec_get(u.recs, o->slot).held);
	EXPECT_EQ(2, sem_value(u.obs));		/* a kernel section */
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(1, r.held);
	EXPECT_EQ(TAG_SEQ(w), r.seq);
	EXPECT_EQ(1, slot_count(u.pg, u.recs, o->slot));
	EXPECT_EQ(o->slot, TAG_SLOT(word(u.pg)));
	EXPECT_EQ(2, VALUE(word(u.pg)));
	EXPECT_EQ(0, sem_v(u.obs, 1, 0));
	EXPECT_EQ(0, sem_p(u.obs, 1, 0));
	EXPECT_EQ(2, sem_value(u.obs));
	EXPECT_EQ(1, rec_get(u.recs, o->slot).held);
	EXPECT_EQ(1, slot_count(u.pg, u.recs, o->slot));
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 3);
	EXPECT_EQ(0, rec_get(u.recs, o->slot).held);
	EXPECT_EQ(0, slot_count(u.pg, u.recs, o->slot));
	undo_view_close(&u);
}

/*
 * A V pending at the kill (recorded P, then V: the record says 1, the
 * tag -1): the unit is already back in the value, so the release must
 * post nothing.  Fails on a module that posts the record without the
 * tag: a unit forged (4 of 3; the maximum, 10, does not hide it).
 */
TEST_F(undo, killed_pending_v)
{
	struct script_out *o = shared_map(sizeof(*o));
	struct kipc_sem_undo_rec r;
	struct undo_view u;
	uint64_t w;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 3, 10,
				    PROT_READ));
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, "PKV", o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_EQ(3, VALUE(w));
	EXPECT_EQ(o->slot, TAG_SLOT(w));
	EXPECT_EQ(-1, tag_delta(w));
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(1, r.held);
	EXPECT_EQ(seq_before(TAG_SEQ(w)), r.seq);
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 3);
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(0, r.held);
	EXPECT_TRUE(seq_from(r.seq, TAG_SEQ(w)));
	undo_view_close(&u);
}

/*
 * The tag's delta is 4 bits (-8..7): twelve P's, a kernel section, eleven
 * V's, and at every kernel section the description's record is exactly
 * the count (past 7 and -8 the change goes elsewhere: the kernel, or a
 * recorded tag).  Killed holding 1 with a negative delta pending, and
 * holding 12 with a positive one: exactly that comes back.  Fails on a
 * delta that wraps instead of overflowing, and on a kernel reading the
 * delta unsigned (-3 as 13: units forged, clamped to the maximum, 30,
 * not 20).
 */
TEST_F(undo, delta_limits)
{
	struct script_out *o = shared_map(sizeof(*o));
	struct undo_view u;
	char script[64];
	uint64_t w;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 20, 30,
				    PROT_READ));
	snprintf(script, sizeof(script), "%.7sK%.12sK%.11s", "PPPPPPPPPPPP",
		 "PPPPPPPPPPPP", "VVVVVVVVVVVV");
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, script, o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_EQ(12, VALUE(w));
	EXPECT_EQ(o->slot, TAG_SLOT(w));
	EXPECT_TRUE(tag_pending(u.recs, w));
	TH_LOG("holding 8: record %u, delta %d", rec_get(u.recs, o->slot).held,
	       tag_delta(w));
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 20);
	EXPECT_EQ(0, rec_get(u.recs, o->slot).held);

	/* Down to 1 with a negative delta, then killed. */
	snprintf(script, sizeof(script), "%.12sK%.11s", "PPPPPPPPPPPP",
		 "VVVVVVVVVVVV");
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, script, o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_EQ(19, VALUE(w));
	TH_LOG("holding 1: record %u, delta %d", rec_get(u.recs, o->slot).held,
	       tag_delta(w));
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 20);

	/* Twelve P's, the last ones in the tag. */
	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name,
				      "PPPPPPPPPPPP", o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	w = word(u.pg);
	EXPECT_EQ(8, VALUE(w));
	EXPECT_LT(0, tag_delta(w));
	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 20);
	undo_view_close(&u);
}

/*
 * Another description's P with undo while the word's tag is the child's,
 * pending: the child's change is recorded before the tag is replaced
 * (by the kernel section the P then is, in protocol F; fails on a library
 * that folds into, or overwrites, a tag that is not its slot's: the
 * child's unit lost at the kill).  Before that, plain fast P and V (no
 * undo) leave the tag alone (fails on a library that rebuilds the word
 * from the value: the same loss).
 */
TEST_F(undo, other_slot_records_first)
{
	struct script_out *o = shared_map(sizeof(*o));
	struct kipc_sem_undo_rec r;
	struct undo_view u;
	struct lkipc_sem ph;
	unsigned int ps;
	uint64_t tag;

	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 3, 10,
				    PROT_READ));
	/* The parent's own description, its slot asked for already. */
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &ph, self->name, 0, 0, 0));
	ASSERT_EQ(0, lkipc_sem_wait(&ph, 1, KIPC_SEM_UNDO, NULL));
	ASSERT_EQ(0, lkipc_sem_post(&ph, 1, KIPC_SEM_UNDO));
	ASSERT_EQ(0, undo_slot(ph.fd, &ps));

	ASSERT_EQ(0, undo_view_script(&u, &self->k, self->name, "P", o)) {
		TH_LOG("script child %d: step %d, %d", u.pid, o->err, o->ret);
	}
	ASSERT_NE(ps, o->slot);
	tag = word(u.pg) & KIPC_SEM_TAG_MASK;
	EXPECT_EQ(2 | tag, word(u.pg));
	EXPECT_EQ(o->slot, TAG_SLOT(tag));
	EXPECT_TRUE(tag_pending(u.recs, tag));

	/* Plain fast V and P: the value moves, the tag stays. */
	EXPECT_EQ(0, lkipc_sem_post(&ph, 1, 0));
	EXPECT_EQ(3 | tag, word(u.pg));
	EXPECT_EQ(0, lkipc_sem_trywait(&ph, 2, 0));
	EXPECT_EQ(1 | tag, word(u.pg));
	EXPECT_EQ(0, lkipc_sem_post(&ph, 1, 0));
	EXPECT_EQ(2 | tag, word(u.pg));
	EXPECT_TRUE(tag_pending(u.recs, tag));

	/* A P with undo of the parent: the child's P is recorded first. */
	EXPECT_EQ(0, lkipc_sem_trywait(&ph, 1, KIPC_SEM_UNDO));
	r = rec_get(u.recs, o->slot);
	EXPECT_EQ(1, r.held);
	EXPECT_EQ(TAG_SEQ(tag), r.seq);
	EXPECT_EQ(1, slot_count(u.pg, u.recs, o->slot));
	EXPECT_NE(o->slot, TAG_SLOT(word(u.pg)));
	EXPECT_EQ(1, VALUE(word(u.pg)));
	EXPECT_EQ(1, stat_undo(ph.fd));
	EXPECT_EQ(0, lkipc_sem_post(&ph, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, stat_undo(ph.fd));
	EXPECT_EQ(1, rec_get(u.recs, o->slot).held);
	EXPECT_EQ(2, VALUE(word(u.pg)));

	EXPECT_EQ(1000 + SIGKILL, kill_reap(u.pid));
	EXPECT_VALUE_SETTLES(u.obs, 3);
	EXPECT_EQ(0, rec_get(u.recs, o->slot).held);
	EXPECT_EQ(0, stat_undo(ph.fd));
	/* Not undo_view_close(): ph's close stays between, as it was. */
	unmap_page(u.recs);
	unmap_page(u.pg);
	lkipc_sem_close(&ph);
	close(u.obs);
}

/*
 * The 18-bit seq wraps: a child's description moves its slot's seq on (a
 * P with undo, a kernel section that records it, a V, another: one
 * recording each), its record checked at every kernel section, until its
 * record's seq is 0x3ffff; then one more P or V through the page leaves
 * a tag with seq 0 pending over that record, and the child is killed.
 * Fails on a comparison of seqs without the modulo (the unit lost, or
 * one forged, at the kill), or a seq past 18 bits in the record.
 */
TEST_F_TIMEOUT(undo, seq_wraps, 300)
{
	unsigned int *sh = shared_map(4 * sizeof(*sh));
	double start = now_mono();
	struct kipc_sem_undo_rec r;
	struct undo_view u;
	int p[2];
	uint64_t w;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, sh);
	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 3, 10,
				    PROT_READ));
	ASSERT_EQ(0, pipe(p));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct kipc_sem_undo_rec *mr;
		struct kipc_sem_stat st;
		struct lkipc_sem ls;
		unsigned int s, i;
		int ret = -1;

		close(p[0]);
		if (lkipc_sem_open(&self->k, &ls, self->name, 0, 0, 0) ||
		    undo_slot(ls.fd, &s))
			_exit(1);
		mr = map_undo(ls.fd, PROT_READ);
		if (!mr)
			_exit(2);
		sh[0] = s;
		for (i = 0; i < 2 * SEQ_MOD; i++) {
			if (lkipc_sem_wait(&ls, 1, KIPC_SEM_UNDO, NULL) ||
			    lkipc_sem_stat(&ls, &st, NULL, 0) || st.undo != 1)
				_exit(3);
			if (rec_get(mr, s).seq == SEQ_MOD - 1) {
				ret = lkipc_sem_post(&ls, 1, KIPC_SEM_UNDO);
				break;
			}
			if (lkipc_sem_post(&ls, 1, KIPC_SEM_UNDO) ||
			    lkipc_sem_stat(&ls, &st, NULL, 0) || st.undo != 0)
				_exit(4);
			if (rec_get(mr, s).seq == SEQ_MOD - 1) {
				ret = lkipc_sem_wait(&ls, 1, KIPC_SEM_UNDO,
						     NULL);
				break;
			}
			if (rec_get(mr, s).seq >= SEQ_MOD)
				_exit(5);
		}
		sh[1] = i;
		if (ret)
			_exit(6);
		if (write(p[1], "x", 1) != 1)
			_exit(7);
		for (;;)
			pause();
	}
	close(p[1]);
	ASSERT_EQ(1, read(p[0], &c, 1)) {
		TH_LOG("child: %d after %u rounds", reap(pid), sh[1]);
	}
	close(p[0]);
	u.recs = map_undo(u.obs, PROT_READ);
	ASSERT_NE(NULL, u.recs);
	w = word(u.pg);
	r = rec_get(u.recs, sh[0]);
	TH_LOG("%u rounds, %.1f s; record {%u, %u}, tag seq %u delta %d",
	       sh[1], now_mono() - start, r.held, r.seq, TAG_SEQ(w),
	       tag_delta(w));
	EXPECT_EQ(sh[0], TAG_SLOT(w));
	EXPECT_EQ(0, TAG_SEQ(w));
	EXPECT_EQ(SEQ_MOD - 1, r.seq);
	EXPECT_TRUE(tag_pending(u.recs, w));
	EXPECT_NE(0, tag_delta(w));
	EXPECT_EQ(1000 + SIGKILL, kill_reap(pid));
	EXPECT_VALUE_SETTLES(u.obs, 3);
	r = rec_get(u.recs, sh[0]);
	EXPECT_EQ(0, r.held);
	EXPECT_GT(SEQ_MOD, r.seq);
	undo_view_close(&u);
}

/* ---- Torture: a lock whose holders are killed at random ------------------- */

#define TORTURE_PROCS 4

struct torture_shared {
	unsigned int pause;		/* parent: park before the next P */
	unsigned int solo;		/* 1 + the only worker to run, or 0 */
	unsigned int parked[TORTURE_PROCS];
	unsigned int owner;		/* id of the worker inside, or 0 */
	unsigned int killed;		/* id of the worker being killed */
	unsigned int slot[TORTURE_PROCS];
	long violations;		/* two inside at once */
	long entries;
	int bad[TORTURE_PROCS];		/* an unexpected result */
};

FIXTURE(undo_torture) {
	struct lkipc k;
	char name[64];
};

FIXTURE_VARIANT(undo_torture) {
	int spin;		/* P by fast trywait first, else blocking P */
	int rounds;		/* kills */
	int solo;		/* the victim runs alone before its kill */
};

/* Mostly the page: trywait with undo, the kernel only after 50 misses. */
FIXTURE_VARIANT_ADD(undo_torture, fast) {
	.spin = 1,
	.rounds = 150,
};

/* Blocking P: waiters in the kernel, SLOW, both paths mixed. */
FIXTURE_VARIANT_ADD(undo_torture, blocking) {
	.spin = 0,
	.rounds = 100,
};

/*
 * The victim alone: every P and V of it goes through the page (its tag
 * stays its own), so the kill lands at a random instruction of the fast
 * path, its change in the word's tag.
 */
FIXTURE_VARIANT_ADD(undo_torture, solo) {
	.spin = 1,
	.rounds = 150,
	.solo = 1,
};

FIXTURE_SETUP(undo_torture)
{
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	make_name(self->name, sizeof(self->name), "torture");
	if (!undo_fast_supported(&self->k))
		SKIP(return, "the module lacks KIPC_FEAT_SEM_UNDO_FAST");
}

FIXTURE_TEARDOWN(undo_torture)
{
	unlink_sem(self->k.fd, self->name);
	lkipc_close(&self->k);
}

static unsigned int env_uint(const char *name, unsigned int def)
{
	const char *v = getenv(name);

	return v && *v ? (unsigned int)strtoul(v, NULL, 0) : def;
}

/* Told to park: all are, or another runs alone. */
static int must_park(struct torture_shared *sh, int i)
{
	unsigned int solo = __atomic_load_n(&sh->solo, __ATOMIC_SEQ_CST);

	return __atomic_load_n(&sh->pause, __ATOMIC_SEQ_CST) ||
	       (solo && solo != (unsigned int)i + 1);
}

/*
 * P(1) with undo, the critical section (the owner word: whoever enters
 * while another is inside, or leaves to find another there, counts a
 * violation; taking over from the worker being killed is no violation),
 * V(1) with undo; park when asked, outside the lock.  Forever.
 */
static void __attribute__((noreturn))
torture_worker(struct lkipc *k, const char *name, int i, unsigned int id,
	       int spin, struct torture_shared *sh)
{
	unsigned int s, old, seed = id;
	struct lkipc_sem h;
	int ret, tries;

	if (lkipc_sem_open(k, &h, name, 0, 0, 0))
		_exit(90);
	if (undo_slot(h.fd, &s))
		_exit(91);
	__atomic_store_n(&sh->slot[i], s, __ATOMIC_SEQ_CST);
	for (;;) {
		if (must_park(sh, i)) {
			__atomic_store_n(&sh->parked[i], 1, __ATOMIC_SEQ_CST);
			for (;;) {
				while (must_park(sh, i))
					usleep(200);
				__atomic_store_n(&sh->parked[i], 0,
						 __ATOMIC_SEQ_CST);
				if (!must_park(sh, i))
					break;
				__atomic_store_n(&sh->parked[i], 1,
						 __ATOMIC_SEQ_CST);
			}
		}
		if (spin) {
			for (tries = 0;; tries++) {
				ret = lkipc_sem_trywait(&h, 1, KIPC_SEM_UNDO);
				if (ret != -EAGAIN)
					break;
				if (tries == 50) {
					ret = lkipc_sem_wait(&h, 1,
							     KIPC_SEM_UNDO,
							     NULL);
					break;
				}
				sched_yield();
			}
		} else {
			ret = lkipc_sem_wait(&h, 1, KIPC_SEM_UNDO, NULL);
		}
		if (ret) {
			__atomic_store_n(&sh->bad[i], ret, __ATOMIC_SEQ_CST);
			_exit(92);
		}
		old = __atomic_exchange_n(&sh->owner, id, __ATOMIC_SEQ_CST);
		if (old && old != __atomic_load_n(&sh->killed,
						  __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&sh->violations, 1,
					   __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&sh->entries, 1, __ATOMIC_SEQ_CST);
		/* Hold it a little, so that some kills find it held. */
		for (volatile unsigned int x = rand_r(&seed) % 300; x; x--)
			;
		old = id;
		if (!__atomic_compare_exchange_n(&sh->owner, &old, 0, 0,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			__atomic_fetch_add(&sh->violations, 1,
					   __ATOMIC_SEQ_CST);
		ret = lkipc_sem_post(&h, 1, KIPC_SEM_UNDO);
		if (ret) {
			__atomic_store_n(&sh->bad[i], 1000 + -ret,
					 __ATOMIC_SEQ_CST);
			_exit(93);
		}
	}
}

/*
 * Park every worker outside the lock: 0; -1 if the unit is lost (every
 * worker not parked waits in the kernel with the value 0, so nobody can
 * post: stable for 0.2 s), -2 after 60 s, -3 if worker *who died (its
 * status in *status).
 */
static int park_all(struct torture_shared *sh, const pid_t *pid, int fd,
		    int *who, int *status)
{
	double end = now_mono() + 60;
	int stuck = 0;

	__atomic_store_n(&sh->pause, 1, __ATOMIC_SEQ_CST);
	while (now_mono() < end) {
		int i, parked = 0;

		for (i = 0; i < TORTURE_PROCS; i++) {
			if (pid[i] <= 0) {	/* the one just killed */
				parked++;
				continue;
			}
			if (waitpid(pid[i], status, WNOHANG) == pid[i]) {
				*who = i;
				return -3;
			}
			parked += !!__atomic_load_n(&sh->parked[i],
						    __ATOMIC_SEQ_CST);
		}
		if (parked == TORTURE_PROCS)
			return 0;
		if (sem_value(fd) == 0 &&
		    sem_nwaiters(fd) == TORTURE_PROCS - parked) {
			if (++stuck >= 40)
				return -1;
		} else {
			stuck = 0;
		}
		usleep(5000);
	}
	return -2;
}

static pid_t torture_spawn(struct lkipc *k, const char *name, int i,
			   unsigned int id, int spin, struct torture_shared *sh)
{
	pid_t pid;

	__atomic_store_n(&sh->parked[i], 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->slot[i], 0, __ATOMIC_SEQ_CST);
	pid = fork_child();
	if (pid == 0)
		torture_worker(k, name, i, id, spin, sh);
	return pid;
}

/*
 * A value-1 semaphore as a lock, P(1) and V(1) with undo, four workers
 * each on its own description; the parent kills one at a random moment
 * (half of the time stopping it first to see where it is), reaps it,
 * parks the others outside the lock and checks: the value is 1 (the
 * dead worker's unit came back exactly once), nobody waits, every record
 * of the undo page has held 0; then a new worker takes its place.
 * Mutual exclusion is watched throughout.  A worker killed while its
 * change is only in the word's tag (the usual state: the record is
 * written only when a tag is recorded) loses its unit if the release
 * ignores the tag (every worker then waits forever: "unit lost"); one
 * killed after a V folded into a recorded P forges a unit if the release
 * trusts the record alone (value 2, two inside); a record off by one
 * shows in the held check.  KIPC_UNDO_SEED and KIPC_UNDO_ROUNDS replay
 * or lengthen a run.
 */
TEST_F_TIMEOUT(undo_torture, kill_holders, 600)
{
	struct torture_shared *sh = shared_map(sizeof(*sh));
	unsigned int seed = env_uint("KIPC_UNDO_SEED", 20261206);
	unsigned int rounds = env_uint("KIPC_UNDO_ROUNDS", variant->rounds);
	unsigned int ids[TORTURE_PROCS], next_id = 0, first = 0, round;
	unsigned int pending_kills = 0, holder_kills = 0, stopped = 0;
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_page *pg;
	pid_t pid[TORTURE_PROCS];
	struct kipc_sem_stat st;
	int fd, i, who = -1, status = 0, ret;
	double start = now_mono();
	unsigned int s;

	ASSERT_NE(NULL, sh);
	TH_LOG("seed %u (KIPC_UNDO_SEED), %u rounds", seed, rounds);
	ASSERT_EQ(0, create_sem(&self->k, self->name, 1, 10));
	fd = open_rw(&self->k, self->name);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, undo_slot(fd, &s));
	pg = map_page(fd, PROT_READ);
	ASSERT_NE(NULL, pg);
	recs = map_undo(fd, PROT_READ);
	ASSERT_NE(NULL, recs);
	for (i = 0; i < TORTURE_PROCS; i++) {
		ids[i] = ++next_id << 8 | (i + 1);
		pid[i] = torture_spawn(&self->k, self->name, i, ids[i],
				       variant->spin, sh);
		ASSERT_LT(0, pid[i]);
	}

	/*
	 * Before any kill: the workers run a while, park, and every record
	 * must be 0 (nobody holds anything).  A record that drifted here is
	 * an operation lost or counted twice with nobody killed.
	 */
	usleep(300000);
	ret = park_all(sh, pid, fd, &who, &status);
	ASSERT_EQ(0, ret) {
		TH_LOG("before any kill: %s; value %lld, %lld waiters",
		       ret == -1 ? "unit lost" : ret == -2 ?
		       "workers did not park" : "a worker died",
		       sem_value(fd), sem_nwaiters(fd));
		if (ret == -3)
			TH_LOG("worker %d: status 0x%x, bad %d", who, status,
			       sh->bad[who]);
	}
	ASSERT_EQ(0, sem_stat(fd, &st, NULL, 0));
	EXPECT_EQ(1, st.value);
	EXPECT_EQ(0, held_records(recs, &first)) {
		TH_LOG("before any kill, %ld entries: slot %u holds %d",
		       sh->entries, first, (int)rec_get(recs, first).held);
	}
	EXPECT_EQ(0, sh->violations);
	ASSERT_TRUE(__test_passed(_metadata));

	for (round = 0; round < rounds; round++) {
		uint64_t w;

		i = rand_r(&seed) % TORTURE_PROCS;
		/* Solo: the others stay parked (solo set before pause goes). */
		if (variant->solo)
			__atomic_store_n(&sh->solo, i + 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sh->pause, 0, __ATOMIC_SEQ_CST);
		usleep(500 + rand_r(&seed) % 3000);
		__atomic_store_n(&sh->killed, ids[i], __ATOMIC_SEQ_CST);
		if (rand_r(&seed) % 2) {
			/* Stop it first: where is it? */
			kill(pid[i], SIGSTOP);
			ASSERT_EQ(pid[i], waitpid(pid[i], &status, WUNTRACED));
			ASSERT_TRUE(WIFSTOPPED(status)) {
				TH_LOG("worker %d ended (status 0x%x, bad %d)",
				       i, status, sh->bad[i]);
			}
			stopped++;
			w = word(pg);
			if (sh->slot[i] && TAG_SLOT(w) == sh->slot[i] &&
			    tag_pending(recs, w) && tag_delta(w))
				pending_kills++;
		}
		if (__atomic_load_n(&sh->owner, __ATOMIC_SEQ_CST) == ids[i])
			holder_kills++;
		kill(pid[i], SIGKILL);
		ASSERT_EQ(1000 + SIGKILL, reap(pid[i])) {
			TH_LOG("worker %d, round %u: bad %d", i, round,
			       sh->bad[i]);
		}
		pid[i] = -1;
		__atomic_store_n(&sh->pause, 1, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sh->solo, 0, __ATOMIC_SEQ_CST);

		ret = park_all(sh, pid, fd, &who, &status);
		ASSERT_EQ(0, ret) {
			TH_LOG("round %u (worker %d killed): %s; value %lld, %lld waiters, word 0x%llx",
			       round, i, ret == -1 ? "unit lost" :
			       ret == -2 ? "workers did not park" :
			       "a worker died", sem_value(fd),
			       sem_nwaiters(fd),
			       (unsigned long long)word(pg));
			if (ret == -3)
				TH_LOG("worker %d: status 0x%x, bad %d", who,
				       status, sh->bad[who]);
		}
		ASSERT_EQ(0, sem_stat(fd, &st, NULL, 0));
		EXPECT_EQ(1, st.value) {
			TH_LOG("round %u, worker %d killed", round, i);
		}
		EXPECT_EQ(0, st.nwaiters);
		EXPECT_EQ(0, held_records(recs, &first)) {
			TH_LOG("round %u: slot %u holds %d", round, first,
			       (int)rec_get(recs, first).held);
		}
		EXPECT_EQ(0, __atomic_load_n(&sh->violations,
					     __ATOMIC_SEQ_CST)) {
			TH_LOG("round %u: mutual exclusion violated", round);
		}
		if (!__test_passed(_metadata))
			break;
		/* Nobody inside: the dead worker may still be named. */
		w = __atomic_load_n(&sh->owner, __ATOMIC_SEQ_CST);
		EXPECT_TRUE(w == 0 || w == ids[i]);
		__atomic_store_n(&sh->owner, 0, __ATOMIC_SEQ_CST);
		__atomic_store_n(&sh->killed, 0, __ATOMIC_SEQ_CST);
		ids[i] = ++next_id << 8 | (i + 1);
		pid[i] = torture_spawn(&self->k, self->name, i, ids[i],
				       variant->spin, sh);
		ASSERT_LT(0, pid[i]);
	}

	/* The end: everyone parked, then killed holding nothing. */
	ret = park_all(sh, pid, fd, &who, &status);
	EXPECT_EQ(0, ret);
	for (i = 0; i < TORTURE_PROCS; i++) {
		if (pid[i] <= 0)
			continue;
		kill(pid[i], SIGKILL);
		reap(pid[i]);
	}
	TH_LOG("%u kills (%u stopped first: %u with a change only in the tag), %u holding the lock, %ld entries, %.1f s",
	       round, stopped, pending_kills, holder_kills, sh->entries,
	       now_mono() - start);
	EXPECT_EQ(0, sh->violations);
	EXPECT_EQ(1, sem_value(fd));
	EXPECT_EQ(0, sem_nwaiters(fd));
	EXPECT_EQ(0, held_records(recs, NULL));
	EXPECT_EQ(0, stat_undo(fd));
	EXPECT_LT((long)round * 3, sh->entries);
	unmap_page(recs);
	unmap_page(pg);
	close(fd);
}

/* ---- Threads sharing one description ----------------------------------- */

#define THR_N 4
#define THR_ITERS 1500

struct thr_arg {
	struct lkipc_sem *sem;
	int iters;		/* P/V pairs, or 0: one P, kept */
	int ret;
};

static void *thr_main(void *p)
{
	struct thr_arg *a = p;
	int i, ret;

	if (!a->iters) {
		a->ret = lkipc_sem_wait(a->sem, 1, KIPC_SEM_UNDO, NULL);
		return NULL;
	}
	for (i = 0; i < a->iters; i++) {
		ret = lkipc_sem_wait(a->sem, 1, KIPC_SEM_UNDO, NULL);
		if (!ret)
			ret = lkipc_sem_post(a->sem, 1, KIPC_SEM_UNDO);
		if (ret) {
			a->ret = ret;
			break;
		}
	}
	return NULL;
}

struct thr_report {
	int step;
	int ret;
	long long undo1, value1, held1;	/* after the P/V loops */
	long long undo2, held2;		/* three units taken, one waiting */
	int maps;			/* the handle's mappings */
};

/* Everything the process does: returns 0 or the failing step. */
static int thr_child(struct lkipc *k, const char *name, struct thr_report *r,
		     int pipefd)
{
	struct thr_arg a[THR_N];
	pthread_t t[THR_N];
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_stat st;
	struct lkipc_sem h;
	unsigned int s;
	int i, before;

	before = sem_maps(NULL);
	if (lkipc_sem_open(k, &h, name, 0, 0, 0))
		return 1;
	/* No warm-up: the threads' first P's race to set the slot up. */
	for (i = 0; i < THR_N; i++) {
		a[i] = (struct thr_arg){ .sem = &h, .iters = THR_ITERS };
		if (pthread_create(&t[i], NULL, thr_main, &a[i]))
			return 2;
	}
	for (i = 0; i < THR_N; i++) {
		pthread_join(t[i], NULL);
		if (a[i].ret) {
			r->ret = a[i].ret;
			return 3;
		}
	}
	r->maps = sem_maps(NULL) - before;
	if (lkipc_sem_stat(&h, &st, NULL, 0))
		return 4;
	if (undo_slot(h.fd, &s))
		return 5;
	recs = map_undo(h.fd, PROT_READ);
	if (!recs)
		return 6;
	r->undo1 = st.undo;
	r->value1 = st.value;
	r->held1 = rec_get(recs, s).held;

	/* Three units taken by three threads, the fourth waits. */
	for (i = 0; i < THR_N; i++) {
		a[i] = (struct thr_arg){ .sem = &h, .iters = 0 };
		if (pthread_create(&t[i], NULL, thr_main, &a[i]))
			return 7;
	}
	if (WAIT_FOR(sem_nwaiters(h.fd), 1))
		return 8;
	if (lkipc_sem_stat(&h, &st, NULL, 0))
		return 9;
	r->undo2 = st.undo;
	r->held2 = rec_get(recs, s).held;
	if (write(pipefd, "x", 1) != 1)
		return 10;
	for (;;)
		pause();
}

/*
 * Four threads of one process share a handle, so one description and
 * one slot: P(1)/V(1) with undo in loops (three units: some P's wait in
 * the kernel) leave the record at 0 and the value where it was, with one
 * undo page mapped (two threads setting it up at once must not leak a
 * mapping, which would keep the description alive past its close).
 * Then three threads take a unit each through the page (held 3) and the
 * fourth waits; the process is killed: all three come back, nobody
 * waits.  Fails on per-thread state in the library (a second slot or a
 * lost record), and on a change folded into the word other than by one
 * compare-and-swap (two threads' updates, one lost: the count off).
 */
TEST_F_TIMEOUT(undo, threads_share_slot, 300)
{
	struct thr_report *r = shared_map(sizeof(*r));
	int obs, p[2], ret;
	pid_t pid;
	char c;

	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, create_sem(&self->k, self->name, 3, 10));
	obs = open_rw(&self->k, self->name);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, pipe(p));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(p[0]);
		ret = thr_child(&self->k, self->name, r, p[1]);
		r->step = ret;
		_exit(ret);
	}
	close(p[1]);
	ret = read(p[0], &c, 1);
	close(p[0]);
	ASSERT_EQ(1, ret) {
		TH_LOG("child: step %d, %d (%s)", r->step, r->ret,
		       lkipc_strerror(r->ret));
		kill(pid, SIGKILL);
		reap(pid);
	}
	EXPECT_EQ(0, r->undo1);
	EXPECT_EQ(3, r->value1);
	EXPECT_EQ(0, r->held1);
	EXPECT_EQ(2, r->maps);			/* the page, the undo page */
	EXPECT_EQ(3, r->undo2);
	EXPECT_EQ(3, r->held2);
	EXPECT_EQ(0, sem_value(obs));
	EXPECT_EQ(1, sem_nwaiters(obs));
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(pid));
	EXPECT_EQ(0, wait_value(obs, 3));
	EXPECT_EQ(0, sem_nwaiters(obs));
	usleep(100000);
	EXPECT_EQ(3, sem_value(obs));
	close(obs);
}

/* ---- Fast and kernel paths on one record --------------------------------- */

/*
 * The description's record is the kernel's plus the slot's, whichever
 * path made each operation (checked at every step through the stat, the
 * sum):
 *  - a P through the page then a V with undo through the ioctl
 *    (KIPC_IOC_SEM_POST, then KIPC_IOC_SEM_OP's add): the kernel takes
 *    the slot's units first (fails on a module that checks its own
 *    record alone: EINVAL);
 *  - V with undo past the record: EINVAL from the library and the ioctl,
 *    nothing changed (fails on a library that gives back through the page
 *    what the slot does not hold);
 *  - P with undo that must wait goes through the kernel, and V with undo
 *    afterwards works, then both go through the page again;
 *  - the close posts both, clamped to the maximum (fails on a release
 *    that forgets either, or passes max).
 */
TEST_F(undo, mixed_paths)
{
	struct kipc_sem_multi_entry ent;
	struct lkipc_sem sem;
	struct undo_view u;
	unsigned int s;
	int fd, i;
	pid_t pid;

	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 5, 10,
				    PROT_READ));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	fd = sem.fd;

	/* P through the page (the slot asked for first: a kernel section). */
	ASSERT_EQ(0, undo_slot(fd, &s));
	u.recs = map_undo(u.obs, PROT_READ);
	ASSERT_NE(NULL, u.recs);
	ASSERT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, slot_count(u.pg, u.recs, s));
	EXPECT_EQ(4, VALUE(word(u.pg)));
	EXPECT_EQ(s, TAG_SLOT(word(u.pg)));
	EXPECT_TRUE(tag_pending(u.recs, word(u.pg)));
	EXPECT_EQ(1, stat_undo(fd));
	/* V with undo by the ioctl: the kernel takes the slot's unit. */
	EXPECT_EQ(0, sem_v(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, slot_count(u.pg, u.recs, s));
	EXPECT_EQ(0, stat_undo(fd));
	EXPECT_EQ(5, sem_value(u.obs));
	/* Past the record, both ways. */
	EXPECT_EQ(-EINVAL, sem_v(fd, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(5, sem_value(u.obs));
	EXPECT_EQ(0, stat_undo(fd));

	/* The kernel's 2, the library's 1. */
	EXPECT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(3, stat_undo(fd));
	EXPECT_EQ(2, sem_value(u.obs));
	EXPECT_EQ(-EINVAL, sem_v(fd, 4, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 4, KIPC_SEM_UNDO));
	EXPECT_EQ(3, stat_undo(fd));
	EXPECT_EQ(2, sem_value(u.obs));
	/* Given back one by one, whatever path each takes. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(4, stat_undo(fd));
	for (i = 3; i >= 0; i--) {
		EXPECT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
		EXPECT_EQ(i, stat_undo(fd));
		EXPECT_EQ(5 - i, sem_value(u.obs));
	}
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(5, sem_value(u.obs));

	/* KIPC_IOC_SEM_OP's add with undo takes the slot's units too. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(2, stat_undo(fd));
	ent = (struct kipc_sem_multi_entry){ .fd = fd, .count = 2 };
	EXPECT_EQ(0, lkipc_sem_post_all(&self->k, &ent, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, slot_count(u.pg, u.recs, s));
	EXPECT_EQ(0, stat_undo(fd));
	EXPECT_EQ(5, sem_value(u.obs));

	/* A P that must wait: the kernel's, granted by a later post. */
	EXPECT_EQ(0, sem_p(u.obs, 5, 0));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		if (wait_nwaiters(u.obs, 1))
			_exit(20);
		_exit(-sem_v(u.obs, 1, 0));
	}
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(0, reap_within(pid, 20));
	EXPECT_EQ(1, stat_undo(fd));
	EXPECT_EQ(0, sem_value(u.obs));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, stat_undo(fd));
	EXPECT_EQ(1, sem_value(u.obs));
	/* Through the page again, both ways. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, slot_count(u.pg, u.recs, s));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, slot_count(u.pg, u.recs, s));
	EXPECT_EQ(0, sem_v(u.obs, 4, 0));

	/* The close posts the kernel's 2 and the slot's 1. */
	EXPECT_EQ(0, sem_p(fd, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(3, stat_undo(fd));
	EXPECT_EQ(2, sem_value(u.obs));
	EXPECT_EQ(0, lkipc_sem_close(&sem));
	EXPECT_EQ(0, wait_value(u.obs, 5));	/* no mapping kept it open */
	EXPECT_EQ(0, slot_count(u.pg, u.recs, s));

	/* Clamped: held 1 at the maximum posts nothing past it. */
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	EXPECT_EQ(0, sem_v(u.obs, 5, 0));
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(0, sem_v(u.obs, 1, 0));
	EXPECT_EQ(10, sem_value(u.obs));
	EXPECT_EQ(0, lkipc_sem_close(&sem));
	usleep(50000);
	EXPECT_EQ(10, sem_value(u.obs));
	EXPECT_EQ(0, held_records(u.recs, NULL));

	undo_view_close(&u);
}

/*
 * Moving a slot's count into the kernel's record (KIPC_IOC_SEM_OP's add
 * with undo, which hands the tag to nobody) moves the word's tag on with
 * the record's seq: a word read before the move never comes back, even
 * once the value is back where it was.  Else a V stalled between its load
 * and its compare-and-swap would swap against a count it did not read
 * and leave a tag that is not pending: counted nowhere, a unit forged at
 * the release (the model's BUG_K3_KEEPS_TAG-semop).  Fails on a module
 * whose absorb moves only the record's seq.
 */
TEST_F(undo, absorb_moves_tag_on)
{
	struct kipc_sem_multi_entry ent;
	struct lkipc_sem sem;
	struct undo_view u;
	uint64_t w0;

	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 2, 10,
				    PROT_READ));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	/* The slot and the tag, then a P folded into the tag. */
	ASSERT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	u.recs = map_undo(u.obs, PROT_READ);
	ASSERT_NE(NULL, u.recs);
	/* A kernel section records it: held 1, the tag's delta 0. */
	EXPECT_EQ(1, sem_value(u.obs));
	w0 = word(u.pg);
	EXPECT_EQ(1, rec_get(u.recs, TAG_SLOT(w0)).held);
	EXPECT_EQ(0, tag_delta(w0));
	/* V with undo through KIPC_IOC_SEM_OP, then a plain P: value 1. */
	ent = (struct kipc_sem_multi_entry){ .fd = sem.fd, .count = 1 };
	EXPECT_EQ(0, lkipc_sem_post_all(&self->k, &ent, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, rec_get(u.recs, TAG_SLOT(w0)).held);
	EXPECT_EQ(0, sem_p(u.obs, 1, 0));
	EXPECT_EQ(1, VALUE(word(u.pg)));
	EXPECT_NE(w0, word(u.pg));
	EXPECT_EQ(0, stat_undo(sem.fd));
	lkipc_sem_close(&sem);
	EXPECT_EQ(1, sem_value(u.obs));
	undo_view_close(&u);
}

/*
 * What stays the kernel's: NOMAP, read-only and write-only handles, and
 * on the mapped handle n > 1 and deadlines the ioctl refuses.  The slot
 * is asked for lazily, at the first P(1)/V(1) with undo of a mapped
 * read-write handle: until then the undo page cannot be mapped (fails on
 * a library that asks at open, which would run a semaphore with many
 * handles out of its 511 slots).  Errors are unchanged, and a failed or
 * refused operation leaves the record as it was: a bad deadline takes
 * nothing through the page (fails on a library that tries the page
 * before the arguments), V past the maximum is EOVERFLOW with the unit
 * still held (fails on one that decrements the record first).
 */
TEST_F(undo, kernel_cases)
{
	struct timespec bad = { .tv_sec = 0, .tv_nsec = 1000000000L };
	struct timespec past = { .tv_sec = 0 };
	long page = self->page;
	off_t off = (off_t)KIPC_SEM_UNDO_PGOFF * page;
	struct lkipc_sem sem, nomap, ro, wo;
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_page *pg;
	unsigned int s;
	int obs, saved;

	ASSERT_EQ(0, create_sem(&self->k, self->name, 5, 10));
	obs = open_rw(&self->k, self->name);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &nomap, self->name,
				    LKIPC_OPEN_NOMAP, 0, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &ro, self->name,
				    KIPC_OPEN_READ, 0, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &wo, self->name,
				    KIPC_OPEN_WRITE, 0, 0));
	/* Opened, no slot asked for. */
	EXPECT_EQ(EINVAL, mmap_errno(obs, page, PROT_READ, MAP_SHARED, off));

	EXPECT_EQ(0, lkipc_sem_wait(&nomap, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, stat_undo(nomap.fd));
	EXPECT_EQ(0, lkipc_sem_post(&nomap, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&nomap, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EBADF, lkipc_sem_wait(&ro, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(-EBADF, lkipc_sem_trywait(&ro, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EBADF, lkipc_sem_post(&ro, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_wait(&wo, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(0, lkipc_sem_post(&wo, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&wo, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(5, sem_value(obs));
	/* Still nobody asked. */
	EXPECT_EQ(EINVAL, mmap_errno(obs, page, PROT_READ, MAP_SHARED, off));

	/* The first P(1) with undo on the mapped handle asks. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	ASSERT_EQ(0, undo_slot(sem.fd, &s));
	recs = map_undo(obs, PROT_READ);
	ASSERT_NE(NULL, recs);
	pg = map_page(obs, PROT_READ);
	ASSERT_NE(NULL, pg);
	EXPECT_EQ(1, slot_count(pg, recs, s));
	EXPECT_EQ(4, sem_value(obs));

	/* n > 1: the kernel's record. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 2, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, slot_count(pg, recs, s));
	EXPECT_EQ(3, stat_undo(sem.fd));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 2, KIPC_SEM_UNDO));
	EXPECT_EQ(1, stat_undo(sem.fd));
	/* Refused arguments: nothing taken, not even through the page. */
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, &bad));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO |
					  KIPC_SEM_REALTIME, NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO |
					  KIPC_SEM_NONBLOCK, &past));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 11, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&sem, 0, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&sem, 0, KIPC_SEM_UNDO));
	/* (The V(2) moved the slot's unit to the kernel's record.) */
	EXPECT_EQ(0, slot_count(pg, recs, s));
	EXPECT_EQ(1, stat_undo(sem.fd));
	EXPECT_EQ(4, sem_value(obs));

	/* Errors unchanged, the record kept, errno untouched. */
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, slot_count(pg, recs, s));
	EXPECT_EQ(0, sem_v(obs, 7, 0));		/* at the maximum */
	saved = errno = 4321;
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(saved, errno);
	EXPECT_EQ(2, stat_undo(sem.fd));
	EXPECT_EQ(10, sem_value(obs));
	EXPECT_EQ(0, sem_p(obs, 10, 0));
	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, &past));
	EXPECT_EQ(saved, errno);
	EXPECT_EQ(2, stat_undo(sem.fd));
	EXPECT_EQ(0, sem_value(obs));
	EXPECT_EQ(0, sem_v(obs, 3, 0));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, stat_undo(sem.fd));
	EXPECT_EQ(5, sem_value(obs));

	/* Destroyed: EIDRM both ways, nothing taken. */
	EXPECT_EQ(0, lkipc_sem_destroy(&sem));
	EXPECT_EQ(-EIDRM, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(-EIDRM, lkipc_sem_trywait(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO));
	EXPECT_EQ(0, slot_count(pg, recs, s));

	unmap_page(pg);
	unmap_page(recs);
	lkipc_sem_close(&wo);
	lkipc_sem_close(&ro);
	lkipc_sem_close(&nomap);
	lkipc_sem_close(&sem);
	EXPECT_EQ(0, sem_maps(NULL));	/* the undo page went with it */
	close(obs);
}

/* ---- A hostile writer ---------------------------------------------------- */

/* The kernel's view after a garbling: sane, or the reason it is not. */
static const char *undo_sane(int fd, struct kipc_sem_page *pg)
{
	struct kipc_sem_stat st;
	uint64_t w;

	if (sem_stat(fd, &st, NULL, 0))
		return "stat failed";
	if (st.value > HOSTILE_MAX)
		return "value above max";
	if (st.max != HOSTILE_MAX)
		return "max changed";
	if (st.nwaiters)
		return "waiters";
	w = word(pg);
	if (!(w & KIPC_SEM_SLOW) && VALUE(w) != st.value)
		return "word and value differ";
	return NULL;
}

/*
 * A tag for slot t that looks pending against its record now: what a
 * hostile process that reads the records (it cannot write them) can make
 * the kernel record.
 */
static uint64_t forged_tag(struct kipc_sem_undo_rec *recs, unsigned int t,
			   int delta)
{
	return make_tag(t, delta, rec_get(recs, t).seq + 1);
}

/*
 * One garbling of the word at a time, each followed by a kernel section
 * and the honest handle's P(1) and V(1) with undo, from a description
 * that holds a slot of its own, maps the word read-write and the records
 * read-only (it cannot map them writable: the first check): tags naming
 * slot 0 (dropped), slots with no owner, its own and the honest one's,
 * made to look pending with deltas from -8 to 7 (the kernel then records
 * them: held wraps past 0 or 0xffffffff), stale seqs, every bit of the
 * tag, values above max, SLOW.  Then it closes with a record it grew by
 * 7 at a time.  No WARN (run_kselftests.sh scans the log), the value
 * never above max, the word the value after each kernel section, the
 * close posting no more than max - value (no more than a V could); a new
 * holder of a slot whose free record was garbled starts at 0, and
 * the semaphore works as new.  Fails on a kernel that trusts an index or
 * a held (past the page, past max), warns on garbage, or loops on it.
 */
TEST_F(undo, hostile_word)
{
	unsigned int hs, os, seed = 77, i;
	long page = self->page;
	struct kipc_sem_page *hpg;
	struct lkipc_sem hon;
	struct undo_view u;
	const char *why;
	int hfd, ret, step, d;

	ASSERT_EQ(0, undo_view_open(&u, &self->k, self->name, 4, HOSTILE_MAX,
				    PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &hon, self->name, 0, 0, 0));
	ASSERT_EQ(0, lkipc_sem_wait(&hon, 1, KIPC_SEM_UNDO, NULL));
	ASSERT_EQ(0, lkipc_sem_post(&hon, 1, KIPC_SEM_UNDO));
	ASSERT_EQ(0, undo_slot(hon.fd, &os));
	hfd = open_rw(&self->k, self->name);
	ASSERT_LE(0, hfd);
	ASSERT_EQ(0, undo_slot(hfd, &hs));
	EXPECT_EQ(EACCES, mmap_errno(hfd, page, PROT_READ | PROT_WRITE,
				     MAP_SHARED,
				     (off_t)KIPC_SEM_UNDO_PGOFF * page));
	hpg = map_page(hfd, PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, hpg);
	/* (Through u.obs: a mapping would keep hfd's description open.) */
	u.recs = map_undo(u.obs, PROT_READ);
	ASSERT_NE(NULL, u.recs);

	for (step = 0; step < 48; step++) {
		uint64_t v = VALUE(word(hpg)), r64;
		unsigned int t = 300 + rand_r(&seed) % 200;

		r64 = (uint64_t)rand_r(&seed) << 32 | rand_r(&seed);
		d = step % 16 - 8;
		switch (step % 12) {
		case 0:		/* slot 0: dropped by the kernel */
			set_word(hpg, v | make_tag(0, d, r64));
			EXPECT_LE(0, sem_value(u.obs));
			EXPECT_EQ(0, word(u.pg) & KIPC_SEM_TAG_MASK) {
				TH_LOG("step %d: a slot-0 tag kept", step);
			}
			break;
		case 1:		/* a slot nobody holds, pending */
			set_word(hpg, v | forged_tag(u.recs, t, d));
			break;
		case 2:		/* its own slot, +7 */
			set_word(hpg, v | forged_tag(u.recs, hs, 7));
			break;
		case 3:		/* the honest slot, -8 */
			set_word(hpg, v | forged_tag(u.recs, os, -8));
			break;
		case 4:		/* the honest slot, any delta */
			set_word(hpg, v | forged_tag(u.recs, os, d));
			break;
		case 5:		/* its own, a stale seq */
			set_word(hpg,
				 v | make_tag(hs, d,
					      rec_get(u.recs, hs).seq + 7));
			break;
		case 6:		/* every bit of the tag and the value */
			set_word(hpg, ~KIPC_SEM_SLOW);
			break;
		case 7:		/* SLOW and garbage */
			set_word(hpg, KIPC_SEM_SLOW | r64);
			break;
		case 8:		/* the last slot, seq at the top */
			set_word(hpg, v | make_tag(511, d, SEQ_MOD - 1));
			break;
		case 9:		/* random tag bits, value kept */
			set_word(hpg, v | (r64 & KIPC_SEM_TAG_MASK));
			break;
		case 10:	/* a value above max, a pending tag */
			set_word(hpg, (HOSTILE_MAX + 1 + (r64 & 0xff)) |
					      forged_tag(u.recs, os, 7));
			break;
		default:	/* its own slot, -8 */
			set_word(hpg, v | forged_tag(u.recs, hs, -8));
			break;
		}
		why = undo_sane(u.obs, u.pg);
		EXPECT_EQ(NULL, why) {
			TH_LOG("step %d: %s (word 0x%llx)", step, why,
			       (unsigned long long)word(u.pg));
		}
		/* The honest handle: only results the kernel could give. */
		ret = lkipc_sem_trywait(&hon, 1, KIPC_SEM_UNDO);
		EXPECT_TRUE(ret == 0 || ret == -EAGAIN) {
			TH_LOG("step %d: P: %d", step, ret);
		}
		ret = lkipc_sem_post(&hon, 1, KIPC_SEM_UNDO);
		EXPECT_TRUE(ret == 0 || ret == -EINVAL || ret == -EOVERFLOW) {
			TH_LOG("step %d: V: %d", step, ret);
		}
		/* The hostile one uses it too, through the library. */
		{
			struct lkipc_sem hh;
			int dfd = dup(hfd);

			ASSERT_LE(0, dfd);
			ASSERT_EQ(0, lkipc_sem_from_fd(&self->k, &hh, dfd, 0));
			ret = lkipc_sem_trywait(&hh, 1, KIPC_SEM_UNDO);
			EXPECT_TRUE(ret == 0 || ret == -EAGAIN);
			ret = lkipc_sem_post(&hh, 1, KIPC_SEM_UNDO);
			EXPECT_TRUE(ret == 0 || ret == -EINVAL ||
				    ret == -EOVERFLOW);
			lkipc_sem_close(&hh);
		}
		why = undo_sane(u.obs, u.pg);
		EXPECT_EQ(NULL, why) {
			TH_LOG("step %d, after P and V: %s", step, why);
		}
	}

	/* It grows its own record, 7 at a time, and closes. */
	for (i = 0; i < 20; i++) {
		set_word(hpg, VALUE(word(hpg)) | forged_tag(u.recs, hs, 7));
		EXPECT_LE(0, sem_value(u.obs));
	}
	TH_LOG("its record: %u", rec_get(u.recs, hs).held);
	ret = sem_value(u.obs);
	if (ret > 0)
		EXPECT_EQ(0, sem_p(u.obs, ret, 0));
	EXPECT_EQ(0, sem_v(u.obs, 3, 0));
	unmap_page(hpg);
	close(hfd);
	why = undo_sane(u.obs, u.pg);
	EXPECT_EQ(NULL, why) {
		TH_LOG("after the close: %s", why);
	}
	TH_LOG("value after the hostile close: %lld (max %d)",
	       sem_value(u.obs), HOSTILE_MAX);
	/* The honest one closes with a garbled record: clamped too. */
	lkipc_sem_close(&hon);
	why = undo_sane(u.obs, u.pg);
	EXPECT_EQ(NULL, why);

	/* Free records garbled through forged tags; new holders start at 0. */
	set_word(u.pg, VALUE(word(u.pg)) | forged_tag(u.recs, hs, 7));
	EXPECT_LE(0, sem_value(u.obs));
	set_word(u.pg, VALUE(word(u.pg)) | forged_tag(u.recs, os, 7));
	EXPECT_LE(0, sem_value(u.obs));
	EXPECT_LE(7, rec_get(u.recs, os).held);
	ret = sem_value(u.obs);
	if (ret > 0)
		EXPECT_EQ(0, sem_p(u.obs, ret, 0));
	EXPECT_EQ(0, sem_v(u.obs, HOSTILE_MAX, 0));
	EXPECT_EQ(-EOVERFLOW, sem_v(u.obs, 1, 0));
	EXPECT_EQ(0, sem_p(u.obs, HOSTILE_MAX - 2, 0));
	for (i = 0; i < 3; i++) {
		unsigned int ns;

		ASSERT_EQ(0, lkipc_sem_open(&self->k, &hon, self->name, 0, 0,
					    0));
		ASSERT_EQ(0, undo_slot(hon.fd, &ns));
		if (i == 0)
			EXPECT_TRUE(ns == os || ns == hs) {
				TH_LOG("slot %u, not a garbled one", ns);
			}
		EXPECT_EQ(0, stat_undo(hon.fd));
		EXPECT_EQ(0, lkipc_sem_wait(&hon, 1, KIPC_SEM_UNDO, NULL));
		EXPECT_EQ(0, lkipc_sem_wait(&hon, 1, KIPC_SEM_UNDO, NULL));
		EXPECT_EQ(2, stat_undo(hon.fd));
		EXPECT_EQ(0, sem_value(u.obs));
		EXPECT_EQ(0, lkipc_sem_close(&hon));
		EXPECT_EQ(0, wait_value(u.obs, 2));
	}
	undo_view_close(&u);
}

#define UNDO_STORM_WORKERS 4

struct storm_arg {
	struct kipc_sem_page *pg;
	struct kipc_sem_undo_rec *recs;
	struct hostile_shared *sh;
	unsigned int seed;
};

/* Forged pending tags for random slots, in a tight loop. */
static void *storm_tags(void *p)
{
	struct storm_arg *a = p;

	while (!stopped(a->sh)) {
		unsigned int r = rand_r(&a->seed);
		unsigned int t = r % KIPC_SEM_UNDO_SLOTS;

		set_word(a->pg, VALUE(word(a->pg)) |
					forged_tag(a->recs, t,
						   (int)(r >> 9) % 16 - 8));
		__atomic_fetch_add(&a->sh->writes, 1, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* Garbles the word: forged tags (a thread) and everything else. */
static void undo_scribbler(struct lkipc *k, const char *name,
			   struct hostile_shared *sh)
{
	struct storm_arg a;
	struct lkipc_sem h;
	unsigned int seed = 4711;
	pthread_t t;
	int fd = open_rw(k, name);

	if (fd < 0 || undo_slot(fd, NULL))
		_exit(80);
	a.pg = map_page(fd, PROT_READ | PROT_WRITE);
	a.recs = map_undo(fd, PROT_READ);
	if (!a.pg || !a.recs)
		_exit(81);
	a.sh = sh;
	a.seed = 17;
	if (pthread_create(&t, NULL, storm_tags, &a))
		_exit(82);
	while (!stopped(sh)) {
		uint64_t r = (uint64_t)rand_r(&seed) << 32 | rand_r(&seed);
		uint64_t v = VALUE(word(a.pg));

		switch (r % 5) {
		case 0:
			set_word(a.pg, v | (r & KIPC_SEM_TAG_MASK));
			break;
		case 1:
			set_word(a.pg, r);
			break;
		case 2:
			set_word(a.pg, (v + 1) | (r & KIPC_SEM_TAG_MASK));
			break;
		case 3:
			set_word(a.pg, word(a.pg) & ~KIPC_SEM_SLOW);
			break;
		default:
			set_word(a.pg, HOSTILE_MAX + 1 + (r & 0xff));
			break;
		}
		__atomic_fetch_add(&sh->writes, 1, __ATOMIC_SEQ_CST);
		if (r % 16 == 0)
			sched_yield();
	}
	pthread_join(t, NULL);
	/* Then it uses the semaphore normally, and closes. */
	if (lkipc_sem_from_fd(k, &h, fd, 0))
		_exit(83);
	if (lkipc_sem_trywait(&h, 1, KIPC_SEM_UNDO) == 0)
		lkipc_sem_post(&h, 1, KIPC_SEM_UNDO);
	lkipc_sem_trywait(&h, 1, KIPC_SEM_UNDO);
	lkipc_sem_close(&h);
	_exit(0);
}

/* P(1) and V(1) with undo, short deadlines: only the kernel's answers. */
static void undo_storm_worker(struct lkipc *k, const char *name,
			      struct hostile_shared *sh, unsigned int seed)
{
	struct lkipc_sem h;

	if (lkipc_sem_open(k, &h, name, 0, 0, 0))
		_exit(84);
	while (!stopped(sh)) {
		struct timespec ts = in_future(CLOCK_MONOTONIC, 5000000);
		int ret = rand_r(&seed) % 2 ?
				  lkipc_sem_wait(&h, 1, KIPC_SEM_UNDO, &ts) :
				  lkipc_sem_trywait(&h, 1, KIPC_SEM_UNDO);

		if (ret == 0)
			ret = lkipc_sem_post(&h, 1, KIPC_SEM_UNDO);
		if (ret && ret != -ETIMEDOUT && ret != -EAGAIN &&
		    ret != -EOVERFLOW && ret != -EINVAL)
			note_bad(sh, ret);
		__atomic_fetch_add(&sh->ops, 1, __ATOMIC_SEQ_CST);
	}
	lkipc_sem_close(&h);
	_exit(0);
}

/*
 * The same garbage written continuously, forged pending tags included,
 * while honest workers P and V with undo and an observer stats: every
 * call returns (a kernel retrying a record a process keeps changing
 * would never leave its spinlock), no value above max, no WARN;
 * afterwards the semaphore works as new.
 */
TEST_F_TIMEOUT(undo, hostile_storm, 200)
{
	struct hostile_shared *sh = shared_map(sizeof(*sh));
	pid_t pid[UNDO_STORM_WORKERS + 2];
	struct kipc_sem_stat st;
	struct lkipc_sem sem;
	int obs, i, n = UNDO_STORM_WORKERS + 2;
	long long v;

	ASSERT_NE(NULL, sh);
	ASSERT_EQ(0, create_sem(&self->k, self->name, 5, HOSTILE_MAX));
	obs = open_rw(&self->k, self->name);
	ASSERT_LE(0, obs);
	ASSERT_EQ(0, undo_slot(obs, NULL));
	for (i = 0; i < n; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (pid[i] == 0) {
			if (i == 0)
				undo_scribbler(&self->k, self->name, sh);
			if (i == 1) {
				while (!stopped(sh)) {
					if (sem_stat(obs, &st, NULL, 0))
						note_bad(sh, -1);
					else if (st.value > HOSTILE_MAX ||
						 st.nwaiters >
							 UNDO_STORM_WORKERS)
						__atomic_fetch_add(
							&sh->bad_stat, 1,
							__ATOMIC_SEQ_CST);
					__atomic_fetch_add(&sh->stats, 1,
							   __ATOMIC_SEQ_CST);
				}
				_exit(0);
			}
			undo_storm_worker(&self->k, self->name, sh, 31 * i);
		}
	}
	sleep(HOSTILE_SECONDS);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, reap_within(pid[i], 60)) {
			TH_LOG("process %d", i);
		}
	TH_LOG("%ld scribbles, %ld P/V, %ld observations", sh->writes,
	       sh->ops, sh->stats);
	EXPECT_EQ(0, sh->bad_ret);
	EXPECT_EQ(0, sh->bad_stat);
	EXPECT_LT(0, sh->writes);
	EXPECT_LT(0, sh->ops);
	ASSERT_EQ(0, sem_stat(obs, &st, NULL, 0));
	EXPECT_GE(HOSTILE_MAX, st.value);
	EXPECT_EQ(0, st.nwaiters);

	/* Works as new. */
	v = st.value;
	if (v)
		EXPECT_EQ(0, sem_p(obs, v, 0));
	EXPECT_EQ(0, sem_v(obs, 2, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, self->name, 0, 0, 0));
	EXPECT_EQ(0, lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL));
	EXPECT_EQ(1, stat_undo(sem.fd));
	EXPECT_EQ(1, sem_value(obs));
	EXPECT_EQ(0, lkipc_sem_close(&sem));
	EXPECT_EQ(0, wait_value(obs, 2));
	close(obs);
}

TEST_HARNESS_MAIN
