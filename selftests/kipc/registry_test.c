// SPDX-License-Identifier: GPL-2.0
/*
 * The object registry: names (unlink, reuse, exclusive create, the name
 * rules), permissions (the mode matrix, CAP_IPC_OWNER), the limits the
 * module parameters set, /proc/kipc and KIPC_IOC_LIST.
 *
 * Forked helpers never use the harness's macros: they report through their
 * exit status (0, or the errno their operation failed with).
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

KIPC_DEV_FIXTURE(registry)

/* ---- Names ------------------------------------------------------------- */

TEST_F(registry, unlink_and_reuse)
{
	struct kipc_open op1, op2;
	char name[64];
	int h1, h2;

	make_name(name, sizeof(name), "reuse");
	h1 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 1, 0, &op1);
	ASSERT_LE(0, h1);
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	EXPECT_EQ(-ENOENT, unlink_sem(self->dev, name));
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
	h2 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 5, 0, &op2);
	ASSERT_LE(0, h2);
	EXPECT_NE(op1.id, op2.id);
	/* The old handle still works, on the old object. */
	EXPECT_EQ(1, sem_value(h1));
	EXPECT_EQ(0, sem_p(h1, 1, KIPC_SEM_NONBLOCK));
	EXPECT_EQ(0, sem_v(h1, 1, 0));
	EXPECT_EQ(5, sem_value(h2));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(h1);
	close(h2);
}

TEST_F(registry, create_exclusive_and_missing)
{
	struct kipc_open op1, op2;
	char name[64];
	int h1, h2;

	make_name(name, sizeof(name), "excl");
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
	h1 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0640, 2, 0, &op1);
	ASSERT_LE(0, h1);
	EXPECT_EQ(KIPC_OPEN_CREATED, op1.out_flags);
	EXPECT_EQ(-EEXIST, sem_open_full(self->dev, name, RW |
					 KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
					 0600, 0, 0, NULL));
	/* CREATE alone opens the existing one; its fields are not used. */
	h2 = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0600, 7, 0,
			   &op2);
	ASSERT_LE(0, h2);
	EXPECT_EQ(0, op2.out_flags);
	EXPECT_EQ(op1.id, op2.id);
	EXPECT_EQ(2, sem_value(h2));
	EXPECT_EQ(0, sem_p(h2, 2, 0));
	EXPECT_EQ(0, sem_value(h1));
	close(h1);
	close(h2);
	/* A named semaphore outlives its handles. */
	h1 = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, h1);
	EXPECT_EQ(0, sem_value(h1));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(h1);
	EXPECT_EQ(-ENOENT, sem_open_full(self->dev, name, RW, 0, 0, 0, NULL));
}

TEST_F(registry, names)
{
	char longname[300];
	int fd;

	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "", RW | KIPC_OPEN_CREATE,
					 0600, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "a/b",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "/",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, ".",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, "..",
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EFAULT, sem_open_full(self->dev, (char *)16,
					 RW | KIPC_OPEN_CREATE, 0600, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, unlink_sem(self->dev, ""));
	EXPECT_EQ(-EINVAL, unlink_sem(self->dev, "x/y"));
	EXPECT_EQ(-EFAULT, unlink_sem(self->dev, (char *)16));

	memset(longname, 'n', sizeof(longname));
	longname[256] = 0;
	EXPECT_EQ(-ENAMETOOLONG, sem_open_full(self->dev, longname,
					       RW | KIPC_OPEN_CREATE, 0600, 0,
					       0, NULL));
	EXPECT_EQ(-ENAMETOOLONG, unlink_sem(self->dev, longname));
	longname[255] = 0;
	fd = sem_open_full(self->dev, longname, RW | KIPC_OPEN_CREATE, 0600,
			   0, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, unlink_sem(self->dev, longname));
	close(fd);
	/* "..." and other dots are plain names. */
	fd = sem_open_full(self->dev, "...", RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0600, 0, 0, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, unlink_sem(self->dev, "..."));
	close(fd);
}

/*
 * Many names in one table: 2000 semaphores whose names share a 200-byte
 * prefix and differ only in their last five characters, made in a
 * scrambled order, and 64 queues with the same names as some of them (a
 * name is per type).  Every one is found by name, as itself; after half
 * are unlinked, in another order, the rest still are and the unlinked are
 * gone; a name unlinked can be made again.
 */
