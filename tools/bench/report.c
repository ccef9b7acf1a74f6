// SPDX-License-Identifier: GPL-2.0
/*
 * Reporting: the terminal table, the goals, Markdown, CSV (written, and
 * read back so that a results file from the VM can be reported and plotted
 * on the host) and a gnuplot chart.
 *
 * The ratio column is kipc's median over the peer's median, in the same
 * case of the same run: below 1 kipc is faster for latencies; above 1 it is
 * faster for rates.  "kipc" there is the case's base kipc row: the first
 * kipc row that ran, in the order the scenarios list them, so the fast
 * path ("kipc") where it ran, else the system-call path ("kipc-ioctl").
 * The goals are judged on the same row unless they name another.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"

struct result *results_add(struct results *rs)
{
	struct result *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 64;
		rs->r = realloc(rs->r, rs->cap * sizeof(*rs->r));
		if (!rs->r) {
			fprintf(stderr, "kipc-bench: out of memory\n");
			exit(2);
		}
	}
	r = &rs->r[rs->n++];
	memset(r, 0, sizeof(*r));
	r->median = r->p99 = r->p999 = r->syscalls = NAN;
	r->maxmin = r->jain = NAN;
	r->max = r->overtakes = r->overtakes_ts = NAN;
	r->x = NAN;
	return r;
}

static bool same_case(const struct result *a, const struct result *b)
{
	return !strcmp(a->scen, b->scen) && !strcmp(a->cas, b->cas) &&
	       !strcmp(a->metric, b->metric);
}

/*
 * The case's base kipc row: the first that ran, else the first; with
 * "any", the first kipc row whether it ran or not.
 */
static const struct result *kipc_first(const struct results *rs,
				       const struct result *r, bool any)
{
	const struct result *first = NULL;
	size_t i;

	for (i = 0; i < rs->n; i++) {
		if (!rs->r[i].kipc || !same_case(&rs->r[i], r))
			continue;
		if (any || rs->r[i].status == RES_OK)
			return &rs->r[i];
		if (!first)
			first = &rs->r[i];
	}
	return first;
}

static const struct result *kipc_row(const struct results *rs,
				     const struct result *r)
{
	return kipc_first(rs, r, false);
}

static const struct result *find_row(const struct results *rs,
				     const char *scen, const char *cas,
				     const char *metric, const char *mech)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->r[i].scen, scen) &&
		    !strcmp(rs->r[i].cas, cas) &&
		    !strcmp(rs->r[i].metric, metric) &&
		    !strcmp(rs->r[i].mech, mech))
			return &rs->r[i];
	return NULL;
}

/* k's median over r's, NAN unless both ran. */
static double ratio_of(const struct result *k, const struct result *r)
{
	if (!k || !r || k->status != RES_OK || r->status != RES_OK ||
	    !(r->median > 0))
		return NAN;
	return k->median / r->median;
}

/* k's p99.9 over r's, NAN unless both ran. */
static double tail_ratio(const struct result *k, const struct result *r)
{
	if (!k || !r || k->status != RES_OK || r->status != RES_OK ||
	    !(r->p999 > 0))
		return NAN;
	return k->p999 / r->p999;
}

double result_ratio(const struct results *rs, const struct result *r)
{
	if (r->kipc || r->ref)
		return NAN;
	return ratio_of(kipc_row(rs, r), r);
}

/* A number in at most 7 columns. */
static const char *num(char *buf, size_t len, double v)
{
	if (isnan(v))
		snprintf(buf, len, "-");
	else if (isinf(v))
		snprintf(buf, len, "inf");
	else if (fabs(v) >= 1e7)
		snprintf(buf, len, "%.2fM", v / 1e6);
	else if (fabs(v) >= 1e5)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else if (fabs(v) >= 100)
		snprintf(buf, len, "%.0f", v);
	else if (fabs(v) >= 10)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.2f", v);
	return buf;
}

/* The ratio column: "base" on the row the others are divided by. */
static const char *ratio_str(char *buf, size_t len, const struct results *rs,
			     const struct result *r)
{
	double v = result_ratio(rs, r);

	if (r->kipc && r->status == RES_OK && kipc_row(rs, r) == r)
		snprintf(buf, len, "base");
	else if (isnan(v))
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2fx", v);
	return buf;
}

static const char *status_note(char *buf, size_t len, const struct result *r)
{
	switch (r->status) {
	case RES_NA:
		snprintf(buf, len, "n/a (%s)", r->note);
		break;
	case RES_ERR:
		snprintf(buf, len, "FAILED: %s", r->note);
		break;
	default:
		snprintf(buf, len, "%s", r->note);
	}
	return buf;
}

/*
 * S6's information beside the numbers: for the rate, max/min and Jain's
 * index over the processes' acquisitions; for the wait for P, the longest
 * wait and the overtakes per 1000 acquisitions, by the kernel's queue order
 * where the mechanism shows it and by timestamps.
 */
