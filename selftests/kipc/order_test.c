// SPDX-License-Identifier: GPL-2.0
/*
 * order_test: the waiter order chosen at creation (KIPC_OPEN_PRIO_ORDER,
 * Documentation/semaphores.md and queues.md, "Waiter order").  Children
 * set SCHED_FIFO priorities (or stay SCHED_OTHER), block at once, and
 * queue one by one, each after the waiter count shows the one before it
 * queued; then units are posted, messages sent or room made one at a
 * time and the order they are served in is recorded.  A FIFO object
 * serves them in arrival order, a priority-order object highest priority
 * first and in arrival order among equal priorities.  For: semaphore P,
 * a big request at the head (no barging in either order), queue
 * receivers, queue senders on a full queue, the multi-wait, SEM_OP,
 * io_uring P (where the module has it).  The flag is used only at
 * creation and KIPC_IOC_LIST shows it; a multi-wait may not mix the
 * orders; kill -9 and a timeout of queued waiters keep the others' order
 * and lose nothing.
 *
 * Needs root (SCHED_FIFO).  Children report through shared memory and
 * their exit status, never through the harness's macros.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_LIBURING_TEST
#include <liburing.h>
#endif
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

/* Arrival order: RT 10, normal, RT 50, RT 50', normal', RT 10' (0: normal). */
static const int prios[] = { 10, 0, 50, 50, 0, 10 };
#define NW 6
static const int fifo_order[NW] = { 0, 1, 2, 3, 4, 5 };
static const int prio_order[NW] = { 2, 3, 0, 5, 1, 4 };

/* What the children write: who was served, in order. */
struct board {
	int n;			/* slots taken */
	int done;		/* slots written */
	int tag[64];
};

enum kind { K_SEM, K_MWAIT, K_SEMOP, K_URING, K_RECV, K_SEND };

struct ctx {
	enum kind kind;
	int dev;
	int a, b;		/* semaphores; a: the queue */
	unsigned int count;	/* units a P asks for */
	long long timeout_ns;	/* > 0: a timed wait */
	struct board *bd;
};

static void record(struct board *bd, int tag)
{
	int i = __atomic_fetch_add(&bd->n, 1, __ATOMIC_SEQ_CST);

	__atomic_store_n(&bd->tag[i], tag, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&bd->done, 1, __ATOMIC_SEQ_CST);
}

static int become(int prio)
{
	struct sched_param sp = { .sched_priority = prio };

	if (!prio)
		return 0;
	return sched_setscheduler(0, SCHED_FIFO, &sp) ? -errno : 0;
}

