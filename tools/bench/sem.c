// SPDX-License-Identifier: GPL-2.0
/*
 * Semaphore mechanisms: kipc's strong semaphore and its peers, glibc's
 * process-shared sem_t, a System V semaphore and an eventfd in semaphore
 * mode.  Each is set up before the participants fork and inherited by them.
 */
#define _GNU_SOURCE
#include <errno.h>
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
	int fd;
};

/* An anonymous semaphore (it ends with the last handle) for "path". */
static void *kipc_sem_setup(unsigned int value, enum kipc_path path,
			    char *err, size_t len)
{
	struct ksem *s = calloc(1, sizeof(*s));
	struct lkipc k;

	if (!s) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	if (!kipc_device(&k, err, len)) {
		free(s);
		return NULL;
	}
	s->fd = lkipc_sem_open(&k, NULL, kipc_open_flags(path), 0600, value);
	lkipc_close(&k);
	if (s->fd < 0) {
		snprintf(err, len, "lkipc_sem_open: %s", lkipc_strerror(s->fd));
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
		ret = lkipc_sem_wait(s->fd, 1, 0, NULL);
	while (ret == -EINTR);
	return ret;
}

static int kipc_sem_post(void *p)
{
	struct ksem *s = p;

	return lkipc_sem_post(s->fd, 1, 0);
}

static void kipc_sem_teardown(void *p)
{
	struct ksem *s = p;

	lkipc_handle_close(s->fd);
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
