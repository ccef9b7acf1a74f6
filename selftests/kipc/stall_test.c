// SPDX-License-Identifier: GPL-2.0
/*
 * One process must not stall kipc for everyone.  A "staller" makes its
 * queue's copies to or from user memory as slow as it can: the memory a
 * send (or a batch's entry array) reads, or a receive writes, is a page
 * registered with userfaultfd in missing mode, and the test leaves the
 * fault unresolved for HOLD_MS.  Meanwhile other processes use kipc and
 * must finish within BOUND_MS:
 *
 *  - /proc/kipc, KIPC_IOC_LIST, and another user's KIPC_IOC_OPEN of a new
 *    object while a /proc/kipc reader is in progress.  These need the
 *    registry not to take a queue's lock under its own: they fail until
 *    the registry no longer does so (kipc_registry.c, not this series);
 *  - P/V on another semaphore and send/receive on another queue (these
 *    never depended on the stalled queue);
 *  - send/receive on the SAME queue while a batch's second entry is the
 *    one stuck (the entries are read before the queue's lock is taken);
 *  - send/receive on the SAME queue while a single send's message is the
 *    one stuck (it is copied into a kernel buffer before the lock), or a
 *    send batch's second message (the later ones are copied in before the
 *    lock is taken for them);
 *  - send/receive on the SAME queue while a receive's buffer is the one
 *    stuck, or a peek's, or a receive batch's second entry's: the message
 *    is copied into a kernel buffer under the lock and out after it, held
 *    for its receiver meanwhile, so that a fault still loses nothing; and
 *    100 rounds of it, which lap the ring while that message is held;
 *  - a batch with an entry_size (or any "size") above KIPC_SIZE_MAX is
 *    refused at once with E2BIG;
 *  - a process that maps the queue's ring while the receive is stalled
 *    finds the ring in kernel mode, without waiting for the lock.
 *
 * And reading a batch's entries first keeps its results: a bad entry
 * gives the same errno, or count, at the same index as before.
 *
 * After the fault is resolved the stalled operation completes, and the
 * queue holds exactly the messages it should.
 *
 * The bound: unstalled, each of these operations takes well under 20 ms
 * in the VM under TCG (the "baseline" case measures and logs them and
 * checks them against BASELINE_MS); a blocked one takes the whole HOLD_MS.
 * BOUND_MS = 200 sits ten times above the first and ten times below the
 * second, so a loaded host neither fails a fixed kernel nor passes a
 * broken one.
 *
 * Forked helpers never use the harness's macros: they report through
 * memory shared with the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

#define HOLD_MS 2000		/* how long the fault stays unresolved */
#define BOUND_MS 200		/* what another user may wait meanwhile */
#define BASELINE_MS 50		/* what an unstalled operation may take */
#define STALL_TYPE 7
#define STALL_LEN 4096
#define PATTERN(i) ((uint8_t)((i) * 7 + 3))

/* ---- Helpers ---------------------------------------------------------- */

static int obj_open(int dev, unsigned int type, const char *name,
		    unsigned int flags)
{
	if (type == KIPC_OBJ_SEM)
		return sem_open_full(dev, name, flags, 0666, 1, 0, NULL);
	return q_open_full(dev, name, flags, 0666, 16, 0, 0, 0, NULL);
}

static int q_send(int fd, int64_t type, const void *buf, uint32_t len,
		  unsigned int flags)
{
	return q_send_full(fd, type, buf, len, flags, NULL);
}

/* A non-blocking receive. */
static int q_recv(int fd, void *buf, uint32_t len, unsigned int sel,
		  int64_t type, int64_t *otype)
{
	return q_recv_full(fd, buf, len, sel, type, KIPC_MSG_NONBLOCK, NULL,
			   otype, NULL);
}

static int batch(int fd, unsigned long cmd, void *msgs, uint32_t count,
		 uint32_t entry_size, unsigned int flags)
{
	struct kipc_batch b;

	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.flags = flags;
	b.count = count;
	b.entry_size = entry_size;
	b.msgs = (uintptr_t)msgs;
	return ioctl_ret(fd, cmd, &b);
}

static int list_objects(int dev, uint32_t entry_size)
{
	static struct kipc_obj_info info[8];
	struct kipc_list l;

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.entry_size = entry_size;
	l.capacity = entry_size == sizeof(info[0]) ? 8 : 0;
	l.entries = (uintptr_t)info;
	return ioctl_ret(dev, KIPC_IOC_LIST, &l);
}

