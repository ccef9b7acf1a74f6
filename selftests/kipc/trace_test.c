// SPDX-License-Identifier: GPL-2.0
/*
 * The "kipc" tracepoints (Documentation/observability.md): the events are
 * in tracefs, and scripted sequences of semaphore, queue and ring
 * operations produce the expected events, in order, with the right object
 * id, tasks and units, read back from the trace file.  Needs root and
 * tracefs (mounted here if it is not).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define TRACEFS		"/sys/kernel/tracing"
#define TRACE_MAX	(4 << 20)

static const char *const kipc_events[] = {
	"kipc_sem_wait_queued", "kipc_sem_wait_granted", "kipc_sem_wait_left",
	"kipc_sem_post", "kipc_queue_send", "kipc_queue_recv",
	"kipc_queue_handoff", "kipc_queue_block", "kipc_queue_admit",
	"kipc_ring_mode", "kipc_ring_recover", "kipc_ring_scribbled",
};

static int tracefs_write(const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

/*
 * Write "enable" for the kipc events with every other CPU offline, in vm-run's
 * machine (KIPC_VM=1).  Switching events patches the kernel's code (static
 * keys), and under QEMU's multi-threaded TCG another vCPU very rarely runs
 * a half-patched instruction and the guest dies (Documentation/vm-run.md):
 * with one CPU online nobody else runs kernel code meanwhile.  Elsewhere,
 * and where CPUs cannot go offline, the write is made as it is.
 */
static int tracefs_enable(const char *val)
{
	bool vm = getenv("KIPC_VM") != NULL;
	char path[64];
	int cpu, off[64], noff = 0, ret, fd;

	for (cpu = 1; vm && cpu < 64; cpu++) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", cpu);
		fd = open(path, O_WRONLY);
		if (fd < 0)
			continue;
		if (write(fd, "0", 1) == 1)
			off[noff++] = cpu;
		close(fd);
	}
	ret = tracefs_write("events/kipc/enable", val);
	while (noff--) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/cpu/cpu%d/online", off[noff]);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, "1", 1) != 1)
			ret = ret ? ret : -EIO;
		if (fd >= 0)
			close(fd);
	}
	return ret;
}

static bool tracefs_ready(void)
{
	struct stat st;

	if (stat(TRACEFS "/events/kipc", &st) == 0)
		return true;
	mount("nodev", TRACEFS, "tracefs", 0, NULL);
	return stat(TRACEFS "/events/kipc", &st) == 0;
}

/* The trace, read from its start, and how far the checks have got. */
struct trace {
	char *buf;
	size_t len;
	size_t pos;
};

static int trace_read(struct trace *t)
{
	ssize_t n;
	int fd;

	fd = open(TRACEFS "/trace", O_RDONLY);
	if (fd < 0)
		return -errno;
	t->len = 0;
	t->pos = 0;
	while (t->len < TRACE_MAX - 1 &&
	       (n = read(fd, t->buf + t->len, TRACE_MAX - 1 - t->len)) > 0)
		t->len += n;
	close(fd);
	t->buf[t->len] = '\0';
	return 0;
}

/*
 * The task of a trace line ("comm-pid [cpu] ..."): the digits after the
 * last '-' before the first " [".
 */
static pid_t line_pid(const char *line, const char *end)
{
	const char *cpu = strstr(line, " [");
	const char *p;

	if (!cpu || cpu > end)
		return -1;
	for (p = cpu; p > line && p[-1] == ' '; p--)
		;
	while (p > line && p[-1] != '-')
		p--;
	return p > line ? atoi(p) : -1;
}

/*
 * Find the next line, after the previous match, that ends in "want" and
 * (if task is not 0) was written by task; move past it.
 */
static bool trace_next(struct trace *t, const char *want, pid_t task)
{
	size_t wlen = strlen(want);

	while (t->pos < t->len) {
		char *line = t->buf + t->pos;
		char *end = strchr(line, '\n');

		if (!end)
			end = t->buf + t->len;
		t->pos = end - t->buf + 1;
		if ((size_t)(end - line) < wlen + 1 ||
		    memcmp(end - wlen, want, wlen) || end[-wlen - 1] != ' ')
			continue;
		if (!task || line_pid(line, end) == task)
			return true;
	}
	return false;
}

/*
 * EXPECT the next matching event: printf-style fields, written by task.
 * After a missing one the rest are not looked for (all would be missing).
 */
