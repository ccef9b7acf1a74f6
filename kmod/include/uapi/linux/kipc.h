/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kipc: kernel-managed FIFO message queues and strong counting semaphores.
 *
 * This header is the whole userspace ABI of /dev/kipc and its reference.
 *
 * General rules, shared by every ioctl:
 *
 *  - Every argument is a struct whose first member is "__u32 size", the
 *    number of bytes of the struct that userspace knows about.  The kernel
 *    accepts any size from the ioctl's minimum (the size of the struct in
 *    the first ABI version that had the ioctl) upwards.  A larger size than
 *    the kernel knows is accepted only if the unknown tail is zero, else the
 *    ioctl fails with E2BIG.  A size below the minimum fails with EINVAL.
 *    A size above KIPC_SIZE_MAX fails with E2BIG whatever the tail holds
 *    (as clone3() and openat2() refuse one above a page): the kernel never
 *    reads or checks more than that.  Output fields are written back only
 *    up to the size given.
 *  - The same holds for the size of an array's entries ("entry_size" of
 *    KIPC_IOC_LIST and of the batch ioctls): above KIPC_SIZE_MAX, E2BIG.
 *  - Unknown bits in "flags" and non-zero reserved ("__reserved*") fields
 *    fail with EINVAL.
 *  - Pointers travel as __u64.  A bad pointer fails with EFAULT.
 *  - The requests that act on the object of a handle (KIPC_IOC_SEND,
 *    KIPC_IOC_RECV, the batch ioctls, KIPC_IOC_SEM_WAIT, KIPC_IOC_SEM_POST,
 *    KIPC_IOC_DESTROY, KIPC_IOC_QUEUE_NOTIFY, and the uring_cmd forms)
 *    end with "__u64 id": 0
 *    for no check, else the id (struct kipc_open's @id) of the object the
 *    caller believes the handle names.  If the handle names another object
 *    (its descriptor was closed and the number reused), the request fails
 *    with EBADF and does nothing.  KIPC_FEAT_HANDLE_ID tells the rule is
 *    there; a kernel without it fails a non-zero id with E2BIG (the tail
 *    rule above): a caller passes a non-zero id where the bit is set.
 *  - An ioctl number that kipc does not know fails with ENOTTY.  The size
 *    encoded in the ioctl number is not used: "size" is authoritative, so a
 *    program built against a newer header works with an older kernel as far
 *    as the fields it uses exist there.
 */
#ifndef _UAPI_LINUX_KIPC_H
#define _UAPI_LINUX_KIPC_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define KIPC_DEVICE_NAME	"kipc"
#define KIPC_ABI_VERSION	1

/* The largest "size" or "entry_size" the kernel accepts (E2BIG above). */
#define KIPC_SIZE_MAX		4096

/* 0xB9 is not used by any driver listed in ioctl-number.rst. */
#define KIPC_IOC_TYPE		0xB9

enum {
	KIPC_CMD_GET_INFO = 0x00,
	KIPC_CMD_OPEN = 0x01,
	KIPC_CMD_UNLINK = 0x02,
	KIPC_CMD_LIST = 0x03,
	KIPC_CMD_DESTROY = 0x04,
	KIPC_CMD_SEM_WAIT = 0x05,
	KIPC_CMD_SEM_POST = 0x06,
	KIPC_CMD_SEM_STAT = 0x07,
	KIPC_CMD_SEND = 0x08,
	KIPC_CMD_RECV = 0x09,
	KIPC_CMD_SEND_BATCH = 0x0a,
	KIPC_CMD_RECV_BATCH = 0x0b,
	KIPC_CMD_QUEUE_STAT = 0x0c,
	KIPC_CMD_RING_LANE = 0x0d,
	KIPC_CMD_RING_KICK = 0x0e,
	KIPC_CMD_SEM_WAIT_MULTI = 0x0f,
	KIPC_CMD_SEM_OP = 0x10,
	KIPC_CMD_QUEUE_NOTIFY = 0x11,
	KIPC_CMD_SEM_UNDO_SLOT = 0x12,
};

/*
 * Feature bits reported by KIPC_IOC_GET_INFO.  A bit is set when the running
 * module implements the feature.
 */
#define KIPC_FEAT_SEM		(1ULL << 0)	/* semaphores */
#define KIPC_FEAT_QUEUE		(1ULL << 1)	/* message queues */
#define KIPC_FEAT_RING		(1ULL << 2)	/* mmap'able queue ring */
#define KIPC_FEAT_SEM_FAST	(1ULL << 3)	/* mmap'able semaphore page */
#define KIPC_FEAT_URING_CMD	(1ULL << 4)	/* cancellable uring_cmd */
#define KIPC_FEAT_SEM_MULTI	(1ULL << 5)	/* KIPC_IOC_SEM_WAIT_MULTI */
#define KIPC_FEAT_OPEN_BY_ID	(1ULL << 6)	/* KIPC_OPEN_BY_ID */
#define KIPC_FEAT_SEM_OP	(1ULL << 7)	/* KIPC_IOC_SEM_OP */
#define KIPC_FEAT_HANDLE_ID	(1ULL << 8)	/* requests' "id" is checked */
#define KIPC_FEAT_SEM_MULTI_URING (1ULL << 9)	/* the multi-wait as uring_cmd */
#define KIPC_FEAT_QUEUE_NOTIFY	(1ULL << 10)	/* KIPC_IOC_QUEUE_NOTIFY */
#define KIPC_FEAT_PRIO_ORDER	(1ULL << 11)	/* KIPC_OPEN_PRIO_ORDER */
#define KIPC_FEAT_QUEUE_LAST	(1ULL << 12)	/* queue_stat's lspid..rtime */
#define KIPC_FEAT_SEM_UNDO_FAST	(1ULL << 13)	/* undo slots: P, V with undo */
#define KIPC_FEAT_STAT_ORDER	(1ULL << 14)	/* the stats' "order" */

/**
 * struct kipc_info - KIPC_IOC_GET_INFO: the ABI version, features and limits
 * @size: sizeof(struct kipc_info) as known to userspace (minimum 56)
 * @flags: must be 0
 * @abi_version: out: KIPC_ABI_VERSION of the module
 * @__reserved: must be 0
 * @features: out: KIPC_FEAT_* bits
 * @max_objects: out: the most objects that may exist at once, system-wide
 * @msgsize_max: out: the largest message, in bytes
 * @queue_msgs_max: out: the largest capacity of a queue, in messages
 * @sem_value_max: out: the largest value of a semaphore
 * @queue_bytes_max: out: the largest capacity of a queue, in bytes
 * @user_bytes_max: out: memory one user may have charged to kipc objects
 * @max_objects_per_user: out: the most objects one user (the creator) may
 *	have created in one IPC namespace (a size of 56 leaves it out)
 * @nr_objects: out: the objects that exist now in all IPC namespaces: the
 *	count that @max_objects limits (a size of 56 leaves it out)
 *
 * Limits are module parameters (/sys/module/kipc/parameters/) that root may
 * change at run time; the values are those in force during the call.
 *
 * Errors: EFAULT (bad pointer), EINVAL (size too small, flags or reserved
 * field non-zero), E2BIG (size larger than known with a non-zero tail).
 */
struct kipc_info {
	__u32 size;
	__u32 flags;
	__u32 abi_version;
	__u32 __reserved;
	__u64 features;
	__u32 max_objects;
	__u32 msgsize_max;
	__u32 queue_msgs_max;
	__u32 sem_value_max;
	__u64 queue_bytes_max;
	__u64 user_bytes_max;
	__u32 max_objects_per_user;
	__u32 nr_objects;
};

#define KIPC_IOC_GET_INFO \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_GET_INFO, struct kipc_info)

/*
 * Objects
 * =======
 *
 * Semaphores and message queues are objects.  Every object has a
 * type, a unique 64-bit id, an owner uid/gid and a creator uid/gid (the
 * fsuid/fsgid of the task that created it), permission bits (like a file's
 * 0777 bits, without umask), a creation time and an optional name.
 *
 * A name is 1..KIPC_NAME_MAX bytes, contains no '/' and no ASCII control
 * character (bytes 0x01..0x1f and 0x7f), and is neither "." nor "..".  Any
 * other byte, UTF-8 included, is allowed.  Each object type has its own name
 * space, and each IPC namespace (CLONE_NEWIPC) its own names: a task sees
 * and can open by name only the objects created in its IPC namespace.  The
 * named objects of an IPC namespace that no task or nsfs reference can
 * reach any more are unlinked within about a second.  A named object lives
 * until it is unlinked (KIPC_IOC_UNLINK) or destroyed, even with no handle
 * open; an anonymous object lives as long as a handle to it does.
 *
 * A handle is a file descriptor returned by KIPC_IOC_OPEN.  Permission is
 * checked once, at open, like SysV IPC: the owner or creator bits if the
 * caller's fsuid is the owner or creator, else the group bits if the caller
 * is in the owner's or creator's group, else the other bits; CAP_IPC_OWNER
 * in the user namespace that owns the object's IPC namespace (over an
 * object whose owner is mapped in it) overrides.  Read permission allows
 * observing (and receiving), write permission allows posting and waiting
 * (and sending).
 *
 * KIPC_IOC_DESTROY ends an object at once: every blocked operation on it
 * fails with EIDRM, and so does every later operation through any handle.
 */
#define KIPC_NAME_MAX		255

/* Object types. */
#define KIPC_OBJ_SEM		1
#define KIPC_OBJ_QUEUE		2

/**
 * struct kipc_open - KIPC_IOC_OPEN: open or create an object, get a handle
 * @size: sizeof(struct kipc_open) as known to userspace (minimum 48; 72
 *	with the queue fields)
 * @flags: KIPC_OPEN_* bits; at least one of KIPC_OPEN_READ and
 *	KIPC_OPEN_WRITE
 * @type: KIPC_OBJ_*
 * @mode: permission bits of a new object, at most 0777; ignored when an
 *	existing object is opened
 * @name: pointer to the NUL-terminated name, or 0 for a new anonymous object
 *	(an anonymous open always creates; KIPC_OPEN_CREATE is then implied)
 * @sem_value: KIPC_OBJ_SEM: the initial value of a new semaphore
 * @sem_max: KIPC_OBJ_SEM: the largest value of a new semaphore, 0 for the
 *	module's sem_value_max; it may not exceed sem_value_max
 * @id: in, with KIPC_OPEN_BY_ID: the id of the object to open; out: the
 *	object's id
 * @out_flags: out: KIPC_OPEN_CREATED if this call created the object
 * @__reserved: must be 0
 * @queue_msgs: KIPC_OBJ_QUEUE: the capacity of a new queue in messages,
 *	1..queue_msgs_max, or 0 for min(64, queue_msgs_max)
 * @queue_msgsize: KIPC_OBJ_QUEUE: the largest message of a new queue in
 *	bytes, 1..msgsize_max, or 0 for msgsize_max
 * @queue_bytes: KIPC_OBJ_QUEUE: the capacity of a new queue in bytes,
 *	queue_msgsize..queue_bytes_max, or 0 for
 *	min(queue_msgs * queue_msgsize, queue_bytes_max)
 * @queue_flags: KIPC_OBJ_QUEUE: KIPC_QUEUE_PIPE (used at creation) and
 *	KIPC_QUEUE_NOSIGPIPE (for this handle)
 * @__reserved2: must be 0
 *
 * Opens the object of type @type called @name, creating it if
 * KIPC_OPEN_CREATE is given and it does not exist.  The creator of an object
 * gets the access it asks for whatever @mode says; anyone else needs the
 * permission (see above) for the access asked for.  Type fields of another
 * type must be 0; those of @type are used only when the object is created.
 *
 * With KIPC_OPEN_BY_ID (KIPC_FEAT_OPEN_BY_ID), @name must be 0 and neither
 * KIPC_OPEN_CREATE nor KIPC_OPEN_EXCL given: it opens the existing object
 * of type @type whose id is @id, with the same permission check, if that
 * object belongs to the caller's IPC namespace and has a name now (ENOENT
 * otherwise: an anonymous, unlinked or destroyed object is reached only
 * through a handle to it).  A process that was told an id (SysV msqid
 * style) opens the object without knowing its name.
 *
 * Waiter order (KIPC_FEAT_PRIO_ORDER): blocked waiters (semaphore P, queue
 * receivers and senders) are served in arrival order, unless the call that
 * creates the object gives KIPC_OPEN_PRIO_ORDER: then real-time waiters
 * are served first, by scheduling priority (deadline tasks first, then
 * SCHED_FIFO/SCHED_RR by priority), all others after them, in arrival
 * order among equal priorities.  A waiter's priority is sampled when it
 * queues; a later sched_setscheduler() does not move it.  Like @sem_value,
 * the flag is used only when this call creates the object: opening an
 * existing object ignores it, and the order stays the one chosen at
 * creation (KIPC_OBJ_F_PRIO_ORDER in KIPC_IOC_LIST).  A module without the
 * feature fails the flag with EINVAL.
 *
 * Returns the handle, a new file descriptor (close-on-exec unless
 * KIPC_OPEN_INHERIT), open for reading and/or writing as asked.
 *
 * Errors: EINVAL (unknown flags or type, no access mode, mode above 0777,
 * reserved or other type's fields non-zero, a bad name, sem_value above the
 * maximum, sem_max above sem_value_max, a queue capacity or message size out
 * of range, unknown queue_flags), ENAMETOOLONG (name longer than
 * KIPC_NAME_MAX), EFAULT, ENOENT (no such object and no KIPC_OPEN_CREATE),
 * EEXIST (KIPC_OPEN_CREATE | KIPC_OPEN_EXCL and the object exists), EINVAL
 * (KIPC_OPEN_BY_ID with a name, id 0, CREATE or EXCL), EACCES
 * (permission denied), ENOSPC (max_objects objects exist), EDQUOT (the
 * creator has max_objects_per_user objects in its IPC namespace, or its
 * objects would exceed user_bytes_max), EMFILE, ENFILE, ENOMEM.
 */
struct kipc_open {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 mode;
	__u64 name;
	__u32 sem_value;
	__u32 sem_max;
	__u64 id;
	__u32 out_flags;
	__u32 __reserved;
	__u32 queue_msgs;
	__u32 queue_msgsize;
	__u64 queue_bytes;
	__u32 queue_flags;
	__u32 __reserved2;
};

#define KIPC_OPEN_READ		(1U << 0)	/* may observe */
#define KIPC_OPEN_WRITE		(1U << 1)	/* may post and wait */
#define KIPC_OPEN_CREATE	(1U << 2)	/* create if missing */
#define KIPC_OPEN_EXCL		(1U << 3)	/* CREATE: must not exist */
#define KIPC_OPEN_INHERIT	(1U << 4)	/* no close-on-exec */
#define KIPC_OPEN_BY_ID		(1U << 5)	/* open the object @id */
#define KIPC_OPEN_PRIO_ORDER	(1U << 6)	/* new object: waiters by priority */
#define KIPC_OPEN_FLAGS		(KIPC_OPEN_READ | KIPC_OPEN_WRITE | \
				 KIPC_OPEN_CREATE | KIPC_OPEN_EXCL | \
				 KIPC_OPEN_INHERIT | KIPC_OPEN_BY_ID | \
				 KIPC_OPEN_PRIO_ORDER)

