/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc: the tracepoints of the "kipc" trace system
 * (Documentation/observability.md).
 *
 * Each event names its object by id (the id of /proc/kipc and kipcctl) and,
 * where the task it is about is not the one running (a grant, a handoff),
 * that task by "pid": its thread id in the initial pid namespace, like the
 * kernel's own events.  The running task is the event's common_pid.
 *
 * The arguments are pointers or values the caller already has, so that a
 * disabled tracepoint costs its static branch and nothing else; everything
 * else is read in TP_fast_assign, which runs only when the event is on.
 * kipc_main.c defines CREATE_TRACE_POINTS.
 */
#ifndef _KIPC_TRACE_HELPERS_H
#define _KIPC_TRACE_HELPERS_H

#include <linux/sched.h>
#include <linux/sched/signal.h>

#include "kipc_queue.h"

/* Why a semaphore waiter left its queue without units (ret -> reason). */
#define KIPC_TRACE_LEFT_SIGNAL		0
#define KIPC_TRACE_LEFT_DEADLINE	1
#define KIPC_TRACE_LEFT_DEATH		2
#define KIPC_TRACE_LEFT_DESTROY		3

static inline u8 kipc_trace_left_reason(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return KIPC_TRACE_LEFT_DEADLINE;
	case -EIDRM:
		return KIPC_TRACE_LEFT_DESTROY;
	case -ECANCELED:	/* a uring_cmd's task or ring is going away */
		return KIPC_TRACE_LEFT_DEATH;
	default:
		return fatal_signal_pending(current) ? KIPC_TRACE_LEFT_DEATH :
						       KIPC_TRACE_LEFT_SIGNAL;
	}
}

#endif /* _KIPC_TRACE_HELPERS_H */

#undef TRACE_SYSTEM
#define TRACE_SYSTEM kipc

#if !defined(_KIPC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _KIPC_TRACE_H

#include <linux/tracepoint.h>

/* ---- Semaphores ------------------------------------------------------ */

/* A P could not take its units and queued at the tail. */
TRACE_EVENT(kipc_sem_wait_queued,
	    TP_PROTO(const struct kipc_object *obj, const struct task_struct *t,
		     u32 count, u32 value, u32 nwaiters),
	    TP_ARGS(obj, t, count, value, nwaiters),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, count)
			     __field(u32, value)
			     __field(u32, nwaiters)),
	    TP_fast_assign(__entry->id = obj->id;
			   __entry->pid = t->pid;
			   __entry->count = count;
			   __entry->value = value;
			   __entry->nwaiters = nwaiters;),
	    TP_printk("id=%llu pid=%d count=%u value=%u nwaiters=%u",
		      __entry->id, __entry->pid, __entry->count, __entry->value,
		      __entry->nwaiters)
);

/*
 * A queued waiter was granted its units, by the running task (a V, or the
 * waiter before it leaving the head): "value" is what is left.
 */
TRACE_EVENT(kipc_sem_wait_granted,
	    TP_PROTO(const struct kipc_object *obj, const struct task_struct *t,
		     u32 count, u32 value),
	    TP_ARGS(obj, t, count, value),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, count)
			     __field(u32, value)),
	    TP_fast_assign(__entry->id = obj->id;
			   __entry->pid = t->pid;
			   __entry->count = count;
			   __entry->value = value;),
	    TP_printk("id=%llu pid=%d count=%u value=%u",
		      __entry->id, __entry->pid, __entry->count, __entry->value)
);

