// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * liblkipc-posix: SysV semaphore sets (semget, semop, semtimedop, semctl)
 * on kipc semaphores (Documentation/compat.md, lkipc-posix(7)).
 *
 * A set with id ID and N semaphores is N kipc semaphores, each with the
 * largest value SEMVMX, named "sysv.sem.ID.I" (I = 0..N-1); ID is a
 * random positive int, free when the set's semaphore 0 is created with
 * KIPC_OPEN_EXCL.  A key K other than IPC_PRIVATE is the kipc semaphore
 * "sysv.sem.kKKKKKKKK" (K in 8 hex digits) whose value is ID: it is
 * created last, with KIPC_OPEN_EXCL, once the set is complete, so whoever
 * finds the key finds the whole set.  Any process can thus use an id it
 * did not get from semget (fork, exec, an argument): it opens the set by
 * name.
 *
 * The page of each semaphore (struct kipc_sem_page, which the kernel uses
 * only the first 16 bytes of) keeps what SysV reports beyond kipc's own
 * state: semaphore 0's holds the set's header (its size, key and times),
 * every semaphore's the pid of the last semop on it.  semop is one
 * KIPC_IOC_SEM_OP: the whole sembuf array in one step, with FIFO order
 * among the decrements of each semaphore.
 *
 * Each process opens the semaphores it uses, once, in a table keyed by id;
 * a fork's child starts with an empty table (pthread_atfork), so SEM_UNDO,
 * recorded on the handle's open file description, is per process, as in
 * SysV, and is applied when the process exits or execs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

#include "../internal.h"
#include "compat.h"

#define API __attribute__((visibility("default")))

#define SYSV_SEMVMX	32767		/* Linux's SEMVMX */
#define HDR_MAGIC	0x73797376	/* "sysv" */
#define HDR_OFFSET	64		/* after struct kipc_sem_page */
#define PID_OFFSET	128

/* In the page of semaphore 0. */
struct sysv_hdr {
	uint32_t magic;
	uint32_t nsems;
	int32_t key;
	uint32_t __pad;
	int64_t otime;
	int64_t ctime;
};

struct member {
	int fd;			/* -1: not open yet */
	int writable;
	void *page;		/* its page, or NULL */
};

struct set {
	struct set *next;
	int id;
	unsigned int nsems;
	struct member *m;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct set *table;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

union semun_ {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *__buf;
};

/* The value of the semaphore of descriptor fd, or -errno. */
static int sem_value_fd(int fd)
{
	struct kipc_sem_stat st;
	int ret = lkipc_sem_stat_fd(fd, &st, NULL, 0);

	return ret < 0 ? ret : (int)st.value;
}

static void member_name(char *buf, size_t len, int id, unsigned int i)
{
	snprintf(buf, len, "sysv.sem.%d.%u", id, i);
}

static void key_name(char *buf, size_t len, key_t key)
{
	snprintf(buf, len, "sysv.sem.k%08x", (unsigned int)key);
}

/* KIPC_IOC_OPEN of a semaphore whose max is SEMVMX, without a map. */
static int sem_open_raw(struct lkipc *k, const char *name, unsigned int flags,
			unsigned int mode, unsigned int value, unsigned int max)
{
	struct kipc_open op = {
		.size = sizeof(op),
		.flags = flags,
		.type = KIPC_OBJ_SEM,
		.mode = mode,
		.name = (uintptr_t)name,
		.sem_value = value,
		.sem_max = max,
	};
	int fd = ioctl(k->fd, KIPC_IOC_OPEN, &op);

	return fd < 0 ? -errno : fd;
}

static void member_close(struct member *m)
{
	if (m->page)
		munmap(m->page, (size_t)sysconf(_SC_PAGESIZE));
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
	m->page = NULL;
}

/* Open member i of the set: read-write if allowed, else one of them. */
static int member_open(struct lkipc *k, struct set *s, unsigned int i)
{
	static const unsigned int acc[] = {
		KIPC_OPEN_READ | KIPC_OPEN_WRITE, KIPC_OPEN_READ,
		KIPC_OPEN_WRITE,
	};
	struct member *m = &s->m[i];
	char name[64];
	void *page;
	int fd = -EACCES;

	if (m->fd >= 0)
		return 0;
	member_name(name, sizeof(name), s->id, i);
	for (unsigned int a = 0; a < 3 && fd == -EACCES; a++) {
		fd = sem_open_raw(k, name, acc[a], 0, 0, 0);
		if (fd >= 0)
			m->writable = !!(acc[a] & KIPC_OPEN_WRITE);
		if (fd >= 0 && (acc[a] & KIPC_OPEN_READ)) {
			page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
				    PROT_READ | (m->writable ? PROT_WRITE : 0),
				    MAP_SHARED, fd, 0);
			m->page = page == MAP_FAILED ? NULL : page;
		}
	}
	if (fd < 0)
		return fd == -ENOENT ? -EIDRM : fd;
	m->fd = fd;
	return 0;
}