/* out_flags of struct kipc_open */
#define KIPC_OPEN_CREATED	(1U << 0)

/* queue_flags of struct kipc_open */
#define KIPC_QUEUE_PIPE		(1U << 0)	/* create in pipe mode */
#define KIPC_QUEUE_NOSIGPIPE	(1U << 1)	/* this handle: no SIGPIPE */
#define KIPC_QUEUE_FLAGS	(KIPC_QUEUE_PIPE | KIPC_QUEUE_NOSIGPIPE)

#define KIPC_IOC_OPEN \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_OPEN, struct kipc_open)

/**
 * struct kipc_unlink - KIPC_IOC_UNLINK: remove an object's name
 * @size: sizeof(struct kipc_unlink) as known to userspace (minimum 24)
 * @flags: must be 0
 * @type: KIPC_OBJ_*
 * @__reserved: must be 0
 * @name: pointer to the NUL-terminated name
 *
 * The name is free for a new object at once; handles open on the object
 * keep working, and the object ends when the last one is closed.  Only the
 * owner or creator of the object, or a caller with CAP_IPC_OWNER, may unlink.
 *
 * Errors: EINVAL (flags, type, reserved, bad name), ENAMETOOLONG, EFAULT,
 * ENOENT (no object of that type has that name), EPERM (not allowed).
 */
