// SPDX-License-Identifier: GPL-2.0
/*
 * kipcctl: administer kipc objects from the shell.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error, 3 it would
 * have to wait (a non-blocking P, send or receive) or timed out, 4 no such
 * object, 5 the object exists already (create --excl).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lkipc.h>

#define EXIT_USAGE 2
#define EXIT_AGAIN 3
#define EXIT_NOENT 4
#define EXIT_EXIST 5

struct opts {
	int json;
	const char *device;
};

static const char *const feature_names[] = {
	"sem", "queue", "ring", "sem_fast", "uring_cmd", "sem_multi", "open_by_id",
	"sem_op", "handle_id", "sem_multi_uring", "queue_notify", "prio_order",
	"queue_last", NULL, "stat_order",
};

static int open_dev(const struct opts *o, struct lkipc *k)
{
	int ret = lkipc_open_path(k, o->device, 0);

	if (ret < 0)
		fprintf(stderr, "kipcctl: %s: %s%s\n", o->device,
			lkipc_strerror(ret),
			ret == -ENOENT ? " (is the kipc module loaded?)" : "");
	return ret;
}

/* The exit status that says what a -errno means. */
static int exit_status(int err)
{
	switch (err) {
	case -EAGAIN:
	case -ETIMEDOUT:
		return EXIT_AGAIN;
	case -ENOENT:
		return EXIT_NOENT;
	case -EEXIST:
		return EXIT_EXIST;
	}
	return EXIT_FAILURE;
}

/* Report a failed operation; the exit status that says what happened. */
static int fail(const char *what, const char *name, int err)
{
	const char *why = lkipc_strerror(err);

	if (err == -EAGAIN)
		why = "it would have to wait";
	else if (err == -ETIMEDOUT)
		why = "timed out";
	fprintf(stderr, "kipcctl %s%s%s: %s\n", what, name ? " " : "",
		name ? name : "", why);
	return exit_status(err);
}

static int __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kipcctl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (kipcctl --help)\n");
	return EXIT_USAGE;
}

/* A whole number in [min, max], or -1. */
static long long parse_num(const char *s, long long min, long long max,
			   int base)
{
	long long v;
	char *end;

	errno = 0;
	v = strtoll(s, &end, base);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	return v;
}

/* "--timeout S": seconds, a decimal number; -1 if it is not one. */
static double parse_timeout(const char *s)
{
	double t;
	char *end;

	t = strtod(s, &end);
	if (*end || end == s || t < 0 || t > 1e9)
		return -1;
	return t;
}

/* The absolute CLOCK_MONOTONIC deadline "timeout" seconds from now. */
static struct timespec *deadline_after(double timeout, struct timespec *ts)
{
	if (timeout < 0)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)timeout;
	ts->tv_nsec += (long)((timeout - (time_t)timeout) * 1e9);
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
	return ts;
}

/* n bytes as a JSON string. */
static void print_json_bytes(const char *s, size_t n)
{
	putchar('"');
	for (; n; s++, n--) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static void print_json_string(const char *s)
{
	print_json_bytes(s, strlen(s));
}

static const char *format_time(__s64 t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static const char *type_name(__u32 type)
{
	switch (type) {
	case KIPC_OBJ_SEM:
		return "sem";
	case KIPC_OBJ_QUEUE:
		return "queue";
	}
	return "?";
}

static void print_features(__u64 features, int json)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(features & (1ULL << i)) || !feature_names[i])
			continue;
		printf(json ? "%s\"%s\"" : "%s%s", sep, feature_names[i]);
		sep = json ? ", " : " ";
	}
	if (!json && !*sep)
		printf("none");
}

static int cmd_info(const struct opts *o, int argc, char **argv)
{
	struct kipc_info info;
	struct lkipc k;
	int ret;

	if (argc > 1) {
		fprintf(stderr, "kipcctl info: no arguments expected\n");
		return EXIT_USAGE;
	}
	if (open_dev(o, &k) < 0)
		return EXIT_FAILURE;
	ret = lkipc_get_info(&k, &info);
	lkipc_close(&k);
	if (ret < 0) {
		fprintf(stderr, "kipcctl info: %s\n", lkipc_strerror(ret));
		return EXIT_FAILURE;
	}

	if (o->json) {
		printf("{\"abi_version\": %u, \"features\": [", info.abi_version);
		print_features(info.features, 1);
		printf("], \"limits\": {\"max_objects\": %u, \"msgsize_max\": %u, "
		       "\"queue_msgs_max\": %u, \"queue_bytes_max\": %llu, "
		       "\"sem_value_max\": %u, \"user_bytes_max\": %llu}}\n",
		       info.max_objects, info.msgsize_max, info.queue_msgs_max,
		       (unsigned long long)info.queue_bytes_max,
		       info.sem_value_max,
		       (unsigned long long)info.user_bytes_max);
		return 0;
	}
	printf("kipc ABI version   %u\n", info.abi_version);
	printf("features           ");
	print_features(info.features, 0);
	printf("\n");
	printf("max objects        %u\n", info.max_objects);
	printf("max message size   %u bytes\n", info.msgsize_max);
	printf("max queue length   %u messages, %llu bytes\n",
	       info.queue_msgs_max, (unsigned long long)info.queue_bytes_max);
	printf("max semaphore      %u\n", info.sem_value_max);
	printf("memory per user    %llu bytes\n",
	       (unsigned long long)info.user_bytes_max);
	return 0;
}

/*
 * Every object (KIPC_IOC_LIST) into *entries (free it): their number, or
 * -errno (-ENODEV when the device could not be opened: that was reported).
 */
static int fetch_objects(const struct opts *o, struct kipc_obj_info **entries)
{
	struct kipc_obj_info *v = NULL;
	unsigned int cap = 64;
	struct lkipc k;
	int ret;

	*entries = NULL;
	if (open_dev(o, &k) < 0)
		return -ENODEV;
	for (;;) {
		free(v);
		v = calloc(cap, sizeof(*v));
		if (!v) {
			ret = -ENOMEM;
			break;
		}
		ret = lkipc_list(&k, v, cap);
		if (ret < 0 || (unsigned int)ret <= cap)
			break;
		cap = ret + 16;	/* more appeared: make room, ask again */
	}
	lkipc_close(&k);
	if (ret < 0) {
		free(v);
		return ret;
	}
	*entries = v;
	return ret;
}

/*
 * The SysV key of a liblkipc-posix message queue, from its name
 * (Documentation/compat.md): "sysv.msg.0xKKKKKKKK", or IPC_PRIVATE's
 * "sysv.msg.private.<random>" (key 0).  Returns 1 for such a name.
 */
static int sysv_key(const char *name, unsigned int *key)
{
	static const char kp[] = "sysv.msg.0x", pp[] = "sysv.msg.private.";
	unsigned int k;
	int end = 0;

	if (!strncmp(name, pp, sizeof(pp) - 1)) {
		*key = 0;
		return 1;
	}
	if (strncmp(name, kp, sizeof(kp) - 1) ||
	    strlen(name) != sizeof(kp) - 1 + 8 ||
	    sscanf(name + sizeof(kp) - 1, "%8x%n", &k, &end) != 1 || end != 8)
		return 0;
	*key = k;
	return 1;
}

