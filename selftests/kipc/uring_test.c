// SPDX-License-Identifier: GPL-2.0
/*
 * uring_test: typed, in-order async receive, async strong P and the async
 * multi-wait through io_uring's IORING_OP_URING_CMD (Documentation/queues.md,
 * "io_uring"; Documentation/semaphores.md).  Where the module reports
 * KIPC_FEAT_URING_CMD (Linux 6.7 and later) the requests must keep their
 * place in the FIFO of blocked waiters, end at their deadline, on destroy
 * and at pipe-mode EOF, and, when their ring or task goes away, give back
 * what they were handed (a multi-wait: take nothing).  Elsewhere every such
 * command must complete with EOPNOTSUPP.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define NQUEUES 64

/*
 * Objects are opened without the shared mapping (LKIPC_OPEN_NOMAP): every
 * library call on them is a system call, and the requests under test meet
 * the kernel's waiters only.  A queue (8 messages of up to 64 bytes) is
 * created unless a name is given without KIPC_OPEN_CREATE.
 */
static int open_queue(struct lkipc *k, struct lkipc_queue *q,
		      const char *name, unsigned int flags,
		      unsigned int qflags)
{
	struct lkipc_queue_attr attr = {
		.msgs = 8, .msgsize = 64, .flags = qflags,
	};
	bool create = !name || (flags & KIPC_OPEN_CREATE);

	return lkipc_queue_open(k, q, name, flags | LKIPC_OPEN_NOMAP, 0600,
				create ? &attr : NULL);
}

/* An anonymous semaphore of this value. */
static int open_sem(struct lkipc *k, struct lkipc_sem *sem,
		    unsigned int value)
{
	return lkipc_sem_open(k, sem, NULL, RW | LKIPC_OPEN_NOMAP, 0600,
			      value);
}

static void unlink_queue(int dev, const char *name)
{
	unlink_obj(dev, KIPC_OBJ_QUEUE, name);
}

static int q_send(struct lkipc_queue *q, int64_t type, const char *text)
{
	return lkipc_queue_send(q, type, text, strlen(text) + 1, 0, NULL);
}

static struct kipc_queue_stat q_stat(int fd)
{
	struct kipc_queue_stat st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, &st))
		st.msgs = ~0U;
	return st;
}

static unsigned int sem_waiters(int fd)
{
	struct kipc_sem_stat st;

	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (ioctl_ret(fd, KIPC_IOC_SEM_STAT, &st))
		return ~0U;
	return st.nwaiters;
}

/* Submit one prepared SQE with user_data id. */
static int submit_one(struct io_uring *ring, struct io_uring_sqe *sqe,
		      uint64_t id)
{
	io_uring_sqe_set_data64(sqe, id);
	return io_uring_submit(ring);
}

/* Prepare (prep: an lkipc_prep_*_cmd on handle h) and submit one request. */
#define SUBMIT(ring, prep, h, req, id)                                         \
	({                                                                     \
		struct io_uring_sqe *_sqe = io_uring_get_sqe(ring);            \
		_sqe ? (prep(_sqe, h, req), submit_one(ring, _sqe, id))        \
		     : -EBUSY;                                                 \
	})
#define submit_recv(ring, q, req, id) \
	SUBMIT(ring, lkipc_prep_recv_cmd, q, req, id)
#define submit_p(ring, s, req, id) \
	SUBMIT(ring, lkipc_prep_sem_wait_cmd, s, req, id)

/* Submit the command cmd_op on any descriptor, whatever its object. */
static int submit_cmd(struct io_uring *ring, int fd, unsigned int cmd_op,
		      void *req, uint64_t id)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	if (!sqe)
		return -EBUSY;
	lkipc_prep_kipc_cmd(sqe, fd, cmd_op, req);
	return submit_one(ring, sqe, id);
}

/* The next completion within 10 s: its res, its user_data in *id. */
static int reap_cqe(struct io_uring *ring, uint64_t *id)
{
	struct __kernel_timespec ts = { .tv_sec = 10 };
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_wait_cqe_timeout(ring, &cqe, &ts);
	if (ret)
		return 1000000 + ret;	/* no completion: not a valid res */
	ret = cqe->res;
	if (id)
		*id = io_uring_cqe_get_data64(cqe);
	io_uring_cqe_seen(ring, cqe);
	return ret;
}

/*
 * A ring whose task work runs only when its task asks for completions, so
 * that a request can be handed something it has not taken yet.
 */
static int init_deferred(struct io_uring *ring)
{
	return io_uring_queue_init(4, ring, IORING_SETUP_SINGLE_ISSUER |
				   IORING_SETUP_DEFER_TASKRUN);
}

/* No completion has come (yet): after a short look. */
static bool no_cqe(struct io_uring *ring)
{
	struct __kernel_timespec ts = { .tv_nsec = 50000000 };
	struct io_uring_cqe *cqe;

	return io_uring_wait_cqe_timeout(ring, &cqe, &ts) == -ETIME;
}

/* A child blocked in lkipc_queue_recv() on q: exits 0 if it gets "want". */
static pid_t blocked_receiver(struct lkipc_queue *q, const char *want)
{
	pid_t child = fork_child();

	if (child == 0) {
		char b[64];
		int n = lkipc_queue_recv(q, b, sizeof(b), KIPC_SEL_ANY, 0,
					 NULL, 0, NULL);

		_exit(n == (int)strlen(want) + 1 && !strcmp(b, want) ? 0 : 1);
	}
	return child;
}

FIXTURE(uring) {
	struct lkipc k;
	int dev;
	bool feature;
	bool multi;			/* KIPC_FEAT_SEM_MULTI_URING */
	struct io_uring ring;
};

FIXTURE_SETUP(uring)
{
	struct kipc_info info = { .size = sizeof(info) };
	int ret;

	self->k.fd = -1;
	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	self->dev = self->k.fd;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_GET_INFO, &info));
	self->feature = info.features & KIPC_FEAT_URING_CMD;
	self->multi = info.features & KIPC_FEAT_SEM_MULTI_URING;
	ret = io_uring_queue_init(2 * NQUEUES, &self->ring, 0);
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(uring)
{
	io_uring_queue_exit(&self->ring);
	lkipc_close(&self->k);
}

#define NEED_FEATURE()                                                         \
	do {                                                                   \
		if (!self->feature)                                            \
			SKIP(return, "no KIPC_FEAT_URING_CMD: %s",             \
			     "checked by uring.feature_or_eopnotsupp");        \
	} while (0)

/*
 * With the feature a blocking request parks; without it, queue and
 * semaphore commands complete with EOPNOTSUPP (and nothing is taken).
 */
TEST_F(uring, feature_or_eopnotsupp)
{
	struct lkipc_queue q;
	struct lkipc_sem s;
	struct kipc_recv r;
	struct kipc_sem_wait p;
	char buf[64];

	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	ASSERT_EQ(0, open_sem(&self->k, &s, 1));
	ASSERT_EQ(0, q_send(&q, 5, "kept"));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &r, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p, 1, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &r, 1));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p, 2));
	if (!self->feature) {
		EXPECT_EQ(-EOPNOTSUPP, reap_cqe(&self->ring, NULL));
		EXPECT_EQ(-EOPNOTSUPP, reap_cqe(&self->ring, NULL));
		EXPECT_EQ(1, q_stat(q.fd).msgs);
		EXPECT_EQ(0, lkipc_sem_trywait(&s, 1, 0));
	} else {
		uint64_t id;
		int res;

		for (int i = 0; i < 2; i++) {
			res = reap_cqe(&self->ring, &id);
			if (id == 1) {
				EXPECT_EQ(5, res);
				EXPECT_STREQ("kept", buf);
				EXPECT_EQ(5, r.type);
				EXPECT_EQ(5, r.msg_len);
			} else {
				EXPECT_EQ(2, id);
				EXPECT_EQ(0, res);
			}
		}
		EXPECT_EQ(0, q_stat(q.fd).msgs);
		EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&s, 1, 0));
	}
	lkipc_queue_close(&q);
	lkipc_sem_close(&s);
}

/*
 * 64 queues, a typed receive on each (exact type, lowest <= T, all but T),
 * all parked at once; messages of other types do not complete them, the
 * matching ones do, into the right buffers with their types.
 */