struct kipc_unlink {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 __reserved;
	__u64 name;
};

#define KIPC_IOC_UNLINK \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_UNLINK, struct kipc_unlink)

/**
 * struct kipc_obj_info - one object, as KIPC_IOC_LIST reports it
 * @id: the object's id
 * @type: KIPC_OBJ_*
 * @flags: KIPC_OBJ_F_* bits
 * @uid: owner uid in the caller's user namespace (overflowuid if unmapped)
 * @gid: owner gid
 * @cuid: creator uid
 * @cgid: creator gid
 * @mode: permission bits
 * @__reserved: 0
 * @ctime: creation time, seconds since the epoch
 * @bytes: memory charged for the object to its creator
 * @sem_value: KIPC_OBJ_SEM: the value
 * @sem_max: KIPC_OBJ_SEM: the largest value
 * @sem_nwaiters: KIPC_OBJ_SEM: the number of blocked waiters
 * @__reserved2: 0
 * @name: the name, NUL-terminated; empty if the object has none (anonymous,
 *	unlinked or destroyed)
 * @q_msgs: KIPC_OBJ_QUEUE: messages queued now
 * @q_msgsize: KIPC_OBJ_QUEUE: the largest message
 * @q_bytes: KIPC_OBJ_QUEUE: bytes queued now
 * @q_cap_msgs: KIPC_OBJ_QUEUE: capacity in messages
 * @q_nreceivers: KIPC_OBJ_QUEUE: blocked receivers
 * @q_cap_bytes: KIPC_OBJ_QUEUE: capacity in bytes
 * @q_nsenders: KIPC_OBJ_QUEUE: blocked senders
 * @q_flags: KIPC_OBJ_QUEUE: KIPC_QUEUE_PIPE if in pipe mode
 * @q_sent: KIPC_OBJ_QUEUE: messages sent in all
 * @q_received: KIPC_OBJ_QUEUE: messages received in all
 * @q_dropped: KIPC_OBJ_QUEUE: messages dropped by destroy
 *
 * The queue fields were added in the second version of the entry (392
 * bytes); an entry_size of 328 does not see them.
 */
struct kipc_obj_info {
	__u64 id;
	__u32 type;
	__u32 flags;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 __reserved;
	__s64 ctime;
	__u64 bytes;
	__u32 sem_value;
	__u32 sem_max;
	__u32 sem_nwaiters;
	__u32 __reserved2;
	__u8 name[KIPC_NAME_MAX + 1];
	__u32 q_msgs;
	__u32 q_msgsize;
	__u64 q_bytes;
	__u32 q_cap_msgs;
	__u32 q_nreceivers;
	__u64 q_cap_bytes;
	__u32 q_nsenders;
	__u32 q_flags;
	__u64 q_sent;
	__u64 q_received;
	__u64 q_dropped;
};

#define KIPC_OBJ_F_NAMED	(1U << 0)	/* it has a name now */
#define KIPC_OBJ_F_DESTROYED	(1U << 1)	/* destroyed, handles remain */
#define KIPC_OBJ_F_PRIO_ORDER	(1U << 2)	/* waiters in priority order */

/**
 * struct kipc_list - KIPC_IOC_LIST: enumerate the objects
 * @size: sizeof(struct kipc_list) as known to userspace (minimum 32)
 * @flags: must be 0
 * @entry_size: sizeof(struct kipc_obj_info) as known to userspace: at least
 *	the first version's 328 bytes, a multiple of 8, and at most
 *	KIPC_SIZE_MAX.  Each entry is written up to that size: fields past it
 *	are left out, and the part the kernel does not know is zeroed.
 * @capacity: the number of entries @entries has room for (may be 0)
 * @entries: pointer to an array of @capacity entries of @entry_size bytes
 * @count: out: the number of objects in all, even if more than @capacity
 * @filled: out: the number of entries written, in increasing id order
 *
 * Every object of the caller's IPC namespace is listed, like /proc/kipc
 * (named or not; an object belongs to the namespace of the task that
 * created it); objects appearing or ending during the call may or may not
 * be.
 *
 * Errors: EINVAL (flags, entry_size below 328 or not a multiple of 8),
 * E2BIG (entry_size above KIPC_SIZE_MAX), EFAULT, ENOMEM.
 */
struct kipc_list {
	__u32 size;
	__u32 flags;
	__u32 entry_size;
	__u32 capacity;
	__u64 entries;
	__u32 count;
	__u32 filled;
};

#define KIPC_IOC_LIST \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_LIST, struct kipc_list)

/**
 * struct kipc_destroy - KIPC_IOC_DESTROY: end the object of a handle now
 * @size: sizeof(struct kipc_destroy) as known to userspace (minimum 8;
 *	16 with @id)
 * @flags: must be 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * On a handle of any type.  The object loses its name, every operation
 * blocked on it fails with EIDRM, and so does every later operation through
 * any handle; poll reports POLLHUP | POLLERR.  Its memory is freed when the
 * last handle is closed.  Only the owner or creator, or a caller with
 * CAP_IPC_OWNER, may destroy, whatever the handle's access mode.
 *
 * Errors: EINVAL (flags), EFAULT, EPERM (not allowed), EIDRM (already
 * destroyed), ENOTTY (not a kipc object handle), EBADF (@id is not the
 * handle's object: nothing is destroyed).
 */
struct kipc_destroy {
	__u32 size;
	__u32 flags;
	__u64 id;
};

#define KIPC_IOC_DESTROY \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_DESTROY, struct kipc_destroy)

/*
 * Semaphores
 * ==========
 *
 * A semaphore's value v is 0 <= v <= max.  Waiters are served strictly in
 * arrival order: P(n) takes n at once only if no P is waiting and v >= n;
 * otherwise it queues at the tail.  V(n) adds n and then grants from the
 * head of the queue while the head's request fits, handing the units over
 * directly; a smaller request behind a waiter that does not fit waits too.
 * A waiter granted its units returns success even if a signal or its
 * deadline arrives at the same moment; a waiter that leaves first (signal,
 * timeout, death) takes nothing, and the waiters behind it are re-examined.
 */

/**
 * struct kipc_sem_wait - KIPC_IOC_SEM_WAIT: P(count) on a semaphore handle
 * @size: sizeof(struct kipc_sem_wait) as known to userspace (minimum 32;
 *	40 with @id)
 * @flags: KIPC_SEM_* bits: NONBLOCK, UNDO, TIMED, REALTIME
 * @count: units to take, 1..the semaphore's max
 * @__reserved: must be 0
 * @tv_sec: with KIPC_SEM_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_SEM_TIMED: nanoseconds, 0..999999999; else 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * The deadline is on CLOCK_MONOTONIC, or CLOCK_REALTIME with
 * KIPC_SEM_REALTIME.  With KIPC_SEM_UNDO the units taken are recorded on the
 * handle's open file description and posted back when it is released (its
 * last close, or the death of the last process holding it).  The handle
 * must be open for writing.
 *
 * Errors: EINVAL (flags, reserved, count 0 or above max, deadline fields
 * out of range or non-zero without TIMED, NONBLOCK with TIMED, REALTIME
 * without TIMED), EFAULT, EBADF (handle not open for writing, or @id is
 * not the handle's object: nothing taken, no wait queued), ENOTTY (not a
 * semaphore), EAGAIN (NONBLOCK and not available now), ETIMEDOUT (deadline
 * passed), EINTR (a signal arrived; never restarted), EIDRM (destroyed),
 * EOVERFLOW (the undo record would overflow).
 */