/* One KIPC_IOC_LIST entry as a JSON object: the same in ls and queue ls. */
static void print_obj_json(const struct kipc_obj_info *e, const char *name)
{
	unsigned int key;

	printf("{\"type\": \"%s\", \"id\": %llu, \"name\": ",
	       type_name(e->type), (unsigned long long)e->id);
	if (*name)
		print_json_string(name);
	else
		printf("null");
	if (e->type == KIPC_OBJ_QUEUE)
		printf(", \"msgs\": %u, \"cap_msgs\": %u, \"bytes\": %llu, "
		       "\"cap_bytes\": %llu, \"msgsize\": %u, \"waiters\": %u, "
		       "\"receivers\": %u, \"senders\": %u, \"pipe\": %s, "
		       "\"sent\": %llu, \"received\": %llu, \"dropped\": %llu",
		       e->q_msgs, e->q_cap_msgs, (unsigned long long)e->q_bytes,
		       (unsigned long long)e->q_cap_bytes, e->q_msgsize,
		       e->q_nreceivers + e->q_nsenders, e->q_nreceivers,
		       e->q_nsenders,
		       (e->q_flags & KIPC_QUEUE_PIPE) ? "true" : "false",
		       (unsigned long long)e->q_sent,
		       (unsigned long long)e->q_received,
		       (unsigned long long)e->q_dropped);
	else
		printf(", \"value\": %u, \"max\": %u, \"waiters\": %u",
		       e->sem_value, e->sem_max, e->sem_nwaiters);
	if (e->type == KIPC_OBJ_QUEUE && sysv_key(name, &key))
		printf(", \"sysv_key\": %u", key);
	printf(", \"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, "
	       "\"cuid\": %u, \"cgid\": %u, \"ctime\": %lld, "
	       "\"destroyed\": %s, \"order\": \"%s\"}", e->mode, e->uid,
	       e->gid, e->cuid, e->cgid, (long long)e->ctime,
	       (e->flags & KIPC_OBJ_F_DESTROYED) ? "true" : "false",
	       (e->flags & KIPC_OBJ_F_PRIO_ORDER) ? "priority" : "fifo");
}

/*
 * The end of a line of ls: "(priority order)" if the object has it, a SysV
 * queue's key, as ipcs shows it.
 */
static void print_line_end(const struct kipc_obj_info *e, const char *name)
{
	unsigned int key;

	if (e->flags & KIPC_OBJ_F_PRIO_ORDER)
		printf(" (priority order)");
	if (e->type == KIPC_OBJ_QUEUE && sysv_key(name, &key))
		printf(" sysv key 0x%08x", key);
	printf("\n");
}

/* A line of "ls": queues show messages, capacity and blocked tasks. */
static void print_obj_line(const struct kipc_obj_info *e, const char *name,
			   const char *when)
{
	int queue = e->type == KIPC_OBJ_QUEUE;

	printf("%-5s %-8llu %-24s %5u %5u %7u %04o %6u %6u %s%s",
	       type_name(e->type), (unsigned long long)e->id,
	       *name ? name : "-", queue ? e->q_msgs : e->sem_value,
	       queue ? e->q_cap_msgs : e->sem_max,
	       queue ? e->q_nreceivers + e->q_nsenders : e->sem_nwaiters,
	       e->mode, e->uid, e->gid, when,
	       (e->flags & KIPC_OBJ_F_DESTROYED) ? " (destroyed)" : "");
	print_line_end(e, name);
}

/* A line of "queue ls": occupancy, geometry and blocked tasks. */
static void print_queue_line(const struct kipc_obj_info *e, const char *name,
			     const char *when)
{
	printf("%-8llu %-24s %6u %6u %10llu %7u %5u %5u %-4s %04o %6u %6u %s%s",
	       (unsigned long long)e->id, *name ? name : "-", e->q_msgs,
	       e->q_cap_msgs, (unsigned long long)e->q_bytes, e->q_msgsize,
	       e->q_nreceivers, e->q_nsenders,
	       (e->q_flags & KIPC_QUEUE_PIPE) ? "yes" : "no", e->mode, e->uid,
	       e->gid, when,
	       (e->flags & KIPC_OBJ_F_DESTROYED) ? " (destroyed)" : "");
	print_line_end(e, name);
}

/* Every object, or those of one type (0: all). */
static int list_objects(const struct opts *o, __u32 type)
{
	struct kipc_obj_info *v;
	const char *sep = "";
	unsigned int i, n;
	char when[32];
	int ret;

	ret = fetch_objects(o, &v);
	if (ret == -ENODEV)
		return EXIT_FAILURE;
	if (ret < 0)
		return fail("ls", NULL, ret);
	n = ret;

	if (o->json)
		printf("[");
	else if (type == KIPC_OBJ_QUEUE)
		printf("%-8s %-24s %6s %6s %10s %7s %5s %5s %-4s %4s %6s %6s %s\n",
		       "id", "name", "msgs", "cap", "bytes", "msgsize", "rwait",
		       "swait", "pipe", "mode", "uid", "gid", "created");
	else
		printf("%-5s %-8s %-24s %5s %5s %7s %4s %6s %6s %s\n", "type",
		       "id", "name", "value", "max", "waiters", "mode", "uid",
		       "gid", "created");
	for (i = 0; i < n; i++) {
		const struct kipc_obj_info *e = &v[i];
		const char *name = (e->flags & KIPC_OBJ_F_NAMED) ?
				   (const char *)e->name : "";

		if (type && e->type != type)
			continue;
		if (o->json) {
			printf("%s", sep);
			print_obj_json(e, name);
			sep = ", ";
			continue;
		}
		format_time(e->ctime, when, sizeof(when));
		if (type == KIPC_OBJ_QUEUE)
			print_queue_line(e, name, when);
		else
			print_obj_line(e, name, when);
	}
	if (o->json)
		printf("]\n");
	free(v);
	return 0;
}

static int cmd_ls(const struct opts *o, int argc, char **argv)
{
	if (argc > 1)
		return usage_error("ls takes no arguments");
	return list_objects(o, 0);
}

/* An object opened by name: the handle of its type is the open one. */
struct object {
	__u32 type;			/* KIPC_OBJ_SEM or KIPC_OBJ_QUEUE */
	struct lkipc_sem sem;
	struct lkipc_queue queue;
};

/*
 * Open the object NAME of "type" into *obj with the access an operation
 * needs: 0, or the -errno, which has been reported.  A queue opened to be
 * looked at (access 0: stat, peek, rm) is opened read-write where allowed,
 * read-only otherwise: in pipe mode a read-only handle counts as a reader,
 * and its close would leave the writers with EPIPE.
 */
static int open_object(const struct opts *o, const char *what,
		       const char *name, __u32 type, unsigned int access,
		       struct object *obj)
{
	unsigned int look = KIPC_OPEN_READ | KIPC_OPEN_WRITE;
	struct lkipc k;
	int ret;

	obj->type = type;
	if (open_dev(o, &k) < 0)
		return -ENODEV;
	if (type == KIPC_OBJ_SEM) {
		ret = lkipc_sem_open(&k, &obj->sem, name, access, 0, 0);
	} else {
		ret = lkipc_queue_open(&k, &obj->queue, name,
				       access ? access : look, 0, NULL);
		if (ret == -EACCES && !access)
			ret = lkipc_queue_open(&k, &obj->queue, name,
					       KIPC_OPEN_READ, 0, NULL);
	}
	lkipc_close(&k);
	if (ret < 0)
		fail(what, name, ret);
	return ret;
}

/* Unmap and close what open_object() opened. */
static void close_object(struct object *obj)
{
	if (obj->type == KIPC_OBJ_SEM)
		lkipc_sem_close(&obj->sem);
	else
		lkipc_queue_close(&obj->queue);
}

/*
 * The waiter order of the object id whose stat said order: "priority",
 * "fifo", or "unknown".  A module without KIPC_FEAT_STAT_ORDER leaves the
 * field 0 whatever the order: then KIPC_IOC_LIST tells.
 */
static const char *object_order(const struct opts *o, __u64 id, __u32 order)
{
	const char *name = "unknown";
	struct kipc_obj_info *v;
	struct kipc_info info;
	struct lkipc k;
	int i, n;

	if (open_dev(o, &k) < 0)
		return name;
	n = lkipc_get_info(&k, &info);
	lkipc_close(&k);
	if (n < 0)
		return name;
	if (info.features & KIPC_FEAT_STAT_ORDER)
		return order == KIPC_ORDER_PRIO ? "priority" : "fifo";
	n = fetch_objects(o, &v);
	for (i = 0; i < n; i++)
		if (v[i].id == id)
			name = (v[i].flags & KIPC_OBJ_F_PRIO_ORDER) ?
			       "priority" : "fifo";
	free(v);
	return name;
}

