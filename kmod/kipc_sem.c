// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: strong counting semaphores.
 *
 * P(n) takes n units at once only if nobody waits and the value allows it;
 * otherwise it queues at the tail (in a KIPC_OPEN_PRIO_ORDER semaphore:
 * behind the waiters of its priority or higher, and it takes the units at
 * once if no such waiter takes units and the value allows it; see
 * kipc_waiter_insert()).  V(n) adds n and then grants waiters from
 * the head while the head's request fits, handing the units over: the
 * granted waiter's units are subtracted by V, so nobody can barge in between
 * the post and the wake-up, and a smaller request never overtakes a larger
 * one queued before it.
 *
 * Locking: sem->lock, a spinlock, protects everything that changes in a
 * semaphore: the state word of its page (below), dead, the waiter queue and
 * nwaiters, the state of every queued waiter, and the undo records (struct
 * kipc_handle.sem_undo) of the semaphore's handles.  It is never taken from
 * interrupt context.  It is never taken under kipc_registry_lock
 * (/proc/kipc and KIPC_IOC_LIST drop that first) and nests inside io_uring's
 * ring lock (uring_cmd cancellation, task work); only kipc_async_wake(),
 * the timer start of kipc_async_keep_waiting() and, past KIPC_WAKE_MAX
 * wake-ups in one section, wake_up_process() are called under it.  A
 * sleeping waiter is woken after it is dropped (kipc_sem_wake_task(): its
 * first act is to take the lock again), and so is poll's wait queue.
 * KIPC_IOC_SEM_WAIT_MULTI and KIPC_IOC_SEM_OP take the mutex
 * kipc_sem_multi_lock and then the locks of up to 64 semaphores in address
 * order (spin_lock_nest_lock()); nothing else takes more than one
 * sem->lock, or that mutex.
 *
 * The value lives in the semaphore's page (struct kipc_sem_page), which
 * processes map and operate on without system calls while nothing needs
 * the kernel (Documentation/ring.md section 8): the low 32 bits of "state"
 * are the value, bit 63 is KIPC_SEM_SLOW, bits 32-62 the undo tag (P and V
 * with undo without a system call: kipc_sem_tag_record(), and the undo
 * page, whose records only the kernel writes, under sem->lock, like the
 * slots its descriptions hold).  The kernel owns the word exactly
 * while it holds sem->lock: kipc_sem_lock() takes the lock and swaps SLOW
 * into the word with one xchg, which no process can make fail or repeat,
 * and gets the value back; kipc_sem_unlock() stores the new value, with
 * SLOW if anyone is queued, anyone polls or the semaphore is destroyed,
 * puts "max" back in case it was scribbled on, and drops the lock.  A
 * process's fast P or V is a compare-and-swap of the whole word that it
 * does only when SLOW is clear, so it is ordered entirely before or
 * entirely after each kernel section, and no fast P can take units while a
 * waiter is queued.  The page is untrusted input: a value above max is
 * clamped, a tag that names no slot is dropped at the next unlock, and a
 * tag's slot is only an index into the kernel's own undo page.
 *
 * A waiter lives on its task's stack, or in an asynchronous P's allocation
 * (io_uring's uring_cmd, woken by queueing its task work where a task is
 * woken: kipc_async_wake(), which is also called under sem->lock), or in
 * a multi-wait's array (one "place" per semaphore, see the end of this
 * file; V stops at a place and wakes its task).  Its state goes from
 * WAITING to exactly one of GRANTED (V, or for a place its own task,
 * subtracted its units and dequeued it), LEFT (it dequeued itself on a
 * signal or timeout, without units) or REMOVED (the semaphore was
 * destroyed), always under sem->lock.  The waiter reads its
 * state only under the lock and returns only after it is off the queue, so
 * a waker never touches a waiter that has gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/vmalloc.h>
#include <linux/wait.h>

#include "kipc_internal.h"
#include "kipc_trace.h"

#if KIPC_HAVE_URING_CMD_CANCEL
#include <linux/io_uring/cmd.h>
#endif

struct kipc_sem {
	struct kipc_object obj;
	spinlock_t lock;		/* see "Locking" above */
	struct kipc_shared shared;	/* one page */
	struct kipc_sem_page *page;	/* shared.addr: holds the value */
	u32 max;			/* set at creation */
	u32 nwaiters;
	u32 nzero;			/* of them wait-for-zero places */
	u32 lock_value;			/* the value when the lock was taken */
	u64 lock_tag;			/* the undo tag to put back at unlock */
	bool dead;			/* destroyed */
	/* struct kipc_sem_sleeper, FIFO or by key (obj.prio_order) */
	struct list_head waiters;
	wait_queue_head_t poll_wq;
	/* Tasks to wake once the lock is dropped: kipc_sem_wake_task(). */
	struct kipc_wake_list wake;
	/*
	 * The undo page, made on the first KIPC_IOC_SEM_UNDO_SLOT and set
	 * under the lock (undo_sh published with a release for mmap), and
	 * the slots its records' descriptions hold (struct kipc_handle's
	 * sem_slot; bit 0 is never given).
	 */
	struct kipc_shared *undo_sh;
	struct kipc_sem_undo_rec *undo_recs;
	DECLARE_BITMAP(undo_slots, KIPC_SEM_UNDO_SLOTS);
};

enum kipc_sem_state {
	KIPC_SW_WAITING,
	KIPC_SW_GRANTED,
	KIPC_SW_LEFT,
	KIPC_SW_REMOVED,
};

struct kipc_sem_sleeper {
	struct list_head node;
	struct task_struct *task;
	struct kipc_async *async;	/* a uring_cmd's, else NULL: sleeping */
	u32 count;			/* 0: a wait-for-zero place */
	int key;			/* kipc_waiter_key() of task */
	enum kipc_sem_state state;
	u64 *undo;			/* the handle's undo record, or NULL */
	bool multi;			/* one place of a KIPC_IOC_SEM_WAIT_MULTI */
};

static struct kipc_sem *to_sem(struct kipc_object *obj)
{
	return container_of(obj, struct kipc_sem, obj);
}

/* A record of the undo page as the one word a compare-and-swap sees. */
union kipc_sem_undo_word {
	struct kipc_sem_undo_rec rec;
	u64 word;
};

#define KIPC_SEM_SEQ_MASK	((1U << KIPC_SEM_TAG_SEQ_BITS) - 1)

/* A tag's delta: 4 bits, two's complement. */
static int kipc_sem_tag_delta(u64 tag)
{
	return (int)(((tag & KIPC_SEM_TAG_DELTA_MASK) >>
		      KIPC_SEM_TAG_DELTA_SHIFT) ^ 8) - 8;
}

static u32 kipc_sem_tag_slot(u64 tag)
{
	return (tag & KIPC_SEM_TAG_SLOT_MASK) >> KIPC_SEM_TAG_SLOT_SHIFT;
}

static u32 kipc_sem_tag_seq(u64 tag)
{
	return (tag & KIPC_SEM_TAG_SEQ_MASK) >> KIPC_SEM_TAG_SEQ_SHIFT;
}

/* A tag of slot with delta 0 and seq. */
static u64 kipc_sem_tag_make(u32 slot, u32 seq)
{
	return (u64)slot << KIPC_SEM_TAG_SLOT_SHIFT |
	       (u64)(seq & KIPC_SEM_SEQ_MASK) << KIPC_SEM_TAG_SEQ_SHIFT;
}

/* Slot's record, as the one word processes read. */
static union kipc_sem_undo_word kipc_sem_rec_get(struct kipc_sem *sem, u32 slot)
{
	union kipc_sem_undo_word r;

	r.word = READ_ONCE(((union kipc_sem_undo_word *)sem->undo_recs)[slot].word);
	return r;
}

/* Only the kernel writes a record, whole, under sem->lock. */
static void kipc_sem_rec_set(struct kipc_sem *sem, u32 slot, u32 held, u32 seq)
{
	union kipc_sem_undo_word r = { .rec = { .held = held, .seq = seq } };

	WRITE_ONCE(((union kipc_sem_undo_word *)sem->undo_recs)[slot].word,
		   r.word);
}

/* Is tag ahead of r, its slot's record? */
static bool kipc_sem_tag_ahead(u64 tag, union kipc_sem_undo_word r)
{
	return r.rec.seq == ((kipc_sem_tag_seq(tag) - 1) & KIPC_SEM_SEQ_MASK);
}

/* A record's units added to a kernel record, which saturates. */
static void kipc_sem_undo_add(u64 *undo, u32 held)
{
	if (check_add_overflow(*undo, (u64)held, undo))
		*undo = U64_MAX;
}

/*
 * The word's undo tag, taken over by the kernel (Documentation/ring.md,
 * "Undo without a system call"): the slot that made the last P(1) or V(1)
 * with undo in the page, and the change to its count ("delta") that its
 * record does not have while the tag is pending (the record's seq is the
 * one before the tag's).  Only the kernel writes records: a pending
 * non-zero delta is recorded here, and the tag becomes the slot's next
 * seq with delta 0, so that no process can compare-and-swap against a
 * word it read before (its slot's record changed; the word it read can
 * never come back).  Anything else stays as it is.  A tag that can mean
 * nothing (slot 0, or no undo page ever made) is dropped.  Under
 * sem->lock, with SLOW in the word: no process changes the word until it
 * is unlocked.
 */
