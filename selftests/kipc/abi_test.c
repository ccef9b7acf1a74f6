// SPDX-License-Identifier: GPL-2.0
/*
 * The rules of every object ioctl: the size / flags / reserved / pointer
 * rules (the iommufd cmd_length pattern) and ioctls on the wrong kind of
 * object.  The device's own ioctls are tested in info_test.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/io_uring.h>
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

KIPC_DEV_FIXTURE(abi)

/* ---- The ioctl rules ------------------------------------------------------ */

/* A new semaphore for every call, the previous one closed. */
static int fresh_fd = -1;

static int fresh_sem(int dev)
{
	if (fresh_fd >= 0)
		close(fresh_fd);
	fresh_fd = sem_open_full(dev, NULL, RW, 0600, 100, 0, NULL);
	return fresh_fd;
}

static uint64_t make_named(int dev, const char *name)
{
	int fd = sem_open_full(dev, name, RW | KIPC_OPEN_CREATE, 0600, 0, 0,
			       NULL);

	if (fd >= 0)
		close(fd);
	return (uintptr_t)name;
}

TEST_F(abi, cmd_length)
{
	char name[64];
	int fd;

	make_name(name, sizeof(name), "len");
	fd = sem_open_full(self->dev, NULL, RW, 0600, 100, 0, NULL);
	ASSERT_LE(0, fd);

	TEST_LENGTH_FD(self->dev, kipc_open, KIPC_IOC_OPEN, __reserved,
		       (buf.cmd.flags = RW, buf.cmd.type = KIPC_OBJ_SEM));
	TEST_LENGTH_FD(self->dev, kipc_unlink, KIPC_IOC_UNLINK, name,
		       (buf.cmd.type = KIPC_OBJ_SEM,
			buf.cmd.name = make_named(self->dev, name)));
	TEST_LENGTH_FD(self->dev, kipc_list, KIPC_IOC_LIST, filled,
		       buf.cmd.entry_size = sizeof(struct kipc_obj_info));
	TEST_LENGTH_FD(fresh_sem(self->dev), kipc_destroy, KIPC_IOC_DESTROY,
		       flags, );
	TEST_LENGTH_FD(fd, kipc_sem_wait, KIPC_IOC_SEM_WAIT, tv_nsec,
		       buf.cmd.count = 1);
	TEST_LENGTH_FD(fd, kipc_sem_post, KIPC_IOC_SEM_POST, __reserved,
		       buf.cmd.count = 1);
	TEST_LENGTH_FD(fd, kipc_sem_stat, KIPC_IOC_SEM_STAT, undo, );
	EXPECT_EQ(100, sem_value(fd));
	unlink_sem(self->dev, name);
	close(fd);
}