#ifdef HAVE_LIBURING_TEST
/* P through io_uring, the task waiting for the completion. */
static int uring_p(int fd, unsigned int count)
{
	struct kipc_sem_wait req;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int ret;

	ret = io_uring_queue_init(2, &ring, 0);
	if (ret)
		return ret;
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	req.count = count;
	sqe = io_uring_get_sqe(&ring);
	lkipc_prep_kipc_cmd(sqe, fd, KIPC_IOC_SEM_WAIT, &req);
	ret = io_uring_submit(&ring);
	if (ret == 1)
		ret = io_uring_wait_cqe(&ring, &cqe);
	if (!ret) {
		ret = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return ret;
}
#else
static int uring_p(int fd, unsigned int count)
{
	(void)fd;
	(void)count;
	return -EOPNOTSUPP;
}
#endif

/* The blocking operation of waiter tag: 0 or -errno. */
static int do_wait(const struct ctx *c, int tag)
{
	struct kipc_sem_multi_entry e[2] = {
		{ .fd = c->a, .count = c->count },
		{ .fd = c->b, .count = c->count },
	};
	struct kipc_sem_op_entry op = {
		.fd = c->a, .op = KIPC_SEMOP_TAKE, .count = c->count,
	};
	struct kipc_sem_wait_multi w;
	struct timespec ts;
	int64_t type;
	int msg, ret;

	ts = in_future(CLOCK_MONOTONIC, c->timeout_ns);
	switch (c->kind) {
	case K_SEM:
		return sem_p_full(c->a, c->count,
				  c->timeout_ns ? KIPC_SEM_TIMED : 0,
				  c->timeout_ns ? ts.tv_sec : 0,
				  c->timeout_ns ? ts.tv_nsec : 0);
	case K_MWAIT:
	case K_SEMOP:
		memset(&w, 0, sizeof(w));
		w.size = sizeof(w);
		w.nr = c->kind == K_MWAIT ? 2 : 1;
		w.entries = c->kind == K_MWAIT ? (uintptr_t)e : (uintptr_t)&op;
		return ioctl_ret(c->dev, c->kind == K_MWAIT ?
				 KIPC_IOC_SEM_WAIT_MULTI : KIPC_IOC_SEM_OP,
				 &w);
	case K_URING:
		return uring_p(c->a, c->count);
	case K_RECV:
		ret = q_recv_full(c->a, &msg, sizeof(msg), KIPC_SEL_ANY, 0, 0,
				  NULL, &type, NULL);
		if (ret != sizeof(msg))
			return ret < 0 ? ret : -EPROTO;
		/* Message i goes to the i-th receiver served. */
		if (msg < 0 || msg >= 64)
			return -EPROTO;
		__atomic_store_n(&c->bd->tag[msg], tag, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&c->bd->done, 1, __ATOMIC_SEQ_CST);
		return 0;
	case K_SEND:
		return q_send_full(c->a, 1, &tag, sizeof(tag), 0,
				   c->timeout_ns ? &ts : NULL);
	}
	return -EINVAL;
}

/* How many wait on the object now, or -errno. */
static long long nwaiting(const struct ctx *c)
{
	struct kipc_queue_stat st;
	int ret;

	switch (c->kind) {
	case K_RECV:
	case K_SEND:
		ret = queue_stat(c->a, &st);
		if (ret)
			return ret;
		return c->kind == K_RECV ? st.nreceivers : st.nsenders;
	default:
		return sem_nwaiters(c->a);
	}
}

/* Queue waiter tag at priority prio behind the n already queued. */
static pid_t spawn_waiter(const struct ctx *c, int tag, int prio, int n)
{
	pid_t pid = fork_child();

	if (pid == 0) {
		int ret = become(prio);

		if (!ret)
			ret = do_wait(c, tag);
		/* A receiver recorded itself by the message it got. */
		if (!ret && c->kind != K_RECV)
			record(c->bd, tag);
		_exit(-ret);
	}
	if (pid > 0 && WAIT_FOR(nwaiting(c), n + 1))
		return -1;
	return pid;
}

/* Serve one waiter: post, send message i, or make room. */
static int serve_one(const struct ctx *c, int i, int *got)
{
	int64_t type;
	int msg, ret;

	switch (c->kind) {
	case K_MWAIT:
		ret = sem_v(c->a, c->count, 0);
		return ret ? ret : sem_v(c->b, c->count, 0);
	case K_RECV:
		return q_send_full(c->a, 1, &i, sizeof(i), 0, NULL);
	case K_SEND:
		/* The admitted sender's message is behind the one taken. */
		ret = q_recv_full(c->a, &msg, sizeof(msg), KIPC_SEL_ANY, 0, 0,
				  NULL, &type, NULL);
		if (ret != sizeof(msg))
			return ret < 0 ? ret : -EPROTO;
		*got = msg;
		return 0;
	default:
		return sem_v(c->a, c->count, 0);
	}
}

FIXTURE(order) {
	int dev;
	struct board *bd;
	struct ctx c;
	pid_t pid[NW];
	int got[NW];		/* K_SEND: the messages taken to make room */
};

FIXTURE_VARIANT(order) {
	bool prio;
};

FIXTURE_VARIANT_ADD(order, fifo) {
	.prio = false,
};

FIXTURE_VARIANT_ADD(order, prio) {
	.prio = true,
};

static unsigned int oflags(const FIXTURE_VARIANT(order) *v)
{
	return RW | (v->prio ? KIPC_OPEN_PRIO_ORDER : 0);
}

/* The test's object: a new semaphore (value n) or queue (n messages). */
static int new_object(FIXTURE_DATA(order) *self,
		      const FIXTURE_VARIANT(order) *variant, enum kind kind,
		      unsigned int n)
{
	self->c.kind = kind;
	if (kind == K_RECV || kind == K_SEND)
		self->c.a = q_open_full(self->dev, NULL, oflags(variant), 0600,
					n, sizeof(int), 0, 0, NULL);
	else
		self->c.a = sem_open_full(self->dev, NULL, oflags(variant),
					  0600, n, 0, NULL);
	return self->c.a;
}

static uint64_t features(int dev)
{
	struct kipc_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	return ioctl_ret(dev, KIPC_IOC_GET_INFO, &info) ? 0 : info.features;
}

FIXTURE_SETUP(order)
{
	if (geteuid())
		SKIP(return, "needs root for SCHED_FIFO");
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
	ASSERT_TRUE(features(self->dev) & KIPC_FEAT_PRIO_ORDER);
	self->bd = shared_map(sizeof(*self->bd));
	ASSERT_NE(NULL, self->bd);
	memset(&self->c, 0, sizeof(self->c));
	self->c.dev = self->dev;
	self->c.a = -1;
	self->c.b = -1;
	self->c.count = 1;
	self->c.bd = self->bd;
}

FIXTURE_TEARDOWN(order)
{
	if (self->c.a >= 0)
		close(self->c.a);
	if (self->c.b >= 0)
		close(self->c.b);
	close(self->dev);
}

static int board_done(const struct board *bd)
{
	return __atomic_load_n(&bd->done, __ATOMIC_SEQ_CST);
}

/*
 * Queue n waiters of priorities prio[], their tags their indices, and
 * serve them one at a time: the board then holds the order they were
 * served in.  A queue's senders are served by taking a message each time
 * (self->got[]): the first taken is the one that filled the queue.
 */
static void queue_and_serve(struct __test_metadata *_metadata,
			    FIXTURE_DATA(order) *self, const struct ctx *c,
			    const int *prio, int n, int *pid)
{
	int i;

	for (i = 0; i < n; i++) {
		pid[i] = spawn_waiter(c, i, prio[i], i);
		ASSERT_LT(0, pid[i]) TH_LOG("waiter %d did not queue", i);
	}
	for (i = 0; i < n; i++) {
		self->got[i] = -1;
		ASSERT_EQ(0, serve_one(c, i, &self->got[i]));
		ASSERT_EQ(0, WAIT_FOR(board_done(self->bd), i + 1));
	}
}

/*
 * Queue the six waiters of prios[], serve them, and check they were
 * served in the variant's order; every child exits 0.
 */
static void run_order(struct __test_metadata *_metadata,
		      FIXTURE_DATA(order) *self,
		      const FIXTURE_VARIANT(order) *variant)
{
	const int *want = variant->prio ? prio_order : fifo_order;
	int i;

	queue_and_serve(_metadata, self, &self->c, prios, NW, self->pid);
	for (i = 0; i < NW; i++) {
		EXPECT_EQ(want[i], self->bd->tag[i]) TH_LOG("served #%d", i);
		EXPECT_EQ(0, reap(self->pid[i]));
	}
	EXPECT_EQ(0, nwaiting(&self->c));
}

TEST_F(order, sem_p)
{
	ASSERT_LE(0, new_object(self, variant, K_SEM, 0));
	run_order(_metadata, self, variant);
	EXPECT_EQ(0, sem_value(self->c.a));
}

TEST_F(order, sem_p_two_units)
{
	self->c.count = 2;
	ASSERT_LE(0, new_object(self, variant, K_SEM, 1));
	/* One unit stays in the semaphore: nobody fits it. */
	run_order(_metadata, self, variant);
	EXPECT_EQ(1, sem_value(self->c.a));
}

TEST_F(order, multi_wait)
{
	self->c.b = sem_open_full(self->dev, NULL, oflags(variant), 0600, 0, 0,
				  NULL);
	ASSERT_LE(0, self->c.b);
	ASSERT_LE(0, new_object(self, variant, K_MWAIT, 0));
	run_order(_metadata, self, variant);
	EXPECT_EQ(0, sem_value(self->c.a));
	EXPECT_EQ(0, sem_value(self->c.b));
}

/* KIPC_IOC_SEM_OP's takes queue as places too. */
TEST_F(order, sem_op_take)
{
	ASSERT_LE(0, new_object(self, variant, K_SEMOP, 0));
	run_order(_metadata, self, variant);
	EXPECT_EQ(0, sem_value(self->c.a));
}

TEST_F(order, uring_p)
{
	if (!(features(self->dev) & KIPC_FEAT_URING_CMD))
		SKIP(return, "no KIPC_FEAT_URING_CMD (Linux < 6.7)");
#ifndef HAVE_LIBURING_TEST
	SKIP(return, "built without liburing");
#endif
	ASSERT_LE(0, new_object(self, variant, K_URING, 0));
	run_order(_metadata, self, variant);
	EXPECT_EQ(0, sem_value(self->c.a));
}

TEST_F(order, queue_receivers)
{
	ASSERT_LE(0, new_object(self, variant, K_RECV, 8));
	run_order(_metadata, self, variant);
}

TEST_F(order, queue_senders)
{
	struct kipc_queue_stat st;
	int64_t type;
	int i, msg = -1;

	ASSERT_LE(0, new_object(self, variant, K_SEND, 1));
	/* Full: every sender waits. */
	ASSERT_EQ(0, q_send_full(self->c.a, 1, &msg, sizeof(msg), 0, NULL));
	run_order(_metadata, self, variant);
	/* The messages came in admission order, the last is still queued. */
	EXPECT_EQ(-1, self->got[0]);
	for (i = 1; i < NW; i++)
		EXPECT_EQ(self->bd->tag[i - 1], self->got[i]);
	ASSERT_EQ(sizeof(msg), q_recv_full(self->c.a, &msg, sizeof(msg),
					   KIPC_SEL_ANY, 0, 0, NULL, &type,
					   NULL));
	EXPECT_EQ(self->bd->tag[NW - 1], msg);
	ASSERT_EQ(0, queue_stat(self->c.a, &st));
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(NW + 1, st.sent);
}

/*
 * A request of 3 units at the head blocks a later one of 1 when 2 are
 * posted: in priority order the head is the RT 50 one, queued second.
 */
TEST_F(order, big_request_blocks)
{
	struct ctx *c = &self->c;
	struct ctx big;
	pid_t small_pid, big_pid;

	ASSERT_LE(0, new_object(self, variant, K_SEM, 0));
	small_pid = spawn_waiter(c, 1, 0, 0);
	ASSERT_LT(0, small_pid);
	big = *c;
	big.count = 3;
	big_pid = spawn_waiter(&big, 3, 50, 1);
	ASSERT_LT(0, big_pid);

	ASSERT_EQ(0, sem_v(c->a, 2, 0));
	if (variant->prio) {
		/* Nobody passes the RT 50 head, whose 3 do not fit. */
		usleep(200000);
		EXPECT_EQ(0, __atomic_load_n(&self->bd->done, __ATOMIC_SEQ_CST));
		EXPECT_EQ(2, sem_value(c->a));
		EXPECT_EQ(2, sem_nwaiters(c->a));
		ASSERT_EQ(0, sem_v(c->a, 1, 0));
		ASSERT_EQ(0, WAIT_FOR(self->bd->done, 1));
		EXPECT_EQ(3, self->bd->tag[0]);
		ASSERT_EQ(0, sem_v(c->a, 1, 0));
		ASSERT_EQ(0, WAIT_FOR(self->bd->done, 2));
		EXPECT_EQ(1, self->bd->tag[1]);
	} else {
		/* The normal head takes 1 of 2; the big one waits for 3. */
		ASSERT_EQ(0, WAIT_FOR(self->bd->done, 1));
		EXPECT_EQ(1, self->bd->tag[0]);
		EXPECT_EQ(1, sem_value(c->a));
		ASSERT_EQ(0, sem_v(c->a, 2, 0));
		ASSERT_EQ(0, WAIT_FOR(self->bd->done, 2));
		EXPECT_EQ(3, self->bd->tag[1]);
	}
	EXPECT_EQ(0, reap(small_pid));
	EXPECT_EQ(0, reap(big_pid));
	EXPECT_EQ(0, sem_value(c->a));
	EXPECT_EQ(0, sem_nwaiters(c->a));
}

/*
 * An RT 50 P(1) arriving while a normal P(3) waits with 2 units there:
 * in priority order it is ahead of the head and takes a unit at once; in
 * arrival order it queues behind.
 */
TEST_F(order, rt_arrival_ahead_of_blocked_head)
{
	struct ctx *c = &self->c;
	struct ctx big;
	pid_t big_pid, rt;

	ASSERT_LE(0, new_object(self, variant, K_SEM, 2));
	big = *c;
	big.count = 3;
	big_pid = spawn_waiter(&big, 3, 0, 0);
	ASSERT_LT(0, big_pid);
	rt = fork_child();
	ASSERT_LE(0, rt);
	if (rt == 0) {
		int ret = become(50);

		_exit(ret ? -ret : -sem_p(c->a, 1, KIPC_SEM_NONBLOCK));
	}
	EXPECT_EQ(variant->prio ? 0 : EAGAIN, reap(rt));
	EXPECT_EQ(variant->prio ? 1 : 2, sem_value(c->a));
	ASSERT_EQ(0, sem_v(c->a, variant->prio ? 2 : 1, 0));
	EXPECT_EQ(0, reap(big_pid));
	EXPECT_EQ(0, sem_value(c->a));
}

/*
 * A multi-wait, or a SEM_OP that takes or waits, on a FIFO and a
 * priority-order semaphore together is refused (two all-waits could each
 * be ahead in one queue, behind in the other); adds are fine.
 */
TEST_F(order, mixed_orders_refused)
{
	struct kipc_sem_multi_entry e[2];
	struct kipc_sem_op_entry op[2];
	struct kipc_sem_wait_multi w;
	int fifo, prio;

	if (!variant->prio)
		SKIP(return, "one variant is enough");
	fifo = sem_open_full(self->dev, NULL, RW, 0600, 1, 0, NULL);
	prio = sem_open_full(self->dev, NULL, RW | KIPC_OPEN_PRIO_ORDER, 0600,
			     1, 0, NULL);
	ASSERT_LE(0, fifo);
	ASSERT_LE(0, prio);
	e[0] = (struct kipc_sem_multi_entry){ .fd = fifo, .count = 1 };
	e[1] = (struct kipc_sem_multi_entry){ .fd = prio, .count = 1 };
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.flags = KIPC_SEM_NONBLOCK;
	w.nr = 2;
	w.entries = (uintptr_t)e;
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_SEM_WAIT_MULTI, &w));
	w.flags |= KIPC_SEM_ANY;
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_SEM_WAIT_MULTI, &w));

	op[0] = (struct kipc_sem_op_entry){ .fd = fifo,
					    .op = KIPC_SEMOP_TAKE, .count = 1 };
	op[1] = (struct kipc_sem_op_entry){ .fd = prio,
					    .op = KIPC_SEMOP_ZERO };
	w.flags = KIPC_SEM_NONBLOCK;
	w.entries = (uintptr_t)op;
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_SEM_OP, &w));
	/* Nothing was taken. */
	EXPECT_EQ(1, sem_value(fifo));
	/* Only the wait for zero would queue: it may, it would block. */
	op[0].op = KIPC_SEMOP_ADD;
	EXPECT_EQ(-EAGAIN, ioctl_ret(self->dev, KIPC_IOC_SEM_OP, &w));
	EXPECT_EQ(1, sem_value(fifo));
	op[1] = (struct kipc_sem_op_entry){ .fd = prio, .op = KIPC_SEMOP_ADD,
					    .count = 1 };
	EXPECT_EQ(0, ioctl_ret(self->dev, KIPC_IOC_SEM_OP, &w));
	EXPECT_EQ(2, sem_value(fifo));
	EXPECT_EQ(2, sem_value(prio));
	close(fifo);
	close(prio);
}

