// SPDX-License-Identifier: GPL-2.0
/*
 * kipcctl: administer kipc objects from the shell.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error, 3 it would
 * have to wait (a non-blocking P) or timed out, 4 no such object, 5 the
 * object exists already (create --excl).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
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
	"sem", "queue", "ring", "sem_fast", "uring_cmd",
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
	}
	return "?";
}

static void print_features(__u64 features, int json)
{
	const char *sep = "";
	unsigned int i;

	for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++) {
		if (!(features & (1ULL << i)))
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
			printf("%s{\"type\": \"%s\", \"id\": %llu, \"name\": ", sep,
			       type_name(e->type), (unsigned long long)e->id);
			if (*name)
				print_json_string(name);
			else
				printf("null");
			printf(", \"value\": %u, \"max\": %u, \"waiters\": %u, "
			       "\"mode\": \"%04o\", \"uid\": %u, \"gid\": %u, "
			       "\"cuid\": %u, \"cgid\": %u, \"ctime\": %lld, "
			       "\"destroyed\": %s}", e->sem_value, e->sem_max,
			       e->sem_nwaiters, e->mode, e->uid, e->gid, e->cuid,
			       e->cgid, (long long)e->ctime,
			       (e->flags & KIPC_OBJ_F_DESTROYED) ? "true" : "false");
			sep = ", ";
			continue;
		}
		printf("%-5s %-8llu %-24s %5u %5u %7u %04o %6u %6u %s%s\n",
		       type_name(e->type), (unsigned long long)e->id,
		       *name ? name : "-", e->sem_value, e->sem_max,
		       e->sem_nwaiters, e->mode, e->uid, e->gid,
		       format_time(e->ctime, when, sizeof(when)),
		       (e->flags & KIPC_OBJ_F_DESTROYED) ? " (destroyed)" : "");
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

/*
 * Open the object NAME of "type" with the access an operation needs, or
 * the -errno, which has been reported.
 */
static int open_object(const struct opts *o, const char *what,
		       const char *name, __u32 type, unsigned int access)
{
	struct lkipc k;
	int fd;

	if (open_dev(o, &k) < 0)
		return -ENODEV;
	if (type == KIPC_OBJ_SEM)
		fd = lkipc_sem_open(&k, name, access, 0, 0);
	else
		fd = lkipc_queue_open(&k, name, access, 0, NULL);
	lkipc_close(&k);
	if (fd < 0)
		fail(what, name, fd);
	return fd;
}

static int sem_create(const struct opts *o, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "value", required_argument, NULL, 'v' },
		{ "mode", required_argument, NULL, 'm' },
		{ "excl", no_argument, NULL, 'x' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int flags = KIPC_OPEN_CREATE, mode = 0600, value = 0;
	struct kipc_sem_stat st;
	long long v;
	struct lkipc k;
	int c, fd, ret;

	optind = 0;	/* 0: a full re-initialisation, options may follow NAME */
	while ((c = getopt_long(argc, argv, "v:m:x", longopts, NULL)) != -1) {
		switch (c) {
		case 'v':
			v = parse_num(optarg, 0, UINT32_MAX, 10);
			if (v < 0)
				return usage_error("bad --value '%s'", optarg);
			value = v;
			break;
		case 'm':
			v = parse_num(optarg, 0, 0777, 8);
			if (v < 0)
				return usage_error("bad --mode '%s' (octal)", optarg);
			mode = v;
			break;
		case 'x':
			flags |= KIPC_OPEN_EXCL;
			break;
		default:
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("sem create takes one NAME");
	if (open_dev(o, &k) < 0)
		return EXIT_FAILURE;
	fd = lkipc_sem_open(&k, argv[optind], flags, mode, value);
	lkipc_close(&k);
	if (fd < 0)
		return fail("sem create", argv[optind], fd);
	ret = lkipc_sem_stat(fd, &st, NULL, 0);
	close(fd);
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
	char when[32];
	int fd, ret;

	if (argc != 2)
		return usage_error("sem stat takes one NAME");
	fd = open_object(o, "sem stat", argv[1], KIPC_OBJ_SEM, KIPC_OPEN_READ);
	if (fd < 0)
		return exit_status(fd);
	for (;;) {
		ret = lkipc_sem_stat(fd, &st, w, cap);
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
	close(fd);
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
		       "\"waiters\": [", (unsigned long long)st.id, st.value,
		       st.max, st.mode, st.uid, st.gid, st.cuid, st.cgid,
		       (long long)st.ctime);
		for (i = 0; i < n; i++)
			printf("%s{\"pid\": %u, \"count\": %u}", i ? ", " : "",
			       w[i].pid, w[i].count);
		printf("]}\n");
	} else {
		printf("name      %s\nid        %llu\nvalue     %u\nmax       %u\n"
		       "mode      %04o\nowner     uid %u gid %u\n"
		       "creator   uid %u gid %u\ncreated   %s\nwaiters   %u\n",
		       argv[1], (unsigned long long)st.id, st.value, st.max,
		       st.mode, st.uid, st.gid, st.cuid, st.cgid,
		       format_time(st.ctime, when, sizeof(when)), n);
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
	long long v;
	int c, fd, ret;

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
	fd = open_object(o, what, argv[optind], KIPC_OBJ_SEM, KIPC_OPEN_WRITE);
	if (fd < 0)
		return exit_status(fd);
	if (is_p)
		ret = lkipc_sem_wait(fd, n, flags, dl);
	else
		ret = lkipc_sem_post(fd, n, 0);
	close(fd);
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
	struct lkipc k;
	int fd, ret;

	if (argc != 2)
		return usage_error("%s takes one NAME", what);
	if (destroy) {
		fd = open_object(o, what, argv[1], type, access);
		if (fd < 0)
			return exit_status(fd);
		ret = lkipc_destroy(fd);
		close(fd);
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

struct command {
	const char *name;
	int (*fn)(const struct opts *o, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "info", cmd_info, "show the module's ABI version, features and limits" },
	{ "ls", cmd_ls, "list every object, like ipcs" },
	{ "sem", cmd_sem, "semaphores: create NAME [--value N] [--mode M] [--excl],\n"
	  "             ls, stat NAME, P NAME [N] [--nowait] [--timeout S],\n"
	  "             V NAME [N], rm NAME (destroy), unlink NAME" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kipcctl [--json] [--device PATH] COMMAND [ARGS]\n\n"
		   "commands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
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