TEST_F(uring, typed_64_queues)
{
	static char bufs[NQUEUES][64];
	static struct kipc_recv reqs[NQUEUES];
	unsigned int sel[3] = { KIPC_SEL_EXACT, KIPC_SEL_LE, KIPC_SEL_NOT };
	static struct lkipc_queue qs[NQUEUES];
	bool done[NQUEUES] = { false };
	int i;

	NEED_FEATURE();
	for (i = 0; i < NQUEUES; i++) {
		ASSERT_EQ(0, open_queue(&self->k, &qs[i], NULL, RW, 0));
		/* exact 10 / lowest <= 10 / all but 10 */
		ASSERT_EQ(0, lkipc_queue_recv_req(&qs[i], &reqs[i], bufs[i],
						  sizeof(bufs[i]), sel[i % 3],
						  10, 0, NULL));
		ASSERT_EQ(1, submit_recv(&self->ring, &qs[i], &reqs[i], i));
	}
	for (i = 0; i < NQUEUES; i++)
		ASSERT_EQ(1, q_stat(qs[i].fd).nreceivers);
	/* Types that match nobody: 11 for exact and lowest, 10 for not. */
	for (i = 0; i < NQUEUES; i++)
		ASSERT_EQ(0, q_send(&qs[i], i % 3 == 2 ? 10 : 11, "other"));
	EXPECT_TRUE(no_cqe(&self->ring));
	for (i = NQUEUES - 1; i >= 0; i--) {
		char text[32];

		snprintf(text, sizeof(text), "queue %d", i);
		ASSERT_EQ(0, q_send(&qs[i], i % 3 == 0 ? 10 : 7, text));
	}
	for (int n = 0; n < NQUEUES; n++) {
		char want[32];
		uint64_t id;
		int res = reap_cqe(&self->ring, &id);

		ASSERT_GT(NQUEUES, id);
		snprintf(want, sizeof(want), "queue %d", (int)id);
		EXPECT_EQ((int)strlen(want) + 1, res);
		EXPECT_STREQ(want, bufs[id]);
		EXPECT_EQ(id % 3 == 0 ? 10 : 7, reqs[id].type);
		EXPECT_FALSE(done[id]);
		done[id] = true;
	}
	for (i = 0; i < NQUEUES; i++) {
		struct kipc_queue_stat st = q_stat(qs[i].fd);

		EXPECT_TRUE(done[i]);
		EXPECT_EQ(1, st.msgs);		/* the "other" */
		EXPECT_EQ(0, st.nreceivers);
		lkipc_queue_close(&qs[i]);
	}
}

/*
 * Several requests on one queue are served in submission order, one
 * message each, and a selective one does not hold up the others.
 */
TEST_F(uring, in_order_and_selective)
{
	struct kipc_recv reqs[4];
	char bufs[4][64];
	struct lkipc_queue q;
	uint64_t id;
	int i;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &reqs[0], bufs[0], 64,
					  KIPC_SEL_EXACT, 2, 0, NULL));
	for (i = 1; i < 4; i++)
		ASSERT_EQ(0, lkipc_queue_recv_req(&q, &reqs[i], bufs[i], 64,
						  KIPC_SEL_ANY, 0, 0, NULL));
	for (i = 0; i < 4; i++)
		ASSERT_EQ(1, submit_recv(&self->ring, &q, &reqs[i], i));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 4));
	/* Type 1 passes the type-2 receiver by: it goes to request 1. */
	ASSERT_EQ(0, q_send(&q, 1, "a"));
	EXPECT_EQ(2, reap_cqe(&self->ring, &id));
	EXPECT_EQ(1, id);
	EXPECT_STREQ("a", bufs[1]);
	/* Type 2 goes to the earliest request it matches: request 0. */
	ASSERT_EQ(0, q_send(&q, 2, "b"));
	EXPECT_EQ(2, reap_cqe(&self->ring, &id));
	EXPECT_EQ(0, id);
	EXPECT_STREQ("b", bufs[0]);
	ASSERT_EQ(0, q_send(&q, 3, "c"));
	ASSERT_EQ(0, q_send(&q, 3, "d"));
	EXPECT_EQ(2, reap_cqe(&self->ring, &id));
	EXPECT_EQ(2, id);
	EXPECT_STREQ("c", bufs[2]);
	EXPECT_EQ(2, reap_cqe(&self->ring, &id));
	EXPECT_EQ(3, id);
	EXPECT_STREQ("d", bufs[3]);
	lkipc_queue_close(&q);
}

/*
 * A request whose result cannot be written (its struct is in a read-only
 * page) completes with EFAULT and leaves the message queued, whether it
 * found the message at issue or was handed it while it waited.
 */
TEST_F(uring, result_unwritable)
{
	struct kipc_recv *req;
	struct lkipc_queue q;
	char buf[64];
	uint64_t id;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	req = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, req);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(0, mprotect(req, 4096, PROT_READ));
	ASSERT_EQ(0, q_send(&q, 1, "a"));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, req, 1));
	EXPECT_EQ(-EFAULT, reap_cqe(&self->ring, &id));
	EXPECT_EQ(1, q_stat(q.fd).msgs);
	ASSERT_EQ(2, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				      NULL, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_STREQ("a", buf);
	ASSERT_EQ(1, submit_recv(&self->ring, &q, req, 2));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, q_send(&q, 1, "b"));
	EXPECT_EQ(-EFAULT, reap_cqe(&self->ring, &id));
	EXPECT_EQ(2, id);
	EXPECT_EQ(1, q_stat(q.fd).msgs);
	EXPECT_EQ(0, q_stat(q.fd).nreceivers);
	munmap(req, 4096);
	lkipc_queue_close(&q);
}

/*
 * A request whose buffer's page was never touched cannot be filled
 * without a page fault, so its message goes through a kernel copy and out
 * with the queue's lock dropped: found at issue, or handed to it while it
 * waited (copied out in its task work), it arrives whole and is taken.
 */
TEST_F(uring, recv_into_untouched_page)
{
	struct kipc_recv req;
	struct lkipc_queue q;
	char *pages;
	uint64_t id;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	pages = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, pages, 64, KIPC_SEL_ANY,
					  0, 0, NULL));
	/* Without their NULs: the last byte of each must arrive too. */
	ASSERT_EQ(0, lkipc_queue_send(&q, 1, "at issue", 8, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(8, reap_cqe(&self->ring, &id));
	EXPECT_EQ(0, memcmp("at issue", pages, 8));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, pages + 4096, 64,
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 2));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, lkipc_queue_send(&q, 1, "handed", 6, 0, NULL));
	EXPECT_EQ(6, reap_cqe(&self->ring, &id));
	EXPECT_EQ(2, id);
	EXPECT_EQ(0, memcmp("handed", pages + 4096, 6));
	EXPECT_EQ(0, q_stat(q.fd).msgs);
	munmap(pages, 2 * 4096);
	lkipc_queue_close(&q);
}

/*
 * A child claims the next position of q's ring as a fast sender does
 * (lane intent, then prod) and never publishes it: the queue waits on a
 * living process, so its blocked receivers re-check every 10 ms.  The
 * child stays until killed.
 */