static int read_proc_kipc(void)
{
	char buf[4096];
	ssize_t n;
	int fd;

	fd = open("/proc/kipc", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return n < 0 ? -errno : 0;
}

static double ms_since(double t0)
{
	return (now_mono() - t0) * 1000;
}

/* ---- The staller ------------------------------------------------------ */

enum stall_kind {
	STALL_SEND,		/* KIPC_IOC_SEND of a message in the page */
	STALL_BATCH,		/* KIPC_IOC_SEND_BATCH, entries 1, 2 in it */
	STALL_RECV,		/* KIPC_IOC_RECV of a queued message into it */
	STALL_PEEK,		/* the same with KIPC_MSG_PEEK */
	STALL_BATCH_MSG,	/* KIPC_IOC_SEND_BATCH, entry 1's message in it */
	STALL_RECV_BATCH,	/* KIPC_IOC_RECV_BATCH, entry 1's buffer is it */
};

/*
 * Two pages: "lo" is ordinary memory, "hi" is registered with userfaultfd
 * (missing mode) and left missing, so the first kernel copy from it waits
 * until stall_release() fills it.
 */
struct stall {
	enum stall_kind kind;
	int dev, q;
	int uffd;
	long page;
	uint8_t *lo, *hi;
	struct kipc_mmsg *entries;	/* STALL_BATCH: entry 0 ends "lo" */
	uint8_t bmsg[3][64];		/* STALL_BATCH: the messages */
	pthread_t thread;
	int ret;			/* the stalled operation's result */
	bool started, released;
};

static void *stall_thread(void *arg)
{
	struct stall *st = arg;

	if (st->kind == STALL_SEND)
		st->ret = q_send(st->q, STALL_TYPE, st->hi, STALL_LEN, 0);
	else if (st->kind == STALL_RECV)
		st->ret = q_recv(st->q, st->hi, STALL_LEN, KIPC_SEL_ANY, 0,
				 NULL);
	else if (st->kind == STALL_PEEK)
		st->ret = q_recv_full(st->q, st->hi, STALL_LEN, KIPC_SEL_ANY,
				      0, KIPC_MSG_NONBLOCK | KIPC_MSG_PEEK,
				      NULL, NULL, NULL);
	else
		st->ret = batch(st->q, st->kind == STALL_RECV_BATCH ?
				KIPC_IOC_RECV_BATCH : KIPC_IOC_SEND_BATCH,
				st->entries, 3, sizeof(struct kipc_mmsg),
				st->kind == STALL_RECV_BATCH ?
				KIPC_MSG_NONBLOCK : 0);
	return NULL;
}

static void batch_entry(struct stall *st, struct kipc_mmsg *e, int i)
{
	memset(e, 0, sizeof(*e));
	e->type = i + 1;
	e->buf = (uintptr_t)st->bmsg[i];
	e->len = sizeof(st->bmsg[i]);
}

/* 0 once the stalled operation is blocked in the fault, else -errno. */
static int stall_start(struct stall *st, enum stall_kind kind)
{
	struct uffdio_register reg;
	struct uffdio_api api;
	struct uffd_msg msg;
	struct pollfd pfd;
	int i;

	memset(st, 0, sizeof(*st));
	st->kind = kind;
	st->page = sysconf(_SC_PAGESIZE);
	st->dev = dev_open();
	if (st->dev < 0)
		return -errno;
	st->q = obj_open(st->dev, KIPC_OBJ_QUEUE, NULL, RW);
	if (st->q < 0)
		return st->q;
	st->lo = mmap(NULL, 2 * st->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->lo == MAP_FAILED)
		return -errno;
	st->hi = st->lo + st->page;
	memset(st->lo, 0, st->page);
	for (i = 0; i < 3; i++)
		memset(st->bmsg[i], 'a' + i, sizeof(st->bmsg[i]));
	/* Entry 0 ends the ordinary page; entries 1 and 2 start "hi". */
	st->entries = (struct kipc_mmsg *)(st->hi - sizeof(struct kipc_mmsg));
	batch_entry(st, st->entries, 0);
	if (kind == STALL_BATCH_MSG || kind == STALL_RECV_BATCH) {
		/*
		 * The entries are in "lo"; entry 1's message (or buffer) is
		 * "hi", the others in st->bmsg.  A receive batch first finds
		 * the three messages queued.
		 */
		st->entries = (struct kipc_mmsg *)st->lo;
		for (i = 0; i < 3; i++) {
			batch_entry(st, &st->entries[i], i);
			if (kind == STALL_RECV_BATCH &&
			    q_send(st->q, i + 1, st->bmsg[i],
				   sizeof(st->bmsg[i]), KIPC_MSG_NONBLOCK))
				return -EIO;
		}
		st->entries[1].buf = (uintptr_t)st->hi;
		if (kind == STALL_RECV_BATCH)
			memset(st->bmsg, 0, sizeof(st->bmsg));
	}
	if (kind == STALL_RECV || kind == STALL_PEEK) {
		/* The message to receive, from "lo" (restored after). */
		for (i = 0; i < STALL_LEN; i++)
			st->lo[i] = PATTERN(i);
		i = q_send(st->q, STALL_TYPE, st->lo, STALL_LEN,
			   KIPC_MSG_NONBLOCK);
		memset(st->lo, 0, st->page);
		batch_entry(st, st->entries, 0);
		if (i)
			return i;
	}

	/* Kernel faults too: no UFFD_USER_MODE_ONLY (the VM runs as root). */
	st->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (st->uffd < 0)
		return -errno;
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(st->uffd, UFFDIO_API, &api))
		return -errno;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)st->hi;
	reg.range.len = st->page;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(st->uffd, UFFDIO_REGISTER, &reg))
		return -errno;

	if (pthread_create(&st->thread, NULL, stall_thread, st))
		return -EAGAIN;
	st->started = true;
	pfd = (struct pollfd){ .fd = st->uffd, .events = POLLIN };
	if (poll(&pfd, 1, 10000) != 1)
		return -ETIMEDOUT;
	if (read(st->uffd, &msg, sizeof(msg)) != sizeof(msg))
		return -errno;
	if (msg.event != UFFD_EVENT_PAGEFAULT)
		return -EPROTO;
	return 0;
}