#define MANY_NAMES 2000
#define MANY_QUEUES 64

static void many_name(char *buf, size_t len, int i)
{
	char prefix[201];

	memset(prefix, 'p', 200);
	prefix[200] = 0;
	snprintf(buf, len, "mn%d-%s%05d", getpid(), prefix, i);
}

static int many_open(int dev, unsigned int type, const char *name,
		     unsigned int flags, unsigned long long *id)
{
	struct kipc_open op;
	int fd;

	if (type == KIPC_OBJ_SEM)
		fd = sem_open_full(dev, name, flags, 0600, 0, 0, &op);
	else
		fd = q_open_full(dev, name, flags, 0600, 1, 64, 0, 0, &op);
	if (fd >= 0) {
		*id = op.id;
		close(fd);
	}
	return fd;
}

TEST_F(registry, many_names)
{
	unsigned long long old_max = param_u("max_objects");
	unsigned long long old_user = param_u("max_objects_per_user");
	static unsigned long long sem_id[MANY_NAMES], q_id[MANY_QUEUES];
	unsigned long long id;
	char name[256];
	int i, k, fails = 0;

	ASSERT_NE(~0ULL, old_max);
	ASSERT_NE(~0ULL, old_user);
	ASSERT_EQ(0, write_param_u("max_objects",
				   old_max + MANY_NAMES + MANY_QUEUES));
	ASSERT_EQ(0, write_param_u("max_objects_per_user",
				   old_user + MANY_NAMES + MANY_QUEUES));
	for (k = 0; k < MANY_NAMES; k++) {
		i = (int)((k * 7919L) % MANY_NAMES);
		many_name(name, sizeof(name), i);
		if (many_open(self->dev, KIPC_OBJ_SEM, name,
			      RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
			      &sem_id[i]) < 0)
			fails++;
	}
	for (i = 0; i < MANY_QUEUES; i++) {
		many_name(name, sizeof(name), i * 31);
		if (many_open(self->dev, KIPC_OBJ_QUEUE, name,
			      RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL,
			      &q_id[i]) < 0)
			fails++;
	}
	EXPECT_EQ(0, fails);

	for (i = 0; i < MANY_NAMES; i++) {
		many_name(name, sizeof(name), i);
		id = 0;
		if (many_open(self->dev, KIPC_OBJ_SEM, name, RW, &id) < 0 ||
		    id != sem_id[i])
			fails++;
	}
	for (i = 0; i < MANY_QUEUES; i++) {
		many_name(name, sizeof(name), i * 31);
		id = 0;
		if (many_open(self->dev, KIPC_OBJ_QUEUE, name, RW, &id) < 0 ||
		    id != q_id[i] || id == sem_id[i * 31])
			fails++;
	}
	EXPECT_EQ(0, fails);

	/* Unlink the odd ones, from the last. */
	for (i = MANY_NAMES - 1; i >= 0; i--) {
		if (!(i & 1))
			continue;
		many_name(name, sizeof(name), i);
		if (unlink_sem(self->dev, name))
			fails++;
	}
	EXPECT_EQ(0, fails);
	for (i = 0; i < MANY_NAMES; i++) {
		many_name(name, sizeof(name), i);
		k = many_open(self->dev, KIPC_OBJ_SEM, name, RW, &id);
		if (i & 1 ? k != -ENOENT : k < 0 || id != sem_id[i])
			fails++;
	}
	for (i = 0; i < MANY_QUEUES; i++) {
		many_name(name, sizeof(name), i * 31);
		if (many_open(self->dev, KIPC_OBJ_QUEUE, name, RW, &id) < 0 ||
		    id != q_id[i])
			fails++;
	}
	EXPECT_EQ(0, fails);
	/* An unlinked name is free again. */
	many_name(name, sizeof(name), 1);
	EXPECT_LE(0, many_open(self->dev, KIPC_OBJ_SEM, name,
			       RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, &id));
	EXPECT_NE(sem_id[1], id);
	EXPECT_EQ(0, unlink_sem(self->dev, name));

	for (i = 0; i < MANY_NAMES; i += 2) {
		many_name(name, sizeof(name), i);
		if (unlink_sem(self->dev, name))
			fails++;
	}
	for (i = 0; i < MANY_QUEUES; i++) {
		many_name(name, sizeof(name), i * 31);
		if (unlink_obj(self->dev, KIPC_OBJ_QUEUE, name))
			fails++;
	}
	EXPECT_EQ(0, fails);
	EXPECT_EQ(0, write_param_u("max_objects_per_user", old_user));
	EXPECT_EQ(0, write_param_u("max_objects", old_max));
}

