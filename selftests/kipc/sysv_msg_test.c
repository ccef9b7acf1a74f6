// SPDX-License-Identifier: GPL-2.0
/*
 * liblkipc-posix: SysV message queues on kipc, as a program linked with
 * -llkipc-posix sees them (Documentation/compat.md): KIPC_OPEN_BY_ID, the
 * key and msqid mapping, every function's error paths and semantics, fork
 * and exec with a msqid passed on, EINTR with and without SA_RESTART, and
 * a differential test against the kernel's own SysV queues (raw system
 * calls) in the same boot.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/msg.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"
#include "kipc_posix_test.h"


/*
 * The kernel's own queues are reached by raw system calls.  SYS_msgctl
 * (x86_64's, and i386's direct one since Linux 5.1) always means IPC_64:
 * struct msqid64_ds, the layout of glibc's struct msqid_ds.
 */
static char *self_path;

/* Keys of this run's own (its pid, set in main), so that runs do not meet. */
static pid_t key_base;

static key_t key_of(int n)
{
	return (key_t)(0x5a000000 | ((key_base & 0xffff) << 8) | (n & 0xff));
}

struct tmsg {
	long mtype;
	char mtext[8200];
};

static int snd(int id, long type, const char *text, size_t len, int flg)
{
	struct tmsg m;

	m.mtype = type;
	memcpy(m.mtext, text, len);
	return msgsnd(id, &m, len, flg);
}

/* Receive; the text NUL-terminated in out (if given). */
static ssize_t rcv(int id, long typ, int flg, long *type, char *out,
		   size_t sz)
{
	struct tmsg m;
	ssize_t n;

	memset(&m, 0, sizeof(m));
	n = msgrcv(id, &m, sz, typ, flg);
	if (n >= 0) {
		if (type)
			*type = m.mtype;
		if (out) {
			memcpy(out, m.mtext, n);
			out[n] = 0;
		}
	}
	return n;
}

/* ------------------------------------------------------------------ */
/* KIPC_OPEN_BY_ID, the kernel's part                                  */
/* ------------------------------------------------------------------ */

static int by_id(struct lkipc *k, __u32 type, __u64 id, __u32 flags,
		      const char *name)
{
	struct kipc_open op = {
		.size = sizeof(op), .type = type, .id = id,
		.flags = flags | KIPC_OPEN_BY_ID,
		.name = (uintptr_t)name,
	};
	int fd = ioctl(k->fd, KIPC_IOC_OPEN, &op);

	return fd < 0 ? -errno : fd;
}