/* Resolve the fault: fill "hi"; the stalled operation completes. */
static int stall_release(struct stall *st)
{
	struct uffdio_copy copy;
	uint8_t *src;
	int i;

	if (!st->started || st->released)
		return 0;
	st->released = true;
	src = aligned_alloc(st->page, st->page);
	if (!src)
		return -ENOMEM;
	memset(src, 0, st->page);
	if (st->kind == STALL_SEND) {
		for (i = 0; i < STALL_LEN; i++)
			src[i] = PATTERN(i);
	} else if (st->kind == STALL_BATCH) {
		struct kipc_mmsg *e = (struct kipc_mmsg *)src;

		batch_entry(st, &e[0], 1);
		batch_entry(st, &e[1], 2);
	} else if (st->kind == STALL_BATCH_MSG) {
		memcpy(src, st->bmsg[1], sizeof(st->bmsg[1]));
	}
	memset(&copy, 0, sizeof(copy));
	copy.dst = (uintptr_t)st->hi;
	copy.src = (uintptr_t)src;
	copy.len = st->page;
	i = ioctl(st->uffd, UFFDIO_COPY, &copy) ? -errno : 0;
	free(src);
	pthread_join(st->thread, NULL);
	return i;
}

/* The ring's position words, as a mapping of its header page shows them. */
static int ring_words(int q, uint64_t *prod, uint64_t *cons)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kipc_ring_hdr *hdr;

	hdr = mmap(NULL, page, PROT_READ, MAP_SHARED, q, 0);
	if (hdr == MAP_FAILED)
		return -errno;
	*prod = __atomic_load_n(&hdr->prod, __ATOMIC_ACQUIRE);
	*cons = __atomic_load_n(&hdr->cons, __ATOMIC_ACQUIRE);
	munmap(hdr, page);
	return 0;
}

/*
 * After the release: the stalled operation succeeded and the queue holds
 * exactly what it sent, in order.  0, or a negative number naming the
 * first difference.
 */
static int stall_check_queue(struct stall *st)
{
	uint8_t buf[STALL_LEN + 64];
	struct kipc_queue_stat qs;
	uint64_t prod, cons;
	int64_t type;
	int i, n;

	if (st->kind == STALL_RECV || st->kind == STALL_PEEK) {
		if (st->ret != STALL_LEN)
			return -1000 + st->ret;
		for (i = 0; i < STALL_LEN; i++)
			if (st->hi[i] != PATTERN(i))
				return -5;
	}
	if (st->kind == STALL_RECV_BATCH) {
		if (st->ret != 3)
			return -1000 + st->ret;
		for (i = 0; i < 3; i++) {
			uint8_t *got = i == 1 ? st->hi : st->bmsg[i];

			for (n = 0; n < (int)sizeof(st->bmsg[i]); n++)
				if (got[n] != 'a' + i)
					return -20 - i;
		}
	} else if (st->kind == STALL_RECV) {
		/* Received: nothing left. */
	} else if (st->kind == STALL_SEND || st->kind == STALL_PEEK) {
		/* Sent, or peeked at: still queued. */
		if (st->kind == STALL_SEND && st->ret != 0)
			return -1000 + st->ret;
		n = q_recv(st->q, buf, sizeof(buf), KIPC_SEL_ANY, 0, &type);
		if (n != STALL_LEN || type != STALL_TYPE)
			return -2;
		for (i = 0; i < STALL_LEN; i++)
			if (buf[i] != PATTERN(i))
				return -3;
	} else {
		if (st->ret != 3)
			return -1000 + st->ret;
		for (i = 0; i < 3; i++) {
			n = q_recv(st->q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				   &type);
			if (n != sizeof(st->bmsg[i]) || type != i + 1 ||
			    memcmp(buf, st->bmsg[i], n))
				return -10 - i;
		}
	}
	if (q_recv(st->q, buf, sizeof(buf), KIPC_SEL_ANY, 0, NULL) != -EAGAIN)
		return -4;
	/* And all its room is free again: nothing is still held for anyone. */
	for (i = 0; i < 16; i++)
		if (q_send(st->q, 1, buf, 1, KIPC_MSG_NONBLOCK))
			return -30;
	if (q_send(st->q, 1, buf, 1, KIPC_MSG_NONBLOCK) != -EAGAIN)
		return -31;
	for (i = 0; i < 16; i++)
		if (q_recv(st->q, buf, sizeof(buf), KIPC_SEL_ANY, 0, NULL) != 1)
			return -32;
	/* Its counts are back to zero, and its ring back in fast mode. */
	if (queue_stat(st->q, &qs) || qs.msgs || qs.bytes)
		return -33;
	if (ring_words(st->q, &prod, &cons) || ((prod | cons) & KIPC_RING_SLOW))
		return -34;
	return 0;
}

