// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc-posix: SysV message queues (msgget, msgsnd, msgrcv, msgctl) on
 * kipc queues (Documentation/compat.md, lkipc-posix(7)).
 *
 * A queue of key K is the kipc queue "sysv.msg.0xKKKKKKKK" (K in 8 hex
 * digits); an IPC_PRIVATE queue is "sysv.msg.private.<64-bit random>", so
 * that it lives until IPC_RMID as SysV says, not only while a handle is
 * open.  The msqid is the kipc object's id, unique in the system and never
 * reused: any process of the IPC namespace that is told it (fork, a command
 * line) opens the queue with KIPC_OPEN_BY_ID, under the same permission
 * check, without calling msgget.  Each process keeps the handles it opened
 * in a table by msqid.  IPC_RMID is KIPC_IOC_DESTROY: blocked callers fail
 * with EIDRM, later calls with EINVAL (the id is gone).
 *
 * mtype travels as the kipc type; msgrcv's msgtyp becomes a selector:
 * 0 KIPC_SEL_ANY, > 0 KIPC_SEL_EXACT (KIPC_SEL_NOT with MSG_EXCEPT),
 * < 0 KIPC_SEL_LE -msgtyp.  A handle is opened without the shared ring
 * (LKIPC_OPEN_NOMAP): every operation is a system call, as with the
 * kernel's own queues.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/random.h>
#include <unistd.h>

#include "compat.h"
#include "lkipc.h"

#define API __attribute__((visibility("default")))

/* The kernel's defaults: MSGMAX, MSGMNB, MSGMNI (include/uapi/linux/msg.h). */
#define SV_MSGMAX	8192
#define SV_MSGMNB	16384
#define SV_MSGMNI	32000
#define SV_MSGSSZ	16
#define SV_MSGSEG	0xffff
/* Messages a queue holds: about 1 MiB of storage (compat.md). */
#define SV_QUEUE_MSGS	64

#define KEY_PREFIX	"sysv.msg.0x"
#define PRIV_PREFIX	"sysv.msg.private."


__typeof(msgget) px_msgget;
__typeof(msgsnd) px_msgsnd;
__typeof(msgrcv) px_msgrcv;
__typeof(msgctl) px_msgctl;

/* ------------------------------------------------------------------ */
/* msqid -> handle                                                     */
/* ------------------------------------------------------------------ */

/*
 * The handles this process opened, by msqid.  Entries are only prepended
 * (lock-free lookups) and a newer one, with more access, shadows an older;
 * fd -1: the queue was found removed and its handle closed.  kipc checks
 * permission at open, SysV at every call: a handle serves only the
 * effective uid and gid it was opened with (a child that changes them
 * after fork opens its own).
 */
struct sv_handle {
	int id;
	struct lkipc_queue q;	/* unmapped: SysV calls are system calls */
	unsigned int access;	/* KIPC_OPEN_READ | KIPC_OPEN_WRITE */
	uid_t uid;		/* the credentials it was opened with */
	gid_t gid;
	struct sv_handle *next;
};

#define SV_BUCKETS 64
static struct sv_handle *sv_tab[SV_BUCKETS];
static pthread_mutex_t sv_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sv_handle *sv_find(int id)
{
	struct sv_handle *e = __atomic_load_n(&sv_tab[id % SV_BUCKETS],
					      __ATOMIC_ACQUIRE);
	uid_t uid = geteuid();
	gid_t gid = getegid();

	for (; e; e = e->next)
		if (e->id == id && e->uid == uid && e->gid == gid)
			return e;
	return NULL;
}

/* Keep fd, a handle on queue id, in the table: its entry, or NULL. */
static struct sv_handle *sv_add(int id, int fd, unsigned int access)
{
	struct sv_handle *e = malloc(sizeof(*e)), **head;

