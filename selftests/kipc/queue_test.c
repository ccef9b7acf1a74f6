// SPDX-License-Identifier: GPL-2.0
/*
 * FIFO message queues: send/receive and the selectors (differentially
 * against SysV msgsnd/msgrcv), order with many producers, waiters served
 * in arrival order with direct handoff, FIFO admission of senders, no loss
 * or duplication under signal storms, deadlines and kill -9, destroy during
 * blocked operations, pipe mode, read/write, poll/epoll, SIGIO, io_uring,
 * the notification registration (KIPC_IOC_QUEUE_NOTIFY), limits,
 * permissions and the size / flags / reserved / pointer rules of every
 * queue ioctl.
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
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBURING_TEST
#include <liburing.h>
#endif
#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"


/* ---- Helpers ---------------------------------------------------------- */

static int anon_q(int dev, unsigned int msgs, unsigned int msgsize,
		  unsigned long long bytes)
{
	return q_open_full(dev, NULL, RW, 0600, msgs, msgsize, bytes, 0,
			   NULL);
}

static int q_send(int fd, int64_t type, const void *buf, uint32_t len,
		  unsigned int flags)
{
	return q_send_full(fd, type, buf, len, flags, NULL);
}

/* Send a 4-byte value. */
static int q_send_u32(int fd, int64_t type, uint32_t v, unsigned int flags)
{
	return q_send(fd, type, &v, sizeof(v), flags);
}

static int q_recv(int fd, void *buf, uint32_t len, unsigned int sel,
		  int64_t type, unsigned int flags, int64_t *otype)
{
	return q_recv_full(fd, buf, len, sel, type, flags, NULL, otype, NULL);
}

/* Receive a 4-byte value: the value (>= 0) or -errno. */
static long long q_recv_u32(int fd, unsigned int sel, int64_t type,
			    unsigned int flags)
{
	uint32_t v;
	int ret = q_recv(fd, &v, sizeof(v), sel, type, flags, NULL);

	if (ret < 0)
		return ret;
	return ret == 4 ? (long long)v : -EPROTO;
}

static long long q_field(int fd, size_t off)
{
	struct kipc_queue_stat st;
	int ret = queue_stat(fd, &st);

	if (ret)
		return ret;
	return *(uint32_t *)((char *)&st + off);
}

#define Q_NRECV(fd) q_field(fd, offsetof(struct kipc_queue_stat, nreceivers))
#define Q_NSEND(fd) q_field(fd, offsetof(struct kipc_queue_stat, nsenders))
#define Q_MSGS(fd) q_field(fd, offsetof(struct kipc_queue_stat, msgs))

static volatile sig_atomic_t got_signal;

static void count_handler(int sig)
{
	got_signal++;
}

static void set_handler(int sig, int flags)
{
	set_handler_fn(sig, flags, count_handler);
}

static uint32_t xorshift(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

KIPC_DEV_FIXTURE(queue)

/* ---- Basics ------------------------------------------------------------ */

TEST_F(queue, feature_bit)
{
	struct kipc_info info = { .size = sizeof(info) };

	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_GET_INFO, &info));
	EXPECT_TRUE(info.features & KIPC_FEAT_QUEUE);
}