/* Is id listed (KIPC_IOC_LIST): 0 no, 1 without flag, 2 with it. */
static int listed_with(uint64_t id, unsigned int flag)
{
	struct kipc_obj_info *info;
	int i, n, cap = 4096, ret = 0;
	struct lkipc k;

	info = calloc(cap, sizeof(*info));
	if (!info || lkipc_open(&k, 0)) {
		free(info);
		return -ENOMEM;
	}
	n = lkipc_list(&k, info, cap);
	for (i = 0; i < n && i < cap; i++)
		if (info[i].id == id)
			ret = (info[i].flags & flag) ? 2 : 1;
	lkipc_close(&k);
	free(info);
	return ret;
}

/*
 * The order a handle's stat reports (KIPC_FEAT_STAT_ORDER), with a stale
 * value in the field on input, which the kernel must ignore: -1 if the
 * stat failed.
 */
static int stat_order(int fd, int queue)
{
	struct kipc_queue_stat qs = { .size = sizeof(qs), .order = 7 };
	struct kipc_sem_stat ss = { .size = sizeof(ss), .order = 7 };

	if (queue)
		return ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, &qs) ? -1 :
		       (int)qs.order;
	return ioctl_ret(fd, KIPC_IOC_SEM_STAT, &ss) ? -1 : (int)ss.order;
}

