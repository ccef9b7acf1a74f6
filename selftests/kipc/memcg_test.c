// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroup accounting of the pages kipc shares with processes: a
 * queue's ring (its header and lane pages included) and a semaphore's page
 * are charged to the memory cgroup of the task that creates the object,
 * released when the object goes, and creating past the cgroup's memory.max
 * is a clean ENOMEM: no OOM kill, inside the cgroup or out, and nothing of
 * the failed object left charged.
 *
 * Needs root and cgroup v2 with the memory controller (mounted at
 * /sys/fs/cgroup if it is not mounted anywhere; the VM's busybox init does
 * not mount it).  Each test makes a child cgroup, and a forked worker moves
 * itself into it and creates the objects; the worker never uses the
 * harness's macros: it reports through shared memory and its exit status.
 * The module's size limits are raised for the test and restored after.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define MIB (1024LL * 1024)
#define PARAMS "/sys/module/kipc/parameters/"

/* Queues of 2 messages of 1 MiB: 4 slots, a ring of a little over 4 MiB. */
#define Q_MSGSIZE (1U << 20)
#define Q_MSGS 2
#define Q_MAX 32

/* The module parameters the test raises, and their values for it. */
static const struct {
	const char *name;
	const char *value;
} params[] = {
	{ "msgsize_max", "1048576" },
	{ "queue_bytes_max", "16777216" },
	{ "user_bytes_max", "1073741824" },
};

#define NPARAMS ARRAY_SIZE(params)

/* What the worker saw, in memory shared with the test. */
struct report {
	long long before;	/* memory.current before creating */
	long long after;	/* ... after creating (all or up to a failure) */
	long long closed;	/* ... after closing everything */
	long long max;		/* memory.max the worker set, or 0 */
	long long mapped;	/* ... after closing, with the rings mapped */
	long long ring_bytes;	/* the sum of the queues' ring_bytes */
	int created;
	int err;		/* errno of the create that failed, or 0 */
	int again;		/* a create after closing: fd or -errno */
	char why[200];		/* the worker's own failure, if any */
};

/* A number from a file of the cgroup: memory.current; -1 on error. */
static long long cg_read(const char *cg, const char *file)
{
	char path[400], buf[64];

	snprintf(path, sizeof(path), "%s/%s", cg, file);
	if (read_file(path, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 10);
}

/* "key value" from a flat-keyed file (memory.events, /proc/vmstat). */
static long long keyed_read(const char *path, const char *key)
{
	char line[256];
	long long v = -1;
	size_t klen = strlen(key);
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ' ') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long long cg_event(const char *cg, const char *key)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/memory.events", cg);
	return keyed_read(path, key);
}

/* The cgroup v2 mount point into root[]: 1 if we mounted it, -1 if none. */
static int cgroup2_find(char *root, size_t len)
{
	char dev[256], dir[256], type[64];
	FILE *f = fopen("/proc/mounts", "r");
	int found = 0;

	if (f) {
		while (fscanf(f, "%255s %255s %63s %*[^\n]", dev, dir,
			      type) == 3)
			if (!strcmp(type, "cgroup2")) {
				snprintf(root, len, "%s", dir);
				found = 1;
				break;
			}
		fclose(f);
	}
	if (found)
		return 0;
	snprintf(root, len, "/sys/fs/cgroup");
	mkdir(root, 0755);
	if (mount("cgroup2", root, "cgroup2", 0, NULL))
		return -1;
	return 1;
}

FIXTURE(memcg) {
	char root[256];
	char cg[320];
	char saved[NPARAMS][64];
	int mounted;
	pid_t worker;
	struct report *rep;
	long long vmstat_oom_kill;
};

FIXTURE_SETUP(memcg)
{
	char path[400], buf[512];
	unsigned int i;

	self->worker = 0;
	self->mounted = 0;
	self->cg[0] = '\0';
	memset(self->saved, 0, sizeof(self->saved));
	if (geteuid() != 0)
		SKIP(return, "needs root (cgroups, module parameters)");
	if (access("/dev/kipc", R_OK | W_OK))
		SKIP(return, "no /dev/kipc");
	self->mounted = cgroup2_find(self->root, sizeof(self->root));
	if (self->mounted < 0)
		SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->root);
	if (read_file(path, buf, sizeof(buf)) || !strstr(buf, "memory"))
		SKIP(return, "no memory controller in cgroup2");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", self->root);
	ASSERT_EQ(0, write_file(path, "+memory"));
	snprintf(self->cg, sizeof(self->cg), "%s/kipc-memcg-test.%d",
		 self->root, getpid());
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	for (i = 0; i < NPARAMS; i++) {
		snprintf(path, sizeof(path), PARAMS "%s", params[i].name);
		ASSERT_EQ(0, read_file(path, self->saved[i],
				       sizeof(self->saved[i])));
		ASSERT_EQ(0, write_file(path, params[i].value));
	}
	self->rep = shared_map(sizeof(*self->rep));
	ASSERT_NE(NULL, self->rep);
	memset(self->rep, 0, sizeof(*self->rep));
	self->vmstat_oom_kill = keyed_read("/proc/vmstat", "oom_kill");
}

