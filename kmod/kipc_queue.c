// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: FIFO message queues with typed, selective receive.
 *
 * The queue's state and storage are described in kipc_queue.h; the shared
 * ring's protocol, which lets mapped users send and receive without the
 * kernel, is in kipc_ring.c.  This file is the queue's semantics: what a
 * send, a receive, a destroy and a close do under the queue's lock.
 *
 * Indices, for selective receive without a scan: q->live, every LIVE
 * message in send (position) order; per type an entry of an rbtree holding
 * that type's LIVE messages in order.  KIPC_SEL_ANY is the first of
 * q->live, KIPC_SEL_EXACT an rbtree lookup, KIPC_SEL_LE the leftmost type,
 * KIPC_SEL_NOT walks q->live past the leading messages of the excluded
 * type only.
 *
 * Waiting: q->receivers and q->senders are lists of waiters living on
 * their tasks' stacks, or (receivers only) in an asynchronous receive's
 * allocation: io_uring's uring_cmd, woken by queueing its task work
 * (kipc_async_wake()) where a task is woken.  A message made visible goes to
 * the earliest waiting receiver whose selector matches (its slot becomes
 * RESERVED for it), so a LIVE message never matches a waiting receiver.  A
 * sender that must wait first copies its message into a kernel buffer;
 * whoever frees room admits the senders from the head while the head fits and
 * enqueues their messages for them, so admission order is arrival order and
 * nobody barges.  Both lists are FIFO, or in a KIPC_OPEN_PRIO_ORDER queue
 * sorted by the waiters' keys, FIFO among equal keys (kipc_waiter_insert()):
 * "earliest" and "head" then mean first in that order.
 *
 * Locking: q->lock, a mutex, protects everything that changes in a queue:
 * the ring and its positions, the kipc_queue_msg array, the indices, the waiter
 * lists and every queued waiter's state, the counters, the pipe-mode
 * reader/writer counts and "dead".  Nothing under it waits on a page fault
 * in user memory, since such a fault can last as long as its process likes
 * (userfaultfd, a file on a slow file system) and would stall the queue's
 * other users: user memory is touched under it only with page faults
 * disabled.  A send copies its message into a kernel buffer before taking
 * it (kipc_queue_send_load(), as mqueue's load_msg()); a send batch faults
 * its later entries' messages in before the hold that copies them.  A
 * receive copies out and writes its results under it when that needs no
 * fault; else it copies the message into a kernel buffer, holds the
 * message for itself (RESERVED), drops the lock to copy out and write the
 * results, and takes it back to take the message, or to put it back in
 * order if a copy faulted, so a fault loses nothing (kipc_queue_deliver()).
 * A batch's entries are read (sizes bounded by KIPC_SIZE_MAX) before it is
 * taken.
 * Every caller that can return an error takes it with
 * kipc_queue_enter_killable(); a receive taking it back to finish, with
 * mutex_lock(), waits only for holders that do not wait on user memory.
 * Nothing that can fault on a kipc mapping takes it, mmap (under the
 * mmap_lock) only tries it (kipc_ring_map()), and no global lock is taken
 * under it.
 * It is never taken under kipc_registry_lock (/proc/kipc and KIPC_IOC_LIST
 * drop that first) and nests inside io_uring's ring lock (uring_cmd
 * cancellation and task work).  Waking a sleeping waiter waits until it
 * is dropped (kipc_queue_wake_task(): a task woken under it would only run into
 * it); under it are called only kipc_async_wake(), the poll wait queue's
 * wake-up, kill_fasync() and, on rare paths, wake_up_process().  A waiter
 * reads its state only under the lock and returns only after it is off its
 * list, so a wake-up that arrives after it left is only spurious.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/eventfd.h>
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "kipc_queue.h"
#include "kipc_trace.h"

#if KIPC_HAVE_URING_CMD_CANCEL
#include <linux/io_uring/cmd.h>
#endif

static bool kipc_sel_match(u32 select, s64 want, s64 type)
{
	switch (select) {
	case KIPC_SEL_EXACT:
		return type == want;
	case KIPC_SEL_LE:
		return type <= want;
	case KIPC_SEL_NOT:
		return type != want;
	default:
		return true;
	}
}

/* ---- Copies --------------------------------------------------------- */

/* Copy n kernel bytes to dst's user memory or iov_iter. */
static int kipc_queue_put_out(struct kipc_queue_buf *dst, const void *src, u32 n)
{
	if (dst->iter)
		return copy_to_iter(src, n, dst->iter) == n ? 0 : -EFAULT;
	if (copy_to_user(dst->ubuf, src, n))
		return -EFAULT;
	dst->ubuf += n;
	return 0;
}

/*
 * Copy len bytes of q's ring at pos's data out (to user memory, or to
 * dst->kdst), a page at a time through each page's own address rather than
 * the ring's vmap(): hardened usercopy checks a vmalloc address by looking
 * its area up (find_vmap_area(): a spinlock and a tree walk), a page of
 * its own by its page alone.
 */
static int kipc_queue_copy_out(struct kipc_queue *q, struct kipc_queue_buf *dst,
			       u64 pos, u32 len)
{
	struct kipc_queue_buf d = *dst;
	size_t off = kipc_queue_data(q, pos) - q->ring;

	while (len) {
		u32 poff = offset_in_page(off);
		u32 n = min_t(u32, len, PAGE_SIZE - poff);
		char *p = kmap_local_page(q->shared.pages[off >> PAGE_SHIFT]);
		int ret = 0;

		if (d.kdst) {
			memcpy(d.kdst, p + poff, n);
			d.kdst += n;
		} else {
			ret = kipc_queue_put_out(&d, p + poff, n);
		}
		kunmap_local(p);
		if (ret)
			return ret;
		off += n;
		len -= n;
	}
	return 0;
}

/* ---- Indices -------------------------------------------------------- */

static struct kipc_queue_mtype *kipc_queue_mtype_find(struct kipc_queue *q, s64 type)
{
	struct rb_node *n = q->types.rb_root.rb_node;

	while (n) {
		struct kipc_queue_mtype *qt = rb_entry(n, struct kipc_queue_mtype, node);

		if (type < qt->type)
			n = n->rb_left;
		else if (type > qt->type)
			n = n->rb_right;
		else
			return qt;
	}
	return NULL;
}

/* The type's entry, made from the pool if new; never fails (see create). */
static struct kipc_queue_mtype *kipc_queue_mtype_get(struct kipc_queue *q, s64 type)
{
	struct rb_node **link = &q->types.rb_root.rb_node, *parent = NULL;
	struct kipc_queue_mtype *qt;
	bool leftmost = true;

	while (*link) {
		parent = *link;
		qt = rb_entry(parent, struct kipc_queue_mtype, node);
		if (type < qt->type) {
			link = &parent->rb_left;
		} else if (type > qt->type) {
			link = &parent->rb_right;
			leftmost = false;
		} else {
			return qt;
		}
	}
	qt = list_first_entry_or_null(&q->types_free, struct kipc_queue_mtype, free);
	if (WARN_ON_ONCE(!qt))
		return NULL;
	list_del(&qt->free);
	qt->type = type;
	INIT_LIST_HEAD(&qt->msgs);
	rb_link_node(&qt->node, parent, link);
	rb_insert_color_cached(&qt->node, &q->types, leftmost);
	return qt;
}

/*
 * Make m LIVE: put it in both indices at its place in position order.  A
 * new message goes at the tails at once; only a message put back (its
 * receiver faulted) walks back.
 */
static void kipc_queue_index(struct kipc_queue *q, struct kipc_queue_msg *m)
{
	struct kipc_queue_mtype *qt = kipc_queue_mtype_get(q, m->type);
	struct list_head *prev;

	m->state = KIPC_QM_LIVE;
	m->w = NULL;
	m->qt = qt;
	prev = q->live.prev;
	while (prev != &q->live &&
	       list_entry(prev, struct kipc_queue_msg, all)->pos > m->pos)
		prev = prev->prev;
	list_add(&m->all, prev);
	if (!qt)
		return;
	prev = qt->msgs.prev;
	while (prev != &qt->msgs &&
	       list_entry(prev, struct kipc_queue_msg, by_type)->pos > m->pos)
		prev = prev->prev;
	list_add(&m->by_type, prev);
}

void kipc_queue_unindex(struct kipc_queue *q, struct kipc_queue_msg *m)
{
	struct kipc_queue_mtype *qt = m->qt;

	list_del(&m->all);
	m->qt = NULL;
	if (!qt)
		return;
	list_del(&m->by_type);
	if (list_empty(&qt->msgs)) {
		rb_erase_cached(&qt->node, &q->types);
		list_add(&qt->free, &q->types_free);
	}
}

/* The first LIVE message the selector matches, in send order. */
static struct kipc_queue_msg *kipc_queue_find(struct kipc_queue *q, u32 select,
					      s64 type)
{
	struct kipc_queue_mtype *qt;
	struct kipc_queue_msg *m;
	struct rb_node *n;

	switch (select) {
	case KIPC_SEL_EXACT:
		qt = kipc_queue_mtype_find(q, type);
		break;
	case KIPC_SEL_LE:
		n = rb_first_cached(&q->types);
		qt = n ? rb_entry(n, struct kipc_queue_mtype, node) : NULL;
		if (qt && qt->type > type)
			qt = NULL;
		break;
	case KIPC_SEL_NOT:
		/* Only the leading run of the excluded type is passed. */
		list_for_each_entry(m, &q->live, all)
			if (m->type != type)
				return m;
		return NULL;
	default:
		return list_first_entry_or_null(&q->live, struct kipc_queue_msg,
						all);
	}
	if (!qt)
		return NULL;
	return list_first_entry_or_null(&qt->msgs, struct kipc_queue_msg, by_type);
}

static bool kipc_queue_fits(struct kipc_queue *q, u32 len)
{
	return q->nmsgs < q->cap_msgs && q->nbytes + len <= q->cap_bytes &&
	       kipc_queue_room(q);
}

/*
 * Under q->lock, which a poller takes after poll_wait() has queued it, so
 * the lock orders the two and no barrier is needed (wq_has_sleeper()'s).
 */
void kipc_queue_notify(struct kipc_queue *q, __poll_t mask, int band)
{
	lockdep_assert_held(&q->lock);
	/* No barrier: q->lock orders this against the poller (above). */
	if (waitqueue_active(&q->poll_wq))
		wake_up_interruptible_poll(&q->poll_wq, mask);
	kill_fasync(&q->fasync, SIGIO, band);
}