struct kipc_sem_wait {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	__s64 tv_sec;
	__s64 tv_nsec;
	__u64 id;
};

#define KIPC_SEM_NONBLOCK	(1U << 0)	/* wait: fail with EAGAIN */
#define KIPC_SEM_UNDO		(1U << 1)	/* wait/post: undo record */
#define KIPC_SEM_TIMED		(1U << 2)	/* wait: absolute deadline */
#define KIPC_SEM_REALTIME	(1U << 3)	/* wait: on CLOCK_REALTIME */
#define KIPC_SEM_WAIT_FLAGS	(KIPC_SEM_NONBLOCK | KIPC_SEM_UNDO | \
				 KIPC_SEM_TIMED | KIPC_SEM_REALTIME)
#define KIPC_SEM_POST_FLAGS	KIPC_SEM_UNDO

#define KIPC_IOC_SEM_WAIT \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_SEM_WAIT, struct kipc_sem_wait)

/**
 * struct kipc_sem_multi_entry - one semaphore of KIPC_IOC_SEM_WAIT_MULTI
 * @fd: a semaphore handle, open for writing
 * @count: units to take from it, 1..the semaphore's max
 */
struct kipc_sem_multi_entry {
	__s32 fd;
	__u32 count;
};

/* The most entries one KIPC_IOC_SEM_WAIT_MULTI takes. */
#define KIPC_SEM_MULTI_MAX	64

/**
 * struct kipc_sem_wait_multi - KIPC_IOC_SEM_WAIT_MULTI: P on several
 *	semaphores at once, on /dev/kipc
 * @size: sizeof(struct kipc_sem_wait_multi) as known to userspace
 *	(minimum 40)
 * @flags: KIPC_SEM_* bits: NONBLOCK, UNDO, TIMED, REALTIME, ANY
 * @nr: the number of entries, 1..KIPC_SEM_MULTI_MAX
 * @index: out: with KIPC_SEM_ANY, the index of the entry whose units were
 *	taken; without, 0
 * @entries: pointer to an array of @nr struct kipc_sem_multi_entry
 * @tv_sec: with KIPC_SEM_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_SEM_TIMED: nanoseconds, 0..999999999; else 0
 *
 * Without KIPC_SEM_ANY ("all"), takes every entry's units at once, or
 * none; with it ("any"), takes the units of exactly one entry, the first in
 * array order that can be granted when the caller is examined.  The flags
 * mean what they mean for KIPC_IOC_SEM_WAIT; KIPC_SEM_UNDO records the
 * units taken on each entry's handle.  The request holds one place, taken
 * at one instant, in the FIFO of every semaphore it names: see
 * Documentation/semaphores.md, "Waiting on several semaphores", for the
 * exact service rule.
 *
 * Errors: those of KIPC_IOC_SEM_WAIT, and EINVAL (nr 0, an entry's count 0
 * or above its max, the same semaphore twice even through two handles, an
 * open fd that is not a kipc semaphore, FIFO and KIPC_OPEN_PRIO_ORDER
 * semaphores in one request), E2BIG (nr above
 * KIPC_SEM_MULTI_MAX), EBADF (an fd that is not open, or a handle not open
 * for writing), EIDRM (one of the semaphores is destroyed; with ANY only
 * if no other entry could be granted).
 */
struct kipc_sem_wait_multi {
	__u32 size;
	__u32 flags;
	__u32 nr;
	__u32 index;
	__u64 entries;
	__s64 tv_sec;
	__s64 tv_nsec;
};

#define KIPC_SEM_ANY		(1U << 4)	/* multi: one entry is enough */
#define KIPC_SEM_MULTI_FLAGS	(KIPC_SEM_WAIT_FLAGS | KIPC_SEM_ANY)

#define KIPC_IOC_SEM_WAIT_MULTI \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEM_WAIT_MULTI, struct kipc_sem_wait_multi)

/**
 * struct kipc_sem_op_entry - one operation of KIPC_IOC_SEM_OP
 * @fd: a semaphore handle, open for writing
 * @op: KIPC_SEMOP_TAKE (P), KIPC_SEMOP_ADD (V), KIPC_SEMOP_ZERO (wait until
 *	the value is 0) or KIPC_SEMOP_SET (make the value @count)
 * @count: TAKE, ADD: 1..the semaphore's max; ZERO: 0; SET: 0..max
 * @flags: KIPC_SEM_UNDO (TAKE, ADD: record on @fd's handle, as for P and
 *	V), KIPC_SEM_NONBLOCK (fail with EAGAIN if this operation is the one
 *	that would make the request wait)
 */
struct kipc_sem_op_entry {
	__s32 fd;
	__u32 op;
	__u32 count;
	__u32 flags;
};

#define KIPC_SEMOP_TAKE		1
#define KIPC_SEMOP_ADD		2
#define KIPC_SEMOP_ZERO		3
#define KIPC_SEMOP_SET		4

/*
 * KIPC_IOC_SEM_OP: struct kipc_sem_wait_multi whose @entries point to @nr
 * struct kipc_sem_op_entry, on /dev/kipc; @flags: NONBLOCK, TIMED,
 * REALTIME.  SysV semop(): the operations apply in array order to running
 * copies of the values, the same semaphore may appear more than once, and
 * all of them happen in one step or none does; the request waits until
 * they can.  A take keeps strong FIFO order among the takers of each
 * semaphore, with the rule of KIPC_IOC_SEM_WAIT_MULTI; a wait for zero
 * blocks nobody and is woken when the value drops to 0; an add never
 * waits.  Set operations (all the entries or none) never wait.  Added or
 * set units are then handed to the waiters as by V.  Returns 0.
 *
 * Errors: those of KIPC_IOC_SEM_WAIT_MULTI (no ANY, no UNDO in @flags:
 * EINVAL), and EINVAL (an unknown op, a count out of its range, UNDO with
 * ZERO or SET, SET mixed with other operations, an ADD with UNDO beyond the
 * handle's record, takes or waits for zero on both FIFO and
 * KIPC_OPEN_PRIO_ORDER semaphores), ERANGE (an add would pass the semaphore's max), EAGAIN
 * (NONBLOCK, in @flags or on the operation that would wait).
 */
#define KIPC_IOC_SEM_OP \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEM_OP, struct kipc_sem_wait_multi)

/**
 * struct kipc_sem_post - KIPC_IOC_SEM_POST: V(count) on a semaphore handle
 * @size: sizeof(struct kipc_sem_post) as known to userspace (minimum 16;
 *	24 with @id)
 * @flags: KIPC_SEM_UNDO or 0
 * @count: units to add, at least 1
 * @__reserved: must be 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * With KIPC_SEM_UNDO the handle's undo record is reduced by @count.  The
 * handle must be open for writing.
 *
 * Errors: EINVAL (flags, reserved, count 0, UNDO with a record smaller than
 * count), EFAULT, EBADF (not open for writing, or @id is not the handle's
 * object: nothing posted), ENOTTY, EOVERFLOW (the value would exceed the
 * semaphore's max; nothing changes), EIDRM.
 */
struct kipc_sem_post {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
	__u64 id;
};

#define KIPC_IOC_SEM_POST \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_SEM_POST, struct kipc_sem_post)