#define EXPECT_EVENT(_t, _task, _fmt, ...)                                     \
	do {                                                                   \
		char _want[256];                                               \
		if ((_t)->pos > (_t)->len)                                     \
			break;                                                 \
		snprintf(_want, sizeof(_want), _fmt, ##__VA_ARGS__);           \
		if (trace_next(_t, _want, _task))                              \
			break;                                                 \
		TH_LOG("missing, in order: \"%s\" by %d", _want,              \
		       (int)(_task));                                          \
		dump_kipc_events(_t);                                          \
		EXPECT_TRUE(false);                                            \
	} while (0)

/* On a failure: the kipc events of the trace, to see what came instead. */
static void dump_kipc_events(struct trace *t)
{
	char *line = t->buf, *end;

	while (line < t->buf + t->len) {
		end = strchr(line, '\n');
		if (!end)
			break;
		if (strstr(line, ": kipc_") && strstr(line, ": kipc_") < end)
			fprintf(stderr, "#   %.*s\n", (int)(end - line), line);
		line = end + 1;
	}
	t->pos = t->len + 1;
}

/* Trace the kipc events only, from an empty buffer. */
static void trace_begin(struct __test_metadata *_metadata, struct lkipc *k,
			struct trace *t)
{
	if (geteuid() != 0)
		SKIP(return, "tracefs needs root");
	if (!tracefs_ready())
		SKIP(return, "no " TRACEFS "/events/kipc");
	t->buf = malloc(TRACE_MAX);
	ASSERT_NE(NULL, t->buf);
	ASSERT_EQ(0, lkipc_open(k, 0));
	ASSERT_EQ(0, tracefs_write("tracing_on", "0"));
	/* One order across CPUs: the children run beside the parent. */
	ASSERT_EQ(0, tracefs_write("trace_clock", "global"));
	ASSERT_EQ(0, tracefs_write("trace", ""));
	ASSERT_EQ(0, tracefs_enable("1"));
	ASSERT_EQ(0, tracefs_write("tracing_on", "1"));
}

static void trace_end(struct lkipc *k, struct trace *t)
{
	if (!t->buf)
		return;
	tracefs_enable("0");
	tracefs_write("trace", "");
	tracefs_write("tracing_on", "1");
	free(t->buf);
	lkipc_close(k);
}

FIXTURE(trace) {
	struct lkipc k;
	struct trace t;
};

FIXTURE_SETUP(trace)
{
	trace_begin(_metadata, &self->k, &self->t);
}

FIXTURE_TEARDOWN(trace)
{
	trace_end(&self->k, &self->t);
}

/* Stop tracing and read what the test did. */
static int trace_stop(struct trace *t)
{
	int ret = tracefs_write("tracing_on", "0");

	return ret ? ret : trace_read(t);
}

static uint64_t sem_id(struct lkipc_sem *sem, unsigned int *nwaiters)
{
	struct kipc_sem_stat st;

	if (lkipc_sem_stat(sem, &st, NULL, 0))
		return 0;
	if (nwaiters)
		*nwaiters = st.nwaiters;
	return st.id;
}

/* Every event of the kipc system is in tracefs, with its format. */
TEST_F(trace, events_in_tracefs)
{
	char path[256], fmt[4096];
	unsigned int i;
	ssize_t n;
	int fd;

	for (i = 0; i < sizeof(kipc_events) / sizeof(kipc_events[0]); i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/kipc/%s/format",
			 kipc_events[i]);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd) TH_LOG("%s", path);
		n = read(fd, fmt, sizeof(fmt) - 1);
		close(fd);
		ASSERT_LT(0, n);
		fmt[n] = '\0';
		/* Every event follows an object. */
		EXPECT_NE(NULL, strstr(fmt, "field:u64 id;")) TH_LOG("%s", fmt);
	}
	fd = open(TRACEFS "/events/kipc/kipc_sem_wait_queued/format",
		  O_RDONLY);
	ASSERT_LE(0, fd);
	n = read(fd, fmt, sizeof(fmt) - 1);
	close(fd);
	ASSERT_LT(0, n);
	fmt[n] = '\0';
	EXPECT_NE(NULL, strstr(fmt, "field:pid_t pid;"));
	EXPECT_NE(NULL, strstr(fmt, "field:u32 count;"));
}

/*
 * Two P's wait (2 units, then 1); one V of 3 hands the units to both, in
 * queue order, in the poster's own events.
 */