static struct sysv_hdr *set_hdr(struct set *s)
{
	return s->m[0].page ? (struct sysv_hdr *)((char *)s->m[0].page +
						  HDR_OFFSET) : NULL;
}

static int32_t *member_pid(struct member *m)
{
	return m->page ? (int32_t *)((char *)m->page + PID_OFFSET) : NULL;
}

static void set_free(struct set *s)
{
	for (unsigned int i = 0; i < s->nsems; i++)
		member_close(&s->m[i]);
	free(s->m);
	free(s);
}

/* A fork's child: its own handles, so that SEM_UNDO is per process. */
static void forget_all(void)
{
	while (table) {
		struct set *s = table;

		table = s->next;
		set_free(s);
	}
	pthread_mutex_init(&table_lock, NULL);
}

static void atfork_init(void)
{
	pthread_atfork(NULL, NULL, forget_all);
}

/*
 * The set with this id, opened (semaphore 0 at least) and put in the
 * table; the table is locked by the caller.  NULL with errno: EINVAL (no
 * such set), EIDRM, EACCES.
 */
static struct set *set_get(struct lkipc *k, int id)
{
	struct set *s;
	struct sysv_hdr *h;
	int ret;

	pthread_once(&atfork_once, atfork_init);
	for (s = table; s; s = s->next)
		if (s->id == id)
			return s;
	if (id <= 0) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->m = calloc(1, sizeof(*s->m)))) {
		free(s);
		errno = ENOMEM;
		return NULL;
	}
	s->id = id;
	s->nsems = 1;
	s->m[0].fd = -1;
	ret = member_open(k, s, 0);
	h = ret ? NULL : set_hdr(s);
	if (!ret && (!h || h->magic != HDR_MAGIC || !h->nsems))
		ret = h ? -EINVAL : -EACCES;
	if (!ret) {
		struct member *m = realloc(s->m, h->nsems * sizeof(*m));

		if (!m) {
			ret = -ENOMEM;
		} else {
			s->m = m;
			for (unsigned int i = 1; i < h->nsems; i++) {
				m[i].fd = -1;
				m[i].page = NULL;
			}
			s->nsems = h->nsems;
		}
	}
	if (ret) {
		set_free(s);
		errno = ret == -EIDRM ? EINVAL : -ret;
		return NULL;
	}
	s->next = table;
	table = s;
	return s;
}

/* Drop the set from the table (removed, or not what we thought). */
static void set_forget(int id)
{
	struct set **pp, *s;

	for (pp = &table; (s = *pp); pp = &s->next) {
		if (s->id == id) {
			*pp = s->next;
			set_free(s);
			return;
		}
	}
}

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

/* The kernel's SEMMSL, as /proc/sys/kernel/sem says (32000 by default). */
static unsigned int semmsl(void)
{
	FILE *f = fopen("/proc/sys/kernel/sem", "re");
	unsigned int v = 32000;

	if (f) {
		if (fscanf(f, "%u", &v) != 1)
			v = 32000;
		fclose(f);
	}
	return v;
}

/* Write the id into the key's page: 0 or -errno. */
static int key_set_id(int fd, int id)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	void *page = mmap(NULL, psz, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			  0);

	if (page == MAP_FAILED)
		return -errno;
	__atomic_store_n((int32_t *)((char *)page + HDR_OFFSET), id,
			 __ATOMIC_RELEASE);
	munmap(page, psz);
	return 0;
}

