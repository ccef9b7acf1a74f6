// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: a message queue's shared ring, the kernel's side of its protocol
 * (Documentation/ring.md; the model is tests/ring-model/ring.pml and the
 * tests are selftests/kipc/ring_test.c).
 *
 * The queue's storage is mapped by its users (kipc_queue.h says how it is
 * laid out).  In fast mode processes send and receive through the mapping
 * without the kernel; every kernel operation enters (kipc_ring_enter(): set
 * SLOW, take in what fast operations did, publish what fast senders
 * finished, recover what dead ones left) and leaves (kipc_ring_exit():
 * back to fast mode if nothing needs the kernel).  This file also keeps the
 * positions: head moving over tombstones, compaction, and whether the slot
 * at tail is free to write.  Lanes are per-thread records in the mapping
 * that say what a fast operation is doing, so that the kernel can tell a
 * dead claimant from a slow one.
 *
 * Nothing read from the shared pages is trusted: impossible position words
 * make the kernel keep its own view and rewrite the slots' seq words
 * (kipc_ring_scribbled()), and a published slot's header is validated
 * before it becomes a message.
 *
 * Locking: every function here runs under q->lock (kipc_queue.c), and
 * never sleeps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/minmax.h>
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "kipc_queue.h"
#include "kipc_trace.h"

/* ---- Positions and compaction -------------------------------------- */

/*
 * head moves over the tombstones at the front, freeing their slots for the
 * next lap; room may have appeared for waiting senders.
 */
void kipc_queue_advance(struct kipc_queue *q)
{
	while (q->head != q->tail &&
	       kipc_queue_meta(q, q->head)->state == KIPC_QM_TOMB) {
		struct kipc_ring_slot *s = kipc_queue_slot(q, q->head);

		kipc_queue_meta(q, q->head)->state = KIPC_QM_FREE;
		s->flags = 0;
		/* Free for the lap after: flags cleared before seq says so. */
		smp_store_release(&s->seq, q->head + q->nslots);
		q->head++;
	}
}

/*
 * Close the gaps tombstones left in [head, tail), keeping order: every
 * message moves up to the next free position below the one above it, and
 * head moves over the tombstones that gathered at the front.  Positions
 * only grow, so a fast operation that read a position word before the
 * kernel set SLOW can never find it again with another meaning.  A PENDING
 * position (a fast sender is filling it) stays where it is.  Runs when the
 * ring is full of positions; since nmsgs < cap_msgs <= nslots / 2 then, it
 * frees at least half the ring unless fast senders pin it: O(1) amortised
 * per message.
 */
static void kipc_queue_compact(struct kipc_queue *q)
{
	u64 src = q->tail, dst = q->tail;

	while (src != q->head) {
		struct kipc_queue_msg *ms = kipc_queue_meta(q, --src), *md;
		struct kipc_ring_slot *ss, *sd;

		if (ms->state == KIPC_QM_TOMB)
			continue;
		if (ms->state == KIPC_QM_PENDING) {
			dst = src;
			continue;
		}
		if (--dst == src)
			continue;
		md = kipc_queue_meta(q, dst);
		ss = kipc_queue_slot(q, src);
		sd = kipc_queue_slot(q, dst);
		memcpy(sd, ss, KIPC_QSLOT_HDR + ms->len);
		WRITE_ONCE(sd->seq, dst + 1);
		*md = *ms;
		md->pos = dst;
		if (ms->state == KIPC_QM_LIVE) {
			list_replace(&ms->all, &md->all);
			if (ms->qt)
				list_replace(&ms->by_type, &md->by_type);
		} else if (ms->w) {
			ms->w->msg = md;
		}
		ms->state = KIPC_QM_TOMB;
	}
	kipc_queue_advance(q);
}

/* ---- The shared ring's protocol (Documentation/ring.md) -------------- */

static bool kipc_lane_alive(const struct kipc_queue_lane *l)
{
	struct task_struct *t;
	bool alive;

	if (!l->owner)
		return false;
	rcu_read_lock();
	t = pid_task(l->owner, PIDTYPE_PID);
	alive = t && !(READ_ONCE(t->flags) & PF_EXITING);
	rcu_read_unlock();
	return alive;
}

