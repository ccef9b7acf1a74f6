// SPDX-License-Identifier: GPL-2.0
/*
 * fail_nth_test: every kipc operation under systematic fault injection,
 * after the kernel's iommufd_fail_nth.c.
 *
 * Each case runs one operation with /proc/thread-self/fail-nth set to 1, 2,
 * 3, ... (fail the Nth fault-injectable call of the task: slab and page
 * allocations, and user copies where FAULT_INJECTION_USERCOPY is built)
 * until it runs with no fault injected.  Every attempt must end in a clean
 * errno (ENOMEM, EFAULT, and EAGAIN where io_uring's own allocations can
 * say so), or in a success that did everything; and the objects it touched
 * must be exactly as they should be afterwards: a queue holds exactly the
 * messages it should, in order, a semaphore's value and undo record are
 * unchanged by a failed P or V, no object is left half-made (the module's
 * object count), and the object still works.  Leaks are what
 * run_kselftests.sh --kmemleak scans for after all cases.  Each case prints
 * its operation's number of fail points.
 *
 * Needs CONFIG_FAULT_INJECTION, FAILSLAB and FAIL_PAGE_ALLOC (the debug
 * kernel); elsewhere every case skips.  Documentation/testing.md.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef HAVE_LIBURING_TEST
#include <liburing.h>
#endif
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

/* More fail points than any operation has: a sweep that reaches it fails. */
#define NTH_MAX 400
#define QMSGS 8
#define QMSGSIZE 64

static bool have_fault_injection;

static int writeat(int dfd, const char *fn, const char *val)
{
	size_t len = strlen(val);
	ssize_t res;
	int fd;

	fd = openat(dfd, fn, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	res = write(fd, val, len);
	close(fd);
	return res == (ssize_t)len ? 0 : -1;
}

/*
 * As iommufd_fail_nth.c: let every allocation be failed (sleeping ones,
 * highmem/user pages, and order-0 pages: the shared pages of an object are
 * allocated one by one), and keep the log quiet.  Nothing is injected until
 * a task writes its fail-nth.
 */
static __attribute__((constructor)) void setup_fault_injection(void)
{
	struct dirent *dent;
	DIR *debugfs;

	if (access("/proc/thread-self/fail-nth", F_OK) ||
	    access("/sys/kernel/debug/failslab", F_OK))
		return;
	debugfs = opendir("/sys/kernel/debug/");
	if (!debugfs)
		return;
	if (writeat(dirfd(debugfs), "failslab/ignore-gfp-wait", "N"))
		goto out;
	writeat(dirfd(debugfs), "fail_page_alloc/ignore-gfp-wait", "N");
	writeat(dirfd(debugfs), "fail_page_alloc/ignore-gfp-highmem", "N");
	writeat(dirfd(debugfs), "fail_page_alloc/min-order", "0");
	while ((dent = readdir(debugfs))) {
		char fn[300];

		if (strncmp(dent->d_name, "fail", 4))
			continue;
		snprintf(fn, sizeof(fn), "%s/verbose", dent->d_name);
		writeat(dirfd(debugfs), fn, "0");
	}
	have_fault_injection = true;
out:
	closedir(debugfs);
}

/* ---- fail-nth ---------------------------------------------------------- */

static int nth_open(void)
{
	return open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
}

static int nth_arm(int fd, unsigned int n)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%u", n);

	return pwrite(fd, buf, len, 0) == len ? 0 : -1;
}

/*
 * Disarm: 1 if the fault was injected, 0 if not, -1 on error.  A fault
 * still pending may be taken by this read's or write's own copy (EFAULT):
 * then the operation did not take it.
 */
static int nth_disarm(int fd)
{
	char buf[32] = "";
	ssize_t res = pread(fd, buf, sizeof(buf) - 1, 0);
	int injected;

	if (res < 0 && errno == EFAULT)
		injected = 0;
	else if (res <= 0)
		return -1;
	else
		injected = atoi(buf) == 0;
	if (pwrite(fd, "0", 1, 0) != 1) {
		if (errno != EFAULT || pwrite(fd, "0", 1, 0) != 1)
			return -1;
		injected = 0;
	}
	return injected;
}

/* ---- Helpers ------------------------------------------------------------ */

static int obj_open(int dev, unsigned int type, const char *name,
		    unsigned int flags, unsigned int value, uint64_t *id)
{
	bool create = !name || (flags & KIPC_OPEN_CREATE);
	struct kipc_open op;
	int ret;

	if (type == KIPC_OBJ_SEM)
		ret = sem_open_full(dev, name, flags, 0600, create ? value : 0,
				    0, &op);
	else
		ret = q_open_full(dev, name, flags, 0600, create ? QMSGS : 0,
				  create ? QMSGSIZE : 0, 0, 0, &op);
	if (id)
		*id = ret >= 0 ? op.id : 0;
	return ret;
}

/* Objects in all namespaces (what a half-made object would add to). */
static long nr_objects(int dev)
{
	struct kipc_info info = { .size = sizeof(info) };

	if (ioctl_ret(dev, KIPC_IOC_GET_INFO, &info))
		return -1;
	return info.nr_objects;
}

/* Objects in the caller's namespace. */
static long list_count(int dev)
{
	struct kipc_list l = { .size = sizeof(l),
			       .entry_size = sizeof(struct kipc_obj_info) };

	if (ioctl_ret(dev, KIPC_IOC_LIST, &l))
		return -1;
	return l.count;
}

static int s_stat(int fd, struct kipc_sem_stat *st)
{
	return sem_stat(fd, st, NULL, 0);
}

struct msg {
	int64_t type;
	const char *text;
};

static int q_send(int fd, const struct msg *m)
{
	struct kipc_send s = { .size = sizeof(s), .flags = KIPC_MSG_NONBLOCK,
			       .type = m->type, .buf = (uintptr_t)m->text,
			       .len = strlen(m->text) + 1 };

	return ioctl_ret(fd, KIPC_IOC_SEND, &s);
}

static int q_fill(int fd, const struct msg *m, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (q_send(fd, &m[i]))
			return -1;
	return 0;
}

/*
 * The queue holds exactly these messages, in this order: receives them
 * all (so it is empty afterwards).  0, or -1 with a diagnostic.
 */
static int q_expect(int fd, const struct msg *m, int n, const char *what)
{
	char buf[QMSGSIZE + 1];
	struct kipc_recv r;
	int i, ret;

	for (i = 0; i <= n; i++) {
		memset(&r, 0, sizeof(r));
		memset(buf, 0, sizeof(buf));
		r.size = sizeof(r);
		r.flags = KIPC_MSG_NONBLOCK;
		r.buf = (uintptr_t)buf;
		r.len = QMSGSIZE;
		ret = ioctl_ret(fd, KIPC_IOC_RECV, &r);
		if (i == n) {
			if (ret == -EAGAIN)
				return 0;
			fprintf(stderr, "# %s: message %d more than the %d expected (ret %d, type %lld)\n",
				what, i + 1, n, ret, (long long)r.type);
			return -1;
		}
		if (ret != (int)strlen(m[i].text) + 1 || r.type != m[i].type ||
		    strcmp(buf, m[i].text)) {
			fprintf(stderr, "# %s: message %d: ret %d type %lld \"%s\", expected type %lld \"%s\"\n",
				what, i + 1, ret, (long long)r.type, buf,
				(long long)m[i].type, m[i].text);
			return -1;
		}
	}
	return 0;
}