static void stall_end(struct stall *st)
{
	stall_release(st);
	if (st->uffd > 0)
		close(st->uffd);
	if (st->lo && st->lo != MAP_FAILED)
		munmap(st->lo, 2 * st->page);
	if (st->q > 0)
		close(st->q);
	if (st->dev > 0)
		close(st->dev);
}

/* ---- Other users ------------------------------------------------------ */

enum op {
	OP_PROC,		/* read /proc/kipc */
	OP_LIST,		/* KIPC_IOC_LIST */
	OP_OPEN_OTHER,		/* as nobody: KIPC_IOC_OPEN a new named sem */
	OP_SEM_PV,		/* P then V on another semaphore */
	OP_QUEUE_OTHER,		/* send, receive on another queue */
	OP_QUEUE_SAME,		/* send, receive (exact type) on the queue */
	OP_QUEUE_CHURN,		/* CHURN_ROUNDS of those: the ring laps */
};

/* Rounds of OP_QUEUE_CHURN: positions enough to lap a 16-message ring. */
#define CHURN_ROUNDS 100

static const char *const op_names[] = {
	"/proc/kipc read", "KIPC_IOC_LIST", "other user's KIPC_IOC_OPEN",
	"P/V on another semaphore", "send/recv on another queue",
	"send/recv on the same queue", "100 send/recv on the same queue",
};

struct result {
	volatile int started;
	volatile int done;
	int ret;
	double ms;
};

static int do_op(enum op op, int dev, int fd)
{
	char name[64], buf[64];
	int ret, h;

	switch (op) {
	case OP_PROC:
		return read_proc_kipc();
	case OP_LIST:
		return list_objects(dev, sizeof(struct kipc_obj_info));
	case OP_OPEN_OTHER:
		snprintf(name, sizeof(name), "stall-other-%d", getpid());
		h = obj_open(dev, KIPC_OBJ_SEM, name,
			     RW | KIPC_OPEN_CREATE | KIPC_OPEN_EXCL);
		if (h < 0)
			return h;
		close(h);
		return 0;
	case OP_SEM_PV:
		ret = sem_p(fd, 1, KIPC_SEM_NONBLOCK);
		return ret ? ret : sem_v(fd, 1, 0);
	case OP_QUEUE_OTHER:
	case OP_QUEUE_SAME:
	case OP_QUEUE_CHURN:
		for (h = 0; h < (op == OP_QUEUE_CHURN ? CHURN_ROUNDS : 1); h++) {
			ret = q_send(fd, 9, "other", 5, KIPC_MSG_NONBLOCK);
			if (ret)
				return ret;
			ret = q_recv(fd, buf, sizeof(buf), KIPC_SEL_EXACT, 9,
				     NULL);
			if (ret != 5)
				return ret < 0 ? ret : -EPROTO;
		}
		return 0;
	}
	return -EINVAL;
}

static void unlink_other(int dev, pid_t pid)
{
	struct kipc_unlink u;
	char name[64];

	snprintf(name, sizeof(name), "stall-other-%d", pid);
	memset(&u, 0, sizeof(u));
	u.size = sizeof(u);
	u.type = KIPC_OBJ_SEM;
	u.name = (uintptr_t)name;
	ioctl(dev, KIPC_IOC_UNLINK, &u);
}

/* A child doing op once, timing it into *res. */
static pid_t spawn_op(enum op op, int dev, int fd, struct result *res)
{
	pid_t pid;
	double t0;

	memset(res, 0, sizeof(*res));
	pid = fork_child();
	if (pid)
		return pid;
	if (op == OP_OPEN_OTHER) {
		gid_t none[1] = { NOBODY };

		if (become_nobody(1, none))
			_exit(2);
	}
	res->started = 1;
	t0 = now_mono();
	res->ret = do_op(op, dev, fd);
	res->ms = ms_since(t0);
	res->done = 1;
	if (op == OP_OPEN_OTHER && !res->ret)
		unlink_other(dev, getpid());
	_exit(0);
}