/* Create a new set; returns its id or -errno. */
static int set_create(struct lkipc *k, key_t key, unsigned int nsems, int flg,
		      int *kfd)
{
	unsigned int mode = (unsigned int)flg & 0777, i;
	char name[64];
	int id, fd = -1, ret = 0;
	struct sysv_hdr *h;
	void *page;

	for (int tries = 0; tries < 64; tries++) {
		uint32_t r;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)rand() ^ (uint32_t)getpid();
		id = (int)(r & 0x7fffffff);
		if (!id)
			continue;
		member_name(name, sizeof(name), id, 0);
		fd = sem_open_raw(k, name, KIPC_OPEN_READ | KIPC_OPEN_WRITE |
				  KIPC_OPEN_CREATE | KIPC_OPEN_EXCL, mode, 0,
				  SYSV_SEMVMX);
		if (fd != -EEXIST)
			break;
	}
	if (fd < 0)
		return fd == -EDQUOT ? -ENOSPC : fd;
	for (i = 1; i < nsems && !ret; i++) {
		int f;

		member_name(name, sizeof(name), id, i);
		f = sem_open_raw(k, name, KIPC_OPEN_READ | KIPC_OPEN_CREATE |
				 KIPC_OPEN_EXCL, mode, 0, SYSV_SEMVMX);
		if (f < 0)
			ret = f == -EDQUOT ? -ENOSPC : f;
		else
			close(f);
	}
	page = ret ? MAP_FAILED : mmap(NULL, (size_t)sysconf(_SC_PAGESIZE),
				       PROT_READ | PROT_WRITE, MAP_SHARED,
				       fd, 0);
	if (page == MAP_FAILED && !ret)
		ret = -errno;
	if (!ret) {
		h = (struct sysv_hdr *)((char *)page + HDR_OFFSET);
		h->nsems = nsems;
		h->key = key;
		h->ctime = now();
		__atomic_store_n(&h->magic, HDR_MAGIC, __ATOMIC_RELEASE);
		munmap(page, (size_t)sysconf(_SC_PAGESIZE));
		if (key != IPC_PRIVATE) {
			key_name(name, sizeof(name), key);
			*kfd = sem_open_raw(k, name, KIPC_OPEN_READ |
					    KIPC_OPEN_WRITE | KIPC_OPEN_CREATE |
					    KIPC_OPEN_EXCL, mode, 0, 0);
			ret = *kfd < 0 ? *kfd : key_set_id(*kfd, id);
			if (ret && *kfd >= 0)
				lkipc_destroy_fd(*kfd, 0);
		}
	}
	if (ret) {
		/* Undo: the set's other semaphores go with semaphore 0. */
		while (i-- > 1) {
			int f;

			member_name(name, sizeof(name), id, i);
			f = sem_open_raw(k, name, KIPC_OPEN_READ, 0, 0, 0);
			if (f >= 0) {
				lkipc_destroy_fd(f, 0);
				close(f);
			}
		}
		lkipc_destroy_fd(fd, 0);
	}
	close(fd);
	return ret ? ret : id;
}

/*
 * The id the key names now, or -errno (-ENOENT: no such key).  The id is
 * in the key's page (a kipc value is too small for it), written by its
 * creator right after it created the key: wait up to a second for it.
 */
static int key_lookup(struct lkipc *k, key_t key)
{
	size_t psz = (size_t)sysconf(_SC_PAGESIZE);
	char name[64];
	int fd, id = 0;
	void *page;

	key_name(name, sizeof(name), key);
	fd = sem_open_raw(k, name, KIPC_OPEN_READ, 0, 0, 0);
	if (fd < 0)
		return fd;
	page = mmap(NULL, psz, PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		id = -errno;
	} else {
		int32_t *p = (int32_t *)((char *)page + HDR_OFFSET);

		for (int i = 0; i < 1000 && !id; i++) {
			id = __atomic_load_n(p, __ATOMIC_ACQUIRE);
			if (!id)
				usleep(1000);
		}
		munmap(page, psz);
	}
	/* A key being removed, or whose creator died half-way. */
	if (!id || sem_value_fd(fd) == -EIDRM)
		id = -ENOENT;
	close(fd);
	return id;
}