static pid_t stuck_claimant(int q)
{
	int sync[2];
	pid_t child;
	char c;

	if (pipe(sync))
		return -1;
	child = fork_child();
	if (child == 0) {
		struct kipc_ring_lane_req lr = { .size = sizeof(lr) };
		struct kipc_queue_stat st = q_stat(q);
		struct kipc_ring_lane *lanes;
		struct kipc_ring_hdr *h;
		__u64 p;

		h = mmap(NULL, st.ring_bytes, PROT_READ | PROT_WRITE,
			 MAP_SHARED, q, 0);
		if (h == MAP_FAILED || ioctl(q, KIPC_IOC_RING_LANE, &lr))
			_exit(1);
		lanes = (void *)((char *)h + h->lanes_offset);
		p = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE);
		if (p & KIPC_RING_SLOW)
			_exit(1);
		__atomic_store_n(&lanes[lr.lane].intent, KIPC_LANE_SEND | p,
				 __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&h->prod, &p, p + 1, 0,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(sync[1]);
	if (child > 0 && read(sync[0], &c, 1) != 1) {
		kill(child, SIGKILL);
		reap(child);
		child = -1;
	}
	close(sync[0]);
	return child;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * Many timed requests with random deadlines on a queue whose receivers
 * re-check every 10 ms (each re-check re-arms a request's timer): every
 * one ends with ETIMEDOUT soon after its deadline.  A timer that fired
 * while its request re-armed used to be lost, and the request then waited
 * until something else woke it.
 */
#define TIMED_REQS	64
TEST_F_TIMEOUT(uring, timed_deadlines_kept, 120)
{
	struct kipc_recv reqs[TIMED_REQS];
	double due[TIMED_REQS], worst = 0;
	char buf[TIMED_REQS][16];
	uint32_t seed = 12345;
	struct lkipc_queue q;
	pid_t claimant;
	int i;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	claimant = stuck_claimant(q.fd);
	ASSERT_LT(0, claimant);
	for (i = 0; i < TIMED_REQS; i++) {
		struct timespec dl;
		double at;

		seed = seed * 1103515245 + 12345;
		at = now_ms() + 20 + (seed >> 8) % 400;
		due[i] = at;
		dl.tv_sec = (time_t)(at / 1e3);
		dl.tv_nsec = (long)((at - dl.tv_sec * 1e3) * 1e6);
		ASSERT_EQ(0, lkipc_queue_recv_req(&q, &reqs[i], buf[i],
						  sizeof(buf[i]),
						  KIPC_SEL_EXACT, 7, 0, &dl));
		ASSERT_EQ(1, submit_recv(&self->ring, &q, &reqs[i], i));
	}
	for (i = 0; i < TIMED_REQS; i++) {
		uint64_t id;
		double late;

		ASSERT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, &id));
		ASSERT_GT(TIMED_REQS, id);
		late = now_ms() - due[id];
		EXPECT_LE(-1.0, late);
		if (late > worst)
			worst = late;
	}
	TH_LOG("latest completion: %.1f ms after its deadline", worst);
	/* Under emulation a timer can be tens of ms late; a lost one is 10 s. */
	EXPECT_GT(1000.0, worst);
	kill(claimant, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(claimant));
	lkipc_queue_close(&q);
}

/*
 * Requests and blocked tasks share one line: whoever came first is served
 * first, both ways round.
 */
TEST_F(uring, fifo_with_blocked_tasks)
{
	struct kipc_recv req;
	struct lkipc_queue q;
	char buf[64];
	uint64_t id;
	pid_t child;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));

	/* The request first, then a blocked task. */
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	child = blocked_receiver(&q, "second");
	ASSERT_LE(0, child);
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 2));
	ASSERT_EQ(0, q_send(&q, 1, "first"));
	ASSERT_EQ(0, q_send(&q, 1, "second"));
	EXPECT_EQ(6, reap_cqe(&self->ring, &id));
	EXPECT_STREQ("first", buf);
	EXPECT_EQ(0, reap(child));

	/* A blocked task first, then the request. */
	child = blocked_receiver(&q, "third");
	ASSERT_LE(0, child);
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	/* (The first request's outputs are in req: fill it again.) */
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 2));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 2));
	ASSERT_EQ(0, q_send(&q, 1, "third"));
	EXPECT_EQ(0, reap(child));
	EXPECT_TRUE(no_cqe(&self->ring));
	ASSERT_EQ(0, q_send(&q, 1, "fourth"));
	EXPECT_EQ(7, reap_cqe(&self->ring, &id));
	EXPECT_EQ(2, id);
	EXPECT_STREQ("fourth", buf);
	lkipc_queue_close(&q);
}

/* Deadlines, non-blocking, too-small buffers, destroy, pipe-mode EOF. */
TEST_F(uring, endings)
{
	struct timespec dl;
	struct kipc_recv req;
	char small[4], buf[64];
	struct lkipc_queue q, w;
	double t0;
	int ret;

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));

	/* Deadline: ETIMEDOUT, not before it, and the waiter is gone. */
	t0 = now_mono();
	dl = in_future(CLOCK_MONOTONIC, 100000000);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, &dl));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, NULL));
	EXPECT_LE(0.099, now_mono() - t0);
	EXPECT_EQ(0, q_stat(q.fd).nreceivers);
	/* ... on CLOCK_REALTIME too. */
	dl = in_future(CLOCK_REALTIME, 50000000);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, KIPC_MSG_REALTIME,
					  &dl));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, NULL));

	/* Non-blocking on empty: EAGAIN at once. */
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK,
					  NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-EAGAIN, reap_cqe(&self->ring, NULL));

	/* Too small: EMSGSIZE with the length, message kept; truncate. */
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, small, sizeof(small),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, q_send(&q, 3, "too long"));
	EXPECT_EQ(-EMSGSIZE, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(9, req.msg_len);
	EXPECT_EQ(1, q_stat(q.fd).msgs);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, small, sizeof(small),
					  KIPC_SEL_ANY, 0, KIPC_MSG_TRUNCATE,
					  NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(9, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, memcmp(small, "too ", 4));
	EXPECT_EQ(3, req.type);

	/* Destroy: EIDRM. */
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, destroy(q.fd));
	EXPECT_EQ(-EIDRM, reap_cqe(&self->ring, NULL));
	lkipc_queue_close(&q);

	/* Pipe mode: the last writer's close is end-of-file, 0. */
	ASSERT_EQ(0, open_queue(&self->k, &q, "uring_test-pipe",
				KIPC_OPEN_READ | KIPC_OPEN_CREATE |
				KIPC_OPEN_EXCL, KIPC_QUEUE_PIPE));
	ret = open_queue(&self->k, &w, "uring_test-pipe", KIPC_OPEN_WRITE, 0);
	unlink_queue(self->dev, "uring_test-pipe");
	ASSERT_EQ(0, ret);
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	EXPECT_TRUE(no_cqe(&self->ring));
	lkipc_queue_close(&w);
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, req.type);
	lkipc_queue_close(&q);
}

/* What the kernel refuses, with the ioctl's errnos. */
TEST_F(uring, bad_requests)
{
	struct lkipc_queue q, wo;
	struct kipc_recv req;
	struct kipc_sem_wait p;
	struct io_uring_sqe *sqe;
	struct lkipc_sem s;
	char buf[64];

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	ASSERT_EQ(0, open_sem(&self->k, &s, 0));
	ASSERT_EQ(0, open_queue(&self->k, &wo, NULL, KIPC_OPEN_WRITE, 0));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));

	/* Peeking asynchronously: EINVAL. */
	req.flags = KIPC_MSG_PEEK;
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-EINVAL, reap_cqe(&self->ring, NULL));
	req.flags = 0;
	/* Reserved word of the command area: EINVAL. */
	sqe = io_uring_get_sqe(&self->ring);
	lkipc_prep_recv_cmd(sqe, &q, &req);
	((struct kipc_uring_cmd *)(void *)sqe->cmd)->__reserved = 1;
	ASSERT_EQ(1, submit_one(&self->ring, sqe, 1));
	EXPECT_EQ(-EINVAL, reap_cqe(&self->ring, NULL));
	/* An operation that is not asynchronous, or another object's. */
	sqe = io_uring_get_sqe(&self->ring);
	lkipc_prep_kipc_cmd(sqe, q.fd, KIPC_IOC_SEND, &req);
	ASSERT_EQ(1, submit_one(&self->ring, sqe, 1));
	EXPECT_EQ(-ENOTTY, reap_cqe(&self->ring, NULL));
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p, 1, 0, NULL));
	ASSERT_EQ(1, submit_cmd(&self->ring, q.fd, KIPC_IOC_SEM_WAIT, &p, 1));
	EXPECT_EQ(-ENOTTY, reap_cqe(&self->ring, NULL));
	ASSERT_EQ(1, submit_cmd(&self->ring, s.fd, KIPC_IOC_RECV, &req, 1));
	EXPECT_EQ(-ENOTTY, reap_cqe(&self->ring, NULL));
	/* A bad pointer; a size below the minimum; a bad selector. */
	sqe = io_uring_get_sqe(&self->ring);
	lkipc_prep_kipc_cmd(sqe, q.fd, KIPC_IOC_RECV, (void *)8);
	ASSERT_EQ(1, submit_one(&self->ring, sqe, 1));
	EXPECT_EQ(-EFAULT, reap_cqe(&self->ring, NULL));
	req.size = 8;
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-EINVAL, reap_cqe(&self->ring, NULL));
	req.size = sizeof(req);
	req.select = KIPC_SEL_NOT + 1;
	ASSERT_EQ(1, submit_recv(&self->ring, &q, &req, 1));
	EXPECT_EQ(-EINVAL, reap_cqe(&self->ring, NULL));
	req.select = KIPC_SEL_ANY;
	/* A write-only handle cannot receive; P of 0 units. */
	ASSERT_EQ(1, submit_recv(&self->ring, &wo, &req, 1));
	EXPECT_EQ(-EBADF, reap_cqe(&self->ring, NULL));
	p.count = 0;
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p, 1));
	EXPECT_EQ(-EINVAL, reap_cqe(&self->ring, NULL));
	/* Nothing was queued or taken by any of it. */
	EXPECT_EQ(0, q_stat(q.fd).nreceivers);
	EXPECT_EQ(0, sem_waiters(s.fd));
	lkipc_queue_close(&q);
	lkipc_sem_close(&s);
	lkipc_queue_close(&wo);
}