TEST_F(trace, sem_wait_post_grant)
{
	pid_t me = getpid(), c1, c2;
	struct lkipc_sem sem;
	uint64_t id;
	int fd;

	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, KIPC_OPEN_CREATE,
				    0600, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	id = sem_id(&sem, NULL);
	ASSERT_NE(0, id);
	c1 = spawn_p(fd, 2, 0);
	ASSERT_EQ(0, WAIT_FOR(sem_nwaiters(fd), 1));
	c2 = spawn_p(fd, 1, 0);
	ASSERT_EQ(0, WAIT_FOR(sem_nwaiters(fd), 2));
	ASSERT_EQ(0, lkipc_sem_post(&sem, 3, 0));
	EXPECT_EQ(0, reap(c1));
	EXPECT_EQ(0, reap(c2));
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, c1, "kipc_sem_wait_queued: id=%llu pid=%d count=2 value=0 nwaiters=1",
		     (unsigned long long)id, c1);
	EXPECT_EVENT(&self->t, c2, "kipc_sem_wait_queued: id=%llu pid=%d count=1 value=0 nwaiters=2",
		     (unsigned long long)id, c2);
	EXPECT_EVENT(&self->t, me, "kipc_sem_post: id=%llu count=3 value=3 nwaiters=2",
		     (unsigned long long)id);
	EXPECT_EVENT(&self->t, me, "kipc_sem_wait_granted: id=%llu pid=%d count=2 value=1",
		     (unsigned long long)id, c1);
	EXPECT_EVENT(&self->t, me, "kipc_sem_wait_granted: id=%llu pid=%d count=1 value=0",
		     (unsigned long long)id, c2);
	EXPECT_EQ(0, lkipc_sem_close(&sem));
}

/* How a waiter leaves without units, and the reason its event gives. */
FIXTURE(left) {
	struct lkipc k;
	struct trace t;
};

FIXTURE_VARIANT(left) {
	const char *reason;
};

FIXTURE_VARIANT_ADD(left, signal) { .reason = "signal" };
FIXTURE_VARIANT_ADD(left, deadline) { .reason = "deadline" };
FIXTURE_VARIANT_ADD(left, death) { .reason = "death" };
FIXTURE_VARIANT_ADD(left, destroy) { .reason = "destroy" };

FIXTURE_SETUP(left)
{
	trace_begin(_metadata, &self->k, &self->t);
}

FIXTURE_TEARDOWN(left)
{
	trace_end(&self->k, &self->t);
}

static void on_usr1(int sig)
{
	(void)sig;
}

TEST_F(left, sem_wait)
{
	const char *why = variant->reason;
	struct lkipc_sem sem;
	struct timespec ts;
	uint64_t id;
	pid_t pid;
	int fd;

	ASSERT_EQ(0, lkipc_sem_open(&self->k, &sem, NULL, KIPC_OPEN_CREATE,
				    0600, 0));
	fd = sem.fd;
	ASSERT_LE(0, fd);
	id = sem_id(&sem, NULL);
	pid = fork_child();
	if (pid == 0) {
		struct sigaction sa = { .sa_handler = on_usr1 };

		sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
		ts = in_future(CLOCK_MONOTONIC, 100 * 1000000LL);
		_exit(-lkipc_sem_wait(&sem, 1, 0,
				      strcmp(why, "deadline") ? NULL : &ts));
	}
	if (strcmp(why, "deadline")) {
		ASSERT_EQ(0, WAIT_FOR(sem_nwaiters(fd), 1));
	}
	if (!strcmp(why, "signal")) {
		kill(pid, SIGUSR1);
		EXPECT_EQ(EINTR, reap(pid));
	} else if (!strcmp(why, "death")) {
		kill(pid, SIGKILL);
		EXPECT_EQ(1000 + SIGKILL, reap(pid));
	} else if (!strcmp(why, "destroy")) {
		ASSERT_EQ(0, lkipc_sem_destroy(&sem));
		EXPECT_EQ(EIDRM, reap(pid));
	} else {
		EXPECT_EQ(ETIMEDOUT, reap(pid));
	}
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, pid, "kipc_sem_wait_queued: id=%llu pid=%d count=1 value=0 nwaiters=1",
		     (unsigned long long)id, pid);
	EXPECT_EVENT(&self->t, !strcmp(why, "destroy") ? getpid() : pid,
		     "kipc_sem_wait_left: id=%llu pid=%d count=1 reason=%s",
		     (unsigned long long)id, pid, why);
	EXPECT_EQ(0, lkipc_sem_close(&sem));
}

/* ---- Queues ---------------------------------------------------------- */

