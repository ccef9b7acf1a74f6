// SPDX-License-Identifier: GPL-2.0
/*
 * The registry and IPC namespaces: names, /proc/kipc, KIPC_IOC_LIST and
 * counts are per IPC namespace; CAP_IPC_OWNER counts in the namespace's
 * owning user namespace; the named objects of a namespace that is gone are
 * freed; handles passed across namespaces keep working.  Also the
 * per-user object limit and the name rules that keep /proc/kipc one object
 * a line.
 *
 * Every test needs root (it forks children that change namespaces and
 * credentials).  Forked helpers never use the harness's macros: they report
 * through their exit status (0, or a small number saying what failed).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lkipc/kipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define CREATE (RW | KIPC_OPEN_CREATE)
#define CREATE_EXCL (CREATE | KIPC_OPEN_EXCL)
#define USER_A 1000
#define USER_B 1001
/* How long the namespace of a test may take to be reaped: 1 s, and slack. */
#define REAP_SECONDS 5

/* ---- Helpers ---------------------------------------------------------- */

/* KIPC_IOC_OPEN of a semaphore: the fd or -errno; its id in *id. */
static int sem_open_id(int dev, const char *name, unsigned int flags,
		       unsigned int mode, uint64_t *id)
{
	struct kipc_open op;
	int ret = sem_open_full(dev, name, flags, mode, 0, 0, &op);

	if (id)
		*id = ret >= 0 ? op.id : 0;
	return ret;
}

static int sem_open_name(int dev, const char *name, unsigned int flags,
			 unsigned int mode)
{
	return sem_open_id(dev, name, flags, mode, NULL);
}

/*
 * KIPC_IOC_GET_INFO's nr_objects (every namespace), or -1 if the module
 * does not report it.
 */
static long long nr_objects(int dev)
{
	struct kipc_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.nr_objects = UINT32_MAX;
	if (ioctl(dev, KIPC_IOC_GET_INFO, &info) ||
	    info.nr_objects == UINT32_MAX)
		return -1;
	return info.nr_objects;
}

/*
 * nr_objects() once it holds still over a reaper period: the namespaces of
 * earlier tests may still be on their way out.
 */
static long long settled_nr_objects(int dev)
{
	long long n = nr_objects(dev), prev;
	int i;

	for (i = 0; i < 10; i++) {
		usleep(1200000);
		prev = n;
		n = nr_objects(dev);
		if (n == prev)
			break;
	}
	return n;
}

/* Up to cap records of KIPC_IOC_LIST; the count it reports, or -errno. */
static long long list_objects(int dev, struct kipc_obj_info *info,
			      unsigned int cap, unsigned int *filled)
{
	struct kipc_list list;

	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(*info);
	list.capacity = cap;
	list.entries = (uintptr_t)info;
	if (ioctl(dev, KIPC_IOC_LIST, &list))
		return -errno;
	*filled = list.filled;
	return list.count;
}

