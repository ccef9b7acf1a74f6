// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc: objects (open, unlink, destroy, list) and semaphores.
 *
 * A semaphore handle opened for reading and writing has the semaphore's
 * page mapped (Documentation/ring.md section 8): P and V then compare and
 * swap its state word, the value itself, and make a system call only when
 * the kernel must decide: the word says SLOW (a waiter is queued, somebody
 * polls, or the semaphore was destroyed), P must wait, V would pass the
 * maximum.  P(1) and V(1) with KIPC_SEM_UNDO go through the page too
 * where the module has KIPC_FEAT_SEM_UNDO_FAST: the handle's open file
 * description holds a slot in the semaphore's undo page, a record only the
 * kernel writes and posts back when the description is released, and the
 * same compare-and-swap that takes or gives the unit keeps the change in
 * the word until the kernel records it, so that a process killed at any
 * instruction loses nothing (Documentation/ring.md, "Undo without a system
 * call").  Whatever the path, the result and the errno are those of the
 * ioctl.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "lkipc.h"

/* A fast operation that lost this many CAS races in a row asks the kernel. */
#define LKIPC_SEM_CAS_TRIES	64
/* What a fast operation returns when the kernel must do it. */
#define LKIPC_SEM_KERNEL	1

/* The descriptor's semaphore, mapped unless nomap: the common part of open. */
static void lkipc_sem_init(struct lkipc_sem *s, int fd, uint64_t id,
			   uint64_t features, unsigned int access, int nomap)
{
	s->fd = fd;
	s->id = id;
	s->flags = lkipc_handle_flags(features);
	s->map = NULL;
	/*
	 * Only a handle open for reading can be mapped, and only one open
	 * for writing too may operate through the map; a read-only map still
	 * lets lkipc_sem_value() read the value.  Without a map (opted out,
	 * an older module, mmap failed) every operation is an ioctl.
	 */
	if (!nomap && (access & KIPC_OPEN_READ) &&
	    (features & KIPC_FEAT_SEM_FAST))
		s->map = lkipc_map_new(fd, id, LKIPC_MAP_SEM,
				       (size_t)sysconf(_SC_PAGESIZE),
				       !!(access & KIPC_OPEN_WRITE));
	if (s->map && !(features & KIPC_FEAT_SEM_UNDO_FAST))
		s->map->undo_slot = LKIPC_UNDO_NONE;
}

LKIPC_API int lkipc_sem_open(struct lkipc *k, struct lkipc_sem *s,
			     const char *name, unsigned int flags,
			     unsigned int mode, unsigned int value)
{
	struct kipc_open op;
	int fd;

	if (!s)
		return -EINVAL;
	s->fd = -1;
	s->map = NULL;
	if (!k || lkipc_open_request(&op, flags, KIPC_OBJ_SEM, mode, name))
		return -EINVAL;
	op.sem_value = value;
	fd = lkipc_open_object(k, &op);
	if (fd < 0)
		return fd;
	lkipc_sem_init(s, fd, op.id, lkipc_features(k->fd), op.flags,
		       !!(flags & LKIPC_OPEN_NOMAP));
	return 0;
}

LKIPC_API int lkipc_sem_from_fd(struct lkipc *k, struct lkipc_sem *s, int fd,
				unsigned int flags)
{
	struct kipc_sem_stat st;
	int ret;

	if (!k || !s || fd < 0 || (flags & ~LKIPC_OPEN_NOMAP))
		return -EINVAL;
	ret = lkipc_fd_stat(fd, KIPC_IOC_SEM_STAT, &st, sizeof(st));
	if (ret)
		return ret;
	lkipc_sem_init(s, fd, st.id, lkipc_features(k->fd),
		       lkipc_fd_access(fd), !!(flags & LKIPC_OPEN_NOMAP));
	return 0;
}

LKIPC_API int lkipc_sem_close(struct lkipc_sem *s)
{
	if (!s)
		return -EINVAL;
	return lkipc_handle_fini(&s->fd, &s->map);
}

LKIPC_API int lkipc_sem_unlink(struct lkipc *k, const char *name)
{
	return lkipc_unlink(k, KIPC_OBJ_SEM, name);
}

LKIPC_API int lkipc_sem_destroy(struct lkipc_sem *s)
{
	if (!s)
		return -EINVAL;
	return lkipc_destroy_fd(s->fd, lkipc_req_id(s->flags, s->id));
}

/* s's semaphore page, if mapped (writable, for "write"); else NULL. */
static struct kipc_sem_page *lkipc_sem_page(const struct lkipc_sem *s,
					    int write)
{
	struct lkipc_map *m = s->map;

	if (!m || m->kind != LKIPC_MAP_SEM || (write && !m->writable))
		return NULL;
	return m->addr;
}

/*
 * P(n) through the page: 0 with the units taken, -EAGAIN if they are not
 * there and the caller does not wait, else LKIPC_SEM_KERNEL.  The CAS is on
 * the word that carries SLOW, so it fails if the kernel took the word over
 * since the load: a fast P never takes units from under a queued waiter.
 * Acquire on success: it pairs with the V that released these units.
 */
static int lkipc_sem_fast_p(struct kipc_sem_page *pg, unsigned int n,
			    int nonblock)
{
	__u64 s = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	int i;

	/* 0 and more than the maximum are the kernel's EINVAL. */
	if (!n || n > __atomic_load_n(&pg->max, __ATOMIC_RELAXED))
		return LKIPC_SEM_KERNEL;
	for (i = 0; i < LKIPC_SEM_CAS_TRIES; i++) {
		if (s & KIPC_SEM_SLOW)
			return LKIPC_SEM_KERNEL;
		/* Nobody is queued (no SLOW): the kernel would say the same. */
		if ((s & KIPC_SEM_VALUE_MASK) < n)
			return nonblock ? -EAGAIN : LKIPC_SEM_KERNEL;
		if (__atomic_compare_exchange_n(&pg->state, &s, s - n, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return LKIPC_SEM_KERNEL;
}

/* V(n) through the page: 0 when done, else LKIPC_SEM_KERNEL.  Release. */
static int lkipc_sem_fast_v(struct kipc_sem_page *pg, unsigned int n)
{
	__u64 s = __atomic_load_n(&pg->state, __ATOMIC_RELAXED);
	uint32_t max = __atomic_load_n(&pg->max, __ATOMIC_RELAXED);
	int i;

	if (!n)
		return LKIPC_SEM_KERNEL;
	for (i = 0; i < LKIPC_SEM_CAS_TRIES; i++) {
		/* Past the maximum: the kernel's EOVERFLOW. */
		if ((s & KIPC_SEM_SLOW) || (s & KIPC_SEM_VALUE_MASK) + n > max)
			return LKIPC_SEM_KERNEL;
		if (__atomic_compare_exchange_n(&pg->state, &s, s + n, 0,
						__ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			return 0;
	}
	return LKIPC_SEM_KERNEL;
}

/* ---- Undo without a system call (Documentation/ring.md) ---------- */

/* A record of the undo page as the one word a compare-and-swap sees. */
union lkipc_undo_word {
	struct kipc_sem_undo_rec rec;
	uint64_t word;
};

#define LKIPC_UNDO_SEQ_MASK	((1U << KIPC_SEM_TAG_SEQ_BITS) - 1)

static uint64_t *lkipc_undo_word(struct kipc_sem_undo_rec *recs,
				 uint32_t slot)
{
	return &((union lkipc_undo_word *)recs)[slot].word;
}

/*
 * The handle's undo page and slot, asked for and mapped on first use;
 * NULL if there are none (then the kernel keeps the record).  Threads
 * racing here get the same slot (it is the description's); the mapping
 * that loses is undone.
 */
static struct kipc_sem_undo_rec *lkipc_sem_undo_recs(const struct lkipc_sem *s,
						     uint32_t *slot)
{
	struct lkipc_map *m = s->map;
	struct kipc_sem_undo_slot cmd;
	struct kipc_sem_undo_rec *recs = NULL;
	void *addr;

	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	if (lkipc_ioctl(s->fd, KIPC_IOC_SEM_UNDO_SLOT, &cmd) == 0 &&
	    cmd.slot && cmd.slot < KIPC_SEM_UNDO_SLOTS) {
		addr = mmap(NULL, m->len, PROT_READ, MAP_SHARED,
			    s->fd, (off_t)KIPC_SEM_UNDO_PGOFF * (off_t)m->len);
		if (addr != MAP_FAILED) {
			if (__atomic_compare_exchange_n(&m->undo, &recs, addr,
							0, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				recs = addr;
			else
				munmap(addr, m->len);
		}
	}
	/* A refused slot or mapping: the kernel keeps this handle's record. */
	__atomic_store_n(&m->undo_slot, recs ? (int)cmd.slot : LKIPC_UNDO_NONE,
			 __ATOMIC_RELEASE);
	*slot = cmd.slot;
	return recs;
}

/* A tag's delta: 4 bits, two's complement (-8..7). */
static int lkipc_sem_tag_delta(__u64 s)
{
	return (int)(((s & KIPC_SEM_TAG_DELTA_MASK) >>
		      KIPC_SEM_TAG_DELTA_SHIFT) ^ 8) - 8;
}

static uint32_t lkipc_sem_tag_seq(__u64 s)
{
	return (uint32_t)((s & KIPC_SEM_TAG_SEQ_MASK) >> KIPC_SEM_TAG_SEQ_SHIFT);
}

/*
 * P(1) (d = 1) or V(1) (d = -1) with undo through the pages: 0 when done,
 * -EAGAIN for a P that finds no unit and does not wait, else
 * LKIPC_SEM_KERNEL.  Only when the word's tag is this slot's and pending
 * (its record's seq is the one before the tag's): the slot then holds
 * its record's count plus the tag's delta, and one compare-and-swap of
 * the word takes or gives the unit and adds d to the delta.  The process
 * writes nothing else: only the kernel records a delta, and whenever it
 * changes a record it moves that slot's seq on, so a word read before can
 * never be swapped against.  Anything else is the kernel's, which makes
 * the tag this slot's again: another slot's tag, none, a full delta, a V
 * of a unit the slot does not hold.  A process killed anywhere loses
 * nothing: its change is in the word, recorded by the kernel's next
 * section, the release of the description at the latest.  A compare-and-
 * swap lost to another thread of the description retries.
 */
static inline int lkipc_sem_fast_undo(struct kipc_sem_page *pg,
				      struct kipc_sem_undo_rec *recs,
				      uint32_t slot, int d, int nonblock)
{
	const __u64 mine = (__u64)slot << KIPC_SEM_TAG_SLOT_SHIFT;
	__u64 s = __atomic_load_n(&pg->state, __ATOMIC_ACQUIRE), value;
	union lkipc_undo_word r;
	uint32_t held;
	int i, delta;

	for (i = 0; i < LKIPC_SEM_CAS_TRIES; i++) {
		r.word = __atomic_load_n(lkipc_undo_word(recs, slot),
					 __ATOMIC_ACQUIRE);
		delta = lkipc_sem_tag_delta(s);
		held = r.rec.held + (uint32_t)delta;
		value = s & KIPC_SEM_VALUE_MASK;
		if ((s & (KIPC_SEM_SLOW | KIPC_SEM_TAG_SLOT_MASK)) != mine ||
		    r.rec.seq != ((lkipc_sem_tag_seq(s) - 1) &
				  LKIPC_UNDO_SEQ_MASK) ||
		    delta == (d > 0 ? 7 : -8))
			return LKIPC_SEM_KERNEL;
		if (d > 0 && !value)
			return nonblock ? -EAGAIN : LKIPC_SEM_KERNEL;
		if (d > 0 ? held == UINT32_MAX :
			    !held || value >= __atomic_load_n(&pg->max,
							      __ATOMIC_RELAXED))
			return LKIPC_SEM_KERNEL;
		if (__atomic_compare_exchange_n(&pg->state, &s,
				((s & ~KIPC_SEM_TAG_DELTA_MASK) -
				 (__u64)(__s64)d) |
				(__u64)((delta + d) & 0xf) <<
				KIPC_SEM_TAG_DELTA_SHIFT,
				0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 0;
	}
	return LKIPC_SEM_KERNEL;
}

/*
 * P(n) or V(n) with these flags through the pages with undo, if it can
 * be: the undo page, and *slot; else NULL.  Only n = 1 with undo (and
 * NONBLOCK for P) goes there; the first asks for the slot.
 */
static inline struct kipc_sem_undo_rec *
lkipc_sem_undo_ok(const struct lkipc_sem *s, unsigned int n,
		  unsigned int flags, uint32_t *slot)
{
	struct lkipc_map *m = s->map;
	int sl;

	if (!m || n != 1 || (flags & ~KIPC_SEM_NONBLOCK) != KIPC_SEM_UNDO)
		return NULL;
	sl = __atomic_load_n(&m->undo_slot, __ATOMIC_ACQUIRE);
	if (sl > 0) {
		*slot = (uint32_t)sl;
		return m->undo;
	}
	if (sl == LKIPC_UNDO_NONE || !lkipc_sem_page(s, 1))
		return NULL;
	return lkipc_sem_undo_recs(s, slot);
}

/*
 * Can a wait with these flags and deadline go through the page without
 * undo?  Not when the ioctl would refuse the arguments (EINVAL), which
 * only the ioctl may say.
 */
static int lkipc_sem_wait_fast_ok(unsigned int flags,
				  const struct timespec *deadline)
{
	if (flags & KIPC_SEM_UNDO)
		return 0;
	if (!deadline)
		return !(flags & KIPC_SEM_REALTIME);
	return !(flags & KIPC_SEM_NONBLOCK) && deadline->tv_sec >= 0 &&
	       deadline->tv_nsec >= 0 && deadline->tv_nsec < 1000000000L;
}

/* KIPC_IOC_SEM_WAIT's request; the kernel checks what is left. */
static void lkipc_sem_wait_fill(const struct lkipc_sem *s,
				struct kipc_sem_wait *cmd, unsigned int n,
				unsigned int flags,
				const struct timespec *deadline)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->size = sizeof(*cmd);
	cmd->id = lkipc_req_id(s->flags, s->id);
	cmd->flags = flags;
	cmd->count = n;
	if (deadline) {
		cmd->flags |= KIPC_SEM_TIMED;
		cmd->tv_sec = deadline->tv_sec;
		cmd->tv_nsec = deadline->tv_nsec;
	}
}

LKIPC_API int lkipc_sem_wait(struct lkipc_sem *s, unsigned int n,
			     unsigned int flags,
			     const struct timespec *deadline)
{
	struct kipc_sem_page *pg = NULL;
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_wait cmd;
	uint32_t slot;
	int ret;

	if (!s || (flags & ~(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO |
			      KIPC_SEM_REALTIME)))
		return -EINVAL;
	recs = deadline ? NULL : lkipc_sem_undo_ok(s, n, flags, &slot);
	if (recs) {
		pg = s->map->addr;
		ret = lkipc_sem_fast_undo(pg, recs, slot, 1,
					  flags & KIPC_SEM_NONBLOCK);
		if (ret != LKIPC_SEM_KERNEL)
			return ret;
		pg = NULL;
	} else if (lkipc_sem_wait_fast_ok(flags, deadline))
		pg = lkipc_sem_page(s, 1);
	if (pg) {
		ret = lkipc_sem_fast_p(pg, n, flags & KIPC_SEM_NONBLOCK);
		if (ret != LKIPC_SEM_KERNEL)
			return ret;
	}
	lkipc_sem_wait_fill(s, &cmd, n, flags, deadline);
	return lkipc_ioctl(s->fd, KIPC_IOC_SEM_WAIT, &cmd);
}

LKIPC_API int lkipc_sem_wait_req(struct lkipc_sem *s,
				 struct kipc_sem_wait *req, unsigned int n,
				 unsigned int flags,
				 const struct timespec *deadline)
{
	if (!s || !req || (flags & ~(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO |
				     KIPC_SEM_REALTIME)))
		return -EINVAL;
	lkipc_sem_wait_fill(s, req, n, flags, deadline);
	return 0;
}

/*
 * KIPC_IOC_SEM_WAIT_MULTI on /dev/kipc: every entry's units (all) or one
 * entry's (any).  Always a system call: the places it queues in the
 * semaphores' FIFOs put their pages in SLOW, so no fast P overtakes it.
 */
static int lkipc_sem_wait_multi(struct lkipc *k,
				const struct kipc_sem_multi_entry *entries,
				unsigned int nr, unsigned int flags,
				const struct timespec *deadline)
{
	struct kipc_sem_wait_multi cmd;
	int ret;

	if (!k || (nr && !entries))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.nr = nr;
	cmd.entries = (uintptr_t)entries;
	if (deadline) {
		cmd.flags |= KIPC_SEM_TIMED;
		cmd.tv_sec = deadline->tv_sec;
		cmd.tv_nsec = deadline->tv_nsec;
	}
	ret = lkipc_ioctl(k->fd, KIPC_IOC_SEM_WAIT_MULTI, &cmd);
	if (ret < 0)
		return ret;
	return (int)cmd.index;
}

LKIPC_API int lkipc_sem_wait_all(struct lkipc *k,
				 const struct kipc_sem_multi_entry *entries,
				 unsigned int nr, unsigned int flags,
				 const struct timespec *deadline)
{
	if (flags & ~(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO | KIPC_SEM_REALTIME))
		return -EINVAL;
	return lkipc_sem_wait_multi(k, entries, nr, flags, deadline);
}

LKIPC_API int lkipc_sem_wait_any(struct lkipc *k,
				 const struct kipc_sem_multi_entry *entries,
				 unsigned int nr, unsigned int flags,
				 const struct timespec *deadline)
{
	if (flags & ~(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO | KIPC_SEM_REALTIME))
		return -EINVAL;
	return lkipc_sem_wait_multi(k, entries, nr, flags | KIPC_SEM_ANY,
				    deadline);
}

LKIPC_API int lkipc_sem_trywait(struct lkipc_sem *s, unsigned int n,
				unsigned int flags)
{
	if (flags & ~KIPC_SEM_UNDO)
		return -EINVAL;
	return lkipc_sem_wait(s, n, flags | KIPC_SEM_NONBLOCK, NULL);
}

LKIPC_API int lkipc_sem_post(struct lkipc_sem *s, unsigned int n,
			     unsigned int flags)
{
	struct kipc_sem_page *pg;
	struct kipc_sem_undo_rec *recs;
	struct kipc_sem_post cmd;
	uint32_t slot;

	if (!s)
		return -EINVAL;
	recs = lkipc_sem_undo_ok(s, n, flags, &slot);
	if (recs && !lkipc_sem_fast_undo(s->map->addr, recs, slot, -1, 0))
		return 0;
	pg = flags ? NULL : lkipc_sem_page(s, 1);
	if (pg && lkipc_sem_fast_v(pg, n) == 0)
		return 0;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.flags = flags;
	cmd.count = n;
	cmd.id = lkipc_req_id(s->flags, s->id);
	return lkipc_ioctl(s->fd, KIPC_IOC_SEM_POST, &cmd);
}

/*
 * V on several semaphores at once: one KIPC_IOC_SEM_OP of adds, all of them
 * in one step under every semaphore's lock, or none.  Always a system
 * call: separate pages cannot be added to atomically together, and units
 * added to one before another is found full could not be taken back
 * without racing the processes that take them.  The kernel's ERANGE (an
 * add past the maximum) is lkipc_sem_post()'s EOVERFLOW.
 */
LKIPC_API int lkipc_sem_post_all(struct lkipc *k,
				 const struct kipc_sem_multi_entry *entries,
				 unsigned int nr, unsigned int flags)
{
	struct kipc_sem_op_entry ops[KIPC_SEM_MULTI_MAX];
	struct kipc_sem_wait_multi cmd;
	unsigned int i;
	int ret;

	if (!k || (nr && !entries) || (flags & ~KIPC_SEM_POST_FLAGS))
		return -EINVAL;
	if (nr > KIPC_SEM_MULTI_MAX)
		return -E2BIG;
	for (i = 0; i < nr; i++)
		ops[i] = (struct kipc_sem_op_entry){
			.fd = entries[i].fd,
			.op = KIPC_SEMOP_ADD,
			.count = entries[i].count,
			.flags = flags,
		};
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.nr = nr;
	cmd.entries = (uintptr_t)ops;
	ret = lkipc_ioctl(k->fd, KIPC_IOC_SEM_OP, &cmd);
	return ret == -ERANGE ? -EOVERFLOW : ret;
}

LKIPC_API int lkipc_sem_stat(struct lkipc_sem *s, struct kipc_sem_stat *st,
			     struct kipc_sem_waiter *waiters,
			     unsigned int capacity)
{
	if (!s || !st || (capacity && !waiters))
		return -EINVAL;
	return lkipc_sem_stat_fd(s->fd, st, waiters, capacity);
}

LKIPC_API int lkipc_sem_value(struct lkipc_sem *s)
{
	struct kipc_sem_page *pg;
	struct kipc_sem_stat st;
	int ret;

	if (!s)
		return -EINVAL;
	pg = lkipc_sem_page(s, 0);
	/* The word is the value, unless the kernel holds it (SLOW). */
	if (pg) {
		uint64_t w = __atomic_load_n(&pg->state, __ATOMIC_ACQUIRE);
		uint64_t v = w & KIPC_SEM_VALUE_MASK;

		if (!(w & KIPC_SEM_SLOW) && v <= INT_MAX &&
		    v <= __atomic_load_n(&pg->max, __ATOMIC_RELAXED))
			return (int)v;
	}

	ret = lkipc_sem_stat(s, &st, NULL, 0);
	if (ret < 0)
		return ret;
	return (int)st.value;
}

LKIPC_API int lkipc_list(struct lkipc *k, struct kipc_obj_info *entries,
			 unsigned int capacity)
{
	struct kipc_list cmd;
	int ret;

	if (!k || (capacity && !entries))
		return -EINVAL;
	memset(&cmd, 0, sizeof(cmd));
	cmd.size = sizeof(cmd);
	cmd.entry_size = sizeof(*entries);
	cmd.capacity = capacity;
	cmd.entries = (uintptr_t)entries;
	ret = lkipc_ioctl(k->fd, KIPC_IOC_LIST, &cmd);
	if (ret < 0)
		return ret;
	if (cmd.count > INT32_MAX)
		return -EOVERFLOW;
	return (int)cmd.count;
}