/* Wake task t once q->lock is dropped (struct kipc_wake_list). */
static void kipc_queue_wake_task(struct kipc_queue *q, struct task_struct *t)
{
	lockdep_assert_held(&q->lock);
	kipc_wake_list_add(&q->wake, t);
}

/* Drop q->lock, then wake the tasks kipc_queue_wake_task() queued. */
void kipc_queue_unlock_wake(struct kipc_queue *q)
{
	struct kipc_wake_list wake;

	kipc_wake_list_take(&q->wake, &wake);
	mutex_unlock(&q->lock);
	kipc_wake_list_wake(&wake);
}

/* Wake a queued waiter: its task, or its uring_cmd's resolve. */
static void kipc_queue_wake(struct kipc_queue *q, struct kipc_queue_sleeper *w)
{
	if (KIPC_HAVE_URING_CMD_CANCEL && w->async)
		kipc_async_wake(w->async);
	else
		kipc_queue_wake_task(q, w->task);
}

/*
 * A message became visible (new, or put back): hand it to the earliest
 * waiting receiver it matches, else make it LIVE.  Peeking receivers it
 * matches are woken and stay queued.
 */
void kipc_queue_publish(struct kipc_queue *q, struct kipc_queue_msg *m)
{
	struct kipc_queue_sleeper *w, *tmp;

	list_for_each_entry_safe(w, tmp, &q->receivers, node) {
		if (!kipc_sel_match(w->select, w->type, m->type))
			continue;
		if (w->peek) {
			kipc_queue_wake(q, w);
			continue;
		}
		list_del(&w->node);
		q->nreceivers--;
		if (m->len > w->bufsize && !w->truncate) {
			w->state = KIPC_QW_TOOBIG;
			w->msg_len = m->len;
			kipc_queue_wake(q, w);
			continue;
		}
		m->state = KIPC_QM_RESERVED;
		q->nreserved++;
		m->w = w;
		kipc_queue_slot(q, m->pos)->flags |= KIPC_SLOT_RESERVED;
		w->msg = m;
		w->state = KIPC_QW_DONE;
		trace_kipc_queue_handoff(q, w->task, m);
		kipc_queue_wake(q, w);
		return;
	}
	kipc_queue_index(q, m);
}

/*
 * Record the last sender or receiver, t's thread group, and the time, as
 * ipc/msg.c does with ipc_update_pid().  Under q->lock.
 */
static void kipc_queue_last(struct pid **who, time64_t *when,
			    struct task_struct *t)
{
	struct pid *pid = task_tgid(t);

	if (*who != pid) {
		put_pid(*who);
		*who = get_pid(pid);
	}
	*when = ktime_get_real_seconds();
}

/*
 * Append a message at tail, from a kernel buffer or, for a send batch's
 * later entries, from user memory without a page fault; nothing is visible
 * if that copy fails.
 */
static int kipc_queue_enqueue(struct kipc_queue *q, struct kipc_queue_buf *src, u32 len,
			      s64 type)
{
	struct kipc_ring_slot *s;
	struct kipc_queue_msg *m;
	u64 pos;

	lockdep_assert_held(&q->lock);
	pos = q->tail;
	s = kipc_queue_slot(q, pos);
	/*
	 * Callers checked kipc_queue_fits() under this lock, so by the kernel's own
	 * indices the slot is free.  Its seq word is not re-checked: a
	 * scribbler may have changed it since, and untrusted memory must not
	 * trip a kernel warning (it garbles only this queue's data).
	 */
	if (WARN_ON_ONCE(pos - q->head >= q->nslots))
		return -ENOSPC;
	if (src->kbuf) {
		memcpy(kipc_queue_data(q, pos), src->kbuf, len);
	} else if (len) {
		/*
		 * A send batch's later entry (KIPC_QOP_NOFAULT): nothing under
		 * q->lock may wait on a fault, so none is taken.
		 */
		int fault;

		pagefault_disable();
		fault = copy_from_user(kipc_queue_data(q, pos), src->ubuf, len);
		pagefault_enable();
		if (fault)
			return -EFAULT;
	}
	s->type = type;
	s->len = len;
	s->flags = 0;
	/* Publish the slot: a mapped reader sees data before seq. */
	smp_store_release(&s->seq, pos + 1);
	m = kipc_queue_meta(q, pos);
	m->pos = pos;
	m->type = type;
	m->len = len;
	q->tail = pos + 1;
	q->nmsgs++;
	q->nbytes += len;
	q->sent++;
	q->bytes_sent += len;
	q->hwm_msgs = max_t(u64, q->hwm_msgs, q->nmsgs);
	q->hwm_bytes = max(q->hwm_bytes, q->nbytes);
	kipc_queue_last(&q->lspid, &q->stime,
			src->waited ? src->sender : current);
	trace_kipc_queue_send(q, m);
	kipc_queue_arrive(q, m, !src->waited);
	return 0;
}

/*
 * Admit waiting senders from the head while the head fits, enqueueing their
 * messages for them.  Under q->lock, after room appeared.
 */
void kipc_queue_admit(struct kipc_queue *q)
{
	struct kipc_queue_sleeper *w;

	while (!q->dead && !list_empty(&q->senders)) {
		struct kipc_queue_buf src;

		w = list_first_entry(&q->senders, struct kipc_queue_sleeper, node);
		if (!kipc_queue_fits(q, w->len))
			break;
		list_del(&w->node);
		q->nsenders--;
		trace_kipc_queue_admit(q, w->task, w->len);
		src = (struct kipc_queue_buf){
			.kbuf = w->data,
			.waited = true,
			.sender = w->task,
		};
		/* A kernel copy cannot fail. */
		WARN_ON_ONCE(kipc_queue_enqueue(q, &src, w->len, w->mtype));
		w->state = KIPC_QW_DONE;
		kipc_queue_wake_task(q, w->task);
	}
}

/*
 * m (LIVE, already out of the indices, or RESERVED) leaves the queue:
 * received, or dropped by destroy.  head moves over the tombstones.
 */
static void kipc_queue_take(struct kipc_queue *q, struct kipc_queue_msg *m, bool drop)
{
	struct kipc_ring_slot *s = kipc_queue_slot(q, m->pos);

	if (m->state == KIPC_QM_RESERVED)
		q->nreserved--;
	m->state = KIPC_QM_TOMB;
	m->w = NULL;
	s->flags |= KIPC_SLOT_TAKEN;
	q->nmsgs--;
	q->nbytes -= m->len;
	if (drop) {
		q->dropped++;
	} else {
		q->received++;
		q->bytes_received += m->len;
		/* Only a receiver takes a message it received: current. */
		kipc_queue_last(&q->lrpid, &q->rtime, current);
		trace_kipc_queue_recv(q, m);
	}
	kipc_queue_advance(q);
	kipc_queue_admit(q);
	kipc_queue_notify(q, EPOLLOUT | EPOLLWRNORM, POLL_OUT);
}

/* ---- Sleeping ------------------------------------------------------- */

/*
 * Sleep with q->lock dropped until woken or the deadline; true if the
 * deadline passed.  The caller set TASK_INTERRUPTIBLE under the lock.
 * While the queue waits on another process (a fast sender filling a
 * position, a fast receiver copying out of the slot at tail), wake up every
 * KIPC_RING_RECHECK_MS to see whether that process died.
 */
static bool kipc_queue_sleep(struct kipc_queue *q, u32 flags, ktime_t deadline)
{
	clockid_t clock = flags & KIPC_MSG_REALTIME ? CLOCK_REALTIME :
						      CLOCK_MONOTONIC;
	u64 slack = current->timer_slack_ns;
	bool stuck = q->stuck, timed_out = false;

	kipc_ring_exit(q);
	kipc_queue_unlock_wake(q);
	if (stuck) {
		schedule_timeout(msecs_to_jiffies(KIPC_RING_RECHECK_MS) + 1);
		if (flags & KIPC_MSG_TIMED)
			timed_out = ktime_after(clock == CLOCK_REALTIME ?
						ktime_get_real() : ktime_get(),
						deadline);
	} else if (flags & KIPC_MSG_TIMED) {
		timed_out = !schedule_hrtimeout_range_clock(&deadline, slack,
							    HRTIMER_MODE_ABS,
							    clock);
	} else {
		schedule();
	}
	kipc_queue_enter(q);
	return timed_out;
}

/*
 * One round of a wait loop, after the caller found nothing to return:
 * -EINTR on a signal, -ETIMEDOUT once the deadline passed, else sleep and 0.
 */
static int kipc_queue_wait_round(struct kipc_queue *q, u32 flags,
				 ktime_t deadline, bool *timed_out)
{
	if (signal_pending(current))
		return -EINTR;
	if (*timed_out)
		return -ETIMEDOUT;
	set_current_state(TASK_INTERRUPTIBLE);
	*timed_out = kipc_queue_sleep(q, flags, deadline);
	__set_current_state(TASK_RUNNING);
	return 0;
}

static int kipc_queue_lock(struct kipc_queue *q, u32 flags)
{
	if (flags & KIPC_QOP_LOCKED) {
		lockdep_assert_held(&q->lock);
		return 0;
	}
	if (!(flags & KIPC_QOP_TRYLOCK))
		return kipc_queue_enter_killable(q);
	if (!mutex_trylock(&q->lock))
		return -EAGAIN;
	kipc_ring_enter(q);
	return 0;
}

static void kipc_queue_unlock(struct kipc_queue *q, u32 flags)
{
	if (!(flags & KIPC_QOP_LOCKED))
		kipc_queue_exit(q);
}

static bool kipc_queue_broken(struct kipc_queue *q)
{
	return q->pipe && q->had_reader && !q->readers;
}

/* Pipe mode: no writer left, so a receive finding nothing is at EOF. */
static bool kipc_queue_eof(struct kipc_queue *q)
{
	return q->pipe && q->had_writer && !q->writers;
}

/* ---- Send ----------------------------------------------------------- */

static int kipc_queue_key_of(const struct list_head *node)
{
	return list_entry(node, struct kipc_queue_sleeper, node)->key;
}

/* Queue w on list (q->senders or q->receivers) in q's order. */
static void kipc_queue_wait_on(struct kipc_queue *q, struct list_head *list,
			       struct kipc_queue_sleeper *w)
{
	kipc_waiter_insert(list, &w->node, w->key, q->obj.prio_order,
			   kipc_queue_key_of);
}

/*
 * Would a sender of key, queued now, be behind a waiting sender?  In
 * arrival order behind any; in priority order behind the head (the list
 * being sorted) if its key is not greater.  Under q->lock.
 */