/* A queued waiter left without units: signal, deadline, death, destroy. */
TRACE_EVENT(kipc_sem_wait_left,
	    TP_PROTO(const struct kipc_object *obj, const struct task_struct *t,
		     u32 count, int ret),
	    TP_ARGS(obj, t, count, ret),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, count)
			     __field(u8, reason)),
	    TP_fast_assign(__entry->id = obj->id;
			   __entry->pid = t->pid;
			   __entry->count = count;
			   __entry->reason = kipc_trace_left_reason(ret);),
	    TP_printk("id=%llu pid=%d count=%u reason=%s",
		      __entry->id, __entry->pid, __entry->count,
		      __print_symbolic(__entry->reason,
				       { KIPC_TRACE_LEFT_SIGNAL, "signal" },
				       { KIPC_TRACE_LEFT_DEADLINE, "deadline" },
				       { KIPC_TRACE_LEFT_DEATH, "death" },
				       { KIPC_TRACE_LEFT_DESTROY, "destroy" }))
);

/*
 * A V through the kernel added count units to value; the grants it makes
 * follow as kipc_sem_wait_granted events of the same task.
 */
TRACE_EVENT(kipc_sem_post,
	    TP_PROTO(const struct kipc_object *obj, u32 count, u32 value,
		     u32 nwaiters),
	    TP_ARGS(obj, count, value, nwaiters),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u32, count)
			     __field(u32, value)
			     __field(u32, nwaiters)),
	    TP_fast_assign(__entry->id = obj->id;
			   __entry->count = count;
			   __entry->value = value;
			   __entry->nwaiters = nwaiters;),
	    TP_printk("id=%llu count=%u value=%u nwaiters=%u",
		      __entry->id, __entry->count, __entry->value,
		      __entry->nwaiters)
);

/* ---- Message queues -------------------------------------------------- */

/* A message through the kernel: in (send) or out (recv). */
DECLARE_EVENT_CLASS(kipc_queue_msg,
		    TP_PROTO(const struct kipc_queue *q,
			     const struct kipc_queue_msg *m),
		    TP_ARGS(q, m),
		    TP_STRUCT__entry(__field(u64, id)
				     __field(s64, type)
				     __field(u32, len)
				     __field(u32, nmsgs)),
		    TP_fast_assign(__entry->id = q->obj.id;
				   __entry->type = m->type;
				   __entry->len = m->len;
				   __entry->nmsgs = q->nmsgs;),
		    TP_printk("id=%llu type=%lld len=%u nmsgs=%u", __entry->id,
			      __entry->type, __entry->len, __entry->nmsgs)
);

/* A message entered the queue; nmsgs counts it. */
DEFINE_EVENT(kipc_queue_msg, kipc_queue_send,
	     TP_PROTO(const struct kipc_queue *q, const struct kipc_queue_msg *m),
	     TP_ARGS(q, m)
);

/* A message was received and left the queue; nmsgs is what is left. */
DEFINE_EVENT(kipc_queue_msg, kipc_queue_recv,
	     TP_PROTO(const struct kipc_queue *q, const struct kipc_queue_msg *m),
	     TP_ARGS(q, m)
);

/* A new message was handed to the blocked receiver "pid". */
TRACE_EVENT(kipc_queue_handoff,
	    TP_PROTO(const struct kipc_queue *q, const struct task_struct *t,
		     const struct kipc_queue_msg *m),
	    TP_ARGS(q, t, m),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(s64, type)
			     __field(u32, len)),
	    TP_fast_assign(__entry->id = q->obj.id;
			   __entry->pid = t->pid;
			   __entry->type = m->type;
			   __entry->len = m->len;),
	    TP_printk("id=%llu pid=%d type=%lld len=%u", __entry->id,
		      __entry->pid, __entry->type, __entry->len)
);

/* A sender (the queue is full) or receiver (nothing matches) blocked. */
TRACE_EVENT(kipc_queue_block,
	    TP_PROTO(const struct kipc_queue *q, const struct task_struct *t,
		     bool send),
	    TP_ARGS(q, t, send),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(bool, send)
			     __field(u32, nwaiters)),
	    TP_fast_assign(__entry->id = q->obj.id;
			   __entry->pid = t->pid;
			   __entry->send = send;
			   __entry->nwaiters = send ? q->nsenders : q->nreceivers;),
	    TP_printk("id=%llu pid=%d op=%s nwaiters=%u", __entry->id,
		      __entry->pid, __entry->send ? "send" : "recv",
		      __entry->nwaiters)
);