/* ---- Permissions -------------------------------------------------------- */

FIXTURE(perm) {
	int dev;
	char base[48];
};

/* How the unprivileged caller relates to the semaphore. */
FIXTURE_VARIANT(perm) {
	int relation;	/* 6: owner, 3: group, 0: other */
};

FIXTURE_VARIANT_ADD(perm, owner) {
	.relation = 6,
};

FIXTURE_VARIANT_ADD(perm, group) {
	.relation = 3,
};

FIXTURE_VARIANT_ADD(perm, other) {
	.relation = 0,
};

FIXTURE_SETUP(perm)
{
	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	snprintf(self->base, sizeof(self->base), "sem_test-perm-%d", getpid());
}

FIXTURE_TEARDOWN(perm)
{
	close(self->dev);
}

static const unsigned int perm_modes[] = {
	0000, 0400, 0200, 0600, 0040, 0020, 0060, 0004, 0002, 0006,
	0700, 0070, 0007, 0777, 0640, 0604, 0664, 0466, 0646,
};

#define NMODES (sizeof(perm_modes) / sizeof(perm_modes[0]))

static void perm_name(char *buf, size_t len, const char *base, unsigned int i)
{
	snprintf(buf, len, "%s-%u", base, i);
}

/*
 * The permission matrix as uid/gid 65534: every mode against read, write
 * and read-write opens, and unlink/destroy allowed to the owner only.
 */
TEST_F(perm, matrix)
{
	static const unsigned int access[] = {
		KIPC_OPEN_READ, KIPC_OPEN_WRITE, RW,
	};
	int fds[NMODES];
	char name[80];
	unsigned int i;
	pid_t pid;

	/* Root creates them for "group" and "other"; gid 0 is their group. */
	for (i = 0; i < NMODES && variant->relation != 6; i++) {
		perm_name(name, sizeof(name), self->base, i);
		fds[i] = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
				       KIPC_OPEN_EXCL, perm_modes[i], 1, 0,
				       NULL);
		ASSERT_LE(0, fds[i]);
	}

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		gid_t root_group = 0;
		int bad = 0;

		if (become_nobody(variant->relation == 3, &root_group))
			_exit(100);
		for (i = 0; i < NMODES; i++) {
			unsigned int granted, a;

			perm_name(name, sizeof(name), self->base, i);
			if (variant->relation == 6) {
				/* The creator gets what it asks for. */
				int fd = sem_open_full(self->dev, name,
						       KIPC_OPEN_READ |
						       KIPC_OPEN_WRITE |
						       KIPC_OPEN_CREATE |
						       KIPC_OPEN_EXCL,
						       perm_modes[i], 1, 0,
						       NULL);
				if (fd < 0) {
					bad++;
					continue;
				}
				close(fd);
			}
			granted = (perm_modes[i] >> variant->relation) & 7;
			for (a = 0; a < 3; a++) {
				unsigned int want = 0;
				int fd, expect;

				if (access[a] & KIPC_OPEN_READ)
					want |= 4;
				if (access[a] & KIPC_OPEN_WRITE)
					want |= 2;
				expect = (want & ~granted) ? -EACCES : 0;
				fd = sem_open_full(self->dev, name, access[a],
						   0, 0, 0, NULL);
				if ((fd < 0 ? fd : 0) != expect) {
					fprintf(stderr,
						"# mode %04o access %u: %d, expected %d\n",
						perm_modes[i], access[a], fd,
						expect);
					bad++;
				}
				if (fd < 0)
					continue;
				/* Destroy needs ownership, not access. */
				if (variant->relation != 6 &&
				    destroy(fd) != -EPERM)
					bad++;
				close(fd);
			}
			if (unlink_sem(self->dev, name) !=
			    (variant->relation == 6 ? 0 : -EPERM))
				bad++;
		}
		_exit(bad > 99 ? 99 : bad);
	}
	EXPECT_EQ(0, reap(pid));

	for (i = 0; i < NMODES && variant->relation != 6; i++) {
		perm_name(name, sizeof(name), self->base, i);
		EXPECT_EQ(0, unlink_sem(self->dev, name));
		/* Nobody's failed destroy left it alive. */
		EXPECT_EQ(1, sem_value(fds[i]));
		close(fds[i]);
	}
}

