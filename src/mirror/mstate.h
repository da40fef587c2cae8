/* mstate.h - a mirror job's status file (JSON) and Prometheus textfile. */
#ifndef RSGUARD_MSTATE_H
#define RSGUARD_MSTATE_H

#include <stddef.h>

#define MAX_STATE_FILE	8192	/* bytes of a status file read back */
#define MAX_STATE_MSG	200	/* bytes of the message kept */

struct mstate {
	long long	start;		/* unix seconds */
	long long	end;
	double		duration;	/* seconds */
	int		exit;		/* rsguard's exit status */
	int		rsync_exit;	/* last rsync status, -1 if none */
	int		attempts;
	long long	bytes;		/* bytes sent + received by rsync */
	long long	files;		/* regular files transferred */
	long long	last_success;	/* unix seconds, 0 never */
	char		result[16];	/* ok warning failed timeout */
	char		message[MAX_STATE_MSG + 1];
};

/* JSON for st (allocated).  Pure. */
char	*mstate_json(const char *job, const struct mstate *st);
/* Parse what mstate_json wrote; unknown keys ignored.  0 or -1.  Pure. */
int	 mstate_parse(const char *text, struct mstate *st);
/* node_exporter textfile for st (allocated).  Pure. */
char	*mstate_prom(const char *job, const struct mstate *st);
/* Read rsync --stats output into st->bytes, st->files.  Pure. */
void	 mstate_stats(const char *out, struct mstate *st);

/* Read dir/JOB.json into st.  0, or -1 with errno: ENOENT missing, ELOOP
 * a symlink, EINVAL not a regular file (a FIFO is not waited on), EBADMSG
 * unparsable, else open's or read's. */
int	 mstate_load(const char *dir, const char *job, struct mstate *st);

#endif
