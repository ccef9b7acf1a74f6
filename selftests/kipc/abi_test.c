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
	st.__reserved = 1;
	EXPECT_EQ(-1, ioctl(fd, KIPC_IOC_SEM_STAT, &st));
	EXPECT_EQ(EINVAL, errno);

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
		KIPC_IOC_SEM_STAT,
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


TEST_HARNESS_MAIN
