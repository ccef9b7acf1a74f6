// SPDX-License-Identifier: GPL-2.0
/*
 * Semaphore mechanisms: kipc's strong semaphore and its peers, glibc's
 * process-shared sem_t, a System V semaphore and an eventfd in semaphore
 * mode.  Each is set up before the participants fork and inherited by them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <unistd.h>

#include <lkipc.h>

#include "bench.h"

/* ------------------------------------------------------------------ */
/* kipc: the fast path (liblkipc's default) and the system-call path   */
/* ------------------------------------------------------------------ */

struct ksem {
	struct lkipc_sem h;	/* each participant's copy after the fork */
};

/* An anonymous semaphore (it ends with the last handle) for "path". */
static void *kipc_sem_setup(unsigned int value, enum kipc_path path,
			    char *err, size_t len)
{
	struct ksem *s = calloc(1, sizeof(*s));
	struct lkipc k;
	int ret;

	if (!s) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (!kipc_device(&k, err, len)) {
		free(s);
		return NULL;
	}
	ret = lkipc_sem_open(&k, &s->h, NULL, kipc_open_flags(path), 0600,
			     value);
	lkipc_close(&k);
	if (ret < 0) {
		snprintf(err, len, "lkipc_sem_open: %s", lkipc_strerror(ret));
		free(s);
		return NULL;
	}
	return s;
}

static int kipc_sem_wait(void *p)
{
	struct ksem *s = p;
	int ret;

	do
		ret = lkipc_sem_wait(&s->h, 1, 0, NULL);
	while (ret == -EINTR);
	return ret;
}

static int kipc_sem_post(void *p)
{
	struct ksem *s = p;

	return lkipc_sem_post(&s->h, 1, 0);
}

/*
 * The kernel's queue of blocked waiters, in order: their pids into
 * pids[0..cap), the number written returned (KIPC_IOC_SEM_STAT).
 */
static int kipc_sem_queue(void *p, uint32_t *pids, unsigned int cap)
{
	struct kipc_sem_waiter w[BENCH_MAX_PROCS];
	struct ksem *s = p;
	struct kipc_sem_stat st;
	unsigned int i, n;
	int ret;

	if (cap > BENCH_MAX_PROCS)
		cap = BENCH_MAX_PROCS;
	ret = lkipc_sem_stat(&s->h, &st, w, cap);
	if (ret < 0)
		return ret;
	n = st.nwaiters < cap ? st.nwaiters : cap;
	for (i = 0; i < n; i++)
		pids[i] = w[i].pid;
	return (int)n;
}

static void kipc_sem_teardown(void *p)
{
	struct ksem *s = p;

	lkipc_sem_close(&s->h);
	free(s);
}

static void *kipc_sem_fast_setup(unsigned int value, char *err, size_t len)
{
	return kipc_sem_setup(value, KIPC_FAST, err, len);
}

const struct sem_mech sem_kipc = {
	.name = "kipc",
	.what = "a kipc semaphore (strong: FIFO hand-off), mapped fast path",
	.note = "fast path",
	.kipc = true,
	.path = KIPC_FAST,
	.setup = kipc_sem_fast_setup,
	.wait = kipc_sem_wait,
	.post = kipc_sem_post,
	.queue = kipc_sem_queue,
	.teardown = kipc_sem_teardown,
};

static void *kipc_sem_ioctl_setup(unsigned int value, char *err, size_t len)
{
	return kipc_sem_setup(value, KIPC_IOCTL, err, len);
}

const struct sem_mech sem_kipc_ioctl = {
	.name = "kipc-ioctl",
	.what = "a kipc semaphore, system-call path (LKIPC_OPEN_NOMAP)",
	.note = "an ioctl per P and per V",
	.kipc = true,
	.path = KIPC_IOCTL,
	.setup = kipc_sem_ioctl_setup,
	.wait = kipc_sem_wait,
	.post = kipc_sem_post,
	.queue = kipc_sem_queue,
	.teardown = kipc_sem_teardown,
};

/* ------------------------------------------------------------------ */
/* glibc sem_t, process-shared                                        */
/* ------------------------------------------------------------------ */

