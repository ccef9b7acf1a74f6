/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc: a message queue's state, shared by its semantics (kipc_queue.c) and
 * its shared ring's protocol (kipc_ring.c).
 *
 * Storage (Documentation/queues-storage.md has the whole design): one
 * region of shared pages (kipc_shared.c), a header page of control words
 * each on its own cache line, a page of lane records, then 2^k fixed-size
 * slots {seq, type, len, flags, data}, at least twice as many as the
 * capacity in messages.  Positions are 64-bit counters; position p lives in slot
 * p & (nslots - 1).  [head, tail) are the occupied positions, each LIVE
 * (queued), RESERVED (handed to a waiting receiver, not yet copied out),
 * TOMB (taken out of order) or PENDING (claimed by a fast sender).  head
 * only stops at a non-TOMB position; when tail - head reaches nslots the
 * live slots are compacted towards head, which the spare half makes
 * amortised O(1) per message.
 *
 * The kernel's truth about each slot (state, type, length, its place in the
 * indices) is kept in a kernel-private array, struct kipc_queue_msg.  The shared
 * slot headers are read back only when a fast sender's message is taken in
 * (kipc_ring.c), and what is read there is validated first, so whatever a
 * process writes to the shared pages only garbles that queue's data.
 *
 * Locking: everything here is under q->lock; see kipc_queue.c.
 */
#ifndef _KIPC_QUEUE_H
#define _KIPC_QUEUE_H

#include <linux/fs.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/rbtree.h>
#include <linux/wait.h>

#include "kipc_internal.h"

/* ---- The shared layout (see Documentation/queues-storage.md) ---------- */

/* Slot flags, for observers only: nothing reads them back. */
#define KIPC_SLOT_TAKEN		BIT(0)		/* tombstone */
#define KIPC_SLOT_RESERVED	BIT(1)		/* handed to a kernel receiver */

/* ---- Kernel-private state ------------------------------------------- */

enum kipc_queue_msg_state {
	KIPC_QM_FREE,
	KIPC_QM_LIVE,
	KIPC_QM_RESERVED,
	KIPC_QM_TOMB,
	KIPC_QM_PENDING,	/* claimed by a fast sender, not published yet */
};

struct eventfd_ctx;
struct kipc_queue_mtype;
struct kipc_queue_sleeper;
struct user_namespace;

/*
 * The queue's notification registration (KIPC_IOC_QUEUE_NOTIFY), as
 * mqueue's notify_owner: at most one, owned by a thread group.
 */
struct kipc_queue_reg {
	struct pid *owner;		/* its thread group; NULL: none */
	struct user_namespace *user_ns;	/* the owner's: si_uid is seen there */
	struct eventfd_ctx *efd;	/* KIPC_NOTIFY_EVENTFD */
	u64 value;			/* KIPC_NOTIFY_SIGNAL: si_value */
	u64 exec_id;			/* the owner's self_exec_id then */
	u32 kind;			/* KIPC_NOTIFY_* */
	int signo;
};

/*
 * A message up to this long is copied through the stack: a send's copy
 * in, a receive's kernel copy when it must copy out with q->lock dropped.
 */
#define KIPC_QCOPY_STACK	256

/* Who holds a lane record: kernel-private. */
struct kipc_queue_lane {
	struct pid *owner;		/* the thread, or NULL: free */
	struct kipc_handle *h;		/* the handle that registered it */
};

/* What the kernel knows of one slot. */
struct kipc_queue_msg {
	struct list_head all;		/* LIVE: on q->live */
	struct list_head by_type;	/* LIVE: on qt->msgs */
	struct kipc_queue_mtype *qt;		/* LIVE: its type's entry */
	struct kipc_queue_sleeper *w;		/* RESERVED: for this receiver */
	u64 pos;
	s64 type;
	u32 len;
	u32 state;			/* enum kipc_queue_msg_state */
};

/* The LIVE messages of one type, in send order. */
struct kipc_queue_mtype {
	struct rb_node node;		/* on q->types, or unused */
	struct list_head msgs;		/* in use: kipc_queue_msg.by_type */
	struct list_head free;		/* unused: on q->types_free */
	s64 type;
};

