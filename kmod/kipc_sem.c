// SPDX-License-Identifier: GPL-2.0
/*
 * kipc: strong counting semaphores.
 *
 * P(n) takes n units at once only if nobody waits and the value allows it;
 * otherwise it queues at the tail.  V(n) adds n and then grants waiters from
 * the head while the head's request fits, handing the units over: the
 * granted waiter's units are subtracted by V, so nobody can barge in between
 * the post and the wake-up, and a smaller request never overtakes a larger
 * one queued before it.
 *
 * Locking: sem->lock, a spinlock, protects everything that changes in a
 * semaphore: value, dead, the waiter queue and nwaiters, the state of every
 * queued waiter, and the undo records (struct kipc_handle.sem_undo) of the
 * semaphore's handles.  It is never taken from interrupt context.  It nests
 * inside kipc_registry_lock (/proc/kipc, KIPC_IOC_LIST); only the
 * scheduler's wake_up_process() is called under it.  poll's wait queue is
 * woken after it is dropped.
 *
 * A waiter lives on its task's stack.  Its state goes from WAITING to
 * exactly one of GRANTED (V subtracted its units and dequeued it), LEFT (it
 * dequeued itself on a signal or timeout, without units) or REMOVED (the
 * semaphore was destroyed), always under sem->lock.  The waiter reads its
 * state only under the lock and returns only after it is off the queue, so
 * a waker never touches a waiter that has gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/compat.h>
#include <linux/cred.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pid_namespace.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>
#include <linux/wait.h>

#include "kipc_internal.h"

struct kipc_sem {
	struct kipc_object obj;
	spinlock_t lock;		/* see "Locking" above */
	u32 value;
	u32 max;			/* set at creation */
	u32 nwaiters;
	bool dead;			/* destroyed */
	struct list_head waiters;	/* struct kipc_waiter, FIFO */
	wait_queue_head_t poll_wq;
};

enum kipc_sem_state {
	KIPC_SEM_WAITING,
	KIPC_SEM_GRANTED,
	KIPC_SEM_LEFT,
	KIPC_SEM_REMOVED,
};

struct kipc_waiter {
	struct list_head node;
	struct task_struct *task;
	u32 count;
	enum kipc_sem_state state;
	u64 *undo;			/* the handle's undo record, or NULL */
};

static struct kipc_sem *to_sem(struct kipc_object *obj)
{
	return container_of(obj, struct kipc_sem, obj);
}

/* Grant from the head while the head fits.  Under sem->lock. */
static void kipc_sem_grant(struct kipc_sem *sem)
{
	struct kipc_waiter *w, *tmp;

	lockdep_assert_held(&sem->lock);
	list_for_each_entry_safe(w, tmp, &sem->waiters, node) {
		if (w->count > sem->value)
			break;
		sem->value -= w->count;
		if (w->undo)
			*w->undo += w->count;
		list_del(&w->node);
		sem->nwaiters--;
		w->state = KIPC_SEM_GRANTED;
		wake_up_process(w->task);
	}
}

/* After the value went up or the queue got shorter: tell poll. */
static void kipc_sem_poll_wake(struct kipc_sem *sem)
{
	if (wq_has_sleeper(&sem->poll_wq))
		wake_up_interruptible_poll(&sem->poll_wq,
					   EPOLLIN | EPOLLRDNORM);
}

/* Leave the queue without units, on a signal or timeout.  Under the lock. */
static void kipc_sem_leave(struct kipc_sem *sem, struct kipc_waiter *w)
{
	bool head = sem->waiters.next == &w->node;

	list_del(&w->node);
	sem->nwaiters--;
	w->state = KIPC_SEM_LEFT;
	if (head)
		kipc_sem_grant(sem);
}

/* Sleep until woken or the deadline; true if the deadline passed. */
static bool kipc_sem_sleep_until(ktime_t deadline, clockid_t clock)
{
	return !schedule_hrtimeout_range_clock(&deadline,
					       current->timer_slack_ns,
					       HRTIMER_MODE_ABS, clock);
}