FIXTURE_TEARDOWN(memcg)
{
	char path[PATH_MAX];
	unsigned int i;

	if (self->worker > 0) {
		kill(self->worker, SIGKILL);
		reap(self->worker);
	}
	for (i = 0; i < NPARAMS; i++) {
		if (!self->saved[i][0])
			continue;
		snprintf(path, sizeof(path), PARAMS "%s", params[i].name);
		write_file(path, self->saved[i]);
	}
	/* The worker is gone: the cgroup is empty. */
	if (self->cg[0])
		rmdir(self->cg);
	if (self->mounted > 0)
		umount(self->root);
}

/* Runs fn in a forked worker inside the test's cgroup; its exit status. */
static int run_worker(struct __test_metadata *_metadata,
		      FIXTURE_DATA(memcg) *self,
		      int (*fn)(const char *cg, struct report *rep))
{
	int status;

	self->worker = fork_child();
	if (self->worker == 0) {
		char path[400], pid[32];
		int ret;

		snprintf(path, sizeof(path), "%s/cgroup.procs", self->cg);
		snprintf(pid, sizeof(pid), "%d", getpid());
		ret = write_file(path, pid);
		if (ret) {
			snprintf(self->rep->why, sizeof(self->rep->why),
				 "joining the cgroup: %s", strerror(-ret));
			_exit(2);
		}
		_exit(fn(self->cg, self->rep));
	}
	if (self->worker < 0)
		return -1;
	status = reap(self->worker);
	self->worker = 0;
	TH_LOG("memory.current: %lld before, %lld after (%d created, %lld ring bytes, err %d), %lld closed but mapped, %lld after closing; memory.max %lld",
	       self->rep->before, self->rep->after, self->rep->created,
	       self->rep->ring_bytes, self->rep->err, self->rep->mapped,
	       self->rep->closed, self->rep->max);
	if (self->rep->why[0])
		TH_LOG("worker: %s", self->rep->why);
	return status;
}

#define WHY(...) snprintf(rep->why, sizeof(rep->why), __VA_ARGS__)

/* A queue of Q_MSGS messages of Q_MSGSIZE: its fd, or -errno. */
static int q_create(int dev, long long *ring_bytes)
{
	struct kipc_queue_stat st;
	int fd, ret;

	fd = q_open_full(dev, NULL, RW, 0600, Q_MSGS, Q_MSGSIZE,
			 (unsigned long long)Q_MSGS * Q_MSGSIZE, 0, NULL);
	if (fd < 0)
		return fd;
	ret = queue_stat(fd, &st);
	if (ret) {
		close(fd);
		return ret;
	}
	*ring_bytes += st.ring_bytes;
	return fd;
}

static int sem_create(int dev)
{
	return sem_open_full(dev, NULL, RW, 0600, 0, 0, NULL);
}

/*
 * Creates up to n queues, or stops at the first failure; closes them all
 * and creates one more.  With max > 0, first sets memory.max to the
 * cgroup's use plus max bytes.  With map, maps each ring, checks its
 * header, and unmaps the rings only after closing the queues.
 */
static int queues_worker(const char *cg, struct report *rep, int n,
			 long long max, bool map)
{
	void *maps[Q_MAX] = { NULL };
	size_t lens[Q_MAX] = { 0 };
	char path[400], buf[32];
	int fds[Q_MAX], dev, i, fd;
	long long scratch = 0, ring;

	dev = open("/dev/kipc", O_RDWR);
	if (dev < 0) {
		WHY("open /dev/kipc: %s", strerror(errno));
		return 2;
	}
	rep->before = cg_read(cg, "memory.current");
	if (max) {
		rep->max = rep->before + max;
		snprintf(path, sizeof(path), "%s/memory.max", cg);
		snprintf(buf, sizeof(buf), "%lld", rep->max);
		i = write_file(path, buf);
		if (i) {
			WHY("setting memory.max: %s", strerror(-i));
			return 2;
		}
	}
	for (i = 0; i < n; i++) {
		ring = rep->ring_bytes;
		fd = q_create(dev, &rep->ring_bytes);
		if (fd < 0) {
			rep->err = -fd;
			break;
		}
		fds[i] = fd;
		if (!map)
			continue;
		lens[i] = rep->ring_bytes - ring;
		maps[i] = mmap(NULL, lens[i], PROT_READ | PROT_WRITE,
			       MAP_SHARED, fd, 0);
		if (maps[i] == MAP_FAILED) {
			WHY("mmap of %zu bytes: %s", lens[i], strerror(errno));
			return 3;
		}
		if (((struct kipc_ring_hdr *)maps[i])->magic !=
		    KIPC_RING_MAGIC) {
			WHY("no ring header in the mapping");
			return 3;
		}
		/* The last slot's page is the queue's too. */
		memset((char *)maps[i] + lens[i] - 64, 0, 64);
	}
	rep->created = i;
	rep->after = cg_read(cg, "memory.current");
	while (i--)
		close(fds[i]);
	if (map) {
		rep->mapped = cg_read(cg, "memory.current");
		for (i = 0; i < rep->created; i++)
			munmap(maps[i], lens[i]);
	}
	rep->closed = cg_read(cg, "memory.current");
	rep->again = q_create(dev, &scratch);
	return 0;
}