static const char *fairness(char *buf, size_t len, const struct result *r)
{
	char a[16], b[16], c[16];

	buf[0] = 0;
	if (!isnan(r->max)) {
		snprintf(buf, len, "max %s us, overtakes/1k: queue %s, timestamps %s",
			 num(a, sizeof(a), r->max),
			 num(b, sizeof(b), r->overtakes),
			 num(c, sizeof(c), r->overtakes_ts));
		return buf;
	}
	if (isnan(r->maxmin) && isnan(r->jain))
		return buf;
	snprintf(buf, len, "max/min %s, Jain %s", num(a, sizeof(a), r->maxmin),
		 isnan(r->jain) ? "-" : (snprintf(b, sizeof(b), "%.3f", r->jain), b));
	return buf;
}

static void header(FILE *f, const struct results *rs, bool md)
{
	const char *pre = md ? "- " : "";

	fprintf(f, "%skipc-bench (%s run): %s, %d CPUs, %s, clocksource %s, %s\n",
		pre, rs->mode, rs->kernel, rs->ncpus, rs->virt,
		rs->clocksource[0] ? rs->clocksource : "?", rs->date);
	fprintf(f, "%skipc: %s\n", pre, rs->kipc);
	fprintf(f, "%ssystem calls: %s\n", pre,
		rs->syscount[0] ? rs->syscount : "not counted");
	fprintf(f, "%s%u measured trials per mechanism after a warm-up trial, interleaved\n",
		pre, rs->trials);
	if (md)
		return;
	fprintf(f, "Latencies (us): percentiles of every sample.  Rates: median over trials; their\n"
		"\"p99\" is the low tail, the rate that 99%% of the trials reached.  kipc/peer is\n"
		"the ratio of medians, kipc being the case's \"base\" row: the fast path (kipc)\n"
		"where it ran, else the system-call path (kipc-ioctl).  Under emulation only the\n"
		"ratios of one run mean anything.\n");
}

void report_table(FILE *f, const struct results *rs)
{
	char m[16], p[16], q[16], ra[16], sc[16], note[256], fair[96];
	const char *last = "";
	size_t i;

	header(f, rs, false);
	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->r[i];

		if (strcmp(last, r->scen)) {
			fprintf(f, "\n%s  %s\n", r->scen, scenario_title(r->scen));
			fprintf(f, "  %-6s %-13s %-13s %8s %8s %8s %9s %7s  %s\n",
				"case", "metric", "mechanism", "median", "p99",
				"p99.9", "kipc/peer", "sys/op", "notes");
			last = r->scen;
		}
		if (r->status != RES_OK) {
			fprintf(f, "  %-6s %-13s %-13s %s\n", r->cas,
				r->metric, r->mech,
				status_note(note, sizeof(note), r));
			continue;
		}
		fairness(fair, sizeof(fair), r);
		fprintf(f, "  %-6s %-13s %-13s %8s %8s %8s %9s %7s  %s%s%s\n",
			r->cas, r->metric, r->mech,
			num(m, sizeof(m), r->median), num(p, sizeof(p), r->p99),
			num(q, sizeof(q), r->p999),
			ratio_str(ra, sizeof(ra), rs, r),
			num(sc, sizeof(sc), r->syscalls), fair,
			fair[0] && r->note[0] ? "; " : "",
			r->note);
	}
	fprintf(f, "\n");
}

void report_markdown(FILE *f, const struct results *rs)
{
	char m[16], p[16], q[16], ra[16], sc[16], note[256], fair[96];
	size_t i;

	header(f, rs, true);
	fprintf(f, "\n| | case | metric | mechanism | median | p99 | p99.9 | kipc/peer | syscalls/op | notes |\n"
		"|---|---|---|---|--:|--:|--:|--:|--:|---|\n");
	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->r[i];
		bool ok = r->status == RES_OK;

		if (result_is_curve(r))
			continue;	/* report_curves() */
		fair[0] = 0;
		if (ok)
			fairness(fair, sizeof(fair), r);
		fprintf(f, "| %s | %s | %s (%s) | %s%s%s | %s | %s | %s | %s | %s | %s%s%s |\n",
			r->scen, r->cas, r->metric, r->unit,
			r->kipc ? "**" : "", r->mech, r->kipc ? "**" : "",
			ok ? num(m, sizeof(m), r->median) : "",
			ok ? num(p, sizeof(p), r->p99) : "",
			ok ? num(q, sizeof(q), r->p999) : "",
			ratio_str(ra, sizeof(ra), rs, r),
			ok ? num(sc, sizeof(sc), r->syscalls) : "",
			fair, fair[0] && r->note[0] ? "; " : "",
			status_note(note, sizeof(note), r));
	}
	fprintf(f, "\n");
}

/* ------------------------------------------------------------------ */
/* Performance goals: same-run ratios                                 */
/* ------------------------------------------------------------------ */