static bool kipc_queue_sender_ahead(struct kipc_queue *q, int key)
{
	if (list_empty(&q->senders))
		return false;
	return !q->obj.prio_order ||
	       kipc_queue_key_of(q->senders.next) <= key;
}

static int kipc_queue_send_wait(struct kipc_queue *q, struct kipc_queue_buf *src,
				u32 len, s64 type, u32 flags, ktime_t deadline)
{
	struct kipc_queue_sleeper w = {
		.task = current,
		.state = KIPC_QW_WAITING,
		.key = kipc_waiter_key(current),
		.len = len,
		.mtype = type,
	};
	bool timed_out = false, head;
	int ret;

	/* The message is in a kernel buffer, so that it can be admitted for us. */
	w.data = src->kbuf;

	ret = kipc_queue_enter_killable(q);
	if (ret)
		return ret;
	if (q->dead) {
		ret = -EIDRM;
		goto out_unlock;
	}
	if (kipc_queue_broken(q)) {
		ret = -EPIPE;
		goto out_unlock;
	}
	if (!kipc_queue_sender_ahead(q, w.key) && kipc_queue_fits(q, len)) {
		ret = kipc_queue_enqueue(q, src, len, type);
		goto out_unlock;
	}
	kipc_queue_wait_on(q, &q->senders, &w);
	q->nsenders++;
	trace_kipc_queue_block(q, current, true);
	for (;;) {
		/* Admission wins over a signal or deadline arriving with it. */
		if (w.state != KIPC_QW_WAITING)
			break;
		if (kipc_queue_broken(q)) {
			ret = -EPIPE;
			goto leave;
		}
		ret = kipc_queue_wait_round(q, flags, deadline, &timed_out);
		if (ret)
			goto leave;
	}
	ret = w.state == KIPC_QW_DONE ? 0 : -EIDRM;
	goto out_unlock;
leave:
	head = q->senders.next == &w.node;
	list_del(&w.node);
	q->nsenders--;
	if (head)
		kipc_queue_admit(q);
out_unlock:
	kipc_queue_exit(q);
	return ret;
}

/*
 * Copy a message from user memory into a kernel buffer before q->lock is
 * taken, as mqueue's load_msg() does: on the stack up to
 * KIPC_QCOPY_STACK bytes, else allocated and charged to the sender's
 * memory cgroup (like a waiting sender's copy always was).  *k then
 * describes it and *heap is what to free.  A copy that faults leaves src
 * as it was (an iov_iter is reverted) and returns -EFAULT; the caller
 * reports it only after the errors of a destroyed, broken or full queue,
 * as it did when it copied under the lock.
 */
static int kipc_queue_send_load(struct kipc_queue_buf *src, u32 len, void *stack,
				struct kipc_queue_buf *k, void **heap)
{
	void *data = stack;
	size_t n;

	*heap = NULL;
	if (len > KIPC_QCOPY_STACK) {
		*heap = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!*heap)
			return -ENOMEM;
		data = *heap;
	}
	if (src->iter) {
		n = copy_from_iter(data, len, src->iter);
		if (n != len) {
			iov_iter_revert(src->iter, n);
			goto fault;
		}
	} else if (copy_from_user(data, src->ubuf, len)) {
		goto fault;
	}
	*k = (struct kipc_queue_buf){ .kbuf = data };
	return 0;
fault:
	kvfree(*heap);
	*heap = NULL;
	return -EFAULT;
}

/*
 * Send one message.  From user memory it is copied in before q->lock is
 * taken, except a batch's later entries (KIPC_QOP_NOFAULT), copied in
 * under it only if that needs no page fault.
 */
static int kipc_queue_send(struct kipc_queue *q, struct kipc_handle *h,
			   struct kipc_queue_buf *src, u32 len, s64 type, u32 flags,
			   ktime_t deadline)
{
	u8 stack[KIPC_QCOPY_STACK] __aligned(8);
	struct kipc_queue_buf k;
	void *heap = NULL;
	int ret, fault = 0;

	if (len > q->msgsize)
		return -EMSGSIZE;
	if (len && !src->kbuf && !(flags & KIPC_QOP_NOFAULT)) {
		fault = kipc_queue_send_load(src, len, stack, &k, &heap);
		if (fault == -ENOMEM)
			return fault;
		if (!fault)
			src = &k;
	}
	ret = kipc_queue_lock(q, flags);
	if (ret)
		goto out_free;
	if (q->dead) {
		ret = -EIDRM;
	} else if (kipc_queue_broken(q)) {
		ret = -EPIPE;
	} else if (!kipc_queue_sender_ahead(q, kipc_waiter_key(current)) &&
		   kipc_queue_fits(q, len)) {
		ret = fault ?: kipc_queue_enqueue(q, src, len, type);
	} else if (flags & KIPC_MSG_NONBLOCK) {
		ret = -EAGAIN;
	} else {
		kipc_queue_exit(q);
		ret = fault ?: kipc_queue_send_wait(q, src, len, type, flags,
						    deadline);
		goto out;
	}
	kipc_queue_unlock(q, flags);
out:
	if (ret == -EPIPE && !(flags & KIPC_MSG_NOSIGNAL) &&
	    !(h->q_flags & KIPC_QUEUE_NOSIGPIPE))
		send_sig(SIGPIPE, current, 0);
out_free:
	kvfree(heap);
	return ret;
}

/* ---- Receive -------------------------------------------------------- */

struct kipc_queue_recv {
	u32 select;
	s64 type;		/* in: selector's; out: the message's */
	u32 bufsize;
	u32 flags;
	ktime_t deadline;
	u32 msg_len;		/* out: the full length */
	/*
	 * Where the results go, if anywhere (not for read(2)): KIPC_IOC_RECV's
	 * struct, or a batch's entry (its kernel copy and its user address).
	 * They are written before the message is taken ("responded"), so a
	 * receive that cannot report leaves the message queued.
	 */
	struct kipc_ucmd *ucmd;
	struct kipc_mmsg *entry;
	void __user *uentry;
	u32 entry_size;
	bool responded;
	/* Where the message is copied under q->lock (kipc_queue_deliver()). */
	void *bounce;
	u32 bounce_size;
	bool bounce_heap;
};

/* Write KIPC_IOC_RECV's outputs for the result ret of kipc_queue_recv(). */
static int kipc_queue_recv_respond(struct kipc_ucmd *ucmd, struct kipc_queue_recv *r,
				   int ret)
{
	struct kipc_recv __user *u = ucmd->ubuffer;

	if ((ret < 0 && ret != -EMSGSIZE) || r->responded)
		return ret;
	/*
	 * Only the two outputs (within every accepted size: the minimum ends
	 * at tv_nsec); the rest is the caller's input, left as it was.
	 */
	if (put_user(ret < 0 ? 0 : r->type, &u->type) ||
	    put_user((u64)r->msg_len, &u->msg_len))
		return -EFAULT;
	r->responded = true;
	return ret;
}

/* A batch entry's results: its type and full length. */
static int kipc_queue_recv_respond_entry(struct kipc_queue_recv *r)
{
	r->entry->type = r->type;
	r->entry->msg_len = r->msg_len;
	if (copy_to_user(r->uentry, r->entry, r->entry_size))
		return -EFAULT;
	r->responded = true;
	return 0;
}

/*
 * A RESERVED message its receiver did not take (a fault, a cancelled
 * uring_cmd) goes back in order: to the next waiting receiver it matches,
 * else LIVE; dropped if the queue was destroyed meanwhile.
 */
static void kipc_queue_unreserve(struct kipc_queue *q, struct kipc_queue_msg *m)
{
	kipc_queue_slot(q, m->pos)->flags &= ~KIPC_SLOT_RESERVED;
	if (q->dead) {
		kipc_queue_take(q, m, true);
	} else {
		q->nreserved--;
		kipc_queue_publish(q, m);
	}
}

/* Write the results of receiving a message of len bytes, if any go back. */
static int kipc_queue_recv_results(struct kipc_queue_recv *r, u32 len)
{
	int ret = 0;

	if (r->ucmd) {
		ret = kipc_queue_recv_respond(r->ucmd, r, len);
		ret = ret < 0 ? ret : 0;
	} else if (r->entry) {
		ret = kipc_queue_recv_respond_entry(r);
	}
	return ret;
}

/*
 * m (LIVE, or RESERVED for w already) becomes RESERVED for w: out of the
 * indices, so nobody else can take it; compaction, if it moves m, tells
 * w (w->msg).
 */
static void kipc_queue_claim(struct kipc_queue *q, struct kipc_queue_msg *m,
			     struct kipc_queue_sleeper *w)
{
	if (m->state == KIPC_QM_LIVE) {
		kipc_queue_unindex(q, m);
		m->state = KIPC_QM_RESERVED;
		q->nreserved++;
		kipc_queue_slot(q, m->pos)->flags |= KIPC_SLOT_RESERVED;
	}
	m->w = w;
	w->msg = m;
}

/*
 * A kernel buffer of n bytes, while q->lock is held: at once if memory is
 * there, else with the lock dropped while it is found, so that nobody
 * waits for reclaim behind it (messages RESERVED meanwhile may have been
 * moved: their w->msg says where).  NULL if there is none.
 */
static void *kipc_queue_bounce_alloc(struct kipc_queue *q, size_t n)
{
	void *p = kmalloc(n, GFP_NOWAIT | __GFP_ACCOUNT | __GFP_NOWARN);

	if (p)
		return p;
	kipc_queue_exit(q);
	p = kvmalloc(n, GFP_KERNEL_ACCOUNT);
	kipc_queue_enter(q);
	return p;
}

/*
 * r->bounce: KIPC_QCOPY_STACK bytes on the caller's stack, which a longer
 * message outgrows (kipc_queue_deliver()).  A peek cannot let q->lock go
 * before it copies (the message is not held for it), so its buffer is
 * made before the lock is taken, as long as its longest copy.
 */
static int kipc_queue_bounce_get(struct kipc_queue *q, struct kipc_queue_recv *r,
				 void *stack)
{
	u32 n = min(r->bufsize, q->msgsize);

	r->bounce = stack;
	r->bounce_size = KIPC_QCOPY_STACK;
	r->bounce_heap = false;
	if (!(r->flags & KIPC_MSG_PEEK) || n <= KIPC_QCOPY_STACK)
		return 0;
	r->bounce = kvmalloc(n, GFP_KERNEL_ACCOUNT);
	if (!r->bounce)
		return -ENOMEM;
	r->bounce_size = n;
	r->bounce_heap = true;
	return 0;
}