	if (!e || lkipc_queue_from_fd(&px_dev, &e->q, fd, LKIPC_OPEN_NOMAP)) {
		free(e);
		close(fd);
		return NULL;
	}
	/* A write-only handle cannot tell its id: the msqid is it. */
	if (!e->q.id)
		e->q.id = (unsigned int)id;
	e->id = id;
	e->access = access;
	e->uid = geteuid();
	e->gid = getegid();
	head = &sv_tab[id % SV_BUCKETS];
	e->next = *head;
	__atomic_store_n(head, e, __ATOMIC_RELEASE);
	return e;
}

/* The queue is gone (or the descriptor is not ours any more): forget it. */
static void sv_forget(int id, int close_it)
{
	struct sv_handle *e;

	pthread_mutex_lock(&sv_lock);
	for (e = sv_tab[id % SV_BUCKETS]; e; e = e->next)
		if (e->id == id && e->q.fd >= 0) {
			if (close_it)
				lkipc_queue_close(&e->q);
			__atomic_store_n(&e->q.fd, -1, __ATOMIC_RELEASE);
		}
	pthread_mutex_unlock(&sv_lock);
}

/* KIPC_IOC_OPEN of a queue by name (create) or by id: fd or -errno. */
static int sv_open(const char *name, uint64_t id, unsigned int flags,
		   unsigned int mode, uint64_t *out_id)
{
	struct kipc_open op;
	int fd;

	memset(&op, 0, sizeof(op));
	op.size = sizeof(op);
	op.flags = flags;
	op.type = KIPC_OBJ_QUEUE;
	op.mode = mode;
	op.queue_flags = KIPC_QUEUE_NOSIGPIPE;
	if (name) {
		op.name = (uintptr_t)name;
	} else {
		op.flags |= KIPC_OPEN_BY_ID;
		op.id = id;
	}
	if (flags & KIPC_OPEN_CREATE) {
		/*
		 * MSGMNB bytes, messages of up to MSGMAX, and at most
		 * SV_QUEUE_MSGS of them: a kipc queue's storage is two slots
		 * of MSGMAX per message it can hold (compat.md).
		 */
		struct kipc_info info;

		if (lkipc_get_info(&px_dev, &info) == 0) {
			op.queue_msgsize = info.msgsize_max < SV_MSGMAX ?
					   info.msgsize_max : SV_MSGMAX;
			op.queue_msgs = info.queue_msgs_max < SV_QUEUE_MSGS ?
					info.queue_msgs_max : SV_QUEUE_MSGS;
			op.queue_bytes = info.queue_bytes_max < SV_MSGMNB ?
					 info.queue_bytes_max : SV_MSGMNB;
		}
	}
	fd = ioctl(px_dev.fd, KIPC_IOC_OPEN, &op);
	if (fd < 0)
		return -errno;
	if (out_id)
		*out_id = op.id;
	return fd;
}

/*
 * A handle on queue msqid with at least "need" access, from the table or
 * opened now; NULL with -errno in *err as SysV says it (EINVAL: no such
 * queue).
 */
static struct lkipc_queue *sv_get(int msqid, unsigned int need, int *err)
{
	struct sv_handle *e;
	unsigned int want;
	int fd;

	*err = -EINVAL;
	if (msqid <= 0)
		return NULL;
	e = sv_find(msqid);
	if (e && __atomic_load_n(&e->q.fd, __ATOMIC_ACQUIRE) >= 0 &&
	    (e->access & need) == need)
		return &e->q;
	pthread_mutex_lock(&sv_lock);
	e = sv_find(msqid);
	if (e && e->q.fd >= 0 && (e->access & need) == need)
		goto out;
	/* Read-write where allowed: one handle serves every call. */
	want = KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	fd = sv_open(NULL, (unsigned int)msqid, want, 0, NULL);
	if (fd == -EACCES && need != want) {
		/* Only what is needed; for msgctl (need 0) either. */
		want = need ? need : KIPC_OPEN_READ;
		fd = sv_open(NULL, (unsigned int)msqid, want, 0, NULL);
		if (fd == -EACCES && !need) {
			want = KIPC_OPEN_WRITE;
			fd = sv_open(NULL, (unsigned int)msqid, want, 0, NULL);
		}
	}
	e = NULL;
	if (fd >= 0) {
		e = sv_add(msqid, fd, want);
		*err = e ? 0 : -ENOMEM;
	} else {
		*err = fd == -ENOENT ? -EINVAL : fd;
	}
out:
	pthread_mutex_unlock(&sv_lock);
	return e ? &e->q : NULL;
}