/*
 * The flag matters only to the call that creates: an existing object
 * keeps its order whatever later opens say, and KIPC_IOC_LIST and
 * the stats show it.
 */
TEST_F(order, flag_used_at_creation_only)
{
	unsigned int other = variant->prio ? RW : RW | KIPC_OPEN_PRIO_ORDER;
	int want = variant->prio ? KIPC_ORDER_PRIO : KIPC_ORDER_FIFO;
	struct kipc_open op;
	char name[64];
	int fd;

	make_name(name, sizeof(name), variant->prio ? "p" : "f");
	fd = sem_open_full(self->dev, name, oflags(variant) | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 0, 0, &op);
	ASSERT_LE(0, fd);
	EXPECT_EQ(variant->prio ? 2 : 1,
		  listed_with(op.id, KIPC_OBJ_F_PRIO_ORDER));
	close(fd);
	/* Opened again with the other order: the object's stays. */
	self->c.kind = K_SEM;
	self->c.a = sem_open_full(self->dev, name, other | KIPC_OPEN_CREATE,
				  0600, 0, 0, &op);
	ASSERT_LE(0, self->c.a);
	EXPECT_EQ(0, op.out_flags & KIPC_OPEN_CREATED);
	EXPECT_EQ(variant->prio ? 2 : 1,
		  listed_with(op.id, KIPC_OBJ_F_PRIO_ORDER));
	ASSERT_TRUE(features(self->dev) & KIPC_FEAT_STAT_ORDER);
	EXPECT_EQ(want, stat_order(self->c.a, 0));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	run_order(_metadata, self, variant);

	/* A queue too. */
	fd = q_open_full(self->dev, name, oflags(variant) | KIPC_OPEN_CREATE |
			 KIPC_OPEN_EXCL, 0600, 0, 0, 0, 0, &op);
	ASSERT_LE(0, fd);
	close(fd);
	fd = q_open_full(self->dev, name, other | KIPC_OPEN_CREATE, 0600, 0,
			 0, 0, 0, &op);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, op.out_flags & KIPC_OPEN_CREATED);
	EXPECT_EQ(variant->prio ? 2 : 1,
		  listed_with(op.id, KIPC_OBJ_F_PRIO_ORDER));
	EXPECT_EQ(want, stat_order(fd, 1));
	EXPECT_EQ(0, unlink_obj(self->dev, KIPC_OBJ_QUEUE, name));
	close(fd);
}