TEST_F(queue, send_receive_fifo)
{
	char buf[64];
	int64_t type;
	int fd, i;
	struct kipc_queue_stat st;

	fd = anon_q(self->dev, 8, 64, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EAGAIN, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				  KIPC_MSG_NONBLOCK, NULL));
	for (i = 0; i < 8; i++) {
		snprintf(buf, sizeof(buf), "message %d", i);
		ASSERT_EQ(0, q_send(fd, 1 + i % 3, buf, strlen(buf) + 1, 0));
	}
	/* Full by messages. */
	EXPECT_EQ(-EAGAIN, q_send(fd, 1, "x", 1, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(0, queue_stat(fd, &st));
	EXPECT_EQ(8, st.msgs);
	EXPECT_EQ(8, st.cap_msgs);
	EXPECT_EQ(64, st.msgsize);
	EXPECT_EQ(8 * 64, st.cap_bytes);
	EXPECT_EQ(8, st.sent);
	EXPECT_EQ(8, st.hwm_msgs);
	EXPECT_LT(0, st.ring_bytes);
	for (i = 0; i < 8; i++) {
		char want[64];
		int ret;

		snprintf(want, sizeof(want), "message %d", i);
		ret = q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, &type);
		ASSERT_EQ((int)strlen(want) + 1, ret);
		EXPECT_STREQ(want, buf);
		EXPECT_EQ(1 + i % 3, type);
	}
	ASSERT_EQ(0, queue_stat(fd, &st));
	EXPECT_EQ(0, st.msgs);
	EXPECT_EQ(0, st.bytes);
	EXPECT_EQ(8, st.received);
	EXPECT_EQ(st.bytes_sent, st.bytes_received);
	EXPECT_EQ(0, st.dropped);
	/* Zero-length messages. */
	ASSERT_EQ(0, q_send(fd, 5, NULL, 0, 0));
	EXPECT_EQ(0, q_recv(fd, NULL, 0, KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(5, type);
	close(fd);
}

TEST_F(queue, selectors)
{
	/* Types in send order; values are the send index. */
	static const int64_t types[] = { 3, 1, 2, 3, 1, 5, 2, 4 };
	int fd, i;

	fd = anon_q(self->dev, 16, 16, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, q_send_u32(fd, types[i], i, 0));
	/* Exactly 2: the first 2. */
	EXPECT_EQ(2, q_recv_u32(fd, KIPC_SEL_EXACT, 2, KIPC_MSG_NONBLOCK));
	/* Lowest <= 3: the first 1. */
	EXPECT_EQ(1, q_recv_u32(fd, KIPC_SEL_LE, 3, KIPC_MSG_NONBLOCK));
	/* All but 3: the first non-3 in order: index 4 (type 1). */
	EXPECT_EQ(4, q_recv_u32(fd, KIPC_SEL_NOT, 3, KIPC_MSG_NONBLOCK));
	/* Exactly 9: none. */
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_EXACT, 9,
				      KIPC_MSG_NONBLOCK));
	/* Lowest <= 1: none left of type 1. */
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_LE, 1, KIPC_MSG_NONBLOCK));
	/* Lowest <= 10: type 2 (index 6). */
	EXPECT_EQ(6, q_recv_u32(fd, KIPC_SEL_LE, 10, KIPC_MSG_NONBLOCK));
	/* Any: index 0, 3, 5, 7 in order. */
	EXPECT_EQ(0, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(3, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(5, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(7, q_recv_u32(fd, KIPC_SEL_NOT, 3, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	close(fd);
}

TEST_F(queue, peek_truncate_emsgsize)
{
	char buf[32];
	uint64_t len;
	int64_t type;
	int fd;

	fd = anon_q(self->dev, 4, 32, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, q_send(fd, 7, "0123456789", 10, 0));
	ASSERT_EQ(0, q_send(fd, 8, "abc", 3, 0));
	/* Peek: copied, kept. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(10, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0,
			     KIPC_MSG_PEEK | KIPC_MSG_NONBLOCK, &type));
	EXPECT_EQ(7, type);
	EXPECT_STREQ("0123456789", buf);
	EXPECT_EQ(3, q_recv(fd, buf, sizeof(buf), KIPC_SEL_EXACT, 8,
			    KIPC_MSG_PEEK, &type));
	EXPECT_EQ(2, Q_MSGS(fd));
	/* Too small: EMSGSIZE, the length told, the message kept. */
	EXPECT_EQ(-EMSGSIZE, q_recv_full(fd, buf, 4, KIPC_SEL_ANY, 0, 0, NULL,
					 NULL, &len));
	EXPECT_EQ(10, len);
	EXPECT_EQ(2, Q_MSGS(fd));
	/* Truncate: consumed, full length returned. */
	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(10, q_recv(fd, buf, 4, KIPC_SEL_ANY, 0, KIPC_MSG_TRUNCATE,
			     &type));
	EXPECT_STREQ("0123", buf);
	EXPECT_EQ(1, Q_MSGS(fd));
	/* Too large to send. */
	EXPECT_EQ(-EMSGSIZE, q_send(fd, 1, buf, 33, 0));
	EXPECT_EQ(0, q_send(fd, 1, buf, 32, 0));
	close(fd);
}

TEST_F(queue, byte_capacity)
{
	char buf[100] = { 0 };
	int fd;

	/* 10 messages but only 250 bytes. */
	fd = anon_q(self->dev, 10, 100, 250);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, q_send(fd, 1, buf, 100, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(0, q_send(fd, 1, buf, 100, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, q_send(fd, 1, buf, 51, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(0, q_send(fd, 1, buf, 50, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-EAGAIN, q_send(fd, 1, buf, 1, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(0, q_send(fd, 1, buf, 0, KIPC_MSG_NONBLOCK));
	close(fd);
}

/*
 * Many selective receives out of order: tombstones pile up, the ring is
 * compacted again and again, and order and contents survive it.
 */
TEST_F(queue, compaction_keeps_order)
{
	uint32_t next[4] = { 0 }, sent[4] = { 0 };
	uint32_t seed = 12345;
	int fd, i, queued = 0;

	fd = anon_q(self->dev, 8, 8, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 20000; i++) {
		uint32_t r = xorshift(&seed);
		int64_t t = 1 + r % 4;

		if (queued < 8 && (r >> 8) % 3) {
			ASSERT_EQ(0, q_send_u32(fd, t, sent[t - 1]++,
						KIPC_MSG_NONBLOCK));
			queued++;
		} else {
			long long v = q_recv_u32(fd, KIPC_SEL_EXACT, t,
						 KIPC_MSG_NONBLOCK);

			if (v == -EAGAIN) {
				ASSERT_EQ(next[t - 1], sent[t - 1]);
				continue;
			}
			ASSERT_EQ(next[t - 1], v);
			next[t - 1]++;
			queued--;
		}
	}
	close(fd);
}

/* ---- Differential test against SysV msgsnd / msgrcv ------------------- */

struct sysv_msg {
	long mtype;
	char mtext[64];
};

/*
 * A receive that cannot write its result (the request struct is in a
 * read-only page) fails with EFAULT and the message stays queued, for a
 * receiver that finds it and for one it is handed to while it waits.
 */
TEST_F(queue, recv_result_unwritable)
{
	int fd = anon_q(self->dev, 4, 16, 0);
	struct kipc_recv *r;
	char buf[16];
	int64_t type;
	pid_t pid;

	ASSERT_LE(0, fd);
	r = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, r);
	*r = (struct kipc_recv){ .size = sizeof(*r), .buf = (uintptr_t)buf,
				 .len = sizeof(buf) };
	ASSERT_EQ(0, mprotect(r, 4096, PROT_READ));
	ASSERT_EQ(0, q_send(fd, 1, "abc", 3, 0));
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_RECV, r));
	EXPECT_EQ(1, Q_MSGS(fd));

	pid = fork_child();
	if (pid == 0) {
		struct kipc_recv *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
					   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (w == MAP_FAILED)
			_exit(1);
		*w = (struct kipc_recv){ .size = sizeof(*w),
					 .buf = (uintptr_t)buf,
					 .len = sizeof(buf),
					 .select = KIPC_SEL_EXACT, .type = 2 };
		if (mprotect(w, 4096, PROT_READ))
			_exit(1);
		_exit(-ioctl_ret(fd, KIPC_IOC_RECV, w));
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	ASSERT_EQ(0, q_send(fd, 2, "def", 3, 0));
	EXPECT_EQ(EFAULT, reap(pid));
	EXPECT_EQ(2, Q_MSGS(fd));
	EXPECT_EQ(3, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(1, type);
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(3, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(2, type);
	EXPECT_EQ(0, memcmp(buf, "def", 3));
	munmap(r, 4096);
	close(fd);
}

/*
 * A batch receive stops at the first entry whose results cannot be
 * written: it counts what it took, and that message stays queued.
 */
TEST_F(queue, recv_batch_result_unwritable)
{
	int fd = anon_q(self->dev, 4, 16, 0);
	struct kipc_batch b = { .size = sizeof(b), .count = 2,
				.entry_size = sizeof(struct kipc_mmsg) };
	char bufs[2][16], *pages;
	struct kipc_mmsg *mm;
	int64_t type;

	ASSERT_LE(0, fd);
	pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pages);
	/* Entry 0 ends the writable page, entry 1 starts a read-only one. */
	mm = (struct kipc_mmsg *)(pages + 4096) - 1;
	mm[0] = (struct kipc_mmsg){ .buf = (uintptr_t)bufs[0], .len = 16 };
	mm[1] = (struct kipc_mmsg){ .buf = (uintptr_t)bufs[1], .len = 16 };
	ASSERT_EQ(0, mprotect(pages + 4096, 4096, PROT_READ));
	b.msgs = (uintptr_t)mm;
	ASSERT_EQ(0, q_send(fd, 1, "abc", 3, 0));
	ASSERT_EQ(0, q_send(fd, 2, "def", 3, 0));
	EXPECT_EQ(1, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
	EXPECT_EQ(1, mm[0].type);
	EXPECT_EQ(3, mm[0].msg_len);
	EXPECT_EQ(1, Q_MSGS(fd));
	/* Its first entry unwritable: EFAULT, nothing taken. */
	b.msgs = (uintptr_t)&mm[1];
	b.count = 1;
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
	EXPECT_EQ(1, Q_MSGS(fd));
	EXPECT_EQ(3, q_recv(fd, bufs[0], 16, KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(2, type);
	EXPECT_EQ(0, memcmp(bufs[0], "def", 3));
	munmap(pages, 8192);
	close(fd);
}

/*
 * Buffers whose pages were never touched: a receive cannot copy into them
 * without a page fault, so it copies the message into a kernel buffer
 * (on the stack up to 256 bytes, else allocated), drops the queue's lock
 * and copies out after it.  Every flavour must deliver the message whole
 * and take it (a peek leaves it), small and large, by ioctl, read(2),
 * peek and batch, and leave the queue empty.
 */
TEST_F(queue, recv_into_untouched_pages)
{
	static const uint32_t lens[] = { 64, 3000 };
	int fd = anon_q(self->dev, 4, 4096, 0);
	char msg[3000], *pages;
	struct kipc_batch b = { .size = sizeof(b), .count = 2,
				.entry_size = sizeof(struct kipc_mmsg) };
	struct kipc_mmsg mm[2];
	int64_t type;
	unsigned int i, k;

	ASSERT_LE(0, fd);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (char)(i * 13 + 1);
	for (k = 0; k < 2; k++) {
		uint32_t len = lens[k];

		/* Five fresh pages a round: ioctl, peek, read, two batch. */
		pages = mmap(NULL, 5 * 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		ASSERT_NE(MAP_FAILED, pages);
		ASSERT_EQ(0, q_send(fd, 5, msg, len, 0));
		EXPECT_EQ((int)len, q_recv(fd, pages + 4096, len, KIPC_SEL_ANY,
					   0, KIPC_MSG_PEEK, &type));
		EXPECT_EQ(0, memcmp(pages + 4096, msg, len));
		EXPECT_EQ(1, Q_MSGS(fd));
		EXPECT_EQ((int)len, q_recv(fd, pages, len, KIPC_SEL_ANY, 0, 0,
					   &type));
		EXPECT_EQ(5, type);
		EXPECT_EQ(0, memcmp(pages, msg, len));
		ASSERT_EQ(0, q_send(fd, 6, msg, len, 0));
		EXPECT_EQ((ssize_t)len, read(fd, pages + 2 * 4096, len));
		EXPECT_EQ(0, memcmp(pages + 2 * 4096, msg, len));
		/* A batch: entry 0 as a single receive, entry 1 the rest's way. */
		ASSERT_EQ(0, q_send(fd, 7, msg, len, 0));
		ASSERT_EQ(0, q_send(fd, 8, msg + 1, len - 1, 0));
		mm[0] = (struct kipc_mmsg){ .buf = (uintptr_t)(pages + 3 * 4096),
					    .len = len };
		mm[1] = (struct kipc_mmsg){ .buf = (uintptr_t)(pages + 4 * 4096),
					    .len = len };
		b.msgs = (uintptr_t)mm;
		EXPECT_EQ(2, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
		EXPECT_EQ(7, mm[0].type);
		EXPECT_EQ(len, mm[0].msg_len);
		EXPECT_EQ(8, mm[1].type);
		EXPECT_EQ(len - 1, mm[1].msg_len);
		EXPECT_EQ(0, memcmp(pages + 3 * 4096, msg, len));
		EXPECT_EQ(0, memcmp(pages + 4 * 4096, msg + 1, len - 1));
		EXPECT_EQ(0, Q_MSGS(fd));
		munmap(pages, 5 * 4096);
	}
	close(fd);
}

/*
 * A receive batch whose second buffer cannot be written: the first entry
 * is received; the second's message, and the third's chosen with it, go
 * back in order (the later entries are copied out with the queue's lock
 * dropped, their messages held meanwhile).
 */
TEST_F(queue, recv_batch_buffer_fault_keeps_order)
{
	int fd = anon_q(self->dev, 4, 16, 0);
	struct kipc_batch b = { .size = sizeof(b), .count = 3,
				.entry_size = sizeof(struct kipc_mmsg) };
	struct kipc_mmsg mm[3];
	char bufs[3][16], *none;
	int64_t type;
	int i;

	ASSERT_LE(0, fd);
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	for (i = 0; i < 3; i++) {
		mm[i] = (struct kipc_mmsg){ .buf = (uintptr_t)bufs[i], .len = 16 };
		ASSERT_EQ(0, q_send(fd, i + 1, "abc", 3, 0));
	}
	mm[1].buf = (uintptr_t)none;
	b.msgs = (uintptr_t)mm;
	EXPECT_EQ(1, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
	EXPECT_EQ(1, mm[0].type);
	EXPECT_EQ(2, Q_MSGS(fd));
	for (i = 2; i <= 3; i++) {
		EXPECT_EQ(3, q_recv(fd, bufs[0], 16, KIPC_SEL_ANY, 0,
				    KIPC_MSG_NONBLOCK, &type));
		EXPECT_EQ(i, type);
	}
	EXPECT_EQ(0, Q_MSGS(fd));
	munmap(none, 4096);
	close(fd);
}

FIXTURE(diff) {
	int dev;
	int msqid;
};

FIXTURE_VARIANT(diff) {
	uint32_t seed;
};

FIXTURE_VARIANT_ADD(diff, seed1) { .seed = 1 };
FIXTURE_VARIANT_ADD(diff, seed2) { .seed = 0xdeadbeef };
FIXTURE_VARIANT_ADD(diff, seed3) { .seed = 777 };

FIXTURE_SETUP(diff)
{
	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
	self->msqid = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (self->msqid < 0)
		SKIP(return, "no SysV message queues: %s", strerror(errno));
}

FIXTURE_TEARDOWN(diff)
{
	if (self->msqid >= 0)
		msgctl(self->msqid, IPC_RMID, NULL);
	close(self->dev);
}

TEST_F(diff, same_as_sysv)
{
	uint32_t seed = variant->seed;
	int fd, i, queued = 0;

	/* Well inside SysV's default 16384 bytes: capacity never differs. */
	fd = anon_q(self->dev, 128, 64, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 4000; i++) {
		uint32_t r = xorshift(&seed);
		int64_t t = 1 + xorshift(&seed) % 6;
		uint32_t len = xorshift(&seed) % 40;
		struct sysv_msg m;

		if ((r % 100) < 45 && queued < 100) {
			memset(&m, 0, sizeof(m));
			m.mtype = t;
			for (uint32_t j = 0; j < len; j++)
				m.mtext[j] = (char)(i + j);
			ASSERT_EQ(0, msgsnd(self->msqid, &m, len, IPC_NOWAIT));
			ASSERT_EQ(0, q_send(fd, t, m.mtext, len,
					    KIPC_MSG_NONBLOCK));
			queued++;
		} else {
			static const unsigned int sels[] = {
				KIPC_SEL_ANY, KIPC_SEL_EXACT, KIPC_SEL_LE,
				KIPC_SEL_NOT,
			};
			unsigned int sel = sels[xorshift(&seed) % 4];
			uint32_t bufsz = xorshift(&seed) % 48;
			bool trunc = xorshift(&seed) % 2;
			struct sysv_msg s;
			char kbuf[64];
			long msgtyp;
			int sflags = IPC_NOWAIT, kret, kerr = 0;
			ssize_t sret;
			int serr = 0;
			int64_t ktype, want = sel == KIPC_SEL_ANY ? 0 : t;

			msgtyp = sel == KIPC_SEL_ANY ? 0 :
				 sel == KIPC_SEL_LE ? -t : t;
			if (sel == KIPC_SEL_NOT)
				sflags |= MSG_EXCEPT;
			if (trunc)
				sflags |= MSG_NOERROR;
			memset(&s, 0, sizeof(s));
			memset(kbuf, 0, sizeof(kbuf));
			sret = msgrcv(self->msqid, &s, bufsz, msgtyp, sflags);
			if (sret < 0)
				serr = errno;
			kret = q_recv(fd, kbuf, bufsz, sel, want,
				      KIPC_MSG_NONBLOCK |
				      (trunc ? KIPC_MSG_TRUNCATE : 0), &ktype);
			if (kret < 0)
				kerr = -kret;
			/* ENOMSG is EAGAIN here, E2BIG is EMSGSIZE. */
			if (serr == ENOMSG)
				serr = EAGAIN;
			if (serr == E2BIG)
				serr = EMSGSIZE;
			ASSERT_EQ(serr, kerr) {
				TH_LOG("step %d sel %u type %lld", i, sel,
				       (long long)t);
			}
			if (serr)
				continue;
			/* SysV returns the copied length, kipc the full. */
			ASSERT_EQ(sret, kret < (int)bufsz ? kret : (int)bufsz);
			ASSERT_EQ(s.mtype, ktype);
			ASSERT_EQ(0, memcmp(s.mtext, kbuf, sret));
			queued--;
		}
	}
	close(fd);
}

/* ---- Order with several producers ------------------------------------- */

#define ORDER_PRODUCERS 4
#define ORDER_PER_PRODUCER 2000

struct order_msg {
	uint32_t producer;
	uint32_t seq;
};

/* Producer p sends type p + 1 with sequence numbers, in batches of 16. */
static int order_producer(struct lkipc_queue *q, uint32_t p)
{
	struct order_msg m[16];
	struct kipc_mmsg mm[16];
	uint32_t seq = 0;

	while (seq < ORDER_PER_PRODUCER) {
		int n = 0, ret;

		for (; n < 16 && seq + n < ORDER_PER_PRODUCER; n++) {
			m[n].producer = p;
			m[n].seq = seq + n;
			mm[n] = (struct kipc_mmsg){
				.type = p + 1,
				.buf = (uintptr_t)&m[n],
				.len = sizeof(m[n]),
			};
		}
		ret = lkipc_queue_send_batch(q, mm, n, 0, NULL);
		if (ret <= 0)
			return -ret;
		seq += ret;
	}
	return 0;
}

TEST_F_TIMEOUT(queue, order_many_producers, 120)
{
	struct lkipc k = { .fd = self->dev };
	uint32_t next[ORDER_PRODUCERS] = { 0 };
	pid_t pids[ORDER_PRODUCERS];
	struct lkipc_queue q;
	int fd, i, total = 0;

	fd = anon_q(self->dev, 32, 16, 0);
	ASSERT_LE(0, fd);
	/* The producers' library handle: system calls, as on a raw fd. */
	ASSERT_EQ(0, lkipc_queue_from_fd(&k, &q, fd, LKIPC_OPEN_NOMAP));
	for (i = 0; i < ORDER_PRODUCERS; i++) {
		pids[i] = fork_child();
		if (pids[i] == 0)
			_exit(order_producer(&q, i));
	}
	/* Half by exact type (order per type), half by any. */
	while (total < ORDER_PRODUCERS * ORDER_PER_PRODUCER) {
		struct order_msg m;
		int64_t type;
		int ret;

		if (total % 2)
			ret = q_recv(fd, &m, sizeof(m), KIPC_SEL_ANY, 0, 0,
				     &type);
		else
			ret = q_recv(fd, &m, sizeof(m), KIPC_SEL_LE,
				     ORDER_PRODUCERS, 0, &type);
		ASSERT_EQ(sizeof(m), ret);
		ASSERT_GT(ORDER_PRODUCERS, m.producer);
		ASSERT_EQ(m.producer + 1, type);
		ASSERT_EQ(next[m.producer], m.seq);
		next[m.producer]++;
		total++;
	}
	for (i = 0; i < ORDER_PRODUCERS; i++)
		EXPECT_EQ(0, reap(pids[i]));
	EXPECT_EQ(0, Q_MSGS(fd));
	lkipc_queue_close(&q);
}

/* ---- Waiters ---------------------------------------------------------- */

/* A receiver child: exits with the value received, or 200 + errno. */
static pid_t spawn_recv(int fd, unsigned int sel, int64_t type)
{
	pid_t pid = fork_child();

	if (pid == 0) {
		long long v = q_recv_u32(fd, sel, type, 0);

		_exit(v < 0 ? 200 + (int)(-v % 50) : (int)v);
	}
	return pid;
}

TEST_F(queue, receivers_in_arrival_order)
{
	pid_t pids[5];
	int fd, i;

	fd = anon_q(self->dev, 8, 8, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 5; i++) {
		pids[i] = spawn_recv(fd, KIPC_SEL_ANY, 0);
		ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), i + 1));
	}
	for (i = 0; i < 5; i++)
		ASSERT_EQ(0, q_send_u32(fd, 1, 10 + i, 0));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(10 + i, reap(pids[i]));
	EXPECT_EQ(0, Q_MSGS(fd));
	close(fd);
}

/* A late receiver cannot take a message handed to an earlier one. */
TEST_F(queue, handoff_no_barging)
{
	pid_t waiter;
	int fd;

	fd = anon_q(self->dev, 8, 8, 0);
	ASSERT_LE(0, fd);
	waiter = spawn_recv(fd, KIPC_SEL_ANY, 0);
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	ASSERT_EQ(0, q_send_u32(fd, 1, 42, 0));
	/* At once, before the waiter can run: nothing is left for us. */
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(42, reap(waiter));
	close(fd);
}

TEST_F(queue, selective_waiters_independent)
{
	pid_t w1, w2, wle;
	int fd;

	fd = anon_q(self->dev, 8, 8, 0);
	ASSERT_LE(0, fd);
	w1 = spawn_recv(fd, KIPC_SEL_EXACT, 1);
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	w2 = spawn_recv(fd, KIPC_SEL_EXACT, 2);
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 2));
	/* Type 2 goes past the type-1 waiter to the type-2 one. */
	ASSERT_EQ(0, q_send_u32(fd, 2, 22, 0));
	EXPECT_EQ(22, reap(w2));
	EXPECT_TRUE(still_running(w1));
	/* A "lowest <= 5" waiter behind the type-1 one: 1 goes to w1. */
	wle = spawn_recv(fd, KIPC_SEL_LE, 5);
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 2));
	ASSERT_EQ(0, q_send_u32(fd, 1, 11, 0));
	EXPECT_EQ(11, reap(w1));
	ASSERT_EQ(0, q_send_u32(fd, 1, 12, 0));
	EXPECT_EQ(12, reap(wle));
	close(fd);
}

/* A waiter whose buffer is too small gets EMSGSIZE; the message moves on. */
TEST_F(queue, small_waiter_emsgsize)
{
	pid_t small, big;
	char msg[16] = "sixteen bytes!!";
	int fd;

	fd = anon_q(self->dev, 8, 16, 0);
	ASSERT_LE(0, fd);
	small = spawn_recv(fd, KIPC_SEL_ANY, 0);	/* 4-byte buffer */
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	big = fork_child();
	if (big == 0) {
		char b[16];
		int ret = q_recv(fd, b, sizeof(b), KIPC_SEL_ANY, 0, 0, NULL);

		_exit(ret == 16 && !memcmp(b, msg, 16) ? 0 : 1);
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 2));
	ASSERT_EQ(0, q_send(fd, 3, msg, 16, 0));
	EXPECT_EQ(200 + EMSGSIZE % 50, reap(small));
	EXPECT_EQ(0, reap(big));
	close(fd);
}

/* A blocked peek sees the message and leaves it for a blocked receiver. */
TEST_F(queue, peek_waits)
{
	pid_t peeker, taker;
	int fd;

	fd = anon_q(self->dev, 4, 8, 0);
	ASSERT_LE(0, fd);
	peeker = fork_child();
	if (peeker == 0) {
		uint32_t v;
		int ret = q_recv(fd, &v, sizeof(v), KIPC_SEL_EXACT, 3,
				 KIPC_MSG_PEEK, NULL);

		_exit(ret == 4 && v == 33 ? 0 : 1);
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	taker = spawn_recv(fd, KIPC_SEL_ANY, 0);
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 2));
	ASSERT_EQ(0, q_send_u32(fd, 3, 33, 0));
	EXPECT_EQ(33, reap(taker));
	/* The peeker was woken; the message is gone by then, so it waits. */
	EXPECT_TRUE(still_running(peeker));
	ASSERT_EQ(0, q_send_u32(fd, 3, 33, 0));
	EXPECT_EQ(0, reap(peeker));
	EXPECT_EQ(1, Q_MSGS(fd));
	close(fd);
}

/* A sender child: exits 0 or with the errno. */
static pid_t spawn_send(int fd, int64_t type, uint32_t len)
{
	pid_t pid = fork_child();

	if (pid == 0) {
		char buf[256];

		memset(buf, (int)type, sizeof(buf));
		_exit(-q_send(fd, type, buf, len, 0));
	}
	return pid;
}

TEST_F(queue, senders_fifo_large_head)
{
	char buf[256];
	pid_t big, small;
	int64_t type;
	int fd;

	/* 1000 bytes. */
	fd = anon_q(self->dev, 16, 256, 1000);
	ASSERT_LE(0, fd);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(0, q_send(fd, 1, buf, 250, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 250, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 250, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 200, 0));
	/* 50 bytes free: a 256-byte sender waits, then a 10-byte one. */
	big = spawn_send(fd, 2, 256);
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), 1));
	small = spawn_send(fd, 3, 10);
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), 2));
	/* The small one would fit but must not overtake. */
	EXPECT_EQ(-EAGAIN, q_send(fd, 4, buf, 1, KIPC_MSG_NONBLOCK));
	EXPECT_TRUE(still_running(small));
	/* 250 more bytes free: 300 in all, both are admitted, in order. */
	ASSERT_EQ(250, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(0, reap(big));
	EXPECT_EQ(0, reap(small));
	EXPECT_EQ(250, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(250, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(200, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(256, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0,
			      &type));
	EXPECT_EQ(2, type);
	EXPECT_EQ(10, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(3, type);
	close(fd);
}

/* A blocked sender that leaves lets the one behind it in. */
TEST_F(queue, sender_leaves_head)
{
	pid_t big, small;
	char buf[64] = { 0 };
	int fd;

	fd = anon_q(self->dev, 4, 64, 100);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, q_send(fd, 1, buf, 60, 0));
	big = spawn_send(fd, 2, 64);
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), 1));
	small = spawn_send(fd, 3, 20);
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), 2));
	kill(big, SIGKILL);
	EXPECT_EQ(1000 + SIGKILL, reap(big));
	EXPECT_EQ(0, reap(small));
	EXPECT_EQ(2, Q_MSGS(fd));
	close(fd);
}

