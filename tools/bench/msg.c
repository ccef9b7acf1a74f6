// SPDX-License-Identifier: GPL-2.0
/*
 * Message mechanisms: kipc's queues and the peers they are measured against.
 *
 * Each is a struct msg_mech (bench.h).  The shared-memory ones (spin flag,
 * futex, eventfd-notified slot, SPSC ring) keep their state in a MAP_SHARED
 * mapping made before the fork; the kernel ones are file descriptors or IPC
 * ids inherited across it.  Where a mechanism has a capacity, it is set to
 * cfg.depth messages, so that every queue in a streaming case holds the
 * same number of messages.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lkipc.h>

#include "bench.h"

/* ------------------------------------------------------------------ */
/* kipc queues                                                        */
/* ------------------------------------------------------------------ */

/*
 * A kipc queue each way, anonymous, created before the fork: "kipc" opens
 * them the default way (liblkipc's mapped fast path), "kipc-ioctl" and
 * "kipc-batch" with LKIPC_OPEN_NOMAP (an ioctl per call; see kipc.c).
 * Polling receivers (and full senders) retry KIPC_MSG_NONBLOCK calls;
 * sleeping ones make blocking calls.
 *
 * "kipc-batch" streams with the batch ioctls: the producer keeps up to
 * KQ_BATCH messages and sends them in one lkipc_queue_send_batch (flush()
 * sends the rest), the consumer takes up to KQ_BATCH in one
 * lkipc_queue_recv_batch (which waits only for the first) and hands them
 * out one by one.  The batch lives in each participant's own copy of the
 * channel, and so do the queue handles (a fork's child uses its copy).
 */
#define KQ_BATCH	32

struct kq {
	struct msg_cfg cfg;
	struct lkipc_queue h[2];	/* direction 0, direction 1 */
	unsigned int n, next;		/* batch: kept (send), taken (recv) */
	struct kipc_mmsg mm[KQ_BATCH];
	unsigned char *buf;		/* batch: KQ_BATCH messages */
};

static void kq_teardown(void *ch)
{
	struct kq *q = ch;

	/* Unmaps too; a handle that was never opened has fd -1. */
	lkipc_queue_close(&q->h[0]);
	lkipc_queue_close(&q->h[1]);
	free(q->buf);
	free(q);
}

static void *kq_setup(const struct msg_cfg *cfg, enum kipc_path path,
		      bool batch, char *err, size_t len)
{
	struct lkipc_queue_attr attr = {
		.msgs = cfg->depth,
		.msgsize = (unsigned int)cfg->msgsize,
		.bytes = (unsigned long long)cfg->depth * cfg->msgsize,
	};
	static unsigned int spin = UINT_MAX;
	struct kq *q = calloc(1, sizeof(*q));
	struct lkipc k;
	unsigned int i;
	int d, ret;

	/*
	 * Where the receiver must sleep (S2), liblkipc does not poll the ring
	 * before it blocks; elsewhere it does as by default (the participants
	 * are forked after this).
	 */
	if (spin == UINT_MAX)
		spin = lkipc_set_spin(0);
	lkipc_set_spin(cfg->sleep ? 0 : spin);

	if (!q || (batch && !(q->buf = malloc(KQ_BATCH * cfg->msgsize)))) {
		snprintf(err, len, "out of memory");
		free(q);
		return NULL;
	}
	q->cfg = *cfg;
	q->h[0].fd = q->h[1].fd = -1;
	for (i = 0; batch && i < KQ_BATCH; i++)
		q->mm[i].buf = (uintptr_t)(q->buf + i * cfg->msgsize);
	if (!kipc_device(&k, err, len)) {
		kq_teardown(q);
		return NULL;
	}
	for (d = 0; d < 2; d++) {
		ret = lkipc_queue_open(&k, &q->h[d], NULL,
				       kipc_open_flags(path), 0600, &attr);
		if (ret < 0) {
			snprintf(err, len, "lkipc_queue_open (%u messages of %zu bytes): %s",
				 cfg->depth, cfg->msgsize, lkipc_strerror(ret));
			break;
		}
	}
	lkipc_close(&k);
	if (d < 2) {
		kq_teardown(q);
		return NULL;
	}
	return q;
}