static int qsend(int fd, int64_t type, const void *buf, uint32_t len)
{
	struct kipc_send s = {
		.size = sizeof(s), .len = len, .type = type,
		.buf = (uintptr_t)buf,
	};

	return ioctl(fd, KIPC_IOC_SEND, &s) ? -errno : 0;
}

static int qrecv(int fd, void *buf, uint32_t len)
{
	struct kipc_recv r = {
		.size = sizeof(r), .select = KIPC_SEL_ANY, .len = len,
		.buf = (uintptr_t)buf,
	};
	int ret = ioctl(fd, KIPC_IOC_RECV, &r);

	return ret < 0 ? -errno : ret;
}

/* A new queue in *q: its descriptor, or -errno. */
static int queue_new(struct lkipc *k, struct lkipc_queue *q,
		     unsigned int msgs, uint64_t *id)
{
	struct lkipc_queue_attr attr = { .msgs = msgs, .msgsize = 64 };
	struct kipc_queue_stat st;
	int ret;

	ret = lkipc_queue_open(k, q, NULL, KIPC_OPEN_CREATE, 0600, &attr);
	if (ret < 0)
		return ret;
	if (lkipc_queue_stat(q, &st) == 0)
		*id = st.id;
	return q->fd;
}

static unsigned int q_waiters(struct lkipc_queue *q, bool send)
{
	struct kipc_queue_stat st;

	if (lkipc_queue_stat(q, &st))
		return ~0u;
	return send ? st.nsenders : st.nreceivers;
}

/*
 * A receiver blocks (the ring goes to kernel mode); a send is handed to
 * it; it takes the message and the ring goes back to fast mode.
 */
TEST_F(trace, queue_handoff)
{
	pid_t me = getpid(), pid;
	unsigned long long qid;
	struct lkipc_queue q;
	uint64_t id = 0;
	int fd;

	fd = queue_new(&self->k, &q, 4, &id);
	ASSERT_LE(0, fd);
	qid = id;
	pid = fork_child();
	if (pid == 0) {
		char buf[64];

		_exit(qrecv(fd, buf, sizeof(buf)) == 5 ? 0 : 1);
	}
	ASSERT_EQ(0, WAIT_FOR(q_waiters(&q, false), 1));
	ASSERT_EQ(0, qsend(fd, 7, "hello", 5));
	EXPECT_EQ(0, reap(pid));
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, pid, "kipc_queue_block: id=%llu pid=%d op=recv nwaiters=1",
		     qid, pid);
	EXPECT_EVENT(&self->t, pid, "kipc_ring_mode: id=%llu mode=kernel nsenders=0 nreceivers=1 npending=0",
		     qid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_send: id=%llu type=7 len=5 nmsgs=1",
		     qid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_handoff: id=%llu pid=%d type=7 len=5",
		     qid, pid);
	EXPECT_EVENT(&self->t, pid, "kipc_queue_recv: id=%llu type=7 len=5 nmsgs=0",
		     qid);
	EXPECT_EVENT(&self->t, pid, "kipc_ring_mode: id=%llu mode=fast nsenders=0 nreceivers=0 npending=0",
		     qid);
	EXPECT_EQ(0, lkipc_queue_close(&q));
}

