// SPDX-License-Identifier: GPL-2.0
/*
 * liblkipc's calls give the same results on both of their paths: through
 * the mapped fast path (the default) and through system calls only
 * (LKIPC_OPEN_NOMAP).  Every error case of the queue and semaphore calls
 * runs under both variants with the same expectations, out-parameters
 * included.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define MSGSZ	32
#define CAP	2
/* An out-parameter's value before a call that must reset it. */
#define STALE	99

FIXTURE(lib) {
	struct lkipc k;
	int q;		/* a queue of CAP messages of MSGSZ bytes */
	int s;		/* a semaphore of value 0 */
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
	self->q = lkipc_queue_open(&self->k, NULL,
				   KIPC_OPEN_CREATE | variant->open_flags,
				   0600, &attr);
	ASSERT_LE(0, self->q);
	self->s = lkipc_sem_open(&self->k, NULL,
				 KIPC_OPEN_CREATE | variant->open_flags, 0600,
				 0);
	ASSERT_LE(0, self->s);
	/* The variant is what it says: a mapped queue has a lane once used. */
	ASSERT_EQ(0, lkipc_send(self->q, 1, "x", 1, 0, NULL));
	ASSERT_EQ(1, lkipc_recv(self->q, (char[MSGSZ]){ 0 }, MSGSZ,
				KIPC_SEL_ANY, 0, NULL, 0, NULL));
	ASSERT_EQ(0, lkipc_queue_info(self->q, &st));
	ASSERT_EQ(variant->mapped ? 1 : 0, st.lanes);
}

FIXTURE_TEARDOWN(lib)
{
	lkipc_handle_close(self->s);
	lkipc_handle_close(self->q);
	lkipc_close(&self->k);
}

static struct timespec past(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec -= 1;
	return ts;
}