/* A nonblocking receive, retried for up to 10 s: its result. */
static int recv_soon(struct lkipc_queue *q, char *buf, size_t len,
		     int64_t *type)
{
	double end = now_mono() + 10;
	int got;

	do {
		got = lkipc_queue_recv(q, buf, len, KIPC_SEL_ANY, 0, type,
				       KIPC_MSG_NONBLOCK, NULL);
		if (got != -EAGAIN)
			break;
		usleep(1000);
	} while (now_mono() < end);
	return got;
}

/*
 * Tearing the ring down cancels a parked request (its ECANCELED is never
 * seen): the waiter leaves the line.  A request handed a message that its
 * task never took (the ring torn down, the task killed) gives the message
 * back, once, in place: the next receiver gets it with its type.
 */
TEST_F(uring, cancel_gives_back)
{
	struct io_uring r2;
	struct kipc_recv req;
	struct kipc_queue_stat st;
	char buf[64];
	struct lkipc_queue q;
	int64_t type;
	pid_t child;
	int sync[2];

	NEED_FEATURE();
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));

	/* Ring teardown while parked. */
	ASSERT_EQ(0, io_uring_queue_init(4, &r2, 0));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&r2, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	io_uring_queue_exit(&r2);
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 0));
	ASSERT_EQ(0, q_send(&q, 1, "after teardown"));
	EXPECT_EQ(15, recv_soon(&q, buf, sizeof(buf), &type));

	/* Handed, then the ring torn down before the task took it. */
	ASSERT_EQ(0, init_deferred(&r2));
	ASSERT_EQ(0, lkipc_queue_recv_req(&q, &req, buf, sizeof(buf),
					  KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, submit_recv(&r2, &q, &req, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, q_send(&q, 8, "teardown"));
	EXPECT_EQ(0, q_stat(q.fd).nreceivers);
	EXPECT_EQ(-EAGAIN, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY,
					    0, NULL, KIPC_MSG_NONBLOCK, NULL));
	io_uring_queue_exit(&r2);
	EXPECT_EQ(9, recv_soon(&q, buf, sizeof(buf), &type));
	EXPECT_STREQ("teardown", buf);
	EXPECT_EQ(8, type);

	/* Handed, then its task killed before it took it. */
	ASSERT_EQ(0, pipe(sync));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct io_uring r3;
		static char cbuf[64];
		static struct kipc_recv creq;

		if (init_deferred(&r3) ||
		    lkipc_queue_recv_req(&q, &creq, cbuf, sizeof(cbuf),
					 KIPC_SEL_ANY, 0, 0, NULL) ||
		    submit_recv(&r3, &q, &creq, 1) != 1)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(sync[0], buf, 1));
	ASSERT_EQ(0, WAIT_FOR(q_stat(q.fd).nreceivers, 1));
	ASSERT_EQ(0, q_send(&q, 9, "handed"));
	EXPECT_EQ(0, q_stat(q.fd).nreceivers);
	EXPECT_EQ(-EAGAIN, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY,
					    0, NULL, KIPC_MSG_NONBLOCK, NULL));
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, reap(child));
	EXPECT_EQ(7, recv_soon(&q, buf, sizeof(buf), &type));
	EXPECT_STREQ("handed", buf);
	EXPECT_EQ(9, type);
	EXPECT_EQ(-EAGAIN, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY,
					    0, NULL, KIPC_MSG_NONBLOCK, NULL));
	st = q_stat(q.fd);
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(3, st.sent);
	EXPECT_EQ(3, st.received);
	EXPECT_EQ(0, st.lost);
	close(sync[0]);
	close(sync[1]);
	lkipc_queue_close(&q);
}

/*
 * Semaphores: an asynchronous P keeps its place in the FIFO (a big request
 * at the head holds smaller ones back, tasks and requests alike), ends at
 * its deadline and on destroy, and units granted to a request whose task
 * dies before taking them go to the next waiter.
 */
TEST_F(uring, sem_strong_fifo)
{
	struct kipc_sem_wait p2, p1;
	struct lkipc_sem s;
	uint64_t id;
	pid_t child;

	NEED_FEATURE();
	ASSERT_EQ(0, open_sem(&self->k, &s, 0));
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p2, 2, 0, NULL));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p2, 2));
	ASSERT_EQ(0, WAIT_FOR(sem_waiters(s.fd), 1));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(lkipc_sem_wait(&s, 1, 0, NULL) ? 1 : 0);
	ASSERT_EQ(0, WAIT_FOR(sem_waiters(s.fd), 2));
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p1, 1, 0, NULL));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p1, 1));
	ASSERT_EQ(0, WAIT_FOR(sem_waiters(s.fd), 3));
	/* One unit: the head wants two, nobody behind it may take it. */
	ASSERT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_TRUE(no_cqe(&self->ring));
	EXPECT_TRUE(still_running(child));
	EXPECT_EQ(3, sem_waiters(s.fd));
	ASSERT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, &id));
	EXPECT_EQ(2, id);
	EXPECT_TRUE(still_running(child));
	ASSERT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_EQ(0, reap(child));
	EXPECT_TRUE(no_cqe(&self->ring));
	ASSERT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, &id));
	EXPECT_EQ(1, id);
	EXPECT_EQ(0, lkipc_sem_value(&s));
	lkipc_sem_close(&s);
}

TEST_F(uring, sem_endings)
{
	struct timespec dl = in_future(CLOCK_MONOTONIC, 100000000);
	struct kipc_sem_wait p;
	struct lkipc_sem s;
	char c;
	pid_t child;
	int sync[2];

	NEED_FEATURE();
	ASSERT_EQ(0, open_sem(&self->k, &s, 0));
	/* Deadline. */
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p, 1, 0, &dl));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p, 1));
	EXPECT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, sem_waiters(s.fd));
	/* Non-blocking. */
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p, 1, KIPC_SEM_NONBLOCK, NULL));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p, 1));
	EXPECT_EQ(-EAGAIN, reap_cqe(&self->ring, NULL));

	/*
	 * Granted to a child's request (with an undo record) whose task work
	 * cannot run before the child is killed: the unit comes back once.
	 */
	ASSERT_EQ(0, pipe(sync));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct io_uring r3;
		static struct kipc_sem_wait cp;

		if (init_deferred(&r3) ||
		    lkipc_sem_wait_req(&s, &cp, 1, KIPC_SEM_UNDO, NULL) ||
		    submit_p(&r3, &s, &cp, 1) != 1)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(sync[0], &c, 1));
	ASSERT_EQ(0, WAIT_FOR(sem_waiters(s.fd), 1));
	ASSERT_EQ(0, lkipc_sem_post(&s, 1, 0));
	EXPECT_EQ(0, sem_waiters(s.fd));
	EXPECT_EQ(0, lkipc_sem_value(&s));
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, reap(child));
	/* The unit is back once, not twice (undo and give-back). */
	ASSERT_EQ(0, WAIT_FOR(lkipc_sem_value(&s), 1));
	usleep(100000);
	EXPECT_EQ(1, lkipc_sem_value(&s));
	EXPECT_EQ(0, lkipc_sem_trywait(&s, 1, 0));

	/* Destroy. */
	ASSERT_EQ(0, lkipc_sem_wait_req(&s, &p, 1, 0, NULL));
	ASSERT_EQ(1, submit_p(&self->ring, &s, &p, 1));
	ASSERT_EQ(0, WAIT_FOR(sem_waiters(s.fd), 1));
	ASSERT_EQ(0, destroy(s.fd));
	EXPECT_EQ(-EIDRM, reap_cqe(&self->ring, NULL));
	close(sync[0]);
	close(sync[1]);
	lkipc_sem_close(&s);
}