/* ---- Deadlines and signals -------------------------------------------- */

FIXTURE(timed) {
	int dev;
};

FIXTURE_VARIANT(timed) {
	clockid_t clock;
	unsigned int flags;
};

FIXTURE_VARIANT_ADD(timed, monotonic) {
	.clock = CLOCK_MONOTONIC,
	.flags = 0,
};

FIXTURE_VARIANT_ADD(timed, realtime) {
	.clock = CLOCK_REALTIME,
	.flags = KIPC_MSG_REALTIME,
};

FIXTURE_SETUP(timed)
{
	self->dev = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->dev);
}

FIXTURE_TEARDOWN(timed)
{
	close(self->dev);
}

TEST_F(timed, deadlines)
{
	struct timespec ts;
	char buf[8] = { 0 };
	double t0;
	int fd;

	fd = anon_q(self->dev, 1, 8, 0);
	ASSERT_LE(0, fd);
	/* t0 first: the deadline is at least 100 ms after it. */
	t0 = now_mono();
	ts = in_future(variant->clock, 100000000);
	EXPECT_EQ(-ETIMEDOUT, q_recv_full(fd, buf, 8, KIPC_SEL_ANY, 0,
					  variant->flags, &ts, NULL, NULL));
	EXPECT_LE(0.09, now_mono() - t0);
	EXPECT_EQ(0, Q_NRECV(fd));
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	ts = in_future(variant->clock, 100000000);
	EXPECT_EQ(-ETIMEDOUT, q_send_full(fd, 1, buf, 8, variant->flags, &ts));
	EXPECT_EQ(0, Q_NSEND(fd));
	/* A deadline in the past with a message there: success. */
	ts = in_future(variant->clock, -1000000000LL);
	EXPECT_EQ(8, q_recv_full(fd, buf, 8, KIPC_SEL_ANY, 0, variant->flags,
				 &ts, NULL, NULL));
	close(fd);
}

TEST_F(queue, signal_interrupts)
{
	pid_t pid;
	int fd;

	fd = anon_q(self->dev, 1, 8, 0);
	ASSERT_LE(0, fd);
	pid = fork_child();
	if (pid == 0) {
		int r1, r2;

		set_handler(SIGUSR1, SA_RESTART);
		r1 = q_recv_u32(fd, KIPC_SEL_ANY, 0, 0);
		if (q_send_u32(fd, 1, 1, 0))
			_exit(1);
		r2 = q_send_u32(fd, 1, 2, 0);
		_exit(r1 == -EINTR && r2 == -EINTR ? 0 : 2);
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	kill(pid, SIGUSR1);
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), 1));
	kill(pid, SIGUSR1);
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(1, Q_MSGS(fd));
	close(fd);
}

/* ---- Stress: no loss, no duplicates, intact contents ------------------ */