/*
 * G_AT_MOST, G_AT_LEAST: the ratio of medians; G_TAIL_AT_MOST: of the
 * p99.9s; G_NO_OVERTAKES: no overtake by the kernel's queue order.
 */
enum goal_kind { G_AT_MOST, G_AT_LEAST, G_TAIL_AT_MOST, G_NO_OVERTAKES,
		 G_NO_SYSCALLS };

/*
 * A goal is judged on the case's base kipc row, and again on the kipc row
 * "also" names where that is not the base row already.
 */
static const struct goal {
	const char *scen, *cas, *metric, *peer;
	enum goal_kind kind;
	double limit;
	const char *also;
} goals[] = {
	{ "S1", "64B", "round trip", "shm spin", G_AT_MOST, 1.2, NULL },
	{ "S1", "64B", "round trip", "pipe", G_AT_MOST, 0.1, NULL },
	{ "S2", "64B", "round trip", "futex", G_AT_MOST, 1.0, "kipc-ioctl" },
	{ "S2", "64B", "round trip", "POSIX mq", G_AT_MOST, 0.7, "kipc-ioctl" },
	{ "S3", "64B", "msgs/s", "POSIX mq", G_AT_LEAST, 10, "kipc-batch" },
	{ "S3", "64B", "msgs/s", "SysV msg", G_AT_LEAST, 10, "kipc-batch" },
	{ "S3", "64B", "msgs/s", "pipe", G_AT_LEAST, 5, "kipc-batch" },
	{ "S3", "4KiB", "msgs/s", "POSIX mq", G_AT_LEAST, 10, "kipc-batch" },
	{ "S3", "4KiB", "msgs/s", "SysV msg", G_AT_LEAST, 10, "kipc-batch" },
	{ "S3", "4KiB", "msgs/s", "pipe", G_AT_LEAST, 5, "kipc-batch" },
	{ "S4", "4x64B", "msgs/s", "POSIX mq", G_AT_LEAST, 3, NULL },
	{ "S5", "-", "wake latency", "glibc sem_t", G_AT_MOST, 1.0, NULL },
	{ "S5", "-", "wake latency", "SysV sem", G_AT_MOST, 0.7, NULL },
#define S6_GOALS(n)							\
	{ "S6", n, "wait for P", NULL, G_NO_OVERTAKES, 0, "kipc-ioctl" },	\
	{ "S6", n, "wait for P", "glibc sem_t", G_TAIL_AT_MOST, 0.5, NULL }, \
	{ "S6", n, "wait for P", "SysV sem", G_TAIL_AT_MOST, 1.0, NULL },	\
	{ "S6", n, "acq/s", "SysV sem", G_AT_LEAST, 1.0, NULL }
	S6_GOALS("N=2"), S6_GOALS("N=4"), S6_GOALS("N=8"),
#undef S6_GOALS
	{ "S7", "-", "P+V", "glibc sem_t", G_AT_MOST, 1.5, NULL },
	{ "S7", "-", "P+V", NULL, G_NO_SYSCALLS, 0, NULL },
	{ "S9", "-", "P+V with undo", "glibc sem_t", G_AT_MOST, 1.5, NULL },
	{ "S9", "-", "P+V with undo", NULL, G_NO_SYSCALLS, 0, NULL },
	{ "S8", "S3-64B guest-busy", "msgs/s", "POSIX mq", G_AT_LEAST, 1.0, "kipc-ioctl" },
	{ "S8", "S4 guest-busy", "msgs/s", "POSIX mq", G_AT_LEAST, 1.0, "kipc-ioctl" },
	{ "S8", "S3-64B host-busy", "msgs/s", "POSIX mq", G_AT_LEAST, 1.0, "kipc-ioctl" },
	{ "S8", "S4 host-busy", "msgs/s", "POSIX mq", G_AT_LEAST, 1.0, "kipc-ioctl" },
};

/*
 * The kipc row goal g is judged on (the base row, or with "also" the row
 * g->also names) and in *first the case's first kipc row; NULL if the case
 * did not run or the judgement would repeat another.
 */
static const struct result *goal_row(const struct results *rs,
				     const struct goal *g, bool also,
				     const struct result **first)
{
	const struct result *k, *base;
	size_t j;

	for (j = 0; j < rs->n; j++)
		if (rs->r[j].kipc && !strcmp(rs->r[j].scen, g->scen) &&
		    !strcmp(rs->r[j].cas, g->cas) &&
		    !strcmp(rs->r[j].metric, g->metric))
			break;
	if (j == rs->n)
		return NULL;
	*first = kipc_first(rs, &rs->r[j], true);
	base = kipc_row(rs, &rs->r[j]);
	if (!also)
		return base;
	k = g->also ? find_row(rs, g->scen, g->cas, g->metric, g->also) : NULL;
	return k == base ? NULL : k;
}

