/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of liblkipc-posix share (posix_test.c, sysv_msg_test.c,
 * sysv_sem_test.c): looking objects up by name through the device, as
 * kipcctl ls does.  Unlike kipc_test.h, this uses liblkipc.
 */
#ifndef KIPC_POSIX_TEST_H
#define KIPC_POSIX_TEST_H

#include <string.h>

#include <lkipc.h>

#define KIPC_POSIX_TEST_LIST 512

/* The object called name into *out (if not NULL): 1, 0 if none, -1. */
static inline int kipc_find(const char *name, struct kipc_obj_info *out)
{
	static struct kipc_obj_info e[KIPC_POSIX_TEST_LIST];
	struct lkipc k;
	int n, i, found = 0;

	if (lkipc_open(&k, 0))
		return -1;
	n = lkipc_list(&k, e, KIPC_POSIX_TEST_LIST);
	for (i = 0; i < n && i < KIPC_POSIX_TEST_LIST; i++)
		if (!strcmp((char *)e[i].name, name)) {
			if (out)
				*out = e[i];
			found = 1;
		}
	lkipc_close(&k);
	return found;
}

/* Is there a kipc object called name?  1, 0, or -1 on error. */
static inline int kipc_has(const char *name)
{
	return kipc_find(name, NULL);
}

#endif /* KIPC_POSIX_TEST_H */