static u64 kipc_sem_tag_record(struct kipc_sem *sem, u64 state)
{
	u64 tag = state & KIPC_SEM_TAG_MASK;
	u32 slot = kipc_sem_tag_slot(tag), seq = kipc_sem_tag_seq(tag);
	int delta = kipc_sem_tag_delta(tag);
	union kipc_sem_undo_word r;

	if (!slot || !sem->undo_recs)
		return 0;
	if (!delta)
		return tag;
	r = kipc_sem_rec_get(sem, slot);
	if (!kipc_sem_tag_ahead(tag, r))
		return tag;
	kipc_sem_rec_set(sem, slot, r.rec.held + delta, seq);
	return kipc_sem_tag_make(slot, seq + 1);
}

/*
 * After a P or V with undo through the kernel by h's description, or its
 * slot request: the tag becomes its slot's (unless it is, pending), with
 * delta 0, so that its next operations need no system call.  The tag it
 * replaces had its delta recorded when the lock was taken.
 */
static void kipc_sem_tag_give(struct kipc_sem *sem, struct kipc_handle *h)
{
	u32 slot = h->sem_slot;
	union kipc_sem_undo_word r;

	if (!slot)
		return;
	r = kipc_sem_rec_get(sem, slot);
	if (kipc_sem_tag_slot(sem->lock_tag) == slot &&
	    kipc_sem_tag_ahead(sem->lock_tag, r))
		return;
	sem->lock_tag = kipc_sem_tag_make(slot, r.rec.seq + 1);
}

/*
 * Lock the semaphore and take its word over: SLOW in, the value out,
 * clamped to max whatever a process wrote there, the undo tag recorded.
 */
static u32 kipc_sem_take_word(struct kipc_sem *sem)
{
	u64 state = xchg(&sem->page->state, KIPC_SEM_SLOW);

	sem->lock_value = min_t(u64, state & KIPC_SEM_VALUE_MASK, sem->max);
	sem->lock_tag = kipc_sem_tag_record(sem, state);
	return sem->lock_value;
}

static u32 kipc_sem_lock(struct kipc_sem *sem) __acquires(&sem->lock)
{
	spin_lock(&sem->lock);
	return kipc_sem_take_word(sem);
}

/*
 * The units a description's slot holds move to its kernel record
 * (h->sem_undo), so that what reduces that record sees them all.  The
 * slot's seq moves on, and so does the word's tag if it is the slot's
 * (delta 0 after kipc_sem_tag_record()): no P or V a process prepared
 * against the word and the count it read can compare-and-swap, even when
 * this section then gives the word back with the value it had.  Under
 * sem->lock, the word's tag recorded.
 */
static void kipc_sem_absorb(struct kipc_sem *sem, struct kipc_handle *h)
{
	u32 slot = h->sem_slot, seq;
	union kipc_sem_undo_word r;

	if (!slot)
		return;
	r = kipc_sem_rec_get(sem, slot);
	if (!r.rec.held)
		return;
	seq = (r.rec.seq + 1) & KIPC_SEM_SEQ_MASK;
	kipc_sem_rec_set(sem, slot, 0, seq);
	if (kipc_sem_tag_slot(sem->lock_tag) == slot)
		sem->lock_tag = kipc_sem_tag_make(slot, seq + 1);
	kipc_sem_undo_add(&h->sem_undo, r.rec.held);
}

/*
 * Wake task t once sem->lock is dropped (kipc_sem_unlock(); struct
 * kipc_wake_list).
 */
static void kipc_sem_wake_task(struct kipc_sem *sem, struct task_struct *t)
{
	lockdep_assert_held(&sem->lock);
	kipc_wake_list_add(&sem->wake, t);
}

/* Wake a queued waiter: its task, or its uring_cmd's resolve. */
static void kipc_sem_wake(struct kipc_sem *sem, struct kipc_sem_sleeper *w)
{
	if (KIPC_HAVE_URING_CMD_CANCEL && w->async)
		kipc_async_wake(w->async);
	else
		kipc_sem_wake_task(sem, w->task);
}

/*
 * The units went down to 0 in this section: wake the wait-for-zero places
 * (KIPC_IOC_SEM_OP), wherever they are in the queue.  Under sem->lock.
 */
static void kipc_sem_wake_zero(struct kipc_sem *sem, u32 value)
{
	struct kipc_sem_sleeper *w;

	if (!sem->nzero || value || !sem->lock_value)
		return;
	list_for_each_entry(w, &sem->waiters, node)
		if (!w->count)
			kipc_sem_wake(sem, w);
}

/* The first queued waiter that takes units, or NULL.  Under sem->lock. */
static struct kipc_sem_sleeper *kipc_sem_first_taker(struct kipc_sem *sem)
{
	struct kipc_sem_sleeper *w;

	if (sem->nwaiters == sem->nzero)
		return NULL;
	list_for_each_entry(w, &sem->waiters, node)
		if (w->count)
			return w;
	return NULL;
}

/*
 * Would a waiter of key w->key, queued now, be behind a taker?  In arrival
 * order behind any; in priority order behind the first (the list being
 * sorted by key) if its key is not greater.  Under sem->lock.
 */
static bool kipc_sem_taker_ahead(struct kipc_sem *sem,
				 const struct kipc_sem_sleeper *w)
{
	struct kipc_sem_sleeper *first = kipc_sem_first_taker(sem);

	return first && (!sem->obj.prio_order || first->key <= w->key);
}

static int kipc_sem_key_of(const struct list_head *node)
{
	return list_entry(node, struct kipc_sem_sleeper, node)->key;
}

/* Queue w in the semaphore's order.  Under sem->lock. */
static void kipc_sem_enqueue(struct kipc_sem *sem, struct kipc_sem_sleeper *w)
{
	kipc_waiter_insert(&sem->waiters, &w->node, w->key,
			   sem->obj.prio_order, kipc_sem_key_of);
	sem->nwaiters++;
}

/*
 * Give the word back with the value and unlock.  SLOW stays while the
 * kernel must see every operation: a waiter is queued (a fast P would
 * barge), somebody polls (a fast V would not wake it) or the semaphore is
 * destroyed (everything fails with EIDRM).
 */
static void kipc_sem_unlock(struct kipc_sem *sem, u32 value)
	__releases(&sem->lock)
{
	struct kipc_wake_list wake;
	u64 state = value | sem->lock_tag;
	bool polled;

	kipc_sem_wake_zero(sem, value);
	/*
	 * A poller adds itself to poll_wq before it takes sem->lock: the one
	 * this misses sets SLOW in its own section, before it looks at the
	 * value.
	 */
	polled = waitqueue_active(&sem->poll_wq);
	if (sem->dead || !list_empty(&sem->waiters) || polled)
		state |= KIPC_SEM_SLOW;
	/*
	 * Release: what the kernel did in this section (a grant's undo
	 * record, the caller's own stores before its V) is visible to the
	 * process whose acquiring CAS reads this word.
	 */
	smp_store_release(&sem->page->state, state);
	/* Only read by processes, as a hint; put right if scribbled on. */
	WRITE_ONCE(sem->page->max, sem->max);
	kipc_wake_list_take(&sem->wake, &wake);
	spin_unlock(&sem->lock);
	kipc_wake_list_wake(&wake);
}

/* Grant from the head while the head fits.  Under sem->lock. */
static void kipc_sem_grant(struct kipc_sem *sem, u32 *value)
{
	struct kipc_sem_sleeper *w, *tmp;

	lockdep_assert_held(&sem->lock);
	list_for_each_entry_safe(w, tmp, &sem->waiters, node) {
		/* A wait-for-zero place takes nothing: nobody waits for it. */
		if (!w->count)
			continue;
		/*
		 * A multi-wait decides for itself, under all its semaphores'
		 * locks: wake it and let nobody pass it meanwhile.
		 */
		if (w->multi) {
			kipc_sem_wake(sem, w);
			break;
		}
		if (w->count > *value)
			break;
		*value -= w->count;
		if (w->undo)
			*w->undo += w->count;
		list_del(&w->node);
		sem->nwaiters--;
		w->state = KIPC_SW_GRANTED;
		trace_kipc_sem_wait_granted(&sem->obj, w->task, w->count,
					    *value);
		kipc_sem_wake(sem, w);
	}
}

/* After the value went up or the queue got shorter: tell poll. */
static void kipc_sem_poll_wake(struct kipc_sem *sem)
{
	if (wq_has_sleeper(&sem->poll_wq))
		wake_up_interruptible_poll(&sem->poll_wq,
					   EPOLLIN | EPOLLRDNORM);
}

/*
 * Leave the queue without units, on a signal or timeout.  Under the lock.
 * If w was the first taker the queue is examined again; if not, the first
 * taker still does not fit and the walk changes nothing.
 */
static void kipc_sem_leave(struct kipc_sem *sem, struct kipc_sem_sleeper *w,
			   u32 *value)
{
	list_del(&w->node);
	sem->nwaiters--;
	w->state = KIPC_SW_LEFT;
	kipc_sem_grant(sem, value);
}