/*
 * Retry a queue call that returned "ret" until it does not fail with
 * EINTR, or with EAGAIN when polling: true to call again.
 */
static bool kq_again(const struct kq *q, int ret, unsigned long *spins)
{
	if (ret == -EAGAIN && q->cfg.poll) {
		bench_relax(spins);
		return true;
	}
	return ret == -EINTR;
}

static unsigned int kq_flags(const struct kq *q)
{
	return q->cfg.poll ? KIPC_MSG_NONBLOCK : 0;
}

static int kq_send(void *ch, int dir, const void *msg)
{
	struct kq *q = ch;
	unsigned long spins = 0;
	int ret;

	do
		ret = lkipc_queue_send(&q->h[dir], 1, msg, q->cfg.msgsize,
				       kq_flags(q), NULL);
	while (kq_again(q, ret, &spins));
	return ret;
}

static int kq_recv(void *ch, int dir, void *msg)
{
	struct kq *q = ch;
	unsigned long spins = 0;
	int ret;

	do
		ret = lkipc_queue_recv(&q->h[dir], msg, q->cfg.msgsize,
				       KIPC_SEL_ANY, 0, NULL, kq_flags(q),
				       NULL);
	while (kq_again(q, ret, &spins));
	return ret;
}

static int kq_flush(void *ch, int dir)
{
	struct kq *q = ch;
	unsigned long spins = 0;
	unsigned int done = 0;
	int ret;

	while (done < q->n) {
		ret = lkipc_queue_send_batch(&q->h[dir], q->mm + done,
					     q->n - done, kq_flags(q), NULL);
		if (ret > 0)
			done += (unsigned int)ret;
		else if (!kq_again(q, ret, &spins))
			return ret < 0 ? ret : -EPROTO;
	}
	q->n = 0;
	return 0;
}

static int kq_batch_send(void *ch, int dir, const void *msg)
{
	struct kq *q = ch;
	struct kipc_mmsg *e = &q->mm[q->n++];

	memcpy(q->buf + (q->n - 1) * q->cfg.msgsize, msg, q->cfg.msgsize);
	e->type = 1;
	e->len = (uint32_t)q->cfg.msgsize;
	e->msg_len = 0;
	return q->n == KQ_BATCH ? kq_flush(ch, dir) : 0;
}

static int kq_batch_recv(void *ch, int dir, void *msg)
{
	struct kq *q = ch;
	unsigned long spins = 0;
	struct kipc_mmsg *e;
	int ret;

	if (q->next == q->n) {
		q->next = q->n = 0;
		do {
			for (unsigned int i = 0; i < KQ_BATCH; i++)
				q->mm[i].len = (uint32_t)q->cfg.msgsize;
			ret = lkipc_queue_recv_batch(&q->h[dir], q->mm,
						     KQ_BATCH, KIPC_SEL_ANY, 0,
						     kq_flags(q), NULL);
		} while (kq_again(q, ret, &spins));
		if (ret <= 0)
			return ret < 0 ? ret : -EPROTO;
		q->n = (unsigned int)ret;
	}
	e = &q->mm[q->next];
	if (e->msg_len > q->cfg.msgsize)
		return -EMSGSIZE;
	memcpy(msg, q->buf + q->next++ * q->cfg.msgsize, e->msg_len);
	return (int)e->msg_len;
}

static void *kq_fast_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	return kq_setup(cfg, KIPC_FAST, false, err, len);
}

static void *kq_ioctl_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	return kq_setup(cfg, KIPC_IOCTL, false, err, len);
}

static void *kq_batch_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	return kq_setup(cfg, KIPC_IOCTL, true, err, len);
}

