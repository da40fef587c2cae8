/* log.h - syslog and log-file records, bounded and escaped. */
#ifndef RSGUARD_LOG_H
#define RSGUARD_LOG_H

#include <stddef.h>

#define MAX_LOG_FIELD	2048	/* bytes of one untrusted field logged */
#define MAX_LOG_RECORD	8192	/* bytes of one record's text */

enum log_target { LOG_TO_SYSLOG, LOG_TO_FILE, LOG_TO_NONE };

/* Open the log; for LOG_TO_FILE the path is opened O_APPEND|O_NOFOLLOW
 * and used only if it is a regular file; for LOG_TO_SYSLOG a socket is
 * connected now (/dev/log, else the journal's).  Returns 0 or -1 (errstr). */
int	 log_open(enum log_target, const char *path, const char **errstr);
/* One record; -1 if it could not be written (0 for LOG_TO_NONE). */
int	 log_msg(int prio, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Escape untrusted text into buf: printable ASCII kept, rest \xHH,
 * truncated with "..." past max bytes of input. */
void	 log_escape(const char *, size_t max, char *buf, size_t bufsz);

#endif