/* Sleep until woken or the deadline; true if the deadline passed. */
static bool kipc_sem_sleep_until(ktime_t deadline, clockid_t clock)
{
	return !schedule_hrtimeout_range_clock(&deadline,
					       current->timer_slack_ns,
					       HRTIMER_MODE_ABS, clock);
}

/*
 * P without waiting, under sem->lock: 0 with the units taken, -EAGAIN if
 * w would have to queue, or an error.
 */
static int kipc_sem_take_now(struct kipc_sem *sem, struct kipc_sem_sleeper *w,
			     u32 *value)
{
	if (sem->dead)
		return -EIDRM;
	if (w->undo && *w->undo > U64_MAX - w->count)
		return -EOVERFLOW;
	if (kipc_sem_taker_ahead(sem, w) || *value < w->count)
		return -EAGAIN;
	*value -= w->count;
	if (w->undo)
		*w->undo += w->count;
	return 0;
}

static int kipc_sem_p(struct kipc_sem *sem, struct kipc_handle *h, u32 count,
		      u32 flags, ktime_t deadline)
{
	struct kipc_sem_sleeper w = {
		.task = current,
		.count = count,
		.key = kipc_waiter_key(current),
		.state = KIPC_SW_WAITING,
		.undo = flags & KIPC_SEM_UNDO ? &h->sem_undo : NULL,
	};
	clockid_t clock = flags & KIPC_SEM_REALTIME ? CLOCK_REALTIME :
						      CLOCK_MONOTONIC;
	bool timed_out = false, left = false;
	int ret = 0;
	u32 value;

	value = kipc_sem_lock(sem);
	ret = kipc_sem_take_now(sem, &w, &value);
	if (ret != -EAGAIN || (flags & KIPC_SEM_NONBLOCK))
		goto out_unlock;
	ret = 0;

	kipc_sem_enqueue(sem, &w);
	trace_kipc_sem_wait_queued(&sem->obj, current, count, value,
				   sem->nwaiters);
	for (;;) {
		/* A grant wins over a signal or deadline arriving with it. */
		if (w.state != KIPC_SW_WAITING)
			break;
		if (signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (timed_out) {
			ret = -ETIMEDOUT;
			break;
		}
		set_current_state(TASK_INTERRUPTIBLE);
		kipc_sem_unlock(sem, value);
		if (flags & KIPC_SEM_TIMED)
			timed_out = kipc_sem_sleep_until(deadline, clock);
		else
			schedule();
		value = kipc_sem_lock(sem);
	}
	switch (w.state) {
	case KIPC_SW_GRANTED:
		ret = 0;
		break;
	case KIPC_SW_REMOVED:
		ret = -EIDRM;
		break;
	case KIPC_SW_WAITING:
		trace_kipc_sem_wait_left(&sem->obj, current, count, ret);
		kipc_sem_leave(sem, &w, &value);
		left = true;
		break;
	default:
		WARN_ON_ONCE(1);
		break;
	}
out_unlock:
	if (!ret && w.undo)
		kipc_sem_tag_give(sem, h);
	kipc_sem_unlock(sem, value);
	if (left)
		kipc_sem_poll_wake(sem);
	return ret;
}

static int kipc_sem_v(struct kipc_sem *sem, struct kipc_handle *h, u32 count,
		      u32 flags)
{
	int ret = 0;
	u32 value;

	value = kipc_sem_lock(sem);
	if (flags & KIPC_SEM_UNDO)
		kipc_sem_absorb(sem, h);
	if (sem->dead) {
		ret = -EIDRM;
	} else if (count > sem->max - value) {
		ret = -EOVERFLOW;
	} else if ((flags & KIPC_SEM_UNDO) && h->sem_undo < count) {
		ret = -EINVAL;
	} else {
		value += count;
		if (flags & KIPC_SEM_UNDO) {
			h->sem_undo -= count;
			kipc_sem_tag_give(sem, h);
		}
		trace_kipc_sem_post(&sem->obj, count, value, sem->nwaiters);
		kipc_sem_grant(sem, &value);
	}
	kipc_sem_unlock(sem, value);
	if (!ret)
		kipc_sem_poll_wake(sem);
	return ret;
}

static struct kipc_sem *kipc_file_sem(struct file *file)
{
	struct kipc_handle *h = file->private_data;

	return to_sem(h->obj);
}

static int kipc_sem_deadline(u32 flags, s64 sec, s64 nsec, ktime_t *deadline)
{
	return kipc_deadline(flags, KIPC_SEM_NONBLOCK, KIPC_SEM_TIMED,
			     KIPC_SEM_REALTIME, sec, nsec, deadline);
}

/* Check KIPC_IOC_SEM_WAIT's struct and find its deadline. */
static int kipc_sem_wait_prepare(struct kipc_ucmd *ucmd, ktime_t *deadline)
{
	struct kipc_sem_wait *cmd = ucmd->cmd;
	struct kipc_sem *sem = kipc_file_sem(ucmd->file);
	int ret;

	*deadline = 0;
	if ((cmd->flags & ~KIPC_SEM_WAIT_FLAGS) || cmd->__reserved)
		return -EINVAL;
	ret = kipc_sem_deadline(cmd->flags, cmd->tv_sec, cmd->tv_nsec,
				deadline);
	if (ret)
		return ret;
	if (!cmd->count || cmd->count > sem->max)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	return 0;
}

static int kipc_sem_cmd_wait(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_wait *cmd = ucmd->cmd;
	ktime_t deadline;
	int ret;

	ret = kipc_sem_wait_prepare(ucmd, &deadline);
	if (ret)
		return ret;
	return kipc_sem_p(kipc_file_sem(ucmd->file), ucmd->file->private_data,
			  cmd->count, cmd->flags, deadline);
}

static int kipc_sem_cmd_post(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_post *cmd = ucmd->cmd;
	struct kipc_sem *sem = kipc_file_sem(ucmd->file);

	if ((cmd->flags & ~KIPC_SEM_POST_FLAGS) || cmd->__reserved ||
	    !cmd->count)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	return kipc_sem_v(sem, ucmd->file->private_data, cmd->count,
			  cmd->flags);
}

static int kipc_sem_cmd_stat(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_stat *cmd = ucmd->cmd;
	struct kipc_handle *h = ucmd->file->private_data;
	struct kipc_sem *sem = to_sem(h->obj);
	struct user_namespace *ns = current_user_ns();
	struct pid_namespace *pid_ns = task_active_pid_ns(current);
	struct kipc_sem_waiter *buf = NULL;
	struct kipc_sem_sleeper *w;
	unsigned int want, nr = 0;
	int ret = 0;
	u32 value;

	if (cmd->flags)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_READ))
		return -EBADF;

	value = kipc_sem_lock(sem);
	want = min(cmd->capacity, sem->nwaiters);
	kipc_sem_unlock(sem, value);
	if (want) {
		buf = kvmalloc_array(want, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}

	value = kipc_sem_lock(sem);
	if (sem->dead) {
		kipc_sem_unlock(sem, value);
		ret = -EIDRM;
		goto out;
	}
	list_for_each_entry(w, &sem->waiters, node) {
		if (nr == want)
			break;
		buf[nr].pid = task_tgid_nr_ns(w->task, pid_ns);
		buf[nr].count = w->count;
		nr++;
	}
	cmd->value = value;
	cmd->max = sem->max;
	cmd->nwaiters = sem->nwaiters;
	cmd->undo = h->sem_undo;
	if (h->sem_slot)
		kipc_sem_undo_add(&cmd->undo,
				  kipc_sem_rec_get(sem, h->sem_slot).rec.held);
	kipc_sem_unlock(sem, value);

	cmd->id = sem->obj.id;
	cmd->uid = from_kuid_munged(ns, sem->obj.uid);
	cmd->gid = from_kgid_munged(ns, sem->obj.gid);
	cmd->cuid = from_kuid_munged(ns, sem->obj.cuid);
	cmd->cgid = from_kgid_munged(ns, sem->obj.cgid);
	cmd->mode = sem->obj.mode;
	cmd->order = kipc_object_order(&sem->obj);
	cmd->ctime = sem->obj.ctime;
	if (nr && copy_to_user(u64_to_user_ptr(cmd->waiters), buf,
			       array_size(nr, sizeof(*buf)))) {
		ret = -EFAULT;
		goto out;
	}
	ret = kipc_ucmd_respond(ucmd, sizeof(*cmd));
out:
	kvfree(buf);
	return ret;
}

static void kipc_sem_undo_page_free(struct kipc_shared *sh)
{
	if (!sh)
		return;
	kipc_shared_free(sh);
	kfree(sh);
}

/*
 * KIPC_IOC_SEM_UNDO_SLOT: the slot of the handle's open file description
 * in the undo page, given on its first call (the page made on the
 * semaphore's first), kept until the description is released.  A new
 * holder starts from no units, whatever was written in the record.
 */