/* Room appeared: the blocked sender "pid"'s message was enqueued for it. */
TRACE_EVENT(kipc_queue_admit,
	    TP_PROTO(const struct kipc_queue *q, const struct task_struct *t,
		     u32 len),
	    TP_ARGS(q, t, len),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(pid_t, pid)
			     __field(u32, len)),
	    TP_fast_assign(__entry->id = q->obj.id;
			   __entry->pid = t->pid;
			   __entry->len = len;),
	    TP_printk("id=%llu pid=%d len=%u", __entry->id, __entry->pid,
		      __entry->len)
);

/* ---- The shared ring -------------------------------------------------- */

/*
 * The mode a kernel operation leaves the ring in changed: "fast" (the
 * mapping is usable without the kernel) or "kernel" (SLOW: waiters,
 * unpublished positions, pollers, pipe mode or destroy need the kernel).
 */
TRACE_EVENT_CONDITION(kipc_ring_mode,
		      TP_PROTO(const struct kipc_queue *q, bool fast),
		      TP_ARGS(q, fast),
		      TP_CONDITION(fast != q->fast_shown),
		      TP_STRUCT__entry(__field(u64, id)
				       __field(bool, fast)
				       __field(u32, nsenders)
				       __field(u32, nreceivers)
				       __field(u32, npending)),
		      TP_fast_assign(__entry->id = q->obj.id;
				     __entry->fast = fast;
				     __entry->nsenders = q->nsenders;
				     __entry->nreceivers = q->nreceivers;
				     __entry->npending = q->npending;),
		      TP_printk("id=%llu mode=%s nsenders=%u nreceivers=%u npending=%u",
				__entry->id, __entry->fast ? "fast" : "kernel",
				__entry->nsenders, __entry->nreceivers, __entry->npending)
);

/*
 * A fast sender or receiver died holding position pos: the position is
 * freed and "lost" (the queue's count, after this one) counts it.
 */
TRACE_EVENT(kipc_ring_recover,
	    TP_PROTO(const struct kipc_queue *q, u64 pos, bool send),
	    TP_ARGS(q, pos, send),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, pos)
			     __field(u64, lost)
			     __field(bool, send)),
	    TP_fast_assign(__entry->id = q->obj.id;
			   __entry->pos = pos;
			   __entry->lost = q->lost;
			   __entry->send = send;),
	    TP_printk("id=%llu pos=%llu claimant=%s lost=%llu", __entry->id,
		      __entry->pos, __entry->send ? "send" : "recv",
		      __entry->lost)
);

/*
 * The ring's position words were impossible (a process wrote them): the
 * kernel keeps its own head and tail and rewrites the slots.  prod and cons
 * are the words as found.
 */
TRACE_EVENT(kipc_ring_scribbled,
	    TP_PROTO(const struct kipc_queue *q),
	    TP_ARGS(q),
	    TP_STRUCT__entry(__field(u64, id)
			     __field(u64, head)
			     __field(u64, tail)
			     __field(u64, prod)
			     __field(u64, cons)),
	    TP_fast_assign(__entry->id = q->obj.id;
			   __entry->head = q->head;
			   __entry->tail = q->tail;
			   __entry->prod = READ_ONCE(q->hdr->prod) & KIPC_RING_POS_MASK;
			   __entry->cons = READ_ONCE(q->hdr->cons) & KIPC_RING_POS_MASK;),
	    TP_printk("id=%llu head=%llu tail=%llu prod=%llu cons=%llu",
		      __entry->id, __entry->head, __entry->tail, __entry->prod,
		      __entry->cons)
);

#endif /* _KIPC_TRACE_H */

/* Out of tree: the header is found through -I$(src) (Kbuild). */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE kipc_trace
#include <trace/define_trace.h>