/* ---- Multi-waits through io_uring (KIPC_FEAT_SEM_MULTI_URING) -------- */

#define NEED_MULTI()                                                           \
	do {                                                                   \
		if (!self->multi)                                              \
			SKIP(return, "no KIPC_FEAT_SEM_MULTI_URING: %s",       \
			     "checked by uring.sem_multi_feature");            \
	} while (0)

#define submit_mw(ring, k, req, id) \
	SUBMIT(ring, lkipc_prep_sem_wait_multi_cmd, k, req, id)

/*
 * A KIPC_IOC_SEM_WAIT_MULTI request over ent[0..nr-1], with a deadline if
 * dl (on CLOCK_REALTIME with KIPC_SEM_REALTIME in flags).
 */
static void mw_req(struct kipc_sem_wait_multi *req,
		   struct kipc_sem_multi_entry *ent, unsigned int nr,
		   unsigned int flags, const struct timespec *dl)
{
	memset(req, 0, sizeof(*req));
	req->size = sizeof(*req);
	req->flags = flags | (dl ? KIPC_SEM_TIMED : 0);
	req->nr = nr;
	req->entries = (uintptr_t)ent;
	if (dl) {
		req->tv_sec = dl->tv_sec;
		req->tv_nsec = dl->tv_nsec;
	}
}

/*
 * Two anonymous semaphores of values va and vb, and the entries asking ca
 * of the first and cb of the second.
 */
static int open_two(struct lkipc *k, struct lkipc_sem *a, struct lkipc_sem *b,
		    unsigned int va, unsigned int vb,
		    struct kipc_sem_multi_entry *ent, unsigned int ca,
		    unsigned int cb)
{
	if (open_sem(k, a, va))
		return -1;
	if (open_sem(k, b, vb)) {
		lkipc_sem_close(a);
		return -1;
	}
	ent[0] = (struct kipc_sem_multi_entry){ .fd = a->fd, .count = ca };
	ent[1] = (struct kipc_sem_multi_entry){ .fd = b->fd, .count = cb };
	return 0;
}

/*
 * Submit req on ring and wait until it holds a place on both semaphores:
 * 0, or -1 if it could not be submitted, or -ETIMEDOUT.
 */
static int submit_parked(struct io_uring *ring, struct lkipc *k,
			 struct kipc_sem_wait_multi *req, uint64_t id,
			 const struct lkipc_sem *a, const struct lkipc_sem *b)
{
	if (submit_mw(ring, k, req, id) != 1)
		return -1;
	return wait_nwaiters(a->fd, 1) ?: wait_nwaiters(b->fd, 1);
}

static void close_two(struct lkipc_sem *a, struct lkipc_sem *b)
{
	lkipc_sem_close(a);
	lkipc_sem_close(b);
}

/* Both semaphores have n waiters. */
static int wait_both(int a, int b, long long n)
{
	return wait_nwaiters(a, n) ?: wait_nwaiters(b, n);
}

/*
 * The feature bit comes with KIPC_FEAT_URING_CMD.  Without it (6.1) the
 * command completes with EOPNOTSUPP and takes nothing; with it, a request
 * that can go at once is granted at once.
 */
TEST_F(uring, sem_multi_feature)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem a, b;

	EXPECT_EQ(self->feature, self->multi);
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 1, 2, ent, 1, 2));
	mw_req(&req, ent, 2, 0, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	if (!self->multi) {
		EXPECT_EQ(-EOPNOTSUPP, reap_cqe(&self->ring, NULL));
		EXPECT_EQ(1, lkipc_sem_value(&a));
		EXPECT_EQ(2, lkipc_sem_value(&b));
	} else {
		EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
		EXPECT_EQ(0, lkipc_sem_value(&a));
		EXPECT_EQ(0, lkipc_sem_value(&b));
	}
	close_two(&a, &b);
}

/*
 * All and any, granted at issue: every unit of "all" taken; "any" takes
 * the first entry in array order that can go, and says which in
 * req.index, as the ioctl does (res 0).
 */
TEST_F(uring, sem_multi_at_once)
{
	struct kipc_sem_multi_entry ent[3];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem s[3];
	int i;

	NEED_MULTI();
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, open_sem(&self->k, &s[i], 3));
	for (i = 0; i < 3; i++)
		ent[i] = (struct kipc_sem_multi_entry){ s[i].fd, 3 - i };
	mw_req(&req, ent, 3, 0, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, req.index);
	EXPECT_EQ(0, lkipc_sem_value(&s[0]));
	EXPECT_EQ(1, lkipc_sem_value(&s[1]));
	EXPECT_EQ(2, lkipc_sem_value(&s[2]));

	/* Entry 0 cannot go, entries 1 and 2 can: 1 is taken. */
	ent[0].count = 1;
	ent[1].count = 1;
	ent[2].count = 2;
	mw_req(&req, ent, 3, KIPC_SEM_ANY, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(1, req.index);
	EXPECT_EQ(0, lkipc_sem_value(&s[1]));
	EXPECT_EQ(2, lkipc_sem_value(&s[2]));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(0, sem_waiters(s[i].fd));
		lkipc_sem_close(&s[i]);
	}
}

/*
 * A request that must wait holds a place on each semaphore; "all" is
 * granted when the last of its units arrives, not before; "any" when one
 * entry can go, and its place on the other goes away.
 */
TEST_F(uring, sem_multi_posts)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem a, b;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 0, 0, ent, 2, 1));
	mw_req(&req, ent, 2, 0, NULL);
	ASSERT_EQ(0, submit_parked(&self->ring, &self->k, &req, 1, &a, &b));
	ASSERT_EQ(0, lkipc_sem_post(&a, 2, 0));
	EXPECT_TRUE(no_cqe(&self->ring));
	EXPECT_EQ(2, lkipc_sem_value(&a));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, lkipc_sem_value(&a));
	EXPECT_EQ(0, lkipc_sem_value(&b));
	EXPECT_EQ(0, wait_both(a.fd, b.fd, 0));

	ent[0].count = 1;
	mw_req(&req, ent, 2, KIPC_SEM_ANY, NULL);
	ASSERT_EQ(0, submit_parked(&self->ring, &self->k, &req, 1, &a, &b));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(1, req.index);
	EXPECT_EQ(0, wait_both(a.fd, b.fd, 0));
	EXPECT_EQ(0, lkipc_sem_value(&b));
	close_two(&a, &b);
}

/*
 * One FIFO for sync and async waiters.  An async all-wait queued before a
 * blocked P keeps the unit of the semaphore they share until it is served;
 * an async multi-wait queued after a blocked sync multi-wait is not served
 * before it, even when its own units are there.
 */
TEST_F(uring, sem_multi_fifo_sync)
{
	struct kipc_sem_multi_entry ent[2], one;
	struct kipc_sem_wait_multi req, req1;
	struct lkipc_sem a, b;
	pid_t child;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 0, 0, ent, 1, 1));

	/* Async first, a blocked P on a behind it. */
	mw_req(&req, ent, 2, 0, NULL);
	ASSERT_EQ(0, submit_parked(&self->ring, &self->k, &req, 1, &a, &b));
	child = spawn_p(a.fd, 1, 0);
	ASSERT_LE(0, child);
	ASSERT_EQ(0, wait_nwaiters(a.fd, 2));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	EXPECT_TRUE(no_cqe(&self->ring));
	EXPECT_TRUE(still_running(child));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_TRUE(still_running(child));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	EXPECT_EQ(0, reap(child));

	/* A blocked sync all-wait first, an async wait on a behind it. */
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0)
		_exit(-lkipc_sem_wait_all(&self->k, ent, 2, 0, NULL));
	ASSERT_EQ(0, wait_both(a.fd, b.fd, 1));
	one = ent[0];
	mw_req(&req1, &one, 1, 0, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req1, 2));
	ASSERT_EQ(0, wait_nwaiters(a.fd, 2));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	EXPECT_TRUE(no_cqe(&self->ring));
	EXPECT_TRUE(still_running(child));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(0, reap(child));
	EXPECT_TRUE(no_cqe(&self->ring));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, lkipc_sem_value(&a));
	EXPECT_EQ(0, lkipc_sem_value(&b));
	close_two(&a, &b);
}