static int kipc_sem_cmd_undo_slot(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_undo_slot *cmd = ucmd->cmd;
	struct kipc_handle *h = ucmd->file->private_data;
	struct kipc_sem *sem = to_sem(h->obj);
	struct kipc_shared *sh = NULL;
	unsigned long slot;
	int ret = 0;
	u32 value;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	if ((ucmd->file->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE))
		return -EBADF;
	/* Made before the spinlock; one that loses the race is freed. */
	if (!READ_ONCE(sem->undo_sh)) {
		sh = kzalloc(sizeof(*sh), KIPC_GFP_OBJECT);
		if (!sh)
			return -ENOMEM;
		ret = kipc_shared_alloc(sh, PAGE_SIZE);
		if (ret) {
			kfree(sh);
			return ret;
		}
	}
	value = kipc_sem_lock(sem);
	if (sem->dead) {
		ret = -EIDRM;
		goto out;
	}
	if (sh && !sem->undo_sh) {
		sem->undo_recs = sh->addr;
		/* The page's contents before the pointer: kipc_sem_mmap(). */
		smp_store_release(&sem->undo_sh, sh);
		sh = NULL;
	}
	if (!h->sem_slot) {
		slot = find_next_zero_bit(sem->undo_slots, KIPC_SEM_UNDO_SLOTS, 1);
		if (slot >= KIPC_SEM_UNDO_SLOTS) {
			ret = -ENOSPC;
			goto out;
		}
		__set_bit(slot, sem->undo_slots);
		h->sem_slot = slot;
		kipc_sem_rec_set(sem, slot, 0,
				 kipc_sem_rec_get(sem, slot).rec.seq);
	}
	kipc_sem_tag_give(sem, h);
	cmd->slot = h->sem_slot;
out:
	kipc_sem_unlock(sem, value);
	kipc_sem_undo_page_free(sh);
	return ret ?: kipc_ucmd_respond(ucmd, sizeof(*cmd));
}

static const struct kipc_ioctl_op kipc_sem_ioctl_ops[] = {
	KIPC_IOCTL_OP_ID(KIPC_IOC_DESTROY, kipc_cmd_destroy,
			 struct kipc_destroy, flags),
	KIPC_IOCTL_OP_ID(KIPC_IOC_SEM_WAIT, kipc_sem_cmd_wait,
			 struct kipc_sem_wait, tv_nsec),
	KIPC_IOCTL_OP_ID(KIPC_IOC_SEM_POST, kipc_sem_cmd_post,
			 struct kipc_sem_post, __reserved),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_STAT, kipc_sem_cmd_stat,
		      struct kipc_sem_stat, undo),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_UNDO_SLOT, kipc_sem_cmd_undo_slot,
		      struct kipc_sem_undo_slot, __reserved),
};

static long kipc_sem_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return kipc_dispatch(kipc_sem_ioctl_ops, ARRAY_SIZE(kipc_sem_ioctl_ops),
			     file, cmd, arg);
}

/*
 * POLLIN: P(1) would succeed now.  A hint: P itself decides.  Once this
 * poller is on poll_wq, the unlock keeps SLOW set, so every later V goes
 * through the kernel and wakes it.
 */
static __poll_t kipc_sem_poll(struct file *file, poll_table *wait)
{
	struct kipc_sem *sem = kipc_file_sem(file);
	__poll_t mask = 0;
	u32 value;

	poll_wait(file, &sem->poll_wq, wait);
	value = kipc_sem_lock(sem);
	if (sem->dead)
		mask = EPOLLHUP | EPOLLERR;
	else if (!kipc_sem_first_taker(sem) && value >= 1)
		mask = EPOLLIN | EPOLLRDNORM;
	kipc_sem_unlock(sem, value);
	return mask;
}

/*
 * The semaphore's page at offset 0, or its undo page at offset
 * KIPC_SEM_UNDO_PGOFF pages once it exists (kipc_mmap_shared()).
 */
static int kipc_sem_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct kipc_sem *sem = kipc_file_sem(file);
	struct kipc_shared *undo;

	if (vma->vm_pgoff != KIPC_SEM_UNDO_PGOFF)
		return kipc_mmap_shared(vma, &sem->shared, 0);
	/* Pairs with kipc_sem_cmd_undo_slot()'s release. */
	undo = smp_load_acquire(&sem->undo_sh);
	if (!undo)
		return -EINVAL;
	/* Only the kernel writes records: read-only, for good. */
	if (vma->vm_flags & VM_WRITE)
		return -EACCES;
	vm_flags_clear(vma, VM_MAYWRITE);
	return kipc_mmap_shared(vma, undo, KIPC_SEM_UNDO_PGOFF);
}

/* ---- Asynchronous P (uring_cmd) ------------------------------------ */

#if KIPC_HAVE_URING_CMD_CANCEL
/* A KIPC_IOC_SEM_WAIT made through io_uring; see kipc_internal.h. */
struct kipc_sem_async {
	struct kipc_async a;
	struct kipc_sem *sem;
	struct kipc_sem_sleeper w;
};

/*
 * Task work, after a wake: finish the request, or leave it waiting.  Units
 * granted to a request that can no longer be answered (cancelled, its task
 * or ring going away) are posted back, to the next waiters.
 */
static void kipc_sem_async_resolve(struct io_uring_cmd *ioucmd,
				   unsigned int issue_flags)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_sem_async *sa = container_of(a, struct kipc_sem_async, a);
	struct kipc_sem *sem = sa->sem;
	struct kipc_sem_sleeper *w = &sa->w;
	bool gone, changed = false;
	u32 value;
	int ret;

	value = kipc_sem_lock(sem);
	gone = kipc_async_gone(a, issue_flags);
	switch (w->state) {
	case KIPC_SW_WAITING:
		if (gone) {
			ret = -ECANCELED;
		} else if (kipc_async_timed_out(a)) {
			ret = -ETIMEDOUT;
		} else {
			kipc_async_keep_waiting(a, 0);
			kipc_sem_unlock(sem, value);
			return;
		}
		trace_kipc_sem_wait_left(&sem->obj, w->task, w->count, ret);
		kipc_sem_leave(sem, w, &value);
		changed = true;
		break;
	case KIPC_SW_GRANTED:
		ret = 0;
		if (!gone)
			break;
		if (w->undo)
			*w->undo -= w->count;
		value += min(w->count, sem->max - value);
		kipc_sem_grant(sem, &value);
		changed = true;
		ret = -ECANCELED;
		break;
	default:
		ret = -EIDRM;
		break;
	}
	kipc_sem_unlock(sem, value);
	if (changed)
		kipc_sem_poll_wake(sem);
	kipc_async_finish(a, ret, issue_flags);
	kfree(sa);
}

/* Mark a request cancelled under the lock of sem, which guards it. */
static void kipc_sem_async_cancel_under(struct kipc_sem *sem,
					struct kipc_async *a)
{
	u32 value;

	value = kipc_sem_lock(sem);
	kipc_async_cancel(a);
	kipc_sem_unlock(sem, value);
}

/* The ring is torn down or its task exits: the request must end. */
static void kipc_sem_async_cancel(struct io_uring_cmd *ioucmd)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_sem_async *sa = container_of(a, struct kipc_sem_async, a);

	kipc_sem_async_cancel_under(sa->sem, a);
}

static const struct kipc_ioctl_op kipc_sem_async_op =
	KIPC_IOCTL_OP_ID(KIPC_IOC_SEM_WAIT, kipc_sem_cmd_wait,
			 struct kipc_sem_wait, tv_nsec);

/*
 * IORING_OP_URING_CMD with cmd_op KIPC_IOC_SEM_WAIT: the ioctl's P,
 * waiting (if it must) in the semaphore's FIFO without a thread.
 * Non-blocking requests end at issue.  Others are marked cancellable first
 * and then always complete through io_uring_cmd_done(), even at once.
 */
static int kipc_sem_uring_cmd(struct io_uring_cmd *ioucmd,
			      unsigned int issue_flags)
{
	struct kipc_sem *sem = kipc_file_sem(ioucmd->file);
	struct kipc_handle *h = ioucmd->file->private_data;
	union kipc_ioctl_buffer buf;
	struct kipc_ucmd ucmd = { .cmd = &buf };
	struct kipc_sem_wait *cmd = &buf.sem_wait;
	struct kipc_sem_async *sa;
	ktime_t deadline;
	u32 value;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		kipc_sem_async_cancel(ioucmd);
		return 0;
	}
	ret = kipc_uring_ucmd(ioucmd, &kipc_sem_async_op, &ucmd);
	if (!ret)
		ret = kipc_sem_wait_prepare(&ucmd, &deadline);
	if (ret)
		return ret;
	sa = kzalloc(sizeof(*sa), GFP_KERNEL_ACCOUNT);
	if (!sa)
		return -ENOMEM;
	sa->sem = sem;
	sa->w = (struct kipc_sem_sleeper){
		.task = io_uring_cmd_get_task(ioucmd),
		.async = &sa->a,
		.count = cmd->count,
		.key = kipc_waiter_key(io_uring_cmd_get_task(ioucmd)),
		.state = KIPC_SW_WAITING,
		.undo = cmd->flags & KIPC_SEM_UNDO ? &h->sem_undo : NULL,
	};
	kipc_async_init(&sa->a, ioucmd, kipc_sem_async_resolve, issue_flags,
			cmd->flags & KIPC_SEM_NONBLOCK);
	if (cmd->flags & KIPC_SEM_TIMED)
		kipc_async_set_deadline(&sa->a, cmd->flags & KIPC_SEM_REALTIME,
					deadline);

	value = kipc_sem_lock(sem);
	ret = sa->a.cancelled ? -ECANCELED :
				kipc_sem_take_now(sem, &sa->w, &value);
	if (ret == -EAGAIN && !sa->a.nonblock) {
		kipc_sem_enqueue(sem, &sa->w);
		trace_kipc_sem_wait_queued(&sem->obj, sa->w.task, sa->w.count,
					   value, sem->nwaiters);
		kipc_async_wait(&sa->a, 0);
		kipc_sem_unlock(sem, value);
		return -EIOCBQUEUED;
	}
	kipc_sem_unlock(sem, value);
	ret = kipc_async_issue_end(&sa->a, ret, issue_flags);
	kfree(sa);
	return ret;
}
#endif /* KIPC_HAVE_URING_CMD_CANCEL */