/* Receive one message: it must be m. */
static int q_expect_first(int fd, const struct msg *m)
{
	char buf[QMSGSIZE + 1] = "";
	struct kipc_recv r = { .size = sizeof(r), .flags = KIPC_MSG_NONBLOCK,
			       .buf = (uintptr_t)buf, .len = QMSGSIZE };
	int ret = ioctl_ret(fd, KIPC_IOC_RECV, &r);

	return ret == (int)strlen(m->text) + 1 && r.type == m->type &&
	       !strcmp(buf, m->text) ? 0 : -1;
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "# %s:%d: check failed: %s\n",         \
				__FILE__, __LINE__, #cond);                    \
			return -1;                                             \
		}                                                              \
	} while (0)

/* ---- The sweep ------------------------------------------------------- */

struct ctx {
	int dev, nth;
	int q, s, h;
	/* q or s taken over by liblkipc (the io_uring cases), else fd -1 */
	struct lkipc_queue hq;
	struct lkipc_sem hs;
	uint64_t id;
	long nr0;
	unsigned int otype;
	const char *name;
	bool injected;		/* in the attempt just run */
	bool uring;		/* KIPC_FEAT_URING_CMD */
	unsigned int n;		/* the attempt's fail-nth */
	unsigned int flags;
	uint32_t lanes0;
	char buf[4 * (QMSGSIZE + 1)];
	union {
		struct kipc_recv recv;
		struct kipc_sem_stat sstat;
		struct kipc_queue_stat qstat;
		struct kipc_list list;
		struct kipc_sem_wait swait;
	} req;
	struct kipc_mmsg mm[3];
	struct kipc_sem_waiter waiters[4];
	struct kipc_obj_info ents[8];
	void *map;
	size_t maplen;
	/* A helper thread: blocked waiter, or the operation's own thread. */
	pthread_t thr;
	volatile int thr_done;
	int thr_ret;
	bool thr_injected, thr_err;
#ifdef HAVE_LIBURING_TEST
	struct io_uring ring;
	bool ring_up;
#endif
};

struct op {
	const char *name;
	int (*prepare)(struct ctx *c);		/* not injected: 0 or -1 */
	long (*run)(struct ctx *c);		/* >= 0, or -errno */
	int (*check)(struct ctx *c, long ret);	/* not injected: 0 or -1 */
	void (*cleanup)(struct ctx *c, long ret);
	/* run arms fail-nth itself (in its own thread), sets c->injected */
	bool self_arm;
	/* io_uring's own allocations fail the submission with EAGAIN */
	bool eagain;
};

static bool errno_ok(const struct op *op, long err)
{
	return err == ENOMEM || err == EFAULT || (op->eagain && err == EAGAIN);
}

/*
 * Sweep op's fail points.  Each attempt: prepare, run with the Nth fault
 * armed, disarm, check the result and the objects, clean up; until an
 * attempt runs with no fault injected.
 */
static void sweep(struct __test_metadata *_metadata, struct ctx *c,
		  const struct op *op)
{
	unsigned int n, failed = 0, first_ok = 0;
	long nr0 = nr_objects(c->dev), ret;
	double t0 = now_mono();
	int injected;

	ASSERT_LE(0, nr0);
	for (n = 1; n <= NTH_MAX; n++) {
		c->n = n;
		if (op->prepare)
			ASSERT_EQ(0, op->prepare(c))
				TH_LOG("%s: prepare for nth %u", op->name, n);
		if (op->self_arm) {
			ret = op->run(c);
			injected = c->injected;
		} else {
			ASSERT_EQ(0, nth_arm(c->nth, n));
			ret = op->run(c);
			injected = nth_disarm(c->nth);
			ASSERT_LE(0, injected);
		}
		c->injected = injected;
		if (ret < 0) {
			failed++;
			EXPECT_TRUE(injected)
				TH_LOG("%s: nth %u: %s without an injected fault",
				       op->name, n, strerror(-ret));
			EXPECT_TRUE(errno_ok(op, -ret))
				TH_LOG("%s: nth %u: unexpected error %s",
				       op->name, n, strerror(-ret));
		} else if (!first_ok) {
			first_ok = n;
		}
		EXPECT_EQ(0, op->check(c, ret))
			TH_LOG("%s: nth %u: result %ld (%s), objects not as expected",
			       op->name, n, ret,
			       ret < 0 ? strerror(-ret) : "success");
		if (op->cleanup)
			op->cleanup(c, ret);
		ASSERT_NE(KSFT_FAIL, _metadata->exit_code)
			TH_LOG("%s: stopped at nth %u", op->name, n);
		if (!injected)
			break;
	}
	ASSERT_GE(NTH_MAX, n) TH_LOG("%s: more than %d fail points", op->name,
				     NTH_MAX);
	/* No half-made object left behind (the reaper may only lower it). */
	EXPECT_GE(nr0, nr_objects(c->dev));
	printf("# fail-nth: %-18s %3u fail points (%u failed the operation, first success at nth %u) in %.1f s\n",
	       op->name, n - 1, failed, first_ok, now_mono() - t0);
	fflush(stdout);
}

FIXTURE(fail_nth) {
	struct ctx c;
};

FIXTURE_SETUP(fail_nth)
{
	struct kipc_info info = { .size = sizeof(info) };

	memset(&self->c, 0, sizeof(self->c));
	self->c.dev = self->c.nth = self->c.q = self->c.s = self->c.h = -1;
	self->c.hq.fd = self->c.hs.fd = -1;
	if (!have_fault_injection)
		SKIP(return, "no fault injection (/proc/thread-self/fail-nth, /sys/kernel/debug/failslab)");
	self->c.dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->c.dev);
	ASSERT_EQ(0, ioctl(self->c.dev, KIPC_IOC_GET_INFO, &info));
	self->c.uring = info.features & KIPC_FEAT_URING_CMD;
	self->c.nth = nth_open();
	ASSERT_LE(0, self->c.nth);
}

FIXTURE_TEARDOWN(fail_nth)
{
	/* A descriptor the library took over is the library's to close. */
	if (self->c.hq.fd >= 0) {
		lkipc_queue_close(&self->c.hq);
		self->c.q = -1;
	}
	if (self->c.hs.fd >= 0) {
		lkipc_sem_close(&self->c.hs);
		self->c.s = -1;
	}
	if (self->c.h >= 0)
		close(self->c.h);
	if (self->c.q >= 0)
		close(self->c.q);
	if (self->c.s >= 0)
		close(self->c.s);
	if (self->c.nth >= 0)
		close(self->c.nth);
	if (self->c.dev >= 0)
		close(self->c.dev);
}

/* Every case may take a while on a debug kernel under TCG. */
#define FAIL_NTH(name) TEST_F_TIMEOUT(fail_nth, name, 120)

static const struct msg one = { 1, "one" };
static const struct msg base2[] = { { 1, "one" }, { 2, "two" } };

static int prep_empty(struct ctx *c)
{
	return q_expect(c->q, NULL, 0, "before");
}

static int prep_one(struct ctx *c)
{
	return q_fill(c->q, &one, 1);
}