/* Every unknown flag bit and every reserved field: EINVAL. */
TEST_F(abi, flags_and_reserved)
{
	struct kipc_sem_stat st;
	struct kipc_sem_wait w;
	struct kipc_sem_post p;
	struct kipc_destroy d;
	struct kipc_unlink u;
	struct kipc_list l;
	struct kipc_open o;
	char name[64];
	int fd, bit;

	make_name(name, sizeof(name), "flags");
	fd = anon_sem(self->dev, 100);
	ASSERT_LE(0, fd);
	for (bit = 0; bit < 32; bit++) {
		unsigned int f = 1U << bit;

		if (!(f & KIPC_OPEN_FLAGS)) {
			memset(&o, 0, sizeof(o));
			o.size = sizeof(o);
			o.flags = RW | f;
			o.type = KIPC_OBJ_SEM;
			EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
			EXPECT_EQ(EINVAL, errno);
		}
		if (!(f & KIPC_SEM_WAIT_FLAGS)) {
			memset(&w, 0, sizeof(w));
			w.size = sizeof(w);
			w.flags = f;
			w.count = 1;
			EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_WAIT, &w));
			EXPECT_EQ(EINVAL, errno);
		}
		if (!(f & KIPC_SEM_POST_FLAGS)) {
			memset(&p, 0, sizeof(p));
			p.size = sizeof(p);
			p.flags = f;
			p.count = 1;
			EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_POST, &p));
			EXPECT_EQ(EINVAL, errno);
		}
		memset(&u, 0, sizeof(u));
		u.size = sizeof(u);
		u.flags = f;
		u.type = KIPC_OBJ_SEM;
		u.name = make_named(self->dev, name);
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
		EXPECT_EQ(EINVAL, errno);
		memset(&l, 0, sizeof(l));
		l.size = sizeof(l);
		l.flags = f;
		l.entry_size = sizeof(struct kipc_obj_info);
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &l));
		EXPECT_EQ(EINVAL, errno);
		memset(&d, 0, sizeof(d));
		d.size = sizeof(d);
		d.flags = f;
		EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_DESTROY, &d));
		EXPECT_EQ(EINVAL, errno);
		memset(&st, 0, sizeof(st));
		st.size = sizeof(st);
		st.flags = f;
		EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
		EXPECT_EQ(EINVAL, errno);
	}

	/* Reserved fields. */
	memset(&o, 0, sizeof(o));
	o.size = sizeof(o);
	o.flags = RW;
	o.type = KIPC_OBJ_SEM;
	o.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.__reserved = 0;
	o.type = 0;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	o.type = 77;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(EINVAL, errno);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.type = KIPC_OBJ_SEM;
	u.name = make_named(self->dev, name);
	u.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
	EXPECT_EQ(EINVAL, errno);
	u.__reserved = 0;
	u.type = 77;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_UNLINK, &u));
	EXPECT_EQ(EINVAL, errno);
	memset(&w, 0, sizeof(w));
	w.size = sizeof(w);
	w.count = 1;
	w.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.count = 1;
	p.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(EINVAL, errno);
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(EINVAL, errno);
	/* order was a reserved word: now out only, what comes in ignored. */
	st.flags = 0;
	st.order = 5;
	EXPECT_EQ(0, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(KIPC_ORDER_FIFO, st.order);

	/* Nothing was taken, posted or destroyed on the way. */
	EXPECT_EQ(100, sem_value(fd));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

TEST_F(abi, bad_pointers)
{
	static const unsigned long dev_cmds[] = {
		KIPC_IOC_OPEN, KIPC_IOC_UNLINK, KIPC_IOC_LIST,
	};
	static const unsigned long sem_cmds[] = {
		KIPC_IOC_DESTROY, KIPC_IOC_SEM_WAIT, KIPC_IOC_SEM_POST,
		KIPC_IOC_SEM_STAT, KIPC_IOC_SEM_UNDO_SLOT,
	};
	struct kipc_sem_stat st;
	unsigned int i;
	pid_t pid;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(dev_cmds) / sizeof(dev_cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(self->dev, dev_cmds[i], NULL));
		EXPECT_EQ(EFAULT, errno);
		EXPECT_EQ(-1, ioctl(self->dev, dev_cmds[i], (void *)16));
		EXPECT_EQ(EFAULT, errno);
	}
	for (i = 0; i < sizeof(sem_cmds) / sizeof(sem_cmds[0]); i++) {
		EXPECT_EQ(-1, ioctl(fd, sem_cmds[i], NULL));
		EXPECT_EQ(EFAULT, errno);
	}
	/* The waiter array of SEM_STAT. */
	pid = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.capacity = 4;
	st.waiters = 16;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(0, reap(pid));
	/* A read-only struct: read, but not written back. */
	{
		long page = sysconf(_SC_PAGESIZE);
		struct kipc_open *op;
		char *map;

		map = mmap(NULL, page, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, map);
		op = (struct kipc_open *)map;
		op->size = sizeof(*op);
		op->flags = RW;
		op->type = KIPC_OBJ_SEM;
		ASSERT_EQ(0, mprotect(map, page, PROT_READ));
		EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_OPEN, op));
		EXPECT_EQ(EFAULT, errno);
		munmap(map, page);
	}
	close(fd);
}

/* An ioctl of another object type, or of the device: ENOTTY. */
TEST_F(abi, wrong_object)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct kipc_sem_post p = { .size = sizeof(p), .count = 1 };
	struct kipc_destroy d = { .size = sizeof(d) };
	struct kipc_list l = {
		.size = sizeof(l),
		.entry_size = sizeof(struct kipc_obj_info),
	};
	struct kipc_open o = {
		.size = sizeof(o),
		.flags = RW,
		.type = KIPC_OBJ_SEM,
	};
	char c;
	int fd;

	fd = anon_sem(self->dev, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_DESTROY, &d));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_OPEN, &o));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_LIST, &l));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, FIONREAD, &c));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, read(fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, sem_value(fd));
	close(fd);
}

