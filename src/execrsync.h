/* execrsync.h - run the validated rsync command. */
#ifndef RSGUARD_EXECRSYNC_H
#define RSGUARD_EXECRSYNC_H

#include "confine.h"

/*
 * Start rsync (an absolute path) with argv in the restricted dir, with
 * only the pinned descriptors and a clean environment; forward stop
 * signals to it and wait.  Returns rsync's exit status (128 + signal if
 * it was killed), or -1 with *errstr (errno set) if it could not start.
 */
int	 execrsync_run(struct confine *, const char *rsync,
	    char *const argv[], const char **errstr);

#endif
