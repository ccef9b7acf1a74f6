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

#endif /* _UAPI_LINUX_KIPC_H */
