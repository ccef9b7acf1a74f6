/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipc-bench: kipc and the kernel's own IPC, measured side by side in the
 * same run.  See Documentation/man/kipc-bench.1 and
 * Documentation/performance.md.
 *
 * The pieces:
 *   main.c       options, the scenario table, the trial engine (warm-up,
 *                interleaved trials, syscall-counting runs), the goals
 *   scenarios.c  what one trial of each kind of scenario does
 *   kipc.c       what kipc's mechanisms share: the module probe, the two
 *                paths (mapped fast path, system calls), opening objects
 *   msg.c        message mechanisms (struct msg_mech): kipc, pipe, POSIX mq, ...
 *   sem.c        semaphore mechanisms (struct sem_mech): kipc, sem_t, ...
 *   syscount.c   counting system calls with perf's raw_syscalls tracepoint
 *   util.c       percentiles, Jain's index, clock, shared memory
 *   report.c     the table, CSV (out and back in), Markdown, gnuplot
 */
#ifndef KIPC_BENCH_H
#define KIPC_BENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/types.h>

#define BENCH_MAX_PROCS		16	/* the most processes in one trial */
#define BENCH_MSG_MAX		8192	/* the largest message */
#define BENCH_MAX_WAITERS	1024	/* C4: the most queued waiters */
#define BENCH_END		UINT64_MAX /* "no more messages" sequence */

/*
 * The two ways liblkipc moves messages and units: the mapped fast path
 * that its default open sets up (a send, receive, P or V that need not
 * wait makes no system call), and the system-call path, an ioctl per
 * operation, that an object opened with LKIPC_OPEN_NOMAP takes.  Where
 * the module maps nothing the fast-path rows say "n/a" rather than measure
 * the system calls twice.  See kipc.c.
 */
enum kipc_path { KIPC_FAST, KIPC_IOCTL };

/* ------------------------------------------------------------------ */
/* Messages                                                           */
/* ------------------------------------------------------------------ */

struct msg_cfg {
	size_t msgsize;		/* bytes of every message, 16..BENCH_MSG_MAX */
	/* (below 24 bytes the scrambled tail is left out: it would overlap) */
	unsigned int depth;	/* capacity in messages, where configurable */
	unsigned int producers;	/* senders on direction 0 */
	bool poll;		/* receivers (and full senders) spin */
	bool sleep;		/* receivers sleep: kipc does not spin first */
};

/* What a message mechanism can take part in. */
#define MSG_PINGPONG	(1U << 0)	/* one message each way at a time */
#define MSG_STREAM	(1U << 1)	/* one sender, one receiver, queued */
#define MSG_MPSC	(1U << 2)	/* several senders on direction 0 */
#define MSG_POLL	(1U << 3)	/* cfg.poll: receivers spin */
#define MSG_SLEEP	(1U << 4)	/* !cfg.poll: receivers sleep */

/*
 * A message mechanism.  Direction 0 carries messages from the "A" side
 * (pinger, producers) to the "B" side (ponger, consumer), direction 1 back.
 * setup() runs in the bench process before the participants are forked and
 * returns the channel, which lives in memory shared with them (see
 * bench_shared()) unless it is only file descriptors or liblkipc handles
 * (and what each participant keeps for itself in its copy after the fork:
 * a fork's child uses its copy of a handle); every participant calls
 * attach() once after the fork; send() and recv() move one message of
 * cfg.msgsize bytes; recv() returns the length received.  All return
 * -errno on failure.  teardown() runs in the bench process after every
 * participant has exited.
 *
 * flush(), where there is one, sends what send() has kept back to send in
 * one go (a batch); a streaming producer calls it at the end of its work
 * and after its end message.  Mechanisms without it never hold a message.
 *
 * A kipc mechanism (kipc true) takes the path "path"; where that cannot
 * run here (kipc_unavailable()), the trial engine reports "n/a (reason)"
 * and runs nothing.  note is shown beside the mechanism's results.
 */
