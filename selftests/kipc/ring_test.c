// SPDX-License-Identifier: GPL-2.0
/*
 * The shared ring (Documentation/ring.md): zero system calls when nobody
 * waits, one total order with the kernel paths, waiters never overtaken,
 * kill -9 at random points, a hostile writer, and the mmap rules.
 */
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#ifndef __has_feature
#define __has_feature(x) 0	/* clang's */
#endif
#if defined(__SANITIZE_ADDRESS__) || __has_feature(address_sanitizer)
#define RING_ASAN	1
#else
#define RING_ASAN	0
#endif

#define CAP	16
#define MSGSZ	64

static int open_queue(struct lkipc *k, struct lkipc_queue *q,
		      const char *name, unsigned int flags)
{
	struct lkipc_queue_attr attr = { .msgs = CAP, .msgsize = MSGSZ };

	return lkipc_queue_open(k, q, name, flags | KIPC_OPEN_CREATE, 0600,
				&attr);
}

static int stat_of(struct lkipc_queue *q, struct kipc_queue_stat *st)
{
	return lkipc_queue_stat(q, st);
}

/* A message: its id and a check word. */
struct rmsg {
	uint64_t id;
	uint64_t check;
};

/*
 * Messages of rmsg_len bytes (16 unless a test says otherwise): the id in
 * the first word, the check word in the last, as struct rmsg when 16.
 */
#define RMSG_MAX	8192
static size_t rmsg_len = sizeof(struct rmsg);

static uint64_t check_of(uint64_t id)
{
	return ~id * 0x9e3779b97f4a7c15ULL;
}

static int send_id(struct lkipc_queue *q, uint64_t id, unsigned int flags)
{
	uint64_t m[RMSG_MAX / 8];

	m[0] = id;
	m[rmsg_len / 8 - 1] = check_of(id);
	return lkipc_queue_send(q, 1, m, rmsg_len, flags, NULL);
}

/* The id received, or -errno; -EBADMSG if the check word is wrong. */
static int64_t recv_id(struct lkipc_queue *q, unsigned int flags)
{
	uint64_t m[RMSG_MAX / 8];
	int ret = lkipc_queue_recv(q, m, rmsg_len, KIPC_SEL_ANY, 0, NULL,
				   flags, NULL);

	if (ret < 0)
		return ret;
	if (ret != (int)rmsg_len || m[rmsg_len / 8 - 1] != check_of(m[0]))
		return -EBADMSG;
	return (int64_t)m[0];
}

FIXTURE(ring) {
	struct lkipc k;
	struct lkipc_queue q;
};

FIXTURE_SETUP(ring)
{
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	ASSERT_EQ(0, open_queue(&self->k, &self->q, NULL, 0));
}

FIXTURE_TEARDOWN(ring)
{
	lkipc_queue_close(&self->q);
	lkipc_close(&self->k);
}

TEST_F(ring, mapped_and_fast)
{
	struct kipc_queue_stat st;
	struct kipc_info info;

	ASSERT_EQ(0, lkipc_get_info(&self->k, &info));
	EXPECT_TRUE(info.features & KIPC_FEAT_RING);
	ASSERT_EQ(0, send_id(&self->q, 7, 0));
	ASSERT_EQ(7, recv_id(&self->q, 0));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);
	EXPECT_EQ(1, st.lanes);
	EXPECT_EQ(1, st.sent);
	EXPECT_EQ(1, st.received);
	EXPECT_EQ(sizeof(struct rmsg), st.bytes_sent);
	EXPECT_EQ(sizeof(struct rmsg), st.bytes_received);
	EXPECT_EQ(0, st.lost);
}

/* Install a seccomp filter on the calling thread. */
static int filter_syscalls(struct sock_filter *filter, unsigned short len)
{
	struct sock_fprog prog = { .len = len, .filter = filter };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog))
		return -1;
	return 0;
}

/*
 * Fail every system call but exit_group (and "allow", if not -1) from now
 * on (seccomp).
 */
static int no_syscalls(int allow)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_exit_group, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)allow, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
	};

	if (filter_syscalls(filter, ARRAY_SIZE(filter)))
		return -1;
	errno = 0;
	return syscall(SYS_getppid) == -1 && errno == ENOSYS ? 0 : -1;
}

/*
 * Fork a child that has warmed up the fast path (its thread's lane and the
 * pages, with one send and one receive): 0 in the child, which exits with
 * 10 if the warm-up failed.
 */
static pid_t fork_warm(struct lkipc_queue *q)
{
	pid_t pid = fork();

	if (pid == 0 && (send_id(q, 1, 0) || recv_id(q, 0) != 1))
		_exit(10);
	return pid;
}

/*
 * Fail mmap, munmap, mprotect, mremap, madvise and brk in the calling
 * thread from now on (seccomp, this thread only): the calls that take the
 * process's mmap_lock for writing.
 */
#ifdef __NR_mmap2
#define NR_MMAP2	__NR_mmap2	/* i386's mmap */
#else
#define NR_MMAP2	__NR_mmap
#endif
static int no_mapping(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_MMAP2, 5, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_munmap, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mremap, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_madvise, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_brk, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};

	if (filter_syscalls(filter, ARRAY_SIZE(filter)))
		return -1;
	errno = 0;
	return syscall(SYS_brk, 0) == -1 && errno == ENOSYS ? 0 : -1;
}

struct first_use {
	struct lkipc_queue *q;
	int step;		/* the step that failed, 0 if none */
	struct kipc_queue_stat st;
};

static void *first_use_thread(void *arg)
{
	struct first_use *f = arg;

	f->step = 1;
	if (no_mapping())
		return NULL;
	f->step = 2;
	if (send_id(f->q, 11, KIPC_MSG_NONBLOCK))
		return NULL;
	f->step = 3;
	if (recv_id(f->q, KIPC_MSG_NONBLOCK) != 11)
		return NULL;
	f->step = 4;
	if (stat_of(f->q, &f->st))
		return NULL;
	f->step = 0;
	return NULL;
}