#define STRESS_PRODUCERS 3
#define STRESS_CONSUMERS 2
#define STRESS_TOTAL 100000
#define STRESS_PER (STRESS_TOTAL / STRESS_PRODUCERS + 1)

struct stress_msg {
	uint32_t producer;
	uint32_t seq;
	uint32_t sum;
	uint32_t pad;
};

struct stress_shared {
	volatile uint32_t seen[STRESS_PRODUCERS][STRESS_PER];
	volatile uint32_t received[STRESS_CONSUMERS];
	volatile uint32_t bad;
	volatile int stop;
};

static uint32_t stress_sum(const struct stress_msg *m)
{
	return (m->producer * 2654435761u) ^ (m->seq * 40503u) ^ 0x5a5a5a5au;
}

static uint32_t stress_count(uint32_t p)
{
	return STRESS_TOTAL / STRESS_PRODUCERS +
	       (p < STRESS_TOTAL % STRESS_PRODUCERS);
}

/* Sends its share in batches; signals and deadlines interrupt, it retries. */
static int stress_producer(struct lkipc_queue *q, uint32_t p)
{
	uint32_t seq = 0, n = stress_count(p), seed = p + 1;
	struct stress_msg m[32];
	struct kipc_mmsg mm[32];

	set_handler(SIGUSR1, 0);
	while (seq < n) {
		struct timespec ts = in_future(CLOCK_MONOTONIC,
					       (xorshift(&seed) % 3) * 1000000);
		uint32_t k;
		int ret;

		for (k = 0; k < 32 && seq + k < n; k++) {
			m[k] = (struct stress_msg){ p, seq + k, 0, 0 };
			m[k].sum = stress_sum(&m[k]);
			mm[k] = (struct kipc_mmsg){ .type = 1 + p,
				.buf = (uintptr_t)&m[k], .len = sizeof(m[k]) };
		}
		ret = lkipc_queue_send_batch(q, mm, k, 0,
					     xorshift(&seed) % 2 ? &ts : NULL);
		if (ret > 0)
			seq += ret;
		else if (ret != -EINTR && ret != -ETIMEDOUT)
			return 1;
	}
	return 0;
}

static int stress_consumer(struct lkipc_queue *q, struct stress_shared *sh,
			   uint32_t c)
{
	uint32_t last[STRESS_PRODUCERS], seed = 99 + c;
	struct stress_msg m[32];
	struct kipc_mmsg mm[32];

	memset(last, 0xff, sizeof(last));
	set_handler(SIGUSR1, 0);
	while (!sh->stop) {
		struct timespec ts = in_future(CLOCK_MONOTONIC,
					       (xorshift(&seed) % 3) * 1000000);
		int ret, k;

		for (k = 0; k < 32; k++)
			mm[k] = (struct kipc_mmsg){ .buf = (uintptr_t)&m[k],
						    .len = sizeof(m[k]) };
		ret = lkipc_queue_recv_batch(q, mm, 32, KIPC_SEL_ANY, 0, 0,
					     xorshift(&seed) % 2 ? &ts : NULL);
		if (ret == -EINTR || ret == -ETIMEDOUT)
			continue;
		if (ret <= 0)
			return 1;
		for (k = 0; k < ret; k++) {
			struct stress_msg *x = &m[k];

			if (mm[k].msg_len != sizeof(*x) ||
			    x->producer >= STRESS_PRODUCERS ||
			    x->seq >= STRESS_PER || x->sum != stress_sum(x) ||
			    mm[k].type != 1 + x->producer ||
			    (last[x->producer] != UINT32_MAX &&
			     x->seq <= last[x->producer])) {
				sh->bad++;
				continue;
			}
			last[x->producer] = x->seq;
			__atomic_fetch_add(&sh->seen[x->producer][x->seq], 1,
					   __ATOMIC_RELAXED);
		}
		__atomic_fetch_add(&sh->received[c], ret, __ATOMIC_RELAXED);
	}
	return 0;
}

TEST_F_TIMEOUT(queue, no_loss_signal_storm, 240)
{
	pid_t prod[STRESS_PRODUCERS], cons[STRESS_CONSUMERS];
	struct lkipc k = { .fd = self->dev };
	struct stress_shared *sh;
	uint32_t p, s, total;
	struct lkipc_queue q;
	double end;
	int fd, i;

	sh = shared_map(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	fd = anon_q(self->dev, 64, sizeof(struct stress_msg), 0);
	ASSERT_LE(0, fd);
	/* The children's library handle: system calls, as on a raw fd. */
	ASSERT_EQ(0, lkipc_queue_from_fd(&k, &q, fd, LKIPC_OPEN_NOMAP));
	/* Inherited: a signal may arrive before a child runs at all. */
	set_handler(SIGUSR1, 0);
	for (i = 0; i < STRESS_CONSUMERS; i++) {
		cons[i] = fork_child();
		if (cons[i] == 0)
			_exit(stress_consumer(&q, sh, i));
	}
	for (i = 0; i < STRESS_PRODUCERS; i++) {
		prod[i] = fork_child();
		if (prod[i] == 0)
			_exit(stress_producer(&q, i));
	}
	/* The storm, until every message has arrived. */
	end = now_mono() + 200;
	for (;;) {
		total = 0;
		for (i = 0; i < STRESS_CONSUMERS; i++)
			total += sh->received[i];
		if (total >= STRESS_TOTAL || now_mono() > end)
			break;
		for (i = 0; i < STRESS_PRODUCERS; i++)
			kill(prod[i], SIGUSR1);
		for (i = 0; i < STRESS_CONSUMERS; i++)
			kill(cons[i], SIGUSR1);
		usleep(2000);
	}
	for (i = 0; i < STRESS_PRODUCERS; i++)
		EXPECT_EQ(0, reap(prod[i]));
	sh->stop = 1;
	for (i = 0; i < STRESS_CONSUMERS; i++) {
		int status = -1;

		/* Signal until it sees "stop" (it may block without one). */
		for (;;) {
			kill(cons[i], SIGUSR1);
			usleep(5000);
			if (waitpid(cons[i], &status, WNOHANG) == cons[i])
				break;
		}
		EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	}
	EXPECT_EQ(0, sh->bad);
	EXPECT_EQ(STRESS_TOTAL, total);
	for (p = 0; p < STRESS_PRODUCERS; p++)
		for (s = 0; s < stress_count(p); s++)
			ASSERT_EQ(1, sh->seen[p][s]) {
				TH_LOG("producer %u seq %u", p, s);
			}
	EXPECT_EQ(0, Q_MSGS(fd));
	lkipc_queue_close(&q);
	munmap(sh, sizeof(*sh));
}

/* Processes killed mid-send and mid-receive take nothing of others'. */
TEST_F_TIMEOUT(queue, kill_mid_operation, 120)
{
	pid_t victims[9], survivor;
	int fd, i, round;

	fd = anon_q(self->dev, 6, 8, 0);
	ASSERT_LE(0, fd);
	for (round = 0; round < 4; round++) {
		/* Ours: two messages of type 5 and a waiting receiver of 6. */
		ASSERT_EQ(0, q_send_u32(fd, 5, 10 * round, 0));
		ASSERT_EQ(0, q_send_u32(fd, 5, 10 * round + 1, 0));
		survivor = spawn_recv(fd, KIPC_SEL_EXACT, 6);
		ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
		/* Victims: receivers of type 7 and 99, senders of type 7. */
		for (i = 0; i < 3; i++) {
			victims[i] = spawn_recv(fd, KIPC_SEL_EXACT, 99);
			victims[3 + i] = fork_child();
			if (victims[3 + i] == 0)
				for (;;)
					q_recv_u32(fd, KIPC_SEL_EXACT, 7, 0);
			victims[6 + i] = fork_child();
			if (victims[6 + i] == 0)
				for (uint32_t v = 0;; v++)
					q_send_u32(fd, 7, v, 0);
		}
		ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd) >= 4, 1));
		usleep(50000);
		for (i = 0; i < 9; i++)
			kill(victims[i], SIGKILL);
		for (i = 0; i < 9; i++)
			EXPECT_EQ(1000 + SIGKILL, reap(victims[i]));
		EXPECT_EQ(1, Q_NRECV(fd));
		EXPECT_EQ(0, Q_NSEND(fd));
		/* What the victims left is whole. */
		while (q_recv_u32(fd, KIPC_SEL_EXACT, 7, KIPC_MSG_NONBLOCK) >= 0)
			;
		EXPECT_EQ(2, Q_MSGS(fd));
		ASSERT_EQ(0, q_send_u32(fd, 6, 60 + round, 0));
		EXPECT_EQ(60 + round, reap(survivor));
		EXPECT_EQ(10 * round, q_recv_u32(fd, KIPC_SEL_EXACT, 5,
						 KIPC_MSG_NONBLOCK));
		EXPECT_EQ(10 * round + 1, q_recv_u32(fd, KIPC_SEL_EXACT, 5,
						     KIPC_MSG_NONBLOCK));
		EXPECT_EQ(0, Q_MSGS(fd));
	}
	close(fd);
}

/* ---- Destroy ---------------------------------------------------------- */

TEST_F(queue, destroy_wakes_everyone)
{
	struct kipc_queue_stat st;
	struct pollfd pfd;
	pid_t r[3], s[3];
	char buf[8] = { 0 };
	int fd, i;

	fd = anon_q(self->dev, 2, 8, 0);
	ASSERT_LE(0, fd);
	for (i = 0; i < 3; i++) {
		r[i] = spawn_recv(fd, KIPC_SEL_EXACT, 50 + i);
		ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), i + 1));
	}
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	for (i = 0; i < 3; i++) {
		s[i] = spawn_send(fd, 2, 8);
		ASSERT_EQ(0, WAIT_FOR(Q_NSEND(fd), i + 1));
	}
	ASSERT_EQ(0, destroy(fd));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(200 + EIDRM % 50, reap(r[i]));
		EXPECT_EQ(EIDRM, reap(s[i]));
	}
	EXPECT_EQ(-EIDRM, q_send(fd, 1, buf, 8, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(-EIDRM, q_recv(fd, buf, 8, KIPC_SEL_ANY, 0,
				 KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-1, write(fd, buf, 8));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(-1, read(fd, buf, 8));
	EXPECT_EQ(EIDRM, errno);
	EXPECT_EQ(-EIDRM, destroy(fd));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents);
	ASSERT_EQ(0, queue_stat(fd, &st));
	EXPECT_EQ(2, st.dropped);
	EXPECT_EQ(2, st.sent);
	EXPECT_EQ(0, st.msgs);
	EXPECT_TRUE(st.queue_flags & KIPC_QUEUE_DESTROYED);
	close(fd);
}

/* ---- Pipe mode --------------------------------------------------------- */

static int pipe_pair(int dev, const char *name, int *rd, int *wr,
		     unsigned int wflags)
{
	*rd = q_open_full(dev, name, KIPC_OPEN_READ | KIPC_OPEN_CREATE, 0600,
			  4, 16, 0, KIPC_QUEUE_PIPE, NULL);
	if (*rd < 0)
		return *rd;
	*wr = q_open_full(dev, name, KIPC_OPEN_WRITE, 0, 0, 0, 0, wflags,
			  NULL);
	return *wr < 0 ? *wr : 0;
}

static void unlink_q(int dev, const char *name)
{
	unlink_obj(dev, KIPC_OBJ_QUEUE, name);
}

TEST_F(queue, pipe_eof)
{
	char name[64], buf[16];
	struct kipc_queue_stat st;
	struct pollfd pfd;
	int64_t type;
	pid_t pid;
	int rd, wr;

	make_name(name, sizeof(name), "pipe-eof");
	ASSERT_EQ(0, pipe_pair(self->dev, name, &rd, &wr, 0));
	unlink_q(self->dev, name);
	ASSERT_EQ(0, queue_stat(rd, &st));
	EXPECT_EQ(KIPC_QUEUE_PIPE, st.queue_flags);
	EXPECT_EQ(1, st.readers);
	EXPECT_EQ(1, st.writers);
	pfd = (struct pollfd){ .fd = rd, .events = POLLIN };
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(3, write(wr, "abc", 3));
	ASSERT_EQ(0, q_send(wr, 4, "zz", 2, 0));
	/* Queued messages first, then a blocked reader gets EOF. */
	pid = fork_child();
	if (pid == 0) {
		char b[16];

		close(wr);
		if (read(rd, b, sizeof(b)) != 3 || read(rd, b, sizeof(b)) != 2)
			_exit(1);
		_exit(read(rd, b, sizeof(b)) == 0 ? 0 : 2);
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(rd), 1));
	close(wr);
	EXPECT_EQ(0, reap(pid));
	/* EOF again and again, for any selector. */
	EXPECT_EQ(0, q_recv(rd, buf, sizeof(buf), KIPC_SEL_ANY, 0, 0, &type));
	EXPECT_EQ(0, type);
	EXPECT_EQ(0, q_recv(rd, buf, sizeof(buf), KIPC_SEL_EXACT, 3, 0, &type));
	EXPECT_EQ(0, read(rd, buf, sizeof(buf)));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLIN);
	close(rd);
}