/**
 * struct kipc_sem_waiter - one blocked waiter, as KIPC_IOC_SEM_STAT reports
 * @pid: its process id in the caller's pid namespace (0 if not visible)
 * @count: the units it asks for; 0 for a KIPC_IOC_SEM_OP that waits for
 *	the value to be 0 and takes nothing here
 */
struct kipc_sem_waiter {
	__u32 pid;
	__u32 count;
};

/**
 * struct kipc_sem_stat - KIPC_IOC_SEM_STAT: observe a semaphore
 * @size: sizeof(struct kipc_sem_stat) as known to userspace (minimum 80)
 * @flags: must be 0
 * @id: out: the object's id
 * @value: out: the value
 * @max: out: the largest value
 * @nwaiters: out: the number of blocked waiters
 * @capacity: in: the number of entries @waiters has room for (may be 0)
 * @waiters: in: pointer to an array of @capacity struct kipc_sem_waiter,
 *	filled with the first min(nwaiters, capacity) waiters in queue order
 * @uid: out: owner uid in the caller's user namespace
 * @gid: out: owner gid
 * @cuid: out: creator uid
 * @cgid: out: creator gid
 * @mode: out: permission bits
 * @order: out: the waiter order chosen at creation, KIPC_ORDER_FIFO or
 *	KIPC_ORDER_PRIO (KIPC_FEAT_STAT_ORDER; ignored on input: a module
 *	without the feature requires 0 there and leaves it 0)
 * @ctime: out: creation time, seconds since the epoch
 * @undo: out: the units recorded by KIPC_SEM_UNDO on this handle
 *
 * The handle must be open for reading.  Value, waiters and undo record are
 * one snapshot.
 *
 * Errors: EINVAL (flags, reserved), EFAULT, EBADF (handle not open for
 * reading), ENOTTY (not a semaphore), EIDRM, ENOMEM.
 */
struct kipc_sem_stat {
	__u32 size;
	__u32 flags;
	__u64 id;
	__u32 value;
	__u32 max;
	__u32 nwaiters;
	__u32 capacity;
	__u64 waiters;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 order;
	__s64 ctime;
	__u64 undo;
};

/* order of struct kipc_sem_stat and struct kipc_queue_stat */
#define KIPC_ORDER_FIFO		0	/* arrival order */
#define KIPC_ORDER_PRIO		1	/* KIPC_OPEN_PRIO_ORDER */

#define KIPC_IOC_SEM_STAT \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEM_STAT, struct kipc_sem_stat)

/*
 * Message queues
 * ==============
 *
 * A queue holds up to its capacity of messages and bytes, set at creation.
 * A message is 0..msgsize bytes (the queue's largest message) and a type,
 * a positive 64-bit integer (1..INT64_MAX).  Messages are kept in send
 * order.  A send enqueues the whole message or nothing; when the queue is
 * full the sender waits, and waiting senders are admitted strictly in
 * arrival order: a large message at the head is not overtaken by a smaller
 * one.  A receive takes the first message, in send order, that its
 * selector matches:
 *
 *  - KIPC_SEL_ANY: any type (@type must be 0);
 *  - KIPC_SEL_EXACT: type == @type;
 *  - KIPC_SEL_LE: the lowest type <= @type, the first of that type;
 *  - KIPC_SEL_NOT: any type but @type.
 *
 * Waiting receivers are served in arrival order: a new message goes to the
 * earliest waiting receiver whose selector matches, handed over directly,
 * so a receiver that comes later cannot take it.  A receiver whose buffer
 * is too small for the message it was handed fails with EMSGSIZE and the
 * message goes on to the next matching receiver or stays queued.
 *
 * Handles: write(2) sends one message of type 1; read(2) receives one
 * message with KIPC_SEL_ANY, failing with EMSGSIZE (message kept) if the
 * buffer is too small.  Both honour O_NONBLOCK, and io_uring's
 * non-blocking attempts (IOCB_NOWAIT): they never wait for a message or for
 * room.  poll: EPOLLIN when a KIPC_SEL_ANY receive would succeed now (or
 * would return end-of-file), EPOLLOUT when a message of the queue's largest
 * size would be accepted now, EPOLLHUP | EPOLLERR after destroy, EPOLLERR
 * with EPOLLOUT in pipe mode when no reader is left.  F_SETFL O_ASYNC with
 * F_SETOWN gives SIGIO (POLL_IN on a new message, POLL_OUT when room
 * appears).
 *
 * Pipe mode (KIPC_QUEUE_PIPE at creation): handles opened read-only count
 * as readers, write-only ones as writers (read-write ones as neither).
 * Once the queue has had a writer and the last one is closed, a receive on
 * the empty queue returns end-of-file: read(2) returns 0, KIPC_IOC_RECV
 * returns 0 with @type 0 (no message has type 0).  Once it has had a reader
 * and the last one is closed, sends fail with EPIPE and raise SIGPIPE
 * unless the handle was opened with KIPC_QUEUE_NOSIGPIPE or the send has
 * KIPC_MSG_NOSIGNAL.  A new reader or writer ends that state.
 *
 * Sending needs a handle open for writing (EBADF), receiving and
 * observing one open for reading.
 */

/* Selectors of struct kipc_recv and struct kipc_batch. */
#define KIPC_SEL_ANY		0
#define KIPC_SEL_EXACT		1
#define KIPC_SEL_LE		2
#define KIPC_SEL_NOT		3

/* Flags of the queue ioctls. */
#define KIPC_MSG_NONBLOCK	(1U << 0)	/* fail with EAGAIN */
#define KIPC_MSG_TIMED		(1U << 1)	/* absolute deadline */
#define KIPC_MSG_REALTIME	(1U << 2)	/* deadline on CLOCK_REALTIME */
#define KIPC_MSG_NOSIGNAL	(1U << 3)	/* send: no SIGPIPE */
#define KIPC_MSG_PEEK		(1U << 4)	/* recv: copy, do not remove */
#define KIPC_MSG_TRUNCATE	(1U << 5)	/* recv: truncate, consume */
#define KIPC_MSG_WAIT_FLAGS	(KIPC_MSG_NONBLOCK | KIPC_MSG_TIMED | \
				 KIPC_MSG_REALTIME)
#define KIPC_SEND_FLAGS		(KIPC_MSG_WAIT_FLAGS | KIPC_MSG_NOSIGNAL)
#define KIPC_RECV_FLAGS		(KIPC_MSG_WAIT_FLAGS | KIPC_MSG_PEEK | \
				 KIPC_MSG_TRUNCATE)

/**
 * struct kipc_send - KIPC_IOC_SEND: send one message on a queue handle
 * @size: sizeof(struct kipc_send) as known to userspace (minimum 48;
 *	56 with @id)
 * @flags: KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED, KIPC_MSG_REALTIME,
 *	KIPC_MSG_NOSIGNAL
 * @len: the message's length in bytes
 * @__reserved: must be 0
 * @type: the message's type, 1..INT64_MAX
 * @buf: pointer to the message
 * @tv_sec: with KIPC_MSG_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_MSG_TIMED: nanoseconds, 0..999999999; else 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * The deadline is on CLOCK_MONOTONIC, or CLOCK_REALTIME with
 * KIPC_MSG_REALTIME.  Returns 0.
 *
 * Errors: EINVAL (flags, reserved, type, deadline fields as for
 * KIPC_IOC_SEM_WAIT), EMSGSIZE (@len above the queue's largest message),
 * EFAULT, EBADF (not open for writing, or @id is not the handle's object:
 * nothing queued, no wait), ENOTTY (not a queue), EAGAIN
 * (NONBLOCK and no room now), ETIMEDOUT, EINTR (never restarted), EIDRM
 * (destroyed), EPIPE (pipe mode, no reader left), ENOMEM.
 */
struct kipc_send {
	__u32 size;
	__u32 flags;
	__u32 len;
	__u32 __reserved;
	__s64 type;
	__u64 buf;
	__s64 tv_sec;
	__s64 tv_nsec;
	__u64 id;
};