const struct msg_mech msg_kipc_ring = {
	.name = "kipc",
	.what = "a kipc queue each way, mapped-ring fast path (liblkipc's default)",
	.note = "fast path",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_MPSC | MSG_POLL | MSG_SLEEP,
	.kipc = true,
	.path = KIPC_FAST,
	.setup = kq_fast_setup,
	.send = kq_send,
	.recv = kq_recv,
	.teardown = kq_teardown,
};

const struct msg_mech msg_kipc_ioctl = {
	.name = "kipc-ioctl",
	.what = "a kipc queue each way, system-call path (LKIPC_OPEN_NOMAP)",
	.note = "an ioctl per message",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_MPSC | MSG_POLL | MSG_SLEEP,
	.kipc = true,
	.path = KIPC_IOCTL,
	.setup = kq_ioctl_setup,
	.send = kq_send,
	.recv = kq_recv,
	.teardown = kq_teardown,
};

const struct msg_mech msg_kipc_batch = {
	.name = "kipc-batch",
	.what = "a kipc queue, batch ioctls of up to 32 messages (LKIPC_OPEN_NOMAP)",
	.note = "batch ioctls of up to 32",
	.caps = MSG_STREAM | MSG_MPSC | MSG_POLL | MSG_SLEEP,
	.kipc = true,
	.path = KIPC_IOCTL,
	.setup = kq_batch_setup,
	.send = kq_batch_send,
	.recv = kq_batch_recv,
	.flush = kq_flush,
	.teardown = kq_teardown,
};

/* ------------------------------------------------------------------ */
/* One slot each way in shared memory: spin flag, futex, eventfd       */
/* ------------------------------------------------------------------ */

struct slot {
	uint32_t full __attribute__((aligned(64)));
	uint32_t sleeping;
	unsigned char data[BENCH_MSG_MAX] __attribute__((aligned(64)));
};

struct slots {
	size_t msgsize;
	int efd[2];
	struct slot s[2];
};

static void *slots_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct slots *sl = bench_shared(sizeof(*sl));

	sl->msgsize = cfg->msgsize;
	sl->efd[0] = sl->efd[1] = -1;
	return sl;
}

static void slots_teardown(void *ch)
{
	struct slots *sl = ch;

	if (sl->efd[0] >= 0)
		close(sl->efd[0]);
	if (sl->efd[1] >= 0)
		close(sl->efd[1]);
	bench_unshare(sl, sizeof(*sl));
}

static int slot_put(struct slots *sl, int dir, const void *msg)
{
	struct slot *s = &sl->s[dir];

	/* One message each way at a time: ping-pong never finds it full. */
	if (__atomic_load_n(&s->full, __ATOMIC_ACQUIRE))
		return -EBUSY;
	memcpy(s->data, msg, sl->msgsize);
	return 0;
}

static int slot_take(struct slots *sl, int dir, void *msg)
{
	struct slot *s = &sl->s[dir];

	memcpy(msg, s->data, sl->msgsize);
	__atomic_store_n(&s->full, 0, __ATOMIC_RELEASE);
	return (int)sl->msgsize;
}

static int spin_send(void *ch, int dir, const void *msg)
{
	struct slots *sl = ch;
	int ret = slot_put(sl, dir, msg);

	if (!ret)
		__atomic_store_n(&sl->s[dir].full, 1, __ATOMIC_RELEASE);
	return ret;
}

static int spin_recv(void *ch, int dir, void *msg)
{
	struct slots *sl = ch;
	unsigned long spins = 0;

	while (!__atomic_load_n(&sl->s[dir].full, __ATOMIC_ACQUIRE))
		bench_relax(&spins);
	return slot_take(sl, dir, msg);
}

const struct msg_mech msg_spin = {
	.name = "shm spin",
	.what = "a flag and a slot in shared memory, both sides spinning",
	.caps = MSG_PINGPONG | MSG_POLL,
	.setup = slots_setup,
	.send = spin_send,
	.recv = spin_recv,
	.teardown = slots_teardown,
};

