// SPDX-License-Identifier: GPL-2.0
/*
 * kipc-bench: kipc and its peers, measured in the same run.
 *
 * Every case of every scenario runs all its mechanisms in this process tree:
 * one warm-up trial each (discarded), then the measured trials interleaved
 * (kipc, peer 1, peer 2, ..., kipc, peer 1, ...), then a system-call
 * counting run each.  Latencies are kept sample by sample and reported as
 * percentiles; throughputs are one number per trial, reported as the median
 * and the low tail over trials.
 *
 * Exit status: 0 every mechanism that could run ran and passed its checks,
 * 1 one failed, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#include "bench.h"

struct bench_params bp;

static const struct bench_params quick_params = {
	.quick = true, .trials = 3, .lat_samples = 300, .lat_ms = 120,
	.rate_ms = 100, .count_ops = 200, .count_ms = 50,
	.uncontended = 2000, .timeout_s = 30,
	.curve_trials = 1, .curve_ms = 40, .curve_samples = 60,
	.curve_small = true,
};

static const struct bench_params full_params = {
	.trials = 15, .lat_samples = 5000, .lat_ms = 1000, .rate_ms = 600,
	.count_ops = 1000, .count_ms = 200, .uncontended = 20000,
	.timeout_s = 120,
	.curve_trials = 3, .curve_ms = 150, .curve_samples = 400,
};

static struct results results;
static bool progress = true;
static int failures;

/* ------------------------------------------------------------------ */
/* The engine                                                         */
/* ------------------------------------------------------------------ */

enum kind { K_LAT, K_RATE, K_LOCK };

struct acc {
	struct contender *c;
	double *lat;
	size_t nlat;
	double rate[2][64];
	size_t ntrials;
	double maxmin, jain;		/* worst trial */
	double *wait;			/* K_LOCK: every wait for P, us */
	size_t nwait;
	uint64_t q_over, q_checked, ts_over, ts_checked;
	bool q_seen;
	double margin;			/* the largest margin, ns */
	unsigned long checked, violations;
	double sc;			/* per op, NAN if not counted */
	char err[160];
};

struct bcase {
	const char *scen;
	const char *cas;
	const char *metric;		/* of the first row */
	enum kind kind;
	size_t msgsize;			/* K_RATE: for the byte rate row */
	double x;			/* a curve's x value, else 0 */
};

static void fill_row(struct result *r, const struct bcase *bc,
		     const struct acc *a, const char *metric,
		     const char *unit)
{
	snprintf(r->scen, sizeof(r->scen), "%s", bc->scen);
	snprintf(r->cas, sizeof(r->cas), "%s", bc->cas);
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	snprintf(r->mech, sizeof(r->mech), "%s", a->c->name);
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	r->kipc = a->c->kipc;
	r->ref = a->c->ref;
	r->lower_better = bc->kind == K_LAT;
	r->median = r->p99 = r->p999 = NAN;
	r->maxmin = r->jain = NAN;
	r->x = bc->x > 0 ? bc->x : NAN;
	r->syscalls = a->sc;
	r->checked = a->checked;
	r->violations = a->violations;
	if (a->c->na) {
		r->status = RES_NA;
		snprintf(r->note, sizeof(r->note), "%s", a->c->na);
	} else if (a->err[0]) {
		r->status = RES_ERR;
		snprintf(r->note, sizeof(r->note), "%s", a->err);
	} else {
		r->status = RES_OK;
		snprintf(r->note, sizeof(r->note), "%s",
			 a->c->note ? a->c->note : "");
	}
}

static void rate_row(const struct bcase *bc, struct acc *a, int which,
		     const char *metric, const char *unit)
{
	struct result *r = results_add(&results);
	double *v = a->rate[which];

	fill_row(r, bc, a, metric, unit);
	r->samples = a->ntrials;
	if (r->status != RES_OK || !a->ntrials)
		return;
	stats_sort(v, a->ntrials);
	r->median = stats_pct(v, a->ntrials, 50);
	/* The low tail: the rate that 99% of the trials reached. */
	r->p99 = stats_pct(v, a->ntrials, 1);
	if (bc->kind == K_LOCK) {
		r->maxmin = a->maxmin;
		r->jain = a->jain;
	}
}

/* A latency row's percentiles of the n samples v (sorted here); false if none. */
static bool lat_row(struct result *r, double *v, size_t n)
{
	r->samples = n;
	if (r->status != RES_OK || !n)
		return false;
	stats_sort(v, n);
	r->median = stats_pct(v, n, 50);
	r->p99 = stats_pct(v, n, 99);
	r->p999 = stats_pct(v, n, 99.9);
	return true;
}

/*
 * K_LOCK's second row: the wait for P, every acquisition of every trial,
 * and the overtakes per 1000 acquisitions judged.
 */