static int kipc_sem_p(struct kipc_sem *sem, struct kipc_handle *h, u32 count,
		      u32 flags, ktime_t deadline)
{
	struct kipc_waiter w = {
		.task = current,
		.count = count,
		.state = KIPC_SEM_WAITING,
		.undo = flags & KIPC_SEM_UNDO ? &h->sem_undo : NULL,
	};
	clockid_t clock = flags & KIPC_SEM_REALTIME ? CLOCK_REALTIME :
						      CLOCK_MONOTONIC;
	bool timed_out = false, left = false;
	int ret = 0;

	spin_lock(&sem->lock);
	if (sem->dead) {
		ret = -EIDRM;
		goto out_unlock;
	}
	if (w.undo && *w.undo > U64_MAX - count) {
		ret = -EOVERFLOW;
		goto out_unlock;
	}
	if (list_empty(&sem->waiters) && sem->value >= count) {
		sem->value -= count;
		if (w.undo)
			*w.undo += count;
		goto out_unlock;
	}
	if (flags & KIPC_SEM_NONBLOCK) {
		ret = -EAGAIN;
		goto out_unlock;
	}

	list_add_tail(&w.node, &sem->waiters);
	sem->nwaiters++;
	for (;;) {
		/* A grant wins over a signal or deadline arriving with it. */
		if (w.state != KIPC_SEM_WAITING)
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
		spin_unlock(&sem->lock);
		if (flags & KIPC_SEM_TIMED)
			timed_out = kipc_sem_sleep_until(deadline, clock);
		else
			schedule();
		spin_lock(&sem->lock);
	}
	switch (w.state) {
	case KIPC_SEM_GRANTED:
		ret = 0;
		break;
	case KIPC_SEM_REMOVED:
		ret = -EIDRM;
		break;
	case KIPC_SEM_WAITING:
		kipc_sem_leave(sem, &w);
		left = true;
		break;
	default:
		WARN_ON_ONCE(1);
		break;
	}
out_unlock:
	spin_unlock(&sem->lock);
	if (left)
		kipc_sem_poll_wake(sem);
	return ret;
}

static int kipc_sem_v(struct kipc_sem *sem, struct kipc_handle *h, u32 count,
		      u32 flags)
{
	int ret = 0;

	spin_lock(&sem->lock);
	if (sem->dead) {
		ret = -EIDRM;
	} else if (count > sem->max - sem->value) {
		ret = -EOVERFLOW;
	} else if ((flags & KIPC_SEM_UNDO) && h->sem_undo < count) {
		ret = -EINVAL;
	} else {
		sem->value += count;
		if (flags & KIPC_SEM_UNDO)
			h->sem_undo -= count;
		kipc_sem_grant(sem);
	}
	spin_unlock(&sem->lock);
	if (!ret)
		kipc_sem_poll_wake(sem);
	return ret;
}

static struct kipc_sem *kipc_file_sem(struct file *file)
{
	struct kipc_handle *h = file->private_data;

	return to_sem(h->obj);
}

static int kipc_sem_cmd_wait(struct kipc_ucmd *ucmd)
{
	struct kipc_sem_wait *cmd = ucmd->cmd;
	struct kipc_sem *sem = kipc_file_sem(ucmd->file);
	ktime_t deadline = 0;

	if ((cmd->flags & ~KIPC_SEM_WAIT_FLAGS) || cmd->__reserved)
		return -EINVAL;
	if ((cmd->flags & KIPC_SEM_REALTIME) && !(cmd->flags & KIPC_SEM_TIMED))
		return -EINVAL;
	if ((cmd->flags & KIPC_SEM_NONBLOCK) && (cmd->flags & KIPC_SEM_TIMED))
		return -EINVAL;
	if (cmd->flags & KIPC_SEM_TIMED) {
		struct timespec64 ts = {
			.tv_sec = cmd->tv_sec,
			.tv_nsec = cmd->tv_nsec,
		};

		if (cmd->tv_sec < 0 || cmd->tv_nsec < 0 ||
		    cmd->tv_nsec >= NSEC_PER_SEC)
			return -EINVAL;
		deadline = timespec64_to_ktime(ts);
	} else if (cmd->tv_sec || cmd->tv_nsec) {
		return -EINVAL;
	}
	if (!cmd->count || cmd->count > sem->max)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_WRITE))
		return -EBADF;
	return kipc_sem_p(sem, ucmd->file->private_data, cmd->count,
			  cmd->flags, deadline);
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
	struct kipc_waiter *w;
	unsigned int want, nr = 0;
	int ret = 0;

	if (cmd->flags || cmd->__reserved)
		return -EINVAL;
	if (!(ucmd->file->f_mode & FMODE_READ))
		return -EBADF;

	spin_lock(&sem->lock);
	want = min(cmd->capacity, sem->nwaiters);
	spin_unlock(&sem->lock);
	if (want) {
		buf = kvmalloc_array(want, sizeof(*buf), GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
	}

	spin_lock(&sem->lock);
	if (sem->dead) {
		spin_unlock(&sem->lock);
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
	cmd->value = sem->value;
	cmd->max = sem->max;
	cmd->nwaiters = sem->nwaiters;
	cmd->undo = h->sem_undo;
	spin_unlock(&sem->lock);

	cmd->id = sem->obj.id;
	cmd->uid = from_kuid_munged(ns, sem->obj.uid);
	cmd->gid = from_kgid_munged(ns, sem->obj.gid);
	cmd->cuid = from_kuid_munged(ns, sem->obj.cuid);
	cmd->cgid = from_kgid_munged(ns, sem->obj.cgid);
	cmd->mode = sem->obj.mode;
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

static const struct kipc_ioctl_op kipc_sem_ioctl_ops[] = {
	KIPC_IOCTL_OP(KIPC_IOC_DESTROY, kipc_cmd_destroy, struct kipc_destroy,
		      flags),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_WAIT, kipc_sem_cmd_wait,
		      struct kipc_sem_wait, tv_nsec),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_POST, kipc_sem_cmd_post,
		      struct kipc_sem_post, __reserved),
	KIPC_IOCTL_OP(KIPC_IOC_SEM_STAT, kipc_sem_cmd_stat,
		      struct kipc_sem_stat, undo),
};