/* Does a living thread's lane record name this intent? */
static bool kipc_ring_claimed(struct kipc_queue *q, u64 intent)
{
	u32 i;

	for (i = 0; i < KIPC_RING_LANES; i++)
		if (READ_ONCE(q->lane_rec[i].intent) == intent &&
		    kipc_lane_alive(&q->lanes[i]))
			return true;
	return false;
}

/*
 * A position sent through the ring that will never be a message: its
 * sender died (or the slot's header is impossible).  Counted in "lost".
 */
static void kipc_ring_lose(struct kipc_queue *q, struct kipc_queue_msg *m)
{
	m->state = KIPC_QM_TOMB;
	q->nmsgs--;
	if (q->dead)
		q->dropped++;
	else
		q->lost++;
	kipc_queue_advance(q);
	kipc_queue_admit(q);
}

/*
 * A PENDING position: if its sender published it, validate the slot's
 * header and make it a message (handed to the earliest matching waiting
 * receiver, as any new message).  False if it is still being filled.
 */
static bool kipc_ring_ingest(struct kipc_queue *q, u64 pos)
{
	struct kipc_ring_slot *s = kipc_queue_slot(q, pos);
	struct kipc_queue_msg *m = kipc_queue_meta(q, pos);
	s64 type;
	u32 len;

	/* Pairs with the sender's release of seq (ring.md S7). */
	if (smp_load_acquire(&s->seq) != pos + 1)
		return false;
	type = (s64)READ_ONCE(s->type);
	len = READ_ONCE(s->len);
	q->npending--;
	if (type <= 0 || len > q->msgsize || q->dead) {
		kipc_ring_lose(q, m);
		return true;
	}
	m->pos = pos;
	m->type = type;
	m->len = len;
	q->nbytes += len;
	q->hwm_bytes = max(q->hwm_bytes, q->nbytes);
	kipc_queue_arrive(q, m, true);
	return true;
}

/* Publish what fast senders finished; recover what dead ones left. */
static void kipc_ring_pending(struct kipc_queue *q)
{
	u64 pos;

	for (pos = q->head; q->npending && pos != q->tail; pos++) {
		struct kipc_queue_msg *m = kipc_queue_meta(q, pos);

		if (m->state != KIPC_QM_PENDING || kipc_ring_ingest(q, pos))
			continue;
		/*
		 * No living claimant, then seq read again: a sender that
		 * published and died after the first read is not lost.
		 */
		if (!kipc_ring_claimed(q, KIPC_LANE_SEND | pos) &&
		    !kipc_ring_ingest(q, pos)) {
			q->npending--;
			kipc_ring_lose(q, m);
			trace_kipc_ring_recover(q, pos, true);
		}
	}
}

/*
 * A fast receiver claimed pos and died before freeing its slot: free it,
 * the message is lost (it was counted received when cons passed it).
 */
static void kipc_ring_recover_recv(struct kipc_queue *q, u64 pos)
{
	struct kipc_ring_slot *s = kipc_queue_slot(q, pos);

	if (pos >= q->head || q->head - pos > q->nslots)
		return;
	/*
	 * Acquire: pairs with the receiver's release of seq (R6).  Read again
	 * after the lanes: a receiver that freed the slot and died since is
	 * not a loss.
	 */
	if (smp_load_acquire(&s->seq) != pos + 1 ||
	    kipc_ring_claimed(q, KIPC_LANE_RECV | pos))
		return;
	/* Again (acquire, as above): freed since the first read? */
	if (smp_load_acquire(&s->seq) != pos + 1)
		return;
	/* Free for the next lap; pairs with a sender's acquire (S3). */
	smp_store_release(&s->seq, pos + q->nslots);
	q->lost++;
	trace_kipc_ring_recover(q, pos, false);
	if (q->received)
		q->received--;
}