/*
 * A thread's first fast operation on a queue maps no memory: its lane
 * record needs no malloc, whose first call in a thread maps an arena and
 * so waits for the mmap_lock behind any other thread's mapping work (a new
 * thread's stack populated under mlockall: pmqtest stalled 65-460 ms so).
 * In a thread that may not map memory, the first send and receive still
 * register a lane of their own: they took the ring.
 */
TEST_F(ring, first_use_maps_nothing)
{
	struct first_use f = { .q = &self->q, .step = -1 };
	pthread_t t;

#if RING_ASAN
	/* Its runtime maps memory in every thread, and replaces malloc. */
	SKIP(return, "AddressSanitizer build");
#endif
	/* The main thread's lane first. */
	ASSERT_EQ(0, send_id(&self->q, 10, 0));
	ASSERT_EQ(10, recv_id(&self->q, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, first_use_thread, &f));
	ASSERT_EQ(0, pthread_join(t, NULL));
	ASSERT_EQ(0, f.step);
	EXPECT_EQ(KIPC_RING_MODE_FAST, f.st.ring_mode);
	EXPECT_EQ(2, f.st.lanes);
	EXPECT_EQ(2, f.st.sent);
	EXPECT_EQ(2, f.st.received);
}

/*
 * After warm-up, sends and receives that need not wait run under a seccomp
 * filter that fails every system call but exit_group: they must all work.
 */
TEST_F_TIMEOUT(ring, zero_syscalls, 120)
{
	struct kipc_queue_stat st;
	pid_t pid;

	pid = fork_warm(&self->q);
	ASSERT_LE(0, pid);
	if (!pid) {
		int fail = 0;

		if (no_syscalls(-1))
			_exit(11);
		for (uint64_t i = 0; i < 10000 && !fail; i++) {
			uint64_t j, n = 1 + i % CAP;

			for (j = 0; j < n; j++)
				fail |= send_id(&self->q, i * CAP + j,
						KIPC_MSG_NONBLOCK) != 0;
			for (j = 0; j < n; j++)
				fail |= recv_id(&self->q, KIPC_MSG_NONBLOCK) !=
					(int64_t)(i * CAP + j);
			fail |= recv_id(&self->q, KIPC_MSG_NONBLOCK) !=
				-EAGAIN;
		}
		syscall(SYS_exit_group, fail ? 13 : 0);
	}
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	/* 10000 rounds of 1..16 messages: all went through the ring. */
	EXPECT_EQ(1 + 10000 / CAP * (CAP * (CAP + 1) / 2), st.sent);
	EXPECT_EQ(st.sent, st.received);
	EXPECT_EQ(0, st.lost);
}

/*
 * The other side of a spin test: wait until the child has armed step
 * "step" (it is about to block), give it 100 ms to be polling (its budget
 * is 1 s), then act.
 */
static void after_armed(volatile int *armed, int step)
{
	for (int i = 0; i < 10000 && *armed < step; i++)
		usleep(1000);
	usleep(100000);
}

/*
 * A receive or send that would block first polls the ring
 * (lkipc_set_spin): a message or a free slot that comes within the budget
 * is taken without a system call.  The child runs under a seccomp filter
 * that fails every system call but reading the clock (the vDSO's, unless
 * the clocksource has none), so a call that entered the kernel would fail
 * with ENOSYS.  With a deadline already past, there is no polling: the
 * receive goes straight to the kernel.  With the budget 0, neither polls.
 */
TEST_F_TIMEOUT(ring, spin_before_blocking, 120)
{
	volatile int *armed = shared_map(4096);
	struct kipc_queue_stat st;
	struct timespec past;
	pid_t pid;
	int i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "one CPU online: liblkipc never spins");
	ASSERT_NE(NULL, armed);
	clock_gettime(CLOCK_MONOTONIC, &past);
	past.tv_sec -= 1;
	lkipc_set_spin(2000000);		/* clamped */
	ASSERT_EQ(1000000, lkipc_set_spin(1000000));
	/*
	 * Our lane first: registering it enters the kernel, and a poller that
	 * sees the queue in kernel mode stops polling (a waiter may be there).
	 */
	ASSERT_EQ(0, send_id(&self->q, 1, 0));
	ASSERT_EQ(1, recv_id(&self->q, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		uint64_t m[2];
		int ret;

		/* Warm-up: this thread's lane, the pages. */
		if (send_id(&self->q, 1, 0) || recv_id(&self->q, 0) != 1 ||
		    no_syscalls(__NR_clock_gettime))
			syscall(SYS_exit_group, 10);
		*armed = 1;
		if (recv_id(&self->q, 0) != 42)		/* polled for */
			syscall(SYS_exit_group, 11);
		for (i = 0; i < CAP; i++)
			if (send_id(&self->q, 100 + i, KIPC_MSG_NONBLOCK))
				syscall(SYS_exit_group, 12);
		*armed = 2;
		if (send_id(&self->q, 200, 0))		/* polled for room */
			syscall(SYS_exit_group, 13);
		*armed = 3;
		while (*armed != 4)		/* the queue is drained */
			;
		/* Past deadline: the kernel at once, before 43 comes. */
		ret = lkipc_queue_recv(&self->q, m, sizeof(m), KIPC_SEL_ANY,
				       0, NULL, 0, &past);
		syscall(SYS_exit_group, ret == -ENOSYS ? 0 : 14);
	}
	after_armed(armed, 1);
	ASSERT_EQ(0, send_id(&self->q, 42, 0));
	after_armed(armed, 2);
	ASSERT_EQ(100, recv_id(&self->q, 0));
	after_armed(armed, 3);
	for (i = 1; i < CAP; i++)
		ASSERT_EQ(100 + i, recv_id(&self->q, 0));
	ASSERT_EQ(200, recv_id(&self->q, 0));
	*armed = 4;
	after_armed(armed, 4);
	ASSERT_EQ(0, send_id(&self->q, 43, 0));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(43, recv_id(&self->q, 0));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);

	/* Budget 0: a receive that would block enters the kernel. */
	ASSERT_EQ(1000000, lkipc_set_spin(0));
	*armed = 0;
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (send_id(&self->q, 1, 0) || recv_id(&self->q, 0) != 1 ||
		    no_syscalls(__NR_clock_gettime))
			syscall(SYS_exit_group, 10);
		*armed = 1;
		syscall(SYS_exit_group,
			recv_id(&self->q, 0) == -ENOSYS ? 0 : 11);
	}
	after_armed(armed, 1);
	ASSERT_EQ(0, send_id(&self->q, 44, 0));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(44, recv_id(&self->q, 0));
	munmap((void *)armed, 4096);
}