struct msg_mech {
	const char *name;
	const char *what;
	const char *note;
	unsigned int caps;
	bool kipc;
	enum kipc_path path;
	void *(*setup)(const struct msg_cfg *cfg, char *err, size_t errlen);
	int (*attach)(void *ch, int side);	/* side 0: A, 1: B */
	int (*send)(void *ch, int dir, const void *msg);
	int (*recv)(void *ch, int dir, void *msg);
	int (*flush)(void *ch, int dir);
	void (*teardown)(void *ch);
};

extern const struct msg_mech msg_kipc_ring, msg_kipc_ioctl, msg_kipc_batch,
	msg_spin, msg_futex, msg_pipe, msg_eventfd, msg_seqpacket,
	msg_posix_mq, msg_sysv_msg, msg_shm_ring, msg_cv_ring;

/* ------------------------------------------------------------------ */
/* Semaphores                                                         */
/* ------------------------------------------------------------------ */

struct sem_mech {
	const char *name;
	const char *what;
	const char *note;		/* what path it takes, or NULL */
	bool kipc;
	enum kipc_path path;		/* kipc: as for struct msg_mech */
	/* A semaphore of value "value" shared with the processes forked next. */
	void *(*setup)(unsigned int value, char *err, size_t errlen);
	int (*wait)(void *s);		/* P(1), -errno */
	int (*post)(void *s);		/* V(1), -errno */
	/*
	 * Where the mechanism shows its queue of blocked waiters (kipc): their
	 * pids in queue order, at most cap; the number, or -errno.  NULL: S6
	 * judges overtakes from timestamps alone.
	 */
	int (*queue)(void *s, uint32_t *pids, unsigned int cap);
	void (*teardown)(void *s);
};

extern const struct sem_mech sem_kipc, sem_kipc_ioctl, sem_glibc, sem_sysv,
	sem_eventfd;
/* C4: waiters blocked in mq_receive(), the V an mq_send(); sem.c */
extern const struct sem_mech sem_posix_mq;
/* S9: P and V with undo, and a robust process-shared mutex; sem.c */
extern const struct sem_mech sem_kipc_undo, sem_kipc_ioctl_undo,
	sem_robust_mutex;

/*
 * C3: N named objects alive at once.  create() makes n of them (named
 * after the caller's pid and their index) and opens each; open() opens
 * object i by name and closes it again; op() does one operation on the
 * open object i (P then V, or a send then a receive); destroy() closes and
 * removes them all.  Each returns -errno on failure (create: NULL, with
 * why in err).  Everything is made in the process that measures.
 */
struct obj_mech {
	const char *name;
	const char *what;
	const char *note;
	bool kipc;
	enum kipc_path path;
	void *(*create)(unsigned int n, char *err, size_t errlen);
	int (*open)(void *objs, unsigned int i);
	int (*op)(void *objs, unsigned int i);
	void (*destroy)(void *objs);
};

extern const struct obj_mech obj_kipc_sem, obj_kipc_sem_ioctl, obj_posix_mq,
	obj_sysv_sem;
/* S10: acquire-all of 2 and 8 semaphores; sem.c */
extern const struct sem_mech sem_kipc_all2, sem_kipc_all8,
	sem_kipc_all2_ioctl, sem_kipc_all8_ioctl, sem_sysv_set2, sem_sysv_set8;

/* ------------------------------------------------------------------ */
/* kipc (kipc.c)                                                      */
/* ------------------------------------------------------------------ */

/* kipc's module information, read once at start (features == 0: none). */
struct kipc_probe {
	bool present;
	char why[96];			/* why not present */
	unsigned int abi_version;
	uint64_t features;
};
extern struct kipc_probe kipc_probe;
void kipc_probe_module(void);

/*
 * Why kipc objects of the module feature "feature" (KIPC_FEAT_QUEUE,
 * KIPC_FEAT_SEM) cannot be used on "path" here, or NULL.
 */