static long kipc_sem_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	return kipc_dispatch(kipc_sem_ioctl_ops, ARRAY_SIZE(kipc_sem_ioctl_ops),
			     file, cmd, arg);
}

/* POLLIN: P(1) would succeed now.  A hint: P itself decides. */
static __poll_t kipc_sem_poll(struct file *file, poll_table *wait)
{
	struct kipc_sem *sem = kipc_file_sem(file);
	__poll_t mask = 0;

	poll_wait(file, &sem->poll_wq, wait);
	spin_lock(&sem->lock);
	if (sem->dead)
		mask = EPOLLHUP | EPOLLERR;
	else if (list_empty(&sem->waiters) && sem->value >= 1)
		mask = EPOLLIN | EPOLLRDNORM;
	spin_unlock(&sem->lock);
	return mask;
}

static const struct file_operations kipc_sem_fops = {
	.owner = THIS_MODULE,
	.release = kipc_object_release,
	.unlocked_ioctl = kipc_sem_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = kipc_sem_poll,
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

	sem = kzalloc(sizeof(*sem), GFP_KERNEL_ACCOUNT);
	if (!sem)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&sem->lock);
	INIT_LIST_HEAD(&sem->waiters);
	init_waitqueue_head(&sem->poll_wq);
	sem->max = op->sem_max ? op->sem_max : lim->sem_value_max;
	sem->value = op->sem_value;
	sem->obj.charge = sizeof(*sem);
	return &sem->obj;
}

/* KIPC_IOC_DESTROY: every waiter leaves with EIDRM. */
static void kipc_sem_kill(struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);
	struct kipc_waiter *w, *tmp;

	spin_lock(&sem->lock);
	sem->dead = true;
	list_for_each_entry_safe(w, tmp, &sem->waiters, node) {
		list_del(&w->node);
		w->state = KIPC_SEM_REMOVED;
		wake_up_process(w->task);
	}
	sem->nwaiters = 0;
	spin_unlock(&sem->lock);
	wake_up_interruptible_poll(&sem->poll_wq, EPOLLHUP | EPOLLERR);
}

/*
 * The handle's open file description is released: post its undo record
 * back, clamped so that the value does not pass its max.
 */
static void kipc_sem_release_handle(struct kipc_object *obj,
				    struct kipc_handle *h)
{
	struct kipc_sem *sem = to_sem(obj);
	bool posted = false;

	spin_lock(&sem->lock);
	if (!sem->dead && h->sem_undo) {
		sem->value += min_t(u64, h->sem_undo, sem->max - sem->value);
		kipc_sem_grant(sem);
		posted = true;
	}
	h->sem_undo = 0;
	spin_unlock(&sem->lock);
	if (posted)
		kipc_sem_poll_wake(sem);
}

static void kipc_sem_show(struct seq_file *m, struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);

	spin_lock(&sem->lock);
	seq_printf(m, "%10u %10u %7u", sem->value, sem->max, sem->nwaiters);
	spin_unlock(&sem->lock);
}

static void kipc_sem_fill_info(struct kipc_object *obj,
			       struct kipc_obj_info *info)
{
	struct kipc_sem *sem = to_sem(obj);

	spin_lock(&sem->lock);
	info->sem_value = sem->value;
	info->sem_max = sem->max;
	info->sem_nwaiters = sem->nwaiters;
	spin_unlock(&sem->lock);
}

static void kipc_sem_free(struct kipc_object *obj)
{
	struct kipc_sem *sem = to_sem(obj);

	WARN_ON_ONCE(!list_empty(&sem->waiters));
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