/* A sender blocks on a full queue; a receive makes room and admits it. */
TEST_F(trace, queue_sender_admitted)
{
	pid_t me = getpid(), pid;
	unsigned long long qid;
	char buf[64];
	struct lkipc_queue q;
	uint64_t id = 0;
	int fd;

	fd = queue_new(&self->k, &q, 1, &id);
	ASSERT_LE(0, fd);
	qid = id;
	ASSERT_EQ(0, qsend(fd, 1, "first", 5));
	pid = fork_child();
	if (pid == 0)
		_exit(-qsend(fd, 2, "second", 6));
	ASSERT_EQ(0, WAIT_FOR(q_waiters(&q, true), 1));
	EXPECT_EQ(5, qrecv(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(6, qrecv(fd, buf, sizeof(buf)));
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, me, "kipc_queue_send: id=%llu type=1 len=5 nmsgs=1",
		     qid);
	EXPECT_EVENT(&self->t, pid, "kipc_queue_block: id=%llu pid=%d op=send nwaiters=1",
		     qid, pid);
	EXPECT_EVENT(&self->t, pid, "kipc_ring_mode: id=%llu mode=kernel nsenders=1 nreceivers=0 npending=0",
		     qid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_recv: id=%llu type=1 len=5 nmsgs=0",
		     qid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_admit: id=%llu pid=%d len=6",
		     qid, pid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_send: id=%llu type=2 len=6 nmsgs=1",
		     qid);
	EXPECT_EVENT(&self->t, me, "kipc_queue_recv: id=%llu type=2 len=6 nmsgs=0",
		     qid);
	EXPECT_EQ(0, lkipc_queue_close(&q));
}

/* ---- The shared ring -------------------------------------------------- */

static int kick(int fd)
{
	struct kipc_ring_kick kk = { .size = sizeof(kk) };

	return ioctl(fd, KIPC_IOC_RING_KICK, &kk) ? -errno : 0;
}

struct mapped {
	struct kipc_ring_hdr *hdr;
	size_t len;
};

static int map_ring(struct lkipc_queue *q, struct mapped *m)
{
	struct kipc_queue_stat st;

	if (lkipc_queue_stat(q, &st))
		return -1;
	m->len = st.ring_bytes;
	m->hdr = mmap(NULL, m->len, PROT_READ | PROT_WRITE, MAP_SHARED, q->fd,
		      0);
	return m->hdr == MAP_FAILED ? -1 : 0;
}

/*
 * A fast sender claims position 0 (its lane names it, prod moves past it)
 * and is killed before it publishes the slot.  The next kernel operation
 * finds no living claimant: it frees the position and counts it lost.
 */
TEST_F(trace, ring_dead_sender_recovered)
{
	struct kipc_queue_stat st;
	unsigned long long qid;
	int ready[2], fd;
	struct mapped m;
	struct lkipc_queue q;
	uint64_t id = 0;
	pid_t pid;
	char c;

	fd = queue_new(&self->k, &q, 4, &id);
	ASSERT_LE(0, fd);
	qid = id;
	ASSERT_EQ(0, map_ring(&q, &m));
	ASSERT_TRUE(m.hdr->flags & KIPC_RING_FASTSEND);
	ASSERT_EQ(0, pipe(ready));
	pid = fork_child();
	if (pid == 0) {
		struct kipc_ring_lane_req req = { .size = sizeof(req) };
		struct kipc_ring_lane *lane;
		__u64 w = 0;

		if (ioctl(fd, KIPC_IOC_RING_LANE, &req))
			_exit(1);
		lane = (struct kipc_ring_lane *)((char *)m.hdr +
						 m.hdr->lanes_offset) +
		       req.lane;
		/* S4 and S5 of the protocol, then nothing: killed here. */
		__atomic_store_n(&lane->intent, KIPC_LANE_SEND | 0,
				 __ATOMIC_RELAXED);
		if (!__atomic_compare_exchange_n(&m.hdr->prod, &w, 1, 0,
						 __ATOMIC_SEQ_CST,
						 __ATOMIC_RELAXED))
			_exit(2);
		if (write(ready[1], "x", 1) != 1)
			_exit(3);
		pause();
		_exit(4);
	}
	ASSERT_EQ(1, read(ready[0], &c, 1));
	kill(pid, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(pid));
	EXPECT_EQ(0, kick(fd));
	ASSERT_EQ(0, lkipc_queue_stat(&q, &st));
	EXPECT_EQ(1, st.lost);
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, getpid(), "kipc_ring_recover: id=%llu pos=0 claimant=send lost=1",
		     qid);
	close(ready[0]);
	close(ready[1]);
	munmap(m.hdr, m.len);
	EXPECT_EQ(0, lkipc_queue_close(&q));
}

/* Impossible position words: the event gives them and the kernel's own. */
TEST_F(trace, ring_scribbled)
{
	unsigned long long qid;
	uint64_t far = KIPC_RING_POS_MASK - 1, id = 0;
	struct lkipc_queue q;
	struct mapped m;
	int fd;

	fd = queue_new(&self->k, &q, 4, &id);
	ASSERT_LE(0, fd);
	qid = id;
	ASSERT_EQ(0, map_ring(&q, &m));
	__atomic_store_n(&m.hdr->cons, far, __ATOMIC_RELEASE);
	__atomic_store_n(&m.hdr->prod, far, __ATOMIC_RELEASE);
	EXPECT_EQ(0, kick(fd));
	ASSERT_EQ(0, trace_stop(&self->t));

	EXPECT_EVENT(&self->t, getpid(), "kipc_ring_scribbled: id=%llu head=0 tail=0 prod=%llu cons=%llu",
		     qid, (unsigned long long)far, (unsigned long long)far);
	munmap(m.hdr, m.len);
	EXPECT_EQ(0, lkipc_queue_close(&q));
}

TEST_HARNESS_MAIN
