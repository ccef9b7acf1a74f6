/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc: declarations shared by the files of the module.
 */
#ifndef _KIPC_INTERNAL_H
#define _KIPC_INTERNAL_H

#include <linux/fs.h>
#include <linux/types.h>
#include <uapi/linux/kipc.h>

#include "kipc_compat.h"

/* Limits: module parameters, see kipc_main.c. */
struct kipc_limits {
	unsigned int max_objects;
	unsigned int msgsize_max;
	unsigned int queue_msgs_max;
	unsigned int sem_value_max;
	u64 queue_bytes_max;
	u64 user_bytes_max;
};

void kipc_limits_get(struct kipc_limits *lim);

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
	int (*execute)(struct kipc_ucmd *ucmd);
};

#define KIPC_IOCTL_OP(_ioctl, _fn, _struct, _last)                        \
	{                                                                  \
		.size = sizeof(_struct) +                                  \
			BUILD_BUG_ON_ZERO(sizeof(_struct) % 8 != 0),       \
		.min_size = offsetofend(_struct, _last),                   \
		.ioctl_num = _ioctl,                                       \
		.execute = _fn,                                            \
	}

/* Every ioctl argument struct, so that one buffer fits them all. */
union kipc_ioctl_buffer {
	struct kipc_info info;
};

long kipc_dispatch(const struct kipc_ioctl_op *ops, unsigned int nr_ops,
		   struct file *file, unsigned int cmd, unsigned long arg);
int kipc_ucmd_respond(struct kipc_ucmd *ucmd, size_t cmd_len);

#endif /* _KIPC_INTERNAL_H */