/* Lane i's thread will not act again: resolve its intent, free the lane. */
static void kipc_lane_reap(struct kipc_queue *q, u32 i)
{
	struct kipc_ring_lane *rec = &q->lane_rec[i];
	u64 intent = READ_ONCE(rec->intent);

	put_pid(q->lanes[i].owner);
	q->lanes[i].owner = NULL;
	q->lanes[i].h = NULL;
	q->nlanes--;
	/* A SEND intent is resolved by kipc_ring_pending(), run next. */
	if ((intent & (KIPC_LANE_SEND | KIPC_LANE_RECV)) == KIPC_LANE_RECV)
		kipc_ring_recover_recv(q, intent & KIPC_RING_POS_MASK);
	q->lane_bytes_sent += READ_ONCE(rec->bytes_sent);
	q->lane_bytes_received += READ_ONCE(rec->bytes_received);
	q->hwm_msgs = max_t(u64, q->hwm_msgs,
			    min_t(u64, READ_ONCE(rec->hwm), q->cap_msgs));
	memset(rec, 0, sizeof(*rec));
}

/* Free the lanes of threads that are gone, or of handle h (if not NULL). */
void kipc_lanes_reap(struct kipc_queue *q, struct kipc_handle *h)
{
	u32 i;

	for (i = 0; i < KIPC_RING_LANES; i++)
		if (q->lanes[i].owner &&
		    (h ? q->lanes[i].h == h : !kipc_lane_alive(&q->lanes[i])))
			kipc_lane_reap(q, i);
	kipc_ring_pending(q);
}

/*
 * Set SLOW in a position word (E1); returns the position.  One locked OR,
 * which a process rewriting the word cannot make fail or repeat (a
 * compare-and-swap loop could be starved by one).  Once SLOW is set no fast
 * operation changes the word (its claim compares against a word without
 * SLOW), so the position read after it is the one the ring stopped at; a
 * process that writes the word anyway is scribbling (§7), and what it
 * wrote is validated like any other value.
 */
static u64 kipc_ring_set_slow(u64 *word)
{
	atomic64_or(KIPC_RING_SLOW, (atomic64_t *)word);
	/* Ordered like the compare-and-swap was: before what enter reads. */
	smp_mb__after_atomic();
	return READ_ONCE(*word) & KIPC_RING_POS_MASK;
}

/*
 * E2: could fast operations have moved the positions from (head, tail) to
 * (c, p) since the kernel left?  Only in fast mode, only forwards, never
 * holding more than the capacity (a fast sender checks it against cons,
 * which only grows), with fast senders only where the ring allows them,
 * and never near the bits above the positions.  Anything else was written
 * by a process, not by the protocol.
 */
static bool kipc_ring_plausible_from(struct kipc_queue *q, u64 head,
				     u64 tail, u64 c, u64 p)
{
	if (c < head || c > p || p < tail)
		return false;
	if (p - c > q->cap_msgs || p > KIPC_RING_POS_LIMIT)
		return false;
	return p == tail || q->fastsend;
}

static bool kipc_ring_plausible(struct kipc_queue *q, u64 c, u64 p)
{
	return q->fast && kipc_ring_plausible_from(q, q->head, q->tail, c, p);
}

/*
 * The position words are impossible (written by a process, not by the
 * protocol): keep the kernel's view of the queue and rewrite every slot's
 * seq to match it.  Only that queue's users, who could write the words,
 * see garbled data.
 */
static void kipc_ring_scribbled(struct kipc_queue *q)
{
	u64 pos;

	trace_kipc_ring_scribbled(q);
	for (pos = q->head; pos != q->head + q->nslots; pos++) {
		u32 st = kipc_queue_meta(q, pos)->state;
		bool held = pos < q->tail && st != KIPC_QM_PENDING;

		WRITE_ONCE(kipc_queue_slot(q, pos)->seq, held ? pos + 1 : pos);
	}
}

/*
 * E3-E5: bring the private indices up to the ring after fast operations:
 * [head, c) was received by fast receivers, [tail, p) sent by fast senders.
 */
static void kipc_ring_catch_up(struct kipc_queue *q, u64 c, u64 p)
{
	u64 pos, start = max(c, q->tail);

	for (pos = q->head; pos < min(c, q->tail); pos++) {
		struct kipc_queue_msg *m = kipc_queue_meta(q, pos);

		if (m->state == KIPC_QM_LIVE) {
			kipc_queue_unindex(q, m);
			q->nmsgs--;
			q->nbytes -= m->len;
		}
		m->state = KIPC_QM_FREE;
		q->received++;
	}
	if (c > q->tail) {
		q->sent += c - q->tail;
		q->received += c - q->tail;
	}
	for (pos = start; pos < p; pos++) {
		kipc_queue_meta(q, pos)->state = KIPC_QM_PENDING;
		kipc_queue_meta(q, pos)->pos = pos;
	}
	q->npending += p - start;
	q->nmsgs += p - start;
	q->sent += p - start;
	q->hwm_msgs = max_t(u64, q->hwm_msgs, q->nmsgs);
	q->head = c;
	q->tail = p;
}