/* Can the caller reach queue msqid with "need" access?  0 or -errno. */
static int sv_check(int msqid, unsigned int need)
{
	int err;

	return sv_get(msqid, need, &err) ? 0 : err;
}

/*
 * An operation on a table handle failed with err: is the handle stale?
 * EIDRM (removed), ENOTTY or EBADF (the descriptor was closed behind the
 * library's back and its number reused).  Then it is forgotten; returns 1
 * if the call is worth trying again with a fresh handle.
 */
static int sv_stale(int msqid, int err)
{
	if (err != -EIDRM && err != -ENOTTY && err != -EBADF)
		return 0;
	sv_forget(msqid, err == -EIDRM);
	return err != -EIDRM;
}

/* ------------------------------------------------------------------ */
/* msgget                                                              */
/* ------------------------------------------------------------------ */

/* The key of a kipc queue name: 1 if it is a SysV queue's. */
static int sv_name_key(const char *name, key_t *key)
{
	char *end;
	unsigned long k;

	if (!strncmp(name, PRIV_PREFIX, strlen(PRIV_PREFIX))) {
		*key = IPC_PRIVATE;
		return 1;
	}
	if (strncmp(name, KEY_PREFIX, strlen(KEY_PREFIX)))
		return 0;
	name += strlen(KEY_PREFIX);
	if (strlen(name) != 8)
		return 0;
	k = strtoul(name, &end, 16);
	if (*end)
		return 0;
	*key = (key_t)(uint32_t)k;
	return 1;
}

/*
 * Every SysV queue of the caller's IPC namespace, in id order (the MSG_STAT
 * index order): a malloc'ed array, its count in *n, or NULL and -errno.
 */
static struct kipc_obj_info *sv_list(unsigned int *n, int *err)
{
	struct kipc_obj_info *v = NULL, *nv;
	unsigned int cap = 16, i, k;
	key_t key;
	int ret;

	for (;;) {
		nv = realloc(v, cap * sizeof(*v));
		if (!nv) {
			free(v);
			*err = -ENOMEM;
			return NULL;
		}
		v = nv;
		ret = lkipc_list(&px_dev, v, cap);
		if (ret < 0) {
			free(v);
			*err = ret;
			return NULL;
		}
		if ((unsigned int)ret <= cap)
			break;
		cap = ret + 16;
	}
	for (i = k = 0; i < (unsigned int)ret; i++)
		if (v[i].type == KIPC_OBJ_QUEUE &&
		    (v[i].flags & KIPC_OBJ_F_NAMED) &&
		    !(v[i].flags & KIPC_OBJ_F_DESTROYED) &&
		    v[i].id <= INT_MAX &&
		    sv_name_key((const char *)v[i].name, &key))
			v[k++] = v[i];
	*n = k;
	return v;
}

/* The id of the queue called name, without opening it: id or -errno. */
static int sv_lookup(const char *name)
{
	struct kipc_obj_info *v;
	unsigned int n, i;
	int err, id = -ENOENT;

	v = sv_list(&n, &err);
	if (!v)
		return err;
	for (i = 0; i < n; i++)
		if (!strcmp((const char *)v[i].name, name))
			id = (int)v[i].id;
	free(v);
	return id;
}

/* kipc's errno of an open as msgget says it. */
static int sv_open_err(int err)
{
	return err == -EDQUOT ? ENOSPC : -err;
}