static long futex(uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/*
 * The receiver announces it is going to sleep before it checks the flag
 * one last time (futex_wait checks it again atomically); the sender sets
 * the flag before it looks for a sleeper.  Both sides use sequentially
 * consistent accesses, so at least one of them sees the other: no lost
 * wake-up, and no FUTEX_WAKE when nobody sleeps.
 */
static int futex_send(void *ch, int dir, const void *msg)
{
	struct slots *sl = ch;
	struct slot *s = &sl->s[dir];
	int ret = slot_put(sl, dir, msg);

	if (ret)
		return ret;
	__atomic_store_n(&s->full, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->sleeping, __ATOMIC_SEQ_CST) &&
	    futex(&s->full, FUTEX_WAKE, 1) < 0)
		return -errno;
	return 0;
}

static int futex_recv(void *ch, int dir, void *msg)
{
	struct slots *sl = ch;
	struct slot *s = &sl->s[dir];

	if (!__atomic_load_n(&s->full, __ATOMIC_ACQUIRE)) {
		__atomic_store_n(&s->sleeping, 1, __ATOMIC_SEQ_CST);
		while (!__atomic_load_n(&s->full, __ATOMIC_SEQ_CST))
			if (futex(&s->full, FUTEX_WAIT, 0) < 0 &&
			    errno != EAGAIN && errno != EINTR)
				return -errno;
		__atomic_store_n(&s->sleeping, 0, __ATOMIC_RELAXED);
	}
	return slot_take(sl, dir, msg);
}

const struct msg_mech msg_futex = {
	.name = "futex",
	.what = "a slot in shared memory, receiver sleeping on a futex",
	.caps = MSG_PINGPONG | MSG_SLEEP,
	.setup = slots_setup,
	.send = futex_send,
	.recv = futex_recv,
	.teardown = slots_teardown,
};

static void *eventfd_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct slots *sl = slots_setup(cfg, err, len);

	sl->efd[0] = eventfd(0, EFD_CLOEXEC);
	sl->efd[1] = eventfd(0, EFD_CLOEXEC);
	if (sl->efd[0] < 0 || sl->efd[1] < 0) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		slots_teardown(sl);
		return NULL;
	}
	return sl;
}

static int eventfd_send(void *ch, int dir, const void *msg)
{
	struct slots *sl = ch;
	uint64_t one = 1;
	int ret = slot_put(sl, dir, msg);

	if (ret)
		return ret;
	__atomic_store_n(&sl->s[dir].full, 1, __ATOMIC_RELEASE);
	if (write(sl->efd[dir], &one, sizeof(one)) != sizeof(one))
		return -errno;
	return 0;
}

static int eventfd_recv(void *ch, int dir, void *msg)
{
	struct slots *sl = ch;
	uint64_t v;

	while (read(sl->efd[dir], &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			return -errno;
	if (!__atomic_load_n(&sl->s[dir].full, __ATOMIC_ACQUIRE))
		return -EPROTO;
	return slot_take(sl, dir, msg);
}

const struct msg_mech msg_eventfd = {
	.name = "eventfd",
	.what = "a slot in shared memory, an eventfd each way to wake the receiver",
	.caps = MSG_PINGPONG | MSG_SLEEP,
	.setup = eventfd_setup,
	.send = eventfd_send,
	.recv = eventfd_recv,
	.teardown = slots_teardown,
};

/* ------------------------------------------------------------------ */
/* Shared-memory SPSC ring (Lamport), both sides spinning             */
/* ------------------------------------------------------------------ */

struct shm_ring {
	uint64_t head __attribute__((aligned(64)));	/* written by sender */
	uint64_t tail __attribute__((aligned(64)));	/* by receiver */
	size_t msgsize, size;
	unsigned int depth;
	unsigned char data[] __attribute__((aligned(64)));
};

static void *ring_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	size_t size = sizeof(struct shm_ring) + cfg->depth * cfg->msgsize;
	struct shm_ring *r = bench_shared(size);

	r->msgsize = cfg->msgsize;
	r->depth = cfg->depth;
	r->size = size;
	return r;
}

static int ring_send(void *ch, int dir, const void *msg)
{
	struct shm_ring *r = ch;
	uint64_t head = r->head;
	unsigned long spins = 0;

	while (head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) >= r->depth)
		bench_relax(&spins);
	memcpy(r->data + (head % r->depth) * r->msgsize, msg, r->msgsize);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return 0;
}