TEST_F(queue, pipe_epipe_sigpipe)
{
	struct pollfd pfd;
	char name[64];
	int rd, wr, wr2, obs;
	pid_t pid;

	make_name(name, sizeof(name), "pipe-epipe");
	ASSERT_EQ(0, pipe_pair(self->dev, name, &rd, &wr, 0));
	wr2 = q_open_full(self->dev, name, KIPC_OPEN_WRITE, 0, 0, 0, 0,
			  KIPC_QUEUE_NOSIGPIPE, NULL);
	ASSERT_LE(0, wr2);
	/* Read-write: neither reader nor writer; for observing. */
	obs = q_open_full(self->dev, name, RW, 0, 0, 0, 0, 0, NULL);
	ASSERT_LE(0, obs);
	/* A sender blocked on a full queue gets EPIPE when readers go. */
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(0, q_send(wr, 1, "m", 1, 0));
	pid = fork_child();
	if (pid == 0) {
		close(rd);
		signal(SIGPIPE, SIG_IGN);
		_exit(-q_send(wr, 1, "m", 1, 0));
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NSEND(obs), 1));
	close(rd);
	EXPECT_EQ(EPIPE, reap(pid));
	/* SIGPIPE by default, for the ioctl and write(2). */
	pid = fork_child();
	if (pid == 0)
		_exit(-q_send(wr, 1, "m", 1, 0));
	EXPECT_EQ(1000 + SIGPIPE, reap(pid));
	pid = fork_child();
	if (pid == 0)
		_exit(write(wr, "m", 1) < 0 ? errno : 0);
	EXPECT_EQ(1000 + SIGPIPE, reap(pid));
	/* Not with KIPC_MSG_NOSIGNAL or a NOSIGPIPE handle. */
	EXPECT_EQ(-EPIPE, q_send(wr, 1, "m", 1, KIPC_MSG_NOSIGNAL));
	EXPECT_EQ(-EPIPE, q_send(wr2, 1, "m", 1, 0));
	EXPECT_EQ(-1, write(wr2, "m", 1));
	EXPECT_EQ(EPIPE, errno);
	pfd = (struct pollfd){ .fd = wr2, .events = POLLOUT };
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_TRUE(pfd.revents & POLLERR);
	/* A new reader ends it: the queue is just full again. */
	rd = q_open_full(self->dev, name, KIPC_OPEN_READ, 0, 0, 0, 0, 0, NULL);
	ASSERT_LE(0, rd);
	unlink_q(self->dev, name);
	EXPECT_EQ(-EAGAIN, q_send(wr2, 1, "m", 1, KIPC_MSG_NONBLOCK));
	EXPECT_EQ(1, q_recv(rd, name, sizeof(name), KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(0, q_send(wr2, 1, "m", 1, KIPC_MSG_NONBLOCK));
	close(rd);
	close(wr);
	close(wr2);
	close(obs);
}

/* ---- read / write, poll, epoll, SIGIO --------------------------------- */

TEST_F(queue, read_write)
{
	char buf[32];
	int64_t type;
	int fd, fl;

	fd = anon_q(self->dev, 2, 16, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, write(fd, "hello", 5));
	EXPECT_EQ(-1, write(fd, buf, 17));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(5, q_recv(fd, buf, sizeof(buf), KIPC_SEL_EXACT, 1,
			    KIPC_MSG_PEEK, &type));
	EXPECT_EQ(1, type);
	EXPECT_EQ(-1, read(fd, buf, 4));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(5, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	fl = fcntl(fd, F_GETFL);
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fl | O_NONBLOCK));
	EXPECT_EQ(-1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, write(fd, "a", 1));
	EXPECT_EQ(0, write(fd, "", 0));
	EXPECT_EQ(-1, write(fd, "b", 1));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(1, read(fd, buf, sizeof(buf)));
	EXPECT_EQ(0, read(fd, buf, sizeof(buf)));	/* the empty message */
	close(fd);
}