TEST(open_by_id)
{
	struct kipc_queue_stat st;
	struct kipc_info info;
	struct lkipc_queue q, a, h;
	struct lkipc_sem s;
	struct lkipc k;
	char name[64];
	int fd, status;
	uint64_t qid, aid, sid;
	pid_t pid;

	ASSERT_EQ(0, lkipc_open(&k, 0));
	ASSERT_EQ(0, lkipc_get_info(&k, &info));
	ASSERT_TRUE(info.features & KIPC_FEAT_OPEN_BY_ID);
	snprintf(name, sizeof(name), "byid.%d", getpid());
	ASSERT_EQ(0, lkipc_queue_open(&k, &q, name, KIPC_OPEN_READ |
				      KIPC_OPEN_WRITE | KIPC_OPEN_CREATE |
				      KIPC_OPEN_EXCL, 0600, NULL));
	ASSERT_EQ(0, lkipc_queue_stat(&q, &st));
	qid = st.id;
	ASSERT_EQ(0, lkipc_queue_open(&k, &a, NULL, KIPC_OPEN_READ |
				      KIPC_OPEN_WRITE, 0666, NULL));
	ASSERT_EQ(0, lkipc_queue_stat(&a, &st));
	aid = st.id;
	ASSERT_EQ(0, lkipc_sem_open(&k, &s, name, KIPC_OPEN_READ |
				    KIPC_OPEN_WRITE | KIPC_OPEN_CREATE, 0600,
				    0));
	{
		struct kipc_sem_stat ss;

		ASSERT_EQ(0, lkipc_sem_stat(&s, &ss, NULL, 0));
		sid = ss.id;
	}

	/* The same object; a message sent through one is in the other. */
	fd = by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ |
			KIPC_OPEN_WRITE, NULL);
	ASSERT_LE(0, fd);
	/* A raw descriptor the library takes over, unmapped as it was. */
	ASSERT_EQ(0, lkipc_queue_from_fd(&k, &h, fd, LKIPC_OPEN_NOMAP));
	ASSERT_EQ(0, lkipc_queue_stat(&h, &st));
	EXPECT_EQ(qid, st.id);
	ASSERT_EQ(0, lkipc_queue_send(&q, 7, "abc", 3, KIPC_MSG_NONBLOCK,
				      NULL));
	{
		char buf[8];
		int64_t t;

		EXPECT_EQ(3, lkipc_queue_recv(&h, buf, sizeof(buf),
					      KIPC_SEL_ANY, 0, &t,
					      KIPC_MSG_NONBLOCK, NULL));
		EXPECT_EQ(7, t);
	}
	EXPECT_EQ(0, fcntl(h.fd, F_GETFD) & FD_CLOEXEC ? 0 : 1);
	lkipc_queue_close(&h);

	/* The wrong type, an anonymous object, no such id. */
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_SEM, qid, KIPC_OPEN_READ,
				      NULL));
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_QUEUE, sid, KIPC_OPEN_READ,
				      NULL));
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_QUEUE, aid, KIPC_OPEN_READ,
				      NULL));
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_QUEUE, ~0ULL >> 1,
				      KIPC_OPEN_READ, NULL));
	/* Bad requests. */
	EXPECT_EQ(-EINVAL, by_id(&k, KIPC_OBJ_QUEUE, 0, KIPC_OPEN_READ,
				      NULL));
	EXPECT_EQ(-EINVAL, by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ,
				      name));
	EXPECT_EQ(-EINVAL, by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ |
				      KIPC_OPEN_CREATE, NULL));
	EXPECT_EQ(-EINVAL, by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ |
				      KIPC_OPEN_EXCL, NULL));

	/* Permission: another user gets EACCES for a 0600 queue. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(90);
		_exit(by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ,
				 NULL) == -EACCES ? 0 : 91);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Another IPC namespace does not see it. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct lkipc k2;

		if (unshare(CLONE_NEWIPC) || lkipc_open(&k2, 0))
			_exit(90);
		_exit(by_id(&k2, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ,
				 NULL) == -ENOENT ? 0 : 91);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* Unlinked, then destroyed: reached only through a handle. */
	ASSERT_EQ(0, lkipc_queue_unlink(&k, name));
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_QUEUE, qid, KIPC_OPEN_READ,
				      NULL));
	lkipc_queue_close(&q);
	ASSERT_EQ(0, lkipc_queue_open(&k, &q, name, KIPC_OPEN_READ |
				      KIPC_OPEN_WRITE | KIPC_OPEN_CREATE, 0600,
				      NULL));
	ASSERT_EQ(0, lkipc_queue_stat(&q, &st));
	ASSERT_EQ(0, lkipc_queue_destroy(&q));
	EXPECT_EQ(-ENOENT, by_id(&k, KIPC_OBJ_QUEUE, st.id,
				      KIPC_OPEN_READ, NULL));
	lkipc_queue_close(&q);
	lkipc_queue_close(&a);
	lkipc_sem_unlink(&k, name);
	lkipc_sem_close(&s);
	lkipc_close(&k);
}

/* ------------------------------------------------------------------ */
/* msgget                                                              */
/* ------------------------------------------------------------------ */