static const struct file_operations kipc_sem_fops = {
	.owner = THIS_MODULE,
	.release = kipc_object_release,
	.unlocked_ioctl = kipc_sem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = kipc_sem_poll,
	.mmap = kipc_sem_mmap,
#if KIPC_HAVE_URING_CMD_CANCEL
	.uring_cmd = kipc_sem_uring_cmd,
#endif
	.llseek = noop_llseek,
};

static int kipc_sem_check_open(const struct kipc_open *op, bool create,
			       const struct kipc_limits *lim)
{
	u32 max = op->sem_max ? op->sem_max : lim->sem_value_max;

	if (!create)
		return 0;
	if (op->sem_max > lim->sem_value_max || op->sem_value > max)
		return -EINVAL;
	return 0;
}

static struct kipc_object *kipc_sem_create(const struct kipc_open *op,
					   const struct kipc_limits *lim)
{
	struct kipc_sem *sem;
	int ret;

	sem = kzalloc(sizeof(*sem), KIPC_GFP_OBJECT);
	if (!sem)
		return ERR_PTR(-ENOMEM);
	/* Zeroed, and charged to the creator's memory cgroup. */
	ret = kipc_shared_alloc(&sem->shared, PAGE_SIZE);
	if (ret) {
		kfree(sem);
		return ERR_PTR(ret);
	}
	sem->page = sem->shared.addr;
	spin_lock_init(&sem->lock);
	INIT_LIST_HEAD(&sem->waiters);
	init_waitqueue_head(&sem->poll_wq);
	sem->max = op->sem_max ? op->sem_max : lim->sem_value_max;
	sem->page->state = op->sem_value;
	sem->page->max = sem->max;
	sem->obj.charge = sizeof(*sem) + PAGE_SIZE;
	return &sem->obj;
}

/* KIPC_IOC_DESTROY: every waiter leaves with EIDRM. */
static void kipc_sem_kill(struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);
	struct kipc_sem_sleeper *w, *tmp;
	u32 value;

	value = kipc_sem_lock(sem);
	sem->dead = true;
	list_for_each_entry_safe(w, tmp, &sem->waiters, node) {
		list_del(&w->node);
		w->state = KIPC_SW_REMOVED;
		trace_kipc_sem_wait_left(obj, w->task, w->count, -EIDRM);
		kipc_sem_wake(sem, w);
	}
	sem->nwaiters = 0;
	sem->nzero = 0;
	kipc_sem_unlock(sem, value);
	wake_up_interruptible_poll(&sem->poll_wq, EPOLLHUP | EPOLLERR);
}

/*
 * The handle's open file description is released: post its undo record
 * (its slot's too) back, clamped so that the value does not pass its
 * max, and free its slot.  The slot's seq stays: tags a later holder of
 * the slot makes go on from it.
 */
static void kipc_sem_release_handle(struct kipc_object *obj,
				    struct kipc_handle *h)
{
	struct kipc_sem *sem = to_sem(obj);
	bool posted = false;
	u32 value;

	value = kipc_sem_lock(sem);
	kipc_sem_absorb(sem, h);
	if (h->sem_slot) {
		__clear_bit(h->sem_slot, sem->undo_slots);
		h->sem_slot = 0;
	}
	if (!sem->dead && h->sem_undo) {
		value += min_t(u64, h->sem_undo, sem->max - value);
		kipc_sem_grant(sem, &value);
		posted = true;
	}
	h->sem_undo = 0;
	kipc_sem_unlock(sem, value);
	if (posted)
		kipc_sem_poll_wake(sem);
}

static void kipc_sem_show(struct seq_file *m, struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);
	u32 value;

	value = kipc_sem_lock(sem);
	seq_printf(m, "%10u %10u %7u", value, sem->max, sem->nwaiters);
	kipc_sem_unlock(sem, value);
}

static void kipc_sem_fill_info(struct kipc_object *obj,
			       struct kipc_obj_info *info)
{
	struct kipc_sem *sem = to_sem(obj);
	u32 value;

	value = kipc_sem_lock(sem);
	info->sem_value = value;
	info->sem_max = sem->max;
	info->sem_nwaiters = sem->nwaiters;
	kipc_sem_unlock(sem, value);
}

static void kipc_sem_free(struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);

	WARN_ON_ONCE(!list_empty(&sem->waiters));
	kipc_shared_free(&sem->shared);
	kipc_sem_undo_page_free(sem->undo_sh);
	kfree(sem);
}

const struct kipc_object_type kipc_sem_type = {
	.type = KIPC_OBJ_SEM,
	.name = "sem",
	.anon_name = "[kipc-sem]",
	.fops = &kipc_sem_fops,
	.create = kipc_sem_create,
	.check_open = kipc_sem_check_open,
	.kill = kipc_sem_kill,
	.release_handle = kipc_sem_release_handle,
	.show = kipc_sem_show,
	.fill_info = kipc_sem_fill_info,
	.free = kipc_sem_free,
};

/* ---- Waiting on several semaphores (KIPC_IOC_SEM_WAIT_MULTI) ---------- */

/*
 * A multi-wait puts one waiter ("place") with multi set in the queue of
 * each semaphore it names, all in one section that holds every one of
 * their locks, so that any two requests are in the same order in every
 * queue they share: the order of those sections, a global arrival order.
 * A place is never granted by V: kipc_sem_grant() stops at it and wakes its
 * task, which takes kipc_sem_multi_lock and then its semaphores' locks in
 * address order and decides: granted (every place at its queue's head and
 * every count fits; with ANY, one such place), or it goes on waiting, or
 * it leaves.  Only that task changes its places but for destroy, which
 * unlinks them (REMOVED) under the semaphore's lock as it does every
 * waiter.  kipc_sem_multi_lock orders the multi-waits among themselves and
 * tells lockdep that holding many sem->lock at once is safe: a single P, V
 * or destroy takes one sem->lock and never this mutex.
 *
 * A multi-wait made through io_uring (kipc_sem_uring_wait_multi()) holds
 * the same places, marked with its kipc_async: where a sleeping caller's
 * task would be woken, its resolve is queued, and resolve, in task work,
 * takes the locks as the caller would, decides by the same rule
 * (kipc_mwait_try()) and either completes the request or leaves it
 * waiting.  So sync and async multi-waits, and single waiters, are served
 * in one arrival order.
 *
 * Lock order: io_uring's ctx->uring_lock, then kipc_sem_multi_lock, then
 * the semaphores' locks in address order.  io_uring holds uring_lock
 * around a uring_cmd's issue (unless IO_URING_F_UNLOCKED), around the task
 * work that runs resolve, and around the cancel hook
 * (IO_URING_F_CANCEL); io_uring_cmd_mark_cancelable(), io_uring_cmd_done()
 * and its removal from the cancelable list may take uring_lock.  So none
 * of those is ever called with kipc_sem_multi_lock or a sem->lock held:
 * the request is marked cancellable before the locks are taken and
 * completed after they are dropped.  Under them only
 * io_uring_cmd_complete_in_task() (kipc_async_wake(), which queues task
 * work and takes no io_uring lock) and hrtimer_start() are called.  The
 * cancel hook takes neither the mutex nor more than one sem->lock: the
 * async request's "cancelled" and "waiting" are under the lock of its
 * lowest semaphore (m[0], the array being sorted), which resolve and issue
 * hold among the others; the hook sets "cancelled" and queues resolve,
 * which does the rest.
 */
static DEFINE_MUTEX(kipc_sem_multi_lock);

struct kipc_mwait {
	struct file *file;		/* a reference for the whole wait */
	struct kipc_sem *sem;
	u32 index;			/* in the caller's array */
	u32 value;			/* while locked */
	bool queued;			/* w was queued */
	bool zero;			/* KIPC_IOC_SEM_OP: waits for zero */
	struct kipc_sem_sleeper w;
};

static int kipc_mwait_cmp(const void *a, const void *b)
{
	const struct kipc_mwait *x = a, *y = b;

	if (x->sem == y->sem)
		return 0;
	return x->sem < y->sem ? -1 : 1;
}

/*
 * Lock every semaphore, in address order.  The sparse annotations balance
 * per semaphore: lockdep, through the nest lock, checks the real thing.
 */