/*
 * The case the id is for: a handle's descriptor closed behind its user's
 * back and the number reused for another object.  A send through the
 * stale handle (A's id) must not reach B; nor may a destroy through a
 * stale queue handle end the semaphore that now has its number.
 */
TEST_F(abi, reused_descriptor)
{
	struct kipc_queue_stat st;
	struct kipc_open op;
	struct kipc_send s;
	struct kipc_destroy d;
	struct kipc_sem_post p;
	uint64_t ida;
	int fd, fdb;

	fd = q_open_full(self->dev, NULL, RW, 0600, 4, 64, 0, 0, &op);
	ASSERT_LE(0, fd);
	ida = op.id;
	close(fd);
	fdb = q_open_full(self->dev, NULL, RW, 0600, 4, 64, 0, 0, &op);
	ASSERT_EQ(fd, fdb);
	ASSERT_NE(ida, op.id);

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.flags = KIPC_MSG_NONBLOCK;
	s.type = 1;
	s.buf = (uintptr_t)"stale";
	s.len = 5;
	s.id = ida;
	EXPECT_EQ(-EBADF, ioctl_ret(fdb, KIPC_IOC_SEND, &s));
	ASSERT_EQ(0, queue_stat(fdb, &st));
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(0, st.sent);
	s.id = op.id;
	EXPECT_EQ(0, ioctl_ret(fdb, KIPC_IOC_SEND, &s));
	ASSERT_EQ(0, queue_stat(fdb, &st));
	EXPECT_EQ(1, st.msgs);
	close(fdb);

	/* The number goes to a semaphore: a stale destroy or post. */
	fd = q_open_full(self->dev, NULL, RW, 0600, 4, 64, 0, 0, &op);
	ASSERT_LE(0, fd);
	ida = op.id;
	close(fd);
	fdb = sem_open_full(self->dev, NULL, RW, 0600, 3, 0, &op);
	ASSERT_EQ(fd, fdb);
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	d.id = ida;
	EXPECT_EQ(-EBADF, ioctl_ret(fdb, KIPC_IOC_DESTROY, &d));
	memset(&p, 0, sizeof(p));
	p.size = sizeof(p);
	p.count = 1;
	p.id = ida;
	EXPECT_EQ(-EBADF, ioctl_ret(fdb, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(3, sem_value(fdb));
	/* A send cannot reach a semaphore at all. */
	s.id = ida;
	EXPECT_EQ(-ENOTTY, ioctl_ret(fdb, KIPC_IOC_SEND, &s));
	d.id = op.id;
	EXPECT_EQ(0, ioctl_ret(fdb, KIPC_IOC_DESTROY, &d));
	EXPECT_EQ(-EIDRM, sem_value(fdb));
	close(fdb);
}

/* ---- The handle's object id (KIPC_FEAT_HANDLE_ID) ------------------------ */

/*
 * Each request that acts on a handle's object carries the id of the object
 * the caller believes the handle names: 0 for no check, else it must match
 * (EBADF, nothing done).  The fixture opens A and B of the variant's type
 * and C of the other type; requests go to B's handle.
 */
enum hid_req {
	HID_SEND, HID_RECV, HID_SEND_BATCH, HID_RECV_BATCH,
	HID_SEM_WAIT, HID_SEM_POST, HID_DESTROY,
};

/*
 * Room for any of the six structs and a tail past it; "size" is the first
 * member of each, so u.send.size sets any of them.
 */
union hid_buf {
	struct kipc_send send;
	struct kipc_recv recv;
	struct kipc_batch batch;
	struct kipc_sem_wait wait;
	struct kipc_sem_post post;
	struct kipc_destroy destroy;
	uint8_t raw[128];
};

static char hid_data[64];
static struct kipc_mmsg hid_mmsg;

/*
 * Fill *u for req on a handle with object id "id": a request that would
 * succeed, or wait (up to 2 s: a deadline, not NONBLOCK) if it must.
 * Returns the ioctl number; *full is the struct's size with the id.
 */
static unsigned long hid_build(int req, union hid_buf *u, uint64_t id,
			       size_t *full)
{
	struct timespec ts = in_future(CLOCK_MONOTONIC, 2000000000LL);
	int batch = req == HID_SEND_BATCH || req == HID_RECV_BATCH;

	memset(u, 0, sizeof(*u));
	memset(&hid_mmsg, 0, sizeof(hid_mmsg));
	hid_mmsg.buf = (uintptr_t)hid_data;
	hid_mmsg.type = req == HID_SEND_BATCH ? 1 : 0;
	hid_mmsg.len = req == HID_SEND_BATCH ? 1 : sizeof(hid_data);
	if (batch) {
		u->batch.flags = KIPC_MSG_TIMED;
		u->batch.count = 1;
		u->batch.entry_size = sizeof(hid_mmsg);
		u->batch.msgs = (uintptr_t)&hid_mmsg;
		u->batch.tv_sec = ts.tv_sec;
		u->batch.tv_nsec = ts.tv_nsec;
		u->batch.id = id;
		*full = sizeof(u->batch);
		return req == HID_SEND_BATCH ? KIPC_IOC_SEND_BATCH :
					       KIPC_IOC_RECV_BATCH;
	}
	switch (req) {
	case HID_SEND:
		u->send.flags = KIPC_MSG_TIMED;
		u->send.type = 1;
		u->send.buf = (uintptr_t)hid_data;
		u->send.len = 1;
		u->send.tv_sec = ts.tv_sec;
		u->send.tv_nsec = ts.tv_nsec;
		u->send.id = id;
		*full = sizeof(u->send);
		return KIPC_IOC_SEND;
	case HID_RECV:
		u->recv.flags = KIPC_MSG_TIMED;
		u->recv.buf = (uintptr_t)hid_data;
		u->recv.len = sizeof(hid_data);
		u->recv.tv_sec = ts.tv_sec;
		u->recv.tv_nsec = ts.tv_nsec;
		u->recv.id = id;
		*full = sizeof(u->recv);
		return KIPC_IOC_RECV;
	case HID_SEM_WAIT:
		u->wait.flags = KIPC_SEM_TIMED | KIPC_SEM_UNDO;
		u->wait.count = 1;
		u->wait.tv_sec = ts.tv_sec;
		u->wait.tv_nsec = ts.tv_nsec;
		u->wait.id = id;
		*full = sizeof(u->wait);
		return KIPC_IOC_SEM_WAIT;
	case HID_SEM_POST:
		u->post.count = 1;
		u->post.id = id;
		*full = sizeof(u->post);
		return KIPC_IOC_SEM_POST;
	default:
		u->destroy.id = id;
		*full = sizeof(u->destroy);
		return KIPC_IOC_DESTROY;
	}
}

/*
 * One IORING_OP_URING_CMD on fd, with raw system calls (abi_test does not
 * link liburing): the completion's res, or -errno if the ring cannot be
 * set up or entered.
 */
static int hid_uring_cmd(int fd, unsigned long cmd_op, void *arg)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	struct kipc_uring_cmd uc;
	size_t sq_len, cq_len, sqe_len;
	uint8_t *sq, *cq;
	uint32_t *tail, head;
	int ring, ret;

	memset(&p, 0, sizeof(p));
	ring = syscall(__NR_io_uring_setup, 2, &p);
	if (ring < 0)
		return -errno;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	sqe_len = p.sq_entries * sizeof(struct io_uring_sqe);
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, cq_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, sqe_len, PROT_READ | PROT_WRITE, MAP_SHARED, ring,
		    IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_URING_CMD;
	sqes[0].fd = fd;
	sqes[0].cmd_op = cmd_op;
	memset(&uc, 0, sizeof(uc));
	uc.arg = (uintptr_t)arg;
	memcpy(sqes[0].cmd, &uc, sizeof(uc));
	tail = (uint32_t *)(sq + p.sq_off.tail);
	((uint32_t *)(sq + p.sq_off.array))[*tail & (p.sq_entries - 1)] = 0;
	__atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
	ret = syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
		      NULL, 0);
	if (ret < 0) {
		ret = -errno;
		goto out;
	}
	head = *(uint32_t *)(cq + p.cq_off.head);
	if (head == __atomic_load_n((uint32_t *)(cq + p.cq_off.tail),
				    __ATOMIC_ACQUIRE)) {
		ret = -EAGAIN;
		goto out;
	}
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
	      (head & (p.cq_entries - 1));
	ret = cqe->res;
out:
	if (sq != MAP_FAILED)
		munmap(sq, sq_len);
	if (cq != MAP_FAILED)
		munmap(cq, cq_len);
	if (sqes != MAP_FAILED)
		munmap(sqes, sqe_len);
	close(ring);
	return ret;
}

