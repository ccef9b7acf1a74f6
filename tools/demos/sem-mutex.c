// SPDX-License-Identifier: GPL-2.0
/*
 * Mutual exclusion with a binary semaphore: processes increment a shared
 * counter with a deliberately non-atomic read-yield-write; with P/V around
 * it no increment is lost and nobody is ever inside together.  P takes the
 * undo flag, so a process dying inside would release the lock.
 */
#include <sched.h>

#include "demo.h"

#define PROCS	4
#define ROUNDS	1000

struct shared {
	unsigned int counter;
	unsigned int inside;
	unsigned int max_inside;
};

static struct lkipc_sem sem;	/* the children use their copies */
static struct shared *sh;

static int worker(void *arg)
{
	unsigned int i, v, in;

	for (i = 0; i < ROUNDS; i++) {
		demo_ok(lkipc_sem_wait(&sem, 1, KIPC_SEM_UNDO, NULL), "P");
		in = __atomic_add_fetch(&sh->inside, 1, __ATOMIC_SEQ_CST);
		if (in > sh->max_inside)
			sh->max_inside = in;
		v = sh->counter;
		if (i % 8 == 0)
			sched_yield();
		sh->counter = v + 1;
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
	demo_ok(lkipc_sem_open(&k, &sem, NULL, KIPC_OPEN_CREATE, 0600, 1),
		"create a semaphore");
	for (i = 0; i < PROCS; i++)
		demo_spawn(worker, NULL);
	bad = demo_reap();

	printf("mutex: %d processes x %d increments under a binary semaphore: "
	       "counter %u (expected %d), at most %u in the critical section\n",
	       PROCS, ROUNDS, sh->counter, PROCS * ROUNDS, sh->max_inside);
	return bad || sh->counter != PROCS * ROUNDS || sh->max_inside != 1;
}
