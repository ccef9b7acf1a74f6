// SPDX-License-Identifier: GPL-2.0
/*
 * liblkipc's calls give the same results on both of their paths: through
 * the mapped fast path (the default) and through system calls only
 * (LKIPC_OPEN_NOMAP).  Every error case of the queue and semaphore calls
 * runs under both variants with the same expectations, out-parameters
 * included.
 *
 * A handle is the caller's: an operation reaches the object it was opened
 * on or fails, even when its descriptor number was closed behind the
 * library's back and now names another object; a descriptor passed by
 * SCM_RIGHTS or dup(2) becomes a handle with lkipc_*_from_fd(); a closed
 * handle fails with EBADF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define MSGSZ	32
#define CAP	2
/* An out-parameter's value before a call that must reset it. */
#define STALE	99

FIXTURE(lib) {
	struct lkipc k;
	struct lkipc_queue q;	/* a queue of CAP messages of MSGSZ bytes */
	struct lkipc_sem s;	/* a semaphore of value 0 */
};

FIXTURE_VARIANT(lib) {
	unsigned int open_flags;
	bool mapped;
};

FIXTURE_VARIANT_ADD(lib, mapped) {
	.open_flags = 0,
	.mapped = true,
};

FIXTURE_VARIANT_ADD(lib, syscalls) {
	.open_flags = LKIPC_OPEN_NOMAP,
	.mapped = false,
};

FIXTURE_SETUP(lib)
{
	struct lkipc_queue_attr attr = { .msgs = CAP, .msgsize = MSGSZ };
	struct kipc_queue_stat st;

	ASSERT_EQ(0, lkipc_open(&self->k, 0));
	ASSERT_EQ(0, lkipc_queue_open(&self->k, &self->q, NULL,
				      KIPC_OPEN_CREATE | variant->open_flags,
				      0600, &attr));
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &self->s, NULL,
				    KIPC_OPEN_CREATE | variant->open_flags,
				    0600, 0));
	/* The variant is what it says: a mapped queue has a lane once used. */
	ASSERT_EQ(0, lkipc_queue_send(&self->q, 1, "x", 1, 0, NULL));
	ASSERT_EQ(1, lkipc_queue_recv(&self->q, (char[MSGSZ]){ 0 }, MSGSZ,
				      KIPC_SEL_ANY, 0, NULL, 0, NULL));
	ASSERT_EQ(0, lkipc_queue_stat(&self->q, &st));
	ASSERT_EQ(variant->mapped ? 1 : 0, st.lanes);
}

FIXTURE_TEARDOWN(lib)
{
	lkipc_sem_close(&self->s);
	lkipc_queue_close(&self->q);
	lkipc_close(&self->k);
}

static struct timespec past(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec -= 1;
	return ts;
}

static int recv_typed(struct lkipc_queue *q, void *buf, size_t len,
		      unsigned int sel, int64_t type, int64_t *out,
		      unsigned int flags, const struct timespec *dl)
{
	*out = STALE;
	return lkipc_queue_recv(q, buf, len, sel, type, out, flags, dl);
}

/*
 * KIPC_SEL_LE (the lowest type up to the selector's, the first of it) on
 * both paths, the mapped one taking the head only when no message behind
 * it has a lower type: the same messages in the same order.
 */
TEST_F(lib, recv_le_order)
{
	static const int64_t sent[] = { 5, 3, 3, 7, 1, 3 };
	static const struct { int64_t le; int64_t type; int idx; } want[] = {
		{ 4, 1, 4 }, { 100, 3, 1 }, { 4, 3, 2 }, { 2, 0, -1 },
		{ 100, 3, 5 }, { 6, 5, 0 }, { 100, 7, 3 }, { 100, 0, -1 },
	};
	struct lkipc_queue_attr attr = { .msgs = 8, .msgsize = MSGSZ };
	struct lkipc_queue q;
	char buf[MSGSZ];
	int64_t t;
	int i;

	ASSERT_EQ(0, lkipc_queue_open(&self->k, &q, NULL,
				      KIPC_OPEN_CREATE | variant->open_flags,
				      0600, &attr));
	for (i = 0; i < 6; i++) {
		buf[0] = (char)i;
		ASSERT_EQ(0, lkipc_queue_send(&q, sent[i], buf, 1, 0, NULL));
	}
	for (i = 0; i < 8; i++) {
		int ret = recv_typed(&q, buf, sizeof(buf), KIPC_SEL_LE,
				     want[i].le, &t, KIPC_MSG_NONBLOCK, NULL);

		if (want[i].idx < 0) {
			EXPECT_EQ(-EAGAIN, ret);
			EXPECT_EQ(0, t);
			continue;
		}
		EXPECT_EQ(1, ret);
		EXPECT_EQ(want[i].type, t);
		EXPECT_EQ(want[i].idx, buf[0]);
	}
	lkipc_queue_close(&q);
}

