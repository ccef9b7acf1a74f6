// SPDX-License-Identifier: GPL-2.0
/*
 * Counting system calls for real: a perf counter on the raw_syscalls:
 * sys_enter tracepoint, opened by each participant on itself (pid 0, any
 * CPU, not inherited), enabled around the operations it performs and read
 * at the end.  The kernel counts every system call entry of that task,
 * whoever makes it (libc, liblkipc, the vDSO falling back), so nothing is
 * inferred from what the code is believed to do.
 *
 * The window itself costs a known amount: the PERF_EVENT_IOC_DISABLE ioctl
 * that closes it enters the kernel while the counter is still on.  That
 * overhead is measured at start on empty windows and subtracted, and the
 * method is checked on a window of exactly 1000 getppid() calls; if the
 * tracepoint cannot be opened or the check fails, counting is off and the
 * tables say "-" instead of a number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

static long tp_id = -1;
static bool counting;
static double overhead;		/* counts per window that are the window's */

static int read_id(void)
{
	static const char *const paths[] = {
		"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
		"/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id",
	};
	unsigned int i;
	FILE *f;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		f = fopen(paths[i], "r");
		if (!f)
			continue;
		if (fscanf(f, "%ld", &tp_id) != 1)
			tp_id = -1;
		fclose(f);
		if (tp_id >= 0)
			return 0;
	}
	return -ENOENT;
}

int syscount_open(struct syscount *sc)
{
	struct perf_event_attr attr;

	sc->fd = -1;
	sc->windows = 0;
	if (!counting && tp_id < 0)
		return -ENOTSUP;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_TRACEPOINT;
	attr.config = (uint64_t)tp_id;
	attr.disabled = 1;
	sc->fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1,
			      PERF_FLAG_FD_CLOEXEC);
	return sc->fd < 0 ? -errno : 0;
}

void syscount_begin(struct syscount *sc)
{
	if (sc->fd >= 0)
		ioctl(sc->fd, PERF_EVENT_IOC_ENABLE, 0);
}

void syscount_end(struct syscount *sc)
{
	if (sc->fd >= 0) {
		ioctl(sc->fd, PERF_EVENT_IOC_DISABLE, 0);
		sc->windows++;
	}
}

static double raw_read(struct syscount *sc)
{
	uint64_t v;

	if (sc->fd < 0 || read(sc->fd, &v, sizeof(v)) != sizeof(v))
		return -1;
	return (double)v;
}

double syscount_read(struct syscount *sc)
{
	double v = raw_read(sc);

	if (v < 0)
		return -1;
	return v - overhead * (double)sc->windows;
}

void syscount_close(struct syscount *sc)
{
	if (sc->fd >= 0)
		close(sc->fd);
	sc->fd = -1;
}

bool syscount_ok(void)
{
	return counting;
}

bool syscount_init(char *why, size_t len)
{
	struct syscount sc;
	double empty, busy;
	int i, ret;

	if (read_id()) {
		snprintf(why, len, "no raw_syscalls:sys_enter tracepoint (tracefs not mounted, or no CONFIG_FTRACE_SYSCALLS)");
		return false;
	}
	ret = syscount_open(&sc);
	if (ret) {
		snprintf(why, len, "perf_event_open(raw_syscalls:sys_enter): %s",
			 strerror(-ret));
		return false;
	}
	for (i = 0; i < 10; i++) {
		syscount_begin(&sc);
		syscount_end(&sc);
	}
	empty = raw_read(&sc);
	overhead = empty / 10;
	syscount_begin(&sc);
	for (i = 0; i < 1000; i++)
		syscall(SYS_getppid);
	syscount_end(&sc);
	busy = raw_read(&sc) - empty - overhead;
	/*
	 * This counter stays open, disabled, until the end: the first
	 * per-task perf event and the first user of the tracepoint switch
	 * static keys on (code patching in the scheduler and the syscall
	 * entry), and the last one off again.  Patching them back and forth
	 * around every trial would perturb what we measure, and under QEMU
	 * TCG it has been seen to crash the guest (a vCPU executing a
	 * half-patched jump in finish_task_switch).
	 */
	if (busy != 1000 || overhead != (double)(long)overhead) {
		syscount_close(&sc);
		snprintf(why, len, "the tracepoint counted %.0f of 1000 getppid() calls (window overhead %.1f): not trusted",
			 busy, overhead);
		return false;
	}
	counting = true;
	snprintf(why, len, "perf counter on tracepoint raw_syscalls:sys_enter per process, checked on 1000 getppid() calls; window overhead %.0f subtracted",
		 overhead);
	return true;
}