/*
 * Arrivals normal, RT 10, RT 30 (killed), RT 50 (times out), RT 20: the
 * three left are served in arrival order (normal, RT 10, RT 20) or by
 * priority (RT 20, RT 10, normal), and the units or messages given are
 * exactly those taken.
 */
static void run_leavers(struct __test_metadata *_metadata,
			FIXTURE_DATA(order) *self,
			const FIXTURE_VARIANT(order) *variant)
{
	static const int lp[] = { 0, 10, 30, 50, 20 };
	static const int want_fifo[] = { 0, 1, 4 }, want_prio[] = { 4, 1, 0 };
	const int *want = variant->prio ? want_prio : want_fifo;
	struct ctx *c = &self->c, timed;
	int i, pid[5];

	timed = *c;
	timed.timeout_ns = 3000000000LL;
	for (i = 0; i < 5; i++) {
		pid[i] = spawn_waiter(i == 3 ? &timed : c, i, lp[i], i);
		ASSERT_LT(0, pid[i]) TH_LOG("waiter %d did not queue", i);
	}
	ASSERT_EQ(0, kill(pid[2], SIGKILL));
	EXPECT_EQ(1000 + SIGKILL, reap(pid[2]));
	EXPECT_EQ(ETIMEDOUT, reap(pid[3]));
	ASSERT_EQ(0, WAIT_FOR(nwaiting(c), 3));
	for (i = 0; i < 3; i++) {
		self->got[i] = -1;
		ASSERT_EQ(0, serve_one(c, i, &self->got[i]));
		ASSERT_EQ(0, WAIT_FOR(board_done(self->bd), i + 1));
		EXPECT_EQ(want[i], self->bd->tag[i]) TH_LOG("served #%d", i);
	}
	EXPECT_EQ(0, reap(pid[0]));
	EXPECT_EQ(0, reap(pid[1]));
	EXPECT_EQ(0, reap(pid[4]));
	EXPECT_EQ(0, nwaiting(c));
	EXPECT_EQ(3, board_done(self->bd));
}