struct kipc_queue {
	struct kipc_object obj;
	struct mutex lock;		/* see "Locking" above */
	bool dead;			/* destroyed */
	bool pipe;			/* pipe mode: set at creation */
	u32 msgsize;			/* geometry: set at creation */
	u32 cap_msgs;
	u32 nslots;
	u32 slot_size;
	u64 cap_bytes;
	size_t ring_bytes;
	struct kipc_shared shared;	/* ring_bytes of pages */
	void *ring;			/* shared.addr: the kernel's view */
	struct kipc_ring_hdr *hdr;
	struct kipc_queue_msg *meta;		/* nslots entries */
	struct kipc_queue_mtype *type_pool;	/* cap_msgs entries */
	struct list_head types_free;
	struct rb_root_cached types;	/* struct kipc_queue_mtype by type */
	struct list_head live;		/* LIVE kipc_queue_msg, send order */
	u64 head, tail;
	u32 nmsgs;			/* LIVE + RESERVED */
	u64 nbytes;
	/* struct kipc_queue_sleeper, FIFO or by key (obj.prio_order) */
	struct list_head receivers;
	struct list_head senders;
	u32 nreceivers, nsenders;
	u32 readers, writers;		/* pipe mode */
	bool had_reader, had_writer;
	u64 sent, received, dropped, bytes_sent, bytes_received;
	u64 hwm_msgs, hwm_bytes;
	/*
	 * The last send the kernel enqueued and the last receive it handed
	 * out (SysV's msg_lspid, msg_stime, msg_lrpid, msg_rtime): the thread
	 * groups, a reference held on each until the queue is freed, and
	 * ktime_get_real_seconds().  The ring's fast path is not seen.
	 */
	struct pid *lspid, *lrpid;
	time64_t stime, rtime;
	wait_queue_head_t poll_wq;
	struct fasync_struct *fasync;
	/* The shared ring's protocol (Documentation/ring.md). */
	struct kipc_ring_lane *lane_rec;	/* the lane page: shared */
	struct kipc_queue_lane lanes[KIPC_RING_LANES];
	u32 nlanes;
	u32 npending;			/* PENDING positions in [head, tail) */
	u32 nreserved;			/* RESERVED positions */
	bool fast;			/* left in fast mode: SLOW clear */
	bool mapped;			/* ever mmap'd: kipc_ring_map() */
	bool fast_shown;		/* the mode kipc_ring_mode last saw */
	bool fastsend;			/* KIPC_RING_FASTSEND: the kernel's copy */
	bool stuck;			/* waits on another process: recheck */
	struct kipc_queue_reg reg;	/* keeps the ring in kernel mode */
	u64 lost;
	/* Counters of released lanes. */
	u64 lane_bytes_sent, lane_bytes_received;
	/* Waiters to wake once q->lock is dropped (kipc_queue_unlock_wake()). */
	struct kipc_wake_list wake;
};

enum kipc_queue_sleeper_state {
	KIPC_QW_WAITING,
	KIPC_QW_DONE,		/* sender: enqueued; receiver: handed a msg */
	KIPC_QW_TOOBIG,		/* receiver: handed a message too long */
	KIPC_QW_REMOVED,	/* destroyed */
};

struct kipc_queue_sleeper {
	struct list_head node;
	struct task_struct *task;
	struct kipc_async *async;	/* a uring_cmd's, else NULL: sleeping */
	u32 state;		/* enum kipc_queue_sleeper_state */
	int key;		/* kipc_waiter_key() of task */
	/* Receivers. */
	u32 select;
	s64 type;
	u32 bufsize;
	bool truncate;
	bool peek;
	struct kipc_queue_msg *msg;	/* DONE: the RESERVED message */
	u32 msg_len;		/* TOOBIG: its length */
	/* Senders: the message in a kernel buffer. */
	const void *data;
	u32 len;
	s64 mtype;
};

/* Where a message comes from or goes to: user memory or an iov_iter. */
struct kipc_queue_buf {
	void __user *ubuf;
	struct iov_iter *iter;
	const void *kbuf;
	void *kdst;		/* a kernel destination (a receive's bounce) */
	bool waited;		/* kbuf: a blocked sender's, admitted */
	struct task_struct *sender;	/* waited: that sender */
};

/* Flags internal to the operations, above the ABI's KIPC_MSG_*. */
#define KIPC_QOP_TRYLOCK	BIT(31)	/* IOCB_NOWAIT: do not wait for q->lock */
#define KIPC_QOP_LOCKED		BIT(30)	/* batch: the caller is in (qenter) */
#define KIPC_QOP_NOFAULT	BIT(29)	/* batch: copy in under q->lock, no fault */