/*
 * Enter (under q->lock, before anything else): SLOW keeps processes out of
 * the ring; what they did before is taken in.  Never waits.  A ring that
 * no process has mapped cannot have been touched, so E1 and E2 (two locked
 * instructions and a full barrier) are skipped until kipc_ring_map().
 */
void kipc_ring_enter(struct kipc_queue *q)
{
	struct kipc_ring_hdr *hdr = q->hdr;
	u64 p, c;

	lockdep_assert_held(&q->lock);
	if (READ_ONCE(q->mapped)) {
		p = kipc_ring_set_slow(&hdr->prod);
		c = kipc_ring_set_slow(&hdr->cons);
		/* Pairs with the fence after a fast operation's claim (ring.md §6). */
		smp_mb();
		if (c != q->head || p != q->tail) {
			if (!kipc_ring_plausible(q, c, p))
				kipc_ring_scribbled(q);
			else
				kipc_ring_catch_up(q, c, p);
		}
	}
	q->fast = false;
	kipc_ring_pending(q);
	q->stuck = q->npending;
	/*
	 * Room may have appeared without the kernel: fast receives taken in
	 * above, or the slot at tail released by a fast receiver that was
	 * still copying out of it when a sender had to wait (q->stuck).  Only
	 * the kernel admits waiting senders, so it looks at every entry.
	 */
	if (!list_empty(&q->senders))
		kipc_queue_admit(q);
}

/*
 * Leave (L1, before q->lock is dropped): back to fast mode if nothing needs
 * the kernel, else stay in kernel mode.  The kernel's positions are written
 * either way: they are the truth.
 */
void kipc_ring_exit(struct kipc_queue *q)
{
	struct kipc_ring_hdr *hdr = q->hdr;
	bool fast;

	lockdep_assert_held(&q->lock);
	fast = !q->dead && !q->pipe && !q->nreceivers && !q->nsenders &&
	       !q->npending && !q->nreserved &&
	       q->nmsgs == q->tail - q->head && !q->fasync &&
	       /* A notification must see every send arrive (ring.md §1). */
	       !q->reg.owner &&
	       /* A poller (poll_wait ran before q->lock) keeps it slow. */
	       !waitqueue_active(&q->poll_wq);
	WRITE_ONCE(hdr->sent, q->sent);
	WRITE_ONCE(hdr->received, q->received);
	WRITE_ONCE(hdr->dropped, q->dropped);
	WRITE_ONCE(hdr->lost, q->lost);
	if (fast) {
		/* Everything written above is seen by whoever reads these. */
		smp_store_release(&hdr->cons, q->head);
		/* Likewise. */
		smp_store_release(&hdr->prod, q->tail);
	} else {
		WRITE_ONCE(hdr->cons, q->head | KIPC_RING_SLOW);
		WRITE_ONCE(hdr->prod, q->tail | KIPC_RING_SLOW);
	}
	trace_kipc_ring_mode(q, fast);
	q->fast_shown = fast;
	q->fast = fast;
}

/*
 * The queue is being mapped (its mmap, under the mmap_lock, so q->lock can
 * only be tried: a receive faulting on its buffer holds q->lock and waits
 * for mmap_lock).  From now on every enter runs E1 and E2.  The position
 * words are always written by leave, so with the lock taken they are
 * already the truth.  Without it, the holder may have entered while the
 * ring was unmapped, without setting SLOW: SLOW is set here, before the
 * pages are, and that holder's leave writes the words again.  An enter
 * that follows that leave sees "mapped" (the barrier before the OR, then
 * the holder's release and the next holder's acquire of q->lock).  Every
 * mmap does this, not only the first: a second one, finding "mapped" set
 * by a first that has not yet set SLOW, must not insert its pages before
 * SLOW is set.  An OR of SLOW nobody needed only sends processes to the
 * kernel once, whose enter and leave put the ring back as it was.
 */