/* Does KIPC_IOC_LIST show an object with this id (or name, if id is 0)? */
static int listed(int dev, uint64_t id, const char *name)
{
	static struct kipc_obj_info info[512];
	unsigned int i, n;

	if (list_objects(dev, info, 512, &n) < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (id ? info[i].id == id :
			 !strcmp((char *)info[i].name, name))
			return 1;
	return 0;
}

/* Lines of /proc/kipc after the header; *has: a line ends in " name". */
static int proc_lines(const char *name, int *has)
{
	char line[1024], want[300];
	int n = -1;
	FILE *f;

	f = fopen("/proc/kipc", "r");
	if (!f)
		return -1;
	snprintf(want, sizeof(want), " %s\n", name);
	*has = 0;
	while (fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		n++;
		if (len >= strlen(want) &&
		    !strcmp(line + len - strlen(want), want))
			*has = 1;
	}
	fclose(f);
	return n;
}

/* Become uid:uid (all ids), keeping /proc/self ours (dumpable). */
static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

/* A rootless container: a new user and IPC namespace, root mapped to uid. */
static int rootless(uid_t uid)
{
	char map[64];

	if (become(uid) || unshare(CLONE_NEWUSER | CLONE_NEWIPC))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1", uid);
	if (write_file("/proc/self/uid_map", map) ||
	    write_file("/proc/self/setgroups", "deny") ||
	    write_file("/proc/self/gid_map", map))
		return -1;
	return 0;
}

/* One byte through a pipe: a step of a parent/child handshake. */
static int step_wait(int fd)
{
	char c;

	return read(fd, &c, 1) == 1 ? 0 : -1;
}

static void step_go(int fd)
{
	char c = 1;

	if (write(fd, &c, 1) != 1)
		_exit(90);
}

/* Wait up to REAP_SECONDS for nr_objects() == n: seconds taken, or -1. */
static double wait_nr_objects(int dev, long long n)
{
	double start = now_mono();

	while (now_mono() - start < REAP_SECONDS) {
		if (nr_objects(dev) == n)
			return now_mono() - start;
		usleep(10000);
	}
	return -1;
}

FIXTURE(ns) {
	int dev;
};

FIXTURE_SETUP(ns)
{
	if (geteuid())
		SKIP(return, "needs root");
	self->dev = dev_open();
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(ns)
{
	close(self->dev);
}

/* ---- Names ------------------------------------------------------------ */

/* Control characters would forge /proc/kipc lines; UTF-8 is fine. */
TEST_F(ns, names_without_control_characters)
{
	static const char *const bad[] = {
		"a\nsem 1 777 0 0 0 0 0 0 0 0 forged", "tab\there", "del\x7f",
		"\x01", "esc\x1b[0m", "cr\r",
	};
	const char *utf8 = "s\xc3\xa9maphore-\xe2\x9c\x93";
	unsigned int i;
	int fd, has;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		EXPECT_EQ(-EINVAL, sem_open_name(self->dev, bad[i],
						 CREATE_EXCL, 0600));
		EXPECT_EQ(-EINVAL, unlink_sem(self->dev, bad[i]));
		EXPECT_EQ(-EINVAL, sem_open_name(self->dev, bad[i], RW, 0));
	}
	fd = sem_open_name(self->dev, utf8, CREATE_EXCL, 0600);
	ASSERT_LE(0, fd);
	EXPECT_LE(1, proc_lines(utf8, &has));
	EXPECT_EQ(1, has);
	EXPECT_EQ(0, unlink_sem(self->dev, utf8));
	close(fd);
}

/* ---- Isolation -------------------------------------------------------- */

/*
 * A host-root container (CLONE_NEWIPC alone): the host's names, even a
 * 0666 one, are not there; they can be made anew; listings show only the
 * container's objects, and the host's show none of them.
 */
static int host_root_child(int go, int done, const char *outer,
			   uint64_t outer_id)
{
	int dev, fd, has, lines;
	uint64_t id;
	unsigned int n;
	struct kipc_obj_info info[4];

	if (unshare(CLONE_NEWIPC))
		return 2;
	dev = dev_open();
	if (dev < 0)
		return 3;
	if (sem_open_name(dev, outer, RW, 0) != -ENOENT)
		return 4;
	if (unlink_sem(dev, outer) != -ENOENT)
		return 5;
	if (list_objects(dev, info, 4, &n) != 0 || n)
		return 6;
	lines = proc_lines(outer, &has);
	if (lines != 0 || has)
		return 7;
	fd = sem_open_id(dev, outer, CREATE_EXCL, 0600, &id);
	if (fd < 0 || id == outer_id)
		return 8;
	if (list_objects(dev, info, 4, &n) != 1 || n != 1 ||
	    info[0].id != id)
		return 9;
	lines = proc_lines(outer, &has);
	if (lines != 1 || !has)
		return 10;
	/* The parent looks now. */
	step_go(done);
	if (step_wait(go))
		return 11;
	if (unlink_sem(dev, outer))
		return 12;
	if (sem_open_name(dev, outer, RW, 0) != -ENOENT)
		return 13;
	return 0;
}

TEST_F(ns, host_root_container_sees_no_host_objects)
{
	const char *name = "ns-host-root";
	int go[2], done[2], fd, has;
	uint64_t id, id2;
	pid_t pid;

	unlink_sem(self->dev, name);
	fd = sem_open_id(self->dev, name, CREATE_EXCL, 0666, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(host_root_child(go[0], done[1], name, id));
	close(go[0]);
	close(done[1]);
	if (step_wait(done[0])) {
		EXPECT_EQ(0, reap(pid));
		ASSERT_TRUE(0);
	}
	/* The container's object is not in the host's listings. */
	EXPECT_EQ(1, listed(self->dev, id, NULL));
	EXPECT_EQ(1, listed(self->dev, 0, name));
	proc_lines(name, &has);
	EXPECT_EQ(1, has);
	step_go(go[1]);
	EXPECT_EQ(0, reap(pid));
	/* The host's object is untouched. */
	EXPECT_LE(0, sem_open_id(self->dev, name, RW, 0, &id2));
	EXPECT_EQ(id, id2);
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

/* The host sees none of a container's objects, named or not. */
TEST_F(ns, host_does_not_list_container_objects)
{
	const char *name = "ns-inner-only";
	int go[2], done[2], has;
	uint64_t id = 0;
	pid_t pid;

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev;

		if (unshare(CLONE_NEWIPC))
			_exit(2);
		dev = dev_open();
		if (sem_open_id(dev, name, CREATE_EXCL, 0666, &id) < 0 ||
		    sem_open_name(dev, NULL, RW, 0600) < 0)
			_exit(3);
		if (write(done[1], &id, sizeof(id)) != sizeof(id))
			_exit(4);
		_exit(step_wait(go[0]) ? 5 : 0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(sizeof(id), read(done[0], &id, sizeof(id)));
	EXPECT_EQ(0, listed(self->dev, id, NULL));
	EXPECT_EQ(0, listed(self->dev, id + 1, NULL));
	EXPECT_EQ(0, listed(self->dev, 0, name));
	proc_lines(name, &has);
	EXPECT_EQ(0, has);
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, name, RW, 0));
	step_go(go[1]);
	EXPECT_EQ(0, reap(pid));
}

/*
 * A rootless container (an unprivileged user's new user and IPC
 * namespaces): the host's names are invisible and reusable inside, and it
 * lists only its own objects, owned by its root.
 */
static int rootless_child(const char *outer, uint64_t outer_id)
{
	struct kipc_obj_info info[4];
	int dev, fd, has;
	unsigned int n;
	uint64_t id;

	if (rootless(USER_A))
		return 2;
	dev = dev_open();
	if (dev < 0)
		return 3;
	if (sem_open_name(dev, outer, RW, 0) != -ENOENT)
		return 4;
	if (list_objects(dev, info, 4, &n) != 0 || n)
		return 5;
	if (proc_lines(outer, &has) != 0 || has)
		return 6;
	fd = sem_open_id(dev, outer, CREATE_EXCL, 0600, &id);
	if (fd < 0 || id == outer_id)
		return 7;
	if (list_objects(dev, info, 4, &n) != 1 || n != 1 ||
	    info[0].id != id || info[0].uid != 0 || info[0].cuid != 0)
		return 8;
	if (proc_lines(outer, &has) != 1 || !has)
		return 9;
	if (unlink_sem(dev, outer))
		return 10;
	close(fd);
	return 0;
}

TEST_F(ns, rootless_container)
{
	const char *name = "ns-rootless";
	uint64_t id;
	pid_t pid;
	int fd;

	unlink_sem(self->dev, name);
	fd = sem_open_id(self->dev, name, CREATE_EXCL, 0666, &id);
	ASSERT_LE(0, fd);
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(rootless_child(name, id));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1, listed(self->dev, id, NULL));
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

/* ---- Capabilities ----------------------------------------------------- */

/*
 * Root of a user namespace that maps every host uid, still in the host's
 * IPC namespace: its CAP_IPC_OWNER is not over the host's objects, whose
 * IPC namespace belongs to the initial user namespace.
 */
TEST_F(ns, userns_root_cannot_open_host_private_object)
{
	const char *name = "ns-private";
	int go[2], done[2], fd;
	char path[64];
	pid_t pid;

	unlink_sem(self->dev, name);
	/* Owned by USER_A, mode 0600. */
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev;

		if (become(USER_A))
			_exit(2);
		dev = dev_open();
		_exit(sem_open_name(dev, name, CREATE_EXCL, 0600) < 0 ? 3 : 0);
	}
	ASSERT_EQ(0, reap(pid));

	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev = dev_open();

		if (dev < 0 || unshare(CLONE_NEWUSER))
			_exit(2);
		step_go(done[1]);
		if (step_wait(go[0]))
			_exit(3);
		/* Root with every capability in its user namespace. */
		if (geteuid() != 0)
			_exit(4);
		if (sem_open_name(dev, name, RW, 0) != -EACCES)
			_exit(5);
		if (sem_open_name(dev, name, KIPC_OPEN_READ, 0) != -EACCES)
			_exit(6);
		if (unlink_sem(dev, name) != -EPERM)
			_exit(7);
		_exit(0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(0, step_wait(done[0]));
	snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
	ASSERT_EQ(0, write_file(path, "0 0 4294967295"));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
	ASSERT_EQ(0, write_file(path, "0 0 4294967295"));
	step_go(go[1]);
	EXPECT_EQ(0, reap(pid));

	/* Host root may. */
	fd = sem_open_name(self->dev, name, RW, 0);
	EXPECT_LE(0, fd);
	EXPECT_EQ(0, unlink_sem(self->dev, name));
	close(fd);
}

/* ---- Lifetime --------------------------------------------------------- */

/*
 * The named objects of an IPC namespace live as long as the namespace can
 * be reached (here: through an nsfs fd) and are freed within a bounded time
 * after it cannot.
 */
TEST_F(ns, dead_namespace_objects_are_freed)
{
	long long base = settled_nr_objects(self->dev);
	int go[2], done[2], nsfd;
	double took;
	char path[64];
	pid_t pid;

	EXPECT_LE(0, base);
	ASSERT_EQ(0, pipe(go));
	ASSERT_EQ(0, pipe(done));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev, fd;

		if (unshare(CLONE_NEWIPC))
			_exit(2);
		dev = dev_open();
		if (sem_open_name(dev, "ns-dead-1", CREATE_EXCL, 0600) < 0 ||
		    sem_open_name(dev, "ns-dead-2", CREATE_EXCL, 0600) < 0)
			_exit(3);
		fd = sem_open_name(dev, "ns-dead-3", CREATE_EXCL, 0600);
		if (fd < 0)
			_exit(4);
		/* Gone with its name: no handle. */
		close(fd);
		if (sem_open_name(dev, NULL, RW, 0600) < 0)
			_exit(5);
		step_go(done[1]);
		_exit(step_wait(go[0]) ? 6 : 0);
	}
	close(go[0]);
	close(done[1]);
	ASSERT_EQ(0, step_wait(done[0]));
	EXPECT_EQ(base + 4, nr_objects(self->dev));
	snprintf(path, sizeof(path), "/proc/%d/ns/ipc", pid);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nsfd);
	step_go(go[1]);
	EXPECT_EQ(0, reap(pid));
	/* The anonymous one went with its handle; the named ones stay... */
	EXPECT_EQ(base + 3, nr_objects(self->dev));
	/* ...while the namespace can be entered: they are there in it. */
	usleep(2500000);
	EXPECT_EQ(base + 3, nr_objects(self->dev));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev;

		if (setns(nsfd, CLONE_NEWIPC))
			_exit(2);
		dev = dev_open();
		if (sem_open_name(dev, "ns-dead-2", RW, 0) < 0)
			_exit(3);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	close(nsfd);
	took = wait_nr_objects(self->dev, base);
	EXPECT_LE(0, took);
	TH_LOG("named objects of the dead namespace freed after %.2f s", took);
	/* Nor did they ever show here. */
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, "ns-dead-1", RW, 0));
}