/*
 * --mode, --excl and --prio-order of the create commands: 0 if c was one
 * of them.
 */
static int create_option(int c, unsigned int *mode, unsigned int *flags)
{
	long long v;

	switch (c) {
	case 'm':
		v = parse_num(optarg, 0, 0777, 8);
		if (v < 0)
			return usage_error("bad --mode '%s' (octal)", optarg);
		*mode = v;
		return 0;
	case 'x':
		*flags |= KIPC_OPEN_EXCL;
		return 0;
	case 'P':
		*flags |= KIPC_OPEN_PRIO_ORDER;
		return 0;
	}
	return 1;
}

static int sem_create(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "value", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ "excl", no_argument, NULL, 'x' },
		{ "prio-order", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = KIPC_OPEN_CREATE, mode = 0600, value = 0;
	struct kipc_sem_stat st;
	struct lkipc_sem sem;
	long long v;
	struct lkipc k;
	int c, ret;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, "v:m:xP", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			v = parse_num(optarg, 0, UINT32_MAX, 10);
			if (v < 0)
				return usage_error("bad --value '%s'", optarg);
			value = v;
			break;
		default:
			if (create_option(c, &mode, &flags))
				return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("sem create takes one NAME");
	if (open_dev(o, &k) < 0)
		return EXIT_FAILURE;
	ret = lkipc_sem_open(&k, &sem, argv[optind], flags, mode, value);
	lkipc_close(&k);
	if (ret < 0)
		return fail("sem create", argv[optind], ret);
	ret = lkipc_sem_stat(&sem, &st, NULL, 0);
	lkipc_sem_close(&sem);
	if (ret < 0)
		return fail("sem create", argv[optind], ret);
	if (o->json) {
		printf("{\"name\": ");
		print_json_string(argv[optind]);
		printf(", \"id\": %llu, \"value\": %u}\n",
		       (unsigned long long)st.id, st.value);
	} else {
		printf("%llu\n", (unsigned long long)st.id);
	}
	return 0;
}

static int sem_stat(const struct opts *o, int argc, char **argv)
{
	struct kipc_sem_waiter *w = NULL;
	unsigned int cap = 0, i, n;
	struct kipc_sem_stat st;
	struct object obj;
	char when[32];
	int ret;

	if (argc != 2)
		return usage_error("sem stat takes one NAME");
	ret = open_object(o, "sem stat", argv[1], KIPC_OBJ_SEM, KIPC_OPEN_READ,
			  &obj);
	if (ret < 0)
		return exit_status(ret);
	for (;;) {
		ret = lkipc_sem_stat(&obj.sem, &st, w, cap);
		if (ret < 0 || st.nwaiters <= cap)
			break;
		cap = st.nwaiters + 16;	/* the queue grew: make room */
		free(w);
		w = calloc(cap, sizeof(*w));
		if (!w) {
			ret = -ENOMEM;
			break;
		}
	}
	close_object(&obj);
	if (ret < 0) {
		free(w);
		return fail("sem stat", argv[1], ret);
	}
	n = st.nwaiters;

	if (o->json) {
		printf("{\"name\": ");
		print_json_string(argv[1]);
		printf(", \"id\": %llu, \"value\": %u, \"max\": %u, "
		       "\"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, "
		       "\"cuid\": %u, \"cgid\": %u, \"ctime\": %lld, "
		       "\"order\": \"%s\", \"waiters\": [",
		       (unsigned long long)st.id, st.value, st.max, st.mode,
		       st.uid, st.gid, st.cuid, st.cgid, (long long)st.ctime,
		       object_order(o, st.id, st.order));
		for (i = 0; i < n; i++)
			printf("%s{\"pid\": %u, \"count\": %u}", i ? ", " : "",
			       w[i].pid, w[i].count);
		printf("]}\n");
	} else {
		printf("name      %s\nid        %llu\nvalue     %u\nmax       %u\n"
		       "mode      %04o\nowner     uid %u gid %u\n"
		       "creator   uid %u gid %u\ncreated   %s\norder     %s\n"
		       "waiters   %u\n",
		       argv[1], (unsigned long long)st.id, st.value, st.max,
		       st.mode, st.uid, st.gid, st.cuid, st.cgid,
		       format_time(st.ctime, when, sizeof(when)),
		       object_order(o, st.id, st.order), n);
		for (i = 0; i < n; i++)
			printf("  %3u. pid %-8u wants %u\n", i + 1, w[i].pid,
			       w[i].count);
	}
	free(w);
	return 0;
}

/* P and V: "sem P NAME [N] [--nowait] [--timeout S]", "sem V NAME [N]". */
static int sem_pv(const struct opts *o, int argc, char **argv, int is_p)
{
	static const struct option longopts[] = {
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *what = is_p ? "sem P" : "sem V";
	struct timespec deadline, *dl;
	unsigned int n = 1, flags = 0;
	double timeout = -1;
	struct object obj;
	long long v;
	int c, ret;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, is_p ? "nt:" : "", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
			flags |= KIPC_SEM_NONBLOCK;
			break;
		case 't':
			timeout = parse_timeout(optarg);
			if (timeout < 0)
				return usage_error("bad --timeout '%s'", optarg);
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind >= argc || argc - optind > 2)
		return usage_error("%s takes NAME and an optional count", what);
	if (argc - optind == 2) {
		v = parse_num(argv[optind + 1], 1, UINT32_MAX, 10);
		if (v < 0)
			return usage_error("bad count '%s'", argv[optind + 1]);
		n = v;
	}
	dl = deadline_after(timeout, &deadline);
	ret = open_object(o, what, argv[optind], KIPC_OBJ_SEM, KIPC_OPEN_WRITE,
			  &obj);
	if (ret < 0)
		return exit_status(ret);
	if (is_p)
		ret = lkipc_sem_wait(&obj.sem, n, flags, dl);
	else
		ret = lkipc_sem_post(&obj.sem, n, 0);
	close_object(&obj);
	if (ret < 0)
		return fail(what, argv[optind], ret);
	if (o->json)
		printf("{\"%s\": %u}\n", is_p ? "taken" : "posted", n);
	return 0;
}

/*
 * "sem rm", "queue rm": destroy (waiters get EIDRM) and unlink; "sem
 * unlink", "queue unlink": only unlink.  access: what opening to destroy
 * asks for.
 */
static int obj_rm(const struct opts *o, int argc, char **argv, __u32 type,
		  unsigned int access, int destroy)
{
	const char *what = type == KIPC_OBJ_SEM ?
			   (destroy ? "sem rm" : "sem unlink") :
			   (destroy ? "queue rm" : "queue unlink");
	struct object obj;
	struct lkipc k;
	int ret;

	if (argc != 2)
		return usage_error("%s takes one NAME", what);
	if (destroy) {
		ret = open_object(o, what, argv[1], type, access, &obj);
		if (ret < 0)
			return exit_status(ret);
		ret = type == KIPC_OBJ_SEM ? lkipc_sem_destroy(&obj.sem) :
					     lkipc_queue_destroy(&obj.queue);
		close_object(&obj);
	} else {
		if (open_dev(o, &k) < 0)
			return EXIT_FAILURE;
		ret = type == KIPC_OBJ_SEM ? lkipc_sem_unlink(&k, argv[1]) :
					     lkipc_queue_unlink(&k, argv[1]);
		lkipc_close(&k);
	}
	if (ret < 0)
		return fail(what, argv[1], ret);
	if (o->json)
		printf("{\"%s\": true}\n", destroy ? "destroyed" : "unlinked");
	return 0;
}

