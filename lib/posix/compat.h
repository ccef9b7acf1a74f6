/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * liblkipc-posix: what lib/posix/posix.c shares with the other interfaces
 * of the library (lib/posix/sysv_msg.c, lib/posix/sysv_sem.c).  Hidden: nothing here is exported.
 */
#ifndef LKIPC_POSIX_COMPAT_H
#define LKIPC_POSIX_COMPAT_H

#include "lkipc.h"

enum { MODE_KIPC = 1, MODE_GLIBC = 2, MODE_NONE = 3 };

/* The device handle, opened on first use by px_get_mode(). */
extern struct lkipc px_dev;
/* LKIPC_POSIX_LOG: a line per object opened. */
extern int px_log_opens;
/* Queue opens on kipc: mq_open and msgget. */
extern unsigned long px_n_mq;

/* MODE_KIPC, MODE_GLIBC (LKIPC_POSIX_FALLBACK=glibc) or MODE_NONE. */
int px_get_mode(void);
/*
 * The device handle when kipc is in use, else NULL; *glibc says whether
 * glibc's function is wanted instead, *log whether opens are logged.
 */
struct lkipc *px_device(int *glibc, int *log);
/* glibc's own function "name", for LKIPC_POSIX_FALLBACK=glibc. */
void *px_real(const char *name);
/* errno = err; returns -1. */
int px_fail(int err);

/*
 * The entry point's prologue: glibc's function under the fallback, ENOSYS
 * with "fail" when kipc is not there (already said on stderr).
 */
#define FALLBACK(name, fail, ...)					\
	do {								\
		int m_ = px_get_mode();					\
		if (m_ == MODE_GLIBC)					\
			return ((__typeof(&name))px_real(#name))(__VA_ARGS__); \
		if (m_ != MODE_KIPC) {					\
			errno = ENOSYS;					\
			return fail;					\
		}							\
	} while (0)

#endif