static void *glibc_setup(unsigned int value, char *err, size_t len)
{
	sem_t *s = bench_shared(sizeof(*s));

	if (sem_init(s, 1, value)) {
		snprintf(err, len, "sem_init: %s", strerror(errno));
		bench_unshare(s, sizeof(*s));
		return NULL;
	}
	return s;
}

static int glibc_wait(void *s)
{
	while (sem_wait(s))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int glibc_post(void *s)
{
	return sem_post(s) ? -errno : 0;
}

static void glibc_teardown(void *s)
{
	sem_destroy(s);
	bench_unshare(s, sizeof(sem_t));
}

const struct sem_mech sem_glibc = {
	.name = "glibc sem_t",
	.what = "glibc's process-shared sem_t in shared memory (futex-based)",
	.setup = glibc_setup,
	.wait = glibc_wait,
	.post = glibc_post,
	.teardown = glibc_teardown,
};

/* ------------------------------------------------------------------ */
/* System V                                                           */
/* ------------------------------------------------------------------ */

struct svsem {
	int id;
};

static void *sysv_setup(unsigned int value, char *err, size_t len)
{
	struct svsem *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	s->id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (s->id < 0 || semctl(s->id, 0, SETVAL, (int)value)) {
		snprintf(err, len, "semget/SETVAL: %s", strerror(errno));
		if (s->id >= 0)
			semctl(s->id, 0, IPC_RMID);
		free(s);
		return NULL;
	}
	return s;
}

static int sysv_op(void *p, short op)
{
	struct svsem *s = p;
	struct sembuf sb = { .sem_num = 0, .sem_op = op, .sem_flg = 0 };

	while (semop(s->id, &sb, 1))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int sysv_wait(void *p)
{
	return sysv_op(p, -1);
}

static int sysv_post(void *p)
{
	return sysv_op(p, 1);
}

static void sysv_teardown(void *p)
{
	struct svsem *s = p;

	semctl(s->id, 0, IPC_RMID);
	free(s);
}

const struct sem_mech sem_sysv = {
	.name = "SysV sem",
	.what = "a System V semaphore, semop() without SEM_UNDO",
	.setup = sysv_setup,
	.wait = sysv_wait,
	.post = sysv_post,
	.teardown = sysv_teardown,
};

/* ------------------------------------------------------------------ */
/* eventfd in semaphore mode                                          */
/* ------------------------------------------------------------------ */

static void *efd_setup(unsigned int value, char *err, size_t len)
{
	int *fd = calloc(1, sizeof(*fd));

	if (!fd) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	*fd = eventfd(value, EFD_SEMAPHORE | EFD_CLOEXEC);
	if (*fd < 0) {
		snprintf(err, len, "eventfd: %s", strerror(errno));
		free(fd);
		return NULL;
	}
	return fd;
}

static int efd_wait(void *p)
{
	uint64_t v;

	while (read(*(int *)p, &v, sizeof(v)) != sizeof(v))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int efd_post(void *p)
{
	uint64_t one = 1;

	return write(*(int *)p, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

static void efd_teardown(void *p)
{
	close(*(int *)p);
	free(p);
}

const struct sem_mech sem_eventfd = {
	.name = "eventfd sem",
	.what = "an eventfd with EFD_SEMAPHORE: read() is P, write(1) is V",
	.setup = efd_setup,
	.wait = efd_wait,
	.post = efd_post,
	.teardown = efd_teardown,
};

/* ------------------------------------------------------------------ */
/* Sets: acquire-all of K semaphores at once (S10)                    */
/* ------------------------------------------------------------------ */

#define SET_MAX 8

struct semset {
	unsigned int k;
	bool post_all;				/* kipc: release in one call */
	struct lkipc dev;			/* kipc: for the multi-wait */
	struct lkipc_sem h[SET_MAX];		/* kipc: the semaphores */
	struct kipc_sem_multi_entry e[SET_MAX];	/* kipc: their fds */
	int id;					/* SysV */
};

static void semset_teardown(void *p)
{
	struct semset *s = p;
	unsigned int i;

	if (s->id >= 0) {
		semctl(s->id, 0, IPC_RMID);
	} else {
		for (i = 0; i < s->k; i++)
			lkipc_sem_close(&s->h[i]);
		lkipc_close(&s->dev);
	}
	free(s);
}

/*
 * K kipc semaphores of value "value": released by one lkipc_sem_post_all()
 * on the fast path's row (which it does not use: it is one ioctl), or by a
 * post each, every one an ioctl, on the system-call path's.
 */
static void *kipc_set_setup(unsigned int k, unsigned int value,
			    enum kipc_path path, char *err, size_t len)
{
	struct semset *s = calloc(1, sizeof(*s));
	unsigned int i;
	int ret;

	if (!s) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	s->k = k;
	s->id = -1;
	s->post_all = path == KIPC_FAST;
	for (i = 0; i < k; i++)
		s->h[i].fd = -1;
	if (!kipc_device(&s->dev, err, len)) {
		free(s);
		return NULL;
	}
	for (i = 0; i < k; i++) {
		ret = lkipc_sem_open(&s->dev, &s->h[i], NULL,
				     kipc_open_flags(path), 0600, value);
		if (ret < 0) {
			snprintf(err, len, "lkipc_sem_open: %s",
				 lkipc_strerror(ret));
			semset_teardown(s);
			return NULL;
		}
		s->e[i].fd = s->h[i].fd;
		s->e[i].count = 1;
	}
	return s;
}

static int kipc_set_wait(void *p)
{
	struct semset *s = p;
	int ret;

	do
		ret = lkipc_sem_wait_all(&s->dev, s->e, s->k, 0, NULL);
	while (ret == -EINTR);
	return ret;
}

static int kipc_set_post(void *p)
{
	struct semset *s = p;
	unsigned int i;
	int ret = 0;

	if (s->post_all)
		return lkipc_sem_post_all(&s->dev, s->e, s->k, 0);
	for (i = 0; i < s->k && ret >= 0; i++)
		ret = lkipc_sem_post(&s->h[i], 1, 0);
	return ret;
}

/* A SysV set of K semaphores of value "value". */
static void *sysv_set_setup(unsigned int k, unsigned int value, char *err,
			    size_t len)
{
	struct semset *s = calloc(1, sizeof(*s));
	unsigned short vals[SET_MAX];
	unsigned int i;

	if (!s) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	s->k = k;
	s->id = semget(IPC_PRIVATE, (int)k, IPC_CREAT | 0600);
	for (i = 0; i < k; i++)
		vals[i] = (unsigned short)value;
	if (s->id < 0 || semctl(s->id, 0, SETALL, vals)) {
		snprintf(err, len, "semget/SETALL: %s", strerror(errno));
		if (s->id >= 0)
			semctl(s->id, 0, IPC_RMID);
		free(s);
		return NULL;
	}
	return s;
}

static int sysv_set_op(struct semset *s, short op)
{
	struct sembuf sb[SET_MAX];
	unsigned int i;

	for (i = 0; i < s->k; i++)
		sb[i] = (struct sembuf){ .sem_num = (unsigned short)i,
					 .sem_op = op };
	while (semop(s->id, sb, s->k))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int sysv_set_wait(void *p)
{
	return sysv_set_op(p, -1);
}

static int sysv_set_post(void *p)
{
	return sysv_set_op(p, 1);
}

static void *kipc_set2_setup(unsigned int v, char *err, size_t len)
{
	return kipc_set_setup(2, v, KIPC_FAST, err, len);
}

static void *kipc_set8_setup(unsigned int v, char *err, size_t len)
{
	return kipc_set_setup(8, v, KIPC_FAST, err, len);
}

static void *kipc_set2_ioctl_setup(unsigned int v, char *err, size_t len)
{
	return kipc_set_setup(2, v, KIPC_IOCTL, err, len);
}

static void *kipc_set8_ioctl_setup(unsigned int v, char *err, size_t len)
{
	return kipc_set_setup(8, v, KIPC_IOCTL, err, len);
}

static void *sysv_set2_setup(unsigned int v, char *err, size_t len)
{
	return sysv_set_setup(2, v, err, len);
}

static void *sysv_set8_setup(unsigned int v, char *err, size_t len)
{
	return sysv_set_setup(8, v, err, len);
}

#define KIPC_SET_MECH(_name, _setup, _path, _what, _note)		\
	{								\
		.name = _name, .what = _what, .note = _note,		\
		.kipc = true, .path = _path, .setup = _setup,		\
		.wait = kipc_set_wait, .post = kipc_set_post,		\
		.teardown = semset_teardown,				\
	}

const struct sem_mech sem_kipc_all2 = KIPC_SET_MECH("kipc", kipc_set2_setup,
	KIPC_FAST, "lkipc_sem_wait_all() over 2 kipc semaphores, lkipc_sem_post_all()",
	"an ioctl per acquire-all and per release-all");
const struct sem_mech sem_kipc_all8 = KIPC_SET_MECH("kipc", kipc_set8_setup,
	KIPC_FAST, "lkipc_sem_wait_all() over 8 kipc semaphores, lkipc_sem_post_all()",
	"an ioctl per acquire-all and per release-all");
const struct sem_mech sem_kipc_all2_ioctl = KIPC_SET_MECH("kipc-ioctl",
	kipc_set2_ioctl_setup, KIPC_IOCTL,
	"lkipc_sem_wait_all() over 2 kipc semaphores, an ioctl per post",
	"an ioctl per acquire-all and per post");
const struct sem_mech sem_kipc_all8_ioctl = KIPC_SET_MECH("kipc-ioctl",
	kipc_set8_ioctl_setup, KIPC_IOCTL,
	"lkipc_sem_wait_all() over 8 kipc semaphores, an ioctl per post",
	"an ioctl per acquire-all and per post");

const struct sem_mech sem_sysv_set2 = {
	.name = "SysV set",
	.what = "semop() of 2 sembufs on a System V set of 2, both ways",
	.setup = sysv_set2_setup,
	.wait = sysv_set_wait,
	.post = sysv_set_post,
	.teardown = semset_teardown,
};

const struct sem_mech sem_sysv_set8 = {
	.name = "SysV set",
	.what = "semop() of 8 sembufs on a System V set of 8, both ways",
	.setup = sysv_set8_setup,
	.wait = sysv_set_wait,
	.post = sysv_set_post,
	.teardown = semset_teardown,
};

/* ------------------------------------------------------------------ */
/* With undo (S9): kipc's P and V recorded on the handle              */
/* ------------------------------------------------------------------ */

static int kipc_sem_wait_undo(void *p)
{
	struct ksem *s = p;
	int ret;

	do
		ret = lkipc_sem_wait(&s->h, 1, KIPC_SEM_UNDO, NULL);
	while (ret == -EINTR);
	return ret;
}

static int kipc_sem_post_undo(void *p)
{
	struct ksem *s = p;

	return lkipc_sem_post(&s->h, 1, KIPC_SEM_UNDO);
}

/*
 * The mapped semaphore, with the handle's undo slot taken and its undo
 * page mapped as the first P or V with undo does (two system calls, once
 * per handle), before the measured processes inherit it.
 */
static void *kipc_sem_undo_setup(unsigned int value, char *err, size_t len)
{
	struct ksem *s = kipc_sem_setup(value, KIPC_FAST, err, len);
	int ret = 0;

	if (s && value)
		ret = kipc_sem_wait_undo(s) ?: kipc_sem_post_undo(s);
	if (ret < 0) {
		snprintf(err, len, "P and V with undo: %s",
			 lkipc_strerror(ret));
		kipc_sem_teardown(s);
		return NULL;
	}
	return s;
}

const struct sem_mech sem_kipc_undo = {
	.name = "kipc",
	.what = "a kipc semaphore, P and V with KIPC_SEM_UNDO, as liblkipc does them on a mapped semaphore",
	.note = "mapped semaphore, P and V with undo",
	.kipc = true,
	.path = KIPC_FAST,
	.setup = kipc_sem_undo_setup,
	.wait = kipc_sem_wait_undo,
	.post = kipc_sem_post_undo,
	.teardown = kipc_sem_teardown,
};

const struct sem_mech sem_kipc_ioctl_undo = {
	.name = "kipc-ioctl",
	.what = "a kipc semaphore, P and V with KIPC_SEM_UNDO, system-call path",
	.note = "an ioctl per P and per V, with undo",
	.kipc = true,
	.path = KIPC_IOCTL,
	.setup = kipc_sem_ioctl_setup,
	.wait = kipc_sem_wait_undo,
	.post = kipc_sem_post_undo,
	.teardown = kipc_sem_teardown,
};

/*
 * A robust process-shared mutex, the userspace lock that is given back
 * when its owner dies (as undo gives back a semaphore's units): lock is P,
 * unlock is V; only a value of 1 (unlocked) makes sense.
 */
static void *robust_setup(unsigned int value, char *err, size_t len)
{
	pthread_mutex_t *m = bench_shared(sizeof(*m));
	pthread_mutexattr_t a;
	int ret;

	if (value != 1) {
		snprintf(err, len, "a mutex starts unlocked (value 1)");
		bench_unshare(m, sizeof(*m));
		return NULL;
	}
	bench_robust_mutexattr(&a);
	ret = pthread_mutex_init(m, &a);
	pthread_mutexattr_destroy(&a);
	if (ret) {
		snprintf(err, len, "pthread_mutex_init: %s", strerror(ret));
		bench_unshare(m, sizeof(*m));
		return NULL;
	}
	return m;
}

/* A dead owner's is taken over, as an undo would give it back. */
static int robust_lock(void *m)
{
	return bench_robust_lock(m);
}

static int robust_unlock(void *m)
{
	return -pthread_mutex_unlock(m);
}

static void robust_teardown(void *m)
{
	pthread_mutex_destroy(m);
	bench_unshare(m, sizeof(pthread_mutex_t));
}

const struct sem_mech sem_robust_mutex = {
	.name = "robust mutex",
	.what = "a process-shared robust pthread mutex in shared memory: lock+unlock",
	.setup = robust_setup,
	.wait = robust_lock,
	.post = robust_unlock,
	.teardown = robust_teardown,
};

/* ------------------------------------------------------------------ */
/* POSIX mq as a semaphore (C4): a receive is P, an 8-byte send is V  */
/* ------------------------------------------------------------------ */

#define PMQ_SEM_MAX	8	/* within the default msg_max (10) */

static void *pmq_sem_setup(unsigned int value, char *err, size_t len)
{
	struct mq_attr attr = { .mq_maxmsg = PMQ_SEM_MAX, .mq_msgsize = 8 };
	static unsigned int serial;
	uint64_t one = 1;
	char name[64];
	mqd_t *q = calloc(1, sizeof(*q));
	unsigned int i;

	if (!q || value > PMQ_SEM_MAX) {
		snprintf(err, len, q ? "at most %u units" : "out of memory",
			 PMQ_SEM_MAX);
		free(q);
		return NULL;
	}
	snprintf(name, sizeof(name), "/kipc-bench-sem.%d.%u", getpid(),
		 serial++);
	*q = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
	if (*q == (mqd_t)-1) {
		snprintf(err, len, "mq_open: %s", strerror(errno));
		free(q);
		return NULL;
	}
	mq_unlink(name);
	for (i = 0; i < value; i++)
		mq_send(*q, (const char *)&one, sizeof(one), 0);
	return q;
}

static int pmq_sem_wait(void *p)
{
	uint64_t v;

	while (mq_receive(*(mqd_t *)p, (char *)&v, sizeof(v), NULL) < 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static int pmq_sem_post(void *p)
{
	uint64_t one = 1;

	while (mq_send(*(mqd_t *)p, (const char *)&one, sizeof(one), 0))
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void pmq_sem_teardown(void *p)
{
	mq_close(*(mqd_t *)p);
	free(p);
}

const struct sem_mech sem_posix_mq = {
	.name = "POSIX mq",
	.what = "a POSIX message queue: mq_receive() is P, an 8-byte mq_send() is V",
	.setup = pmq_sem_setup,
	.wait = pmq_sem_wait,
	.post = pmq_sem_post,
	.teardown = pmq_sem_teardown,
};

/* ------------------------------------------------------------------ */
/* N named objects alive (C3)                                         */
/* ------------------------------------------------------------------ */

/* What every kind of object set keeps. */
struct objs {
	unsigned int n;
	pid_t pid;		/* of the creator: the names' prefix */
	enum kipc_path path;	/* kipc */
	struct lkipc dev;	/* kipc */
	union {
		struct lkipc_sem *h;	/* kipc */
		mqd_t *q;		/* POSIX mq */
		int *id;		/* SysV */
	};
};

static struct objs *objs_new(unsigned int n, size_t each, char *err,
			     size_t len)
{
	struct objs *o = calloc(1, sizeof(*o));

	if (o)
		o->h = calloc(n ? n : 1, each);
	if (!o || !o->h) {
		free(o);
		snprintf(err, len, "out of memory");
		return NULL;
	}
	o->pid = getpid();
	return o;
}

static void kobj_name(const struct objs *o, unsigned int i, char *buf,
		      size_t len)
{
	snprintf(buf, len, "kipc-bench.%d.%u", (int)o->pid, i);
}

static void kobj_destroy(void *p)
{
	struct objs *o = p;
	char name[64];
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		lkipc_sem_close(&o->h[i]);
		kobj_name(o, i, name, sizeof(name));
		lkipc_sem_unlink(&o->dev, name);
	}
	lkipc_close(&o->dev);
	free(o->h);
	free(o);
}

static void *kobj_create(unsigned int n, enum kipc_path path, char *err,
			 size_t len)
{
	struct objs *o = objs_new(n, sizeof(struct lkipc_sem), err, len);
	char name[64];
	int ret;

	if (!o)
		return NULL;
	o->path = path;
	if (!kipc_device(&o->dev, err, len)) {
		free(o->h);
		free(o);
		return NULL;
	}
	for (; o->n < n; o->n++) {
		kobj_name(o, o->n, name, sizeof(name));
		ret = lkipc_sem_open(&o->dev, &o->h[o->n], name,
				     kipc_open_flags(path) | KIPC_OPEN_EXCL,
				     0600, 1);
		if (ret < 0) {
			snprintf(err, len, "lkipc_sem_open %u of %u: %s%s",
				 o->n + 1, n, lkipc_strerror(ret),
				 ret == -EDQUOT || ret == -ENOSPC ?
				 " (the module's max_objects_per_user, max_objects)" : "");
			kobj_destroy(o);
			return NULL;
		}
	}
	return o;
}

static void *kobj_fast_create(unsigned int n, char *err, size_t len)
{
	return kobj_create(n, KIPC_FAST, err, len);
}

static void *kobj_ioctl_create(unsigned int n, char *err, size_t len)
{
	return kobj_create(n, KIPC_IOCTL, err, len);
}

static int kobj_open(void *p, unsigned int i)
{
	struct objs *o = p;
	struct lkipc_sem s;
	char name[64];
	int ret;

	kobj_name(o, i, name, sizeof(name));
	ret = lkipc_sem_open(&o->dev, &s, name,
			     o->path == KIPC_IOCTL ? LKIPC_OPEN_NOMAP : 0, 0, 0);
	if (ret < 0)
		return ret;
	return lkipc_sem_close(&s);
}

static int kobj_op(void *p, unsigned int i)
{
	struct objs *o = p;
	/* A struct ksem is its handle: the S5-S7 P and V take it as one. */
	int ret = kipc_sem_wait(&o->h[i]);

	return ret < 0 ? ret : kipc_sem_post(&o->h[i]);
}

const struct obj_mech obj_kipc_sem = {
	.name = "kipc",
	.what = "named kipc semaphores, mapped fast path",
	.note = "open: lkipc_sem_open()+close (maps a page); op: P+V",
	.kipc = true,
	.path = KIPC_FAST,
	.create = kobj_fast_create,
	.open = kobj_open,
	.op = kobj_op,
	.destroy = kobj_destroy,
};

const struct obj_mech obj_kipc_sem_ioctl = {
	.name = "kipc-ioctl",
	.what = "named kipc semaphores, system-call path",
	.note = "open: lkipc_sem_open()+close; op: P+V, an ioctl each",
	.kipc = true,
	.path = KIPC_IOCTL,
	.create = kobj_ioctl_create,
	.open = kobj_open,
	.op = kobj_op,
	.destroy = kobj_destroy,
};

static void pobj_name(const struct objs *o, unsigned int i, char *buf,
		      size_t len)
{
	snprintf(buf, len, "/kipc-bench-obj.%d.%u", (int)o->pid, i);
}

static void pobj_destroy(void *p)
{
	struct objs *o = p;
	char name[64];
	unsigned int i;

	for (i = 0; i < o->n; i++) {
		mq_close(o->q[i]);
		pobj_name(o, i, name, sizeof(name));
		mq_unlink(name);
	}
	free(o->q);
	free(o);
}

/* Small queues (1 message of 8 bytes): 4096 fit RLIMIT_MSGQUEUE's 800 KiB. */
static void *pobj_create(unsigned int n, char *err, size_t len)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = 8 };
	struct objs *o = objs_new(n, sizeof(mqd_t), err, len);
	char name[64];

	if (!o)
		return NULL;
	for (; o->n < n; o->n++) {
		pobj_name(o, o->n, name, sizeof(name));
		o->q[o->n] = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600,
				     &attr);
		if (o->q[o->n] == (mqd_t)-1) {
			snprintf(err, len, "mq_open %u of %u: %s", o->n + 1, n,
				 strerror(errno));
			pobj_destroy(o);
			return NULL;
		}
	}
	return o;
}

static int pobj_open(void *p, unsigned int i)
{
	struct objs *o = p;
	char name[64];
	mqd_t q;

	pobj_name(o, i, name, sizeof(name));
	q = mq_open(name, O_RDWR);
	if (q == (mqd_t)-1)
		return -errno;
	return mq_close(q) ? -errno : 0;
}

static int pobj_op(void *p, unsigned int i)
{
	struct objs *o = p;
	int ret = pmq_sem_post(&o->q[i]);

	return ret < 0 ? ret : pmq_sem_wait(&o->q[i]);
}

const struct obj_mech obj_posix_mq = {
	.name = "POSIX mq",
	.what = "named POSIX message queues of one 8-byte message",
	.note = "open: mq_open()+mq_close(); op: an 8-byte send+receive",
	.create = pobj_create,
	.open = pobj_open,
	.op = pobj_op,
	.destroy = pobj_destroy,
};

/* A key per creator and index: bit 30, 18 bits of the pid, 12 of i. */
static key_t sobj_key(const struct objs *o, unsigned int i)
{
	return (key_t)(0x40000000 | (((unsigned int)o->pid & 0x3ffff) << 12) |
		       (i & 0xfff));
}

static void sobj_destroy(void *p)
{
	struct objs *o = p;
	unsigned int i;

	for (i = 0; i < o->n; i++)
		semctl(o->id[i], 0, IPC_RMID);
	free(o->id);
	free(o);
}

static void *sobj_create(unsigned int n, char *err, size_t len)
{
	struct objs *o = objs_new(n, sizeof(int), err, len);

	if (!o)
		return NULL;
	if (n > 4096) {
		snprintf(err, len, "at most 4096 keys");
		sobj_destroy(o);
		return NULL;
	}
	for (; o->n < n; o->n++) {
		o->id[o->n] = semget(sobj_key(o, o->n), 1,
				     IPC_CREAT | IPC_EXCL | 0600);
		if (o->id[o->n] < 0 || semctl(o->id[o->n], 0, SETVAL, 1)) {
			snprintf(err, len, "semget %u of %u: %s", o->n + 1, n,
				 strerror(errno));
			if (o->id[o->n] >= 0)
				o->n++;
			sobj_destroy(o);
			return NULL;
		}
	}
	return o;
}

static int sobj_open(void *p, unsigned int i)
{
	struct objs *o = p;

	return semget(sobj_key(o, i), 1, 0) < 0 ? -errno : 0;
}

static int sobj_op(void *p, unsigned int i)
{
	struct objs *o = p;
	struct svsem s = { .id = o->id[i] };
	int ret = sysv_wait(&s);

	return ret < 0 ? ret : sysv_post(&s);
}

const struct obj_mech obj_sysv_sem = {
	.name = "SysV sem",
	.what = "System V semaphores by key",
	.note = "open: semget() of the key; op: semop() -1 then +1",
	.create = sobj_create,
	.open = sobj_open,
	.op = sobj_op,
	.destroy = sobj_destroy,
};