/*
 * Deadlines on both clocks end a waiting request with ETIMEDOUT, its
 * places gone and nothing taken (the unit it could have had stays);
 * KIPC_SEM_NONBLOCK ends it at once with EAGAIN.
 */
TEST_F(uring, sem_multi_deadlines)
{
	static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem a, b;
	struct timespec dl;
	double t0;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 1, 0, ent, 1, 1));
	for (int i = 0; i < 2; i++) {
		unsigned int flags = clocks[i] == CLOCK_REALTIME ?
				     KIPC_SEM_REALTIME : 0;

		dl = in_future(clocks[i], 200000000);
		mw_req(&req, ent, 2, flags, &dl);
		t0 = now_mono();
		ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
		EXPECT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, NULL));
		EXPECT_LE(0.19, now_mono() - t0);
		EXPECT_EQ(0, sem_waiters(a.fd));
		EXPECT_EQ(0, sem_waiters(b.fd));
		EXPECT_EQ(1, lkipc_sem_value(&a));
	}
	/* "any" with nothing there, on its deadline. */
	ent[0].count = 2;
	dl = in_future(CLOCK_MONOTONIC, 100000000);
	mw_req(&req, ent, 2, KIPC_SEM_ANY, &dl);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	EXPECT_EQ(-ETIMEDOUT, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, sem_waiters(a.fd));
	mw_req(&req, ent, 2, KIPC_SEM_NONBLOCK, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	EXPECT_EQ(-EAGAIN, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	close_two(&a, &b);
}

/*
 * IORING_OP_ASYNC_CANCEL does not reach a driver's command (ENOENT; the
 * request goes on waiting).  Tearing the ring down cancels it: its places
 * go, and a unit that had reached it but that it had not taken yet (the
 * other semaphore's missing) stays, for the next waiter; so do units that
 * could have gone to it but whose task work never ran (a deferred ring).
 */
TEST_F(uring, sem_multi_cancel)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct io_uring_sqe *sqe;
	struct lkipc_sem a, b;
	struct io_uring r2;
	uint64_t id;
	int res;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 0, 0, ent, 1, 2));

	mw_req(&req, ent, 2, 0, NULL);
	ASSERT_EQ(0, submit_parked(&self->ring, &self->k, &req, 7, &a, &b));
	sqe = io_uring_get_sqe(&self->ring);
	ASSERT_NE(NULL, sqe);
	io_uring_prep_cancel64(sqe, 7, 0);
	ASSERT_EQ(1, submit_one(&self->ring, sqe, 8));
	res = reap_cqe(&self->ring, &id);
	EXPECT_EQ(8, id);
	EXPECT_EQ(-ENOENT, res);
	EXPECT_EQ(1, sem_waiters(a.fd));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	ASSERT_EQ(0, lkipc_sem_post(&b, 2, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, &id));
	EXPECT_EQ(7, id);

	/* Torn down waiting, a's unit already there. */
	ASSERT_EQ(0, io_uring_queue_init(4, &r2, 0));
	ASSERT_EQ(0, submit_parked(&r2, &self->k, &req, 1, &a, &b));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	io_uring_queue_exit(&r2);
	EXPECT_EQ(0, wait_both(a.fd, b.fd, 0));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	EXPECT_EQ(1, lkipc_sem_value(&b));

	/* Grantable, its task work not run, then torn down. */
	ASSERT_EQ(0, init_deferred(&r2));
	ASSERT_EQ(0, submit_parked(&r2, &self->k, &req, 1, &a, &b));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(1, sem_waiters(a.fd));
	io_uring_queue_exit(&r2);
	EXPECT_EQ(0, wait_both(a.fd, b.fd, 0));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	EXPECT_EQ(2, lkipc_sem_value(&b));
	close_two(&a, &b);
}

/*
 * Its task killed with the request pending (with KIPC_SEM_UNDO, and able
 * to go, its task work not yet run): the places go, every unit stays, and
 * nothing is posted back twice.
 */
TEST_F(uring, sem_multi_killed)
{
	struct kipc_sem_multi_entry ent[2];
	struct lkipc_sem a, b;
	pid_t child;
	int sync[2];
	char c;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 0, 0, ent, 1, 1));
	ASSERT_EQ(0, pipe(sync));
	child = fork_child();
	ASSERT_LE(0, child);
	if (child == 0) {
		static struct kipc_sem_wait_multi creq;
		struct io_uring r3;

		mw_req(&creq, ent, 2, KIPC_SEM_UNDO, NULL);
		if (init_deferred(&r3) ||
		    submit_mw(&r3, &self->k, &creq, 1) != 1)
			_exit(1);
		if (write(sync[1], "x", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	ASSERT_EQ(1, read(sync[0], &c, 1));
	ASSERT_EQ(0, wait_both(a.fd, b.fd, 1));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	ASSERT_EQ(0, kill(child, SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, reap(child));
	EXPECT_EQ(0, wait_both(a.fd, b.fd, 0));
	usleep(100000);
	EXPECT_EQ(1, lkipc_sem_value(&a));
	EXPECT_EQ(1, lkipc_sem_value(&b));
	EXPECT_EQ(0, lkipc_sem_trywait(&a, 1, 0));
	EXPECT_EQ(0, lkipc_sem_trywait(&b, 1, 0));
	close(sync[0]);
	close(sync[1]);
	close_two(&a, &b);
}

/*
 * Destroy of one of the semaphores: "all" ends with EIDRM and leaves the
 * other's queue; so does "any" when no other entry can go.
 */
TEST_F(uring, sem_multi_destroy)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem a, b;

	NEED_MULTI();
	ASSERT_EQ(0, open_sem(&self->k, &a, 0));
	for (int any = 0; any < 2; any++) {
		ASSERT_EQ(0, open_sem(&self->k, &b, 0));
		ent[0] = (struct kipc_sem_multi_entry){ a.fd, 1 };
		ent[1] = (struct kipc_sem_multi_entry){ b.fd, 1 };
		mw_req(&req, ent, 2, any ? KIPC_SEM_ANY : 0, NULL);
		ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
		ASSERT_EQ(0, wait_both(a.fd, b.fd, 1));
		ASSERT_EQ(0, destroy(b.fd));
		EXPECT_EQ(-EIDRM, reap_cqe(&self->ring, NULL));
		EXPECT_EQ(0, sem_waiters(a.fd));
		lkipc_sem_close(&b);
	}
	EXPECT_EQ(0, lkipc_sem_value(&a));
	lkipc_sem_close(&a);
}

/*
 * A handle closed while the request waits: the request keeps it until it
 * ends, so it is served; its undo record (KIPC_SEM_UNDO) then goes back
 * when the request drops the last reference, exactly once.
 */
TEST_F(uring, sem_multi_closed_handle)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi req;
	struct lkipc_sem a, b1, b2;
	char name[64];

	NEED_MULTI();
	make_name(name, sizeof(name), "mwclosed");
	ASSERT_EQ(0, open_sem(&self->k, &a, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &b2, name,
				    RW | KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP,
				    0600, 0));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &b1, name,
				    RW | LKIPC_OPEN_NOMAP, 0600, 0));
	ent[0] = (struct kipc_sem_multi_entry){ .fd = a.fd, .count = 1 };
	ent[1] = (struct kipc_sem_multi_entry){ .fd = b1.fd, .count = 1 };
	mw_req(&req, ent, 2, KIPC_SEM_UNDO, NULL);
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
	ASSERT_EQ(0, wait_both(a.fd, b2.fd, 1));
	lkipc_sem_close(&b1);
	EXPECT_EQ(1, sem_waiters(b2.fd));
	ASSERT_EQ(0, lkipc_sem_post(&b2, 1, 0));
	ASSERT_EQ(0, lkipc_sem_post(&a, 1, 0));
	EXPECT_EQ(0, reap_cqe(&self->ring, NULL));
	/* b1's record (1) went back as the request let go of b1. */
	EXPECT_EQ(0, WAIT_FOR(lkipc_sem_value(&b2), 1));
	usleep(50000);
	EXPECT_EQ(1, lkipc_sem_value(&b2));
	EXPECT_EQ(0, lkipc_sem_value(&a));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	lkipc_sem_close(&a);
	lkipc_sem_close(&b2);
}