API int semget(key_t key, int nsems, int semflg)
{
	struct lkipc *k;
	int id, log, kfd = -1;
	struct set *s;

	FALLBACK(semget, -1, key, nsems, semflg);
	k = &px_dev;
	log = px_log_opens;
	if (nsems < 0 || (unsigned int)nsems > semmsl())
		return px_fail(EINVAL);
	for (int tries = 0;; tries++) {
		id = key == IPC_PRIVATE ? -ENOENT : key_lookup(k, key);
		if (id >= 0 && (semflg & IPC_CREAT) && (semflg & IPC_EXCL))
			return px_fail(EEXIST);
		if (id == -ENOENT && !(semflg & IPC_CREAT) &&
		    key != IPC_PRIVATE)
			return px_fail(ENOENT);
		if (id == -ENOENT) {
			if (!nsems)
				return px_fail(EINVAL);
			id = set_create(k, key, (unsigned int)nsems, semflg,
					&kfd);
			if (kfd >= 0)
				close(kfd);
			/* Another process created the key meanwhile. */
			if (id == -EEXIST && tries < 8)
				continue;
		}
		break;
	}
	if (id < 0)
		return px_fail(id == -EPERM ? EACCES : -id);
	pthread_mutex_lock(&table_lock);
	s = set_get(k, id);
	if (s && (unsigned int)nsems > s->nsems) {
		s = NULL;
		errno = EINVAL;
	}
	pthread_mutex_unlock(&table_lock);
	if (!s)
		return -1;
	if (log)
		fprintf(stderr, "liblkipc-posix: pid %d: semget 0x%x: kipc semaphore set sysv.sem.%d\n",
			getpid(), (unsigned int)key, id);
	return id;
}

/* A kipc error of a set's semaphore, as SysV says it. */
static int sysv_err(int err)
{
	if (err == EBADF || err == EPERM)
		return EACCES;
	return err;
}

/* With the table locked: open every member that ops name, fill entries. */
static int semop_prepare(struct lkipc *k, struct set *s, struct sembuf *sops,
			 size_t nsops, struct kipc_sem_op_entry *ent)
{
	for (size_t i = 0; i < nsops; i++) {
		unsigned int n = sops[i].sem_num;
		int op = sops[i].sem_op, ret;

		if (n >= s->nsems)
			return EFBIG;
		ret = member_open(k, s, n);
		if (ret)
			return sysv_err(-ret);
		if (!s->m[n].writable)
			return EACCES;
		ent[i] = (struct kipc_sem_op_entry){
			.fd = s->m[n].fd,
			.op = op < 0 ? KIPC_SEMOP_TAKE :
			      op > 0 ? KIPC_SEMOP_ADD : KIPC_SEMOP_ZERO,
			.count = (unsigned int)(op < 0 ? -op : op),
		};
		if (sops[i].sem_flg & SEM_UNDO && op)
			ent[i].flags |= KIPC_SEM_UNDO;
		if (sops[i].sem_flg & IPC_NOWAIT)
			ent[i].flags |= KIPC_SEM_NONBLOCK;
	}
	return 0;
}

static int sem_op_ioctl(struct lkipc *k, struct kipc_sem_op_entry *ent,
			unsigned int nr, unsigned int flags,
			const struct timespec *deadline)
{
	struct kipc_sem_wait_multi cmd = {
		.size = sizeof(cmd),
		.flags = flags,
		.nr = nr,
		.entries = (uintptr_t)ent,
	};

	if (deadline) {
		cmd.flags |= KIPC_SEM_TIMED;
		cmd.tv_sec = deadline->tv_sec;
		cmd.tv_nsec = deadline->tv_nsec;
	}
	return ioctl(k->fd, KIPC_IOC_SEM_OP, &cmd) < 0 ? errno : 0;
}

