// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: the process side of a queue's shared ring.
 *
 * Documentation/ring.md is the protocol; the step names below (S1..S9,
 * R1..R8) are its.  A fast operation either completes without a system
 * call or returns LKIPC_RING_KERNEL, and the caller makes the system call
 * that does the same operation: the kernel decides everything the fast path
 * cannot (waiting, selective receive, errors), exactly.
 *
 * Everything read from the mapping may have been written by another
 * process: the geometry is read once, checked against the mapping's size
 * and kept in struct lkipc_ring; lengths are checked before use; retry
 * loops are bounded, so a scribbled ring costs a system call, never a hang
 * or an access outside the mapping.
 */
#define _GNU_SOURCE		/* secure_getenv */
#include <pthread.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define LKIPC_RING_TRIES	64	/* CAS attempts before the kernel path */
#define LKIPC_RING_SPINS	256	/* waiting for a send in flight */

/* One thread's lanes, by descriptor: registered once per mapping. */
struct lkipc_lane_slot {
	uint32_t gen;		/* struct lkipc_map.gen it was registered for */
	uint32_t fork_gen;	/* lkipc_fork_gen then */
	int lane;
};

/*
 * The lowest descriptors' records are in thread-local storage, so that a
 * thread's first fast operation allocates nothing: a thread's first malloc
 * maps an arena (mmap, mprotect), which takes the process's mmap_lock for
 * writing and waits behind any other thread's mapping work, such as
 * populating a new thread's stack under mlockall (pmqtest, 65-460 ms under
 * TCG: Documentation/performance.md).  Higher descriptors' records are in
 * lkipc_lanes, indexed by descriptor, allocated on first use.
 */
#define LKIPC_LANES_INLINE	64
static __thread struct lkipc_lane_slot lkipc_lanes_inline[LKIPC_LANES_INLINE];
static __thread struct lkipc_lane_slot *lkipc_lanes;
static __thread int lkipc_nlanes;
static pthread_key_t lkipc_lanes_key;
static pthread_once_t lkipc_lanes_once = PTHREAD_ONCE_INIT;

static void lkipc_lanes_init(void)
{
	pthread_key_create(&lkipc_lanes_key, free);
}

static inline void lkipc_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static struct kipc_ring_slot *lkipc_slot(const struct lkipc_ring *r,
					 uint64_t pos)
{
	return (struct kipc_ring_slot *)(r->slots + (size_t)(pos &
				(r->nslots - 1)) * r->slot_size);
}

/*
 * The spin budget in nanoseconds: LKIPC_SPIN_US from the environment
 * (secure_getenv) or LKIPC_SPIN_US_DEFAULT, then lkipc_set_spin; always 0
 * with one CPU online, where the other side cannot run while we poll.
 */
#define LKIPC_SPIN_US_DEFAULT	20
#define LKIPC_SPIN_US_MAX	1000000
#define LKIPC_SPIN_UNSET	UINT64_MAX
static uint64_t lkipc_spin_ns = LKIPC_SPIN_UNSET;

/* A budget as it may be used: at most the maximum, 0 with one CPU. */
static uint64_t lkipc_spin_clamp(unsigned long us)
{
	if (us > LKIPC_SPIN_US_MAX)
		us = LKIPC_SPIN_US_MAX;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		us = 0;
	return (uint64_t)us * 1000;
}