const char *kipc_unavailable(uint64_t feature, enum kipc_path path);
/* lkipc_*_open's flags for a new anonymous object on "path". */
unsigned int kipc_open_flags(enum kipc_path path);
/* Open the device to create objects through; false (and why) if not. */
struct lkipc;
bool kipc_device(struct lkipc *k, char *err, size_t len);

/* ------------------------------------------------------------------ */
/* Trials                                                             */
/* ------------------------------------------------------------------ */

struct bench_params {
	bool quick;
	unsigned int trials;		/* measured trials per mechanism */
	unsigned int lat_samples;	/* latency samples per trial, at most */
	unsigned int lat_ms;		/* ... and at most this long */
	unsigned int rate_ms;		/* duration of a throughput trial */
	unsigned int count_ops;		/* ops of a syscall-counting run */
	unsigned int count_ms;		/* duration of a timed counting run */
	unsigned int uncontended;	/* samples per trial of S7 */
	/* The curves (C1-C4): trials, and a rate or latency trial's length. */
	unsigned int curve_trials, curve_ms, curve_samples;
	bool curve_small;		/* C3, C4: the smaller half of x */
	unsigned int timeout_s;		/* a participant that hangs dies */
	int ncpus;
};
extern struct bench_params bp;

enum trial_mode {
	TRIAL_MEASURE,		/* timestamps, samples */
	TRIAL_COUNT,		/* fixed work, no timestamps, count syscalls */
};

/*
 * What one trial produced.  Latency samples (nanoseconds) go to "samples"
 * (room for "cap"); a throughput trial fills ops, bytes and secs.
 */
struct trial_out {
	uint64_t *samples;
	size_t nsamples, cap;
	double ops, bytes, secs;
	uint64_t acq[BENCH_MAX_PROCS];	/* S6: acquisitions per process */
	unsigned int nprocs;
	/*
	 * S6 (TRIAL_MEASURE): every logged acquisition's wait for P in ns
	 * (malloc'd, the caller frees), and overtakes: acquisitions made while
	 * another process had been queued longer, judged by the kernel's queue
	 * order (q_*, where the mechanism shows it; q_checked is how many
	 * acquisitions a queue snapshot covered) and by timestamps (ts_*,
	 * with a margin of margin_ns).
	 */
	uint64_t *waits;
	size_t nwaits;
	uint64_t q_overtakes, q_checked, ts_overtakes, ts_checked;
	bool q_seen;
	double margin_ns;
	uint64_t sent;			/* messages sent (streams) */
	uint64_t checked;		/* messages whose content was checked */
	uint64_t violations;		/* order or exclusion violations */
	double sc_calls, sc_ops;	/* counting run */
	char err[160];
};

/*
 * One kind of trial: what the scenario table hands the engine for each
 * mechanism of a case.
 */
struct contender {
	const char *name;
	bool kipc;
	bool ref;			/* a reference, not a peer */
	const char *na;			/* not available: why */
	const char *note;
	const struct msg_mech *msg;
	const struct sem_mech *sem;
	const struct obj_mech *obj;	/* C3 */
	struct msg_cfg cfg;
	unsigned int nprocs;		/* S6; C3: objects; C4: waiters */
	unsigned int which;		/* C3, C4: which of two metrics */
	int (*trial)(struct contender *c, enum trial_mode mode,
		     struct trial_out *out);
};

int trial_pingpong(struct contender *c, enum trial_mode m,
		   struct trial_out *o);
int trial_stream(struct contender *c, enum trial_mode m,
		 struct trial_out *o);
int trial_notify(struct contender *c, enum trial_mode m,
		 struct trial_out *o);
int trial_lock(struct contender *c, enum trial_mode m, struct trial_out *o);
int trial_uncontended(struct contender *c, enum trial_mode m,
		      struct trial_out *o);
int trial_clock(struct contender *c, enum trial_mode m, struct trial_out *o);
/* C3: which 0: open by name, 1: an operation, on one of nprocs objects */
int trial_objects(struct contender *c, enum trial_mode m,
		  struct trial_out *o);
