/* execrsync.h - run the validated rsync command. */
#ifndef RSGUARD_EXECRSYNC_H
#define RSGUARD_EXECRSYNC_H

#include "confine.h"
#include "sandbox.h"

/*
 * Start rsync (an absolute path) with argv in the restricted dir, with
 * only the pinned descriptors and a clean environment, inside the
 * prepared sandbox (sandbox_prepare); forward stop
 * signals to it and wait.  If the client goes away and rsync has not
 * ended 10 seconds later, it is killed and *gone set.  Returns rsync's
 * exit status (128 + signal if it was killed), or -1 with *errstr
 * (errno set) if it could not start.
 */
int	 execrsync_run(struct confine *, const struct sandbox *, const char *rsync,
	    char *const argv[], int *gone, const char **errstr);

#endif