static void kipc_queue_bounce_put(struct kipc_queue_recv *r)
{
	if (r->bounce_heap)
		kvfree(r->bounce);
	r->bounce = NULL;
	r->bounce_heap = false;
}

/*
 * Copy m out, write the results and, unless peeking, take m, all under
 * q->lock, but only if the copies need no page fault (page faults
 * disabled: a copy that would fault fails at once instead of waiting), so
 * that nothing under the lock waits on the caller's memory.  The usual
 * case, a buffer the caller just used; false if a fault would be needed,
 * with m as it was and an iov_iter put back as it was.
 */
static bool kipc_queue_deliver_nofault(struct kipc_queue *q, struct kipc_queue_msg *m,
				       struct kipc_queue_buf *dst,
				       struct kipc_queue_recv *r, u32 n)
{
	size_t before = dst->iter ? iov_iter_count(dst->iter) : 0;
	int ret;

	pagefault_disable();
	ret = kipc_queue_copy_out(q, dst, m->pos, n);
	if (!ret)
		ret = kipc_queue_recv_results(r, m->len);
	pagefault_enable();
	if (ret) {
		if (dst->iter)
			iov_iter_revert(dst->iter,
					before - iov_iter_count(dst->iter));
		return false;
	}
	if (r->flags & KIPC_MSG_PEEK)
		return true;
	if (m->state == KIPC_QM_LIVE)
		kipc_queue_unindex(q, m);
	/* Admitting senders may compact the ring: m is not used after. */
	kipc_queue_take(q, m, false);
	return true;
}

/*
 * Deliver m (LIVE, or RESERVED for w) to the caller: copy it and write the
 * results; unless peeking, take it.  q->lock is held on entry and on
 * return, and nothing under it waits on the caller's memory, which may
 * fault for as long as the caller likes (userfaultfd, a slow file): the
 * copies are made under the lock only if they need no fault
 * (kipc_queue_deliver_nofault()).  Otherwise the message is copied into
 * r->bounce (kernel memory) under the lock and out to the caller with it
 * dropped, as mqueue's store_msg() copies out after its spinlock.
 * Meanwhile the message is RESERVED for w, so that nobody else takes it; a
 * copy that faults puts it back in order (a LIVE one where it was, a
 * handed one to the next receiver), so a fault loses nothing.  A peek
 * leaves m as it was: others may take it meanwhile, as they could just
 * after the peek.  The lock is taken back with mutex_lock(): nobody holds
 * it across anything that waits on user memory.
 */
static int kipc_queue_deliver(struct kipc_queue *q, struct kipc_queue_msg *m,
			      struct kipc_queue_buf *dst, struct kipc_queue_recv *r,
			      struct kipc_queue_sleeper *w)
{
	u32 n = min(m->len, r->bufsize), len = m->len;
	bool peek = r->flags & KIPC_MSG_PEEK;
	struct kipc_queue_buf k;
	int ret;

	r->type = m->type;
	r->msg_len = m->len;
	if (kipc_queue_deliver_nofault(q, m, dst, r, n))
		return len;
	if (!peek)
		kipc_queue_claim(q, m, w);
	if (n > r->bounce_size) {
		/* Not a peek's: it was made long enough. */
		void *p = kipc_queue_bounce_alloc(q, n);

		m = w->msg;
		if (!p) {
			kipc_queue_unreserve(q, m);
			return -ENOMEM;
		}
		kipc_queue_bounce_put(r);
		r->bounce = p;
		r->bounce_size = n;
		r->bounce_heap = true;
	}
	k = (struct kipc_queue_buf){ .kdst = r->bounce };
	kipc_queue_copy_out(q, &k, m->pos, n);
	kipc_queue_exit(q);
	ret = kipc_queue_put_out(dst, r->bounce, n);
	if (!ret)
		ret = kipc_queue_recv_results(r, len);
	kipc_queue_enter(q);
	if (peek)
		return ret ? ret : len;
	/* Compaction may have moved it meanwhile. */
	m = w->msg;
	if (ret) {
		kipc_queue_unreserve(q, m);
		return ret;
	}
	/* Admitting senders may compact the ring: m is not used after. */
	kipc_queue_take(q, m, false);
	return len;
}

/* Under q->lock: a message now, EOF (0 with type 0), or -errno. */
static int kipc_queue_recv_now(struct kipc_queue *q, struct kipc_queue_buf *dst,
			       struct kipc_queue_recv *r, bool *found,
			       struct kipc_queue_sleeper *w)
{
	struct kipc_queue_msg *m = kipc_queue_find(q, r->select, r->type);

	*found = true;
	if (m) {
		if (m->len > r->bufsize && !(r->flags & KIPC_MSG_TRUNCATE)) {
			r->msg_len = m->len;
			return -EMSGSIZE;
		}
		return kipc_queue_deliver(q, m, dst, r, w);
	}
	if (kipc_queue_eof(q)) {
		r->type = 0;
		r->msg_len = 0;
		return 0;
	}
	*found = false;
	return -EAGAIN;
}

static int kipc_queue_recv(struct kipc_queue *q, struct kipc_queue_buf *dst,
			   struct kipc_queue_recv *r)
{
	struct kipc_queue_sleeper w = {
		.task = current,
		.state = KIPC_QW_WAITING,
		.key = kipc_waiter_key(current),
		.select = r->select,
		.type = r->type,
		.bufsize = r->bufsize,
		.truncate = r->flags & KIPC_MSG_TRUNCATE,
		.peek = r->flags & KIPC_MSG_PEEK,
	};
	u8 stack[KIPC_QCOPY_STACK] __aligned(8);
	bool timed_out = false, found;
	int ret;

	ret = kipc_queue_bounce_get(q, r, stack);
	if (ret)
		return ret;
	ret = kipc_queue_lock(q, r->flags);
	if (ret)
		goto out_free;
	if (q->dead) {
		ret = -EIDRM;
		goto out_unlock;
	}
	ret = kipc_queue_recv_now(q, dst, r, &found, &w);
	if (found || (r->flags & KIPC_MSG_NONBLOCK))
		goto out_unlock;

	kipc_queue_wait_on(q, &q->receivers, &w);
	q->nreceivers++;
	trace_kipc_queue_block(q, current, false);
	for (;;) {
		/* A handed message wins over a signal or deadline. */
		if (w.state != KIPC_QW_WAITING)
			break;
		if ((w.peek && kipc_queue_find(q, r->select, r->type)) ||
		    kipc_queue_eof(q)) {
			/* Off the list first: a delivery drops q->lock. */
			list_del(&w.node);
			q->nreceivers--;
			ret = kipc_queue_recv_now(q, dst, r, &found, &w);
			goto out_unlock;
		}
		ret = kipc_queue_wait_round(q, r->flags, r->deadline, &timed_out);
		if (ret)
			goto leave;
	}
	switch (w.state) {
	case KIPC_QW_DONE:
		ret = kipc_queue_deliver(q, w.msg, dst, r, &w);
		break;
	case KIPC_QW_TOOBIG:
		r->msg_len = w.msg_len;
		ret = -EMSGSIZE;
		break;
	default:
		ret = -EIDRM;
		break;
	}
	goto out_unlock;
leave:
	list_del(&w.node);
	q->nreceivers--;
out_unlock:
	kipc_queue_unlock(q, r->flags);
out_free:
	kipc_queue_bounce_put(r);
	return ret;
}

/* ---- ioctls --------------------------------------------------------- */

static int kipc_queue_deadline(u32 flags, s64 sec, s64 nsec, ktime_t *deadline)
{
	return kipc_deadline(flags, KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED,
			     KIPC_MSG_REALTIME, sec, nsec, deadline);
}

static int kipc_queue_check_select(u32 select, s64 type)
{
	if (select > KIPC_SEL_NOT)
		return -EINVAL;
	if (select == KIPC_SEL_ANY)
		return type ? -EINVAL : 0;
	return type > 0 ? 0 : -EINVAL;
}

static int kipc_queue_cmd_send(struct kipc_ucmd *ucmd)
{
	struct kipc_send *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct kipc_queue_buf src = { .ubuf = u64_to_user_ptr(cmd->buf) };
	ktime_t deadline;
	int ret;

	if ((cmd->flags & ~KIPC_SEND_FLAGS) || cmd->__reserved ||
	    cmd->type <= 0)
		return -EINVAL;
	ret = kipc_queue_deadline(cmd->flags, cmd->tv_sec, cmd->tv_nsec, &deadline);
	if (ret)
		return ret;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	return kipc_queue_send(q, ucmd->file->private_data, &src, cmd->len,
			  cmd->type, cmd->flags, deadline);
}

/* Check KIPC_IOC_RECV's struct; r and dst for kipc_queue_recv(). */
static int kipc_queue_recv_prepare(struct kipc_ucmd *ucmd, struct kipc_queue_recv *r,
				   struct kipc_queue_buf *dst)
{
	struct kipc_recv *cmd = ucmd->cmd;
	int ret;

	if (cmd->flags & ~KIPC_RECV_FLAGS)
		return -EINVAL;
	ret = kipc_queue_check_select(cmd->select, cmd->type);
	if (ret)
		return ret;
	*r = (struct kipc_queue_recv){
		.select = cmd->select,
		.type = cmd->type,
		.bufsize = cmd->len,
		.flags = cmd->flags,
		.ucmd = ucmd,
	};
	ret = kipc_queue_deadline(cmd->flags, cmd->tv_sec, cmd->tv_nsec,
				  &r->deadline);
	if (ret)
		return ret;
	if (!(ucmd->file->f_mode & FMODE_READ))
		return -EBADF;
	*dst = (struct kipc_queue_buf){ .ubuf = u64_to_user_ptr(cmd->buf) };
	return 0;
}

static int kipc_queue_cmd_recv(struct kipc_ucmd *ucmd)
{
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct kipc_queue_recv r;
	struct kipc_queue_buf dst;
	int ret;

	ret = kipc_queue_recv_prepare(ucmd, &r, &dst);
	if (ret)
		return ret;
	return kipc_queue_recv_respond(ucmd, &r, kipc_queue_recv(q, &dst, &r));
}

/* Where entry i of a batch is in user memory. */
static void __user *kipc_queue_batch_entry(const struct kipc_batch *cmd, u32 i)
{
	return u64_to_user_ptr(cmd->msgs + (u64)i * cmd->entry_size);
}

