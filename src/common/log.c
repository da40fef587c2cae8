/*
 * log.c - one place that writes records: syslog (LOG_AUTH), the journal,
 * or a file.
 *
 * MUST invariants (tests/unit/test_log.c, tests/integration/test_serve_log.sh):
 *  1. MUST escape every byte outside printable ASCII, and the backslash,
 *     in untrusted text, and bound it to MAX_LOG_FIELD bytes.
 *  2. MUST open a log file with O_NOFOLLOW|O_APPEND and use it only if
 *     fstat says it is a regular file.
 *  3. MUST NOT lose a record silently: for LOG_TO_SYSLOG a socket is
 *     connected at log_open (syslog's /dev/log, else the journal's native
 *     socket; neither: log_open fails), and log_msg returns -1 for a
 *     record not sent or not written whole.
 * NB. the socket paths come from the build only (LOG_DEVLOG, LOG_JOURNAL),
 * never from the environment: sshd can pass a client's variables through
 * (AcceptEnv, PermitUserEnvironment).  The tests hide and stand in for
 * the sockets in a private mount namespace instead.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#ifndef LOG_DEVLOG
#define LOG_DEVLOG	"/dev/log"
#endif
#ifndef LOG_JOURNAL
#define LOG_JOURNAL	"/run/systemd/journal/socket"
#endif
#define LOG_IDENT	"rsguard"

/*
 * Where a syslog record may go, in order: syslogd's socket (on systemd
 * hosts a link to journald's), then journald's native one, which a
 * container or a host without a syslog daemon may have alone.  NB.
 * glibc's syslog() drops a record it cannot send; this module sends its
 * own and says when it could not.
 */
enum proto { PROTO_SYSLOG, PROTO_JOURNAL };
static const struct sink {
	const char	*path;
	enum proto	 proto;
} sinks[] = {
	{ LOG_DEVLOG,	PROTO_SYSLOG },
	{ LOG_JOURNAL,	PROTO_JOURNAL },
};
#define NSINKS	(sizeof(sinks) / sizeof(sinks[0]))

static enum log_target target = LOG_TO_NONE;
static int logfd = -1;
static const struct sink *sink;	/* what logfd is connected to */
static int logstream;		/* logfd is a SOCK_STREAM syslog socket */

/* Connect to s; a stream socket only for syslog (syslog-ng can). */
static int
sink_connect(const struct sink *s)
{
	struct sockaddr_un sun;
	int fd, type;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(s->path) >= sizeof(sun.sun_path))
		return -1;
	memcpy(sun.sun_path, s->path, strlen(s->path));
	for (type = SOCK_DGRAM;; type = SOCK_STREAM) {
		if ((fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			logstream = type == SOCK_STREAM;
			return fd;
		}
		close(fd);
		/* A stream socket answers a datagram connect EPROTOTYPE. */
		if (errno != EPROTOTYPE || type == SOCK_STREAM ||
		    s->proto != PROTO_SYSLOG)
			return -1;
	}
}

/* The first sink that takes a connection: 0, or -1 (none). */
static int
sinks_connect(void)
{
	size_t i;

	for (i = 0; i < NSINKS; i++) {
		if ((logfd = sink_connect(&sinks[i])) != -1) {
			sink = &sinks[i];
			return 0;
		}
	}
	sink = NULL;
	return -1;
}

int
log_open(enum log_target t, const char *path, const char **errstr)
{
	struct stat st;

	target = t;
	if (t == LOG_TO_SYSLOG) {
		if (sinks_connect() == 0)
			return 0;
		target = LOG_TO_NONE;
		*errstr = "syslog is unreachable (no " LOG_DEVLOG ", no "
		    LOG_JOURNAL "): no record could be kept; the operator "
		    "can pass --log=FILE";
		return -1;
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

/*
 * One record in the sink's form: RFC 3164 as glibc's syslog() sends it,
 * or journald's native fields with MESSAGE in the length-prefixed form
 * (so no byte of it can start a field).  Returns its length, or 0 if it
 * would not fit.
 */
static size_t
format_record(enum proto proto, int prio, const char *msg, char *buf,
    size_t bufsz)
{
	char stamp[32];
	struct tm tm;
	time_t now;
	uint64_t ml = strlen(msg);
	size_t n;
	int h, i;

	if (proto == PROTO_JOURNAL) {
		h = snprintf(buf, bufsz, "PRIORITY=%d\nSYSLOG_FACILITY=%d\n"
		    "SYSLOG_IDENTIFIER=" LOG_IDENT "\nSYSLOG_PID=%ld\n"
		    "MESSAGE\n", prio & LOG_PRIMASK, LOG_AUTH >> 3,
		    (long)getpid());
		if (h < 0 || (size_t)h + 8 + ml + 1 > bufsz)
			return 0;
		n = (size_t)h;
		for (i = 0; i < 8; i++)		/* little-endian length */
			buf[n++] = (char)(ml >> (8 * i) & 0xff);
		memcpy(buf + n, msg, ml);
		n += ml;
		buf[n++] = '\n';
		return n;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
		stamp[0] = '\0';
	h = snprintf(buf, bufsz, "<%d>%s " LOG_IDENT "[%ld]: %s",
	    LOG_AUTH | (prio & LOG_PRIMASK), stamp, (long)getpid(), msg);
	if (h < 0 || (size_t)h + 1 > bufsz)
		return 0;
	/* NB. a stream socket takes the terminating NUL as the separator. */
	return (size_t)h + (size_t)logstream;
}

/* Send one record; a sink that went away is looked for again, once. */
static int
sink_send(int prio, const char *msg)
{
	char rec[MAX_LOG_RECORD + 256];
	size_t n;
	int i;

	for (i = 0; i < 2; i++) {
		if (logfd == -1 && sinks_connect() == -1)
			return -1;
		if ((n = format_record(sink->proto, prio, msg, rec,
		    sizeof(rec))) == 0) {
			errno = EMSGSIZE;
			return -1;
		}
		if (send(logfd, rec, n, MSG_NOSIGNAL) == (ssize_t)n)
			return 0;
		/* The daemon restarted (its socket is a new one), or left. */
		close(logfd);
		logfd = -1;
	}
	return -1;
}

int
log_msg(int prio, const char *fmt, ...)
{
	char buf[MAX_LOG_RECORD], stamp[64];
	struct tm tm;
	time_t now;
	va_list ap;
	int n;

	if (target == LOG_TO_NONE)
		return 0;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (target == LOG_TO_SYSLOG)
		return sink_send(prio, buf);
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S%z", &tm) == 0)
		stamp[0] = '\0';
	n = snprintf(NULL, 0, "%s rsguard[%ld]: %s\n", stamp, (long)getpid(),
	    buf);
	if (n > 0) {
		char line[MAX_LOG_RECORD + 256];
		snprintf(line, sizeof(line), "%s rsguard[%ld]: %s\n", stamp,
		    (long)getpid(), buf);
		/* A single write keeps records whole under O_APPEND. */
		if (write(logfd, line, strlen(line)) != (ssize_t)strlen(line))
			return -1;
	}
	return 0;
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