static int prep_base2(struct ctx *c)
{
	return q_fill(c->q, base2, 2);
}

static void close_h(struct ctx *c, long ret)
{
	if (c->h >= 0)
		close(c->h);
	c->h = -1;
}

/* ---- Creation, open, unlink, destroy --------------------------------- */

static int prep_nr(struct ctx *c)
{
	c->nr0 = nr_objects(c->dev);
	c->h = -1;
	return c->nr0 < 0 ? -1 : 0;
}

static long run_create(struct ctx *c)
{
	unsigned int flags = RW | (c->name ? KIPC_OPEN_CREATE | KIPC_OPEN_EXCL
					   : 0);

	c->h = obj_open(c->dev, c->otype, c->name, flags, 3, &c->id);
	return c->h;
}

/* The new object works; a named one can be opened by its name. */
static int check_works(struct ctx *c, int fd)
{
	uint64_t id;
	int fd2;

	if (c->otype == KIPC_OBJ_QUEUE) {
		CHECK(q_send(fd, &one) == 0);
		CHECK(q_expect(fd, &one, 1, "new queue") == 0);
	} else {
		CHECK(sem_value(fd) == 3);
		CHECK(sem_p(fd, 3, KIPC_SEM_NONBLOCK) == 0);
		CHECK(sem_v(fd, 3, 0) == 0);
	}
	if (c->name) {
		fd2 = obj_open(c->dev, c->otype, c->name, RW, 0, &id);
		CHECK(fd2 >= 0);
		close(fd2);
		CHECK(id == c->id);
	}
	return 0;
}

static int check_create(struct ctx *c, long ret)
{
	if (ret < 0) {
		CHECK(nr_objects(c->dev) <= c->nr0);
		if (c->name)
			CHECK(obj_open(c->dev, c->otype, c->name, RW, 0,
				       NULL) == -ENOENT);
		return 0;
	}
	CHECK(nr_objects(c->dev) <= c->nr0 + 1);
	return check_works(c, ret);
}

static void cleanup_create(struct ctx *c, long ret)
{
	if (ret >= 0 && c->name)
		unlink_obj(c->dev, c->otype, c->name);
	close_h(c, ret);
}

static const struct op op_create = {
	.name = "create", .prepare = prep_nr, .run = run_create,
	.check = check_create, .cleanup = cleanup_create,
};

#define CREATE_CASE(_case, _type, _name, _label)                               \
	FAIL_NTH(_case)                                                        \
	{                                                                      \
		struct op op = op_create;                                      \
		self->c.otype = _type;                                         \
		self->c.name = _name;                                          \
		op.name = _label;                                              \
		sweep(_metadata, &self->c, &op);                               \
	}

CREATE_CASE(create_queue_anon, KIPC_OBJ_QUEUE, NULL, "create queue")
CREATE_CASE(create_queue_named, KIPC_OBJ_QUEUE, "fn-q", "create queue named")
CREATE_CASE(create_sem_anon, KIPC_OBJ_SEM, NULL, "create sem")
CREATE_CASE(create_sem_named, KIPC_OBJ_SEM, "fn-s", "create sem named")

/* Open an existing named queue that holds one message. */
static long run_open(struct ctx *c)
{
	uint64_t id;

	c->h = obj_open(c->dev, KIPC_OBJ_QUEUE, "fn-open", RW, 0, &id);
	if (c->h >= 0 && id != c->id)
		return -EBADE;
	return c->h;
}

static int check_open(struct ctx *c, long ret)
{
	struct kipc_queue_stat st;

	CHECK(nr_objects(c->dev) <= c->nr0);
	CHECK(queue_stat(c->q, &st) == 0 && st.msgs == 1);
	if (ret >= 0) {
		CHECK(queue_stat(ret, &st) == 0 && st.msgs == 1 &&
		      st.id == c->id);
		CHECK(q_send(ret, &base2[1]) == 0);
		CHECK(q_expect(c->q, base2, 2, "opened queue") == 0);
		CHECK(q_send(c->q, &one) == 0);
	}
	return 0;
}

FAIL_NTH(open_existing)
{
	struct op op = { .name = "open existing", .prepare = prep_nr,
			 .run = run_open, .check = check_open,
			 .cleanup = close_h };

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, "fn-open",
			     RW | KIPC_OPEN_CREATE, 0, &self->c.id);
	ASSERT_LE(0, self->c.q);
	ASSERT_EQ(0, q_send(self->c.q, &one));
	sweep(_metadata, &self->c, &op);
	EXPECT_EQ(0, unlink_obj(self->c.dev, KIPC_OBJ_QUEUE, "fn-open"));
}

static int prep_unlink(struct ctx *c)
{
	c->h = obj_open(c->dev, KIPC_OBJ_QUEUE, "fn-unlink",
			RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, 0, &c->id);
	return c->h < 0 ? -1 : 0;
}

static long run_unlink(struct ctx *c)
{
	return unlink_obj(c->dev, KIPC_OBJ_QUEUE, "fn-unlink");
}

static int check_unlink(struct ctx *c, long ret)
{
	uint64_t id;
	int fd;

	fd = obj_open(c->dev, KIPC_OBJ_QUEUE, "fn-unlink", RW, 0, &id);
	if (ret < 0) {
		CHECK(fd >= 0);
		close(fd);
		CHECK(id == c->id);
	} else {
		CHECK(fd == -ENOENT);
	}
	CHECK(q_send(c->h, &one) == 0);
	CHECK(q_expect(c->h, &one, 1, "unlinked queue") == 0);
	return 0;
}

static void cleanup_unlink(struct ctx *c, long ret)
{
	if (ret < 0)
		unlink_obj(c->dev, KIPC_OBJ_QUEUE, "fn-unlink");
	close_h(c, ret);
}

FAIL_NTH(unlink)
{
	struct op op = { .name = "unlink", .prepare = prep_unlink,
			 .run = run_unlink, .check = check_unlink,
			 .cleanup = cleanup_unlink };

	sweep(_metadata, &self->c, &op);
}