TEST_F(queue, access_modes)
{
	char name[64], buf[8];
	int rd, wr;

	make_name(name, sizeof(name), "modes");
	wr = q_open_full(self->dev, name, KIPC_OPEN_WRITE | KIPC_OPEN_CREATE,
			 0600, 0, 0, 0, 0, NULL);
	ASSERT_LE(0, wr);
	rd = q_open_full(self->dev, name, KIPC_OPEN_READ, 0, 0, 0, 0, 0, NULL);
	ASSERT_LE(0, rd);
	unlink_q(self->dev, name);
	EXPECT_EQ(-EBADF, q_send(rd, 1, "x", 1, 0));
	EXPECT_EQ(-1, write(rd, "x", 1));
	EXPECT_EQ(EBADF, errno);
	EXPECT_EQ(-EBADF, q_recv(wr, buf, 8, KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(-1, read(wr, buf, 8));
	EXPECT_EQ(EBADF, errno);
	struct kipc_queue_stat st;

	EXPECT_EQ(-EBADF, queue_stat(wr, &st));
	EXPECT_EQ(0, q_send(wr, 1, "x", 1, 0));
	EXPECT_EQ(1, q_recv(rd, buf, 8, KIPC_SEL_ANY, 0, 0, NULL));
	close(rd);
	close(wr);
}

TEST_F(queue, poll_edges)
{
	struct pollfd pfd;
	char buf[64] = { 0 };
	pid_t pid;
	int fd;

	fd = anon_q(self->dev, 2, 64, 128);
	ASSERT_LE(0, fd);
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	/* 40 bytes: a 64-byte message still fits: POLLIN | POLLOUT. */
	ASSERT_EQ(0, q_send(fd, 3, buf, 40, 0));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN | POLLOUT, pfd.revents);
	/* A second message: full by count. */
	ASSERT_EQ(0, q_send(fd, 3, buf, 1, 0));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(-EAGAIN, q_send(fd, 3, buf, 1, KIPC_MSG_NONBLOCK));
	/* Empty again; a blocked receiver of another type. */
	ASSERT_EQ(40, q_recv(fd, buf, 64, KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, q_recv(fd, buf, 64, KIPC_SEL_ANY, 0, 0, NULL));
	ASSERT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLOUT, pfd.revents);
	/* A poller wakes on a send. */
	pid = fork_child();
	if (pid == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		_exit(poll(&p, 1, 20000) == 1 && p.revents == POLLIN ? 0 : 1);
	}
	usleep(100000);
	ASSERT_EQ(0, q_send(fd, 3, buf, 1, 0));
	EXPECT_EQ(0, reap(pid));
	close(fd);
}

TEST_F(queue, epoll_edge_triggered)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	char buf[8] = { 0 };
	int fd, ep;

	fd = anon_q(self->dev, 8, 8, 0);
	ASSERT_LE(0, fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	EXPECT_TRUE(ev.events & EPOLLIN);
	/* Edge: no new event without a new message. */
	EXPECT_EQ(0, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	/* Destroy: EPOLLHUP. */
	ASSERT_EQ(0, destroy(fd));
	EXPECT_EQ(1, epoll_wait(ep, &ev, 1, 1000));
	EXPECT_TRUE(ev.events & EPOLLHUP);
	close(ep);
	close(fd);
}

TEST_F(queue, sigio)
{
	char buf[8] = { 0 };
	int fd, i;

	fd = anon_q(self->dev, 2, 8, 0);
	ASSERT_LE(0, fd);
	got_signal = 0;
	set_handler(SIGIO, SA_RESTART);
	ASSERT_EQ(0, fcntl(fd, F_SETOWN, getpid()));
	ASSERT_EQ(0, fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC));
	ASSERT_EQ(0, q_send(fd, 1, buf, 8, 0));
	for (i = 0; i < 1000 && !got_signal; i++)
		usleep(1000);
	EXPECT_LE(1, got_signal);
	got_signal = 0;
	ASSERT_EQ(8, q_recv(fd, buf, 8, KIPC_SEL_ANY, 0, 0, NULL));
	for (i = 0; i < 1000 && !got_signal; i++)
		usleep(1000);
	EXPECT_LE(1, got_signal);
	signal(SIGIO, SIG_DFL);
	close(fd);
}

/* ---- Notification registration (KIPC_IOC_QUEUE_NOTIFY) --------------- */

/* KIPC_IOC_QUEUE_NOTIFY: 0 (removed in *removed if not NULL) or -errno. */
static int q_notify(int fd, unsigned int kind, int signo, uint64_t value,
		    int efd, unsigned int *removed)
{
	struct kipc_queue_notify n;
	int ret;

	memset(&n, 0, sizeof(n));
	n.size = sizeof(n);
	n.kind = kind;
	n.signo = signo;
	n.value = value;
	n.eventfd = efd;
	n.removed = 7;
	ret = ioctl_ret(fd, KIPC_IOC_QUEUE_NOTIFY, &n);
	if (removed)
		*removed = n.removed;
	return ret;
}

#define Q_NOTIFY(fd) q_field(fd, offsetof(struct kipc_queue_stat, notify))
#define Q_NOTIFY_PID(fd) \
	q_field(fd, offsetof(struct kipc_queue_stat, notify_pid))
#define Q_RING_MODE(fd) q_field(fd, offsetof(struct kipc_queue_stat, ring_mode))

/* Every errno of the request, and what the stat says of a registration. */
TEST_F(queue, notify_errors)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct kipc_queue_notify big[1];
	unsigned int removed;
	int fd, wo, efd, notefd;
	uint64_t cnt;
	pid_t pid;

	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_GET_INFO, &info));
	ASSERT_TRUE(info.features & KIPC_FEAT_QUEUE_NOTIFY);
	fd = anon_q(self->dev, 4, 8, 0);
	ASSERT_LE(0, fd);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_LE(0, efd);
	notefd = dup(efd);
	ASSERT_LE(0, notefd);
	close(notefd);		/* now no descriptor */

	/* The size rules (iommufd's cmd_length), with a REMOVE. */
	TEST_LENGTH_FD(fd, kipc_queue_notify, KIPC_IOC_QUEUE_NOTIFY, removed,
		       buf.cmd.kind = KIPC_NOTIFY_REMOVE);
	EXPECT_EQ(0, Q_NOTIFY(fd));
	/* flags, kinds, signals, and fields the kind does not use. */
	memset(big, 0, sizeof(big));
	big[0].size = sizeof(big[0]);
	big[0].flags = 1;
	big[0].kind = KIPC_NOTIFY_NONE;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_QUEUE_NOTIFY, big));
	EXPECT_EQ(-EINVAL, q_notify(fd, 4, 0, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_SIGNAL, 65, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_SIGNAL, -1, 0, 0, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_NONE, SIGUSR1, 0, 0,
				    NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_NONE, 0, 5, 0, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_REMOVE, 0, 0, efd, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_SIGNAL, SIGUSR1, 0, efd,
				    NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_EVENTFD, SIGUSR1, 0, efd,
				    NULL));
	/* Not a descriptor; a descriptor that is no eventfd. */
	EXPECT_EQ(-EBADF, q_notify(fd, KIPC_NOTIFY_EVENTFD, 0, 0, notefd,
				   NULL));
	EXPECT_EQ(-EBADF, q_notify(fd, KIPC_NOTIFY_EVENTFD, 0, 0, -1, NULL));
	EXPECT_EQ(-EINVAL, q_notify(fd, KIPC_NOTIFY_EVENTFD, 0, 0, self->dev,
				    NULL));
	EXPECT_EQ(0, Q_NOTIFY(fd));
	/* Another object's id: EBADF, nothing registered. */
	memset(big, 0, sizeof(big));
	big[0].size = sizeof(big[0]);
	big[0].kind = KIPC_NOTIFY_NONE;
	big[0].id = ~0ULL;
	EXPECT_EQ(-EBADF, ioctl_ret(fd, KIPC_IOC_QUEUE_NOTIFY, big));
	EXPECT_EQ(0, Q_NOTIFY(fd));
	EXPECT_EQ(KIPC_RING_MODE_FAST, Q_RING_MODE(fd));

	/* One registration, whoever asks; the stat shows it. */
	EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_NONE, 0, 0, 0, NULL));
	EXPECT_EQ(KIPC_NOTIFY_NONE, Q_NOTIFY(fd));
	EXPECT_EQ(getpid(), Q_NOTIFY_PID(fd));
	EXPECT_EQ(KIPC_RING_MODE_KERNEL, Q_RING_MODE(fd));
	EXPECT_EQ(-EBUSY, q_notify(fd, KIPC_NOTIFY_NONE, 0, 0, 0, NULL));
	pid = fork_child();
	if (pid == 0) {
		unsigned int r = 9;

		if (q_notify(fd, KIPC_NOTIFY_SIGNAL, SIGUSR1, 0, 0, NULL) !=
		    -EBUSY)
			_exit(1);
		/* Another process's removal: no error, nothing removed. */
		if (q_notify(fd, KIPC_NOTIFY_REMOVE, 0, 0, 0, &r) || r)
			_exit(2);
		/* Nor does its close: the registration is not its own. */
		close(fd);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(getpid(), Q_NOTIFY_PID(fd));
	EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_REMOVE, 0, 0, 0, &removed));
	EXPECT_EQ(1, removed);
	EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_REMOVE, 0, 0, 0, &removed));
	EXPECT_EQ(0, removed);
	EXPECT_EQ(0, Q_NOTIFY(fd));
	EXPECT_EQ(0, Q_NOTIFY_PID(fd));
	EXPECT_EQ(KIPC_RING_MODE_FAST, Q_RING_MODE(fd));

	/* EVENTFD: counts 1 when a message arrives, then it is gone. */
	EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_EVENTFD, 0, 0, efd, NULL));
	EXPECT_EQ(KIPC_NOTIFY_EVENTFD, Q_NOTIFY(fd));
	EXPECT_EQ(-1, read(efd, &cnt, sizeof(cnt)));
	ASSERT_EQ(0, q_send_u32(fd, 1, 1, 0));
	EXPECT_EQ(sizeof(cnt), read(efd, &cnt, sizeof(cnt)));
	EXPECT_EQ(1, cnt);
	EXPECT_EQ(0, Q_NOTIFY(fd));
	EXPECT_EQ(1, q_recv_u32(fd, KIPC_SEL_ANY, 0, 0));
	/* SIGNAL 0 registers and sends nothing. */
	EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_SIGNAL, 0, 0, 0, NULL));
	ASSERT_EQ(0, q_send_u32(fd, 1, 2, 0));
	EXPECT_EQ(0, Q_NOTIFY(fd));
	EXPECT_EQ(2, q_recv_u32(fd, KIPC_SEL_ANY, 0, 0));
	/* The library's call: REMOVE says whether it removed one. */
	{
		struct lkipc k = { .fd = self->dev };
		struct lkipc_queue q;

		ASSERT_EQ(0, lkipc_queue_from_fd(&k, &q, fd, LKIPC_OPEN_NOMAP));
		EXPECT_EQ(-EINVAL, lkipc_queue_notify(NULL, KIPC_NOTIFY_NONE, 0,
						      0, 0));
		EXPECT_EQ(0, lkipc_queue_notify(&q, KIPC_NOTIFY_REMOVE, 0, 0,
						0));
		EXPECT_EQ(0, lkipc_queue_notify(&q, KIPC_NOTIFY_SIGNAL,
						SIGUSR1, 5, 0));
		EXPECT_EQ(-EBUSY, lkipc_queue_notify(&q, KIPC_NOTIFY_NONE, 0,
						     0, 0));
		EXPECT_EQ(1, lkipc_queue_notify(&q, KIPC_NOTIFY_REMOVE, 0, 0,
						0));
		EXPECT_EQ(0, Q_NOTIFY(fd));
	}

	close(fd);

	/* A write-only handle may register; closing it removes it. */
	{
		struct kipc_open op;
		char name[64];

		make_name(name, sizeof(name), "notify-wo");
		fd = q_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0600,
				 4, 8, 0, 0, &op);
		ASSERT_LE(0, fd);
		wo = q_open_full(self->dev, name, KIPC_OPEN_WRITE, 0, 0, 0, 0,
				 0, NULL);
		ASSERT_LE(0, wo);
		EXPECT_EQ(0, q_notify(wo, KIPC_NOTIFY_NONE, 0, 0, 0, NULL));
		EXPECT_EQ(KIPC_NOTIFY_NONE, Q_NOTIFY(fd));
		close(wo);
		EXPECT_EQ(0, Q_NOTIFY(fd));
		/* Destroy removes it; then EIDRM. */
		EXPECT_EQ(0, q_notify(fd, KIPC_NOTIFY_NONE, 0, 0, 0, NULL));
		ASSERT_EQ(0, destroy(fd));
		EXPECT_EQ(0, Q_NOTIFY(fd));
		EXPECT_EQ(-EIDRM, q_notify(fd, KIPC_NOTIFY_NONE, 0, 0, 0,
					   NULL));
		unlink_obj(self->dev, KIPC_OBJ_QUEUE, name);
		close(fd);
	}
	close(efd);
}

/* ---- io_uring --------------------------------------------------------- */

#ifdef HAVE_LIBURING_TEST
/* Threads of this process whose name starts with "iou-wrk". */
static int count_io_workers(void)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir("/proc/self/task");

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char path[320], comm[32] = "";
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm",
			 de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "iou-wrk", 7))
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

#define URING_QUEUES 64

TEST_F_TIMEOUT(queue, io_uring_64_queues, 120)
{
	static char bufs[URING_QUEUES][32];
	struct lkipc_queue qs[URING_QUEUES];
	struct lkipc k = { .fd = self->dev };
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fds[URING_QUEUES];
	bool done[URING_QUEUES] = { false };
	int i, ret;

	ret = io_uring_queue_init(2 * URING_QUEUES, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "no io_uring: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	for (i = 0; i < URING_QUEUES; i++) {
		fds[i] = anon_q(self->dev, 4, 32, 0);
		ASSERT_LE(0, fds[i]);
		ASSERT_EQ(0, lkipc_queue_from_fd(&k, &qs[i], fds[i],
						 LKIPC_OPEN_NOMAP));
	}
	/* Receives on 64 empty queues: they must park on poll, not workers. */
	for (i = 0; i < URING_QUEUES; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		ASSERT_NE(NULL, sqe);
		lkipc_prep_recv(sqe, &qs[i], bufs[i], sizeof(bufs[i]));
		io_uring_sqe_set_data64(sqe, i);
	}
	ASSERT_EQ(URING_QUEUES, io_uring_submit(&ring));
	usleep(200000);
	EXPECT_EQ(0, count_io_workers());
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&ring, &cqe));
	/* Send on each, in reverse, with io_uring too. */
	for (i = URING_QUEUES - 1; i >= 0; i--) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		static char msg[URING_QUEUES][16];

		snprintf(msg[i], sizeof(msg[i]), "queue %d", i);
		lkipc_prep_send(sqe, &qs[i], msg[i], strlen(msg[i]) + 1);
		io_uring_sqe_set_data64(sqe, 1000 + i);
	}
	ASSERT_EQ(URING_QUEUES, io_uring_submit(&ring));
	for (int n = 0; n < 2 * URING_QUEUES; n++) {
		char want[16];
		uint64_t id;

		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		id = io_uring_cqe_get_data64(cqe);
		if (id >= 1000) {
			snprintf(want, sizeof(want), "queue %d",
				 (int)(id - 1000));
			EXPECT_EQ((int)strlen(want) + 1, cqe->res);
		} else {
			ASSERT_GT(URING_QUEUES, id);
			snprintf(want, sizeof(want), "queue %d", (int)id);
			EXPECT_EQ((int)strlen(want) + 1, cqe->res);
			EXPECT_STREQ(want, bufs[id]);
			EXPECT_FALSE(done[id]);
			done[id] = true;
		}
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(0, count_io_workers());
	for (i = 0; i < URING_QUEUES; i++) {
		EXPECT_TRUE(done[i]);
		EXPECT_EQ(0, Q_MSGS(fds[i]));
		lkipc_queue_close(&qs[i]);
	}
	io_uring_queue_exit(&ring);
}

TEST_F(queue, io_uring_poll)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	int fd, ret;

	ret = io_uring_queue_init(4, &ring, 0);
	if (ret == -ENOSYS || ret == -EPERM)
		SKIP(return, "no io_uring: %s", strerror(-ret));
	ASSERT_EQ(0, ret);
	fd = anon_q(self->dev, 4, 8, 0);
	ASSERT_LE(0, fd);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_poll_add(sqe, fd, POLLIN);
	ASSERT_EQ(1, io_uring_submit(&ring));
	usleep(50000);
	EXPECT_EQ(-EAGAIN, io_uring_peek_cqe(&ring, &cqe));
	ASSERT_EQ(0, q_send(fd, 9, "x", 1, 0));
	ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
	EXPECT_TRUE(cqe->res & POLLIN);
	io_uring_cqe_seen(&ring, cqe);
	close(fd);
	io_uring_queue_exit(&ring);
}
#endif

/* ---- Limits, permissions, listing ------------------------------------- */