static int recv_typed(int fd, void *buf, size_t len, unsigned int sel,
		      int64_t type, int64_t *out, unsigned int flags,
		      const struct timespec *dl)
{
	*out = STALE;
	return lkipc_recv(fd, buf, len, sel, type, out, flags, dl);
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
	char buf[MSGSZ];
	int64_t t;
	int q, i;

	q = lkipc_queue_open(&self->k, NULL,
			     KIPC_OPEN_CREATE | variant->open_flags, 0600,
			     &attr);
	ASSERT_LE(0, q);
	for (i = 0; i < 6; i++) {
		buf[0] = (char)i;
		ASSERT_EQ(0, lkipc_send(q, sent[i], buf, 1, 0, NULL));
	}
	for (i = 0; i < 8; i++) {
		int ret = recv_typed(q, buf, sizeof(buf), KIPC_SEL_LE,
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
	lkipc_handle_close(q);
}

TEST_F(lib, recv_errors)
{
	struct timespec dl = past(), bad = { .tv_sec = 1,
					     .tv_nsec = 1000000000 };
	char buf[MSGSZ];
	int64_t t;

	/* Empty, non-blocking. */
	EXPECT_EQ(-EAGAIN, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* Empty, a deadline already past. */
	EXPECT_EQ(-ETIMEDOUT, recv_typed(self->q, buf, sizeof(buf),
					 KIPC_SEL_ANY, 0, &t, 0, &dl));
	EXPECT_EQ(0, t);
	/* Bad arguments. */
	EXPECT_EQ(-EINVAL, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, 1U << 20, NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      3, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(self->q, buf, sizeof(buf),
				      KIPC_SEL_EXACT, 0, &t, KIPC_MSG_NONBLOCK,
				      NULL));
	EXPECT_EQ(0, t);
	EXPECT_EQ(-EINVAL, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, 0, &bad));
	EXPECT_EQ(0, t);
	/* Too small a buffer: EMSGSIZE, type 0, and the message stays. */
	ASSERT_EQ(0, lkipc_send(self->q, 4, "abcdef", 6, 0, NULL));
	EXPECT_EQ(-EMSGSIZE, recv_typed(self->q, buf, 3, KIPC_SEL_ANY, 0, &t,
					KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* With truncation: the full length, the type, the message taken. */
	EXPECT_EQ(6, recv_typed(self->q, buf, 3, KIPC_SEL_ANY, 0, &t,
				KIPC_MSG_TRUNCATE | KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(4, t);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(-EAGAIN, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
	/* A NULL out_type is allowed on every path. */
	EXPECT_EQ(-EAGAIN, lkipc_recv(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				      0, NULL, KIPC_MSG_NONBLOCK, NULL));
	/* Destroyed. */
	ASSERT_EQ(0, lkipc_queue_destroy(self->q));
	EXPECT_EQ(-EIDRM, recv_typed(self->q, buf, sizeof(buf), KIPC_SEL_ANY,
				     0, &t, KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(0, t);
}

TEST_F(lib, send_errors)
{
	struct timespec dl = past();
	char big[MSGSZ + 1] = { 0 };
	int i;

	EXPECT_EQ(-EMSGSIZE, lkipc_send(self->q, 1, big, sizeof(big),
					KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_send(self->q, 0, "a", 1, KIPC_MSG_NONBLOCK,
				      NULL));
	EXPECT_EQ(-EINVAL, lkipc_send(self->q, -3, "a", 1, KIPC_MSG_NONBLOCK,
				      NULL));
	EXPECT_EQ(-EINVAL, lkipc_send(self->q, 1, "a", 1, 1U << 20, NULL));
	EXPECT_EQ(-EINVAL, lkipc_send(self->q, 1, "a", 1, KIPC_MSG_PEEK,
				      NULL));
	for (i = 0; i < CAP; i++)
		ASSERT_EQ(0, lkipc_send(self->q, 1, "a", 1, KIPC_MSG_NONBLOCK,
					NULL));
	EXPECT_EQ(-EAGAIN, lkipc_send(self->q, 1, "a", 1, KIPC_MSG_NONBLOCK,
				      NULL));
	EXPECT_EQ(-ETIMEDOUT, lkipc_send(self->q, 1, "a", 1, 0, &dl));
	ASSERT_EQ(0, lkipc_queue_destroy(self->q));
	EXPECT_EQ(-EIDRM, lkipc_send(self->q, 1, "a", 1, KIPC_MSG_NONBLOCK,
				     NULL));
}

TEST_F(lib, batch_errors)
{
	struct kipc_mmsg mm[2];
	char buf[2][MSGSZ];

	memset(mm, 0, sizeof(mm));
	EXPECT_EQ(-EINVAL, lkipc_send_batch(self->q, NULL, 1, 0, NULL));
	EXPECT_EQ(-EINVAL, lkipc_recv_batch(self->q, NULL, 1, KIPC_SEL_ANY,
					    0, 0, NULL));
	EXPECT_EQ(-EINVAL, lkipc_send_batch(self->q, mm, 0, 0, NULL));
	mm[0] = (struct kipc_mmsg){ .type = 0, .buf = (uintptr_t)"a",
				    .len = 1 };
	EXPECT_EQ(-EINVAL, lkipc_send_batch(self->q, mm, 1, 0, NULL));
	mm[0] = (struct kipc_mmsg){ .buf = (uintptr_t)buf[0], .len = MSGSZ };
	mm[1] = (struct kipc_mmsg){ .buf = (uintptr_t)buf[1], .len = MSGSZ };
	EXPECT_EQ(-EAGAIN, lkipc_recv_batch(self->q, mm, 2, KIPC_SEL_ANY, 0,
					    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EINVAL, lkipc_recv_batch(self->q, mm, 2, KIPC_SEL_ANY, 0,
					    KIPC_MSG_PEEK, NULL));
	/* One queued: a batch of two takes it and stops. */
	ASSERT_EQ(0, lkipc_send(self->q, 2, "ab", 2, 0, NULL));
	EXPECT_EQ(1, lkipc_recv_batch(self->q, mm, 2, KIPC_SEL_ANY, 0,
				      KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(2, mm[0].type);
	EXPECT_EQ(2, mm[0].msg_len);
}

TEST_F(lib, sem_errors)
{
	struct timespec dl = past();
	struct kipc_info info;

	EXPECT_EQ(-EAGAIN, lkipc_sem_trywait(self->s, 1, 0));
	EXPECT_EQ(-EAGAIN, lkipc_sem_wait(self->s, 1, KIPC_SEM_NONBLOCK,
					  NULL));
	EXPECT_EQ(-ETIMEDOUT, lkipc_sem_wait(self->s, 1, 0, &dl));
	EXPECT_EQ(-EINVAL, lkipc_sem_wait(self->s, 0, KIPC_SEM_NONBLOCK,
					  NULL));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(self->s, 0, 0));
	EXPECT_EQ(-EINVAL, lkipc_sem_post(self->s, 1, 1U << 20));
	EXPECT_EQ(-EINVAL, lkipc_sem_trywait(self->s, 1, 1U << 20));
	EXPECT_EQ(0, lkipc_sem_value(self->s));
	ASSERT_EQ(0, lkipc_get_info(&self->k, &info));
	ASSERT_EQ(0, lkipc_sem_post(self->s, info.sem_value_max, 0));
	EXPECT_EQ(-EOVERFLOW, lkipc_sem_post(self->s, 1, 0));
	EXPECT_EQ((int)info.sem_value_max, lkipc_sem_value(self->s));
	EXPECT_EQ(0, lkipc_sem_trywait(self->s, 2, 0));
	EXPECT_EQ((int)info.sem_value_max - 2, lkipc_sem_value(self->s));
	ASSERT_EQ(0, lkipc_sem_destroy(self->s));
	EXPECT_EQ(-EIDRM, lkipc_sem_trywait(self->s, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_post(self->s, 1, 0));
	EXPECT_EQ(-EIDRM, lkipc_sem_value(self->s));
}

TEST_HARNESS_MAIN