#define RINGS_CHARGED 4

static int rings_charged_worker(const char *cg, struct report *rep)
{
	return queues_worker(cg, rep, RINGS_CHARGED, 0, true);
}

/*
 * Queue rings are charged: memory.current grows by at least their bytes;
 * a ring still mapped after its queue is closed stays charged, and it comes
 * back down when the rings are unmapped.
 */
TEST_F(memcg, queue_rings_charged)
{
	struct report *rep = self->rep;

	ASSERT_EQ(0, run_worker(_metadata, self, rings_charged_worker));
	ASSERT_EQ(RINGS_CHARGED, rep->created);
	ASSERT_GE(rep->ring_bytes, RINGS_CHARGED * 4 * MIB);
	/* Charges go through per-CPU stocks of 64 pages: 1 MiB of slack. */
	EXPECT_GE(rep->after - rep->before, rep->ring_bytes - 1 * MIB);
	EXPECT_GE(rep->mapped - rep->before, rep->ring_bytes - 1 * MIB);
	EXPECT_LT(rep->closed - rep->before, 1 * MIB);
	EXPECT_LE(0, rep->again);
	EXPECT_EQ(0, cg_event(self->cg, "oom_kill"));
}

/* Room for 7.5 rings above what the worker uses when it starts. */
#define LIMIT_RINGS_X2 15

static int rings_limit_worker(const char *cg, struct report *rep)
{
	long long ring = 2 * 4096 + Q_MSGS * 2LL *
			 ((24 + Q_MSGSIZE + 63) / 64 * 64);

	return queues_worker(cg, rep, Q_MAX, LIMIT_RINGS_X2 * ring / 2, false);
}

/*
 * memory.max about 30 MiB above the worker's use (so about 32 MiB): the
 * eighth queue of 4 MiB fails with ENOMEM, nothing is OOM-killed, and
 * closing the seven gives all their memory back, so a new queue fits.
 */
TEST_F(memcg, queue_past_limit_enomem)
{
	struct report *rep = self->rep;

	ASSERT_EQ(0, run_worker(_metadata, self, rings_limit_worker));
	EXPECT_EQ(ENOMEM, rep->err);
	EXPECT_GE(rep->created, LIMIT_RINGS_X2 / 2 - 1);
	EXPECT_LE(rep->created, LIMIT_RINGS_X2 / 2);
	EXPECT_LE(rep->after, rep->max);
	EXPECT_LT(rep->closed - rep->before, 1 * MIB);
	EXPECT_LE(0, rep->again);
	EXPECT_LT(0, cg_event(self->cg, "max"));
	EXPECT_EQ(0, cg_event(self->cg, "oom_kill"));
	EXPECT_EQ(self->vmstat_oom_kill, keyed_read("/proc/vmstat", "oom_kill"));
}

#define NSEMS 1024

static int sems_worker(const char *cg, struct report *rep)
{
	struct rlimit rl = { NSEMS + 64, NSEMS + 64 };
	int fds[NSEMS], dev, i, fd;

	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		WHY("setrlimit: %s", strerror(errno));
		return 2;
	}
	dev = open("/dev/kipc", O_RDWR);
	if (dev < 0) {
		WHY("open /dev/kipc: %s", strerror(errno));
		return 2;
	}
	/* Grow the fd table now, not while measuring. */
	if (dup2(dev, NSEMS + 32) < 0) {
		WHY("dup2: %s", strerror(errno));
		return 2;
	}
	close(NSEMS + 32);
	rep->before = cg_read(cg, "memory.current");
	for (i = 0; i < NSEMS; i++) {
		fd = sem_create(dev);
		if (fd < 0) {
			rep->err = -fd;
			break;
		}
		fds[i] = fd;
	}
	rep->created = i;
	rep->after = cg_read(cg, "memory.current");
	while (i--)
		close(fds[i]);
	rep->closed = cg_read(cg, "memory.current");
	rep->again = sem_create(dev);
	return 0;
}

/*
 * A semaphore's page is charged: NSEMS semaphores cost at least NSEMS
 * pages, given back when they are closed.  (Past memory.max, the page is
 * only one of the allocations of an open, next to the struct file and the
 * handle, which the kernel allocates without __GFP_RETRY_MAYFAIL: which one
 * crosses the limit is chance, so ENOMEM past the limit is tested with
 * queues, where the ring is what crosses it.)
 */
TEST_F(memcg, sem_pages_charged)
{
	struct report *rep = self->rep;

	ASSERT_EQ(0, run_worker(_metadata, self, sems_worker));
	ASSERT_EQ(NSEMS, rep->created);
	EXPECT_GE(rep->after - rep->before, NSEMS * 4096LL - 1 * MIB);
	EXPECT_LT(rep->closed - rep->before, 1 * MIB);
	EXPECT_LE(0, rep->again);
	EXPECT_EQ(0, cg_event(self->cg, "oom_kill"));
}

TEST_HARNESS_MAIN
