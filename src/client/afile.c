/*
 * afile.c - the last steps of replacing a file atomically: the data is
 * on disk before the rename (the caller's fsync, or afile_fsync), and
 * the rename is on disk before we say done (fsync of the directory).
 *
 * MUST 1: no success is returned before the directory holding the new
 *         name has been fsynced (test_mirror_data.sh
 *         t_replaced_files_are_durable, for the status file, the
 *         textfile, a pinned host key and authorized_keys).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "afile.h"
#include "util.h"

int
afile_renameat(int dfd, const char *tmp, const char *name)
{
	if (renameat(dfd, tmp, dfd, name) == -1)
		return -1;
	return fsync(dfd);
}

int
afile_rename(const char *tmp, const char *dst)
{
	const char *slash = strrchr(dst, '/');
	char *dir;
	int dfd, rc, save;

	if (rename(tmp, dst) == -1)
		return -1;
	if (slash == NULL)
		dir = xstrdup(".");
	else if (slash == dst)
		dir = xstrdup("/");
	else
		dir = xstrndup(dst, (size_t)(slash - dst));
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (dfd == -1)
		return -1;
	rc = fsync(dfd);
	save = errno;
	close(dfd);
	errno = save;
	return rc;
}

int
afile_fsync(const char *path)
{
	struct stat sb;
	int fd, rc, save;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1)
		rc = -1;
	else if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		rc = -1;
	} else
		rc = fsync(fd);
	save = errno;
	close(fd);
	errno = save;
	return rc;
}