API int semtimedop(int semid, struct sembuf *sops, size_t nsops,
		   const struct timespec *timeout)
{
	struct kipc_sem_op_entry ent[KIPC_SEM_MULTI_MAX];
	struct timespec deadline;
	struct lkipc *k;
	struct set *s;
	int err;

	FALLBACK(semtimedop, -1, semid, sops, nsops, timeout);
	k = &px_dev;
	if (!nsops)
		return px_fail(EINVAL);
	if (nsops > KIPC_SEM_MULTI_MAX)
		return px_fail(E2BIG);
	if (!sops)
		return px_fail(EFAULT);
	if (timeout) {
		if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 ||
		    timeout->tv_nsec >= 1000000000L)
			return px_fail(EINVAL);
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout->tv_sec;
		deadline.tv_nsec += timeout->tv_nsec;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&table_lock);
	s = set_get(k, semid);
	err = s ? semop_prepare(k, s, sops, nsops, ent) : errno;
	pthread_mutex_unlock(&table_lock);
	if (err)
		return px_fail(err);
	/* The handles stay open: only semctl(IPC_RMID) or exit closes them. */
	err = sem_op_ioctl(k, ent, (unsigned int)nsops, 0,
			   timeout ? &deadline : NULL);
	if (err == ETIMEDOUT)
		err = EAGAIN;
	if (err == EBADF)
		err = EACCES;
	if (err == EIDRM) {
		pthread_mutex_lock(&table_lock);
		set_forget(semid);
		pthread_mutex_unlock(&table_lock);
	}
	if (err)
		return px_fail(err);
	pthread_mutex_lock(&table_lock);
	s = set_get(k, semid);
	if (s) {
		struct sysv_hdr *h = set_hdr(s);

		for (size_t i = 0; i < nsops; i++) {
			int32_t *pid = member_pid(&s->m[sops[i].sem_num]);

			if (pid && s->m[sops[i].sem_num].writable)
				__atomic_store_n(pid, getpid(),
						 __ATOMIC_RELAXED);
		}
		if (h && s->m[0].writable)
			__atomic_store_n(&h->otime, now(), __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&table_lock);
	return 0;
}

API int semop(int semid, struct sembuf *sops, size_t nsops)
{
	return semtimedop(semid, sops, nsops, NULL);
}

/* Set semaphores [first, first + n) to vals, 64 at a time. */
static int set_values(struct lkipc *k, struct set *s, unsigned int first,
		      unsigned int n, const unsigned short *vals)
{
	struct kipc_sem_op_entry ent[KIPC_SEM_MULTI_MAX];
	unsigned int i, done = 0;
	int ret;

	for (i = 0; i < n; i++)
		if (vals[i] > SYSV_SEMVMX)
			return ERANGE;
	while (done < n) {
		unsigned int nr = 0;

		for (; nr < KIPC_SEM_MULTI_MAX && done + nr < n; nr++) {
			unsigned int idx = first + done + nr;

			ret = member_open(k, s, idx);
			if (ret)
				return sysv_err(-ret);
			if (!s->m[idx].writable)
				return EACCES;
			ent[nr] = (struct kipc_sem_op_entry){
				.fd = s->m[idx].fd,
				.op = KIPC_SEMOP_SET,
				.count = vals[done + nr],
			};
		}
		ret = sem_op_ioctl(k, ent, nr, KIPC_SEM_NONBLOCK, NULL);
		if (ret)
			return sysv_err(ret);
		done += nr;
	}
	return 0;
}

/* Fill ds from the set's semaphore 0 (read permission needed). */
static int fill_ds(struct set *s, struct semid_ds *ds)
{
	struct kipc_sem_stat st;
	struct sysv_hdr *h = set_hdr(s);
	int ret;

	if (s->m[0].fd < 0 || !h)
		return EACCES;
	ret = lkipc_sem_stat_fd(s->m[0].fd, &st, NULL, 0);
	if (ret)
		return sysv_err(-ret);
	memset(ds, 0, sizeof(*ds));
	ds->sem_perm.__key = h->key;
	ds->sem_perm.uid = st.uid;
	ds->sem_perm.gid = st.gid;
	ds->sem_perm.cuid = st.cuid;
	ds->sem_perm.cgid = st.cgid;
	ds->sem_perm.mode = (unsigned short)st.mode;
	ds->sem_otime = (time_t)__atomic_load_n(&h->otime, __ATOMIC_RELAXED);
	ds->sem_ctime = (time_t)__atomic_load_n(&h->ctime, __ATOMIC_RELAXED);
	ds->sem_nsems = s->nsems;
	return 0;
}

/* GETNCNT (zero = 0) or GETZCNT (zero = 1) of member n. */
static int count_waiters(struct set *s, unsigned int n, int zero)
{
	struct kipc_sem_waiter *w = NULL;
	struct kipc_sem_stat st;
	unsigned int cap = 0;
	int ret, c = 0;

	for (;;) {
		ret = lkipc_sem_stat_fd(s->m[n].fd, &st, w, cap);
		if (ret) {
			free(w);
			errno = sysv_err(-ret);
			return -1;
		}
		if (st.nwaiters <= cap)
			break;
		free(w);
		cap = st.nwaiters + 8;
		w = calloc(cap, sizeof(*w));
		if (!w) {
			errno = ENOMEM;
			return -1;
		}
	}
	for (unsigned int i = 0; i < st.nwaiters; i++)
		c += !w[i].count == !!zero;
	free(w);
	return c;
}