/* Wait up to ms for the child's operation to finish. */
static void wait_done(struct result *res, int ms)
{
	double end = now_mono() + ms / 1000.0;

	while (!res->done && now_mono() < end)
		usleep(1000);
}

/*
 * Stall a send on a queue of its own, run op in another process (on "fd",
 * a fresh object of the right type), give it HOLD_MS, release, and check
 * it was done within BOUND_MS and the stalled queue's contents.
 */
static void stalled_op(struct __test_metadata *_metadata, enum stall_kind kind,
		       enum op op)
{
	struct result *res = shared_map(sizeof(*res));
	struct stall st;
	int fd = -1, dev;
	pid_t pid;

	ASSERT_NE(NULL, res);
	dev = dev_open();
	ASSERT_LE(0, dev);
	if (op == OP_SEM_PV)
		fd = obj_open(dev, KIPC_OBJ_SEM, NULL, RW);
	else if (op == OP_QUEUE_OTHER)
		fd = obj_open(dev, KIPC_OBJ_QUEUE, NULL, RW);
	if (op == OP_SEM_PV || op == OP_QUEUE_OTHER)
		ASSERT_LE(0, fd);

	ASSERT_EQ(0, stall_start(&st, kind)) {
		stall_end(&st);
	}
	if (op >= OP_QUEUE_SAME)
		fd = st.q;
	pid = spawn_op(op, dev, fd, res);
	ASSERT_LT(0, pid) {
		stall_end(&st);
	}
	wait_done(res, HOLD_MS);
	EXPECT_EQ(0, stall_release(&st));
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1, res->done);
	EXPECT_EQ(0, res->ret);
	TH_LOG("%s during the stall: %.1f ms (bound %d ms)", op_names[op],
	       res->ms, BOUND_MS);
	EXPECT_GT(BOUND_MS, res->ms);
	EXPECT_EQ(0, stall_check_queue(&st));
	stall_end(&st);
	if (fd >= 0 && op < OP_QUEUE_SAME)
		close(fd);
	close(dev);
}

/* ---- Tests ------------------------------------------------------------ */

/*
 * Unstalled, every operation the stalled cases time: the numbers behind
 * BOUND_MS, logged, and each well inside BASELINE_MS.
 */
TEST(baseline)
{
	struct result *res = shared_map(sizeof(*res));
	enum op op;
	int dev, fd;
	pid_t pid;

	ASSERT_NE(NULL, res);
	dev = dev_open();
	ASSERT_LE(0, dev);
	for (op = OP_PROC; op <= OP_QUEUE_SAME; op++) {
		fd = -1;
		if (op == OP_SEM_PV)
			fd = obj_open(dev, KIPC_OBJ_SEM, NULL, RW);
		else if (op >= OP_QUEUE_OTHER)
			fd = obj_open(dev, KIPC_OBJ_QUEUE, NULL, RW);
		pid = spawn_op(op, dev, fd, res);
		ASSERT_LT(0, pid);
		EXPECT_EQ(0, reap(pid));
		EXPECT_EQ(0, res->ret);
		TH_LOG("%s unstalled: %.1f ms", op_names[op], res->ms);
		EXPECT_GT(BASELINE_MS, res->ms);
		if (fd >= 0)
			close(fd);
	}
	close(dev);
}

/*
 * A receive whose buffer is stuck: its message is copied into a kernel
 * buffer under the queue's lock and out to the caller after it is dropped
 * (as mqueue's store_msg() does), held for it meanwhile, so the queue
 * stays usable, and the stalled receive still gets its message.
 */
TEST(recv_copies_outside_lock)
{
	stalled_op(_metadata, STALL_RECV, OP_QUEUE_SAME);
}

/* The same for a peek, which leaves the message queued. */
TEST(peek_copies_outside_lock)
{
	stalled_op(_metadata, STALL_PEEK, OP_QUEUE_SAME);
}

/*
 * A receive batch whose second entry's buffer is stuck: the later
 * entries' messages are chosen and copied under the lock, written out
 * after it.
 */
TEST(recv_batch_copies_outside_lock)
{
	stalled_op(_metadata, STALL_RECV_BATCH, OP_QUEUE_SAME);
}

/*
 * A send batch whose second entry's message is stuck: the later entries'
 * messages are copied in before the lock is taken for them.
 */
TEST(batch_messages_copied_outside_lock)
{
	stalled_op(_metadata, STALL_BATCH_MSG, OP_QUEUE_SAME);
}