TEST_F(order, sem_kill_and_timeout_lose_nothing)
{
	ASSERT_LE(0, new_object(self, variant, K_SEM, 0));
	run_leavers(_metadata, self, variant);
	/* Three units posted, three taken. */
	EXPECT_EQ(0, sem_value(self->c.a));
}

TEST_F(order, send_kill_and_timeout_lose_nothing)
{
	struct kipc_queue_stat st;
	int64_t type;
	int msg = -1;

	ASSERT_LE(0, new_object(self, variant, K_SEND, 1));
	ASSERT_EQ(0, q_send_full(self->c.a, 1, &msg, sizeof(msg), 0, NULL));
	run_leavers(_metadata, self, variant);
	/* The filler and three senders' messages, nothing else. */
	EXPECT_EQ(-1, self->got[0]);
	EXPECT_EQ(self->bd->tag[0], self->got[1]);
	EXPECT_EQ(self->bd->tag[1], self->got[2]);
	ASSERT_EQ(sizeof(msg), q_recv_full(self->c.a, &msg, sizeof(msg),
					   KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK,
					   NULL, &type, NULL));
	EXPECT_EQ(self->bd->tag[2], msg);
	ASSERT_EQ(0, queue_stat(self->c.a, &st));
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(4, st.sent);
}

TEST_HARNESS_MAIN