static uint64_t lkipc_spin_budget(void)
{
	uint64_t ns = __atomic_load_n(&lkipc_spin_ns, __ATOMIC_RELAXED);
	uint64_t unset = LKIPC_SPIN_UNSET;
	unsigned long us = LKIPC_SPIN_US_DEFAULT;
	const char *env;
	char *end;

	if (ns != LKIPC_SPIN_UNSET)
		return ns;
	env = secure_getenv("LKIPC_SPIN_US");
	if (env && *env) {
		errno = 0;
		us = strtoul(env, &end, 10);
		if (*end || errno || us > LKIPC_SPIN_US_MAX)
			us = LKIPC_SPIN_US_DEFAULT;
	}
	ns = lkipc_spin_clamp(us);
	/* Unless lkipc_set_spin or another first call came first. */
	if (!__atomic_compare_exchange_n(&lkipc_spin_ns, &unset, ns, 0,
					 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		ns = unset;
	return ns;
}

LKIPC_API unsigned int lkipc_set_spin(unsigned int usec)
{
	uint64_t old = lkipc_spin_budget();

	__atomic_store_n(&lkipc_spin_ns, lkipc_spin_clamp(usec),
			 __ATOMIC_RELAXED);
	return (unsigned int)(old / 1000);
}

/* The clock's time in ns, or -1 (then nobody spins). */
static int64_t lkipc_now_ns(clockid_t clock)
{
	struct timespec ts;

	if (clock_gettime(clock, &ts))
		return -1;
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* When this operation's spin ends (CLOCK_MONOTONIC ns), or 0: no spin. */
static uint64_t lkipc_spin_end(const struct lkipc_spin *sp)
{
	int64_t budget = (int64_t)lkipc_spin_budget(), now, left, t;

	if (!budget)
		return 0;
	now = lkipc_now_ns(CLOCK_MONOTONIC);
	if (now < 0)
		return 0;
	if (sp->deadline) {
		const struct timespec *d = sp->deadline;
		/* 32 bits on i386, where a comparison of it would be constant. */
		int64_t sec = d->tv_sec;

		/* A bad deadline is for the kernel to refuse (EINVAL). */
		if (d->tv_sec < 0 || d->tv_nsec < 0 || d->tv_nsec >= 1000000000)
			return 0;
		t = sp->realtime ? lkipc_now_ns(CLOCK_REALTIME) : now;
		if (t < 0)
			return 0;
		left = sec >= INT64_MAX / 1000000000 ? INT64_MAX :
			sec * 1000000000 + d->tv_nsec - t;
		if (left <= 0)
			return 0;
		if (left < budget)
			budget = left;
	}
	return (uint64_t)(now + budget);
}

int lkipc_ring_spin(const struct lkipc_map *m, int send,
		    struct lkipc_spin *sp)
{
	const struct kipc_ring_hdr *h = m->addr;
	const struct lkipc_ring *r = &m->ring;
	uint64_t p, c;
	int64_t now;
	int i;

	if (!sp->end) {
		sp->end = lkipc_spin_end(sp);
		if (!sp->end)
			return 0;
	} else {
		/* Called again: what it saw did not let the operation
		 * through (a slot still being read, say). */
		now = lkipc_now_ns(CLOCK_MONOTONIC);
		if (now < 0 || (uint64_t)now >= sp->end)
			return 0;
	}
	do {
		for (i = 0; i < 64; i++) {
			p = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE);
			c = __atomic_load_n(&h->cons, __ATOMIC_ACQUIRE);
			if ((p | c) & KIPC_RING_SLOW)
				return 0;	/* the kernel is in charge */
			p &= KIPC_RING_POS_MASK;
			c &= KIPC_RING_POS_MASK;
			/* Ready, not just claimed: a message published at c
			 * (R2), a slot free for p (S2, S3). */
			if (send ? p - c < r->cap_msgs &&
			    __atomic_load_n(&lkipc_slot(r, p)->seq,
					    __ATOMIC_ACQUIRE) == p :
			    __atomic_load_n(&lkipc_slot(r, c)->seq,
					    __ATOMIC_ACQUIRE) == c + 1)
				return 1;
			lkipc_pause();
		}
		now = lkipc_now_ns(CLOCK_MONOTONIC);
	} while (now >= 0 && (uint64_t)now < sp->end);
	return 0;
}

/* Check a freshly mapped ring's header; fill in the geometry. */
int lkipc_ring_setup(struct lkipc_map *m)
{
	const struct kipc_ring_hdr *h = m->addr;
	struct lkipc_ring *r = &m->ring;
	uint64_t slots_end;

	if (m->len < sizeof(*h) || h->magic != KIPC_RING_MAGIC ||
	    h->version != KIPC_RING_VERSION)
		return -EPROTO;
	r->nslots = h->nslots;
	r->slot_size = h->slot_size;
	r->msgsize = h->msgsize;
	r->cap_msgs = h->cap_msgs;
	r->flags = h->flags;
	r->nlanes = h->nlanes;
	r->slots = (char *)m->addr + h->slots_offset;
	r->lanes = (struct kipc_ring_lane *)((char *)m->addr +
					      h->lanes_offset);
	slots_end = h->slots_offset + (uint64_t)r->nslots * r->slot_size;
	if (!r->nslots || (r->nslots & (r->nslots - 1)) ||
	    r->slot_size < sizeof(struct kipc_ring_slot) + r->msgsize ||
	    slots_end > m->len || !r->cap_msgs || r->cap_msgs > r->nslots ||
	    h->lanes_offset + (uint64_t)r->nlanes *
	    sizeof(struct kipc_ring_lane) > m->len ||
	    r->nlanes > KIPC_RING_LANES)
		return -EPROTO;
	return 0;
}

/*
 * The calling thread's lane record for fd's mapping, or NULL: then *err is
 * -EBADF if fd no longer names the mapping's object, else 0.  A lane is
 * registered through the descriptor, so before the first registration the
 * descriptor is checked to be the mapping's (its id): a number closed
 * behind the library's back and reused must not register this thread in
 * another queue's ring while it writes intents into this one's.
 */
static struct kipc_ring_lane *lkipc_lane(int fd, struct lkipc_map *m,
					 int *err)
{
	uint32_t fork_gen = __atomic_load_n(&lkipc_fork_gen, __ATOMIC_RELAXED);
	struct kipc_ring_lane_req req;
	struct kipc_queue_stat st;
	struct lkipc_lane_slot *t;

	*err = 0;
	if (fd < LKIPC_LANES_INLINE) {
		t = &lkipc_lanes_inline[fd];
	} else if (fd < lkipc_nlanes) {
		t = &lkipc_lanes[fd];
	} else {
		int n = fd + 16;

		pthread_once(&lkipc_lanes_once, lkipc_lanes_init);
		t = realloc(lkipc_lanes, n * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + lkipc_nlanes, 0, (n - lkipc_nlanes) * sizeof(*t));
		lkipc_lanes = t;
		lkipc_nlanes = n;
		pthread_setspecific(lkipc_lanes_key, t);
		t += fd;	/* zeroed: never registered */
	}
	if (t->gen == m->gen && t->fork_gen == fork_gen)
		return t->lane < 0 ? NULL : &m->ring.lanes[t->lane];
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	if (lkipc_ioctl(fd, KIPC_IOC_QUEUE_STAT, &st) || st.id != m->id) {
		*err = -EBADF;	/* not recorded: asked again next time */
		return NULL;
	}
	memset(&req, 0, sizeof(req));
	req.size = sizeof(req);
	t->gen = m->gen;
	t->fork_gen = fork_gen;
	/* No lane (all taken by living threads): this thread uses ioctls. */
	t->lane = -1;
	if (!lkipc_ioctl(fd, KIPC_IOC_RING_LANE, &req) &&
	    req.lane < m->ring.nlanes)
		t->lane = req.lane;
	return t->lane < 0 ? NULL : &m->ring.lanes[t->lane];
}

/* S8 / R7: the kernel entered while we were in flight (ring.md §6). */
static void lkipc_ring_after(int fd, struct kipc_ring_hdr *h)
{
	struct kipc_ring_kick kick = { .size = sizeof(kick) };

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if ((__atomic_load_n(&h->prod, __ATOMIC_RELAXED) |
	     __atomic_load_n(&h->cons, __ATOMIC_RELAXED)) & KIPC_RING_SLOW)
		lkipc_ioctl(fd, KIPC_IOC_RING_KICK, &kick);
}

int lkipc_ring_send(int fd, struct lkipc_map *m, int64_t type,
		    const void *buf, size_t len)
{
	struct kipc_ring_hdr *h = m->addr;
	const struct lkipc_ring *r = &m->ring;
	struct kipc_ring_lane *lane;
	int tries, err;

	if (!(r->flags & KIPC_RING_FASTSEND) || len > r->msgsize || type <= 0)
		return LKIPC_RING_KERNEL;
	/* S1 once before registering a lane: a queue in kernel mode. */
	if (__atomic_load_n(&h->prod, __ATOMIC_ACQUIRE) & KIPC_RING_SLOW)
		return LKIPC_RING_KERNEL;
	lane = lkipc_lane(fd, m, &err);
	if (!lane)
		return err ? err : LKIPC_RING_KERNEL;
	for (tries = 0; tries < LKIPC_RING_TRIES; tries++) {
		__u64 w, p, c, s, hwm;
		struct kipc_ring_slot *slot;

		w = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE);	/* S1 */
		if (w & KIPC_RING_SLOW)
			return LKIPC_RING_KERNEL;
		p = w & KIPC_RING_POS_MASK;
		c = __atomic_load_n(&h->cons, __ATOMIC_ACQUIRE) &	/* S2 */
		    KIPC_RING_POS_MASK;
		if (p - c >= r->cap_msgs)
			return -EAGAIN;				/* full */
		slot = lkipc_slot(r, p);
		s = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);	/* S3 */
		if (s != p) {
			if ((int64_t)(s - p) < 0)
				return -EAGAIN;	/* its last lap is being read */
			continue;
		}
		__atomic_store_n(&lane->intent, KIPC_LANE_SEND | p,	/* S4 */
				 __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&h->prod, &w, w + 1, 0,	/* S5 */
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED)) {
			/* Not ours: a stale intent would shield a dead claimant. */
			__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);
			continue;
		}
		slot->type = (uint64_t)type;				/* S6 */
		slot->len = (uint32_t)len;
		slot->flags = 0;
		if (len)
			memcpy(slot + 1, buf, len);
		__atomic_store_n(&slot->seq, p + 1, __ATOMIC_RELEASE);	/* S7 */
		lkipc_ring_after(fd, h);				/* S8 */
		lane->bytes_sent += len;
		hwm = p + 1 - c;
		if (hwm > lane->hwm)
			lane->hwm = hwm;
		__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);	/* S9 */
		return 0;
	}
	__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);
	return LKIPC_RING_KERNEL;
}