static void kipc_mwait_lock(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	mutex_lock(&kipc_sem_multi_lock);
	for (i = 0; i < nr; i++) {
		struct kipc_sem *sem = m[i].sem;

		spin_lock_nest_lock(&sem->lock, &kipc_sem_multi_lock);
		m[i].value = kipc_sem_take_word(sem);
		__release(&sem->lock);
	}
}

static void kipc_mwait_unlock(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	for (i = nr; i-- > 0;) {
		__acquire(&m[i].sem->lock);
		kipc_sem_unlock(m[i].sem, m[i].value);
	}
	mutex_unlock(&kipc_sem_multi_lock);
}

/* Is m first among the takers of its queue, or would it be, queued? */
static bool kipc_mwait_first(struct kipc_mwait *m)
{
	struct kipc_sem *sem = m->sem;

	if (!m->queued)
		return !kipc_sem_taker_ahead(sem, &m->w);
	return m->w.state == KIPC_SW_WAITING &&
	       kipc_sem_first_taker(sem) == &m->w;
}

/* Could m's units be handed over now?  Under its semaphore's lock. */
static bool kipc_mwait_ready(struct kipc_mwait *m)
{
	if (m->sem->dead || m->value < m->w.count)
		return false;
	return kipc_mwait_first(m);
}

static void kipc_mwait_take(struct kipc_mwait *m)
{
	m->value -= m->w.count;
	if (m->w.undo)
		*m->w.undo += m->w.count;
	m->w.state = KIPC_SW_GRANTED;
}

/*
 * Grant the request now if the rule allows: 0 (all), the entry taken
 * (any), -EAGAIN if it must wait, or an error.  Under every lock.
 */
static int kipc_mwait_try(struct kipc_mwait *m, unsigned int nr, bool any)
{
	unsigned int i, pick = nr, ready = 0;
	bool dead = false;

	for (i = 0; i < nr; i++) {
		dead |= m[i].sem->dead;
		if (m[i].w.undo && *m[i].w.undo > U64_MAX - m[i].w.count)
			return -EOVERFLOW;
		if (!kipc_mwait_ready(&m[i]))
			continue;
		ready++;
		if (pick == nr || m[i].index < m[pick].index)
			pick = i;
	}
	if (any && pick < nr) {
		kipc_mwait_take(&m[pick]);
		return pick;
	}
	if (!any && ready == nr) {
		for (i = 0; i < nr; i++)
			kipc_mwait_take(&m[i]);
		return 0;
	}
	return dead ? -EIDRM : -EAGAIN;
}

/*
 * Take the places out of their queues, granted or not, and examine each
 * queue again from its head.  Under every lock.
 */
static void kipc_mwait_dequeue(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct kipc_sem *sem = m[i].sem;

		if (!m[i].queued || m[i].w.state == KIPC_SW_REMOVED)
			continue;
		list_del(&m[i].w.node);
		m[i].queued = false;
		sem->nwaiters--;
		if (!m[i].w.count)
			sem->nzero--;
		if (m[i].w.state == KIPC_SW_WAITING)
			m[i].w.state = KIPC_SW_LEFT;
		kipc_sem_grant(sem, &m[i].value);
	}
}

/*
 * Append the places to their queues, in one section: all of them for a
 * multi-wait, those that take or wait for zero for KIPC_IOC_SEM_OP.
 */
static void kipc_mwait_enqueue(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++) {
		struct kipc_sem *sem = m[i].sem;

		if (!m[i].w.count && !m[i].zero)
			continue;
		kipc_sem_enqueue(sem, &m[i].w);
		if (!m[i].w.count)
			sem->nzero++;
		m[i].queued = true;
	}
}

/*
 * The request is over, granted or not: take its places out of their
 * queues (whose next waiters may now be served), unlock, tell poll.
 */
static void kipc_mwait_end(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	kipc_mwait_dequeue(m, nr);
	kipc_mwait_unlock(m, nr);
	for (i = 0; i < nr; i++)
		kipc_sem_poll_wake(m[i].sem);
}

/*
 * The request could not be granted: fail for a signal or a passed
 * deadline, else sleep once with every lock dropped and take them again.
 * 0 to try again, or -EINTR, -ETIMEDOUT.
 */
static int kipc_mwait_sleep(struct kipc_mwait *m, unsigned int nr, u32 flags,
			    ktime_t deadline, bool *timed_out)
{
	clockid_t clock = flags & KIPC_SEM_REALTIME ? CLOCK_REALTIME :
						      CLOCK_MONOTONIC;

	if (signal_pending(current))
		return -EINTR;
	if (*timed_out)
		return -ETIMEDOUT;
	set_current_state(TASK_INTERRUPTIBLE);
	kipc_mwait_unlock(m, nr);
	if (flags & KIPC_SEM_TIMED)
		*timed_out = kipc_sem_sleep_until(deadline, clock);
	else
		schedule();
	kipc_mwait_lock(m, nr);
	return 0;
}

static int kipc_mwait_wait(struct kipc_mwait *m, unsigned int nr,
			   const struct kipc_sem_wait_multi *cmd,
			   ktime_t deadline)
{
	bool any = cmd->flags & KIPC_SEM_ANY;
	bool queued = false, timed_out = false;
	int ret;

	kipc_mwait_lock(m, nr);
	for (;;) {
		/* A grant wins over a signal or deadline arriving with it. */
		ret = kipc_mwait_try(m, nr, any);
		if (ret != -EAGAIN || (cmd->flags & KIPC_SEM_NONBLOCK))
			break;
		if (!queued)
			kipc_mwait_enqueue(m, nr);
		queued = true;
		ret = kipc_mwait_sleep(m, nr, cmd->flags, deadline,
				       &timed_out);
		if (ret)
			break;
	}
	/* Granted units cannot be lost here: only a dequeue follows. */
	kipc_mwait_end(m, nr);
	return ret;
}

/* Check the request but its entries; find its deadline. */
static int kipc_mwait_check(const struct kipc_sem_wait_multi *cmd,
			    ktime_t *deadline)
{
	int ret;

	*deadline = 0;
	if ((cmd->flags & ~KIPC_SEM_MULTI_FLAGS) || cmd->index)
		return -EINVAL;
	ret = kipc_sem_deadline(cmd->flags, cmd->tv_sec, cmd->tv_nsec,
				deadline);
	if (ret)
		return ret;
	if (!cmd->nr)
		return -EINVAL;
	if (cmd->nr > KIPC_SEM_MULTI_MAX)
		return -E2BIG;
	return 0;
}

/* Read entry i and take a reference to its semaphore's handle. */
/*
 * Entry i's descriptor fd into m: its file held (the caller puts it, even
 * on error) and its semaphore.  The handle, or an ERR_PTR: EBADF (no such
 * descriptor), EINVAL (not a semaphore handle).
 */
static struct kipc_handle *kipc_mwait_fget(struct kipc_mwait *m, u32 i,
					   int fd)
{
	struct kipc_handle *h;

	m->index = i;
	m->file = fget(fd);
	if (!m->file)
		return ERR_PTR(-EBADF);
	if (m->file->f_op != &kipc_sem_fops)
		return ERR_PTR(-EINVAL);
	h = m->file->private_data;
	m->sem = to_sem(h->obj);
	return h;
}

static int kipc_mwait_get(struct kipc_mwait *m, u32 i, u32 flags,
			  const struct kipc_sem_multi_entry __user *uent)
{
	struct kipc_sem_multi_entry ent;
	struct kipc_handle *h;

	if (copy_from_user(&ent, uent + i, sizeof(ent)))
		return -EFAULT;
	h = kipc_mwait_fget(m, i, ent.fd);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (!ent.count || ent.count > m->sem->max)
		return -EINVAL;
	if (!(m->file->f_mode & FMODE_WRITE))
		return -EBADF;
	m->w = (struct kipc_sem_sleeper){
		.task = current,
		.count = ent.count,
		.key = kipc_waiter_key(current),
		.state = KIPC_SW_WAITING,
		.undo = flags & KIPC_SEM_UNDO ? &h->sem_undo : NULL,
		.multi = true,
	};
	return 0;
}

/* Drop the references taken on the entries' handles, free m. */
static void kipc_mwait_put(struct kipc_mwait *m, unsigned int nr)
{
	unsigned int i;

	for (i = 0; i < nr; i++)
		if (m[i].file)
			fput(m[i].file);
	kfree(m);
}

/*
 * Do the places that would queue (take or wait for zero) mix FIFO and
 * priority-order semaphores?  Two all-waits could then each be ahead of
 * the other in a different queue and never be granted: with one order
 * per request, every queue two requests share orders them alike.
 */
static bool kipc_mwait_mixed_order(const struct kipc_mwait *m,
				   unsigned int nr)
{
	int order = -1;
	unsigned int i;

	for (i = 0; i < nr; i++) {
		if (!m[i].w.count && !m[i].zero)
			continue;
		if (order < 0)
			order = m[i].sem->obj.prio_order;
		else if (order != m[i].sem->obj.prio_order)
			return true;
	}
	return false;
}

