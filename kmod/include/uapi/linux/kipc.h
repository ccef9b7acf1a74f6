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
 *    Output fields are written back only up to the size given.
 *  - Unknown bits in "flags" and non-zero reserved ("__reserved*") fields
 *    fail with EINVAL.
 *  - Pointers travel as __u64.  A bad pointer fails with EFAULT.
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
};

#define KIPC_IOC_GET_INFO \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_GET_INFO, struct kipc_info)

/*
 * Objects
 * =======
 *
 * Semaphores (and, later, message queues) are objects.  Every object has a
 * type, a unique 64-bit id, an owner uid/gid and a creator uid/gid (the
 * fsuid/fsgid of the task that created it), permission bits (like a file's
 * 0777 bits, without umask), a creation time and an optional name.
 *
 * A name is 1..KIPC_NAME_MAX bytes, contains no '/' and is neither "." nor
 * "..".  Each object type has its own name space.  A named object lives until
 * it is unlinked (KIPC_IOC_UNLINK) or destroyed, even with no handle open; an
 * anonymous object lives as long as a handle to it does.
 *
 * A handle is a file descriptor returned by KIPC_IOC_OPEN.  Permission is
 * checked once, at open, like SysV IPC: the owner or creator bits if the
 * caller's fsuid is the owner or creator, else the group bits if the caller
 * is in the owner's or creator's group, else the other bits; CAP_IPC_OWNER
 * in the caller's user namespace (over an object whose owner is mapped in
 * it) overrides.  Read permission allows observing (and receiving), write
 * permission allows posting and waiting (and sending).
 *
 * KIPC_IOC_DESTROY ends an object at once: every blocked operation on it
 * fails with EIDRM, and so does every later operation through any handle.
 */
#define KIPC_NAME_MAX		255

/* Object types. */
#define KIPC_OBJ_SEM		1

/**
 * struct kipc_open - KIPC_IOC_OPEN: open or create an object, get a handle
 * @size: sizeof(struct kipc_open) as known to userspace (minimum 48)
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
 * @id: out: the object's id
 * @out_flags: out: KIPC_OPEN_CREATED if this call created the object
 * @__reserved: must be 0
 *
 * Opens the object of type @type called @name, creating it if
 * KIPC_OPEN_CREATE is given and it does not exist.  The creator of an object
 * gets the access it asks for whatever @mode says; anyone else needs the
 * permission (see above) for the access asked for.  Type fields of another
 * type must be 0; those of @type are used only when the object is created.
 *
 * Returns the handle, a new file descriptor (close-on-exec unless
 * KIPC_OPEN_INHERIT), open for reading and/or writing as asked.
 *
 * Errors: EINVAL (unknown flags or type, no access mode, mode above 0777,
 * reserved or other type's fields non-zero, a bad name, sem_value above the
 * maximum, sem_max above sem_value_max), ENAMETOOLONG (name longer than
 * KIPC_NAME_MAX), EFAULT, ENOENT (no such object and no KIPC_OPEN_CREATE),
 * EEXIST (KIPC_OPEN_CREATE | KIPC_OPEN_EXCL and the object exists), EACCES
 * (permission denied), ENOSPC (max_objects objects exist), EDQUOT (the
 * creator's objects would exceed user_bytes_max), EMFILE, ENFILE, ENOMEM.
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
};

#define KIPC_OPEN_READ		(1U << 0)	/* may observe */
#define KIPC_OPEN_WRITE		(1U << 1)	/* may post and wait */
#define KIPC_OPEN_CREATE	(1U << 2)	/* create if missing */
#define KIPC_OPEN_EXCL		(1U << 3)	/* CREATE: must not exist */
#define KIPC_OPEN_INHERIT	(1U << 4)	/* no close-on-exec */
#define KIPC_OPEN_FLAGS		(KIPC_OPEN_READ | KIPC_OPEN_WRITE | \
				 KIPC_OPEN_CREATE | KIPC_OPEN_EXCL | \
				 KIPC_OPEN_INHERIT)

/* out_flags of struct kipc_open */
#define KIPC_OPEN_CREATED	(1U << 0)

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
};

#define KIPC_OBJ_F_NAMED	(1U << 0)	/* it has a name now */
#define KIPC_OBJ_F_DESTROYED	(1U << 1)	/* destroyed, handles remain */