struct cap_header {
	uint32_t version;
	int pid;
};

struct cap_data {
	uint32_t effective, permitted, inheritable;
};

static int set_caps(uint32_t caps)
{
	struct cap_header h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct cap_data d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = caps;
	d[0].permitted = caps;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* CAP_IPC_OWNER overrides the mode bits and ownership, as in SysV IPC. */
TEST_F(registry, cap_ipc_owner)
{
	char name[64];
	pid_t pid;
	int fd;

	make_name(name, sizeof(name), "cap");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE |
			   KIPC_OPEN_EXCL, 0000, 1, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);
	/* Root itself: it has the capability. */
	fd = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
	ASSERT_LE(0, fd);
	close(fd);

	pid = fork_child();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int h;

		if (prctl(PR_SET_KEEPCAPS, 1))
			_exit(100);
		if (become_nobody(0, NULL))
			_exit(101);
		if (set_caps(1U << CAP_IPC_OWNER))
			_exit(102);
		h = sem_open_full(self->dev, name, RW, 0, 0, 0, NULL);
		if (h < 0)
			_exit(103);
		if (sem_p(h, 1, 0) || sem_v(h, 1, 0))
			_exit(104);
		if (set_caps(0))
			_exit(105);
		if (sem_open_full(self->dev, name, KIPC_OPEN_READ, 0, 0, 0,
				  NULL) != -EACCES)
			_exit(106);
		if (unlink_sem(self->dev, name) != -EPERM)
			_exit(107);
		if (destroy(h) != -EPERM)
			_exit(108);
		/* The handle opened with the capability keeps working. */
		if (sem_p(h, 1, 0) || sem_v(h, 1, 0))
			_exit(109);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
}

TEST_F(registry, bad_mode_and_open_args)
{
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 01000, 0, 0,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 04600, 0, 0,
					 NULL));
	/* No access mode. */
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, KIPC_OPEN_CREATE,
					 0600, 0, 0, NULL));
}

/* ---- Limits ------------------------------------------------------------- */

static long long count_objects(int dev)
{
	struct kipc_list list;

	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(struct kipc_obj_info);
	if (ioctl(dev, KIPC_IOC_LIST, &list))
		return -errno;
	return list.count;
}

TEST_F(registry, limit_max_objects)
{
	unsigned long long old = param_u("max_objects");
	long long n0 = count_objects(self->dev);
	int a, b, c, d;

	ASSERT_NE(~0ULL, old);
	ASSERT_LE(0, n0);
	ASSERT_EQ(0, write_param_u("max_objects", n0 + 2));
	a = anon_sem(self->dev, 0);
	b = anon_sem(self->dev, 0);
	c = anon_sem(self->dev, 0);
	close(b);
	d = anon_sem(self->dev, 0);
	ASSERT_EQ(0, write_param_u("max_objects", old));
	EXPECT_LE(0, a);
	EXPECT_LE(0, b);
	EXPECT_EQ(-ENOSPC, c);
	EXPECT_LE(0, d);
	close(a);
	close(d);
}

TEST_F(registry, limit_user_bytes)
{
	unsigned long long old = param_u("user_bytes_max");
	int fds[200], n = 0, last = 0, again;

	ASSERT_NE(~0ULL, old);
	/* A semaphore is charged its page and a little more: three fit. */
	ASSERT_EQ(0, write_param_u("user_bytes_max",
				   4 * sysconf(_SC_PAGESIZE)));
	while (n < 200) {
		last = anon_sem(self->dev, 0);
		if (last < 0)
			break;
		fds[n++] = last;
	}
	if (n)
		close(fds[--n]);
	again = anon_sem(self->dev, 0);
	ASSERT_EQ(0, write_param_u("user_bytes_max", old));
	EXPECT_EQ(-EDQUOT, last);
	EXPECT_LT(0, n);
	EXPECT_LE(0, again);
	if (again >= 0)
		close(again);
	while (n)
		close(fds[--n]);
}