TEST_F(queue, limits)
{
	unsigned long long msgs_max = param_u("queue_msgs_max");
	unsigned long long size_max = param_u("msgsize_max");
	unsigned long long bytes_max = param_u("queue_bytes_max");
	struct kipc_queue_stat st;
	int fd;

	ASSERT_NE(~0ULL, msgs_max);
	EXPECT_EQ(-EINVAL, anon_q(self->dev, msgs_max + 1, 8, 0));
	EXPECT_EQ(-EINVAL, anon_q(self->dev, 1, size_max + 1, 0));
	EXPECT_EQ(-EINVAL, anon_q(self->dev, 1, 8, bytes_max + 1));
	/* Bytes below the largest message. */
	EXPECT_EQ(-EINVAL, anon_q(self->dev, 4, 64, 63));
	EXPECT_EQ(-EINVAL, q_open_full(self->dev, NULL, RW, 0600, 1, 8, 0,
				       1U << 7, NULL));
	/* Semaphore fields on a queue, queue fields on a semaphore. */
	struct kipc_open op = { .size = sizeof(op), .flags = RW,
				.type = KIPC_OBJ_QUEUE, .sem_value = 1 };
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_OPEN, &op));
	op = (struct kipc_open){ .size = sizeof(op), .flags = RW,
				 .type = KIPC_OBJ_SEM, .queue_msgs = 1 };
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_OPEN, &op));
	op = (struct kipc_open){ .size = sizeof(op), .flags = RW,
				 .type = KIPC_OBJ_QUEUE, .__reserved2 = 1 };
	EXPECT_EQ(-EINVAL, ioctl_ret(self->dev, KIPC_IOC_OPEN, &op));
	/* Defaults. */
	fd = anon_q(self->dev, 0, 0, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, queue_stat(fd, &st));
	EXPECT_EQ(size_max, st.msgsize);
	EXPECT_EQ(msgs_max < 64 ? msgs_max : 64, st.cap_msgs);
	close(fd);
	/* The old, 48-byte struct kipc_open makes a default queue. */
	op = (struct kipc_open){ .size = 48, .flags = RW,
				 .type = KIPC_OBJ_QUEUE };
	fd = ioctl_ret(self->dev, KIPC_IOC_OPEN, &op);
	ASSERT_LE(0, fd);
	close(fd);
	/* Memory per user: EDQUOT. */
	unsigned long long ubm = param_u("user_bytes_max");

	ASSERT_EQ(0, write_param_u("user_bytes_max", 1 << 20));
	EXPECT_EQ(-EDQUOT, anon_q(self->dev, 64, 8192, 0));
	fd = anon_q(self->dev, 16, 1024, 0);
	EXPECT_LE(0, fd);
	close(fd);
	ASSERT_EQ(0, write_param_u("user_bytes_max", ubm));
}

TEST_F(queue, permissions)
{
	char name[64];
	int fd, pid;

	make_name(name, sizeof(name), "perm");
	fd = q_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0642, 4, 8,
			 0, 0, NULL);
	ASSERT_LE(0, fd);
	pid = fork_child();
	if (pid == 0) {
		int r, w, rw;

		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(90);
		r = q_open_full(self->dev, name, KIPC_OPEN_READ, 0, 0, 0, 0, 0,
				NULL);
		w = q_open_full(self->dev, name, KIPC_OPEN_WRITE, 0, 0, 0, 0,
				0, NULL);
		rw = q_open_full(self->dev, name, RW, 0, 0, 0, 0, 0, NULL);
		/* Other: write only. */
		if (r != -EACCES || w < 0 || rw != -EACCES)
			_exit(91);
		if (q_send_u32(w, 1, 5, 0))
			_exit(92);
		if (destroy(w) != -EPERM)
			_exit(93);
		_exit(0);
	}
	EXPECT_EQ(0, reap(pid));
	EXPECT_EQ(5, q_recv_u32(fd, KIPC_SEL_ANY, 0, 0));
	unlink_q(self->dev, name);
	close(fd);
}

TEST_F(queue, list_and_proc)
{
	struct kipc_obj_info *info;
	struct kipc_list list;
	struct kipc_open op;
	char line[512], name[64];
	int fd, i, found = 0;
	FILE *f;

	make_name(name, sizeof(name), "list");
	fd = q_open_full(self->dev, name, RW | KIPC_OPEN_CREATE, 0640, 5, 32,
			 100, 0, &op);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, q_send(fd, 2, "abcd", 4, 0));
	info = calloc(4096, sizeof(*info));
	ASSERT_NE(NULL, info);
	memset(&list, 0, sizeof(list));
	list.size = sizeof(list);
	list.entry_size = sizeof(*info);
	list.capacity = 4096;
	list.entries = (uintptr_t)info;
	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_LIST, &list));
	for (i = 0; i < (int)list.filled; i++) {
		if (info[i].id != op.id)
			continue;
		found++;
		EXPECT_EQ(KIPC_OBJ_QUEUE, info[i].type);
		EXPECT_EQ(1, info[i].q_msgs);
		EXPECT_EQ(4, info[i].q_bytes);
		EXPECT_EQ(5, info[i].q_cap_msgs);
		EXPECT_EQ(100, info[i].q_cap_bytes);
		EXPECT_EQ(32, info[i].q_msgsize);
		EXPECT_EQ(1, info[i].q_sent);
		EXPECT_STREQ(name, (char *)info[i].name);
	}
	EXPECT_EQ(1, found);
	free(info);
	found = 0;
	f = fopen("/proc/kipc", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long id;
		unsigned int value, max, waiters;
		char type[8];

		if (sscanf(line, "%7s %llu %*o %*u %*u %*u %*u %*s %u %u %u",
			   type, &id, &value, &max, &waiters) != 5 ||
		    id != op.id)
			continue;
		found++;
		EXPECT_STREQ("msgq", type);
		EXPECT_EQ(1, value);
		EXPECT_EQ(5, max);
		EXPECT_EQ(0, waiters);
	}
	fclose(f);
	EXPECT_EQ(1, found);
	unlink_q(self->dev, name);
	close(fd);
}

/* ---- ioctl argument rules --------------------------------------------- */

TEST_F(queue, cmd_length)
{
	char data[64] = "x";
	struct kipc_mmsg mm[2];
	int fd;

	fd = anon_q(self->dev, 64, 64, 0);
	ASSERT_LE(0, fd);
	TEST_LENGTH_FD(fd, kipc_send, KIPC_IOC_SEND, tv_nsec,
		       (buf.cmd.type = 1, buf.cmd.buf = (uintptr_t)data,
			buf.cmd.len = 1));
	TEST_LENGTH_FD(fd, kipc_recv, KIPC_IOC_RECV, tv_nsec,
		       (buf.cmd.buf = (uintptr_t)data, buf.cmd.len = 64));
	TEST_LENGTH_FD(fd, kipc_queue_stat, KIPC_IOC_QUEUE_STAT, ring_bytes, );
	memset(mm, 0, sizeof(mm));
	mm[0].type = 1;
	mm[0].buf = (uintptr_t)data;
	mm[0].len = 1;
	TEST_LENGTH_FD(fd, kipc_batch, KIPC_IOC_SEND_BATCH, tv_nsec,
		       (buf.cmd.count = 1, buf.cmd.entry_size = sizeof(mm[0]),
			buf.cmd.msgs = (uintptr_t)mm));
	TEST_LENGTH_FD(fd, kipc_batch, KIPC_IOC_RECV_BATCH, tv_nsec,
		       (buf.cmd.count = 1, buf.cmd.entry_size = sizeof(mm[0]),
			buf.cmd.msgs = (uintptr_t)mm, mm[0].len = 64));
	TEST_LENGTH_FD(self->dev, kipc_open, KIPC_IOC_OPEN, __reserved,
		       (buf.cmd.flags = RW, buf.cmd.type = KIPC_OBJ_QUEUE));
	close(fd);
}

TEST_F(queue, cmd_flags_reserved_pointers)
{
	struct kipc_send s;
	struct kipc_recv r;
	struct kipc_batch b;
	struct kipc_queue_stat st;
	struct kipc_mmsg mm[2];
	char buf[16] = { 0 };
	struct lkipc_sem sem;
	int fd;

	fd = anon_q(self->dev, 4, 16, 0);
	ASSERT_LE(0, fd);

#define SEND_INIT() (memset(&s, 0, sizeof(s)), s.size = sizeof(s),          \
		     s.type = 1, s.buf = (uintptr_t)buf, s.len = 1)
	SEND_INIT();
	s.flags = 1U << 20;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.__reserved = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.type = 0;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.type = -5;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.flags = KIPC_MSG_PEEK;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.tv_sec = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.flags = KIPC_MSG_REALTIME;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.flags = KIPC_MSG_TIMED | KIPC_MSG_NONBLOCK;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.flags = KIPC_MSG_TIMED;
	s.tv_nsec = 1000000000;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	SEND_INIT();
	s.buf = 16;
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_SEND, &s));
	EXPECT_EQ(0, Q_MSGS(fd));
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_SEND, (void *)16));

#define RECV_INIT() (memset(&r, 0, sizeof(r)), r.size = sizeof(r),          \
		     r.buf = (uintptr_t)buf, r.len = sizeof(buf))
	RECV_INIT();
	r.flags = KIPC_MSG_NOSIGNAL;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	RECV_INIT();
	r.select = 4;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	RECV_INIT();
	r.type = 3;	/* ANY with a type */
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	RECV_INIT();
	r.select = KIPC_SEL_EXACT;	/* type 0 */
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	RECV_INIT();
	r.tv_nsec = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	/* A bad buffer: EFAULT, the message stays. */
	ASSERT_EQ(0, q_send(fd, 1, "abc", 3, 0));
	RECV_INIT();
	r.buf = 16;
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_RECV, &r));
	EXPECT_EQ(1, Q_MSGS(fd));
	/* A waiting receiver with a bad buffer: the message is put back. */
	pid_t pid = fork_child();

	if (pid == 0) {
		int ret = q_recv(fd, (void *)16, 8, KIPC_SEL_EXACT, 2, 0,
				 NULL);

		_exit(-ret);
	}
	ASSERT_EQ(0, WAIT_FOR(Q_NRECV(fd), 1));
	ASSERT_EQ(0, q_send(fd, 2, "def", 3, 0));
	EXPECT_EQ(EFAULT, reap(pid));
	EXPECT_EQ(2, Q_MSGS(fd));
	EXPECT_EQ(3, q_recv(fd, buf, 16, KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "abc", 3));
	EXPECT_EQ(3, q_recv(fd, buf, 16, KIPC_SEL_ANY, 0, 0, NULL));
	EXPECT_EQ(0, memcmp(buf, "def", 3));

	/* Batches. */