#define KIPC_IOC_SEND \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_SEND, struct kipc_send)

/**
 * struct kipc_recv - KIPC_IOC_RECV: receive one message from a queue handle
 * @size: sizeof(struct kipc_recv) as known to userspace (minimum 56;
 *	64 with @id)
 * @flags: KIPC_MSG_NONBLOCK, KIPC_MSG_TIMED, KIPC_MSG_REALTIME,
 *	KIPC_MSG_PEEK, KIPC_MSG_TRUNCATE
 * @select: KIPC_SEL_*
 * @type: in: the type the selector compares with (0 for KIPC_SEL_ANY, else
 *	1..INT64_MAX); out: the type of the message received, 0 at
 *	end-of-file
 * @buf: pointer to the buffer
 * @len: the buffer's size in bytes
 * @msg_len: out: the message's full length
 * @tv_sec: with KIPC_MSG_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_MSG_TIMED: nanoseconds, 0..999999999; else 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * Returns the message's full length, which is more than @len only with
 * KIPC_MSG_TRUNCATE (the first @len bytes were copied, the message is
 * consumed).  A message longer than @len without KIPC_MSG_TRUNCATE fails
 * with EMSGSIZE and stays queued; @msg_len then tells its length.
 * KIPC_MSG_PEEK copies the message and leaves it queued (it may wait).
 *
 * Errors: EINVAL (flags, select, type, deadline fields), EFAULT (a bad
 * buffer, or this struct cannot be written: the message stays queued),
 * EBADF (not open for reading, or @id is not the handle's object: nothing
 * taken, no wait), ENOTTY, EAGAIN, ETIMEDOUT, EINTR, EIDRM, EMSGSIZE.
 */
struct kipc_recv {
	__u32 size;
	__u32 flags;
	__u32 select;
	__u32 len;
	__s64 type;
	__u64 buf;
	__u64 msg_len;
	__s64 tv_sec;
	__s64 tv_nsec;
	__u64 id;
};

#define KIPC_IOC_RECV \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_RECV, struct kipc_recv)

/**
 * struct kipc_mmsg - one message of KIPC_IOC_SEND_BATCH / KIPC_IOC_RECV_BATCH
 * @type: send: the type; recv: out: the type received
 * @buf: pointer to the message or buffer
 * @len: send: the length; recv: the buffer's size
 * @msg_len: send: must be 0; recv: out: the message's full length
 */
struct kipc_mmsg {
	__s64 type;
	__u64 buf;
	__u32 len;
	__u32 msg_len;
};

/**
 * struct kipc_batch - KIPC_IOC_SEND_BATCH, KIPC_IOC_RECV_BATCH
 * @size: sizeof(struct kipc_batch) as known to userspace (minimum 56;
 *	64 with @id)
 * @flags: as for KIPC_IOC_SEND or KIPC_IOC_RECV (no KIPC_MSG_PEEK)
 * @select: recv: KIPC_SEL_*, for every message; send: must be 0
 * @count: the number of entries in @msgs, 1..1024
 * @entry_size: sizeof(struct kipc_mmsg) as known to userspace: at least
 *	24, a multiple of 8 and at most KIPC_SIZE_MAX.  Entries are read with
 *	the size rules of the ioctl structs and written back up to that size.
 * @type: recv: the type the selector compares with; send: must be 0
 * @msgs: pointer to @count entries of @entry_size bytes
 * @tv_sec: with KIPC_MSG_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_MSG_TIMED: nanoseconds, 0..999999999; else 0
 * @id: 0, or the id of the object the handle must name (EBADF otherwise)
 *
 * Sends (receives) the entries in order, as if by KIPC_IOC_SEND
 * (KIPC_IOC_RECV) one after the other, waiting (unless NONBLOCK) only for
 * the first; it stops at the first entry that would have to wait or fails,
 * and returns the number done.  If none was done, the ioctl fails with the
 * first entry's error.  Every entry is read before the first message is
 * sent or received; an entry that cannot be read, or (send) is invalid,
 * ends the batch before it.  A receive writes an entry's results before it
 * takes the entry's message: an entry that cannot be written ends the
 * batch with that message still queued.
 *
 * Errors: those of KIPC_IOC_SEND / KIPC_IOC_RECV (EBADF for an @id that
 * is not the handle's object, before any entry is read); EINVAL (count,
 * entry_size below 24 or not a multiple of 8, select or type given to a
 * send), E2BIG (entry_size above KIPC_SIZE_MAX, or an entry with a
 * non-zero unknown tail), ENOMEM.
 */
struct kipc_batch {
	__u32 size;
	__u32 flags;
	__u32 select;
	__u32 count;
	__u32 entry_size;
	__u32 __reserved;
	__s64 type;
	__u64 msgs;
	__s64 tv_sec;
	__s64 tv_nsec;
	__u64 id;
};

#define KIPC_BATCH_MAX		1024

#define KIPC_IOC_SEND_BATCH \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEND_BATCH, struct kipc_batch)
#define KIPC_IOC_RECV_BATCH \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_RECV_BATCH, struct kipc_batch)

/**
 * struct kipc_queue_stat - KIPC_IOC_QUEUE_STAT: observe a queue
 * @size: sizeof(struct kipc_queue_stat) as known to userspace (minimum 160)
 * @flags: must be 0
 * @id: out: the object's id
 * @msgs: out: messages queued now
 * @cap_msgs: out: capacity in messages
 * @bytes: out: bytes queued now
 * @cap_bytes: out: capacity in bytes
 * @msgsize: out: the largest message
 * @queue_flags: out: KIPC_QUEUE_PIPE if in pipe mode
 * @nreceivers: out: blocked receivers
 * @nsenders: out: blocked senders
 * @readers: out: pipe mode: handles open read-only
 * @writers: out: pipe mode: handles open write-only
 * @sent: out: messages sent in all
 * @received: out: messages received in all (peeks not counted)
 * @dropped: out: messages dropped by destroy
 * @bytes_sent: out: bytes sent in all
 * @bytes_received: out: bytes received in all
 * @hwm_msgs: out: the most messages queued at once
 * @hwm_bytes: out: the most bytes queued at once
 * @uid: out: owner uid in the caller's user namespace
 * @gid: out: owner gid
 * @cuid: out: creator uid
 * @cgid: out: creator gid
 * @mode: out: permission bits
 * @order: out: the waiter order chosen at creation, as in struct
 *	kipc_sem_stat (KIPC_FEAT_STAT_ORDER)
 * @ctime: out: creation time, seconds since the epoch
 * @ring_bytes: out: the size of the queue's storage (see
 *	Documentation/queues-storage.md), the most a handle can mmap
 * @lost: out: messages lost because a process died in the middle of a
 *	fast-path send or receive (Documentation/ring.md §6), or because the
 *	shared ring was scribbled on
 * @lanes: out: threads registered for the fast path (KIPC_IOC_RING_LANE)
 * @ring_mode: out: KIPC_RING_MODE_FAST or KIPC_RING_MODE_KERNEL
 * @notify: out: the kind (KIPC_NOTIFY_*) of the queue's notification
 *	registration (KIPC_IOC_QUEUE_NOTIFY), 0 if there is none
 * @notify_signo: out: KIPC_NOTIFY_SIGNAL: its signal, else 0
 * @notify_pid: out: the registered process, in the caller's pid
 *	namespace (0 if it is not visible there, or none is registered)
 * @__reserved2: must be 0
 * @lspid: out: the process (thread group) of the last send the kernel
 *	enqueued, in the caller's pid namespace (0 if it is not visible
 *	there, or there was none)
 * @lrpid: out: the process of the last receive the kernel handed out
 *	(not a peek), the same way
 * @stime: out: the time of that send, seconds since the epoch, else 0
 * @rtime: out: the time of that receive, seconds since the epoch, else 0
 *
 * The handle must be open for reading.  Works after destroy too (the
 * counters stay readable): @queue_flags then has KIPC_QUEUE_DESTROYED.
 *
 * @lspid to @rtime (KIPC_FEAT_QUEUE_LAST; a @size of 192 does not see
 * them) are SysV's msg_lspid, msg_lrpid, msg_stime and msg_rtime.  A send
 * counts when its message is enqueued (a blocked sender's when it is
 * admitted, as the sender's), a receive when its message is taken; a
 * failed one changes nothing.  Messages sent or received through the
 * shared ring's fast path are counted in @sent and @received but change
 * none of the four (Documentation/ring.md).
 *
 * Errors: EINVAL (flags, reserved), EFAULT, EBADF, ENOTTY.
 */