/*
 * Check a KIPC_IOC_SEM_WAIT_MULTI request and build its places, sorted by
 * semaphore, each holding a reference to its handle; a semaphore named
 * twice, or FIFO and priority-order semaphores together, are refused.
 * The places, or an ERR_PTR.
 */
static struct kipc_mwait *
kipc_mwait_build(const struct kipc_sem_wait_multi *cmd, ktime_t *deadline)
{
	const struct kipc_sem_multi_entry __user *uent =
		u64_to_user_ptr(cmd->entries);
	struct kipc_mwait *m;
	unsigned int i;
	int ret;

	ret = kipc_mwait_check(cmd, deadline);
	if (ret)
		return ERR_PTR(ret);
	m = kcalloc(cmd->nr, sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < cmd->nr; i++) {
		ret = kipc_mwait_get(&m[i], i, cmd->flags, uent);
		if (ret)
			goto out_put;
	}
	sort(m, cmd->nr, sizeof(*m), kipc_mwait_cmp, NULL);
	ret = -EINVAL;
	for (i = 1; i < cmd->nr; i++)
		if (m[i].sem == m[i - 1].sem)
			goto out_put;
	if (kipc_mwait_mixed_order(m, cmd->nr))
		goto out_put;
	return m;
out_put:
	kipc_mwait_put(m, cmd->nr);
	return ERR_PTR(ret);
}

/*
 * A grant that could not be reported: post the units taken back, as a V
 * would (off the undo records too), so that a caller told EFAULT has lost
 * none.  got: the place taken with ANY, else -1 (all of them).  With no
 * lock held.
 */
static void kipc_mwait_give_back(struct kipc_mwait *m, unsigned int nr,
				 int got)
{
	unsigned int i;

	kipc_mwait_lock(m, nr);
	for (i = 0; i < nr; i++) {
		if (got >= 0 && (int)i != got)
			continue;
		if (m[i].w.undo)
			*m[i].w.undo -= m[i].w.count;
		if (m[i].sem->dead)
			continue;
		m[i].value += min(m[i].w.count, m[i].sem->max - m[i].value);
		kipc_sem_grant(m[i].sem, &m[i].value);
	}
	kipc_mwait_end(m, nr);
}

/*
 * Granted (got: kipc_mwait_try()'s result): write the struct back, or give
 * the units back if it cannot be written.  With no lock held.
 */
static int kipc_mwait_respond(struct kipc_ucmd *ucmd, struct kipc_mwait *m,
			      int got)
{
	struct kipc_sem_wait_multi *cmd = ucmd->cmd;
	bool any = cmd->flags & KIPC_SEM_ANY;
	int ret;

	cmd->index = any ? m[got].index : 0;
	ret = kipc_ucmd_respond(ucmd, sizeof(*cmd));
	if (ret)
		kipc_mwait_give_back(m, cmd->nr, any ? got : -1);
	return ret;
}

/* KIPC_IOC_SEM_WAIT_MULTI, on /dev/kipc. */
int kipc_sem_cmd_wait_multi(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_wait_multi *cmd = ucmd->cmd;
	struct kipc_mwait *m;
	ktime_t deadline;
	int ret;

	m = kipc_mwait_build(cmd, &deadline);
	if (IS_ERR(m))
		return PTR_ERR(m);
	ret = kipc_mwait_wait(m, cmd->nr, cmd, deadline);
	if (ret >= 0)
		ret = kipc_mwait_respond(ucmd, m, ret);
	kipc_mwait_put(m, cmd->nr);
	return ret;
}

#if KIPC_HAVE_URING_CMD_CANCEL
/* A KIPC_IOC_SEM_WAIT_MULTI made through io_uring; see above. */
struct kipc_mwait_async {
	struct kipc_async a;
	struct kipc_mwait *m;		/* sorted: m[0].sem's lock guards a */
	struct kipc_ucmd ucmd;
	union kipc_ioctl_buffer buf;
};

static void kipc_mwait_async_free(struct kipc_mwait_async *ma)
{
	if (ma->m)
		kipc_mwait_put(ma->m, ma->buf.sem_wait_multi.nr);
	kfree(ma);
}

/*
 * Task work, after a wake: decide as a woken caller would, then complete
 * the request or leave it waiting.  A request that can no longer be
 * answered (cancelled, its task or ring going away) is never granted: it
 * leaves, and the waiters behind it are examined again.
 */
static void kipc_mwait_async_resolve(struct io_uring_cmd *ioucmd,
				     unsigned int issue_flags)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_mwait_async *ma =
		container_of(a, struct kipc_mwait_async, a);
	struct kipc_sem_wait_multi *cmd = &ma->buf.sem_wait_multi;
	int ret = -ECANCELED;

	kipc_mwait_lock(ma->m, cmd->nr);
	if (!kipc_async_gone(a, issue_flags)) {
		/* A grant wins over a deadline arriving with it. */
		ret = kipc_mwait_try(ma->m, cmd->nr, cmd->flags & KIPC_SEM_ANY);
		if (ret == -EAGAIN && !kipc_async_timed_out(a)) {
			kipc_async_keep_waiting(a, 0);
			kipc_mwait_unlock(ma->m, cmd->nr);
			return;
		}
		if (ret == -EAGAIN)
			ret = -ETIMEDOUT;
	}
	kipc_mwait_end(ma->m, cmd->nr);
	if (ret >= 0)
		ret = kipc_mwait_respond(&ma->ucmd, ma->m, ret);
	kipc_async_finish(a, ret, issue_flags);
	kipc_mwait_async_free(ma);
}

/*
 * The ring is torn down or its task exits (uring_lock held): mark the
 * request under its lowest semaphore's lock and queue resolve.
 */
static void kipc_mwait_async_cancel(struct io_uring_cmd *ioucmd)
{
	struct kipc_async *a = kipc_uring_pdu(ioucmd);
	struct kipc_mwait_async *ma =
		container_of(a, struct kipc_mwait_async, a);

	kipc_sem_async_cancel_under(ma->m[0].sem, a);
}

static const struct kipc_ioctl_op kipc_mwait_async_op =
	KIPC_IOCTL_OP(KIPC_IOC_SEM_WAIT_MULTI, kipc_sem_cmd_wait_multi,
		      struct kipc_sem_wait_multi, tv_nsec);

/*
 * IORING_OP_URING_CMD with cmd_op KIPC_IOC_SEM_WAIT_MULTI on /dev/kipc:
 * the ioctl's multi-wait, its places in the semaphores' FIFOs without a
 * thread.  Non-blocking requests end at issue.  Others are marked
 * cancellable before any lock and then always complete through
 * io_uring_cmd_done(), after the locks are dropped, even at once.
 */
int kipc_sem_uring_wait_multi(struct io_uring_cmd *ioucmd,
			      unsigned int issue_flags)
{
	struct task_struct *task = io_uring_cmd_get_task(ioucmd);
	struct kipc_sem_wait_multi *cmd;
	struct kipc_mwait_async *ma;
	ktime_t deadline;
	unsigned int i;
	int ret;

	if (issue_flags & IO_URING_F_CANCEL) {
		kipc_mwait_async_cancel(ioucmd);
		return 0;
	}
	ma = kzalloc(sizeof(*ma), GFP_KERNEL_ACCOUNT);
	if (!ma)
		return -ENOMEM;
	cmd = &ma->buf.sem_wait_multi;
	ma->ucmd.cmd = &ma->buf;
	ret = kipc_uring_ucmd(ioucmd, &kipc_mwait_async_op, &ma->ucmd);
	if (ret)
		goto out_free;
	ma->m = kipc_mwait_build(cmd, &deadline);
	if (IS_ERR(ma->m)) {
		ret = PTR_ERR(ma->m);
		ma->m = NULL;
		goto out_free;
	}
	for (i = 0; i < cmd->nr; i++) {
		ma->m[i].w.task = task;
		ma->m[i].w.key = kipc_waiter_key(task);
		ma->m[i].w.async = &ma->a;
	}
	kipc_async_init(&ma->a, ioucmd, kipc_mwait_async_resolve, issue_flags,
			cmd->flags & KIPC_SEM_NONBLOCK);
	if (cmd->flags & KIPC_SEM_TIMED)
		kipc_async_set_deadline(&ma->a, cmd->flags & KIPC_SEM_REALTIME,
					deadline);

	kipc_mwait_lock(ma->m, cmd->nr);
	ret = ma->a.cancelled ? -ECANCELED :
		kipc_mwait_try(ma->m, cmd->nr, cmd->flags & KIPC_SEM_ANY);
	if (ret == -EAGAIN && !ma->a.nonblock) {
		kipc_mwait_enqueue(ma->m, cmd->nr);
		kipc_async_wait(&ma->a, 0);
		kipc_mwait_unlock(ma->m, cmd->nr);
		return -EIOCBQUEUED;
	}
	kipc_mwait_end(ma->m, cmd->nr);
	if (ret >= 0)
		ret = kipc_mwait_respond(&ma->ucmd, ma->m, ret);
	ret = kipc_async_issue_end(&ma->a, ret, issue_flags);
out_free:
	kipc_mwait_async_free(ma);
	return ret;
}
#endif /* KIPC_HAVE_URING_CMD_CANCEL */

/* ---- Operations on several semaphores at once (KIPC_IOC_SEM_OP) ------- */