void kipc_ring_map(struct kipc_queue *q)
{
	if (mutex_trylock(&q->lock)) {
		WRITE_ONCE(q->mapped, true);
		mutex_unlock(&q->lock);
		return;
	}
	WRITE_ONCE(q->mapped, true);
	/* "mapped" before SLOW: an enter after the holder's leave sees it. */
	smp_mb__before_atomic();
	kipc_ring_set_slow(&q->hdr->prod);
	kipc_ring_set_slow(&q->hdr->cons);
}

/*
 * Can the kernel write the slot at tail now?  Compacts a ring full of
 * positions; a fast receiver of the slot's previous lap may still be
 * copying out of it: spin briefly, then recover it if its thread is dead.
 */
bool kipc_queue_room(struct kipc_queue *q)
{
	struct kipc_ring_slot *s;
	int spins;

	if (q->tail - q->head >= q->nslots) {
		kipc_queue_compact(q);
		if (q->tail - q->head >= q->nslots)
			return false;
	}
	s = kipc_queue_slot(q, q->tail);
	for (spins = 0; spins < 1000; spins++) {
		/* Pairs with the previous lap's receiver's release (R6). */
		if (smp_load_acquire(&s->seq) == q->tail)
			return true;
		cpu_relax();
	}
	if (kipc_ring_claimed(q, KIPC_LANE_RECV | (q->tail - q->nslots))) {
		q->stuck = true;
		return false;
	}
	/* Nobody living holds it: dead receiver, or a scribble. */
	kipc_ring_recover_recv(q, q->tail - q->nslots);
	WRITE_ONCE(s->seq, q->tail);
	return true;
}

/*
 * Byte counters and the high-water mark: the kernel's own plus the fast
 * path's, which each lane keeps (hints: a process can write them; they are
 * clamped where a bound exists).
 */
void kipc_queue_stat_lanes(struct kipc_queue *q, struct kipc_queue_stat *st)
{
	u32 i;

	st->bytes_sent = q->bytes_sent + q->lane_bytes_sent;
	st->bytes_received = q->bytes_received + q->lane_bytes_received;
	st->hwm_msgs = q->hwm_msgs;
	st->lanes = q->nlanes;
	for (i = 0; i < KIPC_RING_LANES; i++) {
		struct kipc_ring_lane *rec = &q->lane_rec[i];

		if (!q->lanes[i].owner)
			continue;
		st->bytes_sent += READ_ONCE(rec->bytes_sent);
		st->bytes_received += READ_ONCE(rec->bytes_received);
		st->hwm_msgs = max_t(u64, st->hwm_msgs,
				     min_t(u64, READ_ONCE(rec->hwm),
					   q->cap_msgs));
	}
}

/*
 * KIPC_IOC_RING_LANE could not tell the thread its lane: free it, as if the
 * thread had died, so that a failed call holds none.  It is still the
 * thread's: only the thread's death or the handle's release (the caller
 * holds it) reaps a lane.
 */
static void kipc_lane_give_back(struct kipc_queue *q, u32 i,
				struct kipc_handle *h)
{
	kipc_queue_enter(q);
	if (!WARN_ON_ONCE(q->lanes[i].owner != task_pid(current) ||
			  q->lanes[i].h != h)) {
		kipc_lane_reap(q, i);
		kipc_ring_pending(q);
	}
	kipc_queue_exit(q);
}

/* KIPC_IOC_RING_LANE: a lane record for the calling thread. */
int kipc_queue_cmd_lane(struct kipc_ucmd *ucmd)
{
	struct kipc_ring_lane_req *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	fmode_t rw = FMODE_READ | FMODE_WRITE;
	int ret = -ENOSPC;
	u32 i;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	if ((ucmd->file->f_mode & rw) != rw)
		return -EBADF;
	if (kipc_queue_enter_killable(q))
		return -EINTR;
	if (q->dead) {
		ret = -EIDRM;
		goto out;
	}
	if (q->nlanes == KIPC_RING_LANES)
		kipc_lanes_reap(q, NULL);
	for (i = 0; i < KIPC_RING_LANES; i++) {
		struct kipc_ring_lane *rec = &q->lane_rec[i];

		if (q->lanes[i].owner)
			continue;
		q->lanes[i].owner = get_pid(task_pid(current));
		q->lanes[i].h = ucmd->file->private_data;
		q->nlanes++;
		memset(rec, 0, sizeof(*rec));
		cmd->lane = i;
		ret = 0;
		break;
	}
out:
	kipc_queue_exit(q);
	if (ret)
		return ret;
	ret = kipc_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		kipc_lane_give_back(q, cmd->lane, ucmd->file->private_data);
	return ret;
}