#define BATCH_INIT() (memset(&b, 0, sizeof(b)), b.size = sizeof(b),         \
		      b.count = 2, b.entry_size = sizeof(mm[0]),              \
		      b.msgs = (uintptr_t)mm)
	memset(mm, 0, sizeof(mm));
	mm[0] = (struct kipc_mmsg){ .type = 1, .buf = (uintptr_t)buf,
				    .len = 2 };
	mm[1] = mm[0];
	BATCH_INIT();
	b.count = 0;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	BATCH_INIT();
	b.count = KIPC_BATCH_MAX + 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	BATCH_INIT();
	b.entry_size = 20;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	BATCH_INIT();
	b.__reserved = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	BATCH_INIT();
	b.select = KIPC_SEL_EXACT;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	BATCH_INIT();
	b.flags = KIPC_MSG_PEEK;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
	BATCH_INIT();
	b.msgs = 16;
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	/* An entry with msg_len set on send, a bad type. */
	mm[0].msg_len = 1;
	BATCH_INIT();
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	mm[0].msg_len = 0;
	mm[1].type = 0;
	BATCH_INIT();
	EXPECT_EQ(1, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	mm[1].type = 1;
	/* A larger entry with a non-zero tail: E2BIG. */
	struct {
		struct kipc_mmsg m;
		uint64_t extra;
	} big[1] = { { mm[0], 1 } };
	BATCH_INIT();
	b.count = 1;
	b.entry_size = sizeof(big[0]);
	b.msgs = (uintptr_t)big;
	EXPECT_EQ(-E2BIG, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	big[0].extra = 0;
	EXPECT_EQ(1, ioctl_ret(fd, KIPC_IOC_SEND_BATCH, &b));
	/* Receive both back in one batch; the third would block. */
	struct kipc_mmsg rm[3];

	memset(rm, 0, sizeof(rm));
	for (int i = 0; i < 3; i++) {
		rm[i].buf = (uintptr_t)(buf + 4 * i);
		rm[i].len = 4;
	}
	memset(&b, 0, sizeof(b));
	b.size = sizeof(b);
	b.count = 3;
	b.entry_size = sizeof(rm[0]);
	b.msgs = (uintptr_t)rm;
	b.flags = KIPC_MSG_NONBLOCK;
	EXPECT_EQ(2, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));
	EXPECT_EQ(1, rm[0].type);
	EXPECT_EQ(2, rm[0].msg_len);
	EXPECT_EQ(-EAGAIN, ioctl_ret(fd, KIPC_IOC_RECV_BATCH, &b));

	/* Stat. */
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.flags = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, &st));
	st.flags = 0;
	st.__reserved2 = 1;
	EXPECT_EQ(-EINVAL, ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, &st));
	EXPECT_EQ(-EFAULT, ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, (void *)16));

	/* Queue ioctls on a semaphore, semaphore ioctls on a queue. */
	ASSERT_EQ(0, lkipc_sem_open(&(struct lkipc){ .fd = self->dev }, &sem,
				    NULL, 0, 0600, 1));
	SEND_INIT();
	EXPECT_EQ(-ENOTTY, ioctl_ret(sem.fd, KIPC_IOC_SEND, &s));
	struct kipc_sem_post p = { .size = sizeof(p), .count = 1 };

	EXPECT_EQ(-ENOTTY, ioctl_ret(fd, KIPC_IOC_SEM_POST, &p));
	EXPECT_EQ(-ENOTTY, ioctl_ret(fd, _IO('x', 1), NULL));
	lkipc_sem_close(&sem);
	close(fd);
}

/* liblkipc's queue calls. */
TEST_F(queue, library)
{
	struct lkipc k = { .fd = self->dev };
	struct lkipc_queue_attr attr = { .msgs = 4, .msgsize = 32 };
	struct kipc_queue_stat st;
	struct timespec ts;
	struct lkipc_queue q, q2, q3;
	char name[64], buf[32];
	int64_t type;

	make_name(name, sizeof(name), "lib");
	ASSERT_EQ(0, lkipc_queue_open(&k, &q, name,
				      KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, 0600,
				      &attr));
	EXPECT_EQ(-EEXIST, lkipc_queue_open(&k, &q3, name, KIPC_OPEN_CREATE |
					    KIPC_OPEN_EXCL, 0600, &attr));
	EXPECT_EQ(-1, q3.fd);
	ASSERT_EQ(0, lkipc_queue_open(&k, &q2, name, 0, 0, NULL));
	EXPECT_EQ(0, lkipc_queue_unlink(&k, name));
	EXPECT_EQ(-ENOENT, lkipc_queue_unlink(&k, name));
	EXPECT_EQ(0, lkipc_queue_send(&q, 3, "hey", 3, 0, NULL));
	EXPECT_EQ(3, lkipc_queue_recv(&q2, buf, sizeof(buf), KIPC_SEL_LE, 5,
				      &type, 0, NULL));
	EXPECT_EQ(3, type);
	ts = in_future(CLOCK_MONOTONIC, 10000000);
	EXPECT_EQ(-ETIMEDOUT, lkipc_queue_recv(&q2, buf, sizeof(buf),
					       KIPC_SEL_ANY, 0, NULL, 0, &ts));
	EXPECT_EQ(-EINVAL, lkipc_queue_send(&q, 1, buf, 1, KIPC_MSG_PEEK,
					    NULL));
	ASSERT_EQ(0, lkipc_queue_stat(&q, &st));
	EXPECT_EQ(4, st.cap_msgs);
	EXPECT_EQ(1, st.received);
	EXPECT_EQ(0, lkipc_queue_destroy(&q));
	EXPECT_EQ(-EIDRM, lkipc_queue_send(&q2, 1, buf, 1, 0, NULL));
	lkipc_queue_close(&q);
	lkipc_queue_close(&q2);
}

/* ---- The last sender and receiver (KIPC_FEAT_QUEUE_LAST) -------------- */

/* lspid, lrpid, stime and rtime of a queue, or -errno. */
static int q_last(int fd, pid_t *lspid, pid_t *lrpid, int64_t *stime,
		  int64_t *rtime)
{
	struct kipc_queue_stat st;
	int ret = queue_stat(fd, &st);

	if (ret)
		return ret;
	*lspid = st.lspid;
	*lrpid = st.lrpid;
	*stime = st.stime;
	*rtime = st.rtime;
	return 0;
}

/* Wait up to 5 s for a queue field to reach n. */
static int q_wait_field(int fd, size_t off, long long n)
{
	for (int i = 0; i < 5000; i++) {
		if (q_field(fd, off) == n)
			return 0;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/*
 * The process of the last send and of the last receive, and their times:
 * a send counts when its message is enqueued (a blocked sender's for it,
 * when another process's receive admits it), a receive when its message
 * is taken (a blocked receiver's too); a receive that fails or peeks
 * changes nothing.  A stat size without the fields leaves them alone.
 */
TEST_F(queue, last_sender_receiver)
{
	struct kipc_info info = { .size = sizeof(info) };
	struct kipc_queue_stat old;
	int64_t stime, rtime, stime2, rtime2;
	pid_t a, b, c, d, lspid, lrpid;
	time_t t0, t1;
	char buf[1];
	int fd;

	ASSERT_EQ(0, ioctl(self->dev, KIPC_IOC_GET_INFO, &info));
	ASSERT_TRUE(info.features & KIPC_FEAT_QUEUE_LAST);
	fd = anon_q(self->dev, 1, 8, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_EQ(0, lspid);
	EXPECT_EQ(0, lrpid);
	EXPECT_EQ(0, stime);
	EXPECT_EQ(0, rtime);

	/* A sends, B receives. */
	t0 = time(NULL);
	a = fork_child();
	if (a == 0)
		_exit(-q_send_u32(fd, 1, 7, 0));
	ASSERT_EQ(0, reap(a));
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_EQ(a, lspid);
	EXPECT_EQ(0, lrpid);
	EXPECT_EQ(0, rtime);
	b = fork_child();
	if (b == 0)
		_exit(q_recv_u32(fd, KIPC_SEL_ANY, 0, 0) == 7 ? 0 : 1);
	ASSERT_EQ(0, reap(b));
	t1 = time(NULL);
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_EQ(a, lspid);
	EXPECT_EQ(b, lrpid);
	EXPECT_LE(t0, stime);
	EXPECT_GE(t1, stime);
	EXPECT_LE(stime, rtime);
	EXPECT_GE(t1, rtime);

	/* Failed receives and a peek change nothing. */
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_NONBLOCK));
	ASSERT_EQ(0, q_send_u32(fd, 1, 8, 0));
	EXPECT_EQ(-EMSGSIZE, q_recv(fd, buf, sizeof(buf), KIPC_SEL_ANY, 0,
				    KIPC_MSG_NONBLOCK, NULL));
	EXPECT_EQ(-EAGAIN, q_recv_u32(fd, KIPC_SEL_EXACT, 2,
				      KIPC_MSG_NONBLOCK));
	EXPECT_EQ(8, q_recv_u32(fd, KIPC_SEL_ANY, 0, KIPC_MSG_PEEK));
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime2, &rtime2));
	EXPECT_EQ(getpid(), lspid);
	EXPECT_EQ(b, lrpid);
	EXPECT_EQ(rtime, rtime2);

	/* C blocks on the full queue; our receive admits it: C sent. */
	c = fork_child();
	if (c == 0)
		_exit(-q_send_u32(fd, 1, 9, 0));
	ASSERT_EQ(0, q_wait_field(fd, offsetof(struct kipc_queue_stat,
					       nsenders), 1));
	EXPECT_EQ(8, q_recv_u32(fd, KIPC_SEL_ANY, 0, 0));
	ASSERT_EQ(0, reap(c));
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_EQ(c, lspid);
	EXPECT_EQ(getpid(), lrpid);

	/* D waits to receive; our send hands it the message: D received. */
	EXPECT_EQ(9, q_recv_u32(fd, KIPC_SEL_ANY, 0, 0));
	d = fork_child();
	if (d == 0)
		_exit(q_recv_u32(fd, KIPC_SEL_ANY, 0, 0) == 10 ? 0 : 1);
	ASSERT_EQ(0, q_wait_field(fd, offsetof(struct kipc_queue_stat,
					       nreceivers), 1));
	ASSERT_EQ(0, q_send_u32(fd, 1, 10, 0));
	ASSERT_EQ(0, reap(d));
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_EQ(getpid(), lspid);
	EXPECT_EQ(d, lrpid);

	/* The size before the fields: they are not written. */
	memset(&old, 0, sizeof(old));
	old.size = offsetof(struct kipc_queue_stat, lspid);
	old.lspid = -7;
	old.rtime = -7;
	ASSERT_EQ(0, ioctl_ret(fd, KIPC_IOC_QUEUE_STAT, &old));
	EXPECT_EQ(4, old.sent);
	EXPECT_EQ(4, old.received);
	EXPECT_EQ(-7, old.lspid);
	EXPECT_EQ(-7, old.rtime);
	close(fd);
}

/*
 * The pids are the reader's view: a process in a child pid namespace sees
 * its own sends and receives as its pid there (1) and a sender outside as
 * 0; the parent namespace sees that process's pid in the parent namespace.
 */
TEST_F(queue, last_pid_namespace)
{
	pid_t child, inner = 0, lspid, lrpid;
	int64_t stime, rtime;
	int fd, pfd[2];

	fd = anon_q(self->dev, 4, 8, 0);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, q_send_u32(fd, 1, 1, 0));
	child = fork_child();
	if (child == 0) {
		pid_t gc;

		if (unshare(CLONE_NEWPID))
			_exit(80);
		gc = fork();
		if (gc < 0)
			_exit(81);
		if (gc == 0) {
			if (q_last(fd, &lspid, &lrpid, &stime, &rtime) ||
			    lspid != 0 || lrpid != 0 || !stime)
				_exit(1);
			if (q_recv_u32(fd, KIPC_SEL_ANY, 0, 0) != 1)
				_exit(2);
			if (q_send_u32(fd, 1, 2, 0))
				_exit(3);
			if (q_last(fd, &lspid, &lrpid, &stime, &rtime) ||
			    getpid() != 1 || lspid != 1 || lrpid != 1)
				_exit(4);
			_exit(0);
		}
		if (write(pfd[1], &gc, sizeof(gc)) != sizeof(gc))
			_exit(82);
		_exit(reap(gc));
	}
	ASSERT_EQ(0, reap(child));
	ASSERT_EQ(sizeof(inner), read(pfd[0], &inner, sizeof(inner)));
	ASSERT_EQ(0, q_last(fd, &lspid, &lrpid, &stime, &rtime));
	EXPECT_NE(0, inner);
	EXPECT_EQ(inner, lspid);
	EXPECT_EQ(inner, lrpid);
	close(pfd[0]);
	close(pfd[1]);
	close(fd);
}

TEST_HARNESS_MAIN