struct kipc_queue_stat {
	__u32 size;
	__u32 flags;
	__u64 id;
	__u32 msgs;
	__u32 cap_msgs;
	__u64 bytes;
	__u64 cap_bytes;
	__u32 msgsize;
	__u32 queue_flags;
	__u32 nreceivers;
	__u32 nsenders;
	__u32 readers;
	__u32 writers;
	__u64 sent;
	__u64 received;
	__u64 dropped;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 hwm_msgs;
	__u64 hwm_bytes;
	__u32 uid;
	__u32 gid;
	__u32 cuid;
	__u32 cgid;
	__u32 mode;
	__u32 order;
	__s64 ctime;
	__u64 ring_bytes;
	__u64 lost;
	__u32 lanes;
	__u32 ring_mode;
	__u32 notify;
	__u32 notify_signo;
	__s32 notify_pid;
	__u32 __reserved2;
	__s32 lspid;
	__s32 lrpid;
	__s64 stime;
	__s64 rtime;
};

/* queue_flags of struct kipc_queue_stat only */
#define KIPC_QUEUE_DESTROYED	(1U << 31)

#define KIPC_IOC_QUEUE_STAT \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_QUEUE_STAT, struct kipc_queue_stat)

/* ring_mode of struct kipc_queue_stat */
#define KIPC_RING_MODE_FAST	0	/* processes operate through the map */
#define KIPC_RING_MODE_KERNEL	1	/* every operation goes to the kernel */

/**
 * struct kipc_queue_notify - KIPC_IOC_QUEUE_NOTIFY: register the calling
 * process to be told when a message arrives on the empty queue, or remove
 * its registration (mq_notify(3) on a kipc queue)
 * @size: sizeof(struct kipc_queue_notify) (minimum 32)
 * @flags: must be 0
 * @kind: KIPC_NOTIFY_REMOVE, KIPC_NOTIFY_NONE, KIPC_NOTIFY_SIGNAL or
 *	KIPC_NOTIFY_EVENTFD
 * @signo: SIGNAL: the signal sent, 0.._NSIG (0 registers, sends nothing);
 *	other kinds: 0
 * @value: SIGNAL: the signal's si_value (a union sigval, zero-extended);
 *	other kinds: 0
 * @eventfd: EVENTFD: an eventfd(2) descriptor; the kernel adds 1 to its
 *	counter when the registration fires; other kinds: 0
 * @removed: out: REMOVE: 1 if the caller's registration was there and is
 *	removed now, else 0 (not written for the other kinds)
 * @id: 0, or the object id the caller believes the handle names
 *
 * One registration per queue, whoever registers: another while one exists
 * fails with EBUSY, even from its own process.  The registration belongs to
 * the calling thread group.  It fires, once, when a message arrives
 * (KIPC_IOC_SEND, write(2), a batch, a fast send taken in from the ring)
 * and is then the only message queued: not when the queue held a message
 * already, not when a blocked receiver (a thread, an io_uring receive) takes
 * the message, not for a blocked sender's message admitted once room
 * appeared (as Linux's mqueue).  Firing removes it.  NONE only holds the place; SIGNAL
 * queues @signo on the process with si_code SI_MESGQ, si_pid and si_uid of
 * the sender as seen from the registered process's namespaces, and si_value
 * @value (not once the process has called execve); EVENTFD signals the
 * eventfd.  While a registration exists the queue's ring stays in kernel
 * mode, so that every send reaches the kernel (Documentation/ring.md).
 * The registration goes when it fires, on REMOVE by its process (REMOVE
 * from another process changes nothing and succeeds, as mq_notify(NULL)),
 * when its process closes any descriptor of the queue (as Linux's mqueue
 * flush: process exit included), and on destroy.  Any handle may be used,
 * whatever its access mode.  KIPC_IOC_QUEUE_STAT shows it.
 *
 * Errors: EINVAL (flags, an unknown kind, a bad signal, a field the kind
 * does not use set, @eventfd not an eventfd), EBADF (@eventfd not a
 * descriptor; @id), EBUSY (a registration exists), EIDRM (destroyed),
 * EFAULT, EINTR (fatal signal while waiting for the queue).
 */
struct kipc_queue_notify {
	__u32 size;
	__u32 flags;
	__u32 kind;
	__s32 signo;
	__u64 value;
	__s32 eventfd;
	__u32 removed;
	__u64 id;
};

/* kind of struct kipc_queue_notify, notify of struct kipc_queue_stat */
#define KIPC_NOTIFY_REMOVE	0	/* remove the caller's registration */
#define KIPC_NOTIFY_NONE	1	/* register, deliver nothing */
#define KIPC_NOTIFY_SIGNAL	2	/* register, send a signal */
#define KIPC_NOTIFY_EVENTFD	3	/* register, signal an eventfd */

#define KIPC_IOC_QUEUE_NOTIFY \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_QUEUE_NOTIFY, struct kipc_queue_notify)

/*
 * The shared ring
 * ===============
 *
 * The protocol, every shared word and who writes it are in
 * Documentation/ring.md; liblkipc implements the process side.
 *
 * mmap(2) of a queue handle, MAP_SHARED, offset 0, at most the queue's
 * ring_bytes (KIPC_IOC_QUEUE_STAT) maps the queue's storage: the header
 * page, the lane page and the slots.  A handle opened for reading only maps
 * it read-only (PROT_WRITE fails with EACCES); a handle opened for writing
 * only cannot map it (EACCES).  The mapping cannot grow (mremap: EFAULT
 * beyond it) and is shared with fork's children.  A semaphore handle maps
 * one page, struct kipc_sem_page, with the same rules.
 *
 * The kernel trusts nothing in these pages: what a process writes there
 * can garble that queue's or semaphore's data for its users, nothing else.
 */
#define KIPC_RING_MAGIC		0x6b697071	/* "kipq" */
#define KIPC_RING_VERSION	2
#define KIPC_RING_SLOW		(1ULL << 63)	/* in prod and cons */
#define KIPC_RING_POS_MASK	((1ULL << 62) - 1)
#define KIPC_RING_FASTSEND	(1U << 0)	/* flags: senders may go fast */
#define KIPC_RING_LANES		128
#define KIPC_LANE_SEND		(1ULL << 63)	/* intent: claiming to send */
#define KIPC_LANE_RECV		(1ULL << 62)	/* intent: claiming to receive */

struct kipc_ring_hdr {
	__u32 magic;
	__u32 version;
	__u32 nslots;
	__u32 slot_size;
	__u32 msgsize;
	__u32 cap_msgs;
	__u64 cap_bytes;
	__u64 slots_offset;
	__u64 lanes_offset;
	__u32 nlanes;
	__u32 flags;
	__u64 __pad0;
	__u64 prod;		/* offset 64 */
	__u64 __pad1[7];
	__u64 cons;		/* offset 128 */
	__u64 __pad2[15];
	__u64 sent;		/* offset 256: as of the kernel's last entry */
	__u64 received;
	__u64 dropped;
	__u64 lost;
};

struct kipc_ring_slot {
	__u64 seq;
	__u64 type;
	__u32 len;
	__u32 flags;
	/* __u8 data[msgsize]; */
};

struct kipc_ring_lane {
	__u64 intent;
	__u64 bytes_sent;
	__u64 bytes_received;
	__u64 hwm;
};