/*
 * The request with its full struct, as an ioctl or a uring_cmd: what the
 * ioctl returns or the completion's res, or -errno.
 */
static int hid_issue(int req, int fd, uint64_t id, int uring)
{
	union hid_buf u;
	size_t full;
	unsigned long num = hid_build(req, &u, id, &full);

	u.send.size = full;
	return uring ? hid_uring_cmd(fd, num, &u) : ioctl_ret(fd, num, &u);
}

/* What the requests can change, on either type of object. */
struct hid_snap {
	int ret;		/* the stat's: EIDRM once a semaphore is gone */
	uint64_t level;		/* messages queued, or the value */
	uint64_t sent, received, dropped, undo;
	uint32_t nwaiting;	/* blocked receivers + senders, or waiters */
	uint32_t destroyed;
};

static struct hid_snap hid_snap(int fd, unsigned int type)
{
	struct hid_snap sn;

	memset(&sn, 0, sizeof(sn));
	if (type == KIPC_OBJ_QUEUE) {
		struct kipc_queue_stat st;

		sn.ret = queue_stat(fd, &st);
		sn.level = st.msgs;
		sn.sent = st.sent;
		sn.received = st.received;
		sn.dropped = st.dropped;
		sn.nwaiting = st.nreceivers + st.nsenders;
		sn.destroyed = !!(st.queue_flags & KIPC_QUEUE_DESTROYED);
	} else {
		struct kipc_sem_stat st;

		sn.ret = sem_stat(fd, &st, NULL, 0);
		sn.level = st.value;
		sn.undo = st.undo;
		sn.nwaiting = st.nwaiters;
		sn.destroyed = sn.ret == -EIDRM;
	}
	return sn;
}