/*
 * While a receive is stuck in its copy-out, others lap the ring many
 * times over: the message held for it is moved by compaction (it sits
 * at head), and the stalled receive must still take that message, intact,
 * and leave the queue's whole room free (stall_check_queue()).
 */
TEST(ring_laps_around_stalled_recv)
{
	stalled_op(_metadata, STALL_RECV, OP_QUEUE_CHURN);
}

/*
 * A queue nobody has mapped skips the ring's enter work (ring.md §5).  A
 * process that maps the ring while a receive is stalled on its buffer
 * (its message held for it, so the ring must stay in kernel mode) must
 * find the ring in kernel mode, and not wait.  Once the receive is done,
 * its leave has written the position words, back in fast mode.
 */
TEST(mapped_during_stall)
{
	uint64_t prod, cons;
	struct stall st;
	pid_t pid;

	ASSERT_EQ(0, stall_start(&st, STALL_RECV)) {
		stall_end(&st);
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		alarm(10);	/* an mmap that waits for the lock fails */
		if (ring_words(st.q, &prod, &cons))
			_exit(2);
		_exit((prod & cons & KIPC_RING_SLOW) ? 0 : 1);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(0, stall_release(&st));
	ASSERT_EQ(0, ring_words(st.q, &prod, &cons));
	EXPECT_EQ(1, prod);
	EXPECT_EQ(1, cons);
	EXPECT_EQ(0, stall_check_queue(&st));
	stall_end(&st);
}

/* Needs the registry fix: /proc/kipc does not wait for a queue's lock. */
TEST(proc_kipc_during_stall)
{
	stalled_op(_metadata, STALL_SEND, OP_PROC);
}

/* Needs the registry fix: KIPC_IOC_LIST does not wait either. */
TEST(list_during_stall)
{
	stalled_op(_metadata, STALL_SEND, OP_LIST);
}

/*
 * Needs the registry fix: another user's KIPC_IOC_OPEN, while a
 * /proc/kipc reader is in progress (it used to hold the registry's lock
 * while it waited for the stalled queue's).
 */
TEST(open_by_other_user_during_stall)
{
	struct result *res = shared_map(2 * sizeof(*res));
	struct stall st;
	pid_t reader, opener;
	int dev;

	ASSERT_NE(NULL, res);
	dev = dev_open();
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, stall_start(&st, STALL_SEND)) {
		stall_end(&st);
	}
	reader = spawn_op(OP_PROC, dev, -1, &res[0]);
	ASSERT_LT(0, reader);
	wait_done(&res[0], 100);
	opener = spawn_op(OP_OPEN_OTHER, dev, -1, &res[1]);
	ASSERT_LT(0, opener);
	wait_done(&res[1], HOLD_MS);
	EXPECT_EQ(0, stall_release(&st));
	EXPECT_EQ(0, reap(reader));
	EXPECT_EQ(0, reap(opener));
	EXPECT_EQ(0, res[0].ret);
	EXPECT_EQ(0, res[1].ret);
	TH_LOG("%s during the stall: %.1f ms (bound %d ms)",
	       op_names[OP_OPEN_OTHER], res[1].ms, BOUND_MS);
	EXPECT_GT(BOUND_MS, res[1].ms);
	EXPECT_EQ(0, stall_check_queue(&st));
	stall_end(&st);
	close(dev);
}

TEST(other_semaphore_during_stall)
{
	stalled_op(_metadata, STALL_SEND, OP_SEM_PV);
}

TEST(other_queue_during_stall)
{
	stalled_op(_metadata, STALL_SEND, OP_QUEUE_OTHER);
}

/*
 * A batch whose entries 1 and 2 are stuck: they are read before the
 * queue's lock is taken, so the queue itself stays usable meanwhile, and
 * the batch then sends all three after what was sent meanwhile.
 */
TEST(batch_entries_read_outside_lock)
{
	stalled_op(_metadata, STALL_BATCH, OP_QUEUE_SAME);
}

/*
 * A single send whose message is stuck: it is copied into a kernel buffer
 * before the queue's lock is taken (as mqueue's load_msg() does), so the
 * queue stays usable meanwhile, and the message is queued after what was
 * sent meanwhile.
 */
TEST(send_copies_outside_lock)
{
	stalled_op(_metadata, STALL_SEND, OP_QUEUE_SAME);
}

/*
 * Sizes are bounded: entry_size and "size" above KIPC_SIZE_MAX fail at
 * once with E2BIG, even over readable, all-zero memory that an unbounded
 * check would scan; KIPC_SIZE_MAX itself with a zero tail works.
 */