TEST_F(registry, limit_value_max)
{
	unsigned long long old = param_u("sem_value_max");
	struct kipc_sem_stat st;
	int fd, fd2, fd3;

	ASSERT_NE(~0ULL, old);
	fd = sem_open_full(self->dev, NULL, RW, 0600, 5, 5, NULL);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EOVERFLOW, sem_v(fd, 1, 0));
	EXPECT_EQ(5, sem_value(fd));
	EXPECT_EQ(-EOVERFLOW, sem_v(fd, 0xffffffffu, 0));
	EXPECT_EQ(-EINVAL, sem_v(fd, 0, 0));
	EXPECT_EQ(-EINVAL, sem_p(fd, 6, 0));
	EXPECT_EQ(-EINVAL, sem_p(fd, 0, 0));
	EXPECT_EQ(0, sem_p(fd, 5, 0));
	EXPECT_EQ(0, sem_v(fd, 5, 0));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, 6, 5,
					 NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, 0,
					 old + 1, NULL));
	EXPECT_EQ(-EINVAL, sem_open_full(self->dev, NULL, RW, 0600, old + 1,
					 0, NULL));
	fd2 = sem_open_full(self->dev, NULL, RW, 0600, old, 0, NULL);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EOVERFLOW, sem_v(fd2, 1, 0));

	/* The maximum is fixed at creation. */
	ASSERT_EQ(0, write_param_u("sem_value_max", 10));
	fd3 = sem_open_full(self->dev, NULL, RW, 0600, 0, 0, NULL);
	ASSERT_EQ(0, write_param_u("sem_value_max", old));
	ASSERT_LE(0, fd3);
	ASSERT_EQ(0, sem_stat(fd3, &st, NULL, 0));
	EXPECT_EQ(10, st.max);
	EXPECT_EQ(0, sem_v(fd3, 10, 0));
	EXPECT_EQ(-EOVERFLOW, sem_v(fd3, 1, 0));
	ASSERT_EQ(0, sem_stat(fd2, &st, NULL, 0));
	EXPECT_EQ(old, st.max);
	close(fd);
	close(fd2);
	close(fd3);
}

/* ---- /proc/kipc and KIPC_IOC_LIST ---------------------------------------- */

TEST_F(registry, proc_and_list)
{
	struct kipc_obj_info *info;
	char name[64], line[512], hdr[512];
	struct kipc_list list;
	struct kipc_open op;
	int fd, i, found = 0;
	pid_t pid;
	FILE *f;

	make_name(name, sizeof(name), "proc");
	fd = sem_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0640, 3, 9,
			   &op);
	ASSERT_LE(0, fd);
	pid = spawn_p(fd, 5, 0);
	ASSERT_EQ(0, wait_nwaiters(fd, 1));

	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(hdr, sizeof(hdr), f));
	EXPECT_EQ(0, strncmp(hdr, "type ", 5));
	EXPECT_NE(NULL, strstr(hdr, " id "));
	EXPECT_NE(NULL, strstr(hdr, " value "));
	EXPECT_NE(NULL, strstr(hdr, " waiters "));
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id;
		unsigned int mode, uid, gid, cuid, cgid, value, max, waiters;
		long long ctime;
		char type[8], nm[300];

		/* Fixed columns: every line as long as the header's. */
		EXPECT_EQ(strlen(hdr) - strlen("name\n"),
			  strrchr(line, ' ') - line + 1);
		ASSERT_EQ(12, sscanf(line, "%7s %llu %o %u %u %u %u %lld %u %u %u %299s",
				     type, &id, &mode, &uid, &gid, &cuid,
				     &cgid, &ctime, &value, &max, &waiters,
				     nm));
		if (id != op.id)
			continue;
		found++;
		EXPECT_STREQ("sem", type);
		EXPECT_EQ(0640, mode);
		EXPECT_EQ(0, uid);
		EXPECT_EQ(0, cgid);
		EXPECT_EQ(3, value);
		EXPECT_EQ(9, max);
		EXPECT_EQ(1, waiters);
		EXPECT_STREQ(name, nm);
		EXPECT_LE(time(NULL) - 60, ctime);
	}
	fclose(f);
	EXPECT_EQ(1, found);

	info = calloc(4096, sizeof(*info));
	ASSERT_NE(NULL, info);
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(*info);
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_LE(1, list.count);
	EXPECT_EQ(0, list.filled);
	list.capacity = 4096;
	list.entries = (uintptr_t)info;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(list.count, list.filled);
	found = 0;
	for (i = 0; i < (int)list.filled; i++) {
		if (i)
			EXPECT_LT(info[i - 1].id, info[i].id);
		if (info[i].id != op.id)
			continue;
		found++;
		EXPECT_EQ(KIPC_OBJ_SEM, info[i].type);
		EXPECT_EQ(KIPC_OBJ_F_NAMED, info[i].flags);
		EXPECT_EQ(0640, info[i].mode);
		EXPECT_EQ(3, info[i].sem_value);
		EXPECT_EQ(9, info[i].sem_max);
		EXPECT_EQ(1, info[i].sem_nwaiters);
		EXPECT_STREQ(name, (char *)info[i].name);
		EXPECT_LT(0, info[i].bytes);
	}
	EXPECT_EQ(1, found);

	/* Capacity 1: one entry, the total count anyway. */
	list.capacity = 1;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(1, list.filled);
	EXPECT_LE(1, list.count);

	/* Unlinked: no name any more, in both. */
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	list.capacity = 4096;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	for (i = 0; i < (int)list.filled; i++)
		if (info[i].id == op.id) {
			EXPECT_EQ(0, info[i].flags);
			EXPECT_EQ(0, info[i].name[0]);
		}
	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f))
		EXPECT_EQ(NULL, strstr(line, name));
	fclose(f);

	ASSERT_EQ(0, sem_v(fd, 2, 0));
	EXPECT_EQ(0, reap(pid));
	close(fd);
	/* Gone with its last handle. */
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	for (i = 0; i < (int)list.filled; i++)
		EXPECT_NE(op.id, info[i].id);
	free(info);
}