/*
 * KIPC_SEL_LE "le" on the ring: the message at c is the one the kernel
 * would pick only if its type is at most le and no message published
 * after it has a lower type.  Messages still being written are sends not
 * yet done, which the receive may precede; one taken meanwhile moves cons,
 * and the claim's CAS fails.  1: take it; 0: the kernel decides.
 */
static int lkipc_ring_le_head(const struct lkipc_ring *r,
			      const struct kipc_ring_hdr *h, uint64_t c,
			      uint64_t type, int64_t le)
{
	uint64_t p = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE), pos;

	if (type > (uint64_t)le || (p & KIPC_RING_SLOW))
		return 0;
	p &= KIPC_RING_POS_MASK;
	/* A message at c means p is past it: p == c only if scribbled. */
	if (p - c > r->cap_msgs || p == c)
		return 0;
	for (pos = c + 1; pos != p; pos++) {
		const struct kipc_ring_slot *slot = lkipc_slot(r, pos);

		if (__atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE) != pos + 1)
			continue;
		if (__atomic_load_n(&slot->type, __ATOMIC_RELAXED) < type)
			return 0;
	}
	return 1;
}

int lkipc_ring_recv(int fd, struct lkipc_map *m, void *buf, size_t size,
		    int64_t *out_type, int truncate, int nonblock, int64_t le)
{
	struct kipc_ring_hdr *h = m->addr;
	const struct lkipc_ring *r = &m->ring;
	struct kipc_ring_lane *lane = NULL;
	int tries, spins = 0, err;

	for (tries = 0; tries < LKIPC_RING_TRIES; tries++) {
		struct kipc_ring_slot *slot;
		__u64 w, c, s, p, type;
		uint32_t len;

		w = __atomic_load_n(&h->cons, __ATOMIC_ACQUIRE);	/* R1 */
		if (w & KIPC_RING_SLOW)
			break;
		c = w & KIPC_RING_POS_MASK;
		slot = lkipc_slot(r, c);
		s = __atomic_load_n(&slot->seq, __ATOMIC_ACQUIRE);	/* R2 */
		if ((int64_t)(s - c) <= 0) {
			/* Nothing published at c (seq < c: the slot's last lap
			 * is still being read, ring.md R2). */
			p = __atomic_load_n(&h->prod, __ATOMIC_ACQUIRE);
			if ((p & KIPC_RING_POS_MASK) == c &&
			    !(p & KIPC_RING_SLOW) &&
			    __atomic_load_n(&h->cons, __ATOMIC_ACQUIRE) == w)
				/* Empty: only a wait needs the kernel. */
				return nonblock ? -EAGAIN : LKIPC_RING_KERNEL;
			/* A send in flight at c: it takes microseconds. */
			if (++spins > LKIPC_RING_SPINS)
				break;
			lkipc_pause();
			tries--;
			continue;
		}
		if (s != c + 1)
			continue;		/* cons moved on */
		type = __atomic_load_n(&slot->type, __ATOMIC_RELAXED);
		len = __atomic_load_n(&slot->len, __ATOMIC_RELAXED);
		if ((int64_t)type <= 0 || len > r->msgsize ||
		    (len > size && !truncate))
			break;			/* the kernel says what it is */
		if (le && !lkipc_ring_le_head(r, h, c, type, le))
			break;			/* selective: the kernel's */
		if (!lane) {
			lane = lkipc_lane(fd, m, &err);
			if (err)
				return err;
			if (!lane)
				break;
		}
		__atomic_store_n(&lane->intent, KIPC_LANE_RECV | c,	/* R3 */
				 __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&h->cons, &w, w + 1, 0,	/* R4 */
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED)) {
			__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);
			continue;
		}
		if (len && size)					/* R5 */
			memcpy(buf, slot + 1, len < size ? len : size);
		__atomic_store_n(&slot->seq, c + r->nslots,		/* R6 */
				 __ATOMIC_RELEASE);
		lkipc_ring_after(fd, h);				/* R7 */
		lane->bytes_received += len;
		__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);	/* R8 */
		if (out_type)
			*out_type = (int64_t)type;
		return (int)len;
	}
	if (lane)
		__atomic_store_n(&lane->intent, 0, __ATOMIC_RELEASE);
	return LKIPC_RING_KERNEL;
}