static int ring_recv(void *ch, int dir, void *msg)
{
	struct shm_ring *r = ch;
	uint64_t tail = r->tail;
	unsigned long spins = 0;

	while (__atomic_load_n(&r->head, __ATOMIC_ACQUIRE) == tail)
		bench_relax(&spins);
	memcpy(msg, r->data + (tail % r->depth) * r->msgsize, r->msgsize);
	__atomic_store_n(&r->tail, tail + 1, __ATOMIC_RELEASE);
	return (int)r->msgsize;
}

static void ring_teardown(void *ch)
{
	struct shm_ring *r = ch;

	bench_unshare(r, r->size);
}

const struct msg_mech msg_shm_ring = {
	.name = "shm ring",
	.what = "a single-producer single-consumer ring in shared memory, spinning",
	.caps = MSG_STREAM | MSG_POLL,
	.setup = ring_setup,
	.send = ring_send,
	.recv = ring_recv,
	.teardown = ring_teardown,
};

/* ------------------------------------------------------------------ */
/* Process-shared mutex + condition variables: a ring each way         */
/* ------------------------------------------------------------------ */

/*
 * The queue people write in userspace when they want speed: a bounded
 * ring in shared memory under a PTHREAD_PROCESS_SHARED mutex (robust: a
 * holder that dies does not hang the others), with a "not empty" and a
 * "not full" condition variable.  Senders and receivers sleep in the
 * condition variables (futexes); nobody spins.  One ring each way, so that
 * ping-pong works as for the kernel's queues.
 */
struct cv_ring {
	pthread_mutex_t lock;
	pthread_cond_t nonempty, nonfull;
	uint64_t head, tail;		/* under lock */
	unsigned char *data;		/* depth * msgsize, in the mapping */
};

struct cv_rings {
	size_t msgsize, size;
	unsigned int depth;
	struct cv_ring r[2];
	unsigned char data[] __attribute__((aligned(64)));
};

static void cv_teardown(void *ch)
{
	struct cv_rings *c = ch;
	int d;

	for (d = 0; d < 2; d++) {
		pthread_cond_destroy(&c->r[d].nonempty);
		pthread_cond_destroy(&c->r[d].nonfull);
		pthread_mutex_destroy(&c->r[d].lock);
	}
	bench_unshare(c, c->size);
}

static void *cv_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	size_t ring = (size_t)cfg->depth * cfg->msgsize;
	size_t size = sizeof(struct cv_rings) + 2 * ring;
	struct cv_rings *c = bench_shared(size);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	int d, ret;

	c->msgsize = cfg->msgsize;
	c->depth = cfg->depth;
	c->size = size;
	bench_robust_mutexattr(&ma);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	for (d = 0; d < 2; d++) {
		c->r[d].data = c->data + (size_t)d * ring;
		ret = pthread_mutex_init(&c->r[d].lock, &ma);
		if (!ret)
			ret = pthread_cond_init(&c->r[d].nonempty, &ca);
		if (!ret)
			ret = pthread_cond_init(&c->r[d].nonfull, &ca);
		if (ret) {
			snprintf(err, len, "pthread init: %s", strerror(ret));
			bench_unshare(c, size);
			c = NULL;
			break;
		}
	}
	pthread_mutexattr_destroy(&ma);
	pthread_condattr_destroy(&ca);
	return c;
}

/* Take the ring's lock; a holder that died left the ring as it was. */
static int cv_lock(struct cv_ring *r)
{
	return bench_robust_lock(&r->lock);
}