/*
 * Bad requests get the ioctl's errno, whether or not they could have
 * waited, and take nothing.
 */
TEST_F(uring, sem_multi_errnos)
{
	struct kipc_sem_multi_entry ent[KIPC_SEM_MULTI_MAX + 1];
	struct kipc_sem_wait_multi req;
	struct lkipc_queue q;
	struct lkipc_sem a, b, ro;
	char name[64];
	int a2, closed;
	struct {
		const char *what;
		int fd0, fd1;
		unsigned int count1, nr, flags, index, size;
		int err;
	} cases[6 + 8];
	unsigned int n = 0;

	NEED_MULTI();
	make_name(name, sizeof(name), "mwro");
	ASSERT_EQ(0, open_sem(&self->k, &a, 5));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &b, name,
				    RW | KIPC_OPEN_CREATE | LKIPC_OPEN_NOMAP,
				    0600, 5));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &ro, name,
				    KIPC_OPEN_READ | LKIPC_OPEN_NOMAP, 0600, 0));
	ASSERT_EQ(0, open_queue(&self->k, &q, NULL, RW, 0));
	a2 = dup(a.fd);
	ASSERT_LE(0, a2);
	closed = dup(a.fd);
	ASSERT_LE(0, closed);
	close(closed);
#define CASE(_what, _fd0, _fd1, _count1, _nr, _flags, _index, _size, _err)    \
	cases[n++] = (typeof(cases[0])){ _what, _fd0, _fd1, _count1, _nr,     \
					 _flags, _index, _size, _err }
	CASE("same sem twice", a.fd, a.fd, 1, 2, 0, 0, 0, EINVAL);
	CASE("same sem, two fds", a.fd, a2, 1, 2, 0, 0, 0, EINVAL);
	CASE("queue handle", a.fd, q.fd, 1, 2, 0, 0, 0, EINVAL);
	CASE("device handle", a.fd, self->dev, 1, 2, 0, 0, 0, EINVAL);
	CASE("closed fd", a.fd, closed, 1, 2, 0, 0, 0, EBADF);
	CASE("read-only handle", a.fd, ro.fd, 1, 2, 0, 0, 0, EBADF);
	CASE("zero units", a.fd, b.fd, 0, 2, 0, 0, 0, EINVAL);
	CASE("above max", a.fd, b.fd, 1U << 30, 2, 0, 0, 0, EINVAL);
	CASE("nr 0", a.fd, b.fd, 1, 0, 0, 0, 0, EINVAL);
	CASE("nr 65", a.fd, b.fd, 1, KIPC_SEM_MULTI_MAX + 1, 0, 0, 0, E2BIG);
	CASE("unknown flag", a.fd, b.fd, 1, 2, 1U << 20, 0, 0, EINVAL);
	CASE("index set", a.fd, b.fd, 1, 2, 0, 1, 0, EINVAL);
	CASE("size too small", a.fd, b.fd, 1, 2, 0, 0, 8, EINVAL);
	CASE("size beyond max", a.fd, b.fd, 1, 2, 0, 0, 1U << 20, E2BIG);
#undef CASE
	for (unsigned int i = 0; i < n; i++) {
		int via_ioctl, via_uring;

		for (unsigned int j = 0; j < KIPC_SEM_MULTI_MAX + 1; j++)
			ent[j] = (struct kipc_sem_multi_entry){ b.fd, 1 };
		ent[0] = (struct kipc_sem_multi_entry){ cases[i].fd0, 1 };
		ent[1] = (struct kipc_sem_multi_entry){ cases[i].fd1,
							cases[i].count1 };
		mw_req(&req, ent, cases[i].nr, cases[i].flags, NULL);
		req.index = cases[i].index;
		if (cases[i].size)
			req.size = cases[i].size;
		via_ioctl = ioctl_ret(self->dev, KIPC_IOC_SEM_WAIT_MULTI, &req);
		ASSERT_EQ(1, submit_mw(&self->ring, &self->k, &req, 1));
		via_uring = reap_cqe(&self->ring, NULL);
		EXPECT_EQ(-cases[i].err, via_ioctl) TH_LOG("%s", cases[i].what);
		EXPECT_EQ(via_ioctl, via_uring) TH_LOG("%s", cases[i].what);
	}
	/* A command the device does not have. */
	ASSERT_EQ(1, submit_cmd(&self->ring, self->dev, KIPC_IOC_SEM_WAIT,
				&req, 1));
	EXPECT_EQ(-ENOTTY, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(5, lkipc_sem_value(&a));
	EXPECT_EQ(5, lkipc_sem_value(&b));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(a2);
	lkipc_queue_close(&q);
	lkipc_sem_close(&ro);
	lkipc_sem_close(&b);
	lkipc_sem_close(&a);
}

/*
 * A grant whose struct cannot be written back (read-only): EFAULT, and the
 * units go back with the undo record, through the ioctl and through
 * io_uring, granted at once or after waiting, all or any.
 */