static int cmd_sem(const struct opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	argc--;
	argv++;
	if (!strcmp(sub, "create"))
		return sem_create(o, argc, argv);
	if (!strcmp(sub, "stat"))
		return sem_stat(o, argc, argv);
	if (!strcmp(sub, "P") || !strcmp(sub, "wait"))
		return sem_pv(o, argc, argv, 1);
	if (!strcmp(sub, "V") || !strcmp(sub, "post"))
		return sem_pv(o, argc, argv, 0);
	if (!strcmp(sub, "rm"))
		return obj_rm(o, argc, argv, KIPC_OBJ_SEM, KIPC_OPEN_READ, 1);
	if (!strcmp(sub, "unlink"))
		return obj_rm(o, argc, argv, KIPC_OBJ_SEM, 0, 0);
	if (!strcmp(sub, "ls"))
		return argc > 1 ? usage_error("sem ls takes no arguments") :
				  list_objects(o, KIPC_OBJ_SEM);
	return usage_error("unknown sem command '%s'", sub);
}

/* ---- Message queues ------------------------------------------------- */

static int queue_create(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "msgs", required_argument, NULL, 'n' },
		{ "msgsize", required_argument, NULL, 's' },
		{ "bytes", required_argument, NULL, 'b' },
		{ "pipe", no_argument, NULL, 'p' },
		{ "mode", required_argument, NULL, 'm' },
		{ "excl", no_argument, NULL, 'x' },
		{ "prio-order", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = KIPC_OPEN_CREATE, mode = 0600;
	struct lkipc_queue_attr attr = { 0 };
	struct kipc_queue_stat st;
	struct lkipc_queue q;
	struct lkipc k;
	long long v;
	int c, ret;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, "n:s:b:pm:xP", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'n':
		case 's':
			v = parse_num(optarg, 1, UINT32_MAX, 10);
			if (v < 0)
				return usage_error("bad --%s '%s'",
						   c == 'n' ? "msgs" : "msgsize",
						   optarg);
			if (c == 'n')
				attr.msgs = v;
			else
				attr.msgsize = v;
			break;
		case 'b':
			v = parse_num(optarg, 1, INT64_MAX, 10);
			if (v < 0)
				return usage_error("bad --bytes '%s'", optarg);
			attr.bytes = v;
			break;
		case 'p':
			attr.flags |= KIPC_QUEUE_PIPE;
			break;
		default:
			if (create_option(c, &mode, &flags))
				return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("queue create takes one NAME");
	if (open_dev(o, &k) < 0)
		return EXIT_FAILURE;
	/* Read-write: in pipe mode this handle is neither reader nor writer. */
	ret = lkipc_queue_open(&k, &q, argv[optind], flags, mode, &attr);
	lkipc_close(&k);
	if (ret < 0)
		return fail("queue create", argv[optind], ret);
	ret = lkipc_queue_stat(&q, &st);
	lkipc_queue_close(&q);
	if (ret < 0)
		return fail("queue create", argv[optind], ret);
	if (o->json) {
		printf("{\"name\": ");
		print_json_string(argv[optind]);
		printf(", \"id\": %llu, \"cap_msgs\": %u, \"msgsize\": %u, "
		       "\"cap_bytes\": %llu, \"pipe\": %s}\n",
		       (unsigned long long)st.id, st.cap_msgs, st.msgsize,
		       (unsigned long long)st.cap_bytes,
		       (st.queue_flags & KIPC_QUEUE_PIPE) ? "true" : "false");
	} else {
		printf("%llu\n", (unsigned long long)st.id);
	}
	return 0;
}

/* A queue's last send or receive through the kernel, or none. */
static void print_last(const char *what, __s32 pid, __s64 t)
{
	char when[32];

	if (!t)
		printf("%-10snone\n", what);
	else if (!pid)
		printf("%-10sa process not in this pid namespace, %s\n", what,
		       format_time(t, when, sizeof(when)));
	else
		printf("%-10spid %d, %s\n", what, pid,
		       format_time(t, when, sizeof(when)));
}

static int queue_stat(const struct opts *o, int argc, char **argv)
{
	struct kipc_queue_stat st;
	const char *ring_mode;
	struct object obj;
	char when[32];
	int ret, pipe, dead;

	if (argc != 2)
		return usage_error("queue stat takes one NAME");
	ret = open_object(o, "queue stat", argv[1], KIPC_OBJ_QUEUE, 0, &obj);
	if (ret < 0)
		return exit_status(ret);
	ret = lkipc_queue_stat(&obj.queue, &st);
	close_object(&obj);
	if (ret < 0)
		return fail("queue stat", argv[1], ret);
	pipe = !!(st.queue_flags & KIPC_QUEUE_PIPE);
	dead = !!(st.queue_flags & KIPC_QUEUE_DESTROYED);
	ring_mode = st.ring_mode == KIPC_RING_MODE_FAST ? "fast" : "kernel";

	if (o->json) {
		printf("{\"name\": ");
		print_json_string(argv[1]);
		printf(", \"id\": %llu, \"msgs\": %u, \"cap_msgs\": %u, "
		       "\"bytes\": %llu, \"cap_bytes\": %llu, \"msgsize\": %u, "
		       "\"pipe\": %s, \"readers\": %u, \"writers\": %u, "
		       "\"receivers\": %u, \"senders\": %u, ",
		       (unsigned long long)st.id, st.msgs, st.cap_msgs,
		       (unsigned long long)st.bytes,
		       (unsigned long long)st.cap_bytes, st.msgsize,
		       pipe ? "true" : "false", st.readers, st.writers,
		       st.nreceivers, st.nsenders);
		printf("\"sent\": %llu, \"received\": %llu, \"dropped\": %llu, "
		       "\"bytes_sent\": %llu, \"bytes_received\": %llu, "
		       "\"hwm_msgs\": %llu, \"hwm_bytes\": %llu, "
		       "\"ring_bytes\": %llu, \"lost\": %llu, \"lanes\": %u, "
		       "\"ring_mode\": \"%s\", ",
		       (unsigned long long)st.sent,
		       (unsigned long long)st.received,
		       (unsigned long long)st.dropped,
		       (unsigned long long)st.bytes_sent,
		       (unsigned long long)st.bytes_received,
		       (unsigned long long)st.hwm_msgs,
		       (unsigned long long)st.hwm_bytes,
		       (unsigned long long)st.ring_bytes,
		       (unsigned long long)st.lost, st.lanes, ring_mode);
		printf("\"lspid\": %d, \"stime\": %lld, \"lrpid\": %d, "
		       "\"rtime\": %lld, ", st.lspid, (long long)st.stime,
		       st.lrpid, (long long)st.rtime);
		printf("\"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, "
		       "\"cuid\": %u, \"cgid\": %u, \"ctime\": %lld, "
		       "\"destroyed\": %s, \"order\": \"%s\"}\n", st.mode,
		       st.uid, st.gid, st.cuid, st.cgid, (long long)st.ctime,
		       dead ? "true" : "false",
		       object_order(o, st.id, st.order));
		return 0;
	}
	printf("name      %s\nid        %llu\nmode      %04o\n"
	       "owner     uid %u gid %u\ncreator   uid %u gid %u\n"
	       "created   %s\n", argv[1], (unsigned long long)st.id, st.mode,
	       st.uid, st.gid, st.cuid, st.cgid,
	       format_time(st.ctime, when, sizeof(when)));
	if (pipe)
		printf("pipe      yes: %u readers, %u writers\n", st.readers,
		       st.writers);
	else
		printf("pipe      no\n");
	printf("messages  %u of %u (at most %llu so far)\n"
	       "bytes     %llu of %llu (at most %llu so far)\n"
	       "msgsize   %u\nblocked   %u receivers, %u senders\n"
	       "sent      %llu (%llu bytes)\nreceived  %llu (%llu bytes)\n"
	       "dropped   %llu\nlost      %llu\n"
	       "storage   %llu bytes, %s mode, %u threads on the fast path\n",
	       st.msgs, st.cap_msgs,
	       (unsigned long long)st.hwm_msgs, (unsigned long long)st.bytes,
	       (unsigned long long)st.cap_bytes,
	       (unsigned long long)st.hwm_bytes, st.msgsize, st.nreceivers,
	       st.nsenders, (unsigned long long)st.sent,
	       (unsigned long long)st.bytes_sent,
	       (unsigned long long)st.received,
	       (unsigned long long)st.bytes_received,
	       (unsigned long long)st.dropped,
	       (unsigned long long)st.lost,
	       (unsigned long long)st.ring_bytes, ring_mode, st.lanes);
	printf("order     %s\n", object_order(o, st.id, st.order));
	print_last("last send", st.lspid, st.stime);
	print_last("last recv", st.lrpid, st.rtime);
	if (dead)
		printf("state     destroyed\n");
	return 0;
}