/*
 * Many namespaces at once: 48 containers, each with its own semaphore of
 * one name (its value the container's number), all alive together.  Each
 * finds its own by name, lists only its own, and the host finds none.
 */
#define MANY_NS 48

static int many_ns_child(int i, int ready, int go)
{
	struct kipc_obj_info info[4];
	unsigned int n;
	uint64_t id, id2;
	int dev, fd;

	if (unshare(CLONE_NEWIPC))
		return 2;
	dev = dev_open();
	if (dev < 0)
		return 3;
	fd = sem_open_full(dev, "ns-many", CREATE_EXCL, 0600, i, 0, NULL);
	if (fd < 0)
		return 4;
	close(fd);
	step_go(ready);
	/* Every container has made its own before any looks again. */
	if (step_wait(go))
		return 5;
	fd = sem_open_id(dev, "ns-many", RW, 0, &id);
	if (fd < 0)
		return 6;
	if (sem_value(fd) != i)
		return 7;
	if (list_objects(dev, info, 4, &n) != 1 || n != 1 ||
	    info[0].id != id)
		return 8;
	if (sem_open_id(dev, "ns-many", CREATE, 0600, &id2) < 0 || id2 != id)
		return 9;
	if (unlink_sem(dev, "ns-many"))
		return 10;
	return 0;
}