static int prep_destroy(struct ctx *c)
{
	c->h = obj_open(c->dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	if (c->h < 0)
		return -1;
	return q_send(c->h, &one);
}

static long run_destroy(struct ctx *c)
{
	struct kipc_destroy d = { .size = sizeof(d) };

	return ioctl_ret(c->h, KIPC_IOC_DESTROY, &d);
}

static int check_destroy(struct ctx *c, long ret)
{
	struct kipc_queue_stat st;

	CHECK(queue_stat(c->h, &st) == 0);
	if (ret < 0) {
		CHECK(!(st.queue_flags & KIPC_QUEUE_DESTROYED));
		CHECK(st.msgs == 1 && !st.dropped);
		CHECK(q_expect(c->h, &one, 1, "not destroyed") == 0);
	} else {
		CHECK(st.queue_flags & KIPC_QUEUE_DESTROYED);
		CHECK(st.msgs == 0 && st.dropped == 1);
		CHECK(q_send(c->h, &one) == -EIDRM);
	}
	return 0;
}

FAIL_NTH(destroy)
{
	struct op op = { .name = "destroy", .prepare = prep_destroy,
			 .run = run_destroy, .check = check_destroy,
			 .cleanup = close_h };

	sweep(_metadata, &self->c, &op);
}

/* ---- Listing ------------------------------------------------------------ */

static int prep_list(struct ctx *c)
{
	c->nr0 = list_count(c->dev);
	return c->nr0 < 2 ? -1 : 0;
}

static long run_list(struct ctx *c)
{
	memset(&c->req.list, 0, sizeof(c->req.list));
	c->req.list.size = sizeof(c->req.list);
	c->req.list.entry_size = sizeof(c->ents[0]);
	c->req.list.capacity = 8;
	c->req.list.entries = (uintptr_t)c->ents;
	return ioctl_ret(c->dev, KIPC_IOC_LIST, &c->req.list);
}

static int check_list(struct ctx *c, long ret)
{
	struct kipc_queue_stat st;
	unsigned int i, found = 0;

	if (ret < 0)
		return 0;
	CHECK(c->req.list.count == c->nr0 && c->req.list.filled == c->nr0);
	CHECK(queue_stat(c->q, &st) == 0);
	for (i = 0; i < c->req.list.filled; i++)
		if (c->ents[i].id == st.id || c->ents[i].id == c->id)
			found++;
	CHECK(found == 2);
	return 0;
}

FAIL_NTH(list)
{
	struct op op = { .name = "KIPC_IOC_LIST", .prepare = prep_list,
			 .run = run_list, .check = check_list };

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 1,
			     &self->c.id);
	ASSERT_LE(0, self->c.q);
	ASSERT_LE(0, self->c.s);
	sweep(_metadata, &self->c, &op);
}

static long run_proc(struct ctx *c)
{
	static char big[64 * 1024];
	size_t total = 0;
	ssize_t n;
	int fd, ret = 0, lines = 0;
	size_t i;

	fd = open("/proc/kipc", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (total < sizeof(big)) {
		n = read(fd, big + total, sizeof(big) - total);
		if (n < 0) {
			ret = -errno;
			break;
		}
		if (!n)
			break;
		total += n;
	}
	close(fd);
	if (ret)
		return ret;
	for (i = 0; i < total; i++)
		lines += big[i] == '\n';
	return lines;
}

static int check_proc(struct ctx *c, long ret)
{
	/* A header line, then one a object. */
	if (ret >= 0)
		CHECK(ret == c->nr0 + 1);
	return 0;
}

FAIL_NTH(proc_read)
{
	struct op op = { .name = "/proc/kipc read", .prepare = prep_list,
			 .run = run_proc, .check = check_proc };

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, "fn-proc",
			     RW | KIPC_OPEN_CREATE, 1, NULL);
	ASSERT_LE(0, self->c.q);
	ASSERT_LE(0, self->c.s);
	sweep(_metadata, &self->c, &op);
	EXPECT_EQ(0, unlink_obj(self->c.dev, KIPC_OBJ_SEM, "fn-proc"));
}

/* ---- Queue operations ------------------------------------------------- */

/* A queue case on an anonymous queue of QMSGS messages of QMSGSIZE. */
#define QUEUE_CASE(_case, ...)                                                 \
	FAIL_NTH(_case)                                                        \
	{                                                                      \
		struct op op = { __VA_ARGS__ };                                \
		self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, \
				     &self->c.id);                             \
		ASSERT_LE(0, self->c.q);                                       \
		sweep(_metadata, &self->c, &op);                               \
	}

static const struct msg seven = { 7, "seven" };

static long run_send(struct ctx *c)
{
	struct kipc_send s = { .size = sizeof(s), .type = seven.type,
			       .buf = (uintptr_t)seven.text,
			       .len = strlen(seven.text) + 1 };

	return ioctl_ret(c->q, KIPC_IOC_SEND, &s);
}

static int check_send(struct ctx *c, long ret)
{
	const struct msg after[] = { base2[0], base2[1], seven };

	return q_expect(c->q, after, ret < 0 ? 2 : 3, "send");
}

QUEUE_CASE(send, .name = "send", .prepare = prep_base2, .run = run_send,
	   .check = check_send)

static long run_recv(struct ctx *c)
{
	memset(c->buf, 0, sizeof(c->buf));
	memset(&c->req.recv, 0, sizeof(c->req.recv));
	c->req.recv.size = sizeof(c->req.recv);
	c->req.recv.flags = c->flags;
	c->req.recv.select = c->flags & KIPC_MSG_PEEK ? KIPC_SEL_ANY :
							 KIPC_SEL_EXACT;
	c->req.recv.type = c->flags & KIPC_MSG_PEEK ? 0 : 2;
	c->req.recv.buf = (uintptr_t)c->buf;
	c->req.recv.len = QMSGSIZE;
	return ioctl_ret(c->q, KIPC_IOC_RECV, &c->req.recv);
}

static int check_recv(struct ctx *c, long ret)
{
	if (ret < 0)
		return q_expect(c->q, base2, 2, "failed recv");
	CHECK(ret == 4 && c->req.recv.type == 2 && c->req.recv.msg_len == 4);
	CHECK(!strcmp(c->buf, "two"));
	return q_expect(c->q, base2, 1, "recv");
}

QUEUE_CASE(recv, .name = "recv", .prepare = prep_base2, .run = run_recv,
	   .check = check_recv)

static int check_peek(struct ctx *c, long ret)
{
	if (ret >= 0) {
		CHECK(ret == 4 && c->req.recv.type == 1);
		CHECK(c->req.recv.msg_len == 4 && !strcmp(c->buf, "one"));
	}
	return q_expect(c->q, base2, 2, "peek");
}

FAIL_NTH(peek)
{
	struct op op = { .name = "recv peek", .prepare = prep_base2,
			 .run = run_recv, .check = check_peek };

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	ASSERT_LE(0, self->c.q);
	self->c.flags = KIPC_MSG_PEEK;
	sweep(_metadata, &self->c, &op);
}

static const struct msg longmsg = {
	5, "a message longer than the receiver's 8 bytes"
};

static int prep_long(struct ctx *c)
{
	return q_fill(c->q, &longmsg, 1);
}

static long run_truncate(struct ctx *c)
{
	memset(c->buf, 0, sizeof(c->buf));
	memset(&c->req.recv, 0, sizeof(c->req.recv));
	c->req.recv.size = sizeof(c->req.recv);
	c->req.recv.flags = KIPC_MSG_TRUNCATE;
	c->req.recv.buf = (uintptr_t)c->buf;
	c->req.recv.len = 8;
	return ioctl_ret(c->q, KIPC_IOC_RECV, &c->req.recv);
}

static int check_truncate(struct ctx *c, long ret)
{
	long len = strlen(longmsg.text) + 1;

	if (ret < 0)
		return q_expect(c->q, &longmsg, 1, "failed truncate");
	CHECK(ret == len && c->req.recv.msg_len == len);
	CHECK(c->req.recv.type == longmsg.type);
	CHECK(!memcmp(c->buf, longmsg.text, 8) && !c->buf[8]);
	return q_expect(c->q, NULL, 0, "truncate");
}

QUEUE_CASE(truncate, .name = "recv truncate", .prepare = prep_long,
	   .run = run_truncate, .check = check_truncate)