static int cv_wait(struct cv_ring *r, pthread_cond_t *cv)
{
	int ret = pthread_cond_wait(cv, &r->lock);

	if (ret == EOWNERDEAD)
		ret = pthread_mutex_consistent(&r->lock);
	return -ret;
}

static int cv_send(void *ch, int dir, const void *msg)
{
	struct cv_rings *c = ch;
	struct cv_ring *r = &c->r[dir];
	int ret = cv_lock(r);

	while (!ret && r->head - r->tail >= c->depth)
		ret = cv_wait(r, &r->nonfull);
	if (ret)
		return ret;
	memcpy(r->data + (r->head % c->depth) * c->msgsize, msg, c->msgsize);
	r->head++;
	pthread_mutex_unlock(&r->lock);
	pthread_cond_signal(&r->nonempty);
	return 0;
}

static int cv_recv(void *ch, int dir, void *msg)
{
	struct cv_rings *c = ch;
	struct cv_ring *r = &c->r[dir];
	int ret = cv_lock(r);

	while (!ret && r->head == r->tail)
		ret = cv_wait(r, &r->nonempty);
	if (ret)
		return ret;
	memcpy(msg, r->data + (r->tail % c->depth) * c->msgsize, c->msgsize);
	r->tail++;
	pthread_mutex_unlock(&r->lock);
	/* Several producers may wait for room (S4): wake one per slot freed. */
	pthread_cond_signal(&r->nonfull);
	return (int)c->msgsize;
}

const struct msg_mech msg_cv_ring = {
	.name = "mutex+cond",
	.what = "a ring in shared memory under a process-shared robust pthread mutex, condition variables to sleep",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_MPSC | MSG_SLEEP,
	.setup = cv_setup,
	.send = cv_send,
	.recv = cv_recv,
	.teardown = cv_teardown,
};

/* ------------------------------------------------------------------ */
/* Pipes                                                              */
/* ------------------------------------------------------------------ */

struct fdpair {
	struct msg_cfg cfg;
	int fd[2][2];		/* [dir][0 read end, 1 write end] */
};

static void fdpair_teardown(void *ch)
{
	struct fdpair *p = ch;
	int d, e;

	for (d = 0; d < 2; d++)
		for (e = 0; e < 2; e++)
			if (p->fd[d][e] >= 0)
				close(p->fd[d][e]);
	free(p);
}

static struct fdpair *fdpair_new(const struct msg_cfg *cfg)
{
	struct fdpair *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->cfg = *cfg;
	memset(p->fd, -1, sizeof(p->fd));
	return p;
}

static void *pipe_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct fdpair *p = fdpair_new(cfg);
	int d, size = (int)(cfg->depth * cfg->msgsize);

	if (!p) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	for (d = 0; d < 2; d++) {
		if (pipe2(p->fd[d], O_CLOEXEC | (cfg->poll ? O_NONBLOCK : 0))) {
			snprintf(err, len, "pipe: %s", strerror(errno));
			fdpair_teardown(p);
			return NULL;
		}
		/* Room for depth messages (a pipe has at least a page). */
		if (fcntl(p->fd[d][1], F_SETPIPE_SZ, size) < 0) {
			snprintf(err, len, "F_SETPIPE_SZ %d: %s", size,
				 strerror(errno));
			fdpair_teardown(p);
			return NULL;
		}
	}
	return p;
}

static int pipe_send(void *ch, int dir, const void *msg)
{
	struct fdpair *p = ch;
	const unsigned char *b = msg;
	size_t done = 0;
	unsigned long spins = 0;
	ssize_t n;

	while (done < p->cfg.msgsize) {
		n = write(p->fd[dir][1], b + done, p->cfg.msgsize - done);
		if (n > 0)
			done += (size_t)n;
		else if (errno == EAGAIN)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	}
	return 0;
}

static int pipe_recv(void *ch, int dir, void *msg)
{
	struct fdpair *p = ch;
	unsigned char *b = msg;
	size_t done = 0;
	unsigned long spins = 0;
	ssize_t n;

	while (done < p->cfg.msgsize) {
		n = read(p->fd[dir][0], b + done, p->cfg.msgsize - done);
		if (n > 0)
			done += (size_t)n;
		else if (n == 0)
			return -EPIPE;
		else if (errno == EAGAIN)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	}
	return (int)done;
}

