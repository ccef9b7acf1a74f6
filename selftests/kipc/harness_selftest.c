// SPDX-License-Identifier: GPL-2.0
/*
 * Not part of the suite: tests/vm-run.test runs this program through
 * run_kselftests.sh to show that the runner reports a passing case as ok, a
 * failing one as not ok, a skipped one as a skip, and a case that leaves a
 * kernel warning in the log as not ok even though it exits 0.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"

TEST(passes)
{
	EXPECT_EQ(2, 1 + 1);
}

TEST(fails)
{
	EXPECT_EQ(3, 1 + 1);
}

TEST(skips)
{
	SKIP(return, "skipped on purpose");
}

TEST(warns)
{
	static const char msg[] = "WARNING: injected by harness_selftest\n";
	int fd = open("/dev/kmsg", O_WRONLY);

	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(msg), write(fd, msg, strlen(msg)));
	close(fd);
}

TEST_HARNESS_MAIN