/* What send and recv share: where, which messages, how long to wait. */
struct queue_op {
	const char *what;	/* "queue send", ... */
	const char *name;
	__s64 type;
	unsigned int flags;	/* KIPC_MSG_* */
	struct timespec deadline, *dl;
	unsigned long long done;
};

/*
 * The queue NAME's KIPC_IOC_LIST entry: a write-only handle may not ask
 * KIPC_IOC_QUEUE_STAT, the list tells anyone.
 */
static int queue_lookup(const struct opts *o, const char *name,
			struct kipc_obj_info *out)
{
	struct kipc_obj_info *v;
	int i, n, ret = -ENOENT;

	n = fetch_objects(o, &v);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++)
		if (v[i].type == KIPC_OBJ_QUEUE &&
		    (v[i].flags & KIPC_OBJ_F_NAMED) &&
		    !strcmp((const char *)v[i].name, name)) {
			*out = v[i];
			ret = 0;
			break;
		}
	free(v);
	return ret;
}

/* send, no MESSAGE: each line of standard input, without its newline. */
static int send_lines(struct lkipc_queue *q, struct queue_op *op)
{
	size_t cap = 0;
	char *line = NULL;
	ssize_t len;
	int ret = 0;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		if (len && line[len - 1] == '\n')
			len--;
		ret = lkipc_queue_send(q, op->type, line, len, op->flags,
				       op->dl);
		if (ret < 0)
			break;
		op->done++;
	}
	if (!ret && ferror(stdin))
		ret = errno ? -errno : -EIO;
	free(line);
	return ret;
}

/* send --raw: standard input in chunks of msgsize, the last one shorter. */
static int send_chunks(struct lkipc_queue *q, struct queue_op *op,
		       size_t msgsize)
{
	char *buf = malloc(msgsize);
	size_t len = 0;
	ssize_t r = 1;
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (r > 0) {
		for (len = 0; len < msgsize; len += r) {
			r = read(STDIN_FILENO, buf + len, msgsize - len);
			if (r < 0 && errno == EINTR)
				r = 0;
			else if (r <= 0)
				break;
		}
		if (r < 0) {
			ret = -errno;
			break;
		}
		if (!len)
			break;
		ret = lkipc_queue_send(q, op->type, buf, len, op->flags,
				       op->dl);
		if (ret < 0)
			break;
		op->done++;
	}
	free(buf);
	return ret;
}

/* --type, --nowait, --timeout: common to send and recv; 1 if not one. */
static int queue_op_option(struct queue_op *op, int c, double *timeout)
{
	switch (c) {
	case 'T':
		op->type = parse_num(optarg, 1, INT64_MAX, 10);
		if (op->type < 0)
			return usage_error("bad --type '%s' (1..%lld)", optarg,
					   (long long)INT64_MAX);
		return 0;
	case 'n':
		op->flags |= KIPC_MSG_NONBLOCK;
		return 0;
	case 't':
		*timeout = parse_timeout(optarg);
		if (*timeout < 0)
			return usage_error("bad --timeout '%s'", optarg);
		return 0;
	}
	return 1;
}

/* After the options: NAME, and the deadline. */
static int queue_op_start(struct queue_op *op, int argc, char **argv,
			  double timeout)
{
	if (optind >= argc)
		return usage_error("%s takes a queue NAME", op->what);
	if ((op->flags & KIPC_MSG_NONBLOCK) && timeout >= 0)
		return usage_error("%s: --nowait or --timeout, not both",
				   op->what);
	op->name = argv[optind];
	op->dl = deadline_after(timeout, &op->deadline);
	return 0;
}

static int queue_send(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct queue_op op = { .what = "queue send", .type = 1 };
	struct kipc_obj_info e;
	struct object obj;
	double timeout = -1;
	int raw = 0, c, i, ret;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, "T:nt:r", longopts, NULL)) != -1) {
		if (c == 'r')
			raw = 1;
		else if (queue_op_option(&op, c, &timeout))
			return EXIT_USAGE;
	}
	ret = queue_op_start(&op, argc, argv, timeout);
	if (ret)
		return ret;
	if (raw && optind + 1 < argc)
		return usage_error("queue send --raw reads standard input, "
				   "not MESSAGE arguments");
	/* In pipe mode a write-only handle counts as a writer. */
	ret = open_object(o, op.what, op.name, KIPC_OBJ_QUEUE, KIPC_OPEN_WRITE,
			  &obj);
	if (ret < 0)
		return exit_status(ret);
	if (optind + 1 < argc) {
		for (i = optind + 1, ret = 0; i < argc && !ret; i++) {
			ret = lkipc_queue_send(&obj.queue, op.type, argv[i],
					       strlen(argv[i]), op.flags,
					       op.dl);
			op.done += !ret;
		}
	} else if (raw) {
		ret = queue_lookup(o, op.name, &e);
		if (!ret)
			ret = send_chunks(&obj.queue, &op, e.q_msgsize);
	} else {
		ret = send_lines(&obj.queue, &op);
	}
	close_object(&obj);
	if (ret < 0) {
		c = fail(op.what, op.name, ret);
		if (op.done)
			fprintf(stderr, "kipcctl queue send %s: %llu sent before "
				"that\n", op.name, op.done);
		return c;
	}
	if (o->json)
		printf("{\"sent\": %llu}\n", op.done);
	return 0;
}

/*
 * Whether the n bytes at s are valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 */
static int utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0, len, k;
	unsigned int cp;

	while (i < n) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf)
			len = 2, cp = s[i] & 0x1f;
		else if (s[i] >= 0xe0 && s[i] <= 0xef)
			len = 3, cp = s[i] & 0x0f;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4)
			len = 4, cp = s[i] & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		i += len;
	}
	return 1;
}

/*
 * One received message on standard output: its bytes and a newline, the
 * bytes alone (raw), or a JSON object per line whose "data" is a string if
 * the message is UTF-8 text and an array of byte values otherwise.  Each
 * is flushed at once: a reader that went away costs at most this message.
 */
static int print_message(const struct opts *o, const char *buf, size_t len,
			 __s64 type, int raw)
{
	size_t i;

	if (o->json) {
		printf("{\"type\": %lld, \"length\": %zu, \"data\": ",
		       (long long)type, len);
		if (utf8_valid((const unsigned char *)buf, len)) {
			print_json_bytes(buf, len);
		} else {
			for (i = 0; i < len; i++)
				printf("%s%u", i ? ", " : "[",
				       (unsigned char)buf[i]);
			printf("]");
		}
		printf("}\n");
	} else {
		fwrite(buf, 1, len, stdout);
		if (!raw)
			putchar('\n');
	}
	return fflush(stdout) ? -errno : 0;
}

static const char *const selector_names[] = {
	[KIPC_SEL_ANY] = "any",
	[KIPC_SEL_EXACT] = "exact",
	[KIPC_SEL_LE] = "le",
	[KIPC_SEL_NOT] = "not",
};

/*
 * recv (peek: recv --peek): messages to standard output.  --count N stops
 * after N (0: no limit); by default 1, and no limit on a pipe-mode queue,
 * which ends at end-of-file as reading a pipe does.
 */