TEST(msgget_keys_and_names)
{
	struct kipc_obj_info e;
	struct msqid_ds ds;
	char name[64];
	int a, b, p1, p2, status;
	pid_t pid;

	a = msgget(key_of(1), IPC_CREAT | IPC_EXCL | 0640);
	ASSERT_LT(0, a);
	EXPECT_EQ(a, msgget(key_of(1), 0));
	EXPECT_EQ(a, msgget(key_of(1), IPC_CREAT | 0600));
	EXPECT_EQ(-1, msgget(key_of(1), IPC_CREAT | IPC_EXCL | 0600));
	EXPECT_EQ(EEXIST, errno);
	EXPECT_EQ(-1, msgget(key_of(2), 0600));
	EXPECT_EQ(ENOENT, errno);
	/* The kipc queue "sysv.msg.0x<key>": no POSIX or native clash. */
	snprintf(name, sizeof(name), "sysv.msg.0x%08x",
		 (unsigned int)key_of(1));
	ASSERT_EQ(1, kipc_find(name, &e));
	EXPECT_EQ((uint64_t)a, e.id);
	EXPECT_EQ(0640, e.mode);
	ASSERT_EQ(0, msgctl(a, IPC_STAT, &ds));
	EXPECT_EQ(key_of(1), ds.msg_perm.__key);
	EXPECT_EQ(0640, ds.msg_perm.mode & 0777);

	/* IPC_PRIVATE: a new queue every time, with or without IPC_CREAT. */
	p1 = msgget(IPC_PRIVATE, 0600);
	p2 = msgget(IPC_PRIVATE, IPC_CREAT | IPC_EXCL | 0600);
	ASSERT_LT(0, p1);
	ASSERT_LT(0, p2);
	EXPECT_NE(p1, p2);
	EXPECT_NE(a, p1);
	ASSERT_EQ(0, msgctl(p1, IPC_STAT, &ds));
	EXPECT_EQ(IPC_PRIVATE, ds.msg_perm.__key);

	/* Another user: the permission bits msgget asks for. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int step = 0;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(90);
		/* Nothing asked: the id; read or write asked: EACCES. */
#define STEP(cond) do { step++; if (!(cond)) _exit(100 + step); } while (0)
		STEP(msgget(key_of(1), 0) == a);
		STEP(msgget(key_of(1), 0400) == -1 && errno == EACCES);
		STEP(msgget(key_of(1), 0200) == -1 && errno == EACCES);
		STEP(msgget(key_of(1), IPC_CREAT | 0600) == -1 &&
		     errno == EACCES);
		STEP(snd(a, 1, "x", 1, IPC_NOWAIT) == -1 && errno == EACCES);
		STEP(rcv(a, 0, IPC_NOWAIT, NULL, NULL, 8) == -1 &&
		     errno == EACCES);
		STEP(msgctl(a, IPC_STAT, &ds) == -1 && errno == EACCES);
		STEP(msgctl(a, IPC_RMID, NULL) == -1 && errno == EPERM);
#undef STEP
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));

	/* After IPC_RMID the key is free and the old id is gone. */
	ASSERT_EQ(0, msgctl(a, IPC_RMID, NULL));
	EXPECT_EQ(-1, msgget(key_of(1), 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, snd(a, 1, "x", 1, IPC_NOWAIT));
	EXPECT_EQ(EINVAL, errno);
	b = msgget(key_of(1), IPC_CREAT | 0600);
	ASSERT_LT(0, b);
	EXPECT_NE(a, b);
	EXPECT_EQ(0, msgctl(b, IPC_RMID, NULL));
	EXPECT_EQ(0, msgctl(p1, IPC_RMID, NULL));
	EXPECT_EQ(0, msgctl(p2, IPC_RMID, NULL));
	EXPECT_EQ(-1, msgctl(p2, IPC_RMID, NULL));
	EXPECT_EQ(EINVAL, errno);
}

/* ------------------------------------------------------------------ */
/* msgsnd, msgrcv                                                      */
/* ------------------------------------------------------------------ */