const struct msg_mech msg_pipe = {
	.name = "pipe",
	.what = "a pipe each way (O_NONBLOCK and retry when polling)",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_POLL | MSG_SLEEP,
	.setup = pipe_setup,
	.send = pipe_send,
	.recv = pipe_recv,
	.teardown = fdpair_teardown,
};

/* ------------------------------------------------------------------ */
/* UNIX SOCK_SEQPACKET                                                */
/* ------------------------------------------------------------------ */

static void *seqpacket_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct fdpair *p = fdpair_new(cfg);
	int sv[2];

	if (!p) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		snprintf(err, len, "socketpair: %s", strerror(errno));
		fdpair_teardown(p);
		return NULL;
	}
	/* Direction 0: A writes sv[0], B reads sv[1]; direction 1 back. */
	p->fd[0][1] = sv[0];
	p->fd[0][0] = sv[1];
	p->fd[1][1] = dup(sv[1]);
	p->fd[1][0] = dup(sv[0]);
	if (p->fd[1][0] < 0 || p->fd[1][1] < 0) {
		snprintf(err, len, "dup: %s", strerror(errno));
		fdpair_teardown(p);
		return NULL;
	}
	return p;
}

static int seqpacket_send(void *ch, int dir, const void *msg)
{
	struct fdpair *p = ch;
	ssize_t n;

	do
		n = send(p->fd[dir][1], msg, p->cfg.msgsize, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)p->cfg.msgsize ? 0 : -EPROTO;
}

static int seqpacket_recv(void *ch, int dir, void *msg)
{
	struct fdpair *p = ch;
	ssize_t n;

	do
		n = recv(p->fd[dir][0], msg, p->cfg.msgsize, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (int)n;
}

const struct msg_mech msg_seqpacket = {
	.name = "seqpacket",
	.what = "a UNIX SOCK_SEQPACKET socket pair",
	.caps = MSG_PINGPONG | MSG_SLEEP,
	.setup = seqpacket_setup,
	.send = seqpacket_send,
	.recv = seqpacket_recv,
	.teardown = fdpair_teardown,
};

/* ------------------------------------------------------------------ */
/* POSIX message queues                                               */
/* ------------------------------------------------------------------ */

struct pmq {
	struct msg_cfg cfg;
	mqd_t q[2];
};

static void pmq_teardown(void *ch)
{
	struct pmq *m = ch;

	if (m->q[0] != (mqd_t)-1)
		mq_close(m->q[0]);
	if (m->q[1] != (mqd_t)-1)
		mq_close(m->q[1]);
	free(m);
}

static void *pmq_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct mq_attr attr = {
		.mq_maxmsg = cfg->depth,
		.mq_msgsize = (long)cfg->msgsize,
	};
	struct pmq *m = calloc(1, sizeof(*m));
	static unsigned int serial;
	char name[64];
	int d;

	if (!m) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->q[0] = m->q[1] = (mqd_t)-1;
	for (d = 0; d < 2; d++) {
		snprintf(name, sizeof(name), "/kipc-bench.%d.%u", getpid(),
			 serial++);
		m->q[d] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
				  (cfg->poll ? O_NONBLOCK : 0), 0600, &attr);
		if (m->q[d] == (mqd_t)-1) {
			snprintf(err, len, "mq_open (maxmsg %u, msgsize %zu): %s",
				 cfg->depth, cfg->msgsize, strerror(errno));
			pmq_teardown(m);
			return NULL;
		}
		mq_unlink(name);
	}
	return m;
}

static int pmq_send(void *ch, int dir, const void *msg)
{
	struct pmq *m = ch;
	unsigned long spins = 0;

	while (mq_send(m->q[dir], msg, m->cfg.msgsize, 0))
		if (errno == EAGAIN)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	return 0;
}

