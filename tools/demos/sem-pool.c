// SPDX-License-Identifier: GPL-2.0
/*
 * A resource pool of 2 (the classic SemaphoreMutex exercise): a semaphore
 * of value 2 lets at most two of six processes use the pool at once.
 */
#include "demo.h"

#define PROCS	6
#define ROUNDS	100
#define POOL	2

struct shared {
	unsigned int inside;
	unsigned int max_inside;
	unsigned int uses;
};

static struct lkipc_sem sem;	/* the children use their copies */
static struct shared *sh;

static int worker(void *arg)
{
	unsigned int i, in, seen;

	for (i = 0; i < ROUNDS; i++) {
		demo_ok(lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL), "P");
		in = __atomic_add_fetch(&sh->inside, 1, __ATOMIC_SEQ_CST);
		seen = __atomic_load_n(&sh->max_inside, __ATOMIC_RELAXED);
		while (in > seen &&
		       !__atomic_compare_exchange_n(&sh->max_inside, &seen, in,
						    0, __ATOMIC_SEQ_CST,
						    __ATOMIC_RELAXED))
			;
		__atomic_add_fetch(&sh->uses, 1, __ATOMIC_SEQ_CST);
		usleep(200);	/* use the resource */
		__atomic_sub_fetch(&sh->inside, 1, __ATOMIC_SEQ_CST);
		demo_ok(lkipc_sem_post(&sem, 1, KIPC_SEM_UNDO), "V");
	}
	return 0;
}

int main(void)
{
	struct lkipc k;
	int i, bad;

	sh = demo_shared(sizeof(*sh));
	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	demo_ok(lkipc_sem_open(&k, &sem, NULL, KIPC_OPEN_CREATE, 0600, POOL),
		"create a semaphore");
	for (i = 0; i < PROCS; i++)
		demo_spawn(worker, NULL);
	bad = demo_reap();

	printf("pool: %d processes used a pool of %d %u times, at most %u at "
	       "once\n", PROCS, POOL, sh->uses, sh->max_inside);
	return bad || sh->uses != PROCS * ROUNDS || sh->max_inside > POOL ||
	       sh->max_inside < 1;
}