/* Read one entry of a batch with the size rules of the ioctl structs. */
static int kipc_queue_batch_get(const struct kipc_batch *cmd, u32 i,
				struct kipc_mmsg *mm)
{
	return copy_struct_from_user(mm, sizeof(*mm),
				     kipc_queue_batch_entry(cmd, i),
				     cmd->entry_size);
}

/*
 * Read a batch's entries into a kernel array before q->lock is taken, so
 * that neither the copies nor the checks of their zero tails happen under
 * it.  Reading stops at the first entry that fails (a send's also at one
 * that is invalid): *nr is the number of good entries before it, *err its
 * error, which is what the loop reports if it gets that far.  NULL if out
 * of memory.
 */
static struct kipc_mmsg *kipc_queue_batch_read(const struct kipc_batch *cmd,
					       bool send, u32 *nr, int *err)
{
	struct kipc_mmsg *mms;
	int ret = 0;
	u32 i;

	mms = kvmalloc_array(cmd->count, sizeof(*mms), GFP_KERNEL_ACCOUNT);
	if (!mms)
		return NULL;
	for (i = 0; i < cmd->count; i++) {
		ret = kipc_queue_batch_get(cmd, i, &mms[i]);
		if (!ret && send && (mms[i].type <= 0 || mms[i].msg_len))
			ret = -EINVAL;
		if (ret)
			break;
	}
	*nr = i;
	*err = ret;
	return mms;
}

static int kipc_queue_batch_check(const struct kipc_batch *cmd, u32 allowed,
				  ktime_t *deadline)
{
	if ((cmd->flags & ~allowed) || cmd->__reserved ||
	    !cmd->count || cmd->count > KIPC_BATCH_MAX ||
	    cmd->entry_size < sizeof(struct kipc_mmsg) ||
	    cmd->entry_size % 8)
		return -EINVAL;
	/* Bounds the copy-in and its zero-tail check, like "size". */
	if (cmd->entry_size > KIPC_SIZE_MAX)
		return -E2BIG;
	return kipc_queue_deadline(cmd->flags, cmd->tv_sec, cmd->tv_nsec, deadline);
}

/*
 * Before a send batch's later entries (mms[1] on) are sent in one hold of
 * q->lock, fault their messages' pages in, so that under it they are
 * copied without waiting on a fault (KIPC_QOP_NOFAULT), as
 * generic_perform_write() faults a write's source in before it takes the
 * page.  Only as many as the queue can hold at once (its capacity in
 * messages and bytes) are looked at: nothing leaves the queue during that
 * hold, so the next entry could not fit and would stop the batch.  Stops
 * before an entry that cannot be read, where the batch stops.  Returns how
 * many entries after the first are ready.
 */
static u32 kipc_queue_send_prefault(struct kipc_queue *q,
				    const struct kipc_mmsg *mms, u32 nr)
{
	u64 bytes = 0;
	u32 n;

	for (n = 0; 1 + n < nr && n < q->cap_msgs; n++) {
		const struct kipc_mmsg *mm = &mms[1 + n];

		bytes += mm->len;
		if (bytes > q->cap_bytes ||
		    fault_in_readable(u64_to_user_ptr(mm->buf), mm->len))
			break;
	}
	return n;
}

static int kipc_queue_cmd_send_batch(struct kipc_ucmd *ucmd)
{
	struct kipc_batch *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct kipc_handle *h = ucmd->file->private_data;
	struct kipc_queue_buf src;
	struct kipc_mmsg *mms;
	ktime_t deadline;
	u32 done, nr, rest;
	int ret;

	ret = kipc_queue_batch_check(cmd, KIPC_SEND_FLAGS, &deadline);
	if (ret)
		return ret;
	if (cmd->select || cmd->type)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	mms = kipc_queue_batch_read(cmd, true, &nr, &ret);
	if (!mms)
		return -ENOMEM;
	if (!nr)
		goto out;
	/* The first entry may wait, as a single send. */
	src = (struct kipc_queue_buf){ .ubuf = u64_to_user_ptr(mms[0].buf) };
	ret = kipc_queue_send(q, h, &src, mms[0].len, mms[0].type, cmd->flags,
			      deadline);
	if (ret)
		goto out;
	ret = 1;
	if (nr == 1)
		goto out;
	/*
	 * The rest do not wait, in one hold.  A message the fault-in above
	 * readied but that still faults (unmapped or evicted meanwhile) ends
	 * the batch there, like one that cannot be read.
	 */
	rest = kipc_queue_send_prefault(q, mms, nr);
	done = 1;
	if (rest && !kipc_queue_enter_killable(q)) {
		u32 flags = (cmd->flags & ~(KIPC_MSG_TIMED | KIPC_MSG_REALTIME)) |
			    KIPC_MSG_NONBLOCK | KIPC_QOP_LOCKED | KIPC_QOP_NOFAULT;

		for (; done <= rest; done++) {
			src = (struct kipc_queue_buf){
				.ubuf = u64_to_user_ptr(mms[done].buf),
			};
			if (kipc_queue_send(q, h, &src, mms[done].len,
					    mms[done].type, flags, 0))
				break;
		}
		kipc_queue_exit(q);
	}
	ret = done;
out:
	kvfree(mms);
	return ret;
}

/*
 * A receive batch's entries after the first (mms[1] to mms[nr - 1]), in
 * one hold of q->lock, each receiving the message a single non-blocking
 * receive would find then.  As in kipc_queue_deliver(), an entry whose
 * buffer and results need no page fault is copied out and taken at once;
 * from the first that would fault on, the messages are copied into one
 * kernel buffer and RESERVED for their entries, copied out and their
 * entries written with the lock dropped, and then, with it held again,
 * taken up to the first entry that faulted, the rest put back in order.
 * An entry that finds pipe-mode end-of-file is written (type 0, length 0)
 * and ends the batch.  Returns how many entries received a message.
 */
static u32 kipc_queue_recv_rest(struct kipc_queue *q, const struct kipc_batch *cmd,
				struct kipc_mmsg *mms, u32 nr)
{
	struct kipc_queue_recv r = { .entry_size = min_t(u32, cmd->entry_size,
							 sizeof(*mms)) };
	struct kipc_queue_sleeper *ws;
	u32 i, first = 1, n = 0, done;
	size_t bytes = 0, off;
	bool eof = false;
	char *buf = NULL;

	ws = kvcalloc(nr - 1, sizeof(*ws), GFP_KERNEL_ACCOUNT);
	if (!ws)
		return 0;
	if (kipc_queue_enter_killable(q)) {
		kvfree(ws);
		return 0;
	}
	while (!q->dead && first + n < nr) {
		struct kipc_mmsg *mm = &mms[first + n];
		struct kipc_queue_msg *m = kipc_queue_find(q, cmd->select,
							  cmd->type);
		struct kipc_queue_buf dst = { .ubuf = u64_to_user_ptr(mm->buf) };

		if (!m) {
			eof = kipc_queue_eof(q);
			break;
		}
		if (m->len > mm->len && !(cmd->flags & KIPC_MSG_TRUNCATE))
			break;
		r.entry = mm;
		r.uentry = kipc_queue_batch_entry(cmd, first + n);
		r.type = m->type;
		r.msg_len = m->len;
		if (!n && kipc_queue_deliver_nofault(q, m, &dst, &r,
						     min(m->len, mm->len))) {
			first++;
			continue;
		}
		ws[n].type = m->type;
		ws[n].msg_len = m->len;
		ws[n].bufsize = min(m->len, mm->len);
		bytes += ws[n].bufsize;
		kipc_queue_claim(q, m, &ws[n]);
		n++;
	}
	if (bytes)
		buf = kipc_queue_bounce_alloc(q, bytes);
	if (bytes && !buf) {
		/* None of these is received: all go back, in order. */
		for (i = 0; i < n; i++)
			kipc_queue_unreserve(q, ws[i].msg);
		n = 0;
		eof = false;
	}
	for (i = 0, off = 0; i < n; off += ws[i].bufsize, i++) {
		struct kipc_queue_buf k = { .kdst = buf + off };

		kipc_queue_copy_out(q, &k, ws[i].msg->pos, ws[i].bufsize);
	}
	kipc_queue_exit(q);

	for (done = 0, off = 0; done < n; off += ws[done].bufsize, done++) {
		struct kipc_mmsg *mm = &mms[first + done];
		struct kipc_queue_buf dst = { .ubuf = u64_to_user_ptr(mm->buf) };

		r.entry = mm;
		r.uentry = kipc_queue_batch_entry(cmd, first + done);
		r.type = ws[done].type;
		r.msg_len = ws[done].msg_len;
		if (kipc_queue_put_out(&dst, buf + off, ws[done].bufsize) ||
		    kipc_queue_recv_respond_entry(&r))
			break;
	}
	if (done == n && eof) {
		r.entry = &mms[first + n];
		r.uentry = kipc_queue_batch_entry(cmd, first + n);
		r.type = 0;
		r.msg_len = 0;
		kipc_queue_recv_respond_entry(&r);
	}
	if (n) {
		kipc_queue_enter(q);
		/* Compaction may have moved them meanwhile: ws[i].msg says. */
		for (i = 0; i < n; i++) {
			if (i < done)
				kipc_queue_take(q, ws[i].msg, false);
			else
				kipc_queue_unreserve(q, ws[i].msg);
		}
		kipc_queue_exit(q);
	}
	kvfree(buf);
	kvfree(ws);
	return first - 1 + done;
}

static int kipc_queue_cmd_recv_batch(struct kipc_ucmd *ucmd)
{
	struct kipc_batch *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct kipc_queue_recv r = {
		.flags = cmd->flags,
		.select = cmd->select,
		.type = cmd->type,
		.entry_size = min_t(u32, cmd->entry_size, sizeof(struct kipc_mmsg)),
	};
	struct kipc_queue_buf dst;
	struct kipc_mmsg *mms;
	u32 nr;
	int ret;

	ret = kipc_queue_batch_check(cmd, KIPC_RECV_FLAGS & ~KIPC_MSG_PEEK,
				     &r.deadline);
	if (ret)
		return ret;
	ret = kipc_queue_check_select(cmd->select, cmd->type);
	if (ret)
		return ret;
	if (!(ucmd->file->f_mode & FMODE_READ))
		return -EBADF;
	mms = kipc_queue_batch_read(cmd, false, &nr, &ret);
	if (!mms)
		return -ENOMEM;
	if (!nr)
		goto out;
	/* The first entry may wait, as a single receive. */
	dst = (struct kipc_queue_buf){ .ubuf = u64_to_user_ptr(mms[0].buf) };
	r.bufsize = mms[0].len;
	r.entry = &mms[0];
	r.uentry = kipc_queue_batch_entry(cmd, 0);
	/* A message's entry is written before it is taken. */
	ret = kipc_queue_recv(q, &dst, &r);
	if (ret < 0)
		goto out;
	if (!r.responded) {
		/* End-of-file: nothing was taken. */
		ret = kipc_queue_recv_respond_entry(&r);
		goto out;
	}
	ret = 1 + (nr > 1 ? kipc_queue_recv_rest(q, cmd, mms, nr) : 0);
out:
	kvfree(mms);
	return ret;
}