API int px_msgget(key_t key, int msgflg)
{
	char name[KIPC_NAME_MAX + 1];
	unsigned int need = 0, mode = msgflg & 0777;
	uint64_t id = 0, token;
	struct sv_handle *e;
	int fd, ret;

	FALLBACK(msgget, -1, key, msgflg);
	if (key == IPC_PRIVATE) {
		do {
			if (getrandom(&token, sizeof(token), 0) !=
			    sizeof(token))
				return px_fail(ENOSPC);
			snprintf(name, sizeof(name), PRIV_PREFIX "%016llx",
				 (unsigned long long)token);
			fd = sv_open(name, 0, KIPC_OPEN_READ | KIPC_OPEN_WRITE |
				     KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, mode,
				     &id);
		} while (fd == -EEXIST);
		if (fd < 0)
			return px_fail(sv_open_err(fd));
		goto opened;
	}
	snprintf(name, sizeof(name), KEY_PREFIX "%08x", (unsigned int)key);
	if (msgflg & IPC_CREAT) {
		fd = sv_open(name, 0, KIPC_OPEN_READ | KIPC_OPEN_WRITE |
			     KIPC_OPEN_CREATE |
			     ((msgflg & IPC_EXCL) ? KIPC_OPEN_EXCL : 0), mode,
			     &id);
		if (fd >= 0)
			goto opened;
		if (fd != -EACCES)
			return px_fail(sv_open_err(fd));
		/* It exists and is not ours to read and write: as below. */
	}
	/*
	 * An existing queue: ipcperms() on the access the flags' permission
	 * bits ask for (any of the three classes), none for msgflg 0.
	 */
	if (mode & 0444)
		need |= KIPC_OPEN_READ;
	if (mode & 0222)
		need |= KIPC_OPEN_WRITE;
	fd = sv_open(name, 0, need ? need : KIPC_OPEN_READ | KIPC_OPEN_WRITE,
		     0, &id);
	if (fd >= 0) {
		if (!need)
			need = KIPC_OPEN_READ | KIPC_OPEN_WRITE;
		goto cache;
	}
	if (fd != -EACCES || need)
		return px_fail(sv_open_err(fd));
	/* Nothing asked, nothing allowed: the id alone. */
	ret = sv_lookup(name);
	if (ret < 0)
		return px_fail(ret == -ENOENT ? ENOENT : -ret);
	return ret;

opened:
	need = KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	__atomic_add_fetch(&px_n_mq, 1, __ATOMIC_RELAXED);
	if (px_log_opens)
		fprintf(stderr, "liblkipc-posix: pid %d: msgget 0x%08x: kipc queue %s\n",
			getpid(), (unsigned int)key, name);
cache:
	if (id > INT_MAX) {
		/* Cannot be told as an int: kipc has made 2^31 objects. */
		close(fd);
		return px_fail(ENOSPC);
	}
	pthread_mutex_lock(&sv_lock);
	e = sv_add((int)id, fd, need);
	pthread_mutex_unlock(&sv_lock);
	return e ? (int)id : px_fail(ENOMEM);
}
__asm__(".symver px_msgget,msgget@@GLIBC_2.2.5");

/* ------------------------------------------------------------------ */
/* msgsnd, msgrcv                                                      */
/* ------------------------------------------------------------------ */

struct sv_msgbuf {
	long mtype;
	char mtext[];
};

/* One msgsnd or msgrcv, as kipc calls. */
struct sv_op {
	int send;
	const struct sv_msgbuf *smsg;	/* send */
	struct sv_msgbuf *rmsg;		/* receive */
	size_t len;
	unsigned int sel;		/* receive: KIPC_SEL_* and type */
	int64_t type;
	int64_t got;			/* receive: the type received */
	unsigned int flags;		/* KIPC_MSG_* */
};

static int sv_do(struct lkipc_queue *q, struct sv_op *o, unsigned int more)
{
	if (o->send)
		return lkipc_queue_send(q, o->smsg->mtype, o->smsg->mtext,
					o->len, o->flags | more, NULL);
	return lkipc_queue_recv(q, o->rmsg->mtext, o->len, o->sel, o->type,
				&o->got, o->flags | more, NULL);
}