/*
 * A receiver blocked in the kernel puts the queue in kernel mode: a message
 * sent next, fast path or not, is handed to it; a receiver that comes later
 * finds nothing.  Then the queue goes back to fast mode.
 */
TEST_F(ring, waiter_not_overtaken)
{
	struct kipc_queue_stat st;
	pid_t pid;
	int i;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(recv_id(&self->q, 0) == 42 ? 0 : 1);
	for (i = 0; i < 500; i++) {
		ASSERT_EQ(0, stat_of(&self->q, &st));
		if (st.nreceivers == 1)
			break;
		usleep(10000);
	}
	ASSERT_EQ(1, st.nreceivers);
	EXPECT_EQ(KIPC_RING_MODE_KERNEL, st.ring_mode);
	ASSERT_EQ(0, send_id(&self->q, 42, 0));
	/* The handoff happened in the send: nothing is left for us. */
	EXPECT_EQ(-EAGAIN, recv_id(&self->q, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, send_id(&self->q, 43, 0));
	ASSERT_EQ(43, recv_id(&self->q, 0));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);
}

/*
 * A sender that had to wait because the slot it needs was still being read
 * by a fast receiver is admitted once that receiver frees the slot, which
 * it does without a system call: the kernel must look again by itself.
 * The slow receiver here is a child that claims a position by hand (R1-R4
 * of ring.md) and frees it (R6) when told, without the kick of R7.
 */
TEST_F_TIMEOUT(ring, sender_admitted_after_slow_reader, 120)
{
	int claimed[2], release[2];
	struct kipc_queue_stat st;
	struct kipc_ring_hdr *hdr;
	pid_t holder, sender;
	uint64_t i;
	char c;

	ASSERT_EQ(0, pipe(claimed));
	ASSERT_EQ(0, pipe(release));
	ASSERT_EQ(0, send_id(&self->q, 0, 0));
	holder = fork_child();
	ASSERT_LE(0, holder);
	if (!holder) {
		struct kipc_ring_lane_req req = { .size = sizeof(req) };
		struct kipc_ring_hdr *h;
		struct kipc_ring_slot *slot;
		struct kipc_ring_lane *lane;
		__u64 w, pos;
		char *base;

		if (stat_of(&self->q, &st) ||
		    ioctl(self->q.fd, KIPC_IOC_RING_LANE, &req))
			_exit(10);
		base = mmap(NULL, st.ring_bytes, PROT_READ | PROT_WRITE,
			    MAP_SHARED, self->q.fd, 0);
		if (base == MAP_FAILED)
			_exit(11);
		h = (struct kipc_ring_hdr *)base;
		lane = (struct kipc_ring_lane *)(base + h->lanes_offset) +
		       req.lane;
		w = __atomic_load_n(&h->cons, __ATOMIC_ACQUIRE);	/* R1 */
		pos = w & KIPC_RING_POS_MASK;
		slot = (struct kipc_ring_slot *)(base + h->slots_offset +
			(pos & (h->nslots - 1)) * h->slot_size);
		if ((w & KIPC_RING_SLOW) ||				/* R2 */
		    __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != pos + 1)
			_exit(12);
		__atomic_store_n(&lane->intent, KIPC_LANE_RECV | pos,	/* R3 */
				 __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&h->cons, &w, w + 1, 0, /* R4 */
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			_exit(13);
		/* R5 takes as long as the parent wants. */
		if (write(claimed[1], "c", 1) != 1 ||
		    read(release[0], &c, 1) != 1)
			_exit(14);
		__atomic_store_n(&slot->seq, pos + h->nslots,		/* R6 */
				 __ATOMIC_RELEASE);
		__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);	/* R8 */
		_exit(0);
	}
	ASSERT_EQ(1, read(claimed[0], &c, 1));
	/* Go round the ring until the next send needs the held slot. */
	ASSERT_EQ(0, stat_of(&self->q, &st));
	hdr = mmap(NULL, st.ring_bytes, PROT_READ, MAP_SHARED, self->q.fd, 0);
	ASSERT_NE(MAP_FAILED, hdr);
	for (i = 1; i < hdr->nslots; i++) {
		ASSERT_EQ(0, send_id(&self->q, i, 0));
		ASSERT_EQ((int64_t)i, recv_id(&self->q, 0));
	}
	sender = fork_child();
	ASSERT_LE(0, sender);
	if (!sender)
		_exit(send_id(&self->q, 99, 0) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR((stat_of(&self->q, &st), st.nsenders), 1));
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(KIPC_RING_MODE_KERNEL, st.ring_mode);
	/* The holder frees the slot and exits, with no system call on it. */
	ASSERT_EQ(1, write(release[1], "r", 1));
	EXPECT_EQ(0, reap(holder));
	EXPECT_EQ(0, WAIT_FOR((stat_of(&self->q, &st), st.nsenders), 0));
	EXPECT_EQ(0, reap(sender));
	EXPECT_EQ(99, recv_id(&self->q, 0));
	munmap(hdr, st.ring_bytes);
	close(claimed[0]);
	close(claimed[1]);
	close(release[0]);
	close(release[1]);
}

/* Producers and consumers on every path at once: one total order. */
#define MIX_PRODUCERS	5
#define MIX_MSGS	1500
#define MIX_TOTAL	(MIX_PRODUCERS * MIX_MSGS)