TEST_F(uring, sem_multi_result_unwritable)
{
	struct kipc_sem_multi_entry ent[2];
	struct kipc_sem_wait_multi *req;
	struct kipc_sem_stat st;
	struct lkipc_sem a, b;

	NEED_MULTI();
	ASSERT_EQ(0, open_two(&self->k, &a, &b, 1, 1, ent, 1, 1));
	req = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, req);
	mw_req(req, ent, 2, KIPC_SEM_UNDO, NULL);
	ASSERT_EQ(0, mprotect(req, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, ioctl_ret(self->dev, KIPC_IOC_SEM_WAIT_MULTI, req));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	EXPECT_EQ(1, lkipc_sem_value(&b));
	ASSERT_EQ(1, submit_mw(&self->ring, &self->k, req, 1));
	EXPECT_EQ(-EFAULT, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(1, lkipc_sem_value(&a));
	EXPECT_EQ(1, lkipc_sem_value(&b));
	ASSERT_EQ(0, lkipc_sem_trywait(&a, 1, 0));
	ASSERT_EQ(0, lkipc_sem_trywait(&b, 1, 0));
	/* Waiting first; "any" gives back only the entry it took. */
	ASSERT_EQ(0, mprotect(req, 4096, PROT_READ | PROT_WRITE));
	mw_req(req, ent, 2, KIPC_SEM_UNDO | KIPC_SEM_ANY, NULL);
	ASSERT_EQ(0, mprotect(req, 4096, PROT_READ));
	ASSERT_EQ(0, submit_parked(&self->ring, &self->k, req, 2, &a, &b));
	ASSERT_EQ(0, lkipc_sem_post(&b, 1, 0));
	EXPECT_EQ(-EFAULT, reap_cqe(&self->ring, NULL));
	EXPECT_EQ(0, lkipc_sem_value(&a));
	EXPECT_EQ(1, lkipc_sem_value(&b));
	EXPECT_EQ(0, sem_stat(b.fd, &st, NULL, 0));
	EXPECT_EQ(0, st.undo);
	EXPECT_EQ(0, st.nwaiters);
	EXPECT_EQ(0, sem_waiters(a.fd));
	munmap(req, 4096);
	close_two(&a, &b);
}

/* ---- A stress of sync and async multi-waits, for lockdep ------------- */

#define MW_SEMS		5
#define MW_VALUE	3
#define MW_SLOTS	4

/* What the stress's children saw, in shared memory. */
static struct mw_counts {
	unsigned long granted, timedout, removed, teardowns;
} *mw_counts;

static void mw_count(int res)
{
	unsigned long *c = !res ? &mw_counts->granted :
			   res == -ETIMEDOUT ? &mw_counts->timedout :
					       &mw_counts->removed;

	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

struct mw_slot {
	struct kipc_sem_wait_multi req;
	struct kipc_sem_multi_entry ent[MW_SEMS + 1];
	bool busy;
};

/*
 * A random request: 1 to 4 distinct semaphores of s (and now and then the
 * victim), in random order, 1 or 2 units each, all or any, KIPC_SEM_UNDO,
 * a deadline 5 to 80 ms away on either clock.
 */
static void mw_random(struct mw_slot *sl, const struct lkipc_sem *s,
		      int victim, unsigned int *seed)
{
	unsigned int nr = 1 + rand_r(seed) % 4, flags = KIPC_SEM_UNDO;
	clockid_t clock = CLOCK_MONOTONIC;
	bool used[MW_SEMS] = { false };
	struct timespec dl;

	for (unsigned int i = 0; i < nr; i++) {
		unsigned int j;

		do
			j = rand_r(seed) % MW_SEMS;
		while (used[j]);
		used[j] = true;
		sl->ent[i] = (struct kipc_sem_multi_entry){
			s[j].fd, 1 + rand_r(seed) % 2 };
	}
	if (rand_r(seed) % 4 == 0)
		sl->ent[nr++] = (struct kipc_sem_multi_entry){ victim, 1 };
	if (rand_r(seed) % 2)
		flags |= KIPC_SEM_ANY;
	if (rand_r(seed) % 2) {
		flags |= KIPC_SEM_REALTIME;
		clock = CLOCK_REALTIME;
	}
	dl = in_future(clock, (5 + rand_r(seed) % 76) * 1000000LL);
	mw_req(&sl->req, sl->ent, nr, flags, &dl);
}

/*
 * Give back what a granted request took (its undo record with it); the
 * victim's units are not counted.  0, or 1 if a post failed.
 */
static int mw_give_back(const struct mw_slot *sl, int victim)
{
	for (unsigned int i = 0; i < sl->req.nr; i++) {
		const struct kipc_sem_multi_entry *e = &sl->ent[i];

		if (e->fd == victim ||
		    ((sl->req.flags & KIPC_SEM_ANY) && i != sl->req.index))
			continue;
		if (sem_v(e->fd, e->count, KIPC_SEM_UNDO))
			return 1;
	}
	return 0;
}

/* Open this process's own handles (own undo records) of the names. */
static int mw_open_own(struct lkipc *k, struct lkipc_sem *s,
		       char names[][64])
{
	for (int i = 0; i < MW_SEMS; i++)
		if (lkipc_sem_open(k, &s[i], names[i], RW | LKIPC_OPEN_NOMAP,
				   0600, 0))
			return -1;
	return 0;
}

static bool mw_result_ok(int res)
{
	if (res != 0 && res != -ETIMEDOUT && res != -EIDRM)
		return false;
	mw_count(res);
	return true;
}

/* Sync multi-waits until "end": exit status 0 if all went as allowed. */
static int mw_sync_child(struct lkipc *k, char names[][64], int victim,
			 unsigned int seed, double end)
{
	struct lkipc_sem s[MW_SEMS];
	struct mw_slot sl;
	int res;

	if (mw_open_own(k, s, names))
		return 2;
	while (now_mono() < end) {
		mw_random(&sl, s, victim, &seed);
		res = ioctl_ret(k->fd, KIPC_IOC_SEM_WAIT_MULTI, &sl.req);
		if (!mw_result_ok(res))
			return 3;
		if (!res && mw_give_back(&sl, victim))
			return 4;
	}
	return 0;
}

/*
 * Async multi-waits, up to MW_SLOTS at once, until "end"; now and then the
 * ring is torn down with requests pending (units granted to completions
 * never reaped stay on the undo records until exit).
 */
static int mw_async_child(struct lkipc *k, char names[][64], int victim,
			  unsigned int seed, double end, bool deferred)
{
	static struct mw_slot sl[MW_SLOTS];
	struct lkipc_sem s[MW_SEMS];
	struct io_uring ring;
	uint64_t id;
	int res;

	if (mw_open_own(k, s, names))
		return 2;
	if (deferred ? init_deferred(&ring) :
		       io_uring_queue_init(8, &ring, 0))
		return 5;
	while (now_mono() < end) {
		for (int i = 0; i < MW_SLOTS; i++) {
			if (sl[i].busy)
				continue;
			mw_random(&sl[i], s, victim, &seed);
			if (submit_mw(&ring, k, &sl[i].req, i) != 1)
				return 6;
			sl[i].busy = true;
		}
		if (rand_r(&seed) % 16 == 0) {
			__atomic_fetch_add(&mw_counts->teardowns, 1,
					   __ATOMIC_RELAXED);
			io_uring_queue_exit(&ring);
			memset(sl, 0, sizeof(sl));
			if (deferred ? init_deferred(&ring) :
				       io_uring_queue_init(8, &ring, 0))
				return 5;
			continue;
		}
		res = reap_cqe(&ring, &id);
		if (!mw_result_ok(res) || id >= MW_SLOTS || !sl[id].busy)
			return 7;
		sl[id].busy = false;
		if (!res && mw_give_back(&sl[id], victim))
			return 4;
	}
	io_uring_queue_exit(&ring);
	return 0;
}

/*
 * Sync and async multi-waits over overlapping sets, in varying order, with
 * deadlines on both clocks, posts, ring teardowns with requests pending, a
 * task killed with requests pending and a semaphore destroyed under them:
 * every result is one the rule allows, and at the end every unit is back
 * and no waiter is left.  On the debug kernel, lockdep sees every path.
 */
TEST_F_TIMEOUT(uring, sem_multi_stress, 180)
{
	char names[MW_SEMS][64];
	struct lkipc_sem s[MW_SEMS];
	struct lkipc_sem victim;
	pid_t kids[5];
	double end;
	int i;

	NEED_MULTI();
	mw_counts = shared_map(sizeof(*mw_counts));
	ASSERT_NE(NULL, mw_counts);
	for (i = 0; i < MW_SEMS; i++) {
		char tag[16];

		snprintf(tag, sizeof(tag), "mwstress%d", i);
		make_name(names[i], sizeof(names[i]), tag);
		ASSERT_EQ(0, lkipc_sem_open(&self->k, &s[i], names[i],
					    RW | KIPC_OPEN_CREATE |
					    LKIPC_OPEN_NOMAP, 0600, MW_VALUE));
	}
	ASSERT_EQ(0, open_sem(&self->k, &victim, 2));
	end = now_mono() + 4;
	for (i = 0; i < 5; i++) {
		kids[i] = fork_child();
		ASSERT_LE(0, kids[i]);
		if (kids[i] == 0)
			_exit(i < 2 ? mw_sync_child(&self->k, names, victim.fd,
						    i + 1, end) :
				      mw_async_child(&self->k, names, victim.fd,
						     i + 1, end, i == 4));
	}
	usleep(1500000);
	ASSERT_EQ(0, destroy(victim.fd));
	usleep(500000);
	ASSERT_EQ(0, kill(kids[2], SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, reap(kids[2]));
	for (i = 0; i < 5; i++)
		if (i != 2)
			EXPECT_EQ(0, reap(kids[i])) TH_LOG("child %d", i);
	/*
	 * The killed child's ring is torn down by io_uring's exit work after
	 * the child is reaped: its requests' waiters leave shortly after.
	 */
	for (i = 0; i < MW_SEMS; i++) {
		EXPECT_EQ(0, WAIT_FOR(lkipc_sem_value(&s[i]), MW_VALUE))
			TH_LOG("%s: %d", names[i], lkipc_sem_value(&s[i]));
		EXPECT_EQ(0, WAIT_FOR(sem_waiters(s[i].fd), 0))
			TH_LOG("%s: %u waiters", names[i], sem_waiters(s[i].fd));
		EXPECT_EQ(0, unlink_sem(self->dev, names[i]));
		lkipc_sem_close(&s[i]);
	}
	lkipc_sem_close(&victim);
	TH_LOG("granted %lu, timed out %lu, EIDRM %lu, rings torn down %lu",
	       mw_counts->granted, mw_counts->timedout, mw_counts->removed,
	       mw_counts->teardowns);
	/* Each ending happened, or the test proved less than it says. */
	EXPECT_LT(0, mw_counts->granted);
	EXPECT_LT(0, mw_counts->timedout);
	EXPECT_LT(0, mw_counts->removed);
	EXPECT_LT(0, mw_counts->teardowns);
}

TEST_HARNESS_MAIN
