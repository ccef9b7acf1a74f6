// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics (percentiles by nearest rank over every sample kept, Jain's
 * fairness index) and small helpers: the clock, shared memory, CPU pinning,
 * spinning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void stats_sort(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
}

/*
 * The pct-th percentile of n sorted values by nearest rank: the smallest
 * value with at least pct% of the values at or below it.
 */
double stats_pct(const double *sorted, size_t n, double pct)
{
	double rank;
	size_t i;

	if (!n)
		return NAN;
	rank = ceil(pct / 100.0 * (double)n);
	i = rank < 1 ? 0 : (size_t)rank - 1;
	if (i >= n)
		i = n - 1;
	return sorted[i];
}

/* Jain's index (sum x)^2 / (n sum x^2): 1 is perfectly fair, 1/n is worst. */
double stats_jain(const uint64_t *x, unsigned int n)
{
	double s = 0, s2 = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		s += (double)x[i];
		s2 += (double)x[i] * (double)x[i];
	}
	return s2 > 0 ? s * s / (n * s2) : NAN;
}

double stats_maxmin(const uint64_t *x, unsigned int n)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (x[i] < lo)
			lo = x[i];
		if (x[i] > hi)
			hi = x[i];
	}
	if (!n)
		return NAN;
	return lo ? (double)hi / (double)lo : INFINITY;
}

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void *bench_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fprintf(stderr, "kipc-bench: mmap %zu bytes: %s\n", size,
			strerror(errno));
		exit(2);
	}
	return p;
}

void bench_unshare(void *p, size_t size)
{
	munmap(p, size);
}

void bench_pin(int cpu)
{
	cpu_set_t set;

	if (bp.ncpus < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % bp.ncpus, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * One turn of a spin loop.  With a single CPU a spinner would only burn
 * its partner's time slice, so it yields now and then (and those yields
 * show in the system-call counts, as they should).
 */
void bench_relax(unsigned long *spins)
{
	__builtin_ia32_pause();
	if (bp.ncpus < 2 && !(++*spins % 64))
		sched_yield();
}

void bench_robust_mutexattr(pthread_mutexattr_t *ma)
{
	pthread_mutexattr_init(ma);
	pthread_mutexattr_setpshared(ma, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(ma, PTHREAD_MUTEX_ROBUST);
}

int bench_robust_lock(pthread_mutex_t *m)
{
	int ret = pthread_mutex_lock(m);

	if (ret == EOWNERDEAD)
		ret = pthread_mutex_consistent(m);
	return -ret;
}
