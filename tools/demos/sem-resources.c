// SPDX-License-Identifier: GPL-2.0
/*
 * Resource allocation: three pools (4 CPUs, 2 GPUs, 3 disks), each a kipc
 * semaphore counting its free units, and six jobs, each needing a
 * different multiset of them at once (2 CPUs and a GPU; a CPU and 2 disks;
 * ...; the big one: every CPU and every disk).  A job takes its whole
 * multiset in one lkipc_sem_wait_all() or waits, so no job holds part of
 * what it needs while waiting for the rest: no deadlock; it gives it all
 * back in one lkipc_sem_post_all().  Its request
 * keeps its place in the FIFO of every pool it names, so the big job is
 * not starved by the small ones that could always slip in before it.  The
 * demo checks that no pool ever lends more units than it has, and that
 * every job ran.
 */
#include "demo.h"

#define NPOOLS		3
#define NJOBS		6
#define SECONDS		2

static const char *const pool_name[NPOOLS] = { "CPU", "GPU", "disk" };
static const unsigned int pool_size[NPOOLS] = { 4, 2, 3 };

/* Units of each pool that each job takes at once. */
static const unsigned int need[NJOBS][NPOOLS] = {
	{ 2, 1, 0 },
	{ 1, 0, 2 },
	{ 3, 0, 0 },
	{ 0, 1, 1 },
	{ 1, 2, 1 },
	{ 4, 0, 3 },	/* the big job */
};

struct shared {
	unsigned int stop;
	unsigned int runs[NJOBS];
	unsigned int in_use[NPOOLS];
	unsigned int most[NPOOLS];
	unsigned int over;
};

static struct lkipc k;
static struct lkipc_sem pool[NPOOLS];	/* the children use their copies */
static struct shared *sh;

static int job(void *arg)
{
	unsigned int j = (unsigned int)(uintptr_t)arg, p, nr = 0, u, m;
	struct kipc_sem_multi_entry e[NPOOLS];

	for (p = 0; p < NPOOLS; p++)
		if (need[j][p]) {
			e[nr++] = (struct kipc_sem_multi_entry){
				.fd = pool[p].fd, .count = need[j][p] };
		}
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		demo_ok(lkipc_sem_wait_all(&k, e, nr, 0, NULL),
			"take the job's resources");
		for (p = 0; p < NPOOLS; p++) {
			u = __atomic_add_fetch(&sh->in_use[p], need[j][p],
					       __ATOMIC_SEQ_CST);
			if (u > pool_size[p])
				__atomic_add_fetch(&sh->over, 1,
						   __ATOMIC_SEQ_CST);
			m = __atomic_load_n(&sh->most[p], __ATOMIC_SEQ_CST);
			while (u > m && !__atomic_compare_exchange_n(
					&sh->most[p], &m, u, 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
				;
		}
		sh->runs[j]++;
		usleep(500);
		for (p = 0; p < NPOOLS; p++)
			__atomic_sub_fetch(&sh->in_use[p], need[j][p],
					   __ATOMIC_SEQ_CST);
		demo_ok(lkipc_sem_post_all(&k, e, nr, 0),
			"give the resources back");
	}
	return 0;
}

int main(void)
{
	unsigned int j, p, fewest = ~0U;
	int bad = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = demo_shared(sizeof(*sh));
	demo_ok(lkipc_open(&k, 0), "open /dev/kipc");
	for (p = 0; p < NPOOLS; p++)
		demo_ok(lkipc_sem_open(&k, &pool[p], NULL, KIPC_OPEN_CREATE,
				       0600, pool_size[p]), "create a pool");
	for (j = 0; j < NJOBS; j++)
		demo_spawn(job, (void *)(uintptr_t)j);
	sleep(SECONDS);
	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	bad += demo_reap();
	printf("resources, each job takes its multiset at once (lkipc_sem_wait_all), %d s:\n",
	       SECONDS);
	for (j = 0; j < NJOBS; j++) {
		printf("  job %u (%u CPU, %u GPU, %u disk): %u runs\n", j,
		       need[j][0], need[j][1], need[j][2], sh->runs[j]);
		fewest = sh->runs[j] < fewest ? sh->runs[j] : fewest;
	}
	for (p = 0; p < NPOOLS; p++) {
		printf("  %s: %u units, at most %u lent at once\n",
		       pool_name[p], pool_size[p], sh->most[p]);
		if (sh->most[p] > pool_size[p] ||
		    lkipc_sem_value(&pool[p]) != (int)pool_size[p])
			bad++;
	}
	printf("  every job ran (fewest %u, the big job %u); %u over-allocations; every unit back; no deadlock\n",
	       fewest, sh->runs[NJOBS - 1], sh->over);
	if (!fewest || sh->over)
		bad++;
	for (p = 0; p < NPOOLS; p++)
		lkipc_sem_close(&pool[p]);
	lkipc_close(&k);
	return bad ? 1 : 0;
}