/* ---- Notification registration (KIPC_IOC_QUEUE_NOTIFY) -------------- */

/* The registration goes: fired, removed, its process closed a handle. */
static void kipc_queue_reg_drop(struct kipc_queue *q)
{
	struct kipc_queue_reg *r = &q->reg;

	if (!r->owner)
		return;
	if (r->efd)
		eventfd_ctx_put(r->efd);
	put_user_ns(r->user_ns);
	put_pid(r->owner);
	memset(r, 0, sizeof(*r));
}

/*
 * SIGNAL: as mqueue's __do_notify(), with the sender's tgid and uid as the
 * registered process sees them, not to a process that has exec'd since.
 * The exported send_sig_info() queues on one thread (PIDTYPE_PID), not on
 * the process as mqueue's do_send_sig_info(PIDTYPE_TGID): the thread is
 * the first that does not block the signal, as the kernel would choose,
 * else the leader (Documentation/queues.md).
 */
static void kipc_queue_reg_signal(struct kipc_queue_reg *r)
{
	struct task_struct *p, *t, *to;
	struct kernel_siginfo info;

	if (!r->signo)
		return;
	clear_siginfo(&info);
	info.si_signo = r->signo;
	info.si_code = SI_MESGQ;
	info.si_value.sival_ptr = (void __user *)(uintptr_t)r->value;
	rcu_read_lock();
	info.si_pid = task_tgid_nr_ns(current, ns_of_pid(r->owner));
	info.si_uid = from_kuid_munged(r->user_ns, current_uid());
	p = pid_task(r->owner, PIDTYPE_TGID);
	if (p && p->self_exec_id == r->exec_id) {
		to = p;
		for_each_thread(p, t) {
			if (!(READ_ONCE(t->flags) & PF_EXITING) &&
			    !sigismember(&t->blocked, r->signo)) {
				to = t;
				break;
			}
		}
		send_sig_info(r->signo, &info, to);
	}
	rcu_read_unlock();
}

/*
 * A new message (sent, admitted, or taken in from the ring): to the earliest
 * matching waiting receiver, else queued.  A fresh one queued as the only
 * message fires the registration, which goes (mqueue: curmsgs became 1
 * with no receiver waiting).  A blocked sender's message admitted once
 * room appeared is not fresh (mqueue's pipelined_receive() does not
 * notify), and a message put back by a receiver does not come here.
 */
void kipc_queue_arrive(struct kipc_queue *q, struct kipc_queue_msg *m,
		       bool fresh)
{
	kipc_queue_publish(q, m);
	if (fresh && q->reg.owner && m->state == KIPC_QM_LIVE &&
	    list_is_singular(&q->live)) {
		if (q->reg.kind == KIPC_NOTIFY_SIGNAL)
			kipc_queue_reg_signal(&q->reg);
		else if (q->reg.kind == KIPC_NOTIFY_EVENTFD)
			kipc_eventfd_signal(q->reg.efd);
		kipc_queue_reg_drop(q);
	}
	kipc_queue_notify(q, EPOLLIN | EPOLLRDNORM, POLL_IN);
}

/* The fields a kind uses: the others must be 0; the eventfd taken. */
static int kipc_queue_notify_check(struct kipc_queue_notify *cmd,
				   struct eventfd_ctx **efd)
{
	if (cmd->flags)
		return -EINVAL;
	if (cmd->kind != KIPC_NOTIFY_SIGNAL && (cmd->signo || cmd->value))
		return -EINVAL;
	if (cmd->kind != KIPC_NOTIFY_EVENTFD && cmd->eventfd)
		return -EINVAL;
	switch (cmd->kind) {
	case KIPC_NOTIFY_REMOVE:
	case KIPC_NOTIFY_NONE:
		return 0;
	case KIPC_NOTIFY_SIGNAL:
		/* As mq_notify: 0.._NSIG, 0 registering for nothing. */
		return cmd->signo < 0 || !valid_signal(cmd->signo) ?
		       -EINVAL : 0;
	case KIPC_NOTIFY_EVENTFD:
		*efd = eventfd_ctx_fdget(cmd->eventfd);
		return IS_ERR(*efd) ? PTR_ERR(*efd) : 0;
	default:
		return -EINVAL;
	}
}

/* KIPC_IOC_QUEUE_NOTIFY: as mq_notify(2), on any handle of the queue. */
static int kipc_queue_cmd_notify(struct kipc_ucmd *ucmd)
{
	struct kipc_queue_notify *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct pid *me = task_tgid(current);
	struct eventfd_ctx *efd = NULL;
	int ret;

	ret = kipc_queue_notify_check(cmd, &efd);
	if (ret)
		return ret;
	ret = kipc_queue_enter_killable(q);
	if (ret)
		goto out;
	if (cmd->kind == KIPC_NOTIFY_REMOVE) {
		/* Another process's registration stays, and that is no error. */
		cmd->removed = q->reg.owner == me;
		if (cmd->removed)
			kipc_queue_reg_drop(q);
	} else if (q->dead) {
		ret = -EIDRM;
	} else if (q->reg.owner) {
		ret = -EBUSY;
	} else {
		q->reg.kind = cmd->kind;
		q->reg.signo = cmd->signo;
		q->reg.value = cmd->value;
		q->reg.efd = efd;
		efd = NULL;
		q->reg.exec_id = current->self_exec_id;
		q->reg.user_ns = get_user_ns(current_user_ns());
		WRITE_ONCE(q->reg.owner, get_pid(me));
	}
	kipc_queue_exit(q);
	if (!ret && cmd->kind == KIPC_NOTIFY_REMOVE)
		ret = kipc_ucmd_respond(ucmd, sizeof(*cmd));
out:
	if (efd)
		eventfd_ctx_put(efd);
	return ret;
}

/*
 * Every close(2) of a handle, and every handle at the process's exit: the
 * registered process closing any descriptor of the queue removes its
 * registration, as mqueue_flush_file() does.  Others do not take the lock.
 */
static int kipc_queue_flush(struct file *file, fl_owner_t id)
{
	struct kipc_queue *q = kipc_file_queue(file);
	struct pid *me = task_tgid(current);

	if (READ_ONCE(q->reg.owner) != me)
		return 0;
	kipc_queue_enter(q);
	if (q->reg.owner == me)
		kipc_queue_reg_drop(q);
	kipc_queue_exit(q);
	return 0;
}

static int kipc_queue_cmd_stat(struct kipc_ucmd *ucmd)
{
	struct kipc_queue_stat *cmd = ucmd->cmd;
	struct kipc_queue *q = kipc_file_queue(ucmd->file);
	struct user_namespace *ns = current_user_ns();
	int ret;

	if (cmd->flags || cmd->__reserved2)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_READ))
		return -EBADF;
	ret = kipc_queue_enter_killable(q);
	if (ret)
		return ret;
	cmd->msgs = q->nmsgs;
	cmd->cap_msgs = q->cap_msgs;
	cmd->bytes = q->nbytes;
	cmd->cap_bytes = q->cap_bytes;
	cmd->msgsize = q->msgsize;
	cmd->queue_flags = (q->pipe ? KIPC_QUEUE_PIPE : 0) |
			   (q->dead ? KIPC_QUEUE_DESTROYED : 0);
	cmd->nreceivers = q->nreceivers;
	cmd->nsenders = q->nsenders;
	cmd->readers = q->readers;
	cmd->writers = q->writers;
	cmd->sent = q->sent;
	cmd->received = q->received;
	cmd->dropped = q->dropped;
	cmd->lost = q->lost;
	cmd->hwm_bytes = q->hwm_bytes;
	kipc_queue_stat_lanes(q, cmd);
	cmd->notify = q->reg.kind;
	cmd->notify_signo = q->reg.kind == KIPC_NOTIFY_SIGNAL ? q->reg.signo : 0;
	cmd->notify_pid = q->reg.owner ? pid_vnr(q->reg.owner) : 0;
	/* pid_vnr(NULL) is 0, as is a pid not visible in our namespace. */
	cmd->lspid = pid_vnr(q->lspid);
	cmd->lrpid = pid_vnr(q->lrpid);
	cmd->stime = q->stime;
	cmd->rtime = q->rtime;
	cmd->ring_mode = KIPC_RING_MODE_KERNEL;
	kipc_ring_exit(q);
	if (q->fast)
		cmd->ring_mode = KIPC_RING_MODE_FAST;
	kipc_queue_unlock_wake(q);
	cmd->id = q->obj.id;
	cmd->uid = from_kuid_munged(ns, q->obj.uid);
	cmd->gid = from_kgid_munged(ns, q->obj.gid);
	cmd->cuid = from_kuid_munged(ns, q->obj.cuid);
	cmd->cgid = from_kgid_munged(ns, q->obj.cgid);
	cmd->mode = q->obj.mode;
	cmd->order = kipc_object_order(&q->obj);
	cmd->ctime = q->obj.ctime;
	cmd->ring_bytes = q->ring_bytes;
	return kipc_ucmd_respond(ucmd, sizeof(*cmd));
}

static const struct kipc_ioctl_op kipc_queue_ioctl_ops[] = {
	KIPC_IOCTL_OP_ID(KIPC_IOC_DESTROY, kipc_cmd_destroy,
			 struct kipc_destroy, flags),
	KIPC_IOCTL_OP_ID(KIPC_IOC_SEND, kipc_queue_cmd_send, struct kipc_send,
			 tv_nsec),
	KIPC_IOCTL_OP_ID(KIPC_IOC_RECV, kipc_queue_cmd_recv, struct kipc_recv,
			 tv_nsec),
	KIPC_IOCTL_OP_ID(KIPC_IOC_SEND_BATCH, kipc_queue_cmd_send_batch,
			 struct kipc_batch, tv_nsec),
	KIPC_IOCTL_OP_ID(KIPC_IOC_RECV_BATCH, kipc_queue_cmd_recv_batch,
			 struct kipc_batch, tv_nsec),
	KIPC_IOCTL_OP(KIPC_IOC_QUEUE_STAT, kipc_queue_cmd_stat,
		      struct kipc_queue_stat, ring_bytes),
	KIPC_IOCTL_OP(KIPC_IOC_RING_LANE, kipc_queue_cmd_lane,
		      struct kipc_ring_lane_req, __reserved),
	KIPC_IOCTL_OP(KIPC_IOC_RING_KICK, kipc_queue_cmd_kick,
		      struct kipc_ring_kick, flags),
	KIPC_IOCTL_OP_ID(KIPC_IOC_QUEUE_NOTIFY, kipc_queue_cmd_notify,
			 struct kipc_queue_notify, removed),
};