#define EXPECT_SNAP_EQ(_a, _b)                                                 \
	do {                                                                   \
		struct hid_snap _x = (_a), _y = (_b);                          \
		EXPECT_EQ(_x.ret, _y.ret);                                     \
		EXPECT_EQ(_x.level, _y.level);                                 \
		EXPECT_EQ(_x.sent, _y.sent);                                   \
		EXPECT_EQ(_x.received, _y.received);                           \
		EXPECT_EQ(_x.dropped, _y.dropped);                             \
		EXPECT_EQ(_x.undo, _y.undo);                                   \
		EXPECT_EQ(_x.nwaiting, _y.nwaiting);                           \
		EXPECT_EQ(_x.destroyed, _y.destroyed);                         \
	} while (0)

/* A, B: objects of the variant's type; C: one of the other type. */
struct hid_objs {
	int dev, a, b, c;
	uint64_t ida, idb, idc;
};

FIXTURE(handle_id) {
	struct hid_objs o;
};

FIXTURE_VARIANT(handle_id) {
	int req;
	unsigned int type;
};

/* A variant of fixture _f: request _req on objects of type _type. */
#define HID_VARIANT(_f, _name, _req, _type) \
	FIXTURE_VARIANT_ADD(_f, _name) { .req = _req, .type = _type, }

HID_VARIANT(handle_id, send, HID_SEND, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id, recv, HID_RECV, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id, send_batch, HID_SEND_BATCH, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id, recv_batch, HID_RECV_BATCH, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id, sem_wait, HID_SEM_WAIT, KIPC_OBJ_SEM);
HID_VARIANT(handle_id, sem_post, HID_SEM_POST, KIPC_OBJ_SEM);
HID_VARIANT(handle_id, destroy_queue, HID_DESTROY, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id, destroy_sem, HID_DESTROY, KIPC_OBJ_SEM);

/* A new anonymous object (a queue holds one message): its fd, its id. */
static int hid_open(int dev, unsigned int type, uint64_t *id)
{
	struct kipc_open op;
	int fd;

	if (type == KIPC_OBJ_QUEUE)
		fd = q_open_full(dev, NULL, RW, 0600, 1, sizeof(hid_data), 0,
				 0, &op);
	else
		fd = sem_open_full(dev, NULL, RW, 0600, 0, 0, &op);
	*id = op.id;
	return fd;
}

static void hid_setup(struct __test_metadata *_metadata, struct hid_objs *o,
		      unsigned int type)
{
	unsigned int other = type == KIPC_OBJ_QUEUE ? KIPC_OBJ_SEM :
						      KIPC_OBJ_QUEUE;
	struct kipc_info info = { .size = sizeof(info) };

	o->dev = dev_open();
	ASSERT_LE(0, o->dev);
	ASSERT_EQ(0, ioctl_ret(o->dev, KIPC_IOC_GET_INFO, &info));
	EXPECT_NE(0, info.features & KIPC_FEAT_HANDLE_ID);
	o->a = hid_open(o->dev, type, &o->ida);
	o->b = hid_open(o->dev, type, &o->idb);
	o->c = hid_open(o->dev, other, &o->idc);
	ASSERT_LE(0, o->a);
	ASSERT_LE(0, o->b);
	ASSERT_LE(0, o->c);
	ASSERT_NE(o->ida, o->idb);
}

