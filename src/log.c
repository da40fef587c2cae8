/*
 * log.c - one place that writes records: syslog (LOG_AUTH) or a file.
 *
 * MUST invariants (tests/unit/test_log.c):
 *  1. MUST escape every byte outside printable ASCII, and the backslash,
 *     in untrusted text, and bound it to MAX_LOG_FIELD bytes.
 *  2. MUST open a log file with O_NOFOLLOW|O_APPEND and use it only if
 *     fstat says it is a regular file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static enum log_target target = LOG_TO_NONE;
static int logfd = -1;

int
log_open(enum log_target t, const char *path, const char **errstr)
{
	struct stat st;

	target = t;
	if (t == LOG_TO_SYSLOG) {
		openlog("rsguard", LOG_PID | LOG_NDELAY, LOG_AUTH);
		return 0;
	}
	if (t != LOG_TO_FILE)
		return 0;
	logfd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (logfd == -1) {
		/* ENXIO: a FIFO without a reader (O_NONBLOCK). */
		*errstr = errno == ELOOP ? "log file is a symlink" :
		    errno == ENXIO ? "log file is not a regular file" :
		    "cannot open log file";
		target = LOG_TO_NONE;
		return -1;
	}
	if (fstat(logfd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(logfd);
		logfd = -1;
		target = LOG_TO_NONE;
		*errstr = "log file is not a regular file";
		return -1;
	}
	return 0;
}

void
log_msg(int prio, const char *fmt, ...)
{
	char buf[8192], stamp[64];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (target == LOG_TO_NONE)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (target == LOG_TO_SYSLOG) {
		syslog(prio, "%s", buf);
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(NULL, 0, "%s rsguard[%ld]: %s\n", stamp, (long)getpid(),
	    buf);
	if (n > 0) {
		char line[8400];
		snprintf(line, sizeof(line), "%s rsguard[%ld]: %s\n", stamp,
		    (long)getpid(), buf);
		/* A single write keeps records whole under O_APPEND. */
		if (write(logfd, line, strlen(line)) == -1)
			return;
	}
}

void
log_escape(const char *s, size_t max, char *buf, size_t bufsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;
	unsigned char c;

	if (bufsz == 0)
		return;
	for (i = 0; s[i] != '\0' && i < max; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= bufsz)
				break;
			buf[o++] = (char)c;
		} else {
			if (o + 4 >= bufsz)
				break;
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	if (s[i] != '\0' && o + 3 < bufsz) {
		buf[o++] = '.';
		buf[o++] = '.';
		buf[o++] = '.';
	}
	buf[o] = '\0';
}