struct mix {
	uint64_t seen[MIX_TOTAL];
	uint32_t count;
	uint32_t bad;
};

/* Path of producer or consumer i: ring, ioctl, read/write. */
static struct lkipc_queue *path_handle(struct lkipc *k, struct lkipc_queue *q,
				       struct lkipc_queue *own, int i)
{
	if (i % 3 == 0)
		return q;
	/*
	 * A second handle without the mapping: every call is a syscall.  On
	 * failure own->fd is -1, and the first call fails.
	 */
	open_queue(k, own, "ring-mix", LKIPC_OPEN_NOMAP);
	return own;
}

TEST_F_TIMEOUT(ring, mixed_paths, 600)
{
	struct mix *mx = shared_map(sizeof(*mx));
	uint32_t last[MIX_PRODUCERS];
	pid_t pids[MIX_PRODUCERS + 4];
	struct lkipc_queue q;
	int i, n = 0;

	ASSERT_NE(NULL, mx);
	ASSERT_EQ(0, open_queue(&self->k, &q, "ring-mix", 0));
	for (i = 0; i < MIX_PRODUCERS; i++) {
		pids[n] = fork();
		ASSERT_LE(0, pids[n]);
		if (!pids[n]) {
			struct lkipc_queue own;
			struct lkipc_queue *h = path_handle(&self->k, &q, &own,
							    i);

			for (uint64_t s = 0; s < MIX_MSGS; s++) {
				uint64_t id = (uint64_t)i << 32 | s;
				struct rmsg m = { id,
					check_of(id) };

				if (i % 3 == 2 ?
				    write(h->fd, &m, sizeof(m)) != sizeof(m) :
				    send_id(h, id, 0))
					_exit(1);
			}
			_exit(0);
		}
		n++;
	}
	for (i = 0; i < 4; i++) {
		pids[n] = fork();
		ASSERT_LE(0, pids[n]);
		if (!pids[n]) {
			struct lkipc_queue own;
			struct lkipc_queue *h = path_handle(&self->k, &q, &own,
							    i);
			uint32_t prev[MIX_PRODUCERS];

			/* read(2) must not wait: the others may take all. */
			if (i % 3 == 2 && fcntl(h->fd, F_SETFL, O_NONBLOCK))
				_exit(3);
			memset(prev, 0xff, sizeof(prev));
			for (;;) {
				uint32_t slot, p, s;
				struct rmsg m;
				int64_t id;

				if (__atomic_load_n(&mx->count,
						    __ATOMIC_RELAXED) >=
				    MIX_TOTAL)
					_exit(0);
				if (i % 3 == 2) {
					ssize_t r = read(h->fd, &m, sizeof(m));

					id = r == sizeof(m) && m.check ==
					     check_of(m.id) ?
					     (int64_t)m.id : -EBADMSG;
					if (r < 0 && errno == EAGAIN)
						id = -EAGAIN;
				} else {
					id = recv_id(h, KIPC_MSG_NONBLOCK);
				}
				if (id == -EAGAIN) {
					usleep(100);
					continue;
				}
				if (id < 0) {
					mx->bad++;
					_exit(2);
				}
				p = id >> 32;
				s = (uint32_t)id;
				/* Per-producer order at this consumer. */
				if (p >= MIX_PRODUCERS ||
				    (prev[p] != UINT32_MAX && s <= prev[p]))
					__atomic_add_fetch(&mx->bad, 1,
							   __ATOMIC_RELAXED);
				if (p < MIX_PRODUCERS)
					prev[p] = s;
				slot = __atomic_fetch_add(&mx->count, 1,
							  __ATOMIC_RELAXED);
				if (slot < MIX_TOTAL)
					mx->seen[slot] = id;
			}
		}
		n++;
	}
	for (i = 0; i < n; i++)
		EXPECT_EQ(0, reap(pids[i]));
	EXPECT_EQ(0, mx->bad);
	ASSERT_EQ(MIX_TOTAL, mx->count);
	/* Every message exactly once. */
	memset(last, 0, sizeof(last));
	{
		uint8_t *once = calloc(MIX_TOTAL, 1);

		ASSERT_NE(NULL, once);
		for (i = 0; i < MIX_TOTAL; i++) {
			uint64_t id = mx->seen[i];
			uint32_t p = id >> 32, s = (uint32_t)id;

			ASSERT_LT(p, MIX_PRODUCERS);
			ASSERT_LT(s, MIX_MSGS);
			EXPECT_EQ(0, once[p * MIX_MSGS + s]);
			once[p * MIX_MSGS + s] = 1;
		}
		free(once);
	}
	lkipc_queue_close(&q);
	lkipc_queue_unlink(&self->k, "ring-mix");
	munmap(mx, sizeof(*mx));
}

/*
 * kill -9 at random points of fast-path sends and receives, beside a
 * producer and a consumer that are never killed.  Nothing is duplicated or
 * reordered; what is missing is at most one message per kill and at least
 * what the kernel counted lost; the queue works afterwards.
 */
#define K9_VICTIM_RECS	64
#define K9_SEEN		(1 << 20)

struct k9 {
	int stop_producer, stop_consumer;
	uint64_t p0_done;
	uint32_t c0_count, bad;
	uint64_t c0_seen[K9_SEEN];
};

struct k9_victim {
	uint64_t attempt, done;			/* senders */
	uint32_t count;				/* receivers */
	uint64_t recs[K9_VICTIM_RECS];
};

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