static void wait_row(const struct bcase *bc, struct acc *a)
{
	struct result *r = results_add(&results);

	fill_row(r, bc, a, "wait for P", "us");
	r->lower_better = true;
	if (!lat_row(r, a->wait, a->nwait))
		return;
	r->max = a->wait[a->nwait - 1];
	if (a->q_seen && a->q_checked)
		r->overtakes = 1000.0 * (double)a->q_over /
			       (double)a->q_checked;
	if (a->ts_checked)
		r->overtakes_ts = 1000.0 * (double)a->ts_over /
				  (double)a->ts_checked;
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "%smargin %.1f us%s", r->note[0] ? "; " : "",
		 a->margin / 1000.0,
		 a->q_seen ? "" : "; no queue view: timestamps only");
}

/*
 * The rows of one mechanism: "which" 0 is the first metric, 1 the byte
 * rate (K_RATE) or the wait for P (K_LOCK).
 */
static void make_rows(const struct bcase *bc, struct acc *a, int which)
{
	struct result *r;

	if (which && bc->kind != K_LOCK &&
	    (bc->kind != K_RATE || bc->msgsize < 1024 || bc->x > 0))
		return;
	switch (bc->kind) {
	case K_LAT:
		r = results_add(&results);
		fill_row(r, bc, a, bc->metric, "us");
		lat_row(r, a->lat, a->nlat);
		break;
	case K_RATE:
		if (which)
			rate_row(bc, a, 1, "MiB/s", "MiB/s");
		else
			rate_row(bc, a, 0, bc->metric, "/s");
		break;
	case K_LOCK:
		if (which)
			wait_row(bc, a);
		else
			rate_row(bc, a, 0, bc->metric, "/s");
		break;
	}
}

/* S6's waits and overtakes of a kept trial; false if out of memory. */
static bool keep_lock(struct acc *a, const struct trial_out *o)
{
	size_t i;

	if (!o->waits)
		return true;
	a->wait = realloc(a->wait, (a->nwait + o->nwaits) * sizeof(double));
	if (!a->wait) {
		snprintf(a->err, sizeof(a->err), "out of memory");
		return false;
	}
	for (i = 0; i < o->nwaits; i++)
		a->wait[a->nwait++] = (double)o->waits[i] / 1000.0;
	a->q_over += o->q_overtakes;
	a->q_checked += o->q_checked;
	a->q_seen |= o->q_seen;
	a->ts_over += o->ts_overtakes;
	a->ts_checked += o->ts_checked;
	if (o->margin_ns > a->margin)
		a->margin = o->margin_ns;
	return true;
}

/* One trial of one mechanism; false if it failed (the error is kept). */
static bool one_trial(const struct bcase *bc, struct acc *a, bool keep)
{
	struct trial_out o;
	size_t cap = bc->kind == K_LAT ?
		(bp.lat_samples > bp.uncontended ? bp.lat_samples :
						   bp.uncontended) : 0;
	uint64_t buf[cap ? cap : 1];
	double mm, jain;
	size_t i;

	/*
	 * A throughput trial whose window passed before any participant ran
	 * (a loaded host deschedules a VM's vCPU for longer than a quick
	 * trial's 100 ms) measured nothing, not zero: it is run again, up to
	 * twice, before it counts as an error.
	 */
	for (i = 0; i < 3; i++) {
		memset(&o, 0, sizeof(o));
		o.samples = cap ? buf : NULL;
		o.cap = cap;
		if (a->c->trial(a->c, TRIAL_MEASURE, &o)) {
			snprintf(a->err, sizeof(a->err), "%s",
				 o.err[0] ? o.err : "failed");
			free(o.waits);
			return false;
		}
		if (bc->kind == K_LAT || (o.secs > 0 && o.ops > 0))
			break;
		free(o.waits);
		o.waits = NULL;
	}
	if (!keep || !keep_lock(a, &o)) {
		free(o.waits);
		return !a->err[0];
	}
	free(o.waits);
	a->checked += o.checked;
	a->violations += o.violations;
	switch (bc->kind) {
	case K_LAT:
		a->lat = realloc(a->lat, (a->nlat + o.nsamples) * sizeof(double));
		if (!a->lat) {
			fprintf(stderr, "kipc-bench: out of memory\n");
			exit(2);
		}
		for (i = 0; i < o.nsamples; i++)
			a->lat[a->nlat++] = (double)buf[i] / 1000.0;
		if (!o.nsamples) {
			snprintf(a->err, sizeof(a->err), "no samples");
			return false;
		}
		break;
	case K_RATE:
	case K_LOCK:
		if (o.secs <= 0 || o.ops <= 0) {
			snprintf(a->err, sizeof(a->err),
				 "no work done in the trial");
			return false;
		}
		if (a->ntrials < 64) {
			a->rate[0][a->ntrials] = o.ops / o.secs;
			a->rate[1][a->ntrials] = o.bytes / o.secs /
						 (1024.0 * 1024.0);
			a->ntrials++;
		}
		if (bc->kind == K_LOCK) {
			if (getenv("KIPC_BENCH_DEBUG"))
				for (i = 0; i < o.nprocs; i++)
					fprintf(stderr, "%s %s %s: process %zu: %llu acquisitions in %.3f s\n",
						bc->scen, bc->cas, a->c->name, i,
						(unsigned long long)o.acq[i], o.secs);
			mm = stats_maxmin(o.acq, o.nprocs);
			jain = stats_jain(o.acq, o.nprocs);
			if (isnan(a->maxmin) || mm > a->maxmin)
				a->maxmin = mm;
			if (isnan(a->jain) || jain < a->jain)
				a->jain = jain;
		}
		break;
	}
	return true;
}