TEST(huge_sizes_refused)
{
	size_t big = 64 << 20;
	struct {
		struct kipc_mmsg m;
		uint8_t tail[KIPC_SIZE_MAX - sizeof(struct kipc_mmsg)];
	} *e;
	struct kipc_send *s;
	uint8_t *zeros, msg[8] = "message";
	int dev, q;
	double t0;

	dev = dev_open();
	ASSERT_LE(0, dev);
	q = obj_open(dev, KIPC_OBJ_QUEUE, NULL, RW);
	ASSERT_LE(0, q);
	zeros = mmap(NULL, big, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, zeros);
	e = (void *)zeros;
	e->m.type = 1;
	e->m.buf = (uintptr_t)msg;
	e->m.len = sizeof(msg);

	t0 = now_mono();
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_SEND_BATCH, e, 1, big, 0));
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_SEND_BATCH, e, 1, 0xfffffff8, 0));
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_SEND_BATCH, e, 1,
				KIPC_SIZE_MAX + 8, 0));
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_RECV_BATCH, e, 1, big,
				KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-E2BIG, list_objects(dev, 0xfffffff8));
	EXPECT_EQ(-E2BIG, list_objects(dev, KIPC_SIZE_MAX + 8));
	/* The struct's own size: the zero-tail check is bounded too. */
	s = (void *)(zeros + big - (KIPC_SIZE_MAX + 8));
	s->size = KIPC_SIZE_MAX + 8;
	s->type = 1;
	s->buf = (uintptr_t)msg;
	s->len = sizeof(msg);
	EXPECT_EQ(-E2BIG, ioctl_ret(q, KIPC_IOC_SEND, s));
	s = (void *)zeros;
	memset(s, 0, KIPC_SIZE_MAX * 2);
	s->size = 0xfffffff8;
	EXPECT_EQ(-E2BIG, ioctl_ret(q, KIPC_IOC_SEND, s));
	TH_LOG("8 refusals took %.1f ms", ms_since(t0));
	EXPECT_GT(BOUND_MS, ms_since(t0));
	/* Nothing was sent. */
	EXPECT_EQ(-EAGAIN, q_recv(q, msg, sizeof(msg), KIPC_SEL_ANY, 0, NULL));

	/* At the bound itself, with a zero tail: accepted. */
	memset(zeros, 0, 2 * KIPC_SIZE_MAX);
	e->m.type = 1;
	e->m.buf = (uintptr_t)msg;
	e->m.len = sizeof(msg);
	EXPECT_EQ(1, batch(q, KIPC_IOC_SEND_BATCH, e, 1, KIPC_SIZE_MAX, 0));
	s = (void *)zeros;
	memset(s, 0, KIPC_SIZE_MAX);
	s->size = KIPC_SIZE_MAX;
	s->type = 2;
	s->buf = (uintptr_t)msg;
	s->len = sizeof(msg);
	EXPECT_EQ(0, ioctl_ret(q, KIPC_IOC_SEND, s));
	EXPECT_EQ(0, list_objects(dev, KIPC_SIZE_MAX));
	/* A non-zero tail within the bound is still E2BIG at its entry. */
	memset(zeros, 0, 2 * KIPC_SIZE_MAX);
	e[0].m.type = 3;
	e[0].m.buf = (uintptr_t)msg;
	e[0].m.len = sizeof(msg);
	e[1].m = e[0].m;
	e[1].tail[100] = 1;
	EXPECT_EQ(1, batch(q, KIPC_IOC_SEND_BATCH, e, 2, KIPC_SIZE_MAX, 0));
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_SEND_BATCH, &e[1], 1,
				KIPC_SIZE_MAX, 0));
	EXPECT_EQ(sizeof(msg), q_recv(q, msg, sizeof(msg), KIPC_SEL_EXACT, 1,
				      NULL));
	EXPECT_EQ(sizeof(msg), q_recv(q, msg, sizeof(msg), KIPC_SEL_EXACT, 2,
				      NULL));
	EXPECT_EQ(sizeof(msg), q_recv(q, msg, sizeof(msg), KIPC_SEL_EXACT, 3,
				      NULL));
	EXPECT_EQ(-EAGAIN, q_recv(q, msg, sizeof(msg), KIPC_SEL_ANY, 0, NULL));
	munmap(zeros, big);
	close(q);
	close(dev);
}

/*
 * Reading every entry first changes no result: a bad entry i ends the
 * batch after i messages (returning i), or fails it with its errno when i
 * is 0, and nothing past it is sent or taken.  The same on the old code.
 */