static void hid_teardown(struct hid_objs *o)
{
	close(o->a);
	close(o->b);
	close(o->c);
	close(o->dev);
}

FIXTURE_SETUP(handle_id)
{
	hid_setup(_metadata, &self->o, variant->type);
}

FIXTURE_TEARDOWN(handle_id)
{
	hid_teardown(&self->o);
}

/*
 * Put B where req would succeed at once (ready) or would have to wait:
 * 1 if that state exists for req.
 */
static int hid_prime(int req, int fd, int ready)
{
	int full = (req == HID_SEND || req == HID_SEND_BATCH) ? !ready : ready;

	switch (req) {
	case HID_SEND: case HID_SEND_BATCH: case HID_RECV: case HID_RECV_BATCH:
		while (q_recv_full(fd, hid_data, sizeof(hid_data), KIPC_SEL_ANY,
				   0, KIPC_MSG_NONBLOCK, NULL, NULL, NULL) >= 0)
			;
		return !full || !q_send_full(fd, 1, "m", 1, 0, NULL);
	case HID_SEM_WAIT:
		while (!sem_p(fd, 1, KIPC_SEM_NONBLOCK))
			;
		return !ready || !sem_v(fd, 1, 0);
	default:		/* post, destroy: never wait */
		return ready;
	}
}

/* What a successful req did to B. */
static void hid_expect_done(struct __test_metadata *_metadata, int req,
			    struct hid_snap before, struct hid_snap after)
{
	switch (req) {
	case HID_SEND: case HID_SEND_BATCH: case HID_SEM_POST:
		EXPECT_EQ(before.level + 1, after.level);
		break;
	case HID_RECV: case HID_RECV_BATCH: case HID_SEM_WAIT:
		EXPECT_EQ(before.level - 1, after.level);
		break;
	default:
		EXPECT_EQ(0, before.destroyed);
		EXPECT_EQ(1, after.destroyed);
		break;
	}
}

/*
 * Another object's id, of either type, or one no object has: EBADF and B
 * unchanged, whether the request would have succeeded or waited (it
 * returns at once: no wait was queued).  A and C are untouched too.
 */
static void hid_check_refused(struct __test_metadata *_metadata, int req,
			      unsigned int type, const struct hid_objs *o,
			      int uring)
{
	const uint64_t ids[] = { o->ida, o->idc, ~0ULL };
	unsigned int other = type == KIPC_OBJ_QUEUE ? KIPC_OBJ_SEM :
						      KIPC_OBJ_QUEUE;
	struct hid_snap before;
	unsigned int i;
	int ready;

	for (ready = 1; ready >= 0; ready--) {
		if (!hid_prime(req, o->b, ready))
			continue;
		before = hid_snap(o->b, type);
		for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			double t0 = now_mono();

			EXPECT_EQ(-EBADF, hid_issue(req, o->b, ids[i], uring));
			EXPECT_GT(1.0, now_mono() - t0);
			EXPECT_SNAP_EQ(before, hid_snap(o->b, type));
		}
	}
	EXPECT_EQ(0, hid_snap(o->a, type).level);
	EXPECT_EQ(0, hid_snap(o->a, type).destroyed);
	EXPECT_EQ(0, hid_snap(o->c, other).level);
}

/* B's own id works, and so does 0 (no check: every older caller). */
static void hid_check_served(struct __test_metadata *_metadata, int req,
			     unsigned int type, const struct hid_objs *o,
			     int uring)
{
	struct hid_snap before;

	ASSERT_EQ(1, hid_prime(req, o->b, 1));
	before = hid_snap(o->b, type);
	EXPECT_LE(0, hid_issue(req, o->b, o->idb, uring));
	hid_expect_done(_metadata, req, before, hid_snap(o->b, type));

	/* 0 on A (B may be gone: destroy). */
	ASSERT_EQ(1, hid_prime(req, o->a, 1));
	before = hid_snap(o->a, type);
	EXPECT_LE(0, hid_issue(req, o->a, 0, uring));
	hid_expect_done(_metadata, req, before, hid_snap(o->a, type));
}