TEST_F_TIMEOUT(ring, kill9, 3000)
{
	const char *env = getenv("KIPC_RING_KILLS");
	int kills = env ? atoi(env) : 1000, i;
	struct k9 *st = shared_map(sizeof(*st));
	struct k9_victim *v;
	uint64_t *all, nall = 0, missing = 0, maybe = 0, expect_sent = 0;
	struct lkipc_queue_attr attr = { .msgs = CAP, .msgsize = RMSG_MAX };
	struct kipc_queue_stat qs;
	struct timespec ts;
	struct lkipc_queue q;
	pid_t p0, c0;

	/*
	 * Large messages: the copies between claim and publish (and between
	 * claim and free) take long enough for kills to land in them.
	 */
	ASSERT_EQ(0, lkipc_queue_open(&self->k, &q, NULL, 0, 0600, &attr));
	rmsg_len = RMSG_MAX;
	ASSERT_LT(0, kills);
	v = shared_map(sizeof(*v) * kills);
	ASSERT_NE(NULL, st);
	ASSERT_NE(NULL, v);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	srand(ts.tv_nsec);

	p0 = fork();
	ASSERT_LE(0, p0);
	if (!p0) {
		uint64_t s = 0;

		while (!__atomic_load_n(&st->stop_producer, __ATOMIC_RELAXED)) {
			int r = send_id(&q, s, KIPC_MSG_NONBLOCK);

			if (r == -EAGAIN) {
				usleep(50);
				continue;
			}
			if (r)
				_exit(1);
			st->p0_done = ++s;
		}
		_exit(0);
	}
	c0 = fork();
	ASSERT_LE(0, c0);
	if (!c0) {
		for (;;) {
			int64_t id = recv_id(&q, KIPC_MSG_NONBLOCK);

			if (id == -EAGAIN) {
				if (__atomic_load_n(&st->stop_consumer,
						    __ATOMIC_ACQUIRE))
					_exit(0);
				usleep(50);
				continue;
			}
			if (id < 0 || st->c0_count >= K9_SEEN)
				_exit(2);
			st->c0_seen[st->c0_count++] = id;
		}
	}
	for (i = 0; i < kills; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid) {
			struct k9_victim *me = &v[i];

			/*
			 * Non-blocking and retrying: a victim is nearly always
			 * inside a fast-path operation when the kill comes.
			 */
			if (i % 2 == 0) {
				for (uint64_t s = 0;; s++) {
					int r;

					me->attempt = s + 1;
					do {
						r = send_id(&q,
							    (uint64_t)(i + 1)
							    << 32 | s,
							    KIPC_MSG_NONBLOCK);
					} while (r == -EAGAIN);
					if (r)
						_exit(1);
					me->done = s + 1;
				}
			}
			for (;;) {
				int64_t id = recv_id(&q, KIPC_MSG_NONBLOCK);

				if (id == -EAGAIN)
					continue;
				if (id < 0)
					_exit(1);
				if (me->count == K9_VICTIM_RECS)
					pause();
				/* The entry first: a kill may come between. */
				me->recs[me->count] = id;
				__atomic_store_n(&me->count, me->count + 1,
						 __ATOMIC_RELEASE);
			}
		}
		usleep(rand() % 1500);
		kill(pid, SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, reap(pid));
	}
	__atomic_store_n(&st->stop_producer, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(0, reap(p0));
	__atomic_store_n(&st->stop_consumer, 1, __ATOMIC_RELEASE);
	EXPECT_EQ(0, reap(c0));

	/* Everything anyone received, and the per-producer order at each. */
	all = malloc(sizeof(*all) * (st->c0_count + (uint64_t)kills *
				     K9_VICTIM_RECS));
	ASSERT_NE(NULL, all);
	for (uint32_t j = 0; j < st->c0_count; j++) {
		uint64_t id = st->c0_seen[j];

		all[nall++] = id;
		for (uint32_t k = j; k-- > 0 && j - k < 64;)
			if (st->c0_seen[k] >> 32 == id >> 32) {
				EXPECT_LT(st->c0_seen[k], id);
				break;
			}
	}
	for (i = 1; i < kills; i += 2)
		for (uint32_t j = 0; j < v[i].count; j++) {
			all[nall++] = v[i].recs[j];
			if (j)
				EXPECT_TRUE(v[i].recs[j - 1] >> 32 !=
					    v[i].recs[j] >> 32 ||
					    v[i].recs[j - 1] < v[i].recs[j]);
		}
	qsort(all, nall, sizeof(*all), id_cmp);
	for (uint64_t j = 1; j < nall; j++)
		EXPECT_NE(all[j - 1], all[j]);	/* no duplicate */

	/* What was sent and is not found anywhere. */
#define FOUND(id) (bsearch(&(uint64_t){ id }, all, nall, sizeof(*all), \
			   id_cmp) != NULL)
	for (uint64_t s = 0; s < st->p0_done; s++)
		missing += !FOUND(s);
	expect_sent += st->p0_done;
	for (i = 0; i < kills; i += 2) {
		uint64_t base = (uint64_t)(i + 1) << 32;

		for (uint64_t s = 0; s < v[i].done; s++)
			missing += !FOUND(base | s);
		if (v[i].attempt > v[i].done && !FOUND(base | v[i].done))
			maybe++;
		expect_sent += v[i].done;
	}
	ASSERT_EQ(0, stat_of(&q, &qs));
	TH_LOG("%d kills: %llu messages received, %llu missing, %llu maybe never sent, %llu lost (counted)",
	       kills, (unsigned long long)nall, (unsigned long long)missing,
	       (unsigned long long)maybe, (unsigned long long)qs.lost);
	EXPECT_EQ(0, qs.msgs);
	/* Every loss is counted, and costs a kill. */
	EXPECT_LE(qs.lost, (uint64_t)kills);
	EXPECT_LE(missing, (uint64_t)kills);
	EXPECT_LE(qs.lost, missing + maybe);
	/* The counters add up: each position sent is received or lost. */
	EXPECT_EQ(qs.sent, qs.received + qs.lost + qs.dropped + qs.msgs);
	EXPECT_LE(expect_sent, qs.sent);
	/* It still works, and goes back to fast mode. */
	ASSERT_EQ(0, send_id(&q, 99, 0));
	ASSERT_EQ(99, recv_id(&q, 0));
	ASSERT_EQ(0, stat_of(&q, &qs));
	EXPECT_EQ(KIPC_RING_MODE_FAST, qs.ring_mode);
	free(all);
	munmap(v, sizeof(*v) * kills);
	munmap(st, sizeof(*st));
}