TEST(batch_bad_entry_at_same_index)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kipc_mmsg *mm, *tail;
	char buf[64], msg[3][8] = { "zero", "one", "two" };
	int64_t type;
	int dev, q, i, bad;
	uint8_t *p;

	dev = dev_open();
	ASSERT_LE(0, dev);
	q = obj_open(dev, KIPC_OBJ_QUEUE, NULL, RW);
	ASSERT_LE(0, q);
	/* Two pages, the second unmapped: entries can end in a fault. */
	p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, munmap(p + page, page));

	/* Send: entry 0, 1 or 2 bad in each way. */
	for (bad = 0; bad < 3; bad++) {
		for (i = 0; i < 5; i++) {
			static const int want_err[] = {
				-EINVAL, -EINVAL, -EINVAL, -EFAULT, -EFAULT,
			};
			int want = bad ? bad : want_err[i];

			mm = (struct kipc_mmsg *)p;
			if (i == 3)	/* entry "bad" is in the unmapped page */
				mm = (struct kipc_mmsg *)(p + page) - bad;
			for (int j = 0; j < bad && j < 3; j++)
				mm[j] = (struct kipc_mmsg){
					.type = j + 1,
					.buf = (uintptr_t)msg[j],
					.len = sizeof(msg[j]),
				};
			if (i != 3)
				mm[bad] = (struct kipc_mmsg){
					.type = bad + 1,
					.buf = (uintptr_t)msg[bad],
					.len = sizeof(msg[bad]),
				};
			if (i == 0)
				mm[bad].type = 0;
			else if (i == 1)
				mm[bad].type = -1;
			else if (i == 2)
				mm[bad].msg_len = 1;
			else if (i == 4)	/* the message itself faults */
				mm[bad].buf = (uintptr_t)(p + page);
			EXPECT_EQ(want, batch(q, KIPC_IOC_SEND_BATCH, mm, 3,
					      sizeof(*mm), KIPC_MSG_NONBLOCK))
				TH_LOG("bad entry %d, kind %d", bad, i);
			for (int j = 0; j < bad; j++) {
				EXPECT_EQ(sizeof(msg[j]),
					  q_recv(q, buf, sizeof(buf),
						 KIPC_SEL_ANY, 0, &type));
				EXPECT_EQ(j + 1, type);
			}
			EXPECT_EQ(-EAGAIN, q_recv(q, buf, sizeof(buf),
						  KIPC_SEL_ANY, 0, NULL));
		}
	}
	/* A non-zero tail in entry 1 of 32-byte entries: E2BIG there. */
	memset(p, 0, page);
	for (i = 0; i < 3; i++) {
		mm = (struct kipc_mmsg *)(p + 32 * i);
		*mm = (struct kipc_mmsg){ .type = 1, .buf = (uintptr_t)msg[i],
					  .len = sizeof(msg[i]) };
	}
	p[32 + 24] = 1;
	EXPECT_EQ(1, batch(q, KIPC_IOC_SEND_BATCH, p, 3, 32, 0));
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_SEND_BATCH, p + 32, 2, 32, 0));
	EXPECT_EQ(sizeof(msg[0]), q_recv(q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
					  NULL));
	EXPECT_EQ(0, memcmp(buf, msg[0], sizeof(msg[0])));
	EXPECT_EQ(-EAGAIN, q_recv(q, buf, sizeof(buf), KIPC_SEL_ANY, 0, NULL));

	/* Receive: three queued, entry 2 unreadable: two taken, one left. */
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, q_send(q, i + 1, msg[i], sizeof(msg[i]), 0));
	tail = (struct kipc_mmsg *)(p + page) - 2;
	for (i = 0; i < 2; i++)
		tail[i] = (struct kipc_mmsg){ .buf = (uintptr_t)(buf + 16 * i),
					      .len = 16 };
	EXPECT_EQ(2, batch(q, KIPC_IOC_RECV_BATCH, tail, 3, sizeof(*tail),
			   KIPC_MSG_NONBLOCK));
	EXPECT_EQ(1, tail[0].type);
	EXPECT_EQ(2, tail[1].type);
	EXPECT_EQ(sizeof(msg[1]), tail[1].msg_len);
	EXPECT_EQ(0, memcmp(buf + 16, msg[1], sizeof(msg[1])));
	/* Entry 0 unreadable, or with a non-zero tail: nothing taken. */
	EXPECT_EQ(-EFAULT, batch(q, KIPC_IOC_RECV_BATCH, p + page, 1,
				 sizeof(*tail), KIPC_MSG_NONBLOCK));
	memset(p, 0, 64);
	((struct kipc_mmsg *)p)->buf = (uintptr_t)buf;
	((struct kipc_mmsg *)p)->len = 16;
	p[40] = 1;
	EXPECT_EQ(-E2BIG, batch(q, KIPC_IOC_RECV_BATCH, p, 1, 48,
				KIPC_MSG_NONBLOCK));
	EXPECT_EQ(sizeof(msg[2]), q_recv(q, buf, sizeof(buf), KIPC_SEL_ANY, 0,
					  &type));
	EXPECT_EQ(3, type);
	EXPECT_EQ(-EAGAIN, q_recv(q, buf, sizeof(buf), KIPC_SEL_ANY, 0, NULL));
	munmap(p, page);
	close(q);
	close(dev);
}

TEST_HARNESS_MAIN