/* C4: which 0: the V that hands off to one of nprocs waiters, 1: its wake */
int trial_handoff(struct contender *c, enum trial_mode m,
		  struct trial_out *o);

/* ------------------------------------------------------------------ */
/* Results                                                            */
/* ------------------------------------------------------------------ */

enum res_status { RES_OK, RES_NA, RES_ERR };

/* One row of the table: one mechanism, one metric of one case. */
struct result {
	char scen[8];		/* "S1" */
	char cas[24];		/* "64B", "4KiB", "N=4" or "-" */
	char metric[24];	/* "round trip", "msgs/s", ... */
	char mech[24];
	char unit[8];		/* "us", "/s", "MiB/s" */
	bool kipc;
	bool ref;		/* a reference row, no ratio */
	bool lower_better;	/* latency */
	enum res_status status;
	unsigned long samples;	/* latency samples, or trials */
	unsigned long checked;	/* messages checked */
	unsigned long violations;
	double median, p99, p999;
	double syscalls;	/* per operation; NAN: not counted */
	double maxmin, jain;	/* S6 fairness, worst trial; NAN otherwise */
	double max;		/* S6 wait for P: the longest; NAN otherwise */
	double overtakes;	/* S6: per 1000 acquisitions, queue order */
	double overtakes_ts;	/* ... and by timestamps; NAN otherwise */
	double x;		/* a curve's (C1-C4) x value; NAN otherwise */
	char note[192];
};

struct results {
	struct result *r;
	size_t n, cap;
	/* The run's circumstances, for the header. */
	char kernel[160], date[40], clocksource[32], virt[128], kipc[96];
	char syscount[160];
	char mode[16];
	int ncpus;
	unsigned int trials;
};

struct result *results_add(struct results *rs);
const char *scenario_title(const char *id);	/* main.c */

/* Ratio of the case's kipc row to this row, NAN if either has no median. */
double result_ratio(const struct results *rs, const struct result *r);

void report_table(FILE *f, const struct results *rs);
void report_markdown(FILE *f, const struct results *rs);
int report_csv(const char *path, const struct results *rs);
int report_read_csv(const char *path, struct results *rs);
int report_plot(const char *png, const struct results *rs);
/* The curves (C scenarios): cost per x and its log-log slope; their plot. */
bool result_is_curve(const struct result *r);
void report_curves(FILE *f, const struct results *rs, bool markdown);
int report_plot_curves(const char *png, const struct results *rs);
int report_goals(FILE *f, const struct results *rs, bool markdown);

/* ------------------------------------------------------------------ */
/* Statistics, system-call counting, helpers                          */
/* ------------------------------------------------------------------ */

void stats_sort(double *v, size_t n);
double stats_pct(const double *sorted, size_t n, double pct);
double stats_jain(const uint64_t *x, unsigned int n);
double stats_maxmin(const uint64_t *x, unsigned int n);

/* Counting one process's system calls (syscount.c). */
struct syscount {
	int fd;
	unsigned long windows;
};
bool syscount_init(char *why, size_t len);	/* once, before forking */
bool syscount_ok(void);
int syscount_open(struct syscount *sc);		/* in each process */
void syscount_begin(struct syscount *sc);
void syscount_end(struct syscount *sc);
double syscount_read(struct syscount *sc);	/* calls in the windows */
void syscount_close(struct syscount *sc);

uint64_t now_ns(void);
void *bench_shared(size_t size);		/* zeroed, MAP_SHARED */
void bench_unshare(void *p, size_t size);
void bench_pin(int cpu);			/* if there are enough CPUs */
void bench_relax(unsigned long *spins);		/* in a spin loop */
/* Process-shared and robust; a lock whose holder died is taken over. */
void bench_robust_mutexattr(pthread_mutexattr_t *ma);
int bench_robust_lock(pthread_mutex_t *m);	/* 0 or -errno */

#endif /* KIPC_BENCH_H */