/*
 * The operation on queue msqid: first without waiting, where a removed
 * queue (or a stale handle, tried once more with a fresh one) is EINVAL,
 * then, unless IPC_NOWAIT, waiting: a removal then is EIDRM.  Never
 * restarted after a signal handler (signal(7)).  Returns kipc's result.
 */
static int sv_run(int msqid, struct sv_op *o, int msgflg)
{
	unsigned int need = o->send ? KIPC_OPEN_WRITE : KIPC_OPEN_READ;
	struct lkipc_queue *q;
	int ret, retried = 0;

	for (;;) {
		q = sv_get(msqid, need, &ret);
		if (!q)
			return ret;
		ret = sv_do(q, o, KIPC_MSG_NONBLOCK);
		if (ret >= 0 || !sv_stale(msqid, ret))
			break;
		if (retried++)
			return -EINVAL;
	}
	if (ret == -EIDRM)
		return -EINVAL;
	if (ret == -EAGAIN && !(msgflg & IPC_NOWAIT)) {
		ret = sv_do(q, o, 0);
		if (ret == -EIDRM)
			sv_forget(msqid, 1);
	}
	return ret;
}

API int px_msgsnd(int msqid, const void *msgp, size_t msgsz, int msgflg)
{
	struct sv_op o = { .send = 1, .smsg = msgp, .len = msgsz,
			   .flags = KIPC_MSG_NOSIGNAL };
	int ret;

	FALLBACK(msgsnd, -1, msqid, msgp, msgsz, msgflg);
	if (msgsz > SV_MSGMAX || msqid < 0)
		return px_fail(EINVAL);
	if (!msgp)
		return px_fail(EFAULT);
	if (o.smsg->mtype < 1)
		return px_fail(EINVAL);
	ret = sv_run(msqid, &o, msgflg);
	if (ret == -EMSGSIZE)
		ret = -EINVAL;
	return ret ? px_fail(-ret) : 0;
}
__asm__(".symver px_msgsnd,msgsnd@@GLIBC_2.2.5");

API ssize_t px_msgrcv(int msqid, void *msgp, size_t msgsz, long msgtyp,
		      int msgflg)
{
	struct sv_op o = { .rmsg = msgp };
	int ret;

	FALLBACK(msgrcv, -1, msqid, msgp, msgsz, msgtyp, msgflg);
	if ((ssize_t)msgsz < 0 || msqid < 0)
		return px_fail(EINVAL);
	if (msgflg & MSG_COPY) {
		/* Linux's own answer without CONFIG_CHECKPOINT_RESTORE: a
		 * kipc queue has no way to peek at the n-th message. */
		if (!(msgflg & IPC_NOWAIT) || (msgflg & MSG_EXCEPT))
			return px_fail(EINVAL);
		return px_fail(ENOSYS);
	}
	if (msgtyp == 0) {
		o.sel = KIPC_SEL_ANY;
	} else if (msgtyp < 0) {
		o.sel = KIPC_SEL_LE;
		o.type = msgtyp == LONG_MIN ? LONG_MAX : -msgtyp;
	} else {
		o.sel = (msgflg & MSG_EXCEPT) ? KIPC_SEL_NOT : KIPC_SEL_EXACT;
		o.type = msgtyp;
	}
	if (msgflg & MSG_NOERROR)
		o.flags |= KIPC_MSG_TRUNCATE;
	if (!msgp)
		return px_fail(EFAULT);
	o.len = msgsz > UINT32_MAX ? UINT32_MAX : msgsz;
	ret = sv_run(msqid, &o, msgflg);
	if (ret < 0)
		return px_fail(ret == -EAGAIN ? ENOMSG :
			       ret == -EMSGSIZE ? E2BIG : -ret);
	o.rmsg->mtype = (long)o.got;
	return (size_t)ret > msgsz ? (ssize_t)msgsz : ret;
}
__asm__(".symver px_msgrcv,msgrcv@@GLIBC_2.2.5");