/* Many objects: /proc/kipc spans several reads, each object once. */
TEST_F(registry, proc_many)
{
	int fds[300], i, lines = 0, dup = 0;
	unsigned long long id, prev = 0;
	char line[512];
	FILE *f;

	for (i = 0; i < 300; i++) {
		fds[i] = anon_sem(self->dev, i);
		ASSERT_LE(0, fds[i]);
	}
	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	setvbuf(f, NULL, _IONBF, 0);
	ASSERT_NE(NULL, fgets(line, sizeof(line), f));
	while (fgets(line, sizeof(line), f)) {
		ASSERT_EQ(1, sscanf(line, "%*s %llu", &id));
		if (id <= prev)
			dup++;
		prev = id;
		lines++;
	}
	fclose(f);
	EXPECT_EQ(0, dup);
	EXPECT_EQ(count_objects(self->dev), lines);
	EXPECT_LE(300, lines);
	for (i = 0; i < 300; i++)
		close(fds[i]);
}

TEST_F(registry, list_entry_sizes)
{
	struct kipc_list list;
	uint8_t *buf;
	int fd;

	fd = anon_sem(self->dev, 4);
	ASSERT_LE(0, fd);
	buf = malloc(2 * 512);
	ASSERT_NE(NULL, buf);
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entries = (uintptr_t)buf;
	list.capacity = 1;
	/* Below the first version's size (328 bytes), or not a multiple of 8. */
	list.entry_size = 328 - 8;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EINVAL, errno);
	list.entry_size = sizeof(struct kipc_obj_info) + 4;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EINVAL, errno);
	/* Between two versions: that much of each entry is written. */
	memset(buf, 0xA5, 2 * 512);
	list.entry_size = 336;
	list.capacity = 1;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	ASSERT_EQ(1, list.filled);
	EXPECT_NE(0, ((struct kipc_obj_info *)buf)->id);
	EXPECT_EQ(0xA5, buf[336]);
	/* A larger entry: the tail is zeroed. */
	memset(buf, 0xA5, 2 * 512);
	list.entry_size = 512;
	list.capacity = 2;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	ASSERT_LE(1, list.filled);
	for (size_t i = sizeof(struct kipc_obj_info); i < 512; i++)
		ASSERT_EQ(0, buf[i]);
	if (list.filled == 1)
		EXPECT_EQ(0xA5, buf[512]);
	/* A bad array. */
	list.entries = 16;
	EXPECT_EQ(-1, ioctl(self->dev, KIPC_IOC_LIST, &list));
	EXPECT_EQ(EFAULT, errno);
	free(buf);
	close(fd);
}


TEST_HARNESS_MAIN