/*
 * SysV semop() on kipc: a sequence of take, add and wait-for-zero
 * operations (or only set operations) applied in one step, or not at all.
 * The same semaphore may appear more than once; the operations apply in
 * array order to a running copy of the values, as semop() does.  Each
 * distinct semaphore has one place, built and locked as a multi-wait's
 * (kipc_mwait_lock()): its count is the sum of the request's takes there,
 * 0 if it only waits for zero, and it is not queued at all if it only adds.
 * The rule is the multi-wait's, with the takers alone forming each FIFO:
 * a place that takes must be the first taker of its queue; a place with
 * count 0 blocks nobody and is passed over by every grant, and it is woken
 * when the value drops to 0 (kipc_sem_wake_zero()).
 */
struct kipc_semop {
	u32 place;			/* in the array of places */
	u32 op;				/* KIPC_SEMOP_* */
	u32 count;
	u32 flags;			/* KIPC_SEM_UNDO, KIPC_SEM_NONBLOCK */
	u64 *undo;			/* the handle's undo record, or NULL */
	struct kipc_handle *h;		/* with undo: the handle */
};

/* Is the record of op i, with ops 0..i-1 applied to it, able to take it? */
static int kipc_semop_undo_ok(const struct kipc_semop *ops, unsigned int i)
{
	u64 rec = *ops[i].undo;
	unsigned int j;

	for (j = 0; j < i; j++) {
		if (ops[j].undo != ops[i].undo)
			continue;
		if (ops[j].op == KIPC_SEMOP_TAKE)
			rec += ops[j].count;
		else
			rec -= ops[j].count;
	}
	if (ops[i].op == KIPC_SEMOP_TAKE)
		return rec > U64_MAX - ops[i].count ? -EOVERFLOW : 0;
	return rec < ops[i].count ? -EINVAL : 0;
}

/*
 * Apply the operations to the places' values if every one can go now: 0,
 * 1 if the request must wait, or an error.  Under every lock.
 */
static int kipc_semop_try(struct kipc_mwait *p, unsigned int np,
			  const struct kipc_semop *ops, unsigned int nr,
			  bool nonblock)
{
	u32 val[KIPC_SEM_MULTI_MAX];
	unsigned int i;
	int ret;

	for (i = 0; i < np; i++) {
		if (p[i].sem->dead)
			return -EIDRM;
		val[i] = p[i].value;
	}
	for (i = 0; i < nr; i++) {
		const struct kipc_semop *op = &ops[i];
		struct kipc_mwait *m = &p[op->place];
		u32 *v = &val[op->place];
		bool blocked = false;

		if (op->undo) {
			kipc_sem_absorb(m->sem, op->h);
			ret = kipc_semop_undo_ok(ops, i);
			if (ret)
				return ret;
		}
		switch (op->op) {
		case KIPC_SEMOP_TAKE:
			blocked = !kipc_mwait_first(m) || *v < op->count;
			if (!blocked)
				*v -= op->count;
			break;
		case KIPC_SEMOP_ADD:
			if (op->count > m->sem->max - *v)
				return -ERANGE;
			*v += op->count;
			break;
		case KIPC_SEMOP_ZERO:
			blocked = *v != 0;
			break;
		default:
			*v = op->count;
			break;
		}
		if (blocked)
			return nonblock || (op->flags & KIPC_SEM_NONBLOCK) ?
				-EAGAIN : 1;
	}
	for (i = 0; i < nr; i++) {
		if (!ops[i].undo)
			continue;
		if (ops[i].op == KIPC_SEMOP_TAKE)
			*ops[i].undo += ops[i].count;
		else
			*ops[i].undo -= ops[i].count;
	}
	for (i = 0; i < np; i++) {
		p[i].value = val[i];
		if (p[i].w.state == KIPC_SW_WAITING)
			p[i].w.state = KIPC_SW_GRANTED;
	}
	return 0;
}

static int kipc_semop_wait(struct kipc_mwait *p, unsigned int np,
			   const struct kipc_semop *ops, unsigned int nr,
			   u32 flags, ktime_t deadline)
{
	bool queued = false, timed_out = false;
	unsigned int i;
	int ret;

	kipc_mwait_lock(p, np);
	for (;;) {
		/* A grant wins over a signal or deadline arriving with it. */
		ret = kipc_semop_try(p, np, ops, nr, flags & KIPC_SEM_NONBLOCK);
		if (ret <= 0)
			break;
		if (!queued)
			kipc_mwait_enqueue(p, np);
		queued = true;
		ret = kipc_mwait_sleep(p, np, flags, deadline, &timed_out);
		if (ret)
			break;
	}
	kipc_mwait_dequeue(p, np);
	/* Added or set units go to the waiters, as a V's do. */
	if (!ret)
		for (i = 0; i < np; i++)
			kipc_sem_grant(p[i].sem, &p[i].value);
	kipc_mwait_unlock(p, np);
	for (i = 0; i < np; i++)
		kipc_sem_poll_wake(p[i].sem);
	return ret;
}

/* Read operation i into ops[i] and m[i] (a reference to its handle). */
static int kipc_semop_get(struct kipc_semop *op, struct kipc_mwait *m,
			  u32 i, const struct kipc_sem_op_entry __user *uent)
{
	struct kipc_sem_op_entry ent;
	struct kipc_handle *h;

	if (copy_from_user(&ent, uent + i, sizeof(ent)))
		return -EFAULT;
	h = kipc_mwait_fget(m, i, ent.fd);
	if (IS_ERR(h))
		return PTR_ERR(h);
	if (ent.flags & ~(KIPC_SEM_UNDO | KIPC_SEM_NONBLOCK))
		return -EINVAL;
	switch (ent.op) {
	case KIPC_SEMOP_TAKE:
	case KIPC_SEMOP_ADD:
		if (!ent.count || ent.count > m->sem->max)
			return -EINVAL;
		break;
	case KIPC_SEMOP_ZERO:
		if (ent.count || (ent.flags & KIPC_SEM_UNDO))
			return -EINVAL;
		break;
	case KIPC_SEMOP_SET:
		if (ent.count > m->sem->max || ent.flags)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (!(m->file->f_mode & FMODE_WRITE))
		return -EBADF;
	*op = (struct kipc_semop){
		.op = ent.op,
		.count = ent.count,
		.flags = ent.flags,
		.undo = ent.flags & KIPC_SEM_UNDO ? &h->sem_undo : NULL,
		.h = h,
	};
	return 0;
}

/*
 * One place per distinct semaphore of the sorted m: its count is the sum
 * of the takes there.  Returns the number of places.
 */
static unsigned int kipc_semop_places(struct kipc_mwait *m, unsigned int nr,
				      struct kipc_semop *ops,
				      struct kipc_mwait *p)
{
	unsigned int i, np = 0;

	for (i = 0; i < nr; i++) {
		struct kipc_semop *op = &ops[m[i].index];

		if (!i || m[i].sem != m[i - 1].sem) {
			p[np] = (struct kipc_mwait){
				.sem = m[i].sem,
				.index = np,
				.w = {
					.task = current,
					.key = kipc_waiter_key(current),
					.state = KIPC_SW_WAITING,
					.multi = true,
				},
			};
			np++;
		}
		op->place = np - 1;
		if (op->op == KIPC_SEMOP_TAKE)
			p[np - 1].w.count = min_t(u64, (u64)p[np - 1].w.count +
						  op->count, U32_MAX);
		p[np - 1].zero |= op->op == KIPC_SEMOP_ZERO;
	}
	return np;
}

/* KIPC_IOC_SEM_OP, on /dev/kipc. */
int kipc_sem_cmd_op(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_wait_multi *cmd = ucmd->cmd;
	const struct kipc_sem_op_entry __user *uent =
		u64_to_user_ptr(cmd->entries);
	struct kipc_mwait *m, *p;
	struct kipc_semop *ops;
	unsigned int i, np, nset = 0;
	ktime_t deadline;
	int ret;

	ret = kipc_mwait_check(cmd, &deadline);
	if (ret)
		return ret;
	if (cmd->flags & (KIPC_SEM_ANY | KIPC_SEM_UNDO))
		return -EINVAL;
	m = kcalloc(cmd->nr, 2 * sizeof(*m) + sizeof(*ops), GFP_KERNEL_ACCOUNT);
	if (!m)
		return -ENOMEM;
	p = m + cmd->nr;
	ops = (struct kipc_semop *)(p + cmd->nr);
	for (i = 0; i < cmd->nr; i++) {
		ret = kipc_semop_get(&ops[i], &m[i], i, uent);
		if (ret)
			goto out_put;
		nset += ops[i].op == KIPC_SEMOP_SET;
	}
	ret = -EINVAL;
	if (nset && nset != cmd->nr)
		goto out_put;
	sort(m, cmd->nr, sizeof(*m), kipc_mwait_cmp, NULL);
	np = kipc_semop_places(m, cmd->nr, ops, p);
	if (!kipc_mwait_mixed_order(p, np))
		ret = kipc_semop_wait(p, np, ops, cmd->nr, cmd->flags,
				      deadline);
out_put:
	kipc_mwait_put(m, cmd->nr);
	return ret;
}