/*
 * A process with write access scribbles over the whole mapping while others
 * use the queue on every path: no kernel splat (the VM checks), nothing
 * hangs, and the kernel's own view stays consistent.
 */
TEST_F_TIMEOUT(ring, hostile_writer, 300)
{
	int *stop = shared_map(sizeof(int));
	struct kipc_queue_stat st;
	pid_t pids[4];
	int i;

	ASSERT_NE(NULL, stop);
	ASSERT_EQ(0, stat_of(&self->q, &st));
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		ASSERT_LE(0, pids[i]);
		if (pids[i])
			continue;
		srand(getpid());
		if (i == 0) {
			uint64_t *w = mmap(NULL, st.ring_bytes,
					   PROT_READ | PROT_WRITE, MAP_SHARED,
					   self->q.fd, 0);
			size_t n = st.ring_bytes / 8;

			if (w == MAP_FAILED)
				_exit(1);
			while (!*stop) {
				uint64_t val = (uint64_t)rand() << 33 ^ rand();
				size_t at = rand() % n;

				/* Aim at the control words half the time. */
				if (rand() & 1)
					at = (rand() % 6) * 8 + 64 * (rand() % 3);
				if (rand() & 1)
					val &= 0xff;
				if (rand() % 4 == 0)
					val |= KIPC_RING_SLOW;
				w[at] = val;
			}
			_exit(0);
		}
		while (!*stop) {
			struct timespec dl;
			char buf[MSGSZ];
			int64_t t;

			clock_gettime(CLOCK_MONOTONIC, &dl);
			dl.tv_nsec += 2000000;
			if (dl.tv_nsec >= 1000000000) {
				dl.tv_sec++;
				dl.tv_nsec -= 1000000000;
			}
			switch (i) {
			case 1:
				lkipc_queue_send(&self->q, 1 + rand() % 3, buf,
						 rand() % MSGSZ, 0, &dl);
				break;
			case 2:
				lkipc_queue_recv(&self->q, buf, sizeof(buf),
						 KIPC_SEL_ANY, 0, &t, 0, &dl);
				break;
			default:
				lkipc_queue_recv(&self->q, buf, sizeof(buf),
						 KIPC_SEL_EXACT, 2, &t, 0, &dl);
				lkipc_queue_send(&self->q, 2, buf, 8, 0, &dl);
				break;
			}
		}
		_exit(0);
	}
	sleep(3);
	*stop = 1;
	for (i = 0; i < 4; i++)
		EXPECT_EQ(0, reap(pids[i]));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_LE(st.msgs, st.cap_msgs);
	EXPECT_EQ(0, st.nreceivers);
	EXPECT_EQ(0, st.nsenders);
	EXPECT_EQ(st.sent, st.received + st.lost + st.dropped + st.msgs);
	TH_LOG("after the scribbler: sent %llu received %llu lost %llu queued %u",
	       (unsigned long long)st.sent, (unsigned long long)st.received,
	       (unsigned long long)st.lost, st.msgs);
	EXPECT_EQ(0, lkipc_queue_destroy(&self->q));
	munmap(stop, sizeof(int));
}

/*
 * Listings read a mapped queue without its lock and without entering it:
 * messages sent and received through the ring since the kernel last looked
 * are still counted, and the queue stays in fast mode.
 */
TEST_F(ring, listed_without_entering)
{
	struct kipc_obj_info *info = calloc(4096, sizeof(*info));
	struct kipc_queue_stat st;
	int i, n, found = 0;

	ASSERT_NE(NULL, info);
	ASSERT_EQ(0, stat_of(&self->q, &st));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, send_id(&self->q, i, 0));
	ASSERT_EQ(0, recv_id(&self->q, 0));
	n = lkipc_list(&self->k, info, 4096);
	ASSERT_LT(0, n);
	for (i = 0; i < n; i++) {
		if (info[i].id != st.id)
			continue;
		found++;
		EXPECT_EQ(4, info[i].q_msgs);
		EXPECT_EQ(4 * sizeof(struct rmsg), info[i].q_bytes);
		EXPECT_EQ(5, info[i].q_sent);
		EXPECT_EQ(1, info[i].q_received);
	}
	EXPECT_EQ(1, found);
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);
	EXPECT_EQ(4, st.msgs);
	free(info);
}

/* A queue of one message and its mapping, for the scribbling tests. */
struct scribbled {
	struct lkipc_queue q;
	struct kipc_ring_hdr *hdr;
	size_t len;
};

static int scribbled_open(struct lkipc *k, struct scribbled *sc)
{
	struct lkipc_queue_attr attr = { .msgs = 1, .msgsize = MSGSZ };
	struct kipc_queue_stat st;

	if (lkipc_queue_open(k, &sc->q, NULL, KIPC_OPEN_CREATE, 0600, &attr) ||
	    stat_of(&sc->q, &st))
		return -1;
	sc->len = st.ring_bytes;
	sc->hdr = mmap(NULL, sc->len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       sc->q.fd, 0);
	return sc->hdr == MAP_FAILED ? -1 : 0;
}

static struct kipc_ring_slot *scribbled_slot(struct scribbled *sc,
					     uint64_t pos)
{
	return (void *)((char *)sc->hdr + sc->hdr->slots_offset +
			(pos & (sc->hdr->nslots - 1)) * sc->hdr->slot_size);
}

static int kick(int fd)
{
	struct kipc_ring_kick kk = { .size = sizeof(kk) };

	return ioctl(fd, KIPC_IOC_RING_KICK, &kk);
}

/*
 * After a scribble the queue holds at most its capacity and still carries
 * a new message from a sender to a receiver (through the kernel: whatever
 * the scribble left queued is drained first).
 */
static void scribbled_check(struct __test_metadata *_metadata,
			    struct scribbled *sc)
{
	struct kipc_queue_stat st;
	char buf[MSGSZ];
	int64_t type;
	int i, ret;

