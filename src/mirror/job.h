/* job.h - mirror job files (INI, parsed by libinih): parse and validate. */
#ifndef RSGUARD_JOB_H
#define RSGUARD_JOB_H

#include <stddef.h>

#include "util.h"

#define MAX_JOB_FILE	(64 * 1024)	/* bytes of one job file */
#define MAX_JOB_LINE	4096		/* bytes of one line, \r included */
#define MAX_JOB_NAME	64		/* bytes of a job name */
#define MAX_JOB_LIST	64		/* entries of a list key (exclude, ...) */
#define MAX_JOB_TIME	(7 * 86400)	/* longest duration accepted, seconds */

/*
 * Ciphers offered, fastest first, as measured on this machine class
 * (x86_64 with AES-NI, 2 cores; 512 MiB through ssh and a local "sshd -i",
 * median of 3): aes256-gcm 0.90 s, aes128-gcm 1.02 s, chacha20-poly1305
 * 1.28 s, aes128-ctr 1.56 s.  A list, so a server without GCM still works.
 */
#define JOB_CIPHERS	"aes256-gcm@openssh.com,aes128-gcm@openssh.com," \
			"chacha20-poly1305@openssh.com"

enum job_dir { JOB_PUSH = 1, JOB_PULL };

struct job {
	char		*name;		/* [A-Za-z0-9][A-Za-z0-9._-]* */
	char		*path;		/* the job file, or NULL */
	enum job_dir	 direction;
	char		*source;	/* local path or [user@]host:path */
	char		*destination;
	char		*local;		/* the local side of the two (alias) */
	char		*remote;	/* the remote side (alias) */
	char		*host;		/* host part of remote (owned) */
	char		*key;		/* identity file, absolute */
	char		*known_hosts;	/* pinned host key file, absolute */
	char		*rsync;		/* local rsync binary, absolute */
	char		*bwlimit;	/* rsync --bwlimit value, or NULL */
	char		*cipher;	/* ssh -c list */
	struct strvec	 options;	/* extra rsync options */
	struct strvec	 excludes;
	struct strvec	 ssh_options;	/* extra ssh -o Key=Value */
	int		 port;		/* 0: ssh's default */
	int		 timeout;	/* whole run, seconds */
	int		 io_timeout;	/* rsync --timeout, seconds */
	int		 connect_timeout;
	int		 alive_interval;	/* ServerAliveInterval */
	int		 retries;	/* attempts after the first */
	int		 retry_delay;	/* first backoff, seconds, doubles */
	int		 every;		/* schedule interval, seconds; 0 unset */
	int		 atomic;	/* --delay-updates, --delete-delay */
};

/*
 * Parse job text (NUL-terminated, at most MAX_JOB_FILE bytes) into j.
 * `name' is the job's name; `dir' is the directory the job file is in
 * (used for the default known_hosts path; may be NULL).  Returns 0, or -1
 * with *line (0 when not tied to a line) and *errstr (static, valid until
 * the next call) set; j is then freed.  Pure: no I/O.
 */
int	 job_parse(const char *text, const char *name, const char *dir,
	    struct job *j, int *line, const char **errstr);
/* Read and parse a job file.  -1 with *line, *errstr on error. */
int	 job_load(const char *path, struct job *j, int *line,
	    const char **errstr);
void	 job_free(struct job *);

/* Names and durations ("90", "90s", "15m", "1h", "2d").  -1 if invalid. */
int	 job_valid_name(const char *);
int	 job_duration(const char *, int *secs);

/*
 * Locate a job: JOB with a '/' is a path; else DIR/JOB.conf in jobs_dir
 * (if not NULL) or the default directories.  Returns an allocated path or
 * NULL (errstr).  *name receives the allocated job name.
 */
char	*job_find(const char *job, const char *jobs_dir, char **name,
	    const char **errstr);

#endif