/*
 * A receiver that has to wait and is handed a message: its own thread arms
 * its fail-nth and blocks in KIPC_IOC_RECV; once it waits (or has failed
 * before it could), a message is sent.
 */
static void *recv_waiter(void *arg)
{
	struct ctx *c = arg;
	int fd = nth_open(), injected;

	if (fd < 0 || nth_arm(fd, c->n)) {
		c->thr_err = true;
		c->thr_done = 1;
		return NULL;
	}
	c->thr_ret = ioctl_ret(c->q, KIPC_IOC_RECV, &c->req.recv);
	injected = nth_disarm(fd);
	c->thr_err = injected < 0;
	c->thr_injected = injected > 0;
	close(fd);
	__atomic_store_n(&c->thr_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static const struct msg handed = { 9, "handed" };

static long run_recv_wait(struct ctx *c)
{
	struct kipc_queue_stat st;
	double end = now_mono() + 20;

	memset(c->buf, 0, sizeof(c->buf));
	memset(&c->req.recv, 0, sizeof(c->req.recv));
	c->req.recv.size = sizeof(c->req.recv);
	c->req.recv.buf = (uintptr_t)c->buf;
	c->req.recv.len = QMSGSIZE;
	c->thr_done = 0;
	c->thr_err = false;
	if (pthread_create(&c->thr, NULL, recv_waiter, c))
		return -EBADE;
	while (!__atomic_load_n(&c->thr_done, __ATOMIC_ACQUIRE) &&
	       now_mono() < end) {
		if (!queue_stat(c->q, &st) && st.nreceivers == 1)
			break;
		usleep(500);
	}
	if (q_send(c->q, &handed))
		c->thr_err = true;
	pthread_join(c->thr, NULL);
	c->injected = c->thr_injected;
	return c->thr_err ? -EBADE : c->thr_ret;
}

static int check_recv_wait(struct ctx *c, long ret)
{
	struct kipc_queue_stat st;

	CHECK(queue_stat(c->q, &st) == 0 && st.nreceivers == 0);
	if (ret < 0)
		return q_expect(c->q, &handed, 1, "failed waiting recv");
	CHECK(ret == 7 && c->req.recv.type == 9 && c->req.recv.msg_len == 7);
	CHECK(!strcmp(c->buf, "handed"));
	return q_expect(c->q, NULL, 0, "waiting recv");
}

QUEUE_CASE(recv_waiting, .name = "recv (waits, handed)",
	   .prepare = prep_empty, .run = run_recv_wait,
	   .check = check_recv_wait, .self_arm = true)

/*
 * A sender that has to wait (the queue is full) and is admitted: its own
 * thread arms its fail-nth and blocks in KIPC_IOC_SEND, which copies the
 * message into a kernel buffer first; once it waits (or failed before),
 * one message is received to make room.
 */
static const struct msg full[QMSGS] = {
	{ 1, "f1" }, { 2, "f2" }, { 3, "f3" }, { 4, "f4" },
	{ 5, "f5" }, { 6, "f6" }, { 7, "f7" }, { 8, "f8" },
};

static int prep_full(struct ctx *c)
{
	return q_fill(c->q, full, QMSGS);
}

static void *send_waiter(void *arg)
{
	struct ctx *c = arg;
	struct kipc_send s = { .size = sizeof(s), .type = seven.type,
			       .buf = (uintptr_t)seven.text,
			       .len = strlen(seven.text) + 1 };
	int fd = nth_open(), injected;

	if (fd < 0 || nth_arm(fd, c->n)) {
		c->thr_err = true;
		c->thr_done = 1;
		return NULL;
	}
	c->thr_ret = ioctl_ret(c->q, KIPC_IOC_SEND, &s);
	injected = nth_disarm(fd);
	c->thr_err = injected < 0;
	c->thr_injected = injected > 0;
	close(fd);
	__atomic_store_n(&c->thr_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static long run_send_wait(struct ctx *c)
{
	struct kipc_queue_stat st;
	double end = now_mono() + 20;

	c->thr_done = 0;
	c->thr_err = false;
	if (pthread_create(&c->thr, NULL, send_waiter, c))
		return -EBADE;
	while (!__atomic_load_n(&c->thr_done, __ATOMIC_ACQUIRE) &&
	       now_mono() < end) {
		if (!queue_stat(c->q, &st) && st.nsenders == 1)
			break;
		usleep(500);
	}
	/* Make room: the first message goes. */
	if (q_expect_first(c->q, &full[0]))
		c->thr_err = true;
	pthread_join(c->thr, NULL);
	c->injected = c->thr_injected;
	return c->thr_err ? -EBADE : c->thr_ret;
}

static int check_send_wait(struct ctx *c, long ret)
{
	struct msg after[QMSGS];
	struct kipc_queue_stat st;

	CHECK(queue_stat(c->q, &st) == 0 && st.nsenders == 0);
	memcpy(after, full + 1, (QMSGS - 1) * sizeof(after[0]));
	after[QMSGS - 1] = seven;
	return q_expect(c->q, after, ret < 0 ? QMSGS - 1 : QMSGS,
			"waiting send");
}

QUEUE_CASE(send_waiting, .name = "send (waits, admitted)",
	   .prepare = prep_full, .run = run_send_wait,
	   .check = check_send_wait, .self_arm = true)

static const struct msg batch3[] = {
	{ 11, "b1" }, { 12, "b2" }, { 13, "b3" }
};

static long run_send_batch(struct ctx *c)
{
	struct kipc_batch b = { .size = sizeof(b), .count = 3,
				.entry_size = sizeof(c->mm[0]),
				.msgs = (uintptr_t)c->mm };
	int i;

	memset(c->mm, 0, sizeof(c->mm));
	for (i = 0; i < 3; i++) {
		c->mm[i].type = batch3[i].type;
		c->mm[i].buf = (uintptr_t)batch3[i].text;
		c->mm[i].len = strlen(batch3[i].text) + 1;
	}
	return ioctl_ret(c->q, KIPC_IOC_SEND_BATCH, &b);
}

static int check_send_batch(struct ctx *c, long ret)
{
	const struct msg after[] = { one, batch3[0], batch3[1], batch3[2] };
	long done = ret < 0 ? 0 : ret;

	CHECK(done <= 3);
	/* A batch stops at its first failing entry: a prefix is sent. */
	CHECK(c->injected || done == 3);
	return q_expect(c->q, after, 1 + done, "send batch");
}

QUEUE_CASE(send_batch, .name = "send batch", .prepare = prep_one,
	   .run = run_send_batch, .check = check_send_batch)

static int prep_batch3(struct ctx *c)
{
	return q_fill(c->q, batch3, 3);
}

static long run_recv_batch(struct ctx *c)
{
	struct kipc_batch b = { .size = sizeof(b), .count = 3,
				.entry_size = sizeof(c->mm[0]),
				.msgs = (uintptr_t)c->mm };
	int i;

	memset(c->mm, 0, sizeof(c->mm));
	memset(c->buf, 0, sizeof(c->buf));
	for (i = 0; i < 3; i++) {
		c->mm[i].buf = (uintptr_t)(c->buf + i * (QMSGSIZE + 1));
		c->mm[i].len = QMSGSIZE;
	}
	return ioctl_ret(c->q, KIPC_IOC_RECV_BATCH, &b);
}

static int check_recv_batch(struct ctx *c, long ret)
{
	long done = ret < 0 ? 0 : ret, i;

	CHECK(done <= 3);
	CHECK(c->injected || done == 3);
	for (i = 0; i < done; i++) {
		CHECK(c->mm[i].type == batch3[i].type);
		CHECK(c->mm[i].msg_len == 3);
		CHECK(!strcmp(c->buf + i * (QMSGSIZE + 1), batch3[i].text));
	}
	return q_expect(c->q, batch3 + done, 3 - done, "recv batch");
}

QUEUE_CASE(recv_batch, .name = "recv batch", .prepare = prep_batch3,
	   .run = run_recv_batch, .check = check_recv_batch)

static long run_write(struct ctx *c)
{
	ssize_t n = write(c->q, "w", 2);

	return n < 0 ? -errno : n;
}

static int check_write(struct ctx *c, long ret)
{
	const struct msg after[] = { one, { 1, "w" } };

	CHECK(ret < 0 || ret == 2);
	return q_expect(c->q, after, ret < 0 ? 1 : 2, "write");
}

QUEUE_CASE(write, .name = "write(2)", .prepare = prep_one, .run = run_write,
	   .check = check_write)

static long run_read(struct ctx *c)
{
	ssize_t n;

	memset(c->buf, 0, sizeof(c->buf));
	n = read(c->q, c->buf, QMSGSIZE);
	return n < 0 ? -errno : n;
}

static int check_read(struct ctx *c, long ret)
{
	if (ret < 0)
		return q_expect(c->q, base2, 2, "failed read");
	CHECK(ret == 4 && !strcmp(c->buf, "one"));
	return q_expect(c->q, base2 + 1, 1, "read");
}

QUEUE_CASE(read, .name = "read(2)", .prepare = prep_base2, .run = run_read,
	   .check = check_read)

static long run_poll(struct ctx *c)
{
	struct pollfd pfd = { .fd = c->q, .events = POLLIN | POLLOUT };
	int n = poll(&pfd, 1, 0);

	if (n < 0)
		return -errno;
	return n == 1 ? pfd.revents : -EBADE;
}

static int check_poll(struct ctx *c, long ret)
{
	if (ret >= 0)
		CHECK((ret & (POLLIN | POLLOUT | POLLERR | POLLHUP)) ==
		      (POLLIN | POLLOUT));
	return q_expect(c->q, &one, 1, "poll");
}

QUEUE_CASE(poll, .name = "poll", .prepare = prep_one, .run = run_poll,
	   .check = check_poll)

static long run_qstat(struct ctx *c)
{
	memset(&c->req.qstat, 0, sizeof(c->req.qstat));
	c->req.qstat.size = sizeof(c->req.qstat);
	return ioctl_ret(c->q, KIPC_IOC_QUEUE_STAT, &c->req.qstat);
}

static int check_qstat(struct ctx *c, long ret)
{
	if (ret >= 0) {
		CHECK(c->req.qstat.id == c->id && c->req.qstat.msgs == 1);
		CHECK(c->req.qstat.cap_msgs == QMSGS);
		CHECK(c->req.qstat.msgsize == QMSGSIZE);
	}
	return q_expect(c->q, &one, 1, "queue stat");
}

QUEUE_CASE(queue_stat, .name = "queue stat", .prepare = prep_one,
	   .run = run_qstat, .check = check_qstat)

static long run_kick(struct ctx *c)
{
	struct kipc_ring_kick k = { .size = sizeof(k) };

	return ioctl_ret(c->q, KIPC_IOC_RING_KICK, &k);
}

static int check_kick(struct ctx *c, long ret)
{
	return q_expect(c->q, &one, 1, "kick");
}

QUEUE_CASE(ring_kick, .name = "ring kick", .prepare = prep_one,
	   .run = run_kick, .check = check_kick)

/* Lane registration: a failed one must not hold a lane. */
static int prep_lane(struct ctx *c)
{
	struct kipc_queue_stat st;

	c->h = obj_open(c->dev, KIPC_OBJ_QUEUE, "fn-lane", RW, 0, NULL);
	if (c->h < 0 || queue_stat(c->h, &st))
		return -1;
	c->lanes0 = st.lanes;
	return 0;
}

static long run_lane(struct ctx *c)
{
	struct kipc_ring_lane_req l = { .size = sizeof(l) };
	int ret = ioctl_ret(c->h, KIPC_IOC_RING_LANE, &l);

	return ret < 0 ? ret : (long)l.lane;
}

static int check_lane(struct ctx *c, long ret)
{
	struct kipc_queue_stat st;

	CHECK(queue_stat(c->h, &st) == 0);
	if (st.lanes != c->lanes0 + (ret >= 0)) {
		fprintf(stderr, "# lanes %u after, %u before\n", st.lanes,
			c->lanes0);
		return -1;
	}
	CHECK(q_send(c->h, &one) == 0);
	return q_expect(c->h, &one, 1, "lane");
}

FAIL_NTH(ring_lane)
{
	struct op op = { .name = "ring lane", .prepare = prep_lane,
			 .run = run_lane, .check = check_lane,
			 .cleanup = close_h };

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, "fn-lane",
			     RW | KIPC_OPEN_CREATE, 0, NULL);
	ASSERT_LE(0, self->c.q);
	sweep(_metadata, &self->c, &op);
	EXPECT_EQ(0, unlink_obj(self->c.dev, KIPC_OBJ_QUEUE, "fn-lane"));
}

static long run_mmap(struct ctx *c)
{
	int fd = c->otype == KIPC_OBJ_SEM ? c->s : c->q;

	c->map = mmap(NULL, c->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		      0);
	return c->map == MAP_FAILED ? -errno : 0;
}

static int check_mmap(struct ctx *c, long ret)
{
	if (ret >= 0) {
		if (c->otype == KIPC_OBJ_SEM) {
			const struct kipc_sem_page *p = c->map;

			CHECK((p->state & KIPC_SEM_VALUE_MASK) == 3);
		} else {
			const struct kipc_ring_hdr *h = c->map;

			CHECK(h->magic == KIPC_RING_MAGIC);
			CHECK(h->cap_msgs == QMSGS && h->msgsize == QMSGSIZE);
		}
		CHECK(munmap(c->map, c->maplen) == 0);
	}
	if (c->otype == KIPC_OBJ_SEM) {
		CHECK(sem_value(c->s) == 3);
		return 0;
	}
	return q_expect(c->q, &one, 1, "mmap");
}

FAIL_NTH(mmap_queue)
{
	struct op op = { .name = "mmap queue", .prepare = prep_one,
			 .run = run_mmap, .check = check_mmap };
	struct kipc_queue_stat st;

	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	ASSERT_LE(0, self->c.q);
	ASSERT_EQ(0, queue_stat(self->c.q, &st));
	self->c.maplen = st.ring_bytes;
	self->c.otype = KIPC_OBJ_QUEUE;
	sweep(_metadata, &self->c, &op);
}

FAIL_NTH(mmap_sem)
{
	struct op op = { .name = "mmap sem", .run = run_mmap,
			 .check = check_mmap };

	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 3, NULL);
	ASSERT_LE(0, self->c.s);
	self->c.maplen = sysconf(_SC_PAGESIZE);
	self->c.otype = KIPC_OBJ_SEM;
	sweep(_metadata, &self->c, &op);
}

/*
 * The first undo slot of a semaphore makes its undo page: an allocation
 * that fails leaves no page (its mmap still fails); a result that cannot
 * be written back (EFAULT) leaves the slot given, and the next request
 * tells it.  Either way the next request gets slot 1 and a page that maps.
 */
static int prep_undo(struct ctx *c)
{
	c->h = obj_open(c->dev, KIPC_OBJ_SEM, NULL, RW, 3, NULL);
	return c->h < 0 ? -1 : 0;
}

static long run_undo_slot(struct ctx *c)
{
	struct kipc_sem_undo_slot u = { .size = sizeof(u) };
	int ret = ioctl_ret(c->h, KIPC_IOC_SEM_UNDO_SLOT, &u);

	return ret < 0 ? ret : (long)u.slot;
}

static int check_undo_slot(struct ctx *c, long ret)
{
	long psz = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, psz, PROT_READ, MAP_SHARED, c->h,
		       KIPC_SEM_UNDO_PGOFF * psz);

	if (ret < 0) {
		CHECK(ret == -ENOMEM || ret == -EFAULT);
		if (ret == -ENOMEM)
			CHECK(p == MAP_FAILED && errno == EINVAL);
		else if (p != MAP_FAILED)
			CHECK(munmap(p, psz) == 0);
		CHECK(run_undo_slot(c) == 1);
		p = mmap(NULL, psz, PROT_READ, MAP_SHARED, c->h,
			 KIPC_SEM_UNDO_PGOFF * psz);
	} else {
		CHECK(ret == 1);
	}
	CHECK(p != MAP_FAILED);
	CHECK(munmap(p, psz) == 0);
	CHECK(sem_value(c->h) == 3);
	return 0;
}

FAIL_NTH(sem_undo_slot)
{
	struct op op = { .name = "sem undo slot", .prepare = prep_undo,
			 .run = run_undo_slot, .check = check_undo_slot,
			 .cleanup = close_h };

	sweep(_metadata, &self->c, &op);
}

/* ---- Semaphore operations -------------------------------------------- */

static int prep_sem3(struct ctx *c)
{
	struct kipc_sem_stat st;

	if (s_stat(c->s, &st) || st.value != 3 || st.undo || st.nwaiters) {
		fprintf(stderr, "# semaphore value %u undo %llu waiters %u\n",
			st.value, (unsigned long long)st.undo, st.nwaiters);
		return -1;
	}
	return 0;
}

static long run_p(struct ctx *c)
{
	return sem_p(c->s, 1, c->flags);
}

static int check_p(struct ctx *c, long ret)
{
	struct kipc_sem_stat st;
	bool undo = c->flags & KIPC_SEM_UNDO;

	CHECK(s_stat(c->s, &st) == 0 && st.nwaiters == 0);
	if (ret < 0) {
		CHECK(st.value == 3 && st.undo == 0);
	} else {
		CHECK(ret == 0);
		CHECK(st.value == 2 && st.undo == (undo ? 1 : 0));
	}
	return 0;
}

static void cleanup_p(struct ctx *c, long ret)
{
	if (ret >= 0)
		sem_v(c->s, 1, c->flags & KIPC_SEM_UNDO);
}

#define SEM_CASE(_case, _flags, ...)                                           \
	FAIL_NTH(_case)                                                        \
	{                                                                      \
		struct op op = { __VA_ARGS__ };                                \
		self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 3,   \
				     &self->c.id);                             \
		ASSERT_LE(0, self->c.s);                                       \
		self->c.flags = _flags;                                        \
		sweep(_metadata, &self->c, &op);                               \
	}

