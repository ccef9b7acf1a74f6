/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of liblkipc-posix share (posix_test.c, sysv_msg_test.c,
 * sysv_sem_test.c): looking objects up by name through the device, as
 * kipcctl ls does.  Unlike kipc_test.h, this uses liblkipc.
 */
#ifndef KIPC_POSIX_TEST_H
#define KIPC_POSIX_TEST_H

#include <stdint.h>
#include <stdlib.h>
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
		if ((e[i].flags & KIPC_OBJ_F_NAMED) &&
		    !strcmp((char *)e[i].name, name)) {
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

/*
 * A differential test: run(seed, ops, why, whysz) compares ops random
 * calls on kipc with the kernel's own objects, 0 if they agree, else 1
 * with the first difference in why.  Seeds seed0.. (the environment
 * variable seed_env, if set, moves seed0), nseeds of them unless count_env
 * says how many: the number of seeds run, or -1 for a bad count; *bad
 * says whether one differed.
 */
static inline int kipc_diff_seeds(int (*run)(uint64_t, int, char *, size_t),
				  int ops, int nseeds, const char *count_env,
				  const char *seed_env, char *why,
				  size_t whysz, int *bad)
{
	const char *nenv = getenv(count_env);
	const char *senv = seed_env ? getenv(seed_env) : NULL;
	uint64_t seed0 = senv ? strtoull(senv, NULL, 0) : 1;
	int s;

	if (nenv)
		nseeds = atoi(nenv);
	if (nseeds <= 0)
		return -1;
	*bad = 0;
	for (s = 0; s < nseeds && !*bad; s++)
		*bad = run(seed0 + s, ops, why, whysz);
	return s;
}

#endif /* KIPC_POSIX_TEST_H */
