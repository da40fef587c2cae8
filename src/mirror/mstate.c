/*
 * mstate.c - the status a mirror run leaves for monitoring: one JSON file
 * per job and, optionally, a node_exporter textfile.  Both are replaced
 * atomically by mirror.c with afile_write (temp file, fsync, rename,
 * fsync of the directory) so a reader never sees half and a power loss
 * keeps the last one.
 *
 * MUST 1: a status file is read only when it is a regular file; a FIFO,
 *         device, directory or symlink in its place is refused at once,
 *         never waited on (test_mirror_data.sh t_state_fifo_refused).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mstate.h"
#include "util.h"

/* JSON string body for s: quotes, backslashes and controls escaped. */
static void
jesc(const char *s, char *buf, size_t bufsz)
{
	size_t o = 0;
	unsigned char c;

	for (; (c = (unsigned char)*s) != '\0' && o + 7 < bufsz; s++) {
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, bufsz - o, "\\u%04x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

char *
mstate_json(const char *job, const struct mstate *st)
{
	char msg[MAX_STATE_MSG * 6 + 8], name[512];

	jesc(st->message, msg, sizeof(msg));
	jesc(job, name, sizeof(name));
	return xasprintf("{\n"
	    "  \"job\": \"%s\",\n"
	    "  \"result\": \"%s\",\n"
	    "  \"start\": %lld,\n"
	    "  \"end\": %lld,\n"
	    "  \"duration\": %.3f,\n"
	    "  \"exit\": %d,\n"
	    "  \"rsync_exit\": %d,\n"
	    "  \"attempts\": %d,\n"
	    "  \"bytes\": %lld,\n"
	    "  \"files\": %lld,\n"
	    "  \"last_success\": %lld,\n"
	    "  \"message\": \"%s\"\n"
	    "}\n", name, st->result, st->start, st->end, st->duration,
	    st->exit, st->rsync_exit, st->attempts, st->bytes, st->files,
	    st->last_success, msg);
}

/* The number after "key": on its line, or -1 if absent. */
static int
num(const char *text, const char *key, long long *v)
{
	char pat[40];
	const char *p;
	int neg = 0;

	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	if ((p = strstr(text, pat)) == NULL)
		return -1;
	p += strlen(pat);
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return -1;
	for (*v = 0; isdigit((unsigned char)*p) && *v < 1000000000000000LL;
	    p++)
		*v = *v * 10 + (*p - '0');
	if (neg)
		*v = -*v;
	return 0;
}

int
mstate_parse(const char *text, struct mstate *st)
{
	const char *p;
	long long v;
	size_t i;

	memset(st, 0, sizeof(*st));
	if ((p = strstr(text, "\"result\": \"")) == NULL)
		return -1;
	p += strlen("\"result\": \"");
	for (i = 0; i + 1 < sizeof(st->result) && isalpha((unsigned char)p[i]);
	    i++)
		st->result[i] = p[i];
	if (p[i] != '"')
		return -1;
	if (num(text, "start", &st->start) == -1 ||
	    num(text, "end", &st->end) == -1 ||
	    num(text, "last_success", &st->last_success) == -1)
		return -1;
	if (num(text, "exit", &v) == 0)
		st->exit = (int)v;
	if (num(text, "rsync_exit", &v) == 0)
		st->rsync_exit = (int)v;
	if (num(text, "attempts", &v) == 0)
		st->attempts = (int)v;
	(void)num(text, "bytes", &st->bytes);
	(void)num(text, "files", &st->files);
	st->duration = (double)(st->end - st->start);
	return 0;
}

char *
mstate_prom(const char *job, const struct mstate *st)
{
	/* job names are [A-Za-z0-9._-]: nothing to escape in the label */
	return xasprintf(
	    "# HELP rsguard_last_run_timestamp_seconds End of the last run.\n"
	    "# TYPE rsguard_last_run_timestamp_seconds gauge\n"
	    "rsguard_last_run_timestamp_seconds{job=\"%s\"} %lld\n"
	    "# HELP rsguard_last_success_timestamp_seconds End of the last "
	    "successful run (0: never).\n"
	    "# TYPE rsguard_last_success_timestamp_seconds gauge\n"
	    "rsguard_last_success_timestamp_seconds{job=\"%s\"} %lld\n"
	    "# HELP rsguard_last_run_success 1 if the last run succeeded.\n"
	    "# TYPE rsguard_last_run_success gauge\n"
	    "rsguard_last_run_success{job=\"%s\"} %d\n"
	    "# HELP rsguard_last_exit_code Exit status of the last run.\n"
	    "# TYPE rsguard_last_exit_code gauge\n"
	    "rsguard_last_exit_code{job=\"%s\"} %d\n"
	    "# HELP rsguard_last_duration_seconds Duration of the last run.\n"
	    "# TYPE rsguard_last_duration_seconds gauge\n"
	    "rsguard_last_duration_seconds{job=\"%s\"} %.3f\n"
	    "# HELP rsguard_bytes_transferred Bytes sent and received by "
	    "the last run.\n"
	    "# TYPE rsguard_bytes_transferred gauge\n"
	    "rsguard_bytes_transferred{job=\"%s\"} %lld\n"
	    "# HELP rsguard_files_transferred Files transferred by the last "
	    "run.\n"
	    "# TYPE rsguard_files_transferred gauge\n"
	    "rsguard_files_transferred{job=\"%s\"} %lld\n"
	    "# HELP rsguard_attempts Attempts the last run needed.\n"
	    "# TYPE rsguard_attempts gauge\n"
	    "rsguard_attempts{job=\"%s\"} %d\n",
	    job, st->end, job, st->last_success, job,
	    st->exit == 0 ? 1 : 0, job, st->exit, job, st->duration,
	    job, st->bytes, job, st->files, job, st->attempts);
}

/* The number after label on a line of rsync --stats ("1,234" allowed). */
static long long
statnum(const char *out, const char *label)
{
	const char *p;
	long long v = 0;

	if ((p = strstr(out, label)) == NULL)
		return 0;
	for (p += strlen(label); *p == ' '; p++)
		;
	for (; (isdigit((unsigned char)*p) || *p == ',') &&
	    v < 1000000000000000LL; p++)
		if (*p != ',')
			v = v * 10 + (*p - '0');
	return v;
}

void
mstate_stats(const char *out, struct mstate *st)
{
	if (out == NULL)
		return;
	st->files = statnum(out, "Number of regular files transferred:");
	st->bytes = statnum(out, "Total bytes sent:") +
	    statnum(out, "Total bytes received:");
}

int
mstate_load(const char *dir, const char *job, struct mstate *st)
{
	char *path, buf[MAX_STATE_FILE + 1];
	struct stat sb;
	ssize_t n;
	size_t len = 0;
	int fd, save;

	/* mstate.c MUST 1: no wait on a FIFO or device, no symlink followed */
	path = xasprintf("%s/%s.json", dir, job);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
	    O_NOCTTY);
	free(path);
	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		save = S_ISREG(sb.st_mode) ? errno : EINVAL;
		close(fd);
		errno = save;
		return -1;
	}
	while (len < MAX_STATE_FILE &&
	    (n = read(fd, buf + len, MAX_STATE_FILE - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	if (mstate_parse(buf, st) == -1) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}