static long kipc_queue_ioctl(struct file *file, unsigned int cmd,
			     unsigned long arg)
{
	return kipc_dispatch(kipc_queue_ioctl_ops,
			     ARRAY_SIZE(kipc_queue_ioctl_ops), file, cmd, arg);
}

/* ---- The file interface --------------------------------------------- */

static u32 kipc_iocb_flags(struct kiocb *iocb)
{
	if (iocb->ki_flags & IOCB_NOWAIT)
		return KIPC_MSG_NONBLOCK | KIPC_QOP_TRYLOCK;
	if (iocb->ki_filp->f_flags & O_NONBLOCK)
		return KIPC_MSG_NONBLOCK;
	return 0;
}

/* read(2): one whole message of any type; EMSGSIZE keeps it. */
static ssize_t kipc_queue_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct kipc_queue *q = kipc_file_queue(iocb->ki_filp);
	struct kipc_queue_buf dst = { .iter = to };
	size_t count = iov_iter_count(to);
	struct kipc_queue_recv r = {
		.select = KIPC_SEL_ANY,
		.bufsize = min_t(size_t, count, U32_MAX),
		.flags = kipc_iocb_flags(iocb),
	};

	return kipc_queue_recv(q, &dst, &r);
}

/* write(2): one whole message of type 1. */
static ssize_t kipc_queue_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct kipc_queue *q = kipc_file_queue(file);
	struct kipc_queue_buf src = { .iter = from };
	size_t len = iov_iter_count(from);
	int ret;

	if (len > q->msgsize)
		return -EMSGSIZE;
	ret = kipc_queue_send(q, file->private_data, &src, len, 1,
			      kipc_iocb_flags(iocb), 0);
	return ret ? ret : len;
}

static __poll_t kipc_queue_poll(struct file *file, poll_table *wait)
{
	struct kipc_queue *q = kipc_file_queue(file);
	__poll_t mask = 0;

	poll_wait(file, &q->poll_wq, wait);
	kipc_queue_enter(q);
	if (q->dead) {
		mask = EPOLLHUP | EPOLLERR;
	} else {
		if (!list_empty(&q->live) || kipc_queue_eof(q))
			mask |= EPOLLIN | EPOLLRDNORM;
		if (kipc_queue_broken(q))
			mask |= EPOLLOUT | EPOLLERR;
		else if (list_empty(&q->senders) &&
			 kipc_queue_fits(q, q->msgsize))
			mask |= EPOLLOUT | EPOLLWRNORM;
	}
	kipc_queue_exit(q);
	return mask;
}

static int kipc_queue_fasync(int fd, struct file *file, int on)
{
	struct kipc_queue *q = kipc_file_queue(file);
	int ret;

	/* Under q->lock: SIGIO listeners keep the queue in kernel mode. */
	ret = kipc_queue_enter_killable(q);
	if (ret)
		return ret;
	ret = fasync_helper(fd, file, on, &q->fasync);
	kipc_queue_exit(q);
	return ret;
}

/* mmap: the queue's storage (Documentation/ring.md; kipc_mmap_shared()). */
static int kipc_queue_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kipc_queue *q = kipc_file_queue(file);

	kipc_ring_map(q);
	return kipc_mmap_shared(vma, &q->shared, 0);
}

/* ---- Asynchronous receive (uring_cmd) ------------------------------ */

#if KIPC_HAVE_URING_CMD_CANCEL
/* A KIPC_IOC_RECV made through io_uring; see kipc_internal.h. */
struct kipc_queue_async {
	struct kipc_async a;
	struct kipc_queue *q;
	struct kipc_queue_sleeper w;
	struct kipc_queue_recv r;
	struct kipc_queue_buf dst;
	struct kipc_ucmd ucmd;
	union kipc_ioctl_buffer buf;
	u8 stack[KIPC_QCOPY_STACK] __aligned(8);	/* a short bounce */
};

/*
 * Task work, after a wake: finish the request, or leave it waiting.
 * "gone": cancelled, or its task or ring is going away, so no result can
 * reach anyone; a message handed to it goes back to the next receiver.
 */
static void kipc_queue_async_resolve(struct io_uring_cmd *ioucmd,
				     unsigned int issue_flags)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_queue_async *qa = container_of(a, struct kipc_queue_async, a);
	struct kipc_queue *q = qa->q;
	bool gone, found;
	int ret;

	kipc_queue_enter(q);
	gone = kipc_async_gone(a, issue_flags);
	switch (qa->w.state) {
	case KIPC_QW_WAITING:
		if (gone) {
			ret = -ECANCELED;
		} else if (kipc_queue_eof(q)) {
			/* Off the list first: a delivery drops q->lock. */
			list_del(&qa->w.node);
			q->nreceivers--;
			ret = kipc_queue_recv_now(q, &qa->dst, &qa->r, &found,
						  &qa->w);
			break;
		} else if (kipc_async_timed_out(a)) {
			ret = -ETIMEDOUT;
		} else {
			kipc_async_keep_waiting(a, q->stuck ?
						   KIPC_RING_RECHECK_MS : 0);
			kipc_queue_exit(q);
			return;
		}
		list_del(&qa->w.node);
		q->nreceivers--;
		break;
	case KIPC_QW_DONE:
		if (gone) {
			kipc_queue_unreserve(q, qa->w.msg);
			ret = -ECANCELED;
		} else {
			ret = kipc_queue_deliver(q, qa->w.msg, &qa->dst, &qa->r,
						 &qa->w);
		}
		break;
	case KIPC_QW_TOOBIG:
		qa->r.msg_len = qa->w.msg_len;
		ret = -EMSGSIZE;
		break;
	default:
		ret = -EIDRM;
		break;
	}
	kipc_queue_exit(q);
	if (!gone)
		ret = kipc_queue_recv_respond(&qa->ucmd, &qa->r, ret);
	kipc_async_finish(a, ret, issue_flags);
	kipc_queue_bounce_put(&qa->r);
	kfree(qa);
}

/* The ring is torn down or its task exits: the request must end. */
static void kipc_queue_async_cancel(struct io_uring_cmd *ioucmd)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_queue_async *qa = container_of(a, struct kipc_queue_async, a);
	struct kipc_queue *q = qa->q;

	kipc_queue_enter(q);
	kipc_async_cancel(a);
	kipc_queue_exit(q);
}

static const struct kipc_ioctl_op kipc_queue_async_op =
	KIPC_IOCTL_OP_ID(KIPC_IOC_RECV, kipc_queue_cmd_recv, struct kipc_recv,
			 tv_nsec);

/*
 * IORING_OP_URING_CMD with cmd_op KIPC_IOC_RECV: the ioctl's receive,
 * waiting (if it must) in the FIFO of blocked receivers without a thread.
 * Non-blocking requests end at issue.  Others are marked cancellable first
 * and then always complete through io_uring_cmd_done(), even at once.
 */
static int kipc_queue_uring_cmd(struct io_uring_cmd *ioucmd,
				unsigned int issue_flags)
{
	struct kipc_queue *q = kipc_file_queue(ioucmd->file);
	struct kipc_queue_async *qa;
	bool found;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		kipc_queue_async_cancel(ioucmd);
		return 0;
	}
	qa = kzalloc(sizeof(*qa), GFP_KERNEL_ACCOUNT);
	if (!qa)
		return -ENOMEM;
	qa->q = q;
	qa->ucmd.cmd = &qa->buf;
	ret = kipc_uring_ucmd(ioucmd, &kipc_queue_async_op, &qa->ucmd);
	if (!ret)
		ret = kipc_queue_recv_prepare(&qa->ucmd, &qa->r, &qa->dst);
	if (!ret && (qa->r.flags & KIPC_MSG_PEEK))
		ret = -EINVAL;
	if (!ret)
		ret = kipc_queue_bounce_get(q, &qa->r, qa->stack);
	if (ret)
		goto out_free;
	kipc_async_init(&qa->a, ioucmd, kipc_queue_async_resolve, issue_flags,
			qa->r.flags & KIPC_MSG_NONBLOCK);
	if (qa->r.flags & KIPC_MSG_TIMED)
		kipc_async_set_deadline(&qa->a, qa->r.flags & KIPC_MSG_REALTIME,
					qa->r.deadline);
	qa->w = (struct kipc_queue_sleeper){
		.task = io_uring_cmd_get_task(ioucmd),
		.async = &qa->a,
		.state = KIPC_QW_WAITING,
		.key = kipc_waiter_key(io_uring_cmd_get_task(ioucmd)),
		.select = qa->r.select,
		.type = qa->r.type,
		.bufsize = qa->r.bufsize,
		.truncate = qa->r.flags & KIPC_MSG_TRUNCATE,
	};

	ret = kipc_queue_enter_killable(q);
	if (ret)
		goto out_respond;
	if (q->dead) {
		ret = -EIDRM;
	} else if (qa->a.cancelled) {
		ret = -ECANCELED;
	} else {
		ret = kipc_queue_recv_now(q, &qa->dst, &qa->r, &found,
					  &qa->w);
		if (!found && !qa->a.nonblock) {
			kipc_queue_wait_on(q, &q->receivers, &qa->w);
			q->nreceivers++;
			trace_kipc_queue_block(q, qa->w.task, false);
			kipc_async_wait(&qa->a, q->stuck ?
					KIPC_RING_RECHECK_MS : 0);
			kipc_queue_exit(q);
			return -EIOCBQUEUED;
		}
	}
	kipc_queue_exit(q);
out_respond:
	if (ret != -ECANCELED)
		ret = kipc_queue_recv_respond(&qa->ucmd, &qa->r, ret);
	ret = kipc_async_issue_end(&qa->a, ret, issue_flags);
out_free:
	kipc_queue_bounce_put(&qa->r);
	kfree(qa);
	return ret;
}
#endif /* KIPC_HAVE_URING_CMD_CANCEL */