TEST_F(ns, many_namespaces)
{
	long long base = settled_nr_objects(self->dev);
	int ready[2], go[2], i, bad = 0;
	pid_t pid[MANY_NS];

	ASSERT_LE(0, base);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(go));
	for (i = 0; i < MANY_NS; i++) {
		pid[i] = fork_child();
		ASSERT_LE(0, pid[i]);
		if (!pid[i]) {
			close(ready[0]);
			close(go[1]);
			_exit(many_ns_child(i + 1, ready[1], go[0]));
		}
	}
	close(ready[1]);
	close(go[0]);
	for (i = 0; i < MANY_NS; i++)
		if (step_wait(ready[0]))
			bad++;
	EXPECT_EQ(0, bad);
	EXPECT_EQ(base + MANY_NS, nr_objects(self->dev));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, "ns-many", RW, 0));
	for (i = 0; i < MANY_NS; i++)
		step_go(go[1]);
	for (i = 0; i < MANY_NS; i++) {
		int st = reap(pid[i]);

		if (st)
			TH_LOG("container %d: status %d", i + 1, st);
		bad += st != 0;
	}
	EXPECT_EQ(0, bad);
	EXPECT_LE(0, wait_nr_objects(self->dev, base));
	close(ready[0]);
	close(go[1]);
}