/**
 * struct kipc_list - KIPC_IOC_LIST: enumerate the objects
 * @size: sizeof(struct kipc_list) as known to userspace (minimum 32)
 * @flags: must be 0
 * @entry_size: sizeof(struct kipc_obj_info) as known to userspace: at least
 *	the size of the first version (328) and a multiple of 8.  Each entry
 *	is written up to that size, the part the kernel does not know zeroed.
 * @capacity: the number of entries @entries has room for (may be 0)
 * @entries: pointer to an array of @capacity entries of @entry_size bytes
 * @count: out: the number of objects in all, even if more than @capacity
 * @filled: out: the number of entries written, in increasing id order
 *
 * Every object in the system is listed, like /proc/kipc; objects appearing
 * or ending during the call may or may not be.
 *
 * Errors: EINVAL (flags, entry_size), EFAULT, ENOMEM.
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
 * @size: sizeof(struct kipc_destroy) as known to userspace (minimum 8)
 * @flags: must be 0
 *
 * On a handle of any type.  The object loses its name, every operation
 * blocked on it fails with EIDRM, and so does every later operation through
 * any handle; poll reports POLLHUP | POLLERR.  Its memory is freed when the
 * last handle is closed.  Only the owner or creator, or a caller with
 * CAP_IPC_OWNER, may destroy, whatever the handle's access mode.
 *
 * Errors: EINVAL (flags), EFAULT, EPERM (not allowed), EIDRM (already
 * destroyed), ENOTTY (not a kipc object handle).
 */
struct kipc_destroy {
	__u32 size;
	__u32 flags;
};

#define KIPC_IOC_DESTROY \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_DESTROY, struct kipc_destroy)

/*
 * Semaphores
 * ==========
 *
 * A semaphore's value v is 0 <= v <= max.  Waiters are served strictly in
 * arrival order: P(n) takes n at once only if nobody is waiting and v >= n;
 * otherwise it queues at the tail.  V(n) adds n and then grants from the
 * head of the queue while the head's request fits, handing the units over
 * directly; a smaller request behind a waiter that does not fit waits too.
 * A waiter granted its units returns success even if a signal or its
 * deadline arrives at the same moment; a waiter that leaves first (signal,
 * timeout, death) takes nothing, and the waiters behind it are re-examined.
 */

/**
 * struct kipc_sem_wait - KIPC_IOC_SEM_WAIT: P(count) on a semaphore handle
 * @size: sizeof(struct kipc_sem_wait) as known to userspace (minimum 32)
 * @flags: KIPC_SEM_* bits: NONBLOCK, UNDO, TIMED, REALTIME
 * @count: units to take, 1..the semaphore's max
 * @__reserved: must be 0
 * @tv_sec: with KIPC_SEM_TIMED: the absolute deadline, seconds; else 0
 * @tv_nsec: with KIPC_SEM_TIMED: nanoseconds, 0..999999999; else 0
 *
 * The deadline is on CLOCK_MONOTONIC, or CLOCK_REALTIME with
 * KIPC_SEM_REALTIME.  With KIPC_SEM_UNDO the units taken are recorded on the
 * handle's open file description and posted back when it is released (its
 * last close, or the death of the last process holding it).  The handle
 * must be open for writing.
 *
 * Errors: EINVAL (flags, reserved, count 0 or above max, deadline fields
 * out of range or non-zero without TIMED, NONBLOCK with TIMED, REALTIME
 * without TIMED), EFAULT, EBADF (handle not open for writing), ENOTTY (not
 * a semaphore), EAGAIN (NONBLOCK and not available now), ETIMEDOUT (deadline
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
 * struct kipc_sem_post - KIPC_IOC_SEM_POST: V(count) on a semaphore handle
 * @size: sizeof(struct kipc_sem_post) as known to userspace (minimum 16)
 * @flags: KIPC_SEM_UNDO or 0
 * @count: units to add, at least 1
 * @__reserved: must be 0
 *
 * With KIPC_SEM_UNDO the handle's undo record is reduced by @count.  The
 * handle must be open for writing.
 *
 * Errors: EINVAL (flags, reserved, count 0, UNDO with a record smaller than
 * count), EFAULT, EBADF, ENOTTY, EOVERFLOW (the value would exceed the
 * semaphore's max; nothing changes), EIDRM.
 */
struct kipc_sem_post {
	__u32 size;
	__u32 flags;
	__u32 count;
	__u32 __reserved;
};

#define KIPC_IOC_SEM_POST \
	_IOW(KIPC_IOC_TYPE, KIPC_CMD_SEM_POST, struct kipc_sem_post)

/**
 * struct kipc_sem_waiter - one blocked waiter, as KIPC_IOC_SEM_STAT reports
 * @pid: its process id in the caller's pid namespace (0 if not visible)
 * @count: the units it asks for
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
 * @__reserved: must be 0
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
	__u32 __reserved;
	__s64 ctime;
	__u64 undo;
};

#define KIPC_IOC_SEM_STAT \
	_IOWR(KIPC_IOC_TYPE, KIPC_CMD_SEM_STAT, struct kipc_sem_stat)

#endif /* _UAPI_LINUX_KIPC_H */
