// SPDX-License-Identifier: GPL-2.0
/*
 * kipcctl: administer kipc objects from the shell.
 *
 * Exit status: 0 success, 1 the operation failed, 2 usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lkipc.h>

#define EXIT_USAGE 2

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

struct command {
	const char *name;
	int (*fn)(const struct opts *o, int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "info", cmd_info, "show the module's ABI version, features and limits" },
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
