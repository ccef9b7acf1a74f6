// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/kipc itself and KIPC_IOC_GET_INFO: the device node, the ABI version
 * and limits, and the size / flags / reserved / pointer / ioctl-number rules
 * every kipc ioctl follows (the iommufd cmd_length pattern).
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <lkipc.h>

#include "kselftest_harness.h"
#include "kipc_test.h"

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = open("/dev/kipc", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

TEST(device_node)
{
	struct stat st;

	ASSERT_EQ(0, stat("/dev/kipc", &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	/* Everyone may open it: the objects enforce their own permissions. */
	EXPECT_EQ(0666, st.st_mode & 07777);
	EXPECT_EQ(10, major(st.st_rdev));	/* a misc device */
}

TEST_F(dev, get_info)
{
	struct kipc_info info;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	ASSERT_EQ(0, ioctl(self->fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(KIPC_ABI_VERSION, info.abi_version);
	EXPECT_EQ(sizeof(info), info.size);
	EXPECT_EQ(0, info.flags);
	EXPECT_EQ(param_u("max_objects"), info.max_objects);
	EXPECT_EQ(param_u("msgsize_max"), info.msgsize_max);
	EXPECT_EQ(param_u("queue_msgs_max"), info.queue_msgs_max);
	EXPECT_EQ(param_u("sem_value_max"), info.sem_value_max);
	EXPECT_EQ(param_u("queue_bytes_max"), info.queue_bytes_max);
	EXPECT_EQ(param_u("user_bytes_max"), info.user_bytes_max);
}

TEST(library_get_info)
{
	struct kipc_info info;
	struct lkipc k;

	ASSERT_EQ(0, lkipc_open(&k, 0));
	/* Close-on-exec unless asked otherwise. */
	EXPECT_EQ(FD_CLOEXEC, fcntl(k.fd, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, lkipc_get_info(&k, &info));
	EXPECT_EQ(KIPC_ABI_VERSION, info.abi_version);
	lkipc_close(&k);
	EXPECT_EQ(-1, k.fd);

	/* One INHERIT flag for the device and for objects. */
	ASSERT_EQ(0, lkipc_open(&k, KIPC_OPEN_INHERIT));
	EXPECT_EQ(0, fcntl(k.fd, F_GETFD) & FD_CLOEXEC);
	lkipc_close(&k);

	EXPECT_EQ(-EINVAL, lkipc_open(&k, 1));	/* the old LKIPC_OPEN_INHERIT */
	EXPECT_EQ(-EINVAL, lkipc_open(&k, 0x80));
	EXPECT_EQ(-ENOENT, lkipc_open_path(&k, "/dev/kipc-no-such", 0));
	EXPECT_EQ(-EINVAL, lkipc_get_info(&k, NULL));
}

/* Root may change the limits at run time, within their bounds. */
TEST_F(dev, limits_follow_parameters)
{
	unsigned long long old = param_u("msgsize_max");
	struct kipc_info info = { .size = sizeof(info) };
	char buf[32];

	ASSERT_NE(~0ULL, old);
	ASSERT_EQ(0, write_param("msgsize_max", "1234"));
	ASSERT_EQ(0, ioctl(self->fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(1234, info.msgsize_max);

	EXPECT_EQ(-EINVAL, write_param("msgsize_max", "0"));
	EXPECT_EQ(-EINVAL, write_param("msgsize_max", "2000000"));
	EXPECT_EQ(-ERANGE, write_param("msgsize_max", "99999999999"));
	EXPECT_EQ(-EINVAL, write_param("msgsize_max", "12abc"));
	EXPECT_EQ(-EINVAL, write_param("queue_bytes_max", "1"));
	EXPECT_EQ(-EINVAL, write_param("sem_value_max", "-1"));
	EXPECT_EQ(1234, param_u("msgsize_max"));

	snprintf(buf, sizeof(buf), "%llu", old);
	ASSERT_EQ(0, write_param("msgsize_max", buf));
}

TEST_F(dev, cmd_length)
{
	TEST_LENGTH(kipc_info, KIPC_IOC_GET_INFO, user_bytes_max);
}

TEST_F(dev, flags_and_reserved)
{
	struct kipc_info info = { .size = sizeof(info) };

	info.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 1U << 31;
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
	info.flags = 0;
	info.__reserved = 1;
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, &info));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(dev, bad_pointers)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kipc_info *info;
	char *map;

	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, (void *)16));
	EXPECT_EQ(EFAULT, errno);

	/* A read-only buffer can be read but not written back. */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	info = (struct kipc_info *)map;
	info->size = sizeof(*info);
	ASSERT_EQ(0, mprotect(map, page, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, info));
	EXPECT_EQ(EFAULT, errno);

	/* A size that runs into an unmapped page: the tail cannot be read. */
	ASSERT_EQ(0, mprotect(map, page, PROT_READ | PROT_WRITE));
	ASSERT_EQ(0, munmap(map + page, page));
	info = (struct kipc_info *)(map + page - sizeof(*info));
	memset(info, 0, sizeof(*info));
	info->size = sizeof(*info) + 64;
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, info));
	EXPECT_EQ(EFAULT, errno);
	/* The struct straddling the hole. */
	info = (struct kipc_info *)(map + page - 8);
	memset(info, 0, 8);
	info->size = sizeof(*info);
	EXPECT_EQ(-1, ioctl(self->fd, KIPC_IOC_GET_INFO, info));
	EXPECT_EQ(EFAULT, errno);
	munmap(map, page);
}

TEST_F(dev, unknown_ioctls)
{
	struct kipc_info info = { .size = sizeof(info) };

	/* An unknown number of our type. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KIPC_IOC_TYPE, 0x7f,
					    struct kipc_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number with another type. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(KIPC_IOC_TYPE + 1, 0,
					    struct kipc_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	/* The right number with the wrong direction. */
	EXPECT_EQ(-1, ioctl(self->fd, _IOR(KIPC_IOC_TYPE, KIPC_CMD_GET_INFO,
					   struct kipc_info), &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(KIPC_IOC_TYPE, KIPC_CMD_GET_INFO)));
	EXPECT_EQ(ENOTTY, errno);
	/* Some other driver's ioctl. */
	EXPECT_EQ(-1, ioctl(self->fd, FIONREAD, &info));
	EXPECT_EQ(ENOTTY, errno);
	/* The size encoded in the number is not used: "size" is. */
	EXPECT_EQ(0, ioctl(self->fd, _IOC(_IOC_READ | _IOC_WRITE,
					  KIPC_IOC_TYPE, KIPC_CMD_GET_INFO, 8),
			   &info));
}

TEST_F(dev, not_seekable_or_readable)
{
	char c;

	EXPECT_EQ(-1, lseek(self->fd, 0, SEEK_SET));
	EXPECT_EQ(ESPIPE, errno);
	EXPECT_EQ(-1, read(self->fd, &c, 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_HARNESS_MAIN