	ASSERT_EQ(0, stat_of(&sc->q, &st));
	EXPECT_LE(st.msgs, st.cap_msgs);
	EXPECT_LE(st.bytes, st.cap_bytes);
	for (i = 0; i < 4; i++)
		if (lkipc_queue_recv(&sc->q, buf, sizeof(buf), KIPC_SEL_ANY,
				     0, &type, KIPC_MSG_NONBLOCK, NULL) ==
		    -EAGAIN)
			break;
	ASSERT_EQ(0, lkipc_queue_send(&sc->q, 5, "fresh", 5, KIPC_MSG_NONBLOCK,
				      NULL));
	ret = lkipc_queue_recv(&sc->q, buf, sizeof(buf), KIPC_SEL_EXACT, 5,
			       &type, KIPC_MSG_NONBLOCK, NULL);
	EXPECT_EQ(5, ret);
	EXPECT_EQ(5, type);
	ASSERT_EQ(0, stat_of(&sc->q, &st));
	EXPECT_LE(st.msgs, st.cap_msgs);
	munmap(sc->hdr, sc->len);
	EXPECT_EQ(0, lkipc_queue_close(&sc->q));
}

/*
 * A mapper publishes more messages than the queue's capacity (two slots
 * of a queue of one, prod = 2): the kernel must not take them in, which
 * ran out of its per-type entries and warned.
 */
TEST_F(ring, scribble_beyond_capacity)
{
	struct scribbled sc;
	struct kipc_ring_slot *s;
	uint64_t pos;

	ASSERT_EQ(0, scribbled_open(&self->k, &sc));
	ASSERT_EQ(2, sc.hdr->nslots);
	for (pos = 0; pos < 2; pos++) {
		s = scribbled_slot(&sc, pos);
		s->type = pos + 1;	/* two types: two per-type entries */
		s->len = 8;
		__atomic_store_n(&s->seq, pos + 1, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&sc.hdr->prod, 2, __ATOMIC_RELEASE);
	EXPECT_EQ(0, kick(sc.q.fd));
	scribbled_check(_metadata, &sc);
}

/*
 * A mapper moves both positions to the end of the position space, where
 * the next messages would run into the bits above it: the kernel keeps its
 * own positions, and its counters are not inflated by the jump.
 */
TEST_F(ring, scribble_positions_far_ahead)
{
	struct kipc_queue_stat st;
	struct scribbled sc;
	uint64_t far = KIPC_RING_POS_MASK - 1;

	ASSERT_EQ(0, scribbled_open(&self->k, &sc));
	__atomic_store_n(&sc.hdr->cons, far, __ATOMIC_RELEASE);
	__atomic_store_n(&sc.hdr->prod, far, __ATOMIC_RELEASE);
	EXPECT_EQ(0, kick(sc.q.fd));
	ASSERT_EQ(0, stat_of(&sc.q, &st));
	EXPECT_GT(1000, st.sent);
	EXPECT_GT(1000, st.received);
	scribbled_check(_metadata, &sc);
}

/*
 * A mapper publishes a message at cons but leaves prod at cons: a
 * receive of KIPC_SEL_LE looked for lower types from cons + 1 up to prod
 * and, with prod == cons, went round the whole position space in
 * userspace (the fuzzer's 32-bit lane hung there).  It must return.
 */
TEST_F(ring, scribble_published_at_empty)
{
	struct scribbled sc;
	struct kipc_ring_slot *s;
	char buf[64];
	int64_t type;
	int ret;

	ASSERT_EQ(0, scribbled_open(&self->k, &sc));
	s = scribbled_slot(&sc, 0);
	s->type = 1;
	s->len = 8;
	__atomic_store_n(&s->seq, 1, __ATOMIC_RELEASE);
	ret = lkipc_queue_recv(&sc.q, buf, sizeof(buf), KIPC_SEL_LE, 5, &type,
			       KIPC_MSG_NONBLOCK, NULL);
	EXPECT_TRUE(ret == -EAGAIN || ret == 8) {
		TH_LOG("lkipc_queue_recv: %d", ret);
	}
	scribbled_check(_metadata, &sc);
}

/* Who may map what. */
TEST_F(ring, mmap_rules)
{
	struct kipc_queue_stat st;
	size_t len;
	struct lkipc_queue ro, wo;
	void *p;

	ASSERT_EQ(0, stat_of(&self->q, &st));
	len = st.ring_bytes;
	ASSERT_LT(0, len);
	ASSERT_EQ(0, open_queue(&self->k, &ro, "ring-rules", KIPC_OPEN_READ));
	ASSERT_EQ(0, open_queue(&self->k, &wo, "ring-rules", KIPC_OPEN_WRITE));
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, ro.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(KIPC_RING_MAGIC, ((struct kipc_ring_hdr *)p)->magic);
	munmap(p, len);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_SHARED, ro.fd, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ, MAP_SHARED, wo.fd, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, self->q.fd, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len, PROT_READ, MAP_SHARED, self->q.fd,
				   getpagesize()));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, len + getpagesize(), PROT_READ,
				   MAP_SHARED, self->q.fd, 0));
	EXPECT_EQ(EINVAL, errno);
	/* A part of it is fine; it cannot grow. */
	p = mmap(NULL, getpagesize(), PROT_READ, MAP_SHARED, self->q.fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, getpagesize(), 2 * getpagesize(),
				     MREMAP_MAYMOVE));
	munmap(p, getpagesize());
	/* The lane ioctl wants a read-write handle. */
	{
		struct kipc_ring_lane_req req = { .size = sizeof(req) };

		EXPECT_EQ(-1, ioctl(ro.fd, KIPC_IOC_RING_LANE, &req));
		EXPECT_EQ(EBADF, errno);
		req.flags = 1;
		EXPECT_EQ(-1, ioctl(self->q.fd, KIPC_IOC_RING_LANE, &req));
		EXPECT_EQ(EINVAL, errno);
		req.flags = 0;
		req.__reserved = 1;
		EXPECT_EQ(-1, ioctl(self->q.fd, KIPC_IOC_RING_LANE, &req));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, ioctl(self->q.fd, KIPC_IOC_RING_LANE, NULL));
		EXPECT_EQ(EFAULT, errno);
	}
	{
		struct kipc_ring_kick kick = { .size = sizeof(kick), .flags = 1 };

		EXPECT_EQ(-1, ioctl(self->q.fd, KIPC_IOC_RING_KICK, &kick));
		EXPECT_EQ(EINVAL, errno);
		kick.flags = 0;
		EXPECT_EQ(0, ioctl(self->q.fd, KIPC_IOC_RING_KICK, &kick));
	}
	lkipc_queue_close(&ro);
	lkipc_queue_close(&wo);
	lkipc_queue_unlink(&self->k, "ring-rules");
}