/*
 * A handle passed out of a namespace works on: the host posts through it,
 * the container sees the post; the host still does not list the object;
 * the object outlives its namespace and ends with the handle.
 */
TEST_F(ns, fd_passing_across_namespaces)
{
	long long base = settled_nr_objects(self->dev);
	int sv[2], go[2], fd, status;
	struct kipc_destroy d;
	uint64_t id = 0;
	pid_t pid;

	/* Checked at the end (the count is newer than the handles). */
	EXPECT_LE(0, base);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pipe(go));
	pid = fork_child();
	ASSERT_LE(0, pid);
	if (!pid) {
		int dev, h;

		if (unshare(CLONE_NEWIPC))
			_exit(2);
		dev = dev_open();
		h = sem_open_id(dev, "ns-passed", CREATE_EXCL, 0600, &id);
		if (h < 0)
			_exit(3);
		if (write(sv[1], &id, sizeof(id)) != sizeof(id) ||
		    send_fd(sv[1], h))
			_exit(4);
		if (step_wait(go[0]))
			_exit(5);
		_exit(sem_value(h) == 5 ? 0 : 6);
	}
	close(go[0]);
	close(sv[1]);
	ASSERT_EQ(sizeof(id), read(sv[0], &id, sizeof(id)));
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, sem_v(fd, 5, 0));
	EXPECT_EQ(0, listed(self->dev, id, NULL));
	EXPECT_EQ(-ENOENT, sem_open_name(self->dev, "ns-passed", RW, 0));
	step_go(go[1]);
	status = reap(pid);
	EXPECT_EQ(0, status);
	/* The namespace is gone and its name with it; the handle works. */
	usleep(REAP_SECONDS * 1000000 / 2);
	EXPECT_EQ(5, sem_value(fd));
	EXPECT_EQ(0, sem_v(fd, 1, 0));
	EXPECT_EQ(6, sem_value(fd));
	EXPECT_EQ(base + 1, nr_objects(self->dev));
	memset(&d, 0, sizeof(d));
	d.size = sizeof(d);
	EXPECT_EQ(0, ioctl_ret(fd, KIPC_IOC_DESTROY, &d));
	EXPECT_EQ(-EIDRM, sem_v(fd, 1, 0));
	close(fd);
	EXPECT_EQ(base, nr_objects(self->dev));
}