static int pmq_recv(void *ch, int dir, void *msg)
{
	struct pmq *m = ch;
	unsigned long spins = 0;
	ssize_t n;

	while ((n = mq_receive(m->q[dir], msg, m->cfg.msgsize, NULL)) < 0)
		if (errno == EAGAIN)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	return (int)n;
}

const struct msg_mech msg_posix_mq = {
	.name = "POSIX mq",
	.what = "a POSIX message queue each way (O_NONBLOCK and retry when polling)",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_MPSC | MSG_POLL | MSG_SLEEP,
	.setup = pmq_setup,
	.send = pmq_send,
	.recv = pmq_recv,
	.teardown = pmq_teardown,
};

/* ------------------------------------------------------------------ */
/* System V message queues                                            */
/* ------------------------------------------------------------------ */

struct svmsg {
	struct msg_cfg cfg;
	int id[2];
};

/* Each process's own buffer: msgsnd/msgrcv want the type in front. */
static struct {
	long mtype;
	unsigned char mtext[BENCH_MSG_MAX];
} svbuf;

static void svmsg_teardown(void *ch)
{
	struct svmsg *m = ch;

	if (m->id[0] >= 0)
		msgctl(m->id[0], IPC_RMID, NULL);
	if (m->id[1] >= 0)
		msgctl(m->id[1], IPC_RMID, NULL);
	free(m);
}

static void *svmsg_setup(const struct msg_cfg *cfg, char *err, size_t len)
{
	struct svmsg *m = calloc(1, sizeof(*m));
	struct msqid_ds ds;
	int d;

	if (!m) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	m->cfg = *cfg;
	m->id[0] = m->id[1] = -1;
	for (d = 0; d < 2; d++) {
		m->id[d] = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
		if (m->id[d] < 0) {
			snprintf(err, len, "msgget: %s", strerror(errno));
			svmsg_teardown(m);
			return NULL;
		}
		/* Room for depth messages (raising it needs CAP_SYS_RESOURCE). */
		if (msgctl(m->id[d], IPC_STAT, &ds) == 0 &&
		    ds.msg_qbytes != cfg->depth * cfg->msgsize) {
			ds.msg_qbytes = cfg->depth * cfg->msgsize;
			if (msgctl(m->id[d], IPC_SET, &ds)) {
				snprintf(err, len, "msg_qbytes %zu: %s",
					 cfg->depth * cfg->msgsize,
					 strerror(errno));
				svmsg_teardown(m);
				return NULL;
			}
		}
	}
	return m;
}

static int svmsg_send(void *ch, int dir, const void *msg)
{
	struct svmsg *m = ch;
	int flags = m->cfg.poll ? IPC_NOWAIT : 0;
	unsigned long spins = 0;

	svbuf.mtype = 1;
	memcpy(svbuf.mtext, msg, m->cfg.msgsize);
	while (msgsnd(m->id[dir], &svbuf, m->cfg.msgsize, flags))
		if (errno == EAGAIN)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	return 0;
}

static int svmsg_recv(void *ch, int dir, void *msg)
{
	struct svmsg *m = ch;
	int flags = m->cfg.poll ? IPC_NOWAIT : 0;
	unsigned long spins = 0;
	ssize_t n;

	while ((n = msgrcv(m->id[dir], &svbuf, m->cfg.msgsize, 0, flags)) < 0)
		if (errno == ENOMSG)
			bench_relax(&spins);
		else if (errno != EINTR)
			return -errno;
	memcpy(msg, svbuf.mtext, (size_t)n);
	return (int)n;
}

const struct msg_mech msg_sysv_msg = {
	.name = "SysV msg",
	.what = "a System V message queue each way",
	.caps = MSG_PINGPONG | MSG_STREAM | MSG_MPSC | MSG_POLL | MSG_SLEEP,
	.setup = svmsg_setup,
	.send = svmsg_send,
	.recv = svmsg_recv,
	.teardown = svmsg_teardown,
};