/* ------------------------------------------------------------------ */
/* msgctl                                                              */
/* ------------------------------------------------------------------ */

/*
 * struct msqid_ds from a listing entry; the last sender and receiver and
 * their times come from the queue's stat (sv_fill_last()).
 */
static void sv_fill(struct msqid_ds *ds, const struct kipc_obj_info *e)
{
	key_t key = IPC_PRIVATE;

	sv_name_key((const char *)e->name, &key);
	memset(ds, 0, sizeof(*ds));
	ds->msg_perm.__key = key;
	ds->msg_perm.uid = e->uid;
	ds->msg_perm.gid = e->gid;
	ds->msg_perm.cuid = e->cuid;
	ds->msg_perm.cgid = e->cgid;
	ds->msg_perm.mode = e->mode;
	ds->msg_ctime = e->ctime;
	ds->__msg_cbytes = e->q_bytes;
	ds->msg_qnum = e->q_msgs;
	ds->msg_qbytes = e->q_cap_bytes;
}

/*
 * msg_lspid, msg_lrpid, msg_stime and msg_rtime: the kernel records them
 * (KIPC_FEAT_QUEUE_LAST) and KIPC_IOC_QUEUE_STAT reports them, on a handle
 * open for reading.  Where the caller cannot open the queue for reading
 * (MSG_STAT_ANY), or on a kernel without them, they stay 0 (compat.md).
 */
static void sv_fill_last(int msqid, struct msqid_ds *ds)
{
	struct kipc_queue_stat st;
	struct lkipc_queue *q;
	int ret, retried = 0;

	for (;;) {
		q = sv_get(msqid, KIPC_OPEN_READ, &ret);
		if (!q)
			return;
		ret = lkipc_queue_stat(q, &st);
		if (!ret)
			break;
		if (!sv_stale(msqid, ret) || retried++)
			return;
	}
	ds->msg_lspid = st.lspid;
	ds->msg_lrpid = st.lrpid;
	ds->msg_stime = st.stime;
	ds->msg_rtime = st.rtime;
}

/* The listing entry of queue msqid: 0, or -EINVAL if there is none. */
static int sv_entry(int msqid, struct kipc_obj_info *out)
{
	struct kipc_obj_info *v;
	unsigned int n, i;
	int err = -EINVAL;

	v = sv_list(&n, &err);
	if (!v)
		return err;
	err = -EINVAL;
	for (i = 0; i < n; i++)
		if (v[i].id == (uint64_t)msqid) {
			*out = v[i];
			err = 0;
		}
	free(v);
	return err;
}

/* IPC_INFO and MSG_INFO: the limits, or what is in use; the last index. */
static int sv_info(int cmd, struct msginfo *mi)
{
	struct kipc_obj_info *v;
	struct kipc_info info;
	unsigned int n, i;
	int err;

	err = lkipc_get_info(&px_dev, &info);
	if (err < 0)
		return px_fail(-err);
	v = sv_list(&n, &err);
	if (!v)
		return px_fail(-err);
	memset(mi, 0, sizeof(*mi));
	mi->msgmax = info.msgsize_max < SV_MSGMAX ? info.msgsize_max :
		     SV_MSGMAX;
	mi->msgmnb = SV_MSGMNB;
	mi->msgmni = info.max_objects < SV_MSGMNI ? info.max_objects :
		     SV_MSGMNI;
	mi->msgssz = SV_MSGSSZ;
	mi->msgseg = SV_MSGSEG;
	if (cmd == MSG_INFO) {
		/* As Linux: queues, messages and bytes in use. */
		mi->msgpool = n;
		for (i = 0; i < n; i++) {
			mi->msgmap += v[i].q_msgs;
			mi->msgtql += v[i].q_bytes;
		}
	} else {
		mi->msgpool = mi->msgmni * (SV_MSGMNB / 1024);
		mi->msgmap = SV_MSGMNB;
		mi->msgtql = SV_MSGMNB;
	}
	free(v);
	return n ? (int)n - 1 : 0;
}