static const struct file_operations kipc_queue_fops = {
	.owner = THIS_MODULE,
	.release = kipc_object_release,
	.flush = kipc_queue_flush,
	.unlocked_ioctl = kipc_queue_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read_iter = kipc_queue_read_iter,
	.write_iter = kipc_queue_write_iter,
	.poll = kipc_queue_poll,
	.fasync = kipc_queue_fasync,
	.mmap = kipc_queue_mmap,
#if KIPC_HAVE_URING_CMD_CANCEL
	.uring_cmd = kipc_queue_uring_cmd,
#endif
	.llseek = noop_llseek,
};

/* ---- The object ----------------------------------------------------- */

#define KIPC_QH_READER	BIT(30)		/* pipe mode: counted as reader */
#define KIPC_QH_WRITER	BIT(29)		/* pipe mode: counted as writer */

static void kipc_queue_open_handle(struct kipc_object *obj,
				   struct kipc_handle *h, struct file *file,
				   const struct kipc_open *op)
{
	struct kipc_queue *q = to_queue(obj);
	fmode_t rw = file->f_mode & (FMODE_READ | FMODE_WRITE);

	/* io_uring may try read and write with IOCB_NOWAIT first. */
	file->f_mode |= FMODE_NOWAIT;
	h->q_flags = op->queue_flags & KIPC_QUEUE_NOSIGPIPE;
	if (!q->pipe)
		return;
	kipc_queue_enter(q);
	if (rw == FMODE_READ) {
		h->q_flags |= KIPC_QH_READER;
		q->readers++;
		q->had_reader = true;
	} else if (rw == FMODE_WRITE) {
		h->q_flags |= KIPC_QH_WRITER;
		q->writers++;
		q->had_writer = true;
	}
	kipc_queue_exit(q);
}

static void kipc_queue_release_handle(struct kipc_object *obj,
				      struct kipc_handle *h)
{
	struct kipc_queue *q = to_queue(obj);
	struct kipc_queue_sleeper *w;
	__poll_t mask = 0;

	kipc_queue_enter(q);
	/* Its mappings are gone too: its lanes' threads cannot act again. */
	kipc_lanes_reap(q, h);
	if ((h->q_flags & KIPC_QH_READER) && !--q->readers) {
		/* Senders see EPIPE. */
		list_for_each_entry(w, &q->senders, node)
			wake_up_process(w->task);
		mask |= EPOLLOUT | EPOLLERR;
	}
	if ((h->q_flags & KIPC_QH_WRITER) && !--q->writers) {
		/* Receivers see end-of-file once the queue is empty. */
		list_for_each_entry(w, &q->receivers, node)
			kipc_queue_wake(q, w);
		mask |= EPOLLIN | EPOLLRDNORM;
	}
	if (mask)
		kipc_queue_notify(q, mask, mask & EPOLLIN ? POLL_IN : POLL_OUT);
	kipc_queue_exit(q);
}

/* KIPC_IOC_DESTROY: waiters leave with EIDRM, queued messages are dropped. */
static void kipc_queue_kill(struct kipc_object *obj)
{
	struct kipc_queue *q = to_queue(obj);
	struct kipc_queue_sleeper *w, *tmp;
	struct kipc_queue_msg *m, *mtmp;

	kipc_queue_enter(q);
	q->dead = true;
	/* Nothing will arrive: the registration goes, as at a close. */
	kipc_queue_reg_drop(q);
	list_for_each_entry_safe(w, tmp, &q->senders, node) {
		list_del(&w->node);
		w->state = KIPC_QW_REMOVED;
		wake_up_process(w->task);
	}
	q->nsenders = 0;
	list_for_each_entry_safe(w, tmp, &q->receivers, node) {
		list_del(&w->node);
		w->state = KIPC_QW_REMOVED;
		kipc_queue_wake(q, w);
	}
	q->nreceivers = 0;
	/* RESERVED messages are their receivers': they still get them. */
	list_for_each_entry_safe(m, mtmp, &q->live, all) {
		kipc_queue_unindex(q, m);
		kipc_queue_take(q, m, true);
	}
	kipc_queue_notify(q, EPOLLHUP | EPOLLERR, POLL_HUP);
	kipc_queue_exit(q);
}

static int kipc_queue_geometry(const struct kipc_open *op,
			       const struct kipc_limits *lim, u32 *msgs,
			       u32 *msgsize, u64 *bytes)
{
	*msgs = op->queue_msgs ? op->queue_msgs :
		min_t(u32, KIPC_QUEUE_DEFAULT_MSGS, lim->queue_msgs_max);
	*msgsize = op->queue_msgsize ? op->queue_msgsize : lim->msgsize_max;
	*bytes = op->queue_bytes ? op->queue_bytes :
		 min_t(u64, (u64)*msgs * *msgsize, lim->queue_bytes_max);
	if (*msgs > lim->queue_msgs_max || *msgsize > lim->msgsize_max ||
	    *bytes > lim->queue_bytes_max || *bytes < *msgsize)
		return -EINVAL;
	return 0;
}

static int kipc_queue_check_open(const struct kipc_open *op, bool create,
				 const struct kipc_limits *lim)
{
	u32 msgs, msgsize;
	u64 bytes;

	if (op->queue_flags & ~KIPC_QUEUE_FLAGS)
		return -EINVAL;
	if (!create)
		return 0;
	return kipc_queue_geometry(op, lim, &msgs, &msgsize, &bytes);
}

static struct kipc_object *kipc_queue_create(const struct kipc_open *op,
					     const struct kipc_limits *lim)
{
	struct kipc_queue *q;
	u32 msgs, msgsize, i;
	u64 bytes, ring, charge;
	int ret;

	ret = kipc_queue_geometry(op, lim, &msgs, &msgsize, &bytes);
	if (ret)
		return ERR_PTR(ret);
	q = kzalloc(sizeof(*q), KIPC_GFP_OBJECT);
	if (!q)
		return ERR_PTR(-ENOMEM);
	q->cap_msgs = msgs;
	q->msgsize = msgsize;
	q->cap_bytes = bytes;
	q->pipe = op->queue_flags & KIPC_QUEUE_PIPE;
	/* At least twice the capacity: the spare half absorbs tombstones. */
	q->nslots = roundup_pow_of_two(2 * msgs);
	q->slot_size = ALIGN(KIPC_QSLOT_HDR + msgsize, SMP_CACHE_BYTES);
	ring = KIPC_RING_SLOTS_OFF + (u64)q->nslots * q->slot_size;
	charge = sizeof(*q) + ring + (u64)q->nslots * sizeof(*q->meta) +
		 (u64)msgs * sizeof(*q->type_pool);
	/* Do not even try what the registry would refuse. */
	if (charge > lim->user_bytes_max) {
		ret = -EDQUOT;
		goto err;
	}
	q->ring_bytes = PAGE_ALIGN(ring);
	q->obj.charge = charge;
	/* Charged to the creator's memory cgroup; see queues-storage.md. */
	ret = kipc_shared_alloc(&q->shared, q->ring_bytes);
	if (ret)
		goto err;
	q->ring = q->shared.addr;
	ret = -ENOMEM;
	q->meta = kvcalloc(q->nslots, sizeof(*q->meta), KIPC_GFP_OBJECT);
	q->type_pool = kvcalloc(msgs, sizeof(*q->type_pool), KIPC_GFP_OBJECT);
	if (!q->meta || !q->type_pool)
		goto err;

	mutex_init(&q->lock);
	INIT_LIST_HEAD(&q->types_free);
	for (i = 0; i < msgs; i++)
		list_add_tail(&q->type_pool[i].free, &q->types_free);
	q->types = RB_ROOT_CACHED;
	INIT_LIST_HEAD(&q->live);
	INIT_LIST_HEAD(&q->receivers);
	INIT_LIST_HEAD(&q->senders);
	init_waitqueue_head(&q->poll_wq);

	kipc_ring_init(q);
	return &q->obj;
err:
	kvfree(q->type_pool);
	kvfree(q->meta);
	kipc_shared_free(&q->shared);
	kfree(q);
	return ERR_PTR(ret);
}

/*
 * /proc/kipc and KIPC_IOC_LIST: never q->lock, and nothing changes
 * (kipc_ring_snapshot()).  Geometry and flags are set at creation.
 */
static void kipc_queue_show(struct seq_file *m, struct kipc_object *obj)
{
	struct kipc_queue *q = to_queue(obj);
	struct kipc_queue_snap snap;

	kipc_ring_snapshot(q, &snap);
	seq_printf(m, "%10u %10u %7u", snap.msgs, q->cap_msgs, snap.waiters);
}

static void kipc_queue_fill_info(struct kipc_object *obj,
				 struct kipc_obj_info *info)
{
	struct kipc_queue *q = to_queue(obj);
	struct kipc_queue_snap snap;

	kipc_ring_snapshot(q, &snap);
	info->q_msgs = snap.msgs;
	info->q_msgsize = q->msgsize;
	info->q_bytes = snap.bytes;
	info->q_cap_msgs = q->cap_msgs;
	info->q_nreceivers = READ_ONCE(q->nreceivers);
	info->q_cap_bytes = q->cap_bytes;
	info->q_nsenders = READ_ONCE(q->nsenders);
	info->q_flags = q->pipe ? KIPC_QUEUE_PIPE : 0;
	info->q_sent = snap.sent;
	info->q_received = snap.received;
	info->q_dropped = READ_ONCE(q->dropped);
}

static void kipc_queue_free(struct kipc_object *obj)
{
	struct kipc_queue *q = to_queue(obj);

	WARN_ON_ONCE(!list_empty(&q->receivers) || !list_empty(&q->senders));
	/* Every lane went with the handle that registered it. */
	WARN_ON_ONCE(q->nlanes);
	/* Its process passed its handles on before it closed any. */
	kipc_queue_reg_drop(q);
	put_pid(q->lspid);
	put_pid(q->lrpid);
	mutex_destroy(&q->lock);
	kvfree(q->type_pool);
	kvfree(q->meta);
	kipc_shared_free(&q->shared);
	kfree(q);
}

const struct kipc_object_type kipc_queue_type = {
	.type = KIPC_OBJ_QUEUE,
	.name = "msgq",
	.anon_name = "[kipc-queue]",
	.fops = &kipc_queue_fops,
	.create = kipc_queue_create,
	.check_open = kipc_queue_check_open,
	.open_handle = kipc_queue_open_handle,
	.kill = kipc_queue_kill,
	.release_handle = kipc_queue_release_handle,
	.show = kipc_queue_show,
	.fill_info = kipc_queue_fill_info,
	.free = kipc_queue_free,
};
