/*
 * afile.c - the last steps of replacing a file atomically: the data is
 * on disk before the rename (the caller's fsync, or afile_fsync), and
 * the rename is on disk before we say done (fsync of the directory).
 *
 * afile_writeat is the one temp-file-then-rename writer of the client
 * commands (authorized_keys, the status file, the textfile, systemd
 * units), as OpenDoas timestamp.c writes its file.
 *
 * MUST 1: no success is returned before the directory holding the new
 *         name has been fsynced (test_mirror_data.sh
 *         t_replaced_files_are_durable, for the status file, the
 *         textfile, a pinned host key and authorized_keys).
 * MUST 2: the temp file is created, never opened: O_CREAT|O_EXCL|
 *         O_NOFOLLOW in the destination's directory, so a planted
 *         symlink or file is not written through.
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

/* write all of data to fd, then fsync it; 0 or -1 with errno */
static int
put(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return fsync(fd);
}

int
afile_writeat(int dfd, const char *name, const void *data, size_t len,
    mode_t mode, uid_t uid, gid_t gid, const char **errstr)
{
	char *tmp = NULL;
	int fd = -1, i, save;

	for (i = 0; i < 100 && fd == -1; i++) {
		free(tmp);
		tmp = xasprintf(".%s.rsguard.%ld.%d", name, (long)getpid(), i);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd == -1 && errno != EEXIST) {
			*errstr = "cannot create a temporary file";
			goto fail;
		}
	}
	if (fd == -1) {
		*errstr = "cannot create a temporary file";
		goto fail;
	}
	/* the umask may have narrowed mode */
	if (fchmod(fd, mode) == -1 ||
	    (uid != (uid_t)-1 && fchown(fd, uid, gid) == -1) ||
	    put(fd, data, len) == -1) {
		*errstr = "cannot write a temporary file";
		goto unlink;
	}
	i = close(fd);
	fd = -1;
	if (i == -1) {
		*errstr = "cannot write a temporary file";
		goto unlink;
	}
	if (afile_renameat(dfd, tmp, name) == -1) {
		*errstr = "cannot rename (or fsync the directory)";
		goto unlink;
	}
	free(tmp);
	return 0;
 unlink:
	save = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(dfd, tmp, 0);	/* ENOENT once renamed */
	errno = save;
 fail:
	free(tmp);
	return -1;
}

int
afile_write(const char *dir, const char *name, const void *data,
    size_t len, mode_t mode, const char **errstr)
{
	int dfd, rc, save;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		*errstr = "cannot open the directory";
		return -1;
	}
	rc = afile_writeat(dfd, name, data, len, mode, (uid_t)-1, (gid_t)-1,
	    errstr);
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
