/* afile.h - replacing a file atomically and durably (rename, fsync). */
#ifndef RSGUARD_AFILE_H
#define RSGUARD_AFILE_H

/*
 * Put the already written and fsynced file tmp in place of dst
 * (rename), then fsync dst's directory so that the rename itself
 * survives a power loss.  0, or -1 with errno (when only the directory's
 * fsync failed, dst is in place but may not be on disk).
 */
int	 afile_rename(const char *tmp, const char *dst);
/* The same with names relative to the directory descriptor dfd. */
int	 afile_renameat(int dfd, const char *tmp, const char *name);
/* fsync the regular file at path (data written by another process). */
int	 afile_fsync(const char *path);

#endif