/* KIPC_IOC_RING_KICK: enter and leave, which does all (ring.md §6). */
int kipc_queue_cmd_kick(struct kipc_ucmd *ucmd)
{
	struct kipc_ring_kick *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);

	if (cmd->flags)
		return -EINVAL;
	if (kipc_queue_enter_killable(q))
		return -EINTR;
	kipc_queue_exit(q);
	return 0;
}

/* A new queue's header page and slots (ring.md §2). */
void kipc_ring_init(struct kipc_queue *q)
{
	u32 i;

	q->hdr = q->ring;
	q->hdr->magic = KIPC_RING_MAGIC;
	q->hdr->version = KIPC_RING_VERSION;
	q->hdr->nslots = q->nslots;
	q->hdr->slot_size = q->slot_size;
	q->hdr->msgsize = q->msgsize;
	q->hdr->cap_msgs = q->cap_msgs;
	q->hdr->cap_bytes = q->cap_bytes;
	q->hdr->slots_offset = KIPC_RING_SLOTS_OFF;
	q->hdr->lanes_offset = KIPC_RING_LANES_OFF;
	q->hdr->nlanes = KIPC_RING_LANES;
	/* A fast sender checks the message capacity only (ring.md §2). */
	q->fastsend = q->cap_bytes >= (u64)q->cap_msgs * q->msgsize;
	if (q->fastsend)
		q->hdr->flags = KIPC_RING_FASTSEND;
	q->lane_rec = q->ring + KIPC_RING_LANES_OFF;
	for (i = 0; i < q->nslots; i++)
		kipc_queue_slot(q, i)->seq = i;
	/* A new queue is in fast mode, but for pipe mode (ring.md §1). */
	q->fast = !q->pipe;
	q->fast_shown = q->fast;
	if (q->pipe) {
		q->hdr->prod = KIPC_RING_SLOW;
		q->hdr->cons = KIPC_RING_SLOW;
	}
}

/*
 * For listings (/proc/kipc, KIPC_IOC_LIST), without q->lock, which a task
 * copying from slow memory may hold for as long as it likes: the kernel's
 * counts as of its last operation on the queue, plus, in fast mode, what
 * fast operations did since, read from the position words and checked as
 * enter checks them (E2).  Changes nothing; the fields may be a moment
 * apart, and a scribbled ring shows the kernel's counts only.
 */
void kipc_ring_snapshot(struct kipc_queue *q, struct kipc_queue_snap *snap)
{
	u64 head = READ_ONCE(q->head), tail = READ_ONCE(q->tail);
	u64 p, c, pos;

	snap->msgs = READ_ONCE(q->nmsgs);
	snap->bytes = READ_ONCE(q->nbytes);
	snap->sent = READ_ONCE(q->sent);
	snap->received = READ_ONCE(q->received);
	snap->waiters = READ_ONCE(q->nreceivers) + READ_ONCE(q->nsenders);
	if (!READ_ONCE(q->fast))
		return;
	c = READ_ONCE(q->hdr->cons);
	p = READ_ONCE(q->hdr->prod);
	if (((c | p) & KIPC_RING_SLOW) ||
	    !kipc_ring_plausible_from(q, head, tail, c, p))
		return;
	snap->msgs = p - c;
	snap->sent += p - tail;
	snap->received += c - head;
	/* Fast mode has no tombstones: every position in [c, p) is one. */
	snap->bytes = 0;
	for (pos = c; pos != p; pos++)
		snap->bytes += min(READ_ONCE(kipc_queue_slot(q, pos)->len),
				   q->msgsize);
}