/* Remove the set: its key first, then every semaphore (EIDRM to waiters). */
static int set_remove(struct lkipc *k, struct set *s)
{
	struct sysv_hdr *h = set_hdr(s);
	char name[64];
	int ret, fd;

	ret = member_open(k, s, 0) ? -EIDRM : lkipc_destroy_fd(s->m[0].fd, 0);
	if (ret)
		return -ret;
	if (h && h->key != IPC_PRIVATE && key_lookup(k, h->key) == s->id) {
		key_name(name, sizeof(name), h->key);
		fd = sem_open_raw(k, name, KIPC_OPEN_READ, 0, 0, 0);
		if (fd >= 0) {
			lkipc_destroy_fd(fd, 0);
			close(fd);
		}
	}
	for (unsigned int i = 1; i < s->nsems; i++) {
		member_name(name, sizeof(name), s->id, i);
		fd = sem_open_raw(k, name, KIPC_OPEN_READ, 0, 0, 0);
		if (fd >= 0) {
			lkipc_destroy_fd(fd, 0);
			close(fd);
		}
	}
	return 0;
}

/* The sets of the IPC namespace, in kipc id order: their ids. */
static int list_sets(struct lkipc *k, int **ids)
{
	struct kipc_obj_info *e = NULL;
	int n, cap = 64, nr = 0;

	for (;;) {
		free(e);
		e = calloc((size_t)cap, sizeof(*e));
		if (!e)
			return -ENOMEM;
		n = lkipc_list(k, e, (unsigned int)cap);
		if (n < 0 || n <= cap)
			break;
		cap = n + 16;
	}
	if (n < 0) {
		free(e);
		return n;
	}
	*ids = calloc((size_t)n + 1, sizeof(**ids));
	if (!*ids) {
		free(e);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		int id;
		char tail;

		if (e[i].type == KIPC_OBJ_SEM &&
		    sscanf((char *)e[i].name, "sysv.sem.%d.0%c", &id, &tail) == 1 &&
		    id > 0)
			(*ids)[nr++] = id;
	}
	free(e);
	return nr;
}

static int sem_info(struct lkipc *k, int cmd, struct seminfo *si)
{
	struct kipc_info info = { .size = sizeof(info) };
	int *ids = NULL, n, total = 0;

	if (!si)
		return px_fail(EFAULT);
	if (lkipc_get_info(k, &info))
		return px_fail(EINVAL);
	n = list_sets(k, &ids);
	if (n < 0)
		return px_fail(-n);
	memset(si, 0, sizeof(*si));
	si->semmsl = (int)semmsl();
	si->semmni = (int)info.max_objects;
	si->semmns = (int)info.max_objects;
	si->semopm = KIPC_SEM_MULTI_MAX;
	si->semvmx = SYSV_SEMVMX;
	si->semaem = SYSV_SEMVMX;
	si->semmap = si->semmns;
	si->semmnu = si->semmns;
	si->semume = KIPC_SEM_MULTI_MAX;
	if (cmd == SEM_INFO) {
		pthread_mutex_lock(&table_lock);
		for (int i = 0; i < n; i++) {
			struct set *s = set_get(k, ids[i]);

			total += s ? (int)s->nsems : 0;
		}
		pthread_mutex_unlock(&table_lock);
		si->semusz = n;
		si->semaem = total;
	}
	free(ids);
	return n > 0 ? n - 1 : 0;
}

