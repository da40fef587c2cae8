/* afile.h - replacing a file atomically and durably (rename, fsync). */
#ifndef RSGUARD_AFILE_H
#define RSGUARD_AFILE_H

#include <sys/types.h>

/*
 * Put the already written and fsynced file tmp in place of dst
 * (rename), then fsync dst's directory so that the rename itself
 * survives a power loss.  0, or -1 with errno (when only the directory's
 * fsync failed, dst is in place but may not be on disk).
 */
int	 afile_rename(const char *tmp, const char *dst);
/* The same with names relative to the directory descriptor dfd. */
int	 afile_renameat(int dfd, const char *tmp, const char *name);
/*
 * Replace name, in the directory open as dfd, with a file holding the len
 * bytes at data: a temp file .NAME.rsguard.PID.N made
 * O_CREAT|O_EXCL|O_NOFOLLOW beside it, set to mode (and to uid:gid
 * unless uid is (uid_t)-1), written, fsynced, renamed over name, and the
 * directory fsynced (afile_renameat).  0, or -1 with errno and *errstr
 * the step that failed; no temp file outlives a failure.
 */
int	 afile_writeat(int dfd, const char *name, const void *data,
	    size_t len, mode_t mode, uid_t uid, gid_t gid, const char **errstr);
/* The same for dir/name, dir opened here. */
int	 afile_write(const char *dir, const char *name, const void *data,
	    size_t len, mode_t mode, const char **errstr);
/* fsync the regular file at path (data written by another process). */
int	 afile_fsync(const char *path);

#endif