int report_goals(FILE *f, const struct results *rs, bool md)
{
	const struct result *k, *p, *first;
	char what[128], val[32], verdict[256];
	unsigned int i, met = 0, missed = 0, unknown = 0;
	double v;

	fprintf(f, md ? "\n### Goals\n\n| goal | same-run value | verdict |\n|---|--:|---|\n"
		      : "Goals, from the ratios of this run:\n");
	for (i = 0; i < 2 * sizeof(goals) / sizeof(goals[0]); i++) {
		const struct goal *g = &goals[i / 2];
		bool ok = false, known = true, also = i % 2;

		k = goal_row(rs, g, also, &first);
		if (!k)
			continue;
		p = g->peer ? find_row(rs, g->scen, g->cas, g->metric, g->peer)
			    : NULL;
		switch (g->kind) {
		case G_AT_MOST:
		case G_AT_LEAST:
			snprintf(what, sizeof(what), "%s %s %s: %s/%s %s %.2f",
				 g->scen, g->cas, g->metric, k->mech, g->peer,
				 g->kind == G_AT_MOST ? "<=" : ">=", g->limit);
			v = ratio_of(k, p);
			ok = g->kind == G_AT_MOST ? v <= g->limit : v >= g->limit;
			break;
		case G_TAIL_AT_MOST:
			snprintf(what, sizeof(what), "%s %s %s: %s/%s p99.9 <= %.2f",
				 g->scen, g->cas, g->metric, k->mech, g->peer,
				 g->limit);
			v = tail_ratio(k, p);
			ok = v <= g->limit;
			break;
		case G_NO_OVERTAKES:
			snprintf(what, sizeof(what),
				 "%s %s: %s overtakes by queue order = 0",
				 g->scen, g->cas, k->mech);
			v = k->status == RES_OK ? k->overtakes : NAN;
			ok = v == 0;
			break;
		default:
			snprintf(what, sizeof(what),
				 "%s: %s %s with 0 system calls", g->scen,
				 k->mech, g->metric);
			v = k->status == RES_OK ? k->syscalls : NAN;
			ok = v == 0;
			break;
		}
		if (k->status != RES_OK) {
			known = false;
			snprintf(verdict, sizeof(verdict),
				 "not measurable: %s %s (%s)", k->mech,
				 k->status == RES_NA ? "n/a" : "failed", k->note);
		} else if (g->peer && (!p || p->status != RES_OK)) {
			known = false;
			snprintf(verdict, sizeof(verdict),
				 "not measurable: %s did not run", g->peer);
		} else if (isnan(v)) {
			known = false;
			snprintf(verdict, sizeof(verdict), "not measurable");
		} else if (!also && first != k) {
			/* Judged on the base row because the first did not run. */
			snprintf(verdict, sizeof(verdict), "%s (%s %s)",
				 ok ? "met" : "NOT met", first->mech,
				 first->status == RES_NA ? "n/a" : "failed");
		} else {
			snprintf(verdict, sizeof(verdict), "%s",
				 ok ? "met" : "NOT met");
		}
		if (!known)
			unknown++;
		else if (ok)
			met++;
		else
			missed++;
		if (!known)
			snprintf(val, sizeof(val), "-");
		else if (g->kind == G_NO_SYSCALLS)
			snprintf(val, sizeof(val), "%.2f syscalls", v);
		else if (g->kind == G_NO_OVERTAKES)
			snprintf(val, sizeof(val), "%.2f/1000", v);
		else
			snprintf(val, sizeof(val), "%.3fx", v);
		if (md)
			fprintf(f, "| %s | %s | %s |\n", what, val, verdict);
		else
			fprintf(f, "  %-58s %14s  %s\n", what, val, verdict);
	}
	fprintf(f, md ? "\n%u goals met, %u not met, %u not measurable in this build.\n"
		      : "  %u met, %u not met, %u not measurable in this build\n",
		met, missed, unknown);
	return 0;
}

/* ------------------------------------------------------------------ */
/* CSV                                                                */
/* ------------------------------------------------------------------ */

static const char *const status_names[] = { "ok", "n/a", "error" };

static void csv_text(FILE *f, const char *s)
{
	for (; *s; s++)
		fputc(*s == ',' ? ';' : *s == '\n' ? ' ' : *s, f);
}

static void csv_num(FILE *f, double v)
{
	if (isnan(v))
		fputs(",", f);
	else if (isinf(v))
		fputs(",inf", f);
	else
		fprintf(f, ",%.6g", v);
}