SEM_CASE(sem_p, 0, .name = "sem P", .prepare = prep_sem3, .run = run_p,
	 .check = check_p, .cleanup = cleanup_p)
SEM_CASE(sem_p_undo, KIPC_SEM_UNDO, .name = "sem P undo",
	 .prepare = prep_sem3, .run = run_p, .check = check_p,
	 .cleanup = cleanup_p)

static long run_v(struct ctx *c)
{
	return sem_v(c->s, 1, 0);
}

static int check_v(struct ctx *c, long ret)
{
	CHECK(sem_value(c->s) == (ret < 0 ? 3 : 4));
	return 0;
}

static void cleanup_v(struct ctx *c, long ret)
{
	if (ret >= 0)
		sem_p(c->s, 1, KIPC_SEM_NONBLOCK);
}

SEM_CASE(sem_v, 0, .name = "sem V", .prepare = prep_sem3, .run = run_v,
	 .check = check_v, .cleanup = cleanup_v)

/* A thread blocked in P(5) on c->s: the stat has a waiter to report. */
static void *sem_blocker(void *arg)
{
	struct ctx *c = arg;

	c->thr_ret = sem_p(c->s, 5, 0);
	__atomic_store_n(&c->thr_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static long run_sstat(struct ctx *c)
{
	memset(&c->req.sstat, 0, sizeof(c->req.sstat));
	memset(c->waiters, 0, sizeof(c->waiters));
	c->req.sstat.size = sizeof(c->req.sstat);
	c->req.sstat.capacity = 4;
	c->req.sstat.waiters = (uintptr_t)c->waiters;
	return ioctl_ret(c->s, KIPC_IOC_SEM_STAT, &c->req.sstat);
}

static int check_sstat(struct ctx *c, long ret)
{
	struct kipc_sem_stat st;

	if (ret >= 0) {
		CHECK(c->req.sstat.value == 3 && c->req.sstat.nwaiters == 1);
		CHECK(c->req.sstat.id == c->id);
		CHECK(c->waiters[0].count == 5);
		CHECK(c->waiters[0].pid == (uint32_t)getpid());
	}
	CHECK(s_stat(c->s, &st) == 0 && st.value == 3 && st.nwaiters == 1);
	return 0;
}

FAIL_NTH(sem_stat)
{
	struct op op = { .name = "sem stat", .run = run_sstat,
			 .check = check_sstat };

	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 3,
			     &self->c.id);
	ASSERT_LE(0, self->c.s);
	ASSERT_EQ(0, pthread_create(&self->c.thr, NULL, sem_blocker, &self->c));
	ASSERT_EQ(0, WAIT_FOR(({
		struct kipc_sem_stat st;

		s_stat(self->c.s, &st) ? 0 : st.nwaiters;
	}), 1));
	sweep(_metadata, &self->c, &op);
	EXPECT_EQ(0, sem_v(self->c.s, 2, 0));
	pthread_join(self->c.thr, NULL);
	EXPECT_EQ(0, self->c.thr_ret);
	EXPECT_EQ(0, sem_value(self->c.s));
}

/*
 * A waiter handed units: its own thread arms its fail-nth and blocks in
 * P(2) on a semaphore at 0; once it waits (or failed before), V(2).
 */
static void *sem_waiter(void *arg)
{
	struct ctx *c = arg;
	int fd = nth_open(), injected;

	if (fd < 0 || nth_arm(fd, c->n)) {
		c->thr_err = true;
		c->thr_done = 1;
		return NULL;
	}
	c->thr_ret = sem_p(c->s, 2, c->flags);
	injected = nth_disarm(fd);
	c->thr_err = injected < 0;
	c->thr_injected = injected > 0;
	close(fd);
	__atomic_store_n(&c->thr_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int prep_sem0(struct ctx *c)
{
	struct kipc_sem_stat st;

	return s_stat(c->s, &st) || st.value || st.nwaiters || st.undo ? -1
								       : 0;
}

static long run_sem_wait(struct ctx *c)
{
	struct kipc_sem_stat st;
	double end = now_mono() + 20;

	c->thr_done = 0;
	c->thr_err = false;
	if (pthread_create(&c->thr, NULL, sem_waiter, c))
		return -EBADE;
	while (!__atomic_load_n(&c->thr_done, __ATOMIC_ACQUIRE) &&
	       now_mono() < end) {
		if (!s_stat(c->s, &st) && st.nwaiters == 1)
			break;
		usleep(500);
	}
	if (sem_v(c->s, 2, 0))
		c->thr_err = true;
	pthread_join(c->thr, NULL);
	c->injected = c->thr_injected;
	return c->thr_err ? -EBADE : c->thr_ret;
}

static int check_sem_wait(struct ctx *c, long ret)
{
	struct kipc_sem_stat st;

	CHECK(s_stat(c->s, &st) == 0 && st.nwaiters == 0);
	CHECK(st.value == (ret < 0 ? 2 : 0) && st.undo == 0);
	return 0;
}

static void cleanup_sem_wait(struct ctx *c, long ret)
{
	if (ret < 0)
		sem_p(c->s, 2, KIPC_SEM_NONBLOCK);
}

FAIL_NTH(sem_p_waiting)
{
	struct op op = { .name = "sem P (waits, handed)", .prepare = prep_sem0,
			 .run = run_sem_wait, .check = check_sem_wait,
			 .cleanup = cleanup_sem_wait, .self_arm = true };

	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 0, NULL);
	ASSERT_LE(0, self->c.s);
	sweep(_metadata, &self->c, &op);
}

/* ---- io_uring: uring_cmd receive and P ------------------------------- */

#ifdef HAVE_LIBURING_TEST
static int prep_ring(struct ctx *c)
{
	struct io_uring_sqe *sqe;

	if (io_uring_queue_init(4, &c->ring, 0))
		return -1;
	c->ring_up = true;
	sqe = io_uring_get_sqe(&c->ring);
	if (!sqe)
		return -1;
	memset(c->buf, 0, sizeof(c->buf));
	if (c->otype == KIPC_OBJ_QUEUE) {
		if (q_fill(c->q, base2, 2))
			return -1;
		if (lkipc_queue_recv_req(&c->hq, &c->req.recv, c->buf,
					 QMSGSIZE, KIPC_SEL_ANY, 0, 0, NULL))
			return -1;
		lkipc_prep_recv_cmd(sqe, &c->hq, &c->req.recv);
	} else {
		if (prep_sem3(c))
			return -1;
		if (lkipc_sem_wait_req(&c->hs, &c->req.swait, 1, 0, NULL))
			return -1;
		lkipc_prep_sem_wait_cmd(sqe, &c->hs, &c->req.swait);
	}
	return 0;
}

/* Submit and wait: the completion's res, or io_uring_enter's -errno. */
static long run_ring(struct ctx *c)
{
	struct io_uring_cqe *cqe;
	int ret;

	ret = io_uring_submit_and_wait(&c->ring, 1);
	if (ret < 0)
		return ret;
	if (io_uring_peek_cqe(&c->ring, &cqe))
		return -EBADE;
	ret = cqe->res;
	io_uring_cqe_seen(&c->ring, cqe);
	return ret;
}

static int check_ring(struct ctx *c, long ret)
{
	if (c->otype == KIPC_OBJ_SEM) {
		CHECK(sem_value(c->s) == (ret < 0 ? 3 : 2));
		return 0;
	}
	if (ret < 0)
		return q_expect(c->q, base2, 2, "failed uring recv");
	CHECK(ret == 4 && c->req.recv.type == 1 && !strcmp(c->buf, "one"));
	return q_expect(c->q, base2 + 1, 1, "uring recv");
}

static void cleanup_ring(struct ctx *c, long ret)
{
	if (c->ring_up)
		io_uring_queue_exit(&c->ring);
	c->ring_up = false;
	if (c->otype == KIPC_OBJ_SEM && ret >= 0)
		sem_v(c->s, 1, 0);
}

static const struct op op_ring = {
	.prepare = prep_ring, .run = run_ring, .check = check_ring,
	.cleanup = cleanup_ring, .eagain = true,
};
#endif

FAIL_NTH(uring_recv)
{
#ifdef HAVE_LIBURING_TEST
	struct lkipc k = { .fd = self->c.dev };
	struct op op = op_ring;

	if (!self->c.uring)
		SKIP(return, "no KIPC_FEAT_URING_CMD");
	op.name = "uring_cmd recv";
	self->c.q = obj_open(self->c.dev, KIPC_OBJ_QUEUE, NULL, RW, 0, NULL);
	ASSERT_LE(0, self->c.q);
	/* Unmapped, as the raw descriptor was: the same kernel paths. */
	ASSERT_EQ(0, lkipc_queue_from_fd(&k, &self->c.hq, self->c.q,
					 LKIPC_OPEN_NOMAP));
	self->c.otype = KIPC_OBJ_QUEUE;
	sweep(_metadata, &self->c, &op);
#else
	SKIP(return, "built without liburing");
#endif
}

FAIL_NTH(uring_p)
{
#ifdef HAVE_LIBURING_TEST
	struct lkipc k = { .fd = self->c.dev };
	struct op op = op_ring;

	if (!self->c.uring)
		SKIP(return, "no KIPC_FEAT_URING_CMD");
	op.name = "uring_cmd P";
	self->c.s = obj_open(self->c.dev, KIPC_OBJ_SEM, NULL, RW, 3, NULL);
	ASSERT_LE(0, self->c.s);
	ASSERT_EQ(0, lkipc_sem_from_fd(&k, &self->c.hs, self->c.s,
				       LKIPC_OPEN_NOMAP));
	self->c.otype = KIPC_OBJ_SEM;
	sweep(_metadata, &self->c, &op);
#else
	SKIP(return, "built without liburing");
#endif
}

/* ---- A new IPC namespace: its first object makes its record ----------- */

static int prep_ns(struct ctx *c)
{
	if (unshare(CLONE_NEWIPC))
		return -1;
	return prep_nr(c) || list_count(c->dev) ? -1 : 0;
}

static int check_ns(struct ctx *c, long ret)
{
	CHECK(nr_objects(c->dev) <= c->nr0 + (ret >= 0));
	CHECK(list_count(c->dev) == (ret >= 0));
	if (ret >= 0) {
		CHECK(q_send(ret, &one) == 0);
		CHECK(q_expect(ret, &one, 1, "queue in a new namespace") == 0);
	}
	return 0;
}

FAIL_NTH(ns_first_object)
{
	struct op op = { .name = "create in new ipcns", .prepare = prep_ns,
			 .run = run_create, .check = check_ns,
			 .cleanup = close_h };

	self->c.otype = KIPC_OBJ_QUEUE;
	sweep(_metadata, &self->c, &op);
}

TEST_HARNESS_MAIN