#define KIPC_QUEUE_DEFAULT_MSGS	64
#define KIPC_RING_LANES_OFF	PAGE_SIZE
#define KIPC_RING_SLOTS_OFF	(2 * PAGE_SIZE)
static_assert(KIPC_RING_LANES * sizeof(struct kipc_ring_lane) <= PAGE_SIZE);
static_assert(offsetof(struct kipc_ring_hdr, prod) == 64);
static_assert(offsetof(struct kipc_ring_hdr, cons) == 128);
static_assert(offsetof(struct kipc_ring_hdr, sent) == 256);
/* A busy slot or a pending position: blocked waiters re-check this often. */
#define KIPC_RING_RECHECK_MS	10
#define KIPC_QSLOT_HDR		sizeof(struct kipc_ring_slot)
/*
 * The highest position the kernel takes from the ring.  Reaching it takes
 * 2^61 messages (centuries at any rate), so a higher one was written by a
 * process; below it, position arithmetic (tail + nslots, SLOW) never
 * reaches the bits above the positions.
 */
#define KIPC_RING_POS_LIMIT	(KIPC_RING_POS_MASK >> 1)

static inline struct kipc_queue *to_queue(struct kipc_object *obj)
{
	return container_of(obj, struct kipc_queue, obj);
}

static inline struct kipc_queue *kipc_file_queue(struct file *file)
{
	struct kipc_handle *h = file->private_data;

	return to_queue(h->obj);
}

static inline struct kipc_queue_msg *kipc_queue_meta(struct kipc_queue *q, u64 pos)
{
	return &q->meta[pos & (q->nslots - 1)];
}

static inline struct kipc_ring_slot *kipc_queue_slot(struct kipc_queue *q, u64 pos)
{
	size_t off = KIPC_RING_SLOTS_OFF +
		     (size_t)(pos & (q->nslots - 1)) * q->slot_size;

	return q->ring + off;
}

static inline void *kipc_queue_data(struct kipc_queue *q, u64 pos)
{
	return (void *)kipc_queue_slot(q, pos) + KIPC_QSLOT_HDR;
}

/* A queue's counts for listings: kipc_ring_snapshot(). */
struct kipc_queue_snap {
	u32 msgs;
	u32 waiters;
	u64 bytes;
	u64 sent;
	u64 received;
};

/* The queue's semantics (kipc_queue.c), called by the ring's protocol. */
void kipc_queue_publish(struct kipc_queue *q, struct kipc_queue_msg *m);
void kipc_queue_arrive(struct kipc_queue *q, struct kipc_queue_msg *m,
		       bool fresh);
void kipc_queue_admit(struct kipc_queue *q);
void kipc_queue_notify(struct kipc_queue *q, __poll_t mask, int band);
void kipc_queue_unindex(struct kipc_queue *q, struct kipc_queue_msg *m);

void kipc_queue_unlock_wake(struct kipc_queue *q);

/* The shared ring (kipc_ring.c), under q->lock. */
void kipc_ring_init(struct kipc_queue *q);
void kipc_ring_enter(struct kipc_queue *q);
void kipc_ring_exit(struct kipc_queue *q);
void kipc_ring_map(struct kipc_queue *q);
void kipc_queue_advance(struct kipc_queue *q);
bool kipc_queue_room(struct kipc_queue *q);
void kipc_lanes_reap(struct kipc_queue *q, struct kipc_handle *h);
void kipc_queue_stat_lanes(struct kipc_queue *q, struct kipc_queue_stat *st);
int kipc_queue_cmd_lane(struct kipc_ucmd *ucmd);
int kipc_queue_cmd_kick(struct kipc_ucmd *ucmd);
void kipc_ring_snapshot(struct kipc_queue *q, struct kipc_queue_snap *snap);

static inline void kipc_queue_enter(struct kipc_queue *q)
{
	mutex_lock(&q->lock);
	kipc_ring_enter(q);
}

/*
 * The same, for a caller that can fail: a process waiting behind a holder
 * that is stuck in a copy from its own memory (userfaultfd, a slow file)
 * can still be killed.  -EINTR on a fatal signal, with nothing done.
 */
static inline int kipc_queue_enter_killable(struct kipc_queue *q)
{
	if (mutex_lock_killable(&q->lock))
		return -EINTR;
	kipc_ring_enter(q);
	return 0;
}

static inline void kipc_queue_exit(struct kipc_queue *q)
{
	kipc_ring_exit(q);
	kipc_queue_unlock_wake(q);
}

#endif /* _KIPC_QUEUE_H */