API int semctl(int semid, int semnum, int cmd, ...)
{
	union semun_ arg = { 0 };
	struct lkipc *k;
	struct set *s;
	int ret = 0, err = 0, stat_id = 0;
	va_list ap;

	switch (cmd) {
	case SETVAL: case GETALL: case SETALL: case IPC_STAT: case IPC_SET:
	case IPC_INFO: case SEM_INFO: case SEM_STAT:
#ifdef SEM_STAT_ANY
	case SEM_STAT_ANY:
#endif
		va_start(ap, cmd);
		arg = va_arg(ap, union semun_);
		va_end(ap);
		break;
	default:
		break;
	}
	FALLBACK(semctl, -1, semid, semnum, cmd, arg);
	k = &px_dev;
	if (cmd == IPC_INFO || cmd == SEM_INFO)
		return sem_info(k, cmd, arg.__buf);
	if (cmd == SEM_STAT
#ifdef SEM_STAT_ANY
	    || cmd == SEM_STAT_ANY
#endif
	    ) {
		int *ids = NULL, n = list_sets(k, &ids);

		if (n < 0)
			return px_fail(-n);
		if (semid < 0 || semid >= n) {
			free(ids);
			return px_fail(EINVAL);
		}
		stat_id = ids[semid];
		free(ids);
		semid = stat_id;
		cmd = IPC_STAT;
	}
	pthread_mutex_lock(&table_lock);
	s = set_get(k, semid);
	if (!s) {
		err = errno;
		goto out;
	}
	switch (cmd) {
	case GETVAL: case SETVAL: case GETPID: case GETNCNT: case GETZCNT:
		if (semnum < 0 || (unsigned int)semnum >= s->nsems) {
			err = EINVAL;
			goto out;
		}
		err = sysv_err(-member_open(k, s, (unsigned int)semnum));
		if (err)
			goto out;
		break;
	default:
		break;
	}
	switch (cmd) {
	case GETVAL:
		ret = sem_value_fd(s->m[semnum].fd);
		if (ret < 0)
			err = sysv_err(-ret);
		break;
	case GETPID:
		if (!member_pid(&s->m[semnum]))
			err = EACCES;
		else
			ret = __atomic_load_n(member_pid(&s->m[semnum]),
					      __ATOMIC_RELAXED);
		break;
	case GETNCNT:
	case GETZCNT:
		ret = count_waiters(s, (unsigned int)semnum, cmd == GETZCNT);
		if (ret < 0)
			err = errno;
		break;
	case SETVAL: {
		unsigned short v = (unsigned short)arg.val;

		if (arg.val < 0 || arg.val > SYSV_SEMVMX)
			err = ERANGE;
		else
			err = set_values(k, s, (unsigned int)semnum, 1, &v);
		break;
	}
	case SETALL:
		if (!arg.array) {
			err = EFAULT;
			break;
		}
		err = set_values(k, s, 0, s->nsems, arg.array);
		break;
	case GETALL:
		if (!arg.array) {
			err = EFAULT;
			break;
		}
		for (unsigned int i = 0; i < s->nsems && !err; i++) {
			err = sysv_err(-member_open(k, s, i));
			ret = err ? 0 : sem_value_fd(s->m[i].fd);
			if (ret < 0)
				err = sysv_err(-ret);
			else if (!err)
				arg.array[i] = (unsigned short)ret;
		}
		ret = 0;
		break;
	case IPC_STAT:
		if (!arg.buf)
			err = EFAULT;
		else
			err = fill_ds(s, arg.buf);
		ret = stat_id;
		break;
	case IPC_SET: {
		struct semid_ds cur;

		if (!arg.buf) {
			err = EFAULT;
			break;
		}
		err = fill_ds(s, &cur);
		if (err)
			break;
		/* kipc keeps the owner and mode it was created with. */
		if (arg.buf->sem_perm.uid != cur.sem_perm.uid ||
		    arg.buf->sem_perm.gid != cur.sem_perm.gid ||
		    (arg.buf->sem_perm.mode & 0777) !=
		    (cur.sem_perm.mode & 0777)) {
			err = EOPNOTSUPP;
			break;
		}
		if (geteuid() && geteuid() != cur.sem_perm.uid &&
		    geteuid() != cur.sem_perm.cuid) {
			err = EPERM;
			break;
		}
		if (s->m[0].writable && set_hdr(s))
			__atomic_store_n(&set_hdr(s)->ctime, now(),
					 __ATOMIC_RELAXED);
		break;
	}
	case IPC_RMID:
		err = set_remove(k, s);
		if (!err)
			set_forget(semid);
		break;
	default:
		err = EINVAL;
		break;
	}
	if (!err && (cmd == SETVAL || cmd == SETALL) && s->m[0].writable &&
	    set_hdr(s))
		__atomic_store_n(&set_hdr(s)->ctime, now(), __ATOMIC_RELAXED);
out:
	if (err == EIDRM && cmd != IPC_RMID)
		set_forget(semid);
	pthread_mutex_unlock(&table_lock);
	if (err)
		return px_fail(err == EIDRM && !s ? EINVAL : err);
	return ret;
}