int report_csv(const char *path, const struct results *rs)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	size_t i;

	if (!f) {
		fprintf(stderr, "kipc-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# kernel: %s\n# date: %s\n# clocksource: %s\n# virt: %s\n"
		"# kipc: %s\n# syscalls: %s\n# mode: %s\n# cpus: %d\n# trials: %u\n",
		rs->kernel, rs->date, rs->clocksource, rs->virt, rs->kipc,
		rs->syscount, rs->mode, rs->ncpus, rs->trials);
	fprintf(f, "scenario,case,metric,mechanism,role,unit,status,samples,checked,violations,median,p99,p999,ratio,syscalls_per_op,maxmin,jain,max,overtakes,overtakes_ts,note,x\n");
	for (i = 0; i < rs->n; i++) {
		const struct result *r = &rs->r[i];

		fprintf(f, "%s,%s,%s,%s,%s,%s,%s,%lu,%lu,%lu", r->scen, r->cas,
			r->metric, r->mech,
			r->kipc ? "kipc" : r->ref ? "ref" : "peer", r->unit,
			status_names[r->status], r->samples, r->checked,
			r->violations);
		csv_num(f, r->median);
		csv_num(f, r->p99);
		csv_num(f, r->p999);
		csv_num(f, result_ratio(rs, r));
		csv_num(f, r->syscalls);
		csv_num(f, r->maxmin);
		csv_num(f, r->jain);
		csv_num(f, r->max);
		csv_num(f, r->overtakes);
		csv_num(f, r->overtakes_ts);
		fputc(',', f);
		csv_text(f, r->note);
		csv_num(f, r->x);
		fputc('\n', f);
	}
	if (f != stdout)
		fclose(f);
	else
		fflush(f);
	return 0;
}

static double field_num(const char *s)
{
	char *end;
	double v;

	if (!*s)
		return NAN;
	if (!strcmp(s, "inf"))
		return INFINITY;
	v = strtod(s, &end);
	return *end ? NAN : v;
}

static void meta(struct results *rs, const char *line)
{
	static const struct {
		const char *key;
		size_t off, len;
	} keys[] = {
#define K(k, m) { k, offsetof(struct results, m), sizeof(((struct results *)0)->m) }
		K("kernel", kernel), K("date", date),
		K("clocksource", clocksource), K("virt", virt),
		K("kipc", kipc), K("syscalls", syscount), K("mode", mode),
#undef K
	};
	const char *v = strchr(line, ':');
	size_t i, n;

	if (!v)
		return;
	n = (size_t)(v - line);
	for (v++; *v == ' '; v++)
		;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (n == strlen(keys[i].key) && !strncmp(line, keys[i].key, n))
			snprintf((char *)rs + keys[i].off, keys[i].len, "%s", v);
	if (!strncmp(line, "cpus", n))
		rs->ncpus = atoi(v);
	if (!strncmp(line, "trials", n))
		rs->trials = (unsigned int)atoi(v);
}