/* ---- Per-user limit --------------------------------------------------- */

static int create_named(uid_t uid, const char *prefix, int n)
{
	char name[64];
	int dev, i, ret;

	if (become(uid))
		return -1000;
	dev = dev_open();
	if (dev < 0)
		return -1001;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s-%d", prefix, i);
		ret = sem_open_name(dev, name, CREATE_EXCL, 0600);
		if (ret < 0)
			return ret;
		close(ret);
	}
	return 0;
}

/* 0, or the errno (or 100+) of the first creation that failed. */
static int create_named_child(uid_t uid, const char *prefix, int n)
{
	pid_t pid = fork_child();
	int ret;

	if (pid < 0)
		return 200;
	if (!pid) {
		ret = create_named(uid, prefix, n);
		_exit(ret <= -1000 ? 100 : -ret);
	}
	return reap(pid);
}

/*
 * Named semaphores need no handle, so one user could fill max_objects for
 * everyone; max_objects_per_user (per IPC namespace) stops it with EDQUOT.
 */
TEST_F(ns, per_user_object_limit)
{
	long long old = param_u("max_objects_per_user");
	struct kipc_info info;
	char name[64];
	int i, a, a2, b;

	ASSERT_LT(0, old);
	ASSERT_EQ(0, write_param_u("max_objects_per_user", 3));
	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	EXPECT_EQ(0, ioctl_ret(self->dev, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(3, info.max_objects_per_user);
	a = create_named_child(USER_A, "ns-quota-a", 3);
	a2 = create_named_child(USER_A, "ns-quota-a2", 1);
	b = create_named_child(USER_B, "ns-quota-b", 3);
	EXPECT_EQ(0, write_param_u("max_objects_per_user", old));
	EXPECT_EQ(-EINVAL, write_param_u("max_objects_per_user", 0));
	EXPECT_EQ(0, a);
	EXPECT_EQ(EDQUOT, a2);
	EXPECT_EQ(0, b);
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "ns-quota-a-%d", i);
		EXPECT_EQ(0, unlink_sem(self->dev, name));
		snprintf(name, sizeof(name), "ns-quota-b-%d", i);
		EXPECT_EQ(0, unlink_sem(self->dev, name));
	}
	EXPECT_EQ(-ENOENT, unlink_sem(self->dev, "ns-quota-a2-0"));
}

TEST_HARNESS_MAIN