/*
 * The page of a semaphore handle.  The kernel uses these 16 bytes only;
 * the rest of the page is zero at creation and left to the processes.
 *
 * state: the value (bits 0-31), SLOW (bit 63) and, with
 * KIPC_FEAT_SEM_UNDO_FAST, the undo tag (bits 32-62; 0 before the first
 * undo slot is given): an undo slot, a change ("delta", signed, -8..7)
 * to that slot's count that its record does not have yet, and a sequence
 * number.  While the record's seq is the one before the tag's, the tag is
 * pending and the slot holds the record's "held" plus delta; a process
 * whose description holds the slot may then make P(1) or V(1) with undo
 * by one compare-and-swap of state that also adds to delta.  The kernel
 * records delta and moves the tag on (Documentation/ring.md, "Undo
 * without a system call").
 */
#define KIPC_SEM_SLOW		(1ULL << 63)
#define KIPC_SEM_VALUE_MASK	0xffffffffULL
#define KIPC_SEM_TAG_SLOT_SHIFT	32
#define KIPC_SEM_TAG_SLOT_MASK	(0x1ffULL << KIPC_SEM_TAG_SLOT_SHIFT)
#define KIPC_SEM_TAG_DELTA_SHIFT 41
#define KIPC_SEM_TAG_DELTA_MASK	(0xfULL << KIPC_SEM_TAG_DELTA_SHIFT)
#define KIPC_SEM_TAG_SEQ_SHIFT	45
#define KIPC_SEM_TAG_SEQ_BITS	18
#define KIPC_SEM_TAG_SEQ_MASK	(((1ULL << KIPC_SEM_TAG_SEQ_BITS) - 1) << \
				 KIPC_SEM_TAG_SEQ_SHIFT)
#define KIPC_SEM_TAG_MASK	(KIPC_SEM_TAG_SLOT_MASK | \
				 KIPC_SEM_TAG_DELTA_MASK | \
				 KIPC_SEM_TAG_SEQ_MASK)

struct kipc_sem_page {
	__u64 state;		/* value | tag | KIPC_SEM_SLOW */
	__u32 max;
	__u32 __reserved;
};

/*
 * The undo page of a semaphore (KIPC_FEAT_SEM_UNDO_FAST): mmap(2) of a
 * semaphore handle at offset KIPC_SEM_UNDO_PGOFF pages, one page,
 * read-only (PROT_WRITE: EACCES), once a handle of the semaphore has asked
 * for an undo slot (EINVAL before).  Record i (1..KIPC_SEM_UNDO_SLOTS-1; 0
 * is never given) belongs to the open file description that holds slot i:
 * "held" is the units it took with undo in the pages and has not given
 * back there, as far as the kernel has recorded; "seq" moves on whenever
 * the kernel changes the record (KIPC_SEM_TAG_SEQ_BITS bits).  Only the
 * kernel writes records, both words at once.
 */
#define KIPC_SEM_UNDO_PGOFF	1
#define KIPC_SEM_UNDO_SLOTS	512

struct kipc_sem_undo_rec {
	__u32 held;
	__u32 seq;
};

/**
 * struct kipc_sem_undo_slot - KIPC_IOC_SEM_UNDO_SLOT: the undo slot of a
 * semaphore handle's open file description
 * @size: sizeof(struct kipc_sem_undo_slot) (minimum 16)
 * @flags: must be 0
 * @slot: out: the slot, 1..KIPC_SEM_UNDO_SLOTS-1, the same for every call
 *	on the description; its record is in the undo page
 * @__reserved: must be 0
 *
 * The handle must be open for reading and writing.  The description's
 * undo record is then the kernel's (what P with KIPC_SEM_UNDO recorded
 * through system calls) plus the slot's count; at its release both are
 * posted back, clamped to the maximum, as a V would be.  The call, and
 * every P or V with undo the description makes through the kernel, leaves
 * the state word's tag its slot's and pending.  Needs
 * KIPC_FEAT_SEM_UNDO_FAST.
 *
 * Errors: EINVAL (flags, reserved), EFAULT, EBADF (not open for reading
 * and writing), ENOTTY (not a semaphore), EIDRM (destroyed), ENOSPC (all
 * slots are held by open descriptions), ENOMEM (no memory for the undo
 * page).  EFAULT writing @slot back leaves the slot given: the next call
 * returns it.
 */
struct kipc_sem_undo_slot {
	__u32 size;
	__u32 flags;
	__u32 slot;
	__u32 __reserved;
};

#define KIPC_IOC_SEM_UNDO_SLOT \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEM_UNDO_SLOT, struct kipc_sem_undo_slot)

/**
 * struct kipc_ring_lane_req - KIPC_IOC_RING_LANE: register the calling
 * thread as a fast-path participant of a queue
 * @size: sizeof(struct kipc_ring_lane_req) (minimum 16)
 * @flags: 0
 * @lane: out: the index of the thread's lane record (0..KIPC_RING_LANES-1)
 * @__reserved: 0
 *
 * The handle must be open for reading and writing.  The kernel remembers
 * the thread; when it dies in the middle of a fast operation, the kernel
 * recovers the position its lane record names.  Lanes are released with
 * the handle's open file description, or reused once their thread is gone.
 * Errors: EBADF (handle not read-write), ENOSPC (every lane is taken by a
 * living thread), EIDRM (destroyed), EFAULT.  A call that fails holds no
 * lane.
 */
struct kipc_ring_lane_req {
	__u32 size;
	__u32 flags;
	__u32 lane;
	__u32 __reserved;
};

#define KIPC_IOC_RING_LANE \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_RING_LANE, struct kipc_ring_lane_req)

/**
 * struct kipc_ring_kick - KIPC_IOC_RING_KICK: a fast operation found
 * KIPC_RING_SLOW set after its claim; the kernel catches up with the ring
 * (hands the message to a waiting receiver, admits a waiting sender)
 * @size: sizeof(struct kipc_ring_kick) (minimum 8)
 * @flags: 0
 */
struct kipc_ring_kick {
	__u32 size;
	__u32 flags;
};

#define KIPC_IOC_RING_KICK \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_RING_KICK, struct kipc_ring_kick)

/**
 * struct kipc_uring_cmd - the command area (sqe->cmd) of an
 * IORING_OP_URING_CMD on a kipc handle: a blocking request made
 * asynchronous, keeping its place in the object's FIFO of waiters
 * @arg: pointer to the request's struct, exactly as for the ioctl
 * @__reserved: must be 0
 *
 * sqe->cmd_op is the ioctl number: KIPC_IOC_RECV on a queue handle (not
 * with KIPC_MSG_PEEK), KIPC_IOC_SEM_WAIT on a semaphore handle, and
 * KIPC_IOC_SEM_WAIT_MULTI on /dev/kipc (KIPC_FEAT_SEM_MULTI_URING; its
 * entries are read at issue and must stay valid until the completion).
 * The completion's res is what the ioctl returns (the message's length; 0
 * for P and the multi-wait) or -errno, and the struct's outputs (type,
 * msg_len; the multi-wait's index) are written when the request
 * completes, by the submitting task.  A request that would
 * wait joins the same line as blocked ioctl callers, in arrival order; its
 * deadline (KIPC_MSG_TIMED, KIPC_SEM_TIMED) ends it with ETIMEDOUT.  When
 * the ring is torn down or its task exits, a pending request completes with
 * ECANCELED and gives back what it had been handed (the message goes to the
 * next receiver, the units to the next waiter; a multi-wait takes units
 * only in its own task work, so a cancelled one has taken none).  Needs
 * KIPC_FEAT_URING_CMD (Linux 6.7 and later: cancellable uring_cmd);
 * elsewhere io_uring completes such a command with EOPNOTSUPP.
 */
struct kipc_uring_cmd {
	__u64 arg;
	__u64 __reserved;
};

#endif /* _UAPI_LINUX_KIPC_H */