TEST_F(ring, ioctl_sizes)
{
	TEST_LENGTH_FD(self->q.fd, kipc_ring_lane_req, KIPC_IOC_RING_LANE,
		       __reserved, );
	TEST_LENGTH_FD(self->q.fd, kipc_ring_kick, KIPC_IOC_RING_KICK, flags, );
}

/* A fork's child sends through the inherited mapping; the parent gets it. */
TEST_F(ring, fork_shares_mapping)
{
	struct kipc_queue_stat st;
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		_exit(send_id(&self->q, 5, 0) || send_id(&self->q, 6, 0));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(5, recv_id(&self->q, 0));
	EXPECT_EQ(6, recv_id(&self->q, 0));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	/* The child's thread got its own lane, the parent's another. */
	EXPECT_LE(2, st.lanes);
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);
}

/*
 * A queue used only through system calls skips the ring's enter work
 * until someone maps it (ring.md §5).  Its position words must still be
 * the truth when that happens: a process that maps it later receives, on
 * the fast path, what was sent before, in order, and the kernel takes in
 * what that process then did without it.
 */
TEST_F_TIMEOUT(ring, mapped_late, 60)
{
	struct kipc_queue_stat st;
	struct lkipc_queue nomap;
	char name[64];
	pid_t pid;
	int i;

	snprintf(name, sizeof(name), "ring-late-%d", getpid());
	ASSERT_EQ(0, open_queue(&self->k, &nomap, name, LKIPC_OPEN_NOMAP));
	for (i = 1; i <= 5; i++)
		ASSERT_EQ(0, send_id(&nomap, i, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(1, recv_id(&nomap, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(2, recv_id(&nomap, KIPC_MSG_NONBLOCK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct lkipc_queue late;

		/* Maps it; the first receive may register this thread's lane. */
		if (open_queue(&self->k, &late, name, 0) ||
		    recv_id(&late, KIPC_MSG_NONBLOCK) != 3)
			_exit(10);
		if (no_syscalls(-1))
			_exit(11);
		if (recv_id(&late, KIPC_MSG_NONBLOCK) != 4)
			syscall(SYS_exit_group, 12);
		if (send_id(&late, 6, KIPC_MSG_NONBLOCK))
			syscall(SYS_exit_group, 13);
		syscall(SYS_exit_group, 0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(5, recv_id(&nomap, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(6, recv_id(&nomap, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, recv_id(&nomap, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(0, stat_of(&nomap, &st));
	EXPECT_EQ(6, st.sent);
	EXPECT_EQ(6, st.received);
	EXPECT_EQ(0, st.lost);
	EXPECT_EQ(KIPC_RING_MODE_FAST, st.ring_mode);
	EXPECT_EQ(0, lkipc_queue_unlink(&self->k, name));
	EXPECT_EQ(0, lkipc_queue_close(&nomap));
}

/*
 * Sends and receives through the fast path are counted in sent and
 * received but change neither the last sender and receiver nor their
 * times (Documentation/ring.md): the kernel does not see who made them.
 * The child's operations run under the seccomp filter, so none of them
 * reached the kernel; they come more than a second after the parent's.
 */
TEST_F_TIMEOUT(ring, fast_path_not_last, 60)
{
	struct kipc_queue_stat st, st2;
	int ready[2], go[2];
	uint64_t m[2];
	pid_t pid;
	char c = 0;

	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	pid = fork_warm(&self->q);
	ASSERT_LE(0, pid);
	if (!pid) {
		int fail = 0;

		if (write(ready[1], &c, 1) != 1 || no_syscalls(SYS_read))
			_exit(11);
		if (read(go[0], &c, 1) != 1)
			_exit(12);
		for (int64_t i = 0; i < 100 && !fail; i++)
			fail |= send_id(&self->q, i, KIPC_MSG_NONBLOCK) ||
				recv_id(&self->q, KIPC_MSG_NONBLOCK) != i;
		syscall(SYS_exit_group, fail ? 13 : 0);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	/* A send and a receive through the kernel: this process. */
	m[0] = 2;
	m[1] = check_of(2);
	ASSERT_EQ(0, q_send_full(self->q.fd, 1, m, sizeof(m), 0, NULL));
	ASSERT_EQ(sizeof(m), q_recv_full(self->q.fd, m, sizeof(m),
					 KIPC_SEL_ANY, 0, 0, NULL, NULL, NULL));
	ASSERT_EQ(0, stat_of(&self->q, &st));
	EXPECT_EQ(getpid(), st.lspid);
	EXPECT_EQ(getpid(), st.lrpid);
	EXPECT_NE(0, st.stime);
	EXPECT_NE(0, st.rtime);
	usleep(1100000);
	ASSERT_EQ(1, write(go[1], &c, 1));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, stat_of(&self->q, &st2));
	EXPECT_EQ(st.sent + 100, st2.sent);
	EXPECT_EQ(st.received + 100, st2.received);
	EXPECT_EQ(KIPC_RING_MODE_FAST, st2.ring_mode);
	EXPECT_EQ(getpid(), st2.lspid);
	EXPECT_EQ(getpid(), st2.lrpid);
	EXPECT_EQ(st.stime, st2.stime);
	EXPECT_EQ(st.rtime, st2.rtime);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

TEST_HARNESS_MAIN