static void count_run(struct acc *a)
{
	struct trial_out o;

	if (!syscount_ok() || a->c->na || a->err[0])
		return;
	memset(&o, 0, sizeof(o));
	if (a->c->trial(a->c, TRIAL_COUNT, &o)) {
		snprintf(a->err, sizeof(a->err), "counting run: %.140s",
			 o.err[0] ? o.err : "failed");
		return;
	}
	if (o.sc_ops > 0 && o.sc_calls >= 0)
		a->sc = o.sc_calls / o.sc_ops;
}

static void run_case(const struct bcase *bc, struct contender *cs,
		     unsigned int n)
{
	struct acc a[16];
	unsigned int i, t;
	time_t start = time(NULL);

	memset(a, 0, sizeof(a));
	for (i = 0; i < n; i++) {
		a[i].c = &cs[i];
		a[i].sc = NAN;
		a[i].maxmin = a[i].jain = NAN;
	}
	if (progress)
		fprintf(stderr, "kipc-bench: %s %s: warm-up", bc->scen,
			bc->cas);
	for (i = 0; i < n; i++)
		if (!cs[i].na)
			one_trial(bc, &a[i], false);
	for (t = 0; t < bp.trials; t++) {
		if (progress)
			fprintf(stderr, ", %u", t + 1);
		for (i = 0; i < n; i++)
			if (!cs[i].na && !a[i].err[0])
				one_trial(bc, &a[i], true);
	}
	if (progress)
		fprintf(stderr, ", syscalls");
	for (i = 0; i < n; i++)
		count_run(&a[i]);
	if (progress)
		fprintf(stderr, " (%ld s)\n", (long)(time(NULL) - start));
	for (i = 0; i < n; i++) {
		if (a[i].err[0]) {
			failures++;
			fprintf(stderr, "kipc-bench: %s %s %s: %s\n", bc->scen,
				bc->cas, cs[i].name, a[i].err);
		}
		make_rows(bc, &a[i], 0);
	}
	for (i = 0; i < n; i++) {
		make_rows(bc, &a[i], 1);
		free(a[i].lat);
		free(a[i].wait);
	}
}

/* ------------------------------------------------------------------ */
/* The scenarios                                                      */
/* ------------------------------------------------------------------ */

static void msg_contenders(struct contender *cs, const struct msg_mech **m,
			   unsigned int n, const struct msg_cfg *cfg,
			   int (*trial)(struct contender *, enum trial_mode,
					struct trial_out *))
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].name = m[i]->name;
		cs[i].kipc = m[i]->kipc;
		cs[i].msg = m[i];
		cs[i].cfg = *cfg;
		cs[i].trial = trial;
		if (m[i]->kipc)
			cs[i].na = kipc_unavailable(KIPC_FEAT_QUEUE, m[i]->path);
		if (!cs[i].na && !m[i]->setup)
			cs[i].na = "no implementation";
		cs[i].note = m[i]->note;
	}
}

static void sem_contenders(struct contender *cs, const struct sem_mech **m,
			   unsigned int n, unsigned int nprocs,
			   int (*trial)(struct contender *, enum trial_mode,
					struct trial_out *))
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		memset(&cs[i], 0, sizeof(cs[i]));
		cs[i].name = m[i]->name;
		cs[i].kipc = m[i]->kipc;
		cs[i].sem = m[i];
		cs[i].nprocs = nprocs;
		cs[i].trial = trial;
		if (m[i]->kipc)
			cs[i].na = kipc_unavailable(KIPC_FEAT_SEM, m[i]->path);
		cs[i].note = m[i]->note;
	}
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void s1(void)
{
	static const struct msg_mech *m[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_spin, &msg_pipe,
		&msg_posix_mq,
	};
	static const struct bcase bc = { .scen = "S1", .cas = "64B", .metric = "round trip", .kind = K_LAT };
	struct msg_cfg cfg = { .msgsize = 64, .depth = 8, .producers = 1,
			       .poll = true };
	struct contender cs[N(m)];

	msg_contenders(cs, m, N(m), &cfg, trial_pingpong);
	run_case(&bc, cs, N(m));
}

static void s2(void)
{
	static const struct msg_mech *m[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_futex, &msg_pipe,
		&msg_eventfd, &msg_seqpacket, &msg_posix_mq, &msg_sysv_msg,
		&msg_cv_ring,
	};
	static const struct bcase bc = { .scen = "S2", .cas = "64B", .metric = "round trip", .kind = K_LAT };
	struct msg_cfg cfg = { .msgsize = 64, .depth = 8, .producers = 1,
			       .sleep = true };
	struct contender cs[N(m)];

	msg_contenders(cs, m, N(m), &cfg, trial_pingpong);
	run_case(&bc, cs, N(m));
}