int report_read_csv(const char *path, struct results *rs)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[1024], *fld[22], *p;
	struct result *r;
	unsigned int n, s;

	if (!f) {
		fprintf(stderr, "kipc-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#') {
			meta(rs, line + 2);
			continue;
		}
		if (!strncmp(line, "scenario,", 9) || !line[0])
			continue;
		for (n = 0, p = line; n < 22; n++) {
			fld[n] = p;
			p = strchr(p, ',');
			if (!p)
				break;
			*p++ = 0;
		}
		/*
		 * 18 fields: a CSV from before S6's wait row (no max,
		 * overtakes); 21: from before the curves (no x).
		 */
		if (n != 21 && n != 20 && n != 17) {
			fprintf(stderr, "kipc-bench: %s: not a kipc-bench CSV line: %s\n",
				path, fld[0]);
			if (f != stdin)
				fclose(f);
			return -1;
		}
		r = results_add(rs);
		snprintf(r->scen, sizeof(r->scen), "%s", fld[0]);
		snprintf(r->cas, sizeof(r->cas), "%s", fld[1]);
		snprintf(r->metric, sizeof(r->metric), "%s", fld[2]);
		snprintf(r->mech, sizeof(r->mech), "%s", fld[3]);
		r->kipc = !strcmp(fld[4], "kipc");
		r->ref = !strcmp(fld[4], "ref");
		snprintf(r->unit, sizeof(r->unit), "%s", fld[5]);
		r->lower_better = !strcmp(r->unit, "us");
		for (s = 0; s < 3; s++)
			if (!strcmp(fld[6], status_names[s]))
				r->status = (enum res_status)s;
		r->samples = strtoul(fld[7], NULL, 10);
		r->checked = strtoul(fld[8], NULL, 10);
		r->violations = strtoul(fld[9], NULL, 10);
		r->median = field_num(fld[10]);
		r->p99 = field_num(fld[11]);
		r->p999 = field_num(fld[12]);
		r->syscalls = field_num(fld[14]);
		r->maxmin = field_num(fld[15]);
		r->jain = field_num(fld[16]);
		if (n == 17) {
			snprintf(r->note, sizeof(r->note), "%s", fld[17]);
			continue;
		}
		r->max = field_num(fld[17]);
		r->overtakes = field_num(fld[18]);
		r->overtakes_ts = field_num(fld[19]);
		snprintf(r->note, sizeof(r->note), "%s", fld[20]);
		if (n == 21)
			r->x = field_num(fld[21]);
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

/* ------------------------------------------------------------------ */
/* gnuplot                                                            */
/* ------------------------------------------------------------------ */

/*
 * Start gnuplot on a multiplot of rows x cols panels of height each, with
 * the run's title above: NULL if it cannot start.
 */
static FILE *plot_begin(const char *png, const struct results *rs,
			const char *term, unsigned int width,
			unsigned int height, unsigned int rows,
			unsigned int cols, const char *what)
{
	FILE *f = popen("gnuplot 2>&1", "w");

	if (!f)
		return NULL;
	fprintf(f, "set terminal %s size %u,%u font 'sans,9'\n", term, width,
		rows * height + 60);
	fprintf(f, "set output '%s'\n", png);
	fprintf(f, "set multiplot layout %u,%u title \"kipc-bench %s, %s, %s: %s\\nunder emulation only same-run ratios mean anything\"\n",
		rows, cols, rs->mode, rs->kernel, rs->date, what);
	fprintf(f, "set termoption noenhanced\n");
	return f;
}

static int plot_with(const char *png, const struct results *rs,
		     const char *term)
{
	size_t i, j, groups = 0, g;
	unsigned int cols = 3, rows;
	FILE *f;
	int status;

	for (i = 0; i < rs->n; i++)
		if (!i || !same_case(&rs->r[i], &rs->r[i - 1]))
			groups++;
	if (!groups)
		return 0;
	rows = (unsigned int)((groups + cols - 1) / cols);
	f = plot_begin(png, rs, term, 1500, 330, rows, cols,
		       "medians, log scale (green: kipc; grey: reference)");
	if (!f)
		return -1;
	fprintf(f, "set style fill solid 0.85 border -1\nset boxwidth 0.6\n"
		"set logscale y\nset grid ytics\nset xtics rotate by -25 font ',8' nomirror\n"
		"set key off\nset offsets 0.5,0.5,0,0\nset bmargin 5\n"
		"set linetype 1 lc rgb '#2e8b57'\nset linetype 2 lc rgb '#4682b4'\n"
		"set linetype 3 lc rgb '#a0a0a0'\n");
	for (i = 0, g = 0; g < groups; g++) {
		const struct result *first = &rs->r[i];
		char na[256] = "";
		size_t start = i, ok = 0;
		double lo = INFINITY, hi = 0;

		for (j = i; j < rs->n && same_case(&rs->r[j], first); j++) {
			if (rs->r[j].status == RES_OK && rs->r[j].median > 0) {
				ok++;
				lo = fmin(lo, rs->r[j].median);
				hi = fmax(hi, rs->r[j].median);
			}
			else if (strlen(na) < 150)
				snprintf(na + strlen(na), sizeof(na) - strlen(na),
					 "%s%s: %s", na[0] ? "\\n" : "",
					 rs->r[j].mech,
					 rs->r[j].status == RES_NA ? "n/a" : "failed");
		}
		fprintf(f, "unset label\n");
		if (na[0])
			fprintf(f, "set label 1 \"%s\" at graph 0.02,0.95 font ',8' tc rgb '#b22222'\n",
				na);
		fprintf(f, "set title \"%s %s%s%s (%s, %s is better)\"\n",
			first->scen, strcmp(first->cas, "-") ? first->cas : "",
			strcmp(first->cas, "-") ? " " : "", first->metric,
			first->unit,
			first->lower_better ? "lower" : "higher");
		if (!ok) {
			fprintf(f, "set yrange [1:10]\nplot 1/0 notitle\n");
			i = j;
			continue;
		}
		/* Room below the smallest bar and above the largest label. */
		fprintf(f, "set yrange [%g:%g]\n", lo / 3, hi * 4);
		fprintf(f, "plot '-' using 0:2:3:xtic(1) with boxes lc variable, '-' using 0:2:3 with labels offset 0,0.7 font ',8'\n");
		for (int pass = 0; pass < 2; pass++) {
			size_t x = 0;

			for (j = start; j < rs->n && same_case(&rs->r[j], first); j++) {
				const struct result *r = &rs->r[j];
				char m[16];

				if (r->status != RES_OK || !(r->median > 0))
					continue;
				if (pass == 0)
					fprintf(f, "\"%s\" %.6g %d\n", r->mech,
						r->median,
						r->kipc ? 1 : r->ref ? 3 : 2);
				else
					fprintf(f, "\"%s\" %.6g \"%s\"\n",
						r->mech, r->median,
						num(m, sizeof(m), r->median));
				x++;
			}
			fprintf(f, "e\n");
		}
		i = j;
	}
	fprintf(f, "unset multiplot\n");
	status = pclose(f);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* Draw with pngcairo, else png; -1 (and why) if neither works. */
static int plot_any(const char *png, const struct results *rs,
		    int (*with)(const char *, const struct results *,
				const char *))
{
	if (!with(png, rs, "pngcairo"))
		return 0;
	if (!with(png, rs, "png"))
		return 0;
	fprintf(stderr, "kipc-bench: gnuplot could not draw %s (is gnuplot installed?)\n",
		png);
	return -1;
}

/* The scenarios' bars; the curves have their own plot. */
int report_plot(const char *png, const struct results *rs)
{
	struct results bars = *rs;
	size_t i;
	int ret;

	bars.r = malloc((rs->n ? rs->n : 1) * sizeof(*bars.r));
	if (!bars.r)
		return -1;
	for (i = 0, bars.n = 0; i < rs->n; i++)
		if (!result_is_curve(&rs->r[i]))
			bars.r[bars.n++] = rs->r[i];
	ret = plot_any(png, &bars, plot_with);
	free(bars.r);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Cost curves (C1-C4)                                                */
/* ------------------------------------------------------------------ */

#define CURVE_MAX 8	/* x values, and mechanisms, of one curve */

bool result_is_curve(const struct result *r)
{
	return r->scen[0] == 'C' && !isnan(r->x);
}

/* One curve group: a scenario's metric, its x values and mechanisms. */
struct curve {
	const struct result *first;
	double x[CURVE_MAX];
	const char *mech[CURVE_MAX];
	unsigned int nx, nmech;
};

static bool same_curve(const struct result *a, const struct result *b)
{
	return result_is_curve(a) && result_is_curve(b) &&
	       !strcmp(a->scen, b->scen) && !strcmp(a->metric, b->metric);
}

/* Is rs->r[i] the first row of its curve?  Then fill c. */
static bool curve_at(const struct results *rs, size_t i, struct curve *c)
{
	const struct result *r = &rs->r[i];
	unsigned int k;
	size_t j;

	if (!result_is_curve(r))
		return false;
	for (j = 0; j < i; j++)
		if (same_curve(&rs->r[j], r))
			return false;
	memset(c, 0, sizeof(*c));
	c->first = r;
	for (j = i; j < rs->n; j++) {
		if (!same_curve(&rs->r[j], r))
			continue;
		for (k = 0; k < c->nx && c->x[k] != rs->r[j].x; k++)
			;
		if (k == c->nx && c->nx < CURVE_MAX)
			c->x[c->nx++] = rs->r[j].x;
		for (k = 0; k < c->nmech && strcmp(c->mech[k], rs->r[j].mech); k++)
			;
		if (k == c->nmech && c->nmech < CURVE_MAX)
			c->mech[c->nmech++] = rs->r[j].mech;
	}
	return true;
}

static const struct result *curve_row(const struct results *rs,
				      const struct curve *c, unsigned int m,
				      unsigned int xi)
{
	size_t j;

	for (j = 0; j < rs->n; j++)
		if (same_curve(&rs->r[j], c->first) &&
		    rs->r[j].x == c->x[xi] && !strcmp(rs->r[j].mech, c->mech[m]))
			return &rs->r[j];
	return NULL;
}

/* The cost of one operation, us: a latency, or the inverse of a rate. */
static double curve_cost(const struct result *r)
{
	if (!r || r->status != RES_OK || !(r->median > 0))
		return NAN;
	return r->lower_better ? r->median : 1e6 / r->median;
}

/*
 * The least-squares slope of log(cost) on log(x) over the points from the
 * from-th x on that ran (NAN with fewer than 2): 0 is a cost that does not
 * grow, 1 one that grows as x.
 */
static double curve_slope(const struct results *rs, const struct curve *c,
			  unsigned int m, unsigned int from)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, lx, ly, n = 0, d;
	unsigned int i;

	for (i = from; i < c->nx; i++) {
		double cost = curve_cost(curve_row(rs, c, m, i));

		if (isnan(cost) || !(c->x[i] > 0))
			continue;
		lx = log(c->x[i]);
		ly = log(cost);
		sx += lx;
		sy += ly;
		sxx += lx * lx;
		sxy += lx * ly;
		n++;
	}
	d = n * sxx - sx * sx;
	if (n < 2 || !(d > 0))
		return NAN;
	return (n * sxy - sx * sy) / d;
}

static const char *growth(double slope)
{
	if (isnan(slope))
		return "-";
	if (slope < 0.25)
		return "O(1)";
	if (slope < 0.75)
		return "sublinear";
	if (slope < 1.25)
		return "O(n)";
	return "worse than O(n)";
}

void report_curves(FILE *f, const struct results *rs, bool md)
{
	char v[16];
	struct curve c;
	unsigned int m, i, found = 0;
	size_t j;

	for (j = 0; j < rs->n; j++) {
		if (!curve_at(rs, j, &c))
			continue;
		if (!found++ && md)
			fprintf(f, "\n### Cost curves\n");
		fprintf(f, md ? "\n#### %s %s (%s): %s\n\n| mechanism |"
			      : "\n%s %s (%s): %s\n  %-13s",
			c.first->scen, c.first->metric, c.first->unit,
			scenario_title(c.first->scen), "mechanism");
		for (i = 0; i < c.nx; i++) {
			const struct result *r = curve_row(rs, &c, 0, i);

			fprintf(f, md ? " %s |" : " %8s", r ? r->cas : "?");
		}
		fprintf(f, md ? " slope | last step | growth |\n|---|" :
				" %6s %6s  %s\n", "slope", "last", "growth");
		for (i = 0; md && i < c.nx; i++)
			fprintf(f, "--:|");
		if (md)
			fprintf(f, "--:|--:|---|\n");
		for (m = 0; m < c.nmech; m++) {
			double sl = curve_slope(rs, &c, m, 0);
			double tail = c.nx > 2 ?
				curve_slope(rs, &c, m, c.nx - 2) : NAN;

			fprintf(f, md ? "| %s%s%s |" : "  %s%-13s%s",
				md && curve_row(rs, &c, m, 0) &&
				curve_row(rs, &c, m, 0)->kipc ? "**" : "",
				c.mech[m],
				md && curve_row(rs, &c, m, 0) &&
				curve_row(rs, &c, m, 0)->kipc ? "**" : "");
			for (i = 0; i < c.nx; i++) {
				const struct result *r = curve_row(rs, &c, m, i);
				const char *t = !r ? "" :
					r->status == RES_NA ? "n/a" :
					r->status == RES_ERR ? "FAILED" :
					num(v, sizeof(v), r->median);

				fprintf(f, md ? " %s |" : " %8s", t);
			}
			if (isnan(sl))
				fprintf(f, md ? " - |" : " %6s", "-");
			else
				fprintf(f, md ? " %+.2f |" : " %+6.2f", sl);
			if (isnan(tail))
				fprintf(f, md ? " - |" : " %6s", "-");
			else
				fprintf(f, md ? " %+.2f |" : " %+6.2f", tail);
			fprintf(f, md ? " %s |\n" : "  %s\n", growth(sl));
		}
	}
	if (!found)
		return;
	if (md)
		fprintf(f, "\nSlope: the least-squares fit of log(cost per operation) on log(x), the cost\n"
			"being the latency, or the inverse of the rate: about 0 is O(1) per operation,\n"
			"about 1 is O(n); the last step is the same between the last two x values, where\n"
			"a cost that grows only past some x shows first.\n");
	else
		fprintf(f, "\n");
}

static int plot_curves_with(const char *png, const struct results *rs,
			    const char *term)
{
	unsigned int groups = 0, cols = 2, rows, m, i;
	struct curve c;
	size_t j;
	FILE *f;
	int status;

	for (j = 0; j < rs->n; j++)
		groups += curve_at(rs, j, &c);
	if (!groups)
		return 0;
	rows = (groups + cols - 1) / cols;
	f = plot_begin(png, rs, term, 1200, 360, rows, cols,
		       "cost per operation (median) against x, log-log");
	if (!f)
		return -1;
	fprintf(f, "set logscale xy\nset grid\n"
		"set key top left font ',8'\nset ylabel 'us per operation'\n");
	for (j = 0; j < rs->n; j++) {
		if (!curve_at(rs, j, &c))
			continue;
		fprintf(f, "set title \"%s %s: %s\"\nset xlabel '%s'\n",
			c.first->scen, c.first->metric,
			c.first->lower_better ? "latency" : "1 / rate",
			!strcmp(c.first->scen, "C1") ? "producers" :
			!strcmp(c.first->scen, "C2") ? "message bytes" :
			!strcmp(c.first->scen, "C3") ? "objects alive" :
			"queued waiters");
		fprintf(f, "plot ");
		for (m = 0; m < c.nmech; m++)
			fprintf(f, "%s'-' using 1:2 with linespoints lw %d title '%s'",
				m ? ", " : "",
				curve_row(rs, &c, m, 0) &&
				curve_row(rs, &c, m, 0)->kipc ? 3 : 1,
				c.mech[m]);
		fprintf(f, "\n");
		for (m = 0; m < c.nmech; m++) {
			unsigned int pts = 0;

			for (i = 0; i < c.nx; i++) {
				double cost = curve_cost(curve_row(rs, &c, m, i));

				if (!isnan(cost)) {
					fprintf(f, "%g %.6g\n", c.x[i], cost);
					pts++;
				}
			}
			/* gnuplot wants a point per line: off the scale. */
			if (!pts)
				fprintf(f, "1 1e-30\n");
			fprintf(f, "e\n");
		}
	}
	fprintf(f, "unset multiplot\n");
	status = pclose(f);
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

int report_plot_curves(const char *png, const struct results *rs)
{
	return plot_any(png, rs, plot_curves_with);
}