static int queue_recv(const struct opts *o, int argc, char **argv, int peek)
{
	static const struct option longopts[] = {
		{ "type", required_argument, NULL, 'T' },
		{ "select", required_argument, NULL, 's' },
		{ "nowait", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "peek", no_argument, NULL, 'p' },
		{ "raw", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct queue_op op = { .what = peek ? "queue peek" : "queue recv" };
	int select = -1, raw = 0, c, ret;
	struct kipc_queue_stat st;
	struct object obj;
	long long count = -1;
	double timeout = -1;
	int64_t type;
	char *buf;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, "T:s:nt:c:pr", longopts,
				NULL)) != -1) {
		switch (c) {
		case 's':
			for (select = KIPC_SEL_NOT; select >= 0; select--)
				if (!strcmp(optarg, selector_names[select]))
					break;
			if (select < 0)
				return usage_error("bad --select '%s' (any, "
						   "exact, le or not)", optarg);
			break;
		case 'c':
			count = parse_num(optarg, 0, INT64_MAX, 10);
			if (count < 0)
				return usage_error("bad --count '%s'", optarg);
			break;
		case 'p':
			peek = 1;
			break;
		case 'r':
			raw = 1;
			break;
		default:
			if (queue_op_option(&op, c, &timeout))
				return EXIT_USAGE;
		}
	}
	ret = queue_op_start(&op, argc, argv, timeout);
	if (ret)
		return ret;
	if (optind + 1 < argc)
		return usage_error("%s takes one NAME", op.what);
	if (select < 0)
		select = op.type ? KIPC_SEL_EXACT : KIPC_SEL_ANY;
	if ((select == KIPC_SEL_ANY) != !op.type)
		return usage_error("--select %s %s --type",
				   selector_names[select],
				   op.type ? "takes no" : "needs a");
	if (peek) {
		if (count > 1 || !count)
			return usage_error("--peek shows one message");
		op.flags |= KIPC_MSG_PEEK;
		count = 1;
		ret = open_object(o, op.what, op.name, KIPC_OBJ_QUEUE, 0,
				  &obj);
	} else {
		/* In pipe mode a read-only handle counts as a reader. */
		ret = open_object(o, op.what, op.name, KIPC_OBJ_QUEUE,
				  KIPC_OPEN_READ, &obj);
	}
	if (ret < 0)
		return exit_status(ret);
	ret = lkipc_queue_stat(&obj.queue, &st);
	buf = ret ? NULL : malloc(st.msgsize ? st.msgsize : 1);
	if (!ret && !buf)
		ret = -ENOMEM;
	if (count < 0)
		count = (st.queue_flags & KIPC_QUEUE_PIPE) ? 0 : 1;
	while (!ret && (!count || op.done < (unsigned long long)count)) {
		ret = lkipc_queue_recv(&obj.queue, buf, st.msgsize, select,
				       op.type, &type, op.flags, op.dl);
		if (ret < 0 || !type)
			break;	/* an error, or pipe-mode end-of-file */
		op.done++;
		ret = print_message(o, buf, ret, type, raw);
		if (ret == -EPIPE) {
			/* Our reader left (SIGPIPE ignored): end quietly. */
			free(buf);
			close_object(&obj);
			return EXIT_FAILURE;
		}
		if (ret < 0) {
			fprintf(stderr, "kipcctl %s %s: standard output: %s\n",
				op.what, op.name, lkipc_strerror(ret));
			free(buf);
			close_object(&obj);
			return EXIT_FAILURE;
		}
	}
	free(buf);
	close_object(&obj);
	/* No limit: nothing more in time is the end, if anything came. */
	if ((ret == -EAGAIN || ret == -ETIMEDOUT) && !count && op.done)
		ret = 0;
	return ret < 0 ? fail(op.what, op.name, ret) : 0;
}

static int cmd_queue(const struct opts *o, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";

	argc--;
	argv++;
	if (!strcmp(sub, "create"))
		return queue_create(o, argc, argv);
	if (!strcmp(sub, "stat"))
		return queue_stat(o, argc, argv);
	if (!strcmp(sub, "send"))
		return queue_send(o, argc, argv);
	if (!strcmp(sub, "recv") || !strcmp(sub, "peek"))
		return queue_recv(o, argc, argv, !strcmp(sub, "peek"));
	if (!strcmp(sub, "rm"))
		return obj_rm(o, argc, argv, KIPC_OBJ_QUEUE, 0, 1);
	if (!strcmp(sub, "unlink"))
		return obj_rm(o, argc, argv, KIPC_OBJ_QUEUE, 0, 0);
	if (!strcmp(sub, "ls"))
		return argc > 1 ? usage_error("queue ls takes no arguments") :
				  list_objects(o, KIPC_OBJ_QUEUE);
	return usage_error("unknown queue command '%s'", sub);
}

/* "kipcctl send ..." and "kipcctl recv ...": "kipcctl queue send ...". */
static int cmd_send(const struct opts *o, int argc, char **argv)
{
	return queue_send(o, argc, argv);
}

static int cmd_recv(const struct opts *o, int argc, char **argv)
{
	return queue_recv(o, argc, argv, 0);
}

/* ---- Live views: top and watch -------------------------------------- */

/* What top and watch share: how many samples, how far apart. */
struct live_opts {
	long long iter;		/* samples to show; -1: until interrupted */
	double delay;		/* seconds between samples */
	int plain;		/* top: no terminal control sequences */
	__u32 type;		/* watch --type: 0 either */
};

/* -n ITER, -d SECS, --plain (and watch's --type): the index of NAME. */
static int live_options(int argc, char **argv, struct live_opts *lo,
			int watch)
{
	static const struct option longopts[] = {
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "plain", no_argument, NULL, 'p' },
		{ "type", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*lo = (struct live_opts){ .iter = -1, .delay = 1 };
	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, watch ? "n:d:pt:" : "n:d:p",
				longopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			lo->iter = parse_num(optarg, 1, LLONG_MAX, 10);
			if (lo->iter < 0)
				return -usage_error("bad -n '%s'", optarg);
			break;
		case 'd':
			lo->delay = parse_timeout(optarg);
			if (lo->delay < 0.01)
				return -usage_error("bad -d '%s' (at least 0.01 s)",
						    optarg);
			break;
		case 'p':
			lo->plain = 1;
			break;
		case 't':
			if (!strcmp(optarg, "sem"))
				lo->type = KIPC_OBJ_SEM;
			else if (!strcmp(optarg, "queue"))
				lo->type = KIPC_OBJ_QUEUE;
			else
				return -usage_error("bad --type '%s'", optarg);
			break;
		default:
			return -EXIT_USAGE;
		}
	}
	return optind;
}