TEST(send_receive_types)
{
	char out[64];
	long t;
	int q = msgget(IPC_PRIVATE, 0600);

	ASSERT_LT(0, q);
	ASSERT_EQ(0, snd(q, 3, "a3", 2, 0));
	ASSERT_EQ(0, snd(q, 1, "b1", 2, 0));
	ASSERT_EQ(0, snd(q, 2, "c2", 2, 0));
	ASSERT_EQ(0, snd(q, 1, "d1", 2, 0));
	ASSERT_EQ(0, snd(q, 5, "e5", 2, 0));
	/* msgtyp > 0: the first of that type. */
	EXPECT_EQ(2, rcv(q, 1, 0, &t, out, 64));
	EXPECT_STREQ("b1", out);
	/* MSG_EXCEPT: the first of any other type. */
	EXPECT_EQ(2, rcv(q, 3, MSG_EXCEPT, &t, out, 64));
	EXPECT_STREQ("c2", out);
	EXPECT_EQ(2, t);
	/* msgtyp < 0: the lowest type <= |msgtyp|, first of it. */
	EXPECT_EQ(2, rcv(q, -4, 0, &t, out, 64));
	EXPECT_STREQ("d1", out);
	EXPECT_EQ(2, rcv(q, -4, 0, &t, out, 64));
	EXPECT_STREQ("a3", out);
	EXPECT_EQ(-1, rcv(q, -4, IPC_NOWAIT, &t, out, 64));
	EXPECT_EQ(ENOMSG, errno);
	EXPECT_EQ(-1, rcv(q, 9, IPC_NOWAIT, &t, out, 64));
	EXPECT_EQ(ENOMSG, errno);
	/* LONG_MIN: any type, lowest first. */
	ASSERT_EQ(0, snd(q, LONG_MAX, "f", 1, 0));
	EXPECT_EQ(2, rcv(q, LONG_MIN, 0, &t, out, 64));
	EXPECT_EQ(5, t);
	/* msgtyp 0: the first; mtype LONG_MAX kept. */
	EXPECT_EQ(1, rcv(q, 0, 0, &t, out, 64));
	EXPECT_EQ(LONG_MAX, t);

	/* E2BIG keeps the message; MSG_NOERROR truncates and takes it. */
	ASSERT_EQ(0, snd(q, 4, "0123456789", 10, 0));
	EXPECT_EQ(-1, rcv(q, 0, IPC_NOWAIT, &t, out, 4));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(4, rcv(q, 0, MSG_NOERROR, &t, out, 4));
	EXPECT_STREQ("0123", out);
	EXPECT_EQ(-1, rcv(q, 0, IPC_NOWAIT, &t, out, 64));
	EXPECT_EQ(ENOMSG, errno);
	/* Zero-length and MSGMAX-long messages. */
	EXPECT_EQ(0, snd(q, 1, "", 0, 0));
	EXPECT_EQ(0, rcv(q, 0, 0, &t, out, 0));
	{
		static struct tmsg m;

		m.mtype = 1;
		memset(m.mtext, 'm', 8192);
		EXPECT_EQ(0, msgsnd(q, &m, 8192, 0));
		EXPECT_EQ(8192, msgrcv(q, &m, 8192, 0, 0));
		EXPECT_EQ(-1, msgsnd(q, &m, 8193, 0));
		EXPECT_EQ(EINVAL, errno);
	}
	/* Bad arguments. */
	EXPECT_EQ(-1, snd(q, 0, "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, snd(q, -3, "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, snd(-1, 1, "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, snd(INT_MAX, 1, "x", 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, rcv(q, 0, 0, &t, out, (size_t)-1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, rcv(INT_MAX, 0, IPC_NOWAIT, &t, out, 8));
	EXPECT_EQ(EINVAL, errno);
	/* MSG_COPY: EINVAL without IPC_NOWAIT, else ENOSYS (unsupported). */
	EXPECT_EQ(-1, rcv(q, 0, MSG_COPY, &t, out, 8));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, rcv(q, 0, MSG_COPY | IPC_NOWAIT, &t, out, 8));
	EXPECT_EQ(ENOSYS, errno);

	/* Full: MSGMNB bytes; IPC_NOWAIT is EAGAIN. */
	{
		static struct tmsg m;
		int n = 0;

		m.mtype = 1;
		while (msgsnd(q, &m, 4096, IPC_NOWAIT) == 0)
			n++;
		EXPECT_EQ(EAGAIN, errno);
		EXPECT_EQ(4, n);
	}
	EXPECT_EQ(0, msgctl(q, IPC_RMID, NULL));
}

/* A receiver blocked on a queue that is removed fails with EIDRM. */
TEST(rmid_wakes_blocked)
{
	int q = msgget(IPC_PRIVATE, 0600), status;
	pid_t pid;

	ASSERT_LT(0, q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		ssize_t n = rcv(q, 0, 0, NULL, NULL, 8);

		_exit(n == -1 && errno == EIDRM ? 0 : 91);
	}
	usleep(300000);
	ASSERT_EQ(0, msgctl(q, IPC_RMID, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* A sender blocked on a full queue too. */
	q = msgget(IPC_PRIVATE, 0600);
	ASSERT_LT(0, q);
	{
		static struct tmsg m;

		m.mtype = 1;
		while (msgsnd(q, &m, 8192, IPC_NOWAIT) == 0)
			;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(snd(q, 1, "x", 1, 0) == -1 && errno == EIDRM ? 0 : 91);
	usleep(300000);
	ASSERT_EQ(0, msgctl(q, IPC_RMID, NULL));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The msqid alone, in a child after fork and in a program after exec. */
TEST(msqid_across_fork_and_exec)
{
	char arg[32], out[64];
	int q = msgget(IPC_PRIVATE, 0600), status;
	long t;
	pid_t pid;

	ASSERT_LT(0, q);
	ASSERT_EQ(0, snd(q, 1, "before", 6, 0));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		/* The parent's handle came along; a message back. */
		if (rcv(q, 1, 0, NULL, out, 64) != 6 || strcmp(out, "before"))
			_exit(91);
		_exit(snd(q, 2, "child", 5, 0) ? 92 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(5, rcv(q, 2, IPC_NOWAIT, &t, out, 64));
	EXPECT_STREQ("child", out);

	/* A new program told the msqid on its command line. */
	snprintf(arg, sizeof(arg), "%d", q);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execl(self_path, self_path, "--sysv-send", arg, (char *)NULL);
		_exit(93);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(4, rcv(q, 3, IPC_NOWAIT, &t, out, 64));
	EXPECT_STREQ("exec", out);
	EXPECT_EQ(0, msgctl(q, IPC_RMID, NULL));
}

/* ------------------------------------------------------------------ */
/* EINTR: never restarted, whatever SA_RESTART says (signal(7))         */
/* ------------------------------------------------------------------ */

static volatile sig_atomic_t got;

static void on_alarm(int sig)
{
	(void)sig;
	got = 1;
}

/* A blocked msgrcv (send: 0) or msgsnd (1) interrupted: its errno. */
static int interrupted(int restart, int send, int kernel)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	static struct tmsg m;
	int q, ret, err;

	sa.sa_flags = restart ? SA_RESTART : 0;
	sigaction(SIGALRM, &sa, NULL);
	got = 0;
	q = kernel ? (int)syscall(SYS_msgget, IPC_PRIVATE, 0600) :
		     msgget(IPC_PRIVATE, 0600);
	if (q < 0)
		return -100;
	m.mtype = 1;
	if (send)
		while ((kernel ? syscall(SYS_msgsnd, q, &m, 8192, IPC_NOWAIT) :
			msgsnd(q, &m, 8192, IPC_NOWAIT)) == 0)
			;
	setitimer(ITIMER_REAL, &it, NULL);
	if (send)
		ret = kernel ? (int)syscall(SYS_msgsnd, q, &m, 8192, 0) :
			       msgsnd(q, &m, 8192, 0);
	else
		ret = kernel ? (int)syscall(SYS_msgrcv, q, &m, 8192, 0, 0) :
			       (int)msgrcv(q, &m, 8192, 0, 0);
	err = errno;
	if (kernel)
		syscall(SYS_msgctl, q, IPC_RMID, NULL);
	else
		msgctl(q, IPC_RMID, NULL);
	signal(SIGALRM, SIG_DFL);
	if (!got)
		return -101;
	return ret ? err : 0;
}

TEST(eintr_never_restarted)
{
	int restart, send;

	for (restart = 0; restart < 2; restart++)
		for (send = 0; send < 2; send++) {
			/* The kernel's own queues say so too. */
			EXPECT_EQ(EINTR, interrupted(restart, send, 1));
			EXPECT_EQ(EINTR, interrupted(restart, send, 0));
		}
}

/* ------------------------------------------------------------------ */
/* msgctl                                                              */
/* ------------------------------------------------------------------ */

TEST(msgctl_stat_set_info)
{
	struct msqid_ds ds, ds2;
	struct msginfo mi;
	int q = msgget(key_of(3), IPC_CREAT | IPC_EXCL | 0620), max, i, found;
	time_t t0 = time(NULL);

	ASSERT_LT(0, q);
	ASSERT_EQ(0, snd(q, 1, "hello", 5, 0));
	ASSERT_EQ(0, snd(q, 2, "hi", 2, 0));
	ASSERT_EQ(0, msgctl(q, IPC_STAT, &ds));
	EXPECT_EQ(key_of(3), ds.msg_perm.__key);
	EXPECT_EQ(geteuid(), ds.msg_perm.uid);
	EXPECT_EQ(geteuid(), ds.msg_perm.cuid);
	EXPECT_EQ(getegid(), ds.msg_perm.gid);
	EXPECT_EQ(getegid(), ds.msg_perm.cgid);
	EXPECT_EQ(0620, ds.msg_perm.mode & 0777);
	EXPECT_EQ(2, ds.msg_qnum);
	EXPECT_EQ(7, ds.__msg_cbytes);
	EXPECT_EQ(16384, ds.msg_qbytes);
	EXPECT_LE(t0 - 2, ds.msg_ctime);
	EXPECT_GE(t0 + 2, ds.msg_ctime);

	/* IPC_SET: the values it has, fine; a change kipc cannot make. */
	ds2 = ds;
	EXPECT_EQ(0, msgctl(q, IPC_SET, &ds2));
	ds2.msg_perm.mode = 0600;
	EXPECT_EQ(-1, msgctl(q, IPC_SET, &ds2));
	EXPECT_EQ(EOPNOTSUPP, errno);
	ds2 = ds;
	ds2.msg_qbytes = 1000;
	EXPECT_EQ(-1, msgctl(q, IPC_SET, &ds2));
	EXPECT_EQ(EOPNOTSUPP, errno);

	/* IPC_INFO: the limits; MSG_INFO: what is in use. */
	max = msgctl(0, IPC_INFO, (struct msqid_ds *)&mi);
	ASSERT_LE(0, max);
	EXPECT_EQ(8192, mi.msgmax);
	EXPECT_EQ(16384, mi.msgmnb);
	EXPECT_LT(0, mi.msgmni);
	EXPECT_EQ(max, msgctl(0, MSG_INFO, (struct msqid_ds *)&mi));
	EXPECT_LE(1, mi.msgpool);
	EXPECT_LE(2, mi.msgmap);
	EXPECT_LE(7, mi.msgtql);

	/* MSG_STAT by index finds it, with its msqid. */
	found = 0;
	for (i = 0; i <= max; i++) {
		int id = msgctl(i, MSG_STAT, &ds2);

		if (id == q) {
			found = 1;
			EXPECT_EQ(2, ds2.msg_qnum);
			EXPECT_EQ(key_of(3), ds2.msg_perm.__key);
		}
		if (msgctl(i, MSG_STAT_ANY, &ds2) == q)
			found++;
	}
	EXPECT_EQ(2, found);
	EXPECT_EQ(-1, msgctl(max + 1, MSG_STAT, &ds2));
	EXPECT_EQ(EINVAL, errno);

	/* Bad commands and ids. */
	EXPECT_EQ(-1, msgctl(q, 12345, &ds2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msgctl(-1, IPC_STAT, &ds2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msgctl(INT_MAX, IPC_STAT, &ds2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, msgctl(q, IPC_RMID, NULL));
	EXPECT_EQ(-1, msgctl(q, IPC_STAT, &ds2));
	EXPECT_EQ(EINVAL, errno);
}

/* The index of queue q for MSG_STAT, or -1. */
static int stat_index(int q)
{
	struct msginfo mi;
	struct msqid_ds ds;
	int max = msgctl(0, MSG_INFO, (struct msqid_ds *)&mi), i;

	for (i = 0; i <= max; i++)
		if (msgctl(i, MSG_STAT_ANY, &ds) == q)
			return i;
	return -1;
}

/*
 * msg_lspid, msg_lrpid, msg_stime and msg_rtime: the last msgsnd's process
 * and time and the last msgrcv's, as the kernel recorded them; 0 on a new
 * queue; a msgrcv that fails changes nothing; MSG_STAT and MSG_STAT_ANY
 * say the same; MSG_STAT_ANY by a caller who cannot read the queue shows
 * 0 for the four (compat.md).
 */
TEST(msgctl_last_sender_receiver)
{
	struct msqid_ds ds, ds2;
	int q = msgget(key_of(4), IPC_CREAT | IPC_EXCL | 0600), idx, status, i;
	time_t t0, t1;
	pid_t a, b, pid;

	ASSERT_LT(0, q);
	ASSERT_EQ(0, msgctl(q, IPC_STAT, &ds));
	EXPECT_EQ(0, ds.msg_lspid);
	EXPECT_EQ(0, ds.msg_lrpid);
	EXPECT_EQ(0, ds.msg_stime);
	EXPECT_EQ(0, ds.msg_rtime);

	t0 = time(NULL);
	a = fork();
	ASSERT_LE(0, a);
	if (!a)
		_exit(snd(q, 1, "one", 3, 0) ? 1 : 0);
	ASSERT_EQ(a, waitpid(a, &status, 0));
	ASSERT_EQ(0, status);
	b = fork();
	ASSERT_LE(0, b);
	if (!b)
		_exit(rcv(q, 1, IPC_NOWAIT, NULL, NULL, 16) == 3 ? 0 : 1);
	ASSERT_EQ(b, waitpid(b, &status, 0));
	ASSERT_EQ(0, status);
	t1 = time(NULL);
	ASSERT_EQ(0, msgctl(q, IPC_STAT, &ds));
	EXPECT_EQ(a, ds.msg_lspid);
	EXPECT_EQ(b, ds.msg_lrpid);
	EXPECT_LE(t0, ds.msg_stime);
	EXPECT_GE(t1, ds.msg_stime);
	EXPECT_LE(t0, ds.msg_rtime);
	EXPECT_GE(t1, ds.msg_rtime);

	/* Receives that fail: ENOMSG, E2BIG; the sender is now us. */
	EXPECT_EQ(-1, rcv(q, 0, IPC_NOWAIT, NULL, NULL, 16));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, snd(q, 2, "toolong", 7, 0));
	EXPECT_EQ(-1, rcv(q, 0, IPC_NOWAIT, NULL, NULL, 2));
	EXPECT_EQ(E2BIG, errno);
	EXPECT_EQ(-1, rcv(q, 3, IPC_NOWAIT, NULL, NULL, 16));
	EXPECT_EQ(ENOMSG, errno);
	ASSERT_EQ(0, msgctl(q, IPC_STAT, &ds2));
	EXPECT_EQ(getpid(), ds2.msg_lspid);
	EXPECT_EQ(b, ds2.msg_lrpid);
	EXPECT_EQ(ds.msg_rtime, ds2.msg_rtime);
	EXPECT_LE(ds.msg_stime, ds2.msg_stime);

	/* MSG_STAT and MSG_STAT_ANY agree. */
	idx = stat_index(q);
	ASSERT_LE(0, idx);
	for (i = 0; i < 2; i++) {
		memset(&ds, 0, sizeof(ds));
		ASSERT_EQ(q, msgctl(idx, i ? MSG_STAT_ANY : MSG_STAT, &ds));
		EXPECT_EQ(ds2.msg_lspid, ds.msg_lspid);
		EXPECT_EQ(ds2.msg_lrpid, ds.msg_lrpid);
		EXPECT_EQ(ds2.msg_stime, ds.msg_stime);
		EXPECT_EQ(ds2.msg_rtime, ds.msg_rtime);
	}

	/* Without read permission: MSG_STAT_ANY works, the four are 0. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct msqid_ds d;

		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(90);
		if (msgctl(idx, MSG_STAT, &d) != -1 || errno != EACCES)
			_exit(91);
		memset(&d, 0x5a, sizeof(d));
		if (msgctl(idx, MSG_STAT_ANY, &d) != q || d.msg_qnum != 1)
			_exit(92);
		_exit(d.msg_lspid || d.msg_lrpid || d.msg_stime ||
		      d.msg_rtime ? 93 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, msgctl(q, IPC_RMID, NULL));
}

/* ------------------------------------------------------------------ */
/* Differential: the kernel's SysV queues and the library, same ops    */
/* ------------------------------------------------------------------ */

static uint64_t rng;

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned int)(rng % n);
}

#define DK	4	/* keys */

/* Both 0, or both set a second apart at most (the calls straddle one). */
static int same_time(time_t k, time_t l)
{
	if (!k || !l)
		return !k && !l;
	return k - l <= 1 && l - k <= 1;
}
static long compared;

static int differential(uint64_t seed, int ops, char *why, size_t whysz)
{
	static struct tmsg km, lm;
	int kid[DK], lid[DK], op, i;

	rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	for (i = 0; i < DK; i++)
		kid[i] = lid[i] = -1;
	for (op = 0; op < ops; op++) {
		int what = (int)rnd(100), n = (int)rnd(DK);
		long kr, lr;
		int ke = 0, le = 0;
		key_t key = key_of(0x40 + n);

		errno = 0;
		if (what < 10) {
			static const int fl[] = { 0, IPC_CREAT,
						  IPC_CREAT | IPC_EXCL };
			int f = fl[rnd(3)] | (rnd(4) ? 0600 : 0640);

			kr = syscall(SYS_msgget, key, f);
			ke = errno;
			errno = 0;
			lr = msgget(key, f);
			le = errno;
			if (kr >= 0)
				kid[n] = (int)kr;
			if (lr >= 0)
				lid[n] = (int)lr;
			kr = kr >= 0 ? 0 : -1;
			lr = lr >= 0 ? 0 : -1;
		} else if (what < 40) {
			size_t len = rnd(30) ? rnd(120) : 8193;
			long type = rnd(25) ? 1 + rnd(5) : -(long)rnd(2);

			if (kid[n] < 0 && lid[n] < 0)
				continue;
			for (size_t j = 0; j < len && j < 8192; j++)
				km.mtext[j] = lm.mtext[j] = (char)rnd(256);
			km.mtype = lm.mtype = type;
			kr = syscall(SYS_msgsnd, kid[n], &km, len, IPC_NOWAIT);
			ke = errno;
			errno = 0;
			lr = msgsnd(lid[n], &lm, len, IPC_NOWAIT);
			le = errno;
		} else if (what < 80) {
			size_t len = rnd(4) ? 128 : rnd(120);
			long typ = (long)rnd(13) - 6;
			int f = IPC_NOWAIT | (rnd(4) ? 0 : MSG_EXCEPT) |
				(rnd(3) ? 0 : MSG_NOERROR);

			if (kid[n] < 0 && lid[n] < 0)
				continue;
			memset(&km, 0, sizeof(km));
			memset(&lm, 0, sizeof(lm));
			kr = syscall(SYS_msgrcv, kid[n], &km, len, typ, f);
			ke = errno;
			errno = 0;
			lr = msgrcv(lid[n], &lm, len, typ, f);
			le = errno;
			if (kr > 0 && lr == kr &&
			    (memcmp(km.mtext, lm.mtext, kr) ||
			     km.mtype != lm.mtype)) {
				snprintf(why, whysz,
					 "seed %llu op %d: receive: data or type (%ld/%ld)",
					 (unsigned long long)seed, op,
					 km.mtype, lm.mtype);
				return op;
			}
			if (kr >= 0 && lr == kr && km.mtype != lm.mtype) {
				snprintf(why, whysz, "seed %llu op %d: type",
					 (unsigned long long)seed, op);
				return op;
			}
		} else if (what < 95) {
			struct msqid_ds kd, ld;

			if (kid[n] < 0 && lid[n] < 0)
				continue;
			kr = syscall(SYS_msgctl, kid[n], IPC_STAT,
				     &kd);
			ke = errno;
			errno = 0;
			lr = msgctl(lid[n], IPC_STAT, &ld);
			le = errno;
			if (!kr && !lr &&
			    (kd.msg_qnum != ld.msg_qnum ||
			     kd.__msg_cbytes != ld.__msg_cbytes ||
			     kd.msg_qbytes != ld.msg_qbytes ||
			     kd.msg_perm.__key != ld.msg_perm.__key ||
			     kd.msg_perm.mode != ld.msg_perm.mode ||
			     kd.msg_perm.uid != ld.msg_perm.uid ||
			     kd.msg_perm.cgid != ld.msg_perm.cgid ||
			     kd.msg_lspid != ld.msg_lspid ||
			     kd.msg_lrpid != ld.msg_lrpid ||
			     !same_time(kd.msg_stime, ld.msg_stime) ||
			     !same_time(kd.msg_rtime, ld.msg_rtime))) {
				snprintf(why, whysz,
					 "seed %llu op %d: stat qnum %lu/%lu cbytes %lu/%lu qbytes %lu/%lu mode %o/%o pids %d/%d %d/%d",
					 (unsigned long long)seed, op,
					 (unsigned long)kd.msg_qnum,
					 (unsigned long)ld.msg_qnum,
					 (unsigned long)kd.__msg_cbytes,
					 (unsigned long)ld.__msg_cbytes,
					 (unsigned long)kd.msg_qbytes,
					 (unsigned long)ld.msg_qbytes,
					 kd.msg_perm.mode, ld.msg_perm.mode,
					 kd.msg_lspid, ld.msg_lspid,
					 kd.msg_lrpid, ld.msg_lrpid);
				return op;
			}
		} else {
			if (kid[n] < 0 && lid[n] < 0)
				continue;
			/* The id stays: later calls with it are EINVAL. */
			kr = syscall(SYS_msgctl, kid[n], IPC_RMID,
				     NULL);
			ke = errno;
			errno = 0;
			lr = msgctl(lid[n], IPC_RMID, NULL);
			le = errno;
		}
		compared++;
		if (kr != lr || (kr < 0 && ke != le)) {
			snprintf(why, whysz,
				 "seed %llu op %d (kind %d): kernel %ld/%s, kipc %ld/%s",
				 (unsigned long long)seed, op, what, kr,
				 strerror(ke), lr, strerror(le));
			return op;
		}
	}
	for (i = 0; i < DK; i++) {
		int k = (int)syscall(SYS_msgget, key_of(0x40 + i), 0);
		int l = msgget(key_of(0x40 + i), 0);

		if (k >= 0)
			syscall(SYS_msgctl, k, IPC_RMID, NULL);
		if (l >= 0)
			msgctl(l, IPC_RMID, NULL);
	}
	return 0;
}

/*
 * SYSV_TEST_SEEDS sets another count (the debug kernel's lane).  About 5 s
 * on an idle 6.12 VM; the timeout leaves room for a loaded machine.
 */
#define DIFF_SEEDS	100
#define DIFF_OPS	400

FIXTURE(diff) {};
FIXTURE_SETUP(diff) {}
FIXTURE_TEARDOWN(diff) {}

TEST_F_TIMEOUT(diff, kernel_sysv, 180)
{
	char why[200] = "";
	int s, bad;

	s = kipc_diff_seeds(differential, DIFF_OPS, DIFF_SEEDS,
			    "SYSV_TEST_SEEDS", NULL, why, sizeof(why), &bad);
	ASSERT_LT(0, s);
	if (bad)
		TH_LOG("%s", why);
	EXPECT_EQ(0, bad);
	TH_LOG("%d seeds x %d operations: %ld compared (the rest had no queue to act on)",
	       s, DIFF_OPS, compared);
}

int main(int argc, char **argv)
{
	self_path = argv[0];
	key_base = getpid();
	/* The exec'd side of msqid_across_fork_and_exec. */
	if (argc == 3 && !strcmp(argv[1], "--sysv-send"))
		return snd(atoi(argv[2]), 3, "exec", 4, 0) ? 1 : 0;
	return test_harness_run(argc, argv);
}