/* MSG_STAT, MSG_STAT_ANY: the index-th queue; returns its msqid. */
static int sv_stat_index(int index, int any, struct msqid_ds *ds)
{
	struct kipc_obj_info *v;
	unsigned int n;
	int err, id;

	v = sv_list(&n, &err);
	if (!v)
		return px_fail(-err);
	if (index < 0 || (unsigned int)index >= n) {
		free(v);
		return px_fail(EINVAL);
	}
	id = (int)v[index].id;
	if (!any) {
		err = sv_check(id, KIPC_OPEN_READ);
		if (err) {
			free(v);
			return px_fail(-err);
		}
	}
	sv_fill(ds, &v[index]);
	free(v);
	sv_fill_last(id, ds);
	return id;
}

/*
 * IPC_SET: kipc cannot change a queue's owner, mode or capacity once it is
 * made.  Setting the values it has is allowed (for its owner, as Linux);
 * any change fails with EOPNOTSUPP (Documentation/compat.md).
 */
static int sv_set(int msqid, const struct msqid_ds *ds)
{
	struct kipc_obj_info e;
	uid_t euid = geteuid();
	int ret;

	ret = sv_check(msqid, 0);
	if (ret < 0)
		return px_fail(-ret);
	ret = sv_entry(msqid, &e);
	if (ret < 0)
		return px_fail(-ret);
	if (euid != 0 && euid != e.uid && euid != e.cuid)
		return px_fail(EPERM);
	if (ds->msg_perm.uid != e.uid || ds->msg_perm.gid != e.gid ||
	    (ds->msg_perm.mode & 0777) != e.mode ||
	    ds->msg_qbytes != e.q_cap_bytes)
		return px_fail(EOPNOTSUPP);
	return 0;
}

static int sv_rmid(int msqid)
{
	struct lkipc_queue *q;
	int ret;

	q = sv_get(msqid, 0, &ret);
	if (ret == -EACCES)
		return px_fail(EPERM);	/* not even readable: not its owner */
	if (!q)
		return px_fail(-ret);
	ret = lkipc_queue_destroy(q);
	if (ret == -EIDRM)
		ret = -EINVAL;
	sv_forget(msqid, 1);
	return ret ? px_fail(-ret) : 0;
}

API int px_msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
	struct kipc_obj_info e;
	int ret;

	FALLBACK(msgctl, -1, msqid, cmd, buf);
	switch (cmd) {
	case IPC_INFO:
	case MSG_INFO:
		if (!buf)
			return px_fail(EFAULT);
		return sv_info(cmd, (struct msginfo *)buf);
	case MSG_STAT:
	case MSG_STAT_ANY:
		if (!buf)
			return px_fail(EFAULT);
		return sv_stat_index(msqid, cmd == MSG_STAT_ANY, buf);
	case IPC_STAT:
		if (msqid < 0)
			return px_fail(EINVAL);
		ret = sv_check(msqid, KIPC_OPEN_READ);
		if (ret < 0)
			return px_fail(-ret);
		ret = sv_entry(msqid, &e);
		if (ret < 0)
			return px_fail(-ret);
		if (!buf)
			return px_fail(EFAULT);
		sv_fill(buf, &e);
		sv_fill_last(msqid, buf);
		return 0;
	case IPC_SET:
		if (msqid < 0)
			return px_fail(EINVAL);
		if (!buf)
			return px_fail(EFAULT);
		return sv_set(msqid, buf);
	case IPC_RMID:
		if (msqid < 0)
			return px_fail(EINVAL);
		return sv_rmid(msqid);
	default:
		return px_fail(EINVAL);
	}
}
__asm__(".symver px_msgctl,msgctl@@GLIBC_2.2.5");