TEST_F(handle_id, other_object)
{
	hid_check_refused(_metadata, variant->req, variant->type, &self->o, 0);
}

TEST_F(handle_id, own_id_and_zero)
{
	hid_check_served(_metadata, variant->req, variant->type, &self->o, 0);
}

/*
 * The size rules still hold with the id: a longer struct with a non-zero
 * byte past the kernel's struct is E2BIG (the right id or not, before the
 * id is looked at); the first version's size, with junk where the id
 * would be, works (the id is not read, so not checked).
 */
TEST_F(handle_id, sizes)
{
	static const size_t min_size[] = {
		[HID_SEND] = 48, [HID_RECV] = 56, [HID_SEND_BATCH] = 56,
		[HID_RECV_BATCH] = 56, [HID_SEM_WAIT] = 32, [HID_SEM_POST] = 16,
		[HID_DESTROY] = 8,
	};
	const uint64_t ids[] = { self->o.idb, self->o.ida };
	struct hid_snap before;
	unsigned long num;
	union hid_buf u;
	unsigned int i;
	size_t full;

	ASSERT_EQ(1, hid_prime(variant->req, self->o.b, 1));
	before = hid_snap(self->o.b, variant->type);
	for (i = 0; i < 2; i++) {
		num = hid_build(variant->req, &u, ids[i], &full);
		ASSERT_EQ(min_size[variant->req] + 8, full);
		u.send.size = full + 8;
		u.raw[full + 7] = 1;
		EXPECT_EQ(-E2BIG, ioctl_ret(self->o.b, num, &u));
		EXPECT_SNAP_EQ(before, hid_snap(self->o.b, variant->type));
	}
	/* The same tail, all zero, and A's id: the id is checked. */
	num = hid_build(variant->req, &u, self->o.ida, &full);
	u.send.size = full + 8;
	EXPECT_EQ(-EBADF, ioctl_ret(self->o.b, num, &u));
	EXPECT_SNAP_EQ(before, hid_snap(self->o.b, variant->type));
	/* The old size: A's id in bytes the kernel does not read. */
	num = hid_build(variant->req, &u, self->o.ida, &full);
	u.send.size = min_size[variant->req];
	EXPECT_LE(0, ioctl_ret(self->o.b, num, &u));
	hid_expect_done(_metadata, variant->req, before,
			hid_snap(self->o.b, variant->type));
}

FIXTURE(handle_id_uring) {
	struct hid_objs o;
};

FIXTURE_VARIANT(handle_id_uring) {
	int req;
	unsigned int type;
};

HID_VARIANT(handle_id_uring, recv, HID_RECV, KIPC_OBJ_QUEUE);
HID_VARIANT(handle_id_uring, sem_wait, HID_SEM_WAIT, KIPC_OBJ_SEM);

FIXTURE_SETUP(handle_id_uring)
{
	hid_setup(_metadata, &self->o, variant->type);
}

FIXTURE_TEARDOWN(handle_id_uring)
{
	hid_teardown(&self->o);
}

/*
 * The uring_cmd forms of KIPC_IOC_RECV and KIPC_IOC_SEM_WAIT (6.7 and
 * later) follow the same rule: no side door.  NULL if they can run here.
 */
static const char *hid_no_uring(int dev)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct io_uring_params p;
	int ring;

	if (ioctl_ret(dev, KIPC_IOC_GET_INFO, &info) ||
	    !(info.features & KIPC_FEAT_URING_CMD))
		return "no KIPC_FEAT_URING_CMD (before Linux 6.7)";
	memset(&p, 0, sizeof(p));
	ring = syscall(__NR_io_uring_setup, 2, &p);
	if (ring < 0)
		return "io_uring_setup() fails";
	close(ring);
	return NULL;
}

TEST_F(handle_id_uring, other_object)
{
	const char *why = hid_no_uring(self->o.dev);

	if (why)
		SKIP(return, "%s", why);
	hid_check_refused(_metadata, variant->req, variant->type, &self->o, 1);
}

TEST_F(handle_id_uring, own_id_and_zero)
{
	const char *why = hid_no_uring(self->o.dev);

	if (why)
		SKIP(return, "%s", why);
	hid_check_served(_metadata, variant->req, variant->type, &self->o, 1);
}

TEST_HARNESS_MAIN
