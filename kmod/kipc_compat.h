/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc: the one place where kernel API differences are handled.
 *
 * "kipc_config.h" is written for each kernel by kmod/probe.sh, which
 * configure runs: every HAVE_* below is the result of compiling a tiny module
 * against that kernel, never a version comparison.  No other file of the
 * module tests HAVE_* or the kernel version.
 */
#ifndef _KIPC_COMPAT_H
#define _KIPC_COMPAT_H

#include "kipc_config.h"

#include <linux/eventfd.h>
#include <linux/ipc_namespace.h>
#include <linux/mm.h>
#include <linux/proc_ns.h>
#include <linux/refcount.h>

/* vm_flags became read-only in 6.3; its setters appeared then. */
#ifndef HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

/*
 * A driver can have its pending uring_cmd cancelled only since 6.7
 * (io_uring_cmd_mark_cancelable()); kipc's async strong operations need it.
 */
#ifdef HAVE_IO_URING_CMD_MARK_CANCELABLE
#define KIPC_HAVE_URING_CMD_CANCEL 1
#else
#define KIPC_HAVE_URING_CMD_CANCEL 0
#endif

/* eventfd_signal() lost its count argument in 6.8: it always adds 1. */
static inline void kipc_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef HAVE_EVENTFD_SIGNAL_CTX
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/*
 * kipc keeps a reference on each IPC namespace that has objects, and frees
 * their named objects once its reference is the only one left.
 * put_ipc_ns() is not exported on every kernel (6.1 has no export); the
 * namespace's own put (what nsfs calls) is the same function everywhere.
 * Without CONFIG_IPC_NS there is only the initial namespace, which is
 * never counted (get_ipc_ns() takes nothing) and never goes away.
 */
static inline struct ipc_namespace *kipc_ipc_ns_get(struct ipc_namespace *ns)
{
	return get_ipc_ns(ns);
}

static inline void kipc_ipc_ns_put(struct ipc_namespace *ns)
{
	if (IS_ENABLED(CONFIG_IPC_NS))
		ns->ns.ops->put(&ns->ns);
}

static inline bool kipc_ipc_ns_only_ours(struct ipc_namespace *ns)
{
	return IS_ENABLED(CONFIG_IPC_NS) && refcount_read(&ns->ns.count) == 1;
}

#endif /* _KIPC_COMPAT_H */
