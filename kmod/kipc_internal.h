/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc: declarations shared by the files of the module.
 *
 * Naming: kipc_<object>_<verb>, with the object spelt out (kipc_sem_*,
 * kipc_queue_*, kipc_ring_*, kipc_registry_*): kipc_queue_lock() and
 * kipc_queue_unlock(), kipc_queue_enter() and kipc_queue_exit() (the lock
 * plus the ring's kipc_ring_enter() and kipc_ring_exit()), kipc_sem_async
 * and kipc_queue_async for io_uring requests, struct kipc_sem_sleeper and
 * struct kipc_queue_sleeper for a blocked task (the uapi's kipc_sem_waiter
 * is what a stat reports of one), and private constants prefixed by their
 * object (KIPC_SW_* for a semaphore sleeper's state, KIPC_QW_* for a
 * queue's), never by a uapi prefix.
 */
#ifndef _KIPC_INTERNAL_H
#define _KIPC_INTERNAL_H

#include <linux/fs.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/task.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <uapi/linux/kipc.h>

#include "kipc_compat.h"

/* Limits: module parameters, see kipc_main.c. */
struct kipc_limits {
	unsigned int max_objects;
	unsigned int max_objects_per_user;
	unsigned int msgsize_max;
	unsigned int queue_msgs_max;
	unsigned int sem_value_max;
	u64 queue_bytes_max;
	u64 user_bytes_max;
};

void kipc_limits_get(struct kipc_limits *lim);

/*
 * The wait rule every blocking ioctl shares: with the request's TIMED flag,
 * (sec, nsec) is an absolute deadline, on CLOCK_MONOTONIC or, with its
 * REALTIME flag, CLOCK_REALTIME (the caller picks the clock); without it
 * both are 0 and *deadline is 0.  REALTIME needs TIMED, NONBLOCK excludes
 * it, and nsec is 0..999999999: anything else is -EINVAL.  The flag bits
 * are the request's own (KIPC_MSG_* or KIPC_SEM_*).
 */
static inline int kipc_deadline(u32 flags, u32 nonblock, u32 timed,
				u32 realtime, s64 sec, s64 nsec,
				ktime_t *deadline)
{
	struct timespec64 ts = { .tv_sec = sec, .tv_nsec = nsec };

	*deadline = 0;
	if ((flags & realtime) && !(flags & timed))
		return -EINVAL;
	if ((flags & nonblock) && (flags & timed))
		return -EINVAL;
	if (!(flags & timed))
		return sec || nsec ? -EINVAL : 0;
	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*deadline = timespec64_to_ktime(ts);
	return 0;
}

/*
 * Table-driven ioctl dispatch (the iommufd pattern).  Every kipc ioctl
 * takes a struct whose first member is "__u32 size"; kipc_dispatch() copies
 * it in with the size rules of the ABI header, calls the handler, and the
 * handler writes results back with kipc_ucmd_respond().
 */
struct kipc_ucmd {
	struct file *file;
	void __user *ubuffer;
	u32 user_size;
	void *cmd;
};

struct kipc_ioctl_op {
	unsigned int size;	/* sizeof the kernel's struct */
	unsigned int min_size;	/* offsetofend of the last required field */
	unsigned int ioctl_num;	/* the ioctl number; its size bits are unused */
	/*
	 * Requests on an object handle that carry the object's "__u64 id":
	 * its offset, which kipc_ucmd_copy_in() checks with
	 * kipc_handle_check_id(); 0 for none.
	 */
	unsigned int id_offset;
	int (*execute)(struct kipc_ucmd *ucmd);
};

/* Every ioctl argument struct, so that one buffer fits them all. */
union kipc_ioctl_buffer {
	struct kipc_info info;
	struct kipc_open open;
	struct kipc_unlink unlink;
	struct kipc_list list;
	struct kipc_destroy destroy;
	struct kipc_sem_wait sem_wait;
	struct kipc_sem_post sem_post;
	struct kipc_sem_stat sem_stat;
	struct kipc_sem_wait_multi sem_wait_multi;
	struct kipc_send send;
	struct kipc_recv recv;
	struct kipc_batch batch;
	struct kipc_queue_stat queue_stat;
	struct kipc_ring_lane_req ring_lane;
	struct kipc_ring_kick ring_kick;
	struct kipc_queue_notify queue_notify;
	struct kipc_sem_undo_slot sem_undo_slot;
};

/*
 * One entry of a dispatch table.  Checked at compile time: the struct is a
 * multiple of 8 bytes and fits the dispatch buffer (a struct left out of
 * the union above fails the build, not a run).
 */
#define __KIPC_IOCTL_OP(_ioctl, _fn, _struct, _last, _id_offset)         \
	{                                                                  \
		.size = sizeof(_struct) +                                  \
			BUILD_BUG_ON_ZERO(sizeof(_struct) % 8 != 0) +      \
			BUILD_BUG_ON_ZERO(sizeof(_struct) >                \
					  sizeof(union kipc_ioctl_buffer)), \
		.min_size = offsetofend(_struct, _last),                   \
		.ioctl_num = _ioctl,                                       \
		.id_offset = _id_offset,                                   \
		.execute = _fn,                                            \
	}

#define KIPC_IOCTL_OP(_ioctl, _fn, _struct, _last) \
	__KIPC_IOCTL_OP(_ioctl, _fn, _struct, _last, 0)

/*
 * An entry whose struct ends with "__u64 id", the object the caller
 * believes the handle names (checked at compile time: a u64, the last
 * member, so that an old caller's shorter struct has no id).
 */
#define KIPC_IOCTL_OP_ID(_ioctl, _fn, _struct, _last)                     \
	__KIPC_IOCTL_OP(_ioctl, _fn, _struct, _last,                       \
			offsetof(_struct, id) +                            \
			BUILD_BUG_ON_ZERO(sizeof_field(_struct, id) != 8) + \
			BUILD_BUG_ON_ZERO(offsetof(_struct, id) + 8 !=     \
					  sizeof(_struct)))

long kipc_dispatch(const struct kipc_ioctl_op *ops, unsigned int nr_ops,
		   struct file *file, unsigned int cmd, unsigned long arg);
int kipc_ucmd_respond(struct kipc_ucmd *ucmd, size_t cmd_len);
const struct kipc_ioctl_op *kipc_ioctl_find(const struct kipc_ioctl_op *ops,
					    unsigned int nr_ops,
					    unsigned int cmd);
int kipc_ucmd_copy_in(const struct kipc_ioctl_op *op, struct kipc_ucmd *ucmd);

/*
 * Memory a process has the kernel allocate for an object: charged to its
 * memory cgroup, and past the cgroup's limit an ENOMEM, not an OOM kill.
 */
#define KIPC_GFP_OBJECT	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* Pages an object shares with the processes that map it (kipc_shared.c). */
struct kipc_shared {
	struct page **pages;
	unsigned long nr_pages;
	void *addr;			/* vmap() of pages: the kernel's view */
};

int kipc_shared_alloc(struct kipc_shared *sh, size_t size);
void kipc_shared_free(struct kipc_shared *sh);
int kipc_mmap_shared(struct vm_area_struct *vma, struct kipc_shared *sh,
		     unsigned long pgoff);

/*
 * Asynchronous waits through io_uring's uring_cmd (kipc_uring.c), where
 * the kernel can cancel them (KIPC_HAVE_URING_CMD_CANCEL).
 *
 * An object queues a request's waiter in its FIFO like a blocked task's.
 * Where it would wake the task, it calls kipc_async_wake(), which queues
 * the request's task work ("resolve") unless it is queued already; so does
 * the request's timer, at its deadline or at a recheck.  Resolve runs in
 * the submitting task (or, once that task or ring is going away, with
 * IO_URING_F_TASK_DEAD), takes the object's lock and either finishes the
 * request (kipc_async_finish()) or leaves it waiting
 * (kipc_async_keep_waiting(), under the lock).  Cancellation (ring
 * teardown, task exit) sets "cancelled" under the object's lock and wakes.
 * Only task work finishes a queued request, so the request outlives every
 * wake that can reach it: wakes under the object's lock find it on the
 * waiter list, and the timer is cancelled before the request completes.
 */
struct io_uring_cmd;

struct kipc_async {
	struct io_uring_cmd *cmd;
	void (*resolve)(struct io_uring_cmd *cmd, unsigned int issue_flags);
	struct hrtimer timer;
	ktime_t deadline;	/* KTIME_MAX: none */
	clockid_t clock;
	unsigned long queued;	/* bit 0: resolve is queued */
	bool nonblock;		/* ends at issue, never cancellable */
	bool waiting;		/* under the object's lock: its waiter queued */
	bool cancelled;		/* under the object's lock */
};

void kipc_async_init(struct kipc_async *a, struct io_uring_cmd *cmd,
		     void (*resolve)(struct io_uring_cmd *, unsigned int),
		     unsigned int issue_flags, bool nonblock);
void kipc_async_set_deadline(struct kipc_async *a, bool realtime,
			     ktime_t deadline);
void kipc_async_wake(struct kipc_async *a);
void kipc_async_cancel(struct kipc_async *a);
bool kipc_async_timed_out(struct kipc_async *a);
bool kipc_async_gone(struct kipc_async *a, unsigned int issue_flags);
void kipc_async_wait(struct kipc_async *a, unsigned int recheck_ms);
void kipc_async_keep_waiting(struct kipc_async *a, unsigned int recheck_ms);
void kipc_async_finish(struct kipc_async *a, int ret,
		       unsigned int issue_flags);
int kipc_async_issue_end(struct kipc_async *a, int ret,
			 unsigned int issue_flags);
int kipc_uring_ucmd(struct io_uring_cmd *ioucmd,
		    const struct kipc_ioctl_op *op, struct kipc_ucmd *ucmd);
void kipc_uring_set_pdu(struct io_uring_cmd *ioucmd, void *p);
void *kipc_uring_pdu(struct io_uring_cmd *ioucmd);

/*
 * Tasks to wake once an object's lock is dropped, as ipc/'s wake_q does
 * (wake_q_add() is not exported to modules): woken under the lock, a task's
 * first act would be to run into that lock and sleep or spin again.  A
 * section adds the sleepers it wakes (kipc_wake_list_add(), holding a
 * reference to each); its unlock moves the list to the stack
 * (kipc_wake_list_take()), drops the lock and wakes them
 * (kipc_wake_list_wake()).  Past KIPC_WAKE_MAX a task is woken at once,
 * under the lock.  A waiter reads its state under the lock, so a wake-up
 * that comes late is only spurious.
 */
#define KIPC_WAKE_MAX	8

struct kipc_wake_list {
	u32 n;
	struct task_struct *task[KIPC_WAKE_MAX];
};

static inline void kipc_wake_list_add(struct kipc_wake_list *wl,
				      struct task_struct *t)
{
	if (wl->n == KIPC_WAKE_MAX) {
		wake_up_process(t);
		return;
	}
	get_task_struct(t);
	wl->task[wl->n++] = t;
}

/* Under the lock: move the list's tasks to "out", leaving it empty. */
static inline void kipc_wake_list_take(struct kipc_wake_list *wl,
				       struct kipc_wake_list *out)
{
	u32 i;

	out->n = wl->n;
	for (i = 0; i < wl->n; i++)
		out->task[i] = wl->task[i];
	wl->n = 0;
}

/* With the lock dropped: wake the tasks taken, and drop them. */
static inline void kipc_wake_list_wake(struct kipc_wake_list *wl)
{
	u32 i;

	for (i = 0; i < wl->n; i++) {
		wake_up_process(wl->task[i]);
		put_task_struct(wl->task[i]);
	}
}

/*
 * The object registry (kipc_registry.c).
 *
 * Every object embeds a struct kipc_object.  Its reference count has one
 * reference per open handle (struct file) and one while it has a name; the
 * last put frees it.  The type supplies a struct kipc_object_type.
 */
struct kipc_handle;
struct kipc_ns;
struct kipc_object;
struct seq_file;

struct kipc_object_type {
	unsigned int type;		/* KIPC_OBJ_* */
	const char *name;		/* "sem": the /proc/kipc type column */
	const char *anon_name;		/* "[kipc-sem]": the handle's name */
	const struct file_operations *fops;
	/*
	 * A new object from a validated KIPC_IOC_OPEN, or an ERR_PTR: zeroed
	 * but for the type's own fields and "charge", its size in bytes.
	 */
	struct kipc_object *(*create)(const struct kipc_open *op,
				      const struct kipc_limits *lim);
	/* Type fields of KIPC_IOC_OPEN for an existing object: 0 or -errno. */
	int (*check_open)(const struct kipc_open *op, bool create,
			  const struct kipc_limits *lim);
	/*
	 * Optional: a new handle "file" of the object was made by
	 * KIPC_IOC_OPEN; release_handle() undoes it.
	 */
	void (*open_handle)(struct kipc_object *obj, struct kipc_handle *h,
			    struct file *file, const struct kipc_open *op);
	/* KIPC_IOC_DESTROY: fail every waiter and later operation. */
	void (*kill)(struct kipc_object *obj);
	/* The last handle on this open file description goes away. */
	void (*release_handle)(struct kipc_object *obj,
			       struct kipc_handle *h);
	/* Type columns of /proc/kipc and fields of struct kipc_obj_info. */
	void (*show)(struct seq_file *m, struct kipc_object *obj);
	void (*fill_info)(struct kipc_object *obj, struct kipc_obj_info *info);
	/* Frees the object; the registry has forgotten it. */
	void (*free)(struct kipc_object *obj);
};

struct kipc_object {
	const struct kipc_object_type *type;
	struct kref ref;
	u64 id;
	struct kipc_ns *ns;		/* its IPC namespace's, set at register */
	/* Set under kipc_registry_lock, by KIPC_IOC_DESTROY only. */
	bool destroyed;
	/* In the name table; both under kipc_registry_lock. */
	bool linked;
	union {
		struct rb_node name_node;	/* while linked */
		struct list_head reap_node;	/* the reaper's, once unlinked */
	};
	char *name;			/* NULL if anonymous */
	kuid_t uid, cuid;
	kgid_t gid, cgid;
	umode_t mode;
	time64_t ctime;
	size_t charge;			/* bytes charged to cuid */
	bool prio_order;		/* KIPC_OPEN_PRIO_ORDER, at creation */
};

/*
 * Waiter order.  A waiter's key is sampled from its task (an io_uring
 * request's: the submitter) when it queues, as mqueue and futexes do:
 * deadline and real-time tasks by task->prio (lower is more important,
 * deadline first), every other task one class below them all, whatever
 * its nice value.  A FIFO object appends; a KIPC_OPEN_PRIO_ORDER object
 * inserts after the last waiter whose key is <= the new one, so equal keys
 * stay in arrival order.
 */
static inline int kipc_waiter_key(const struct task_struct *task)
{
	int prio = READ_ONCE(task->prio);

	return prio < MAX_RT_PRIO ? prio : MAX_RT_PRIO;
}

/*
 * Queue node in list by key; key_of() reads a queued node's key.  From the
 * tail: among equal keys (the common case of normal tasks) that is O(1).
 */
static inline void kipc_waiter_insert(struct list_head *list,
				      struct list_head *node, int key,
				      bool prio_order,
				      int (*key_of)(const struct list_head *))
{
	struct list_head *pos = list->prev;

	if (prio_order)
		while (pos != list && key_of(pos) > key)
			pos = pos->prev;
	list_add(node, pos);
}

/* The stats' "order": fixed at creation, so read without a lock. */
static inline u32 kipc_object_order(const struct kipc_object *obj)
{
	return obj->prio_order ? KIPC_ORDER_PRIO : KIPC_ORDER_FIFO;
}

/* file->private_data of a handle. */
struct kipc_handle {
	struct kipc_object *obj;
	/* KIPC_SEM_UNDO record: under the semaphore's lock. */
	u64 sem_undo;
	/* Its slot in the semaphore's undo page, or 0: under the same lock. */
	u32 sem_slot;
	/* Queues: KIPC_QUEUE_NOSIGPIPE and the pipe-mode role; set at open. */
	u32 q_flags;
};

/*
 * A request's id (KIPC_FEAT_HANDLE_ID) against the object of the handle
 * it was made on: 0 asks for no check.  A handle's object never changes,
 * so one comparison, before any lock, decides.
 */
static inline int kipc_handle_check_id(struct file *file, u64 id)
{
	const struct kipc_handle *h = file->private_data;

	return id && id != h->obj->id ? -EBADF : 0;
}

int kipc_registry_init(void);
void kipc_registry_exit(void);
unsigned int kipc_registry_nr_objects(void);
void kipc_object_put(struct kipc_object *obj);
int kipc_object_release(struct inode *inode, struct file *file);
int kipc_cmd_open(struct kipc_ucmd *ucmd);
int kipc_cmd_unlink(struct kipc_ucmd *ucmd);
int kipc_cmd_list(struct kipc_ucmd *ucmd);
int kipc_cmd_destroy(struct kipc_ucmd *ucmd);

/* Semaphores (kipc_sem.c). */
extern const struct kipc_object_type kipc_sem_type;
int kipc_sem_cmd_wait_multi(struct kipc_ucmd *ucmd);
int kipc_sem_cmd_op(struct kipc_ucmd *ucmd);
int kipc_sem_uring_wait_multi(struct io_uring_cmd *ioucmd,
			      unsigned int issue_flags);

/* Message queues (kipc_queue.c). */
extern const struct kipc_object_type kipc_queue_type;

#endif /* _KIPC_INTERNAL_H */
