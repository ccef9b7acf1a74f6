// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: asynchronous waits through io_uring's uring_cmd (see "Asynchronous
 * waits" in kipc_internal.h, and Documentation/queues.md, "io_uring").
 *
 * Only where the kernel lets a driver cancel a pending uring_cmd (6.7 and
 * later): without cancellation a request that waits forever would keep its
 * ring, its task and the object alive.  Elsewhere the handles have no
 * uring_cmd operation and io_uring answers EOPNOTSUPP.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "kipc_internal.h"

#if KIPC_HAVE_URING_CMD_CANCEL

#include <linux/io_uring/cmd.h>
#include <linux/uaccess.h>

#define KIPC_ASYNC_QUEUED	0

void kipc_uring_set_pdu(struct io_uring_cmd *ioucmd, void *p)
{
	BUILD_BUG_ON(sizeof(p) > sizeof(ioucmd->pdu));
	memcpy(ioucmd->pdu, &p, sizeof(p));
}

void *kipc_uring_pdu(struct io_uring_cmd *ioucmd)
{
	void *p;

	memcpy(&p, ioucmd->pdu, sizeof(p));
	return p;
}

/*
 * The request's struct, read from the address in sqe->cmd with the size
 * rules of the ioctl of the same number (op).  The SQE is read here, at
 * issue, and never again: it may be reused once the request is queued.
 */
int kipc_uring_ucmd(struct io_uring_cmd *ioucmd,
		    const struct kipc_ioctl_op *op, struct kipc_ucmd *ucmd)
{
	const struct kipc_uring_cmd *uc = io_uring_sqe_cmd(ioucmd->sqe);

	if ((ioucmd->cmd_op & ~IOCSIZE_MASK) != (op->ioctl_num & ~IOCSIZE_MASK))
		return -ENOTTY;
	if (READ_ONCE(uc->__reserved) ||
	    (ioucmd->flags & IORING_URING_CMD_FIXED))
		return -EINVAL;
	ucmd->file = ioucmd->file;
	ucmd->ubuffer = u64_to_user_ptr(READ_ONCE(uc->arg));
	return kipc_ucmd_copy_in(op, ucmd);
}

void kipc_async_wake(struct kipc_async *a)
{
	if (!test_and_set_bit(KIPC_ASYNC_QUEUED, &a->queued))
		io_uring_cmd_complete_in_task(a->cmd, a->resolve);
}

/* Softirq context: no lock of the object's here, only the task work. */
static enum hrtimer_restart kipc_async_timer(struct hrtimer *timer)
{
	kipc_async_wake(container_of(timer, struct kipc_async, timer));
	return HRTIMER_NORESTART;
}

/*
 * At issue, before the object's lock: a request that may wait is marked
 * cancellable now (io_uring's ring lock may not be taken under the
 * object's), and from then on always completes through
 * io_uring_cmd_done(), even with a result found at once.
 */
void kipc_async_init(struct kipc_async *a, struct io_uring_cmd *cmd,
		     void (*resolve)(struct io_uring_cmd *, unsigned int),
		     unsigned int issue_flags, bool nonblock)
{
	a->cmd = cmd;
	a->resolve = resolve;
	a->clock = CLOCK_MONOTONIC;
	a->deadline = KTIME_MAX;
	a->queued = 0;
	a->nonblock = nonblock;
	a->waiting = false;
	a->cancelled = false;
	kipc_uring_set_pdu(cmd, a);
	if (!nonblock)
		io_uring_cmd_mark_cancelable(cmd, issue_flags);
}

/* Before the timer is used: the request's deadline and its clock. */
void kipc_async_set_deadline(struct kipc_async *a, bool realtime,
			     ktime_t deadline)
{
	a->clock = realtime ? CLOCK_REALTIME : CLOCK_MONOTONIC;
	a->deadline = deadline;
}

/* Under the object's lock: io_uring cancels the request. */
void kipc_async_cancel(struct kipc_async *a)
{
	a->cancelled = true;
	if (a->waiting)
		kipc_async_wake(a);
}

static ktime_t kipc_async_now(struct kipc_async *a)
{
	return a->clock == CLOCK_REALTIME ? ktime_get_real() : ktime_get();
}

bool kipc_async_timed_out(struct kipc_async *a)
{
	return a->deadline != KTIME_MAX &&
	       !ktime_before(kipc_async_now(a), a->deadline);
}

/*
 * In resolve, under the object's lock: no result can reach anyone (the
 * request was cancelled, or its task or ring is going away), so what it
 * was handed must go back.
 */
bool kipc_async_gone(struct kipc_async *a, unsigned int issue_flags)
{
	return a->cancelled || (issue_flags & IO_URING_F_TASK_DEAD);
}

/*
 * Under the object's lock, at issue, its waiter just queued: from now on
 * wakes and the timer resolve it.
 */
void kipc_async_wait(struct kipc_async *a, unsigned int recheck_ms)
{
	hrtimer_init(&a->timer, a->clock, HRTIMER_MODE_ABS_SOFT);
	a->timer.function = kipc_async_timer;
	a->waiting = true;
	kipc_async_keep_waiting(a, recheck_ms);
}

/*
 * Under the object's lock, the waiter still queued: let wakes queue resolve
 * again, then arm the timer for the deadline or, if recheck_ms, sooner (the
 * object waits on another process whose death only a look can tell).  In
 * that order: a timer that fires at once must find the bit clear, or its
 * wake is lost and the request outlives its deadline.  (The timer's
 * expiry takes the timer base's lock after hrtimer_start() released it, so
 * it sees the bit cleared before.)  A wake between the two queues resolve
 * early, which only looks again.
 */
void kipc_async_keep_waiting(struct kipc_async *a, unsigned int recheck_ms)
{
	ktime_t when = a->deadline;

	clear_bit(KIPC_ASYNC_QUEUED, &a->queued);
	if (recheck_ms)
		when = min(when, ktime_add_ms(kipc_async_now(a), recheck_ms));
	if (when != KTIME_MAX)
		hrtimer_start_range_ns(&a->timer, when,
				       current->timer_slack_ns,
				       HRTIMER_MODE_ABS_SOFT);
}

/*
 * Complete the request; its waiter is off the object's list and the caller
 * frees it after this.  From resolve, or at issue before the waiter was
 * ever queued (the timer not even initialised).
 */
void kipc_async_finish(struct kipc_async *a, int ret, unsigned int issue_flags)
{
	if (a->waiting)
		hrtimer_cancel(&a->timer);
	io_uring_cmd_done(a->cmd, ret, 0, issue_flags);
}

/*
 * A result at issue, the waiter never queued: what ->uring_cmd returns.  A
 * non-blocking request returns it; a cancellable one completes with it.
 */
int kipc_async_issue_end(struct kipc_async *a, int ret,
			 unsigned int issue_flags)
{
	if (a->nonblock)
		return ret;
	kipc_async_finish(a, ret, issue_flags);
	return -EIOCBQUEUED;
}

#endif /* KIPC_HAVE_URING_CMD_CANCEL */