static void live_sleep(double secs)
{
	struct timespec ts = {
		.tv_sec = (time_t)secs,
		.tv_nsec = (long)((secs - (time_t)secs) * 1e9),
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* One object in a sample of top, with what its queue stat adds. */
struct top_row {
	struct kipc_obj_info e;
	int have_stat;		/* ring_mode and lost are known */
	__u32 ring_mode;
	__u64 lost;
	double send_rate, recv_rate;	/* messages/s; < 0: not known yet */
};

struct top_sample {
	struct top_row *rows;
	unsigned int n;
	double when;		/* CLOCK_MONOTONIC seconds */
};

static const char *row_name(const struct top_row *r)
{
	return (r->e.flags & KIPC_OBJ_F_NAMED) ? (const char *)r->e.name : "";
}

/*
 * Ring mode and losses are in a queue's stat only: open the queues that
 * have a name (as "queue stat" does).  Pipe-mode queues are left alone (a
 * handle would count as a reader and writer); they have no fast path, so
 * their ring is in kernel mode and loses nothing.
 */
static void top_queue_stat(struct lkipc *k, struct top_row *r)
{
	struct kipc_queue_stat st;
	struct lkipc_queue q;
	int ret;

	if (r->e.q_flags & KIPC_QUEUE_PIPE) {
		r->have_stat = 1;
		r->ring_mode = KIPC_RING_MODE_KERNEL;
		return;
	}
	if (!*row_name(r) || (r->e.flags & KIPC_OBJ_F_DESTROYED))
		return;
	ret = lkipc_queue_open(k, &q, row_name(r),
			       KIPC_OPEN_READ | KIPC_OPEN_WRITE, 0, NULL);
	if (ret == -EACCES)
		ret = lkipc_queue_open(k, &q, row_name(r), KIPC_OPEN_READ, 0,
				       NULL);
	if (ret < 0)
		return;
	if (!lkipc_queue_stat(&q, &st) && st.id == r->e.id) {
		r->have_stat = 1;
		r->ring_mode = st.ring_mode;
		r->lost = st.lost;
	}
	lkipc_queue_close(&q);
}

static int top_take(const struct opts *o, struct top_sample *s)
{
	struct kipc_obj_info *v;
	struct timespec ts;
	struct lkipc k;
	unsigned int i;
	int ret;

	ret = fetch_objects(o, &v);
	if (ret < 0)
		return ret;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	s->when = ts.tv_sec + ts.tv_nsec / 1e9;
	s->n = ret;
	s->rows = calloc(s->n ? s->n : 1, sizeof(*s->rows));
	if (!s->rows) {
		free(v);
		return -ENOMEM;
	}
	ret = lkipc_open_path(&k, o->device, 0);
	for (i = 0; i < s->n; i++) {
		s->rows[i].e = v[i];
		s->rows[i].send_rate = -1;
		s->rows[i].recv_rate = -1;
		if (!ret && v[i].type == KIPC_OBJ_QUEUE)
			top_queue_stat(&k, &s->rows[i]);
	}
	if (!ret)
		lkipc_close(&k);
	free(v);
	return 0;
}

/* Messages per second since the previous sample, for the same objects. */
static void top_rates(struct top_sample *s, const struct top_sample *prev)
{
	double dt = s->when - prev->when;
	unsigned int i, j;

	if (dt <= 0)
		return;
	for (i = 0; i < s->n; i++) {
		struct top_row *r = &s->rows[i];

		if (r->e.type != KIPC_OBJ_QUEUE)
			continue;
		for (j = 0; j < prev->n; j++) {
			const struct kipc_obj_info *p = &prev->rows[j].e;

			if (p->id != r->e.id || p->type != r->e.type ||
			    r->e.q_sent < p->q_sent ||
			    r->e.q_received < p->q_received)
				continue;
			r->send_rate = (r->e.q_sent - p->q_sent) / dt;
			r->recv_rate = (r->e.q_received - p->q_received) / dt;
			break;
		}
	}
}

static unsigned int row_waiters(const struct top_row *r)
{
	if (r->e.type == KIPC_OBJ_QUEUE)
		return r->e.q_nreceivers + r->e.q_nsenders;
	return r->e.sem_nwaiters;
}

/* Busiest first: messages/s, then blocked tasks, then the oldest id. */
static int top_cmp(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;
	double ax = (x->send_rate > 0 ? x->send_rate : 0) +
		    (x->recv_rate > 0 ? x->recv_rate : 0);
	double ay = (y->send_rate > 0 ? y->send_rate : 0) +
		    (y->recv_rate > 0 ? y->recv_rate : 0);

	if (ax != ay)
		return ax > ay ? -1 : 1;
	if (row_waiters(x) != row_waiters(y))
		return row_waiters(x) > row_waiters(y) ? -1 : 1;
	return x->e.id < y->e.id ? -1 : x->e.id > y->e.id;
}

static void print_rate(double rate, int json)
{
	if (rate < 0)
		printf(json ? "null" : "%9s", "-");
	else
		printf(json ? "%.1f" : "%9.1f", rate);
}

static void top_print(const struct opts *o, const struct live_opts *lo,
		      const struct top_sample *s, double interval)
{
	unsigned int i;
	char when[32];

	if (o->json) {
		printf("{\"time\": %lld, \"interval\": %.3f, \"objects\": [",
		       (long long)time(NULL), interval);
		for (i = 0; i < s->n; i++) {
			const struct top_row *r = &s->rows[i];

			printf("%s{\"object\": ", i ? ", " : "");
			print_obj_json(&r->e, row_name(r));
			printf(", \"send_rate\": ");
			print_rate(r->send_rate, 1);
			printf(", \"recv_rate\": ");
			print_rate(r->recv_rate, 1);
			if (r->have_stat)
				printf(", \"ring_mode\": \"%s\", \"lost\": %llu",
				       r->ring_mode == KIPC_RING_MODE_FAST ?
				       "fast" : "kernel",
				       (unsigned long long)r->lost);
			printf("}");
		}
		printf("]}\n");
		fflush(stdout);
		return;
	}
	if (!lo->plain && isatty(STDOUT_FILENO))
		printf("\033[H\033[2J");	/* home, clear: in place */
	printf("kipcctl top  %s  %u objects, %.2f s between samples\n",
	       format_time(time(NULL), when, sizeof(when)), s->n, interval);
	printf("%-5s %-8s %-24s %9s %9s %7s %7s %-6s %6s\n", "type", "id",
	       "name", "send/s", "recv/s", "depth", "waiters", "ring", "lost");
	for (i = 0; i < s->n; i++) {
		const struct top_row *r = &s->rows[i];
		int queue = r->e.type == KIPC_OBJ_QUEUE;

		printf("%-5s %-8llu %-24s ", type_name(r->e.type),
		       (unsigned long long)r->e.id,
		       *row_name(r) ? row_name(r) : "-");
		print_rate(r->send_rate, 0);
		putchar(' ');
		print_rate(r->recv_rate, 0);
		printf(" %7u %7u ", queue ? r->e.q_msgs : r->e.sem_value,
		       row_waiters(r));
		if (r->have_stat)
			printf("%-6s %6llu\n",
			       r->ring_mode == KIPC_RING_MODE_FAST ? "fast" :
			       "kernel", (unsigned long long)r->lost);
		else
			printf("%-6s %6s\n", "-", "-");
	}
	if (lo->plain || !isatty(STDOUT_FILENO))
		putchar('\n');
	fflush(stdout);
}

/*
 * "top [-n ITER] [-d SECS] [--plain]": every object, busiest first, with
 * rates from successive samples; refreshed in place on a terminal.
 */
static int cmd_top(const struct opts *o, int argc, char **argv)
{
	struct top_sample prev, cur;
	struct live_opts lo;
	long long i;
	int ret;

	ret = live_options(argc, argv, &lo, 0);
	if (ret < 0)
		return -ret;
	if (ret != argc)
		return usage_error("top takes no NAME");
	ret = top_take(o, &prev);
	for (i = 0; !ret && (lo.iter < 0 || i < lo.iter); i++) {
		live_sleep(lo.delay);
		ret = top_take(o, &cur);
		if (ret)
			break;
		top_rates(&cur, &prev);
		qsort(cur.rows, cur.n, sizeof(*cur.rows), top_cmp);
		top_print(o, &lo, &cur, cur.when - prev.when);
		free(prev.rows);
		prev = cur;
	}
	if (ret == -ENODEV)
		return EXIT_FAILURE;
	if (ret < 0)
		return fail("top", NULL, ret);
	free(prev.rows);
	return 0;
}

/* What watch compares between samples. */
struct watch_sample {
	int err;			/* -EIDRM once destroyed */
	struct kipc_sem_stat sem;
	struct kipc_sem_waiter w[64];	/* the first waiters, in queue order */
	struct kipc_queue_stat q;
};

static int watch_take(struct object *obj, struct watch_sample *s)
{
	memset(s, 0, sizeof(*s));
	if (obj->type == KIPC_OBJ_SEM)
		s->err = lkipc_sem_stat(&obj->sem, &s->sem, s->w,
					sizeof(s->w) / sizeof(s->w[0]));
	else
		s->err = lkipc_queue_stat(&obj->queue, &s->q);
	return s->err;
}

/* Did anything watch shows change? */
static int watch_changed(__u32 type, const struct watch_sample *a,
			 const struct watch_sample *b)
{
	const struct kipc_queue_stat *x = &a->q, *y = &b->q;
	unsigned int n;

	if (a->err != b->err)
		return 1;
	if (type == KIPC_OBJ_SEM) {
		n = a->sem.nwaiters < 64 ? a->sem.nwaiters : 64;
		return a->sem.value != b->sem.value ||
		       a->sem.nwaiters != b->sem.nwaiters ||
		       memcmp(a->w, b->w, n * sizeof(a->w[0]));
	}
	return x->msgs != y->msgs || x->bytes != y->bytes ||
	       x->nreceivers != y->nreceivers || x->nsenders != y->nsenders ||
	       x->sent != y->sent || x->received != y->received ||
	       x->dropped != y->dropped || x->lost != y->lost ||
	       x->ring_mode != y->ring_mode || x->lanes != y->lanes;
}

static void watch_print(const struct opts *o, __u32 type,
			const struct watch_sample *s, double t)
{
	const struct kipc_queue_stat *q = &s->q;
	const char *mode = q->ring_mode == KIPC_RING_MODE_FAST ? "fast" :
								 "kernel";
	unsigned int i, n = s->sem.nwaiters < 64 ? s->sem.nwaiters : 64;

	if (s->err) {
		if (o->json)
			printf("{\"t\": %.3f, \"error\": \"%s\"}\n", t,
			       s->err == -EIDRM ? "destroyed" :
			       lkipc_strerror(s->err));
		else
			printf("+%.3fs %s\n", t, s->err == -EIDRM ?
			       "destroyed" : lkipc_strerror(s->err));
	} else if (type == KIPC_OBJ_SEM && o->json) {
		printf("{\"t\": %.3f, \"value\": %u, \"max\": %u, "
		       "\"nwaiters\": %u, \"waiters\": [", t, s->sem.value,
		       s->sem.max, s->sem.nwaiters);
		for (i = 0; i < n; i++)
			printf("%s{\"pid\": %u, \"count\": %u}", i ? ", " : "",
			       s->w[i].pid, s->w[i].count);
		printf("]}\n");
	} else if (type == KIPC_OBJ_SEM) {
		printf("+%.3fs value=%u waiters=%u", t, s->sem.value,
		       s->sem.nwaiters);
		for (i = 0; i < n; i++)
			printf("%s%u wants %u", i ? ", " : ": ", s->w[i].pid,
			       s->w[i].count);
		printf("%s\n", s->sem.nwaiters > n ? ", ..." : "");
	} else {
		printf(o->json ?
		       "{\"t\": %.3f, \"msgs\": %u, \"bytes\": %llu, "
		       "\"receivers\": %u, \"senders\": %u, \"sent\": %llu, "
		       "\"received\": %llu, \"dropped\": %llu, \"lost\": %llu, "
		       "\"ring_mode\": \"%s\", \"lanes\": %u}\n" :
		       "+%.3fs msgs=%u bytes=%llu receivers=%u senders=%u "
		       "sent=%llu received=%llu dropped=%llu lost=%llu "
		       "ring=%s lanes=%u\n", t, q->msgs,
		       (unsigned long long)q->bytes, q->nreceivers, q->nsenders,
		       (unsigned long long)q->sent,
		       (unsigned long long)q->received,
		       (unsigned long long)q->dropped,
		       (unsigned long long)q->lost, mode, q->lanes);
	}
	fflush(stdout);
}

/* The type of the object NAME: --type, else whichever exists (not both). */
static int watch_type(const struct opts *o, const char *name, __u32 want,
		      __u32 *type)
{
	struct kipc_obj_info *v;
	unsigned int i, found = 0;
	int ret;

	if (want) {
		*type = want;
		return 0;
	}
	ret = fetch_objects(o, &v);
	if (ret < 0)
		return ret == -ENODEV ? -EXIT_FAILURE : -fail("watch", name, ret);
	for (i = 0; i < (unsigned int)ret; i++)
		if ((v[i].flags & KIPC_OBJ_F_NAMED) &&
		    !strcmp((const char *)v[i].name, name)) {
			found |= v[i].type;
			*type = v[i].type;
		}
	free(v);
	if (!found)
		return -fail("watch", name, -ENOENT);
	if (found == (KIPC_OBJ_SEM | KIPC_OBJ_QUEUE))
		return -usage_error("both a sem and a queue are named '%s': "
				    "give --type", name);
	return 0;
}

/*
 * "watch NAME [-n ITER] [-d SECS] [--type sem|queue]": a line (or JSON
 * object) each time one object's waiters or counters change, the first
 * sample included; ends after ITER samples or when it is destroyed.
 */
static int cmd_watch(const struct opts *o, int argc, char **argv)
{
	struct watch_sample *s, *prev;
	struct live_opts lo;
	struct object obj;
	struct timespec ts;
	double start;
	long long i;
	__u32 type = 0;
	int ret;

	ret = live_options(argc, argv, &lo, 1);
	if (ret < 0)
		return -ret;
	if (argc - ret != 1)
		return usage_error("watch takes one NAME");
	argv += ret;
	ret = watch_type(o, argv[0], lo.type, &type);
	if (ret < 0)
		return -ret;
	ret = open_object(o, "watch", argv[0], type,
			  type == KIPC_OBJ_SEM ? KIPC_OPEN_READ : 0, &obj);
	if (ret < 0)
		return exit_status(ret);
	s = calloc(2, sizeof(*s));
	if (!s) {
		close_object(&obj);
		return fail("watch", argv[0], -ENOMEM);
	}
	prev = s + 1;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = ts.tv_sec + ts.tv_nsec / 1e9;
	for (i = 0; lo.iter < 0 || i < lo.iter; i++) {
		struct watch_sample *tmp;

		if (i)
			live_sleep(lo.delay);
		ret = watch_take(&obj, s);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (!i || watch_changed(type, s, prev))
			watch_print(o, type, s, ts.tv_sec + ts.tv_nsec / 1e9 -
						start);
		if (ret < 0)
			break;
		tmp = prev;
		prev = s;
		s = tmp;
	}
	close_object(&obj);
	free(s < prev ? s : prev);
	if (ret < 0 && ret != -EIDRM)
		return fail("watch", argv[0], ret);
	return 0;
}

struct command {
	const char *name;
	int (*fn)(const struct opts *o, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "info", cmd_info, "show the module's ABI version, features and limits" },
	{ "ls", cmd_ls, "list every object, like ipcs" },
	{ "sem", cmd_sem, "semaphores: create NAME [--value N] [--mode M] [--excl]\n"
	  "             [--prio-order], ls, stat NAME, P NAME [N] [--nowait] [--timeout S],\n"
	  "             V NAME [N], rm NAME (destroy), unlink NAME" },
	{ "queue", cmd_queue, "message queues: create NAME [--msgs N] [--msgsize N]\n"
	  "             [--bytes N] [--pipe] [--mode M] [--excl] [--prio-order],\n"
	  "             ls, stat NAME,\n"
	  "             send NAME [--type T] [--nowait] [--timeout S] [--raw]\n"
	  "             [MESSAGE...], recv NAME [--type T]\n"
	  "             [--select any|exact|le|not] [--nowait] [--timeout S]\n"
	  "             [--count N] [--peek] [--raw], peek NAME,\n"
	  "             rm NAME (destroy), unlink NAME" },
	{ "send", cmd_send, "the same as queue send" },
	{ "recv", cmd_recv, "the same as queue recv" },
	{ "top", cmd_top, "every object, busiest first, refreshed: [-n ITER]\n"
	  "             [-d SECS] [--plain]" },
	{ "watch", cmd_watch, "a line each time NAME's waiters or counters change:\n"
	  "             [-n ITER] [-d SECS] [--type sem|queue]" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kipcctl [--json] [--device PATH] COMMAND [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\nqueue send without MESSAGE sends each line of standard "
		   "input (--raw: chunks\nof the queue's message size); queue "
		   "recv writes each message and a newline\n(--raw: the bytes "
		   "only), by default one message, or on a pipe-mode queue\n"
		   "every message until end-of-file (--count 0: no limit).\n"
		   "\nexit status: 0 done, 1 failed, 2 usage, 3 would wait or "
		   "timed out, 4 no such\nobject, 5 exists already\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .device = LKIPC_DEFAULT_DEVICE };
	size_t i;
	int c;

	/* "+": options end at the command; it parses its own. */
	while ((c = getopt_long(argc, argv, "+jd:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			o.json = 1;
			break;
		case 'd':
			o.device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(&o, argc - optind, argv + optind);
	fprintf(stderr, "kipcctl: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
