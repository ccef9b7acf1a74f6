/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the demos of the classic problems: each demo is a short
 * program on liblkipc that checks its own invariant and exits non-zero if it
 * does not hold.
 */
#ifndef KIPC_DEMO_H
#define KIPC_DEMO_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lkipc.h>

static inline void __attribute__((noreturn, format(printf, 2, 3)))
demo_die(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err)
		fprintf(stderr, ": %s", lkipc_strerror(err));
	fputc('\n', stderr);
	exit(2);
}

/* A liblkipc call that must work: its -errno ends the demo. */
static inline int demo_ok(int ret, const char *what)
{
	if (ret < 0)
		demo_die(ret, "%s", what);
	return ret;
}

/* Memory shared with the children of this process. */
static inline void *demo_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		demo_die(errno, "mmap");
	memset(p, 0, size);
	return p;
}

/* Fork a child running fn(arg); the child exits with fn's result. */
static inline pid_t demo_spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		demo_die(errno, "fork");
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* Wait for every child; the number of those that did not exit with 0. */
static inline int demo_reap(void)
{
	int status, bad = 0;

	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			bad++;
	return bad;
}

/* Spin until *p reaches v (the counters are in shared memory). */
static inline void demo_wait_for(volatile unsigned int *p, unsigned int v)
{
	while (__atomic_load_n(p, __ATOMIC_ACQUIRE) < v)
		usleep(1000);
}

#endif /* KIPC_DEMO_H */