static void s3(void)
{
	static const struct msg_mech *m[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_kipc_batch,
		&msg_posix_mq, &msg_sysv_msg, &msg_pipe, &msg_shm_ring,
		&msg_cv_ring,
	};
	static const struct bcase bc64 = { .scen = "S3", .cas = "64B", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	static const struct bcase bc4k = { .scen = "S3", .cas = "4KiB",
		.metric = "msgs/s", .kind = K_RATE, .msgsize = 4096 };
	struct msg_cfg cfg = { .msgsize = 64, .depth = 64, .producers = 1 };
	struct contender cs[N(m)];

	msg_contenders(cs, m, N(m), &cfg, trial_stream);
	run_case(&bc64, cs, N(m));
	cfg.msgsize = 4096;
	msg_contenders(cs, m, N(m), &cfg, trial_stream);
	run_case(&bc4k, cs, N(m));
}

static void s4(void)
{
	static const struct msg_mech *m[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_posix_mq, &msg_sysv_msg,
		&msg_cv_ring,
	};
	static const struct bcase bc = { .scen = "S4", .cas = "4x64B", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	struct msg_cfg cfg = { .msgsize = 64, .depth = 64, .producers = 4 };
	struct contender cs[N(m)];

	msg_contenders(cs, m, N(m), &cfg, trial_stream);
	run_case(&bc, cs, N(m));
}

/*
 * S8: S3 (64 B) and S4 while other runnable work competes for the same
 * CPUs.  In the guest: one busy process per CPU, started before the case
 * and killed after it.  On the host: "make bench" (tools/bench-report.sh)
 * runs busy processes beside the VM and says so with KIPC_BENCH_HOST_BUSY;
 * those cases are then named "host-busy" instead of "guest-busy".
 */
static pid_t busy_pids[64];
static unsigned int nbusy;

static void busy_start(unsigned int n)
{
	while (nbusy < n && nbusy < N(busy_pids)) {
		pid_t pid = fork();

		if (pid < 0)
			break;
		if (!pid) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			alarm(3600);
			for (;;)
				__asm__ __volatile__("" ::: "memory");
		}
		busy_pids[nbusy++] = pid;
	}
}

static void busy_stop(void)
{
	while (nbusy) {
		pid_t pid = busy_pids[--nbusy];

		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static void s8(void)
{
	static const struct msg_mech *m3[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_posix_mq, &msg_sysv_msg,
	};
	static const struct bcase g3 = { .scen = "S8", .cas = "S3-64B guest-busy", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	static const struct bcase g4 = { .scen = "S8", .cas = "S4 guest-busy", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	static const struct bcase h3 = { .scen = "S8", .cas = "S3-64B host-busy", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	static const struct bcase h4 = { .scen = "S8", .cas = "S4 host-busy", .metric = "msgs/s", .kind = K_RATE, .msgsize = 64 };
	struct msg_cfg c3 = { .msgsize = 64, .depth = 64, .producers = 1 };
	struct msg_cfg c4 = { .msgsize = 64, .depth = 64, .producers = 4 };
	bool host = getenv("KIPC_BENCH_HOST_BUSY") != NULL;
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct contender cs[N(m3)];

	if (!host)
		busy_start(ncpus > 0 ? (unsigned int)ncpus : 1);
	msg_contenders(cs, m3, N(m3), &c3, trial_stream);
	run_case(host ? &h3 : &g3, cs, N(m3));
	msg_contenders(cs, m3, N(m3), &c4, trial_stream);
	run_case(host ? &h4 : &g4, cs, N(m3));
	busy_stop();
}

static void s5(void)
{
	static const struct sem_mech *m[] = {
		&sem_kipc, &sem_kipc_ioctl, &sem_glibc, &sem_sysv,
		&sem_eventfd,
	};
	static const struct bcase bc = { .scen = "S5", .cas = "-", .metric = "wake latency", .kind = K_LAT };
	struct contender cs[N(m)];

	sem_contenders(cs, m, N(m), 2, trial_notify);
	run_case(&bc, cs, N(m));
}

static void s6(void)
{
	static const struct sem_mech *m[] = {
		&sem_kipc, &sem_kipc_ioctl, &sem_glibc, &sem_sysv,
	};
	static const struct bcase bc[] = {
		{ .scen = "S6", .cas = "N=2", .metric = "acq/s", .kind = K_LOCK },
		{ .scen = "S6", .cas = "N=4", .metric = "acq/s", .kind = K_LOCK },
		{ .scen = "S6", .cas = "N=8", .metric = "acq/s", .kind = K_LOCK },
	};
	static const unsigned int nprocs[] = { 2, 4, 8 };
	struct contender cs[N(m)];
	unsigned int i;

	for (i = 0; i < N(bc); i++) {
		sem_contenders(cs, m, N(m), nprocs[i], trial_lock);
		run_case(&bc[i], cs, N(m));
	}
}

/* S7, S9: uncontended P+V pairs in one process, and the timer alone. */
static void uncontended(const struct bcase *bc, const struct sem_mech **m,
			unsigned int n)
{
	struct contender cs[8];

	sem_contenders(cs, m, n, 1, trial_uncontended);
	memset(&cs[n], 0, sizeof(cs[0]));
	cs[n].name = "timer only";
	cs[n].ref = true;
	cs[n].note = "two clock_gettime() calls: included in every sample above";
	cs[n].trial = trial_clock;
	run_case(bc, cs, n + 1);
}

static void s7(void)
{
	static const struct sem_mech *m[] = {
		&sem_kipc, &sem_kipc_ioctl, &sem_glibc,
	};
	static const struct bcase bc = { .scen = "S7", .cas = "-", .metric = "P+V", .kind = K_LAT };

	uncontended(&bc, m, N(m));
}

/*
 * S9: S7 with undo, P and V as liblkipc does them with KIPC_SEM_UNDO,
 * against glibc's sem_t (which has no undo) and a robust mutex (which
 * its owner's death gives back).
 */
static void s9(void)
{
	static const struct sem_mech *m[] = {
		&sem_kipc_undo, &sem_kipc_ioctl_undo, &sem_glibc,
		&sem_robust_mutex,
	};
	static const struct bcase bc = { .scen = "S9", .cas = "-", .metric = "P+V with undo", .kind = K_LAT };

	uncontended(&bc, m, N(m));
}

/*
 * Acquire-all as a lock: each of 4 processes takes one unit of each of K
 * semaphores of value 1 at once, a kipc multi-wait against SysV semop on
 * a set; the starvation measure (max/min, Jain) is S6's.
 */
static void s10(void)
{
	static const struct sem_mech *m2[] = {
		&sem_kipc_all2, &sem_kipc_all2_ioctl, &sem_sysv_set2,
	};
	static const struct sem_mech *m8[] = {
		&sem_kipc_all8, &sem_kipc_all8_ioctl, &sem_sysv_set8,
	};
	static const struct bcase bc[] = {
		{ .scen = "S10", .cas = "K=2", .metric = "acq/s", .kind = K_LOCK },
		{ .scen = "S10", .cas = "K=8", .metric = "acq/s", .kind = K_LOCK },
	};
	struct contender cs[N(m2)];

	sem_contenders(cs, m2, N(m2), 4, trial_lock);
	run_case(&bc[0], cs, N(m2));
	sem_contenders(cs, m8, N(m8), 4, trial_lock);
	run_case(&bc[1], cs, N(m8));
}


static void read_line(const char *path, char *buf, size_t len);

/* ------------------------------------------------------------------ */
/* Cost curves: C1-C4                                                 */
/* ------------------------------------------------------------------ */

/*
 * The curves have many points and one budget (about 4 minutes of a full
 * run under TCG): fewer and shorter trials than the scenarios', set here
 * for the duration of one curve.
 */
static struct bench_params curve_saved;

static void curve_begin(void)
{
	curve_saved = bp;
	if (bp.curve_trials < bp.trials)
		bp.trials = bp.curve_trials;
	bp.rate_ms = bp.curve_ms;
	bp.lat_ms = bp.curve_ms;
	bp.lat_samples = bp.curve_samples;
	if (bp.count_ops > 300)
		bp.count_ops = 300;
}

static void curve_end(void)
{
	bp = curve_saved;
}

/* One point of a message curve: S3's or S4's stream, cfg varied. */
static void msg_point(const char *scen, const char *cas, double x,
		      const struct msg_cfg *cfg)
{
	static const struct msg_mech *m[] = {
		&msg_kipc_ring, &msg_kipc_ioctl, &msg_posix_mq, &msg_sysv_msg,
	};
	struct bcase bc = { .scen = scen, .cas = cas, .metric = "msgs/s",
			    .kind = K_RATE, .msgsize = cfg->msgsize, .x = x };
	struct contender cs[N(m)];

	msg_contenders(cs, m, N(m), cfg, trial_stream);
	run_case(&bc, cs, N(m));
}

/* C1: S4's shape with P = 1 .. 16 producers. */
static void c1(void)
{
	static const unsigned int px[] = { 1, 2, 4, 8, 16 };
	struct msg_cfg cfg = { .msgsize = 64, .depth = 64 };
	char cas[16];
	unsigned int i;

	curve_begin();
	for (i = 0; i < N(px); i++) {
		snprintf(cas, sizeof(cas), "P=%u", px[i]);
		cfg.producers = px[i];
		msg_point("C1", cas, px[i], &cfg);
	}
	curve_end();
}

/*
 * C2: S3's shape with messages of 16 B to 8 KiB, in queues of 16 (so that
 * POSIX mq's two queues of 8 KiB messages stay inside RLIMIT_MSGQUEUE).
 * 16 B, not 8: a message carries its producer, sequence number and size.
 */
static void c2(void)
{
	static const unsigned int sx[] = { 16, 64, 512, 4096, 8192 };
	struct msg_cfg cfg = { .depth = 16, .producers = 1 };
	char cas[16];
	unsigned int i;

	curve_begin();
	for (i = 0; i < N(sx); i++) {
		snprintf(cas, sizeof(cas), "%uB", sx[i]);
		cfg.msgsize = sx[i];
		msg_point("C2", cas, sx[i], &cfg);
	}
	curve_end();
}

/*
 * A kipc module parameter (/sys/module/kipc/parameters/NAME): its value,
 * 0 if it cannot be read; set it to v, false if it cannot be written.
 */
static unsigned long kipc_param(const char *name)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), "/sys/module/kipc/parameters/%s", name);
	read_line(path, buf, sizeof(buf));
	return strtoul(buf, NULL, 10);
}

static bool kipc_param_set(const char *name, unsigned long v)
{
	char path[128];
	FILE *f;
	bool ok;

	snprintf(path, sizeof(path), "/sys/module/kipc/parameters/%s", name);
	f = fopen(path, "w");
	if (!f)
		return false;
	ok = fprintf(f, "%lu\n", v) > 0;
	return !fclose(f) && ok;
}

/*
 * C3: N = 1 .. 4096 named objects alive, of one mechanism at a time: the
 * latency of opening one by name, and of one operation on one (both
 * random).  The kipc module's object limits (max_objects, default 4096;
 * max_objects_per_user, 1024) are raised for the curve where they are too
 * low and this process may (root), and put back after it; so are
 * RLIMIT_NOFILE and RLIMIT_MSGQUEUE.
 */
static void c3(void)
{
	static const struct obj_mech *m[] = {
		&obj_kipc_sem, &obj_kipc_sem_ioctl, &obj_posix_mq,
		&obj_sysv_sem,
	};
	static const unsigned int nx[] = { 1, 16, 256, 4096 };
	static const char *const metric[] = { "open by name", "op" };
	static const char *const param[] = { "max_objects",
					     "max_objects_per_user" };
	unsigned int i, j, k, npoints = bp.curve_small ? 3 : N(nx);
	unsigned long want = nx[npoints - 1] + 64, was[N(param)];
	struct rlimit nofile, msgq, rl;
	struct contender cs[N(m)];
	struct bcase bc = { .scen = "C3", .kind = K_LAT };
	char cas[16];

	getrlimit(RLIMIT_NOFILE, &nofile);
	getrlimit(RLIMIT_MSGQUEUE, &msgq);
	rl.rlim_cur = rl.rlim_max = want + 1024;
	if (rl.rlim_max < nofile.rlim_max)
		rl.rlim_max = nofile.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl)) {
		rl = nofile;
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	rl.rlim_cur = rl.rlim_max = RLIM_INFINITY;
	setrlimit(RLIMIT_MSGQUEUE, &rl);
	for (k = 0; k < N(param); k++) {
		was[k] = kipc_param(param[k]);
		if (was[k] >= want || !kipc_param_set(param[k], want))
			was[k] = 0;
	}
	curve_begin();
	for (i = 0; i < npoints; i++) {
		snprintf(cas, sizeof(cas), "N=%u", nx[i]);
		bc.cas = cas;
		bc.x = nx[i];
		for (j = 0; j < N(metric); j++) {
			bc.metric = metric[j];
			for (k = 0; k < N(m); k++) {
				memset(&cs[k], 0, sizeof(cs[k]));
				cs[k].name = m[k]->name;
				cs[k].kipc = m[k]->kipc;
				cs[k].obj = m[k];
				cs[k].nprocs = nx[i];
				cs[k].which = j;
				cs[k].note = m[k]->note;
				cs[k].trial = trial_objects;
				if (m[k]->kipc)
					cs[k].na = kipc_unavailable(KIPC_FEAT_SEM,
								    m[k]->path);
			}
			run_case(&bc, cs, N(m));
		}
	}
	curve_end();
	for (k = 0; k < N(param); k++)
		if (was[k])
			kipc_param_set(param[k], was[k]);
	setrlimit(RLIMIT_MSGQUEUE, &msgq);
	setrlimit(RLIMIT_NOFILE, &nofile);
}

/*
 * C4: W = 1 .. 1024 waiters queued on one semaphore (threads of one
 * process): the cost of the V that hands a unit to one of them, and the
 * woken waiter's wake latency.
 */
static void c4(void)
{
	static const struct sem_mech *m[] = {
		&sem_kipc, &sem_kipc_ioctl, &sem_glibc, &sem_sysv,
		&sem_posix_mq,
	};
	static const unsigned int wx[] = { 1, 4, 16, 64, 256, 1024 };
	static const char *const metric[] = { "V hand-off", "wake latency" };
	unsigned int i, j, k, npoints = bp.curve_small ? 3 : N(wx);
	struct bcase bc = { .scen = "C4", .kind = K_LAT };
	struct contender cs[N(m)];
	char cas[16];

	curve_begin();
	for (i = 0; i < npoints; i++) {
		snprintf(cas, sizeof(cas), "W=%u", wx[i]);
		bc.cas = cas;
		bc.x = wx[i];
		for (j = 0; j < N(metric); j++) {
			bc.metric = metric[j];
			sem_contenders(cs, m, N(m), wx[i], trial_handoff);
			for (k = 0; k < N(m); k++)
				cs[k].which = j;
			run_case(&bc, cs, N(m));
		}
	}
	curve_end();
}

static const struct scenario {
	const char *id;
	const char *title;
	const char *mechs;
	void (*run)(void);
} scenarios[] = {
	{ "S1", "ping-pong round trip, 64 B, both sides polling",
	  "kipc (fast path), kipc-ioctl, shm spin, pipe, POSIX mq", s1 },
	{ "S2", "ping-pong round trip, 64 B, receiver sleeps",
	  "kipc (fast path), kipc-ioctl, futex, pipe, eventfd, seqpacket, POSIX mq, SysV msg,\n    mutex+cond",
	  s2 },
	{ "S3", "one producer -> one consumer, 64 B and 4 KiB, queues of 64 messages",
	  "kipc (fast path), kipc-ioctl, kipc-batch, POSIX mq, SysV msg, pipe, shm ring,\n    mutex+cond",
	  s3 },
	{ "S4", "four producers -> one consumer, 64 B, per-producer order checked",
	  "kipc (fast path), kipc-ioctl, POSIX mq, SysV msg, mutex+cond", s4 },
	{ "S5", "semaphore as a notifier: wake latency of a sleeping waiter",
	  "kipc (fast path), kipc-ioctl, glibc sem_t, SysV sem, eventfd sem", s5 },
	{ "S6", "semaphore of value 1 as a lock, N = 2, 4, 8 processes",
	  "kipc (fast path), kipc-ioctl, glibc sem_t, SysV sem", s6 },
	{ "S7", "uncontended P+V pair in one process",
	  "kipc (fast path), kipc-ioctl, glibc sem_t (and the timer alone)", s7 },
	{ "S8", "S3 (64 B) and S4 with busy processes competing for the CPUs",
	  "kipc (fast path), kipc-ioctl, POSIX mq, SysV msg", s8 },
	{ "S9", "uncontended P+V pair with undo in one process",
	  "kipc (liblkipc with KIPC_SEM_UNDO), kipc-ioctl, glibc sem_t, robust mutex\n    (and the timer alone)",
	  s9 },
	{ "S10", "acquire-all of K = 2 and 8 semaphores of value 1 as a lock, 4 processes",
	  "kipc (fast-path posts), kipc-ioctl, SysV semop on a set", s10 },
	{ "C1", "cost curve: producers P = 1, 2, 4, 8, 16 -> one consumer, 64 B",
	  "kipc (fast path), kipc-ioctl, POSIX mq, SysV msg", c1 },
	{ "C2", "cost curve: message size 16 B to 8 KiB, one producer, queues of 16",
	  "kipc (fast path), kipc-ioctl, POSIX mq, SysV msg", c2 },
	{ "C3", "cost curve: N = 1, 16, 256, 4096 named objects alive: open by name, one op",
	  "kipc semaphores (fast path), kipc-ioctl, POSIX mq, SysV sem", c3 },
	{ "C4", "cost curve: W = 1, 4, 16, 64, 256, 1024 queued waiters: the V that hands off",
	  "kipc (fast path), kipc-ioctl, glibc sem_t, SysV sem, POSIX mq", c4 },
};

const char *scenario_title(const char *id)
{
	unsigned int i;

	for (i = 0; i < N(scenarios); i++)
		if (!strcmp(scenarios[i].id, id))
			return scenarios[i].title;
	return "";
}

/* ------------------------------------------------------------------ */
/* The run's circumstances                                            */
/* ------------------------------------------------------------------ */

static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = 0;
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

static void describe_run(struct results *rs)
{
	static const char *const feat[] = {
		"sem", "queue", "ring", "sem-fast", "uring-cmd",
	};
	char vendor[64], product[64], line[256];
	struct utsname u;
	time_t now = time(NULL);
	unsigned int i;
	bool hyper = false;
	FILE *f;
	int n;

	uname(&u);
	snprintf(rs->kernel, sizeof(rs->kernel), "%s %s", u.sysname,
		 u.release);
	strftime(rs->date, sizeof(rs->date), "%Y-%m-%d %H:%M UTC",
		 gmtime(&now));
	read_line("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  rs->clocksource, sizeof(rs->clocksource));
	read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5) && strstr(line, " hypervisor"))
			hyper = true;
	if (f)
		fclose(f);
	/* TCG sets no hypervisor CPUID bit, but QEMU says who it is in DMI. */
	snprintf(rs->virt, sizeof(rs->virt), "%s%s%s%s",
		 hyper || strstr(vendor, "QEMU") ? "virtual machine" :
						  "no sign of a hypervisor",
		 vendor[0] ? " (" : "", vendor, vendor[0] ? ")" : "");
	(void)product;
	/* The idle routine matters under emulation: see performance.md. */
	read_line("/proc/cmdline", line, sizeof(line));
	{
		const char *idle = strstr(line, "idle=");

		if (idle && (idle == line || idle[-1] == ' ')) {
			size_t at = strlen(rs->virt), len = strcspn(idle, " ");

			snprintf(rs->virt + at, sizeof(rs->virt) - at, ", %.*s",
				 (int)len, idle);
		}
	}
	if (!kipc_probe.present) {
		snprintf(rs->kipc, sizeof(rs->kipc), "%s", kipc_probe.why);
	} else {
		n = snprintf(rs->kipc, sizeof(rs->kipc), "ABI %u, features:",
			     kipc_probe.abi_version);
		for (i = 0; i < N(feat); i++)
			if (kipc_probe.features & (1ULL << i) && n > 0 &&
			    (size_t)n < sizeof(rs->kipc))
				n += snprintf(rs->kipc + n,
					      sizeof(rs->kipc) - (size_t)n,
					      " %s", feat[i]);
	}
	rs->ncpus = bp.ncpus;
	rs->trials = bp.trials;
	snprintf(rs->mode, sizeof(rs->mode), "%s", bp.quick ? "quick" : "full");
}

/* ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
"usage: kipc-bench [OPTIONS]\n"
"  -q, --quick            a short run (a smoke test; numbers are rough)\n"
"  -s, --scenario LIST    only these scenarios, e.g. S1,S5 (repeatable)\n"
"  -t, --trials N         measured trials per mechanism\n"
"  -l, --list             list the scenarios and their mechanisms\n"
"      --csv FILE         also write the results as CSV ('-': stdout)\n"
"      --markdown FILE    also write the table and goals as Markdown\n"
"      --plot FILE.png    also draw the medians with gnuplot\n"
"      --plot-curves FILE.png  also draw the cost curves (C1-C4), log-log\n"
"      --from-csv FILE    measure nothing: report a CSV written before\n"
"      --no-progress      say nothing on stderr while running\n"
"  -h, --help\n");
}

static bool selected(const char *list, const char *id)
{
	const char *p = list;
	size_t n = strlen(id);

	if (!list)
		return true;
	while ((p = strcasestr(p, id))) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "scenario", required_argument, NULL, 's' },
		{ "trials", required_argument, NULL, 't' },
		{ "list", no_argument, NULL, 'l' },
		{ "csv", required_argument, NULL, 'C' },
		{ "markdown", required_argument, NULL, 'M' },
		{ "plot", required_argument, NULL, 'P' },
		{ "plot-curves", required_argument, NULL, 'K' },
		{ "from-csv", required_argument, NULL, 'F' },
		{ "no-progress", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *csv = NULL, *md = NULL, *png = NULL, *from = NULL;
	const char *cpng = NULL;
	char *list = NULL, *end;
	bool quick = false, do_list = false;
	long trials = 0;
	unsigned int i;
	int c, rc = 0;
	FILE *f;

	while ((c = getopt_long(argc, argv, "qs:t:lh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quick = true;
			break;
		case 's':
			if (list) {
				size_t n = strlen(list) + strlen(optarg) + 2;
				char *l = malloc(n);

				if (!l)
					return 2;
				snprintf(l, n, "%s,%s", list, optarg);
				free(list);
				list = l;
			} else {
				list = strdup(optarg);
			}
			break;
		case 't':
			trials = strtol(optarg, &end, 10);
			if (*end || trials < 1 || trials > 64) {
				fprintf(stderr, "kipc-bench: --trials takes 1..64\n");
				return 2;
			}
			break;
		case 'l':
			do_list = true;
			break;
		case 'C':
			csv = optarg;
			break;
		case 'M':
			md = optarg;
			break;
		case 'P':
			png = optarg;
			break;
		case 'K':
			cpng = optarg;
			break;
		case 'F':
			from = optarg;
			break;
		case 'N':
			progress = false;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (do_list) {
		for (i = 0; i < N(scenarios); i++)
			printf("%s  %s\n    %s\n", scenarios[i].id,
			       scenarios[i].title, scenarios[i].mechs);
		return 0;
	}
	if (list) {
		char *copy = strdup(list), *tok, *save = NULL;
		bool ok;

		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			ok = false;
			for (i = 0; i < N(scenarios); i++)
				ok |= !strcasecmp(tok, scenarios[i].id);
			if (!ok) {
				fprintf(stderr, "kipc-bench: no scenario '%s' (see --list)\n",
					tok);
				return 2;
			}
		}
		free(copy);
	}

	if (from) {
		if (report_read_csv(from, &results))
			return 2;
	} else {
		bp = quick ? quick_params : full_params;
		if (trials)
			bp.trials = (unsigned int)trials;
		bp.ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
		kipc_probe_module();
		syscount_init(results.syscount, sizeof(results.syscount));
		describe_run(&results);
		setvbuf(stdout, NULL, _IOLBF, 0);
		for (i = 0; i < N(scenarios); i++)
			if (selected(list, scenarios[i].id))
				scenarios[i].run();
	}

	report_table(stdout, &results);
	report_curves(stdout, &results, false);
	report_goals(stdout, &results, false);
	if (csv && report_csv(csv, &results))
		rc = 2;
	if (md) {
		f = fopen(md, "w");
		if (!f) {
			fprintf(stderr, "kipc-bench: %s: %s\n", md,
				strerror(errno));
			rc = 2;
		} else {
			report_markdown(f, &results);
			report_curves(f, &results, true);
			report_goals(f, &results, true);
			fclose(f);
		}
	}
	if (png && report_plot(png, &results))
		rc = 2;
	if (cpng && report_plot_curves(cpng, &results))
		rc = 2;
	free(list);
	if (!rc && failures)
		rc = 1;
	return rc;
}