TEST_F(lib, recv_errors)
{
	struct timespec dl = past(), bad = { .tv_sec = 1,
					     .tv_nsec = 1000000000 };
	char buf[MSGSZ];
	int64_t t;

	/* Empty, non-blocking. */
	EXPECT_EQ(-EAGAIN, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* Empty, a deadline already past. */
	EXPECT_EQ(-ETIMEDOUT, recv_typed(&self->q, buf, sizeof(buf),
					 KIPC_SEL_ANY, 0, &t, 0, &dl));
	EXPECT_EQ(0, t);
	/* Bad arguments. */
	EXPECT_EQ(-EINVAL, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, 1U << 20, NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      3, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(&self->q, buf, sizeof(buf),
				      KIPC_SEL_EXACT, 0, &t, KIPC_MSG_NONBLOCK,
				      NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, 0, &bad));
	EXPECT_EQ(0, t);
	/* Too small a buffer: EMSGSIZE, type 0, and the message stays. */
	ASSERT_EQ(0, lkipc_queue_send(&self->q, 4, "abcdef", 6, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, recv_typed(&self->q, buf, 3, KIPC_SEL_ANY, 0, &t,
					KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* With truncation: the full length, the type, the message taken. */
	EXPECT_EQ(6, recv_typed(&self->q, buf, 3, KIPC_SEL_ANY, 0, &t,
				KIPC_MSG_TRUNCATE | KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(4, t);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(-EAGAIN, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* A NULL out_type is allowed on every path. */
	EXPECT_EQ(-EAGAIN, lkipc_queue_recv(&self->q, buf, sizeof(buf),
					    KIPC_SEL_ANY, 0, NULL,
					    KIPC_MSG_NONBLOCK, NULL));
	/* Destroyed. */
	ASSERT_EQ(0, lkipc_queue_destroy(&self->q));
	EXPECT_EQ(-EIDRM, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				     0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
}

TEST_F(lib, send_errors)
{
	struct timespec dl = past();
	char big[MSGSZ + 1] = { 0 };
	int i;

	EXPECT_EQ(-EMSGSIZE, lkipc_queue_send(&self->q, 1, big, sizeof(big),
					      KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_send(&self->q, 0, "a", 1,
					    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_send(&self->q, -3, "a", 1,
					    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_send(&self->q, 1, "a", 1, 1U << 20,
					    NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_send(&self->q, 1, "a", 1, KIPC_MSG_PEEK,
					    NULL));
	for (i = 0; i < CAP; i++)
		ASSERT_EQ(0, lkipc_queue_send(&self->q, 1, "a", 1,
					      KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EAGAIN, lkipc_queue_send(&self->q, 1, "a", 1,
					    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-ETIMEDOUT, lkipc_queue_send(&self->q, 1, "a", 1, 0, &dl));
	ASSERT_EQ(0, lkipc_queue_destroy(&self->q));
	EXPECT_EQ(-EIDRM, lkipc_queue_send(&self->q, 1, "a", 1,
					   KIPC_MSG_NONBLOCK, NULL));
}

TEST_F(lib, batch_errors)
{
	struct kipc_mmsg mm[2];
	char buf[2][MSGSZ];

	memset(mm, 0, sizeof(mm));
	EXPECT_EQ(-EINVAL, lkipc_queue_send_batch(&self->q, NULL, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_recv_batch(&self->q, NULL, 1,
						  KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_send_batch(&self->q, mm, 0, 0, NULL));
	mm[0] = (struct kipc_mmsg){ .type = 0, .buf = (uintptr_t)"a",
				    .len = 1 };
	EXPECT_EQ(-EINVAL, lkipc_queue_send_batch(&self->q, mm, 1, 0, NULL));
	mm[0] = (struct kipc_mmsg){ .buf = (uintptr_t)buf[0], .len = MSGSZ };
	mm[1] = (struct kipc_mmsg){ .buf = (uintptr_t)buf[1], .len = MSGSZ };
	EXPECT_EQ(-EAGAIN, lkipc_queue_recv_batch(&self->q, mm, 2, KIPC_SEL_ANY,
						  0, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_queue_recv_batch(&self->q, mm, 2, KIPC_SEL_ANY,
						  0, KIPC_MSG_PEEK, NULL));
	/* One queued: a batch of two takes it and stops. */
	ASSERT_EQ(0, lkipc_queue_send(&self->q, 2, "ab", 2, 0, NULL));
	EXPECT_EQ(1, lkipc_queue_recv_batch(&self->q, mm, 2, KIPC_SEL_ANY, 0,
					    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(2, mm[0].type);
	EXPECT_EQ(2, mm[0].msg_len);
}

TEST_F(lib, sem_errors)
{
	struct timespec dl = past();
	struct kipc_info info;

	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(&self->s, 1, 0));
	EXPECT_EQ(-EAGAIN, lkipc_sem_wait(&self->s, 1, KIPC_SEM_NONBLOCK,
					  NULL));
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(&self->s, 1, 0, &dl));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(&self->s, 0, KIPC_SEM_NONBLOCK,
					  NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&self->s, 0, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(&self->s, 1, 1U << 20));
	EXPECT_EQ(-EINVAL, lkipc_sem_trywait(&self->s, 1, 1U << 20));
	EXPECT_EQ(0, lkipc_sem_value(&self->s));
	ASSERT_EQ(0, lkipc_get_info(&self->k, &info));
	ASSERT_EQ(0, lkipc_sem_post(&self->s, info.sem_value_max, 0));
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post(&self->s, 1, 0));
	EXPECT_EQ((int)info.sem_value_max, lkipc_sem_value(&self->s));
	EXPECT_EQ(0, lkipc_sem_trywait(&self->s, 2, 0));
	EXPECT_EQ((int)info.sem_value_max - 2, lkipc_sem_value(&self->s));
	ASSERT_EQ(0, lkipc_sem_destroy(&self->s));
	EXPECT_EQ(-EIDRM, lkipc_sem_trywait(&self->s, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(&self->s, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_value(&self->s));
}

/* ---- A descriptor number reused behind the library's back ---------- */

/*
 * Does the module check a request's handle id (KIPC_FEAT_HANDLE_ID)?  Only
 * then is an unmapped handle whose descriptor was closed and reused kept
 * from the object the number names now: without the id, its system calls
 * go wherever the number leads.
 */
static bool handle_ids(struct lkipc *k)
{
	struct kipc_info info;

	return !lkipc_get_info(k, &info) &&
	       (info.features & KIPC_FEAT_HANDLE_ID);
}

/*
 * Put the raw descriptor fd at number "at" (closed by the caller before):
 * the lowest free number is usually "at" already, else dup2 moves it
 * there.  Returns "at", or -1.
 */
static int move_fd(int fd, int at)
{
	if (fd < 0 || fd == at)
		return fd;
	if (dup2(fd, at) != at)
		return -1;
	close(fd);
	return at;
}

/* QUEUE_STAT's message counters and lanes, through a raw descriptor. */
struct qcount {
	uint32_t msgs, lanes;
	uint64_t sent, received;
};

static int qcount(int fd, struct qcount *c)
{
	struct kipc_queue_stat st;
	int ret = queue_stat(fd, &st);

	if (ret)
		return ret;
	*c = (struct qcount){ st.msgs, st.lanes, st.sent, st.received };
	return 0;
}

/*
 * The reproduction: a mapped queue A closed with close(2), its
 * number reused by queue B opened with a raw ioctl (by_lib: with the
 * library), B holding one message.  A send through A's handle delivers
 * into A or fails with EBADF; a receive through it gets A's message,
 * nothing (EAGAIN) or EBADF; B is never touched, not even by a lane
 * registration (KIPC_IOC_RING_LANE) that A's fast path made by number.
 */
static void stale_queue(struct __test_metadata *_metadata, struct lkipc *k,
			unsigned int open_flags, bool by_lib)
{
	struct lkipc_queue_attr attr = { .msgs = CAP, .msgsize = MSGSZ };
	struct lkipc_queue a, b = { .fd = -1 };
	struct qcount ca, cb, cb2;
	int keep, nr, ret;
	char buf[MSGSZ];
	int64_t t;

	ASSERT_EQ(0, lkipc_queue_open(k, &a, NULL,
				      KIPC_OPEN_CREATE | open_flags, 0600,
				      &attr));
	keep = dup(a.fd);		/* to look at A afterwards */
	ASSERT_LE(0, keep);
	nr = a.fd;
	ASSERT_EQ(0, close(a.fd));	/* behind the library's back */
	if (by_lib) {
		ASSERT_EQ(0, lkipc_queue_open(k, &b, NULL,
					      KIPC_OPEN_CREATE | open_flags,
					      0600, &attr));
		ASSERT_EQ(nr, move_fd(b.fd, nr));
		b.fd = nr;
	} else {
		ASSERT_EQ(nr, move_fd(q_open_full(k->fd, NULL, RW, 0600, CAP,
						  MSGSZ, 0, 0, NULL), nr));
	}
	ASSERT_EQ(nr, a.fd);		/* the same number, another queue */
	ASSERT_EQ(0, q_send_full(nr, 2, "BB", 2, KIPC_MSG_NONBLOCK, NULL));
	ASSERT_EQ(0, qcount(nr, &cb));

	ret = lkipc_queue_send(&a, 1, "A", 1, KIPC_MSG_NONBLOCK, NULL);
	ASSERT_EQ(0, qcount(keep, &ca));
	if (ret == 0) {
		EXPECT_EQ(1, ca.msgs);
	} else {
		EXPECT_EQ(-EBADF, ret);
		EXPECT_EQ(0, ca.sent);
	}
	ret = recv_typed(&a, buf, sizeof(buf), KIPC_SEL_ANY, 0, &t,
			 KIPC_MSG_NONBLOCK, NULL);
	if (ret >= 0) {
		/* A's own message, never B's. */
		EXPECT_EQ(1, ret);
		EXPECT_EQ(1, t);
		EXPECT_EQ('A', buf[0]);
		EXPECT_EQ(1, ca.msgs);
	} else {
		EXPECT_TRUE(ret == -EAGAIN || ret == -EBADF) {
			TH_LOG("receive through the stale handle: %d", ret);
		}
		EXPECT_EQ(0, t);
	}
	/* B: its one message, nothing sent to it or taken from it. */
	ASSERT_EQ(0, qcount(nr, &cb2));
	EXPECT_EQ(1, cb2.msgs);
	EXPECT_EQ(cb.sent, cb2.sent);
	EXPECT_EQ(cb.received, cb2.received);
	/* Nor did A's fast path register a thread in B's ring. */
	EXPECT_EQ(cb.lanes, cb2.lanes);
	if (by_lib) {
		/* B's own handle still reaches B. */
		EXPECT_EQ(2, lkipc_queue_recv(&b, buf, sizeof(buf),
					      KIPC_SEL_ANY, 0, &t,
					      KIPC_MSG_NONBLOCK, NULL));
		EXPECT_EQ(2, t);
		lkipc_queue_close(&b);
	} else {
		close(nr);
	}
	/* A's mapping goes; its number is B's, closed above. */
	a.fd = -1;
	lkipc_queue_close(&a);
	close(keep);
}

TEST_F(lib, stale_number_cannot_redirect)
{
	if (!variant->mapped && !handle_ids(&self->k))
		SKIP(return, "no KIPC_FEAT_HANDLE_ID: an unmapped handle's "
		     "system calls follow its number");
	stale_queue(_metadata, &self->k, variant->open_flags, false);
}

/* The same when B is a library handle (mapped in the mapped variant). */
TEST_F(lib, stale_number_cannot_redirect_to_lib)
{
	if (!variant->mapped && !handle_ids(&self->k))
		SKIP(return, "no KIPC_FEAT_HANDLE_ID: an unmapped handle's "
		     "system calls follow its number");
	stale_queue(_metadata, &self->k, variant->open_flags, true);
}

/*
 * A semaphore A of value 0 closed with close(2), its number reused by
 * semaphore B of value 3: V through A's handle changes A or fails with
 * EBADF; P through it never takes B's units.
 */
TEST_F(lib, stale_sem_number_cannot_redirect)
{
	struct lkipc_sem a;
	int keep, nr, ret;
	long long va;

	if (!variant->mapped && !handle_ids(&self->k))
		SKIP(return, "no KIPC_FEAT_HANDLE_ID: an unmapped handle's "
		     "system calls follow its number");
	ASSERT_EQ(0, lkipc_sem_open(&self->k, &a, NULL,
				    KIPC_OPEN_CREATE | variant->open_flags,
				    0600, 0));
	keep = dup(a.fd);
	ASSERT_LE(0, keep);
	nr = a.fd;
	ASSERT_EQ(0, close(a.fd));
	ASSERT_EQ(nr, move_fd(anon_sem(self->k.fd, 3), nr));

	ret = lkipc_sem_post(&a, 1, 0);
	va = sem_value(keep);
	if (ret == 0) {
		EXPECT_EQ(1, va);
	} else {
		EXPECT_EQ(-EBADF, ret);
		EXPECT_EQ(0, va);
	}
	EXPECT_EQ(3, sem_value(nr));
	/* A's unit if V went there; never one of B's. */
	ret = lkipc_sem_wait(&a, 1, KIPC_SEM_NONBLOCK, NULL);
	if (va == 1) {
		EXPECT_TRUE(ret == 0 || ret == -EBADF);
	} else {
		EXPECT_TRUE(ret == -EAGAIN || ret == -EBADF);
	}
	EXPECT_EQ(ret == 0 ? va - 1 : va, sem_value(keep));
	ret = lkipc_sem_trywait(&a, 1, 0);
	EXPECT_TRUE(ret == -EAGAIN || ret == -EBADF) {
		TH_LOG("P of an empty A through its stale handle: %d", ret);
	}
	EXPECT_EQ(3, sem_value(nr));
	close(nr);
	a.fd = -1;
	lkipc_sem_close(&a);
	close(keep);
}

/* ---- Descriptors that become handles ------------------------------- */

/*
 * The child's half of from_fd: take over the queue passed on sock, get
 * the parent's message (type 8) and answer (type 7) through it.  Exit
 * status 0, or which step failed.
 */
static int from_fd_child(struct lkipc *k, int sock, uint64_t id,
			 unsigned int open_flags)
{
	struct lkipc_queue r;
	char buf[MSGSZ];
	int64_t t;
	int fd = recv_fd(sock);

	if (fd < 0)
		return 10;
	if (lkipc_queue_from_fd(k, &r, fd, open_flags))
		return 11;
	if (r.fd != fd || r.id != id)
		return 12;
	if (lkipc_queue_recv(&r, buf, sizeof(buf), KIPC_SEL_ANY, 0, &t,
			     KIPC_MSG_NONBLOCK, NULL) != 6 || t != 8 ||
	    memcmp(buf, "parent", 6))
		return 13;
	if (lkipc_queue_send(&r, 7, "child", 5, KIPC_MSG_NONBLOCK, NULL))
		return 14;
	if (lkipc_queue_close(&r) || r.fd != -1)
		return 15;
	return 0;
}

TEST_F(lib, from_fd)
{
	struct lkipc_queue_attr attr = { .msgs = CAP, .msgsize = MSGSZ };
	struct kipc_queue_stat st;
	struct lkipc_queue q, d;
	struct lkipc_sem sem;
	int sv[2], p[2], fd;
	char buf[MSGSZ];
	pid_t pid;
	int64_t t;

	ASSERT_EQ(0, lkipc_queue_open(&self->k, &q, NULL,
				      KIPC_OPEN_CREATE | variant->open_flags,
				      0600, &attr));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, lkipc_queue_send(&q, 8, "parent", 6, 0, NULL));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(sv[0]);
		/* Only the descriptor that came over the socket. */
		close(q.fd);
		_exit(from_fd_child(&self->k, sv[1], q.id,
				    variant->open_flags));
	}
	close(sv[1]);
	ASSERT_EQ(0, send_fd(sv[0], q.fd));
	EXPECT_EQ(0, reap(pid));
	close(sv[0]);
	EXPECT_EQ(5, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				      &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(7, t);
	EXPECT_EQ(0, memcmp(buf, "child", 5));
	/* Mapped: the child's thread took a lane, beside the parent's. */
	ASSERT_EQ(0, lkipc_queue_stat(&q, &st));
	EXPECT_EQ(variant->mapped ? 2 : 0, st.lanes);

	/* A dup(2) of the handle, taken over: the same queue. */
	fd = dup(q.fd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, lkipc_queue_from_fd(&self->k, &d, fd,
					 variant->open_flags));
	EXPECT_EQ(fd, d.fd);
	EXPECT_EQ(q.id, d.id);
	EXPECT_EQ(0, lkipc_queue_send(&d, 3, "dup", 3, 0, NULL));
	EXPECT_EQ(3, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				      &t, 0, NULL));
	EXPECT_EQ(3, t);
	EXPECT_EQ(0, lkipc_queue_close(&d));
	EXPECT_EQ(-1, d.fd);
	EXPECT_EQ(-1, fcntl(fd, F_GETFD));
	/* Closing the copy left the original working. */
	EXPECT_EQ(0, lkipc_queue_send(&q, 4, "q", 1, 0, NULL));
	EXPECT_EQ(1, lkipc_queue_recv(&q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				      &t, 0, NULL));
	EXPECT_EQ(4, t);

	/* Not a queue: EINVAL, and the descriptor stays the caller's. */
	EXPECT_EQ(-EINVAL, lkipc_queue_from_fd(&self->k, &d, self->s.fd,
					       variant->open_flags));
	EXPECT_LE(0, fcntl(self->s.fd, F_GETFD));
	EXPECT_EQ(-EINVAL, lkipc_sem_from_fd(&self->k, &sem, q.fd,
					     variant->open_flags));
	EXPECT_LE(0, fcntl(q.fd, F_GETFD));
	ASSERT_EQ(0, pipe(p));
	EXPECT_EQ(-EINVAL, lkipc_queue_from_fd(&self->k, &d, p[0],
					       variant->open_flags));
	EXPECT_LE(0, fcntl(p[0], F_GETFD));
	EXPECT_EQ(-EINVAL, lkipc_sem_from_fd(&self->k, &sem, p[1],
					     variant->open_flags));
	EXPECT_LE(0, fcntl(p[1], F_GETFD));
	EXPECT_EQ(-EINVAL, lkipc_queue_from_fd(&self->k, &d, -1, 0));
	EXPECT_EQ(-EINVAL, lkipc_queue_from_fd(&self->k, &d, q.fd, 1));
	/* The semaphore and the queue still work. */
	EXPECT_EQ(0, lkipc_sem_post(&self->s, 1, 0));
	EXPECT_EQ(1, lkipc_sem_value(&self->s));
	EXPECT_EQ(0, lkipc_queue_send(&q, 1, "x", 1, 0, NULL));
	close(p[0]);
	close(p[1]);
	lkipc_queue_close(&q);
}

/* ---- Closed handles ------------------------------------------------- */

TEST_F(lib, closed_handle)
{
	struct kipc_mmsg mm = { .type = 1, .buf = (uintptr_t)"a", .len = 1 };
	struct kipc_queue_stat qst;
	struct kipc_sem_stat sst;
	char buf[MSGSZ];
	int64_t t;

	EXPECT_EQ(0, lkipc_queue_close(&self->q));
	EXPECT_EQ(-1, self->q.fd);
	EXPECT_EQ(-EBADF, lkipc_queue_send(&self->q, 1, "a", 1, 0, NULL));
	EXPECT_EQ(-EBADF, lkipc_queue_send(&self->q, 1, "a", 1,
					   KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EBADF, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				     0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EBADF, recv_typed(&self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				     0, &t, 0, NULL));
	EXPECT_EQ(-EBADF, lkipc_queue_send_batch(&self->q, &mm, 1, 0, NULL));
	EXPECT_EQ(-EBADF, lkipc_queue_recv_batch(&self->q, &mm, 1,
						 KIPC_SEL_ANY, 0,
						 KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EBADF, lkipc_queue_stat(&self->q, &qst));
	EXPECT_EQ(-EBADF, lkipc_queue_destroy(&self->q));
	EXPECT_EQ(0, lkipc_queue_close(&self->q));	/* again: nothing */
	EXPECT_EQ(-1, self->q.fd);

	EXPECT_EQ(0, lkipc_sem_close(&self->s));
	EXPECT_EQ(-1, self->s.fd);
	EXPECT_EQ(-EBADF, lkipc_sem_post(&self->s, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_wait(&self->s, 1, KIPC_SEM_NONBLOCK,
					 NULL));
	EXPECT_EQ(-EBADF, lkipc_sem_trywait(&self->s, 1, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_value(&self->s));
	EXPECT_EQ(-EBADF, lkipc_sem_stat(&self->s, &sst, NULL, 0));
	EXPECT_EQ(-EBADF, lkipc_sem_destroy(&self->s));
	EXPECT_EQ(0, lkipc_sem_close(&self->s));
	EXPECT_EQ(-1, self->s.fd);
}

TEST_HARNESS_MAIN
