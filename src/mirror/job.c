/*
 * job.c - mirror job files: one INI file per job, parsed by libinih with
 * our own bounds checked first.  Pure except job_load and job_find.
 *
 * MUST 1: every value that ends up in the ssh command (-e) is free of
 *         quotes and control characters, and no host or user begins
 *         with '-', so nothing in a job file can become an ssh option.
 * MUST 2: the options rsguard controls (the remote shell, host key
 *         checking, identity, timeouts, update mode) cannot be overridden
 *         from options = or ssh_option =.
 * MUST 3: lines over MAX_JOB_LINE, files over MAX_JOB_FILE, NUL and
 *         control characters are refused with the line number; every
 *         line up to MAX_JOB_LINE reaches libinih whole (its line buffer
 *         is set to hold it: a longer line would be split, its tail
 *         parsed as a line of its own).
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "job.h"
#include "paths.h"
#include "util.h"

#ifndef RSYNC_PATH
#define RSYNC_PATH "/usr/bin/rsync"
#endif

/* "unknown key" with the key: valid until the next job_parse. */
#define MAX_KEY_SHOWN	64
static char unknown_err[MAX_KEY_SHOWN + 24];

struct ctx {
	struct job	*j;
	const char	*err;
	unsigned	 seen;		/* bit per single-valued key */
};

/*
 * rsync options a job may not set: rsguard sets or forbids them.  Among
 * them everything that defeats --delay-updates (job.c MUST 2): --inplace and
 * what implies it (--append, --append-verify, --write-devices), another
 * temporary or partial directory, --no-delay-updates.
 */
static const char *const banned_long[] = {
	"--rsh", "--rsync-path", "--remote-option", "--server", "--sender",
	"--daemon", "--config", "--timeout", "--contimeout", "--bwlimit",
	"--log-file", "--partial-dir", "--delay-updates", "--no-delay-updates",
	"--temp-dir", "--inplace", "--append", "--append-verify",
	"--write-devices", "--write-batch",
	"--only-write-batch", "--read-batch", "--password-file", "--old-args",
	"--port", "--sockopts", "--address", "--info", "--stats",
	"--out-format", "--log-format", NULL
};

/* ssh options rsguard sets (compared case-insensitively, before '='). */
static const char *const banned_ssh[] = {
	"IdentityFile", "IdentitiesOnly", "IdentityAgent", "BatchMode",
	"StrictHostKeyChecking", "UserKnownHostsFile", "GlobalKnownHostsFile",
	"KnownHostsCommand", "ConnectTimeout", "ServerAliveInterval",
	"ServerAliveCountMax", "Ciphers", "PermitLocalCommand", "LocalCommand",
	"ControlMaster", "ControlPath", "ControlPersist", "ForwardAgent",
	"CertificateFile", "PKCS11Provider", "SecurityKeyProvider",
	"UpdateHostKeys", "CheckHostIP", "VerifyHostKeyDNS", NULL
};

int
job_valid_name(const char *s)
{
	size_t i;

	if (s == NULL || !isalnum((unsigned char)s[0]))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= MAX_JOB_NAME)
			return 0;
		if (!isalnum((unsigned char)s[i]) && strchr("._-", s[i]) == NULL)
			return 0;
	}
	return 1;
}

int
job_duration(const char *s, int *secs)
{
	long long v = 0, mul = 1;
	size_t i;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -1;
	for (i = 0; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > MAX_JOB_TIME)
			return -1;
	}
	switch (s[i]) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -1;
	}
	if (s[i] != '\0' && s[i + 1] != '\0')
		return -1;
	if (v * mul > MAX_JOB_TIME)
		return -1;
	*secs = (int)(v * mul);
	return 0;
}

static int
has_quote(const char *s)
{
	return strpbrk(s, "'\"\\") != NULL;
}

static int
is_abs(const char *s)
{
	return s[0] == '/' && !has_quote(s);
}

/* [user@]host:path with a plain host; sets *host (allocated). */
static int
parse_remote(const char *s, char **host, const char **errstr)
{
	const char *at, *colon, *h;
	size_t i, hlen;

	colon = strchr(s, ':');
	if (colon == NULL) {
		*errstr = "remote side must be [user@]host:path";
		return -1;
	}
	at = memchr(s, '@', (size_t)(colon - s));
	if (at != NULL) {
		if (at == s || s[0] == '-') {
			*errstr = "bad user in [user@]host:path";
			return -1;
		}
		for (i = 0; s + i < at; i++)
			if (!isalnum((unsigned char)s[i]) &&
			    strchr("._-", s[i]) == NULL) {
				*errstr = "bad user in [user@]host:path";
				return -1;
			}
	}
	h = at ? at + 1 : s;
	hlen = (size_t)(colon - h);
	if (hlen == 0 || h[0] == '-' || hlen > 253) {
		*errstr = "bad host in [user@]host:path";
		return -1;
	}
	for (i = 0; i < hlen; i++)
		if (!isalnum((unsigned char)h[i]) &&
		    strchr(".-_", h[i]) == NULL) {
			*errstr = "bad host in [user@]host:path";
			return -1;
		}
	if (has_quote(colon + 1)) {
		*errstr = "quotes and backslashes are not allowed in paths";
		return -1;
	}
	*host = xstrndup(h, hlen);
	return 0;
}

static int
check_rsync_option(const char *w, const char **errstr)
{
	size_t i, n;

	if (w[0] != '-' || has_quote(w)) {
		*errstr = "options: each word must be an rsync option "
		    "(no quotes; sources and destinations have keys)";
		return -1;
	}
	if (w[1] != '-') {
		/* short flags: no remote shell, no -M, no -T (temp-dir) */
		for (i = 1; w[i] != '\0'; i++)
			if (!isalpha((unsigned char)w[i]) ||
			    strchr("eMT", w[i]) != NULL) {
				*errstr = "options: short option not allowed "
				    "(-e, -M and -T are set by rsguard)";
				return -1;
			}
		return 0;
	}
	for (i = 0; banned_long[i] != NULL; i++) {
		n = strlen(banned_long[i]);
		if (strncmp(w, banned_long[i], n) == 0 &&
		    (w[n] == '\0' || w[n] == '=')) {
			*errstr = "options: this rsync option is set by rsguard "
			    "or not allowed in a job";
			return -1;
		}
	}
	return 0;
}

static int
check_ssh_option(const char *v, const char **errstr)
{
	const char *eq = strchr(v, '=');
	size_t i, n;

	if (eq == NULL || eq == v || has_quote(v)) {
		*errstr = "ssh_option must be Key=Value without quotes";
		return -1;
	}
	n = (size_t)(eq - v);
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i])) {
			*errstr = "ssh_option must be Key=Value without quotes";
			return -1;
		}
	for (i = 0; banned_ssh[i] != NULL; i++)
		if (strlen(banned_ssh[i]) == n &&
		    strncasecmp(v, banned_ssh[i], n) == 0) {
			*errstr = "ssh_option: rsguard sets this option itself";
			return -1;
		}
	return 0;
}

/* Split a blank-separated value into checked rsync options. */
static int
add_options(struct strvec *sv, const char *v, const char **errstr)
{
	const char *p = v, *q;
	char *w;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return 0;
		for (q = p; *q != '\0' && *q != ' ' && *q != '\t'; q++)
			;
		w = xstrndup(p, (size_t)(q - p));
		if (check_rsync_option(w, errstr) == -1 ||
		    sv->n >= MAX_JOB_LIST) {
			if (sv->n >= MAX_JOB_LIST)
				*errstr = "too many options";
			free(w);
			return -1;
		}
		strvec_push(sv, w);	/* ownership to sv */
		p = q;
	}
}

enum { K_DIRECTION, K_SOURCE, K_DESTINATION, K_KEY, K_KNOWN_HOSTS,
    K_RSYNC, K_BWLIMIT, K_CIPHER, K_PORT, K_TIMEOUT, K_IO_TIMEOUT,
    K_CONNECT_TIMEOUT, K_ALIVE, K_RETRIES, K_RETRY_DELAY, K_EVERY,
    K_ATOMIC, K_OPTIONS, K_EXCLUDE, K_SSH_OPTION, K_NKEYS };

static const char *const keynames[K_NKEYS] = {
	"direction", "source", "destination", "key", "known_hosts",
	"rsync", "bwlimit", "cipher", "port", "timeout", "io_timeout",
	"connect_timeout", "server_alive_interval", "retries", "retry_delay",
	"every", "atomic", "options", "exclude", "ssh_option"
};

static int
set_str(char **dst, const char *v)
{
	*dst = xstrdup(v);
	return 1;
}

/*
 * The key's index for name in section, checked (known, once, not
 * empty); -1 with c->err.
 */
static int
lookup_key(struct ctx *c, const char *section, const char *name,
    const char *value)
{
	int k;

	if (strcmp(section, "job") != 0) {
		c->err = "keys belong in the [job] section";
		return -1;
	}
	for (k = 0; k < K_NKEYS; k++)
		if (strcmp(name, keynames[k]) == 0)
			break;
	if (k == K_NKEYS) {
		/* the prescan let no control character through */
		snprintf(unknown_err, sizeof(unknown_err), "unknown key "
		    "\"%.*s\"%s", MAX_KEY_SHOWN, name, strlen(name) >
		    MAX_KEY_SHOWN ? "..." : "");
		c->err = unknown_err;
		return -1;
	}
	if (k < K_OPTIONS) {
		if (c->seen & (1u << k)) {
			c->err = "key given twice";
			return -1;
		}
		c->seen |= 1u << k;
		if (value[0] == '\0') {
			c->err = "empty value";
			return -1;
		}
	}
	return k;
}

static int
set_bwlimit(struct ctx *c, const char *value)
{
	struct job *j = c->j;
	size_t i;

	/* rsync's syntax: a number and an optional unit letter */
	for (i = 0; isdigit((unsigned char)value[i]); i++)
		;
	if (i == 0 || i > 9 || (value[i] != '\0' &&
	    (strchr("KMGkmg", value[i]) == NULL ||
	    value[i + 1] != '\0'))) {
		c->err = "bwlimit must be a number with an optional "
		    "K, M or G (KiB/s by default)";
		return 0;
	}
	return set_str(&j->bwlimit, value);
}

static int
set_cipher(struct ctx *c, const char *value)
{
	struct job *j = c->j;
	size_t i;

	for (i = 0; value[i] != '\0'; i++)
		if (!isalnum((unsigned char)value[i]) &&
		    strchr("@.,-", value[i]) == NULL) {
			c->err = "cipher must be an ssh cipher list";
			return 0;
		}
	free(j->cipher);
	return set_str(&j->cipher, value);
}

/* port or retries: a bounded decimal number */
static int
set_count(struct ctx *c, int k, const char *value)
{
	struct job *j = c->j;
	size_t i;
	int n;

	n = 0;
	for (i = 0; isdigit((unsigned char)value[i]) && i < 6; i++)
		n = n * 10 + (value[i] - '0');
	if (value[i] != '\0' || (k == K_PORT && (n < 1 ||
	    n > 65535)) || (k == K_RETRIES && n > 20)) {
		c->err = k == K_PORT ? "port must be 1-65535" :
		    "retries must be 0-20";
		return 0;
	}
	*(k == K_PORT ? &j->port : &j->retries) = n;
	return 1;
}

/* the durations */
static int
set_duration(struct ctx *c, int k, const char *value)
{
	struct job *j = c->j;
	int n;

	if (job_duration(value, &n) == -1 || (n == 0 &&
	    k != K_RETRY_DELAY)) {
		c->err = "bad duration (e.g. 90, 90s, 15m, 1h, 2d; "
		    "at most 7d)";
		return 0;
	}
	*(k == K_TIMEOUT ? &j->timeout : k == K_IO_TIMEOUT ?
	    &j->io_timeout : k == K_CONNECT_TIMEOUT ?
	    &j->connect_timeout : k == K_ALIVE ? &j->alive_interval :
	    k == K_RETRY_DELAY ? &j->retry_delay : &j->every) = n;
	return 1;
}

static int
handler(void *user, const char *section, const char *name,
    const char *value)
{
	struct ctx *c = user;
	struct job *j = c->j;
	int k;

	if ((k = lookup_key(c, section, name, value)) == -1)
		return 0;
	switch (k) {
	case K_DIRECTION:
		if (strcmp(value, "push") == 0)
			j->direction = JOB_PUSH;
		else if (strcmp(value, "pull") == 0)
			j->direction = JOB_PULL;
		else {
			c->err = "direction must be push or pull";
			return 0;
		}
		return 1;
	case K_SOURCE:
		return set_str(&j->source, value);
	case K_DESTINATION:
		return set_str(&j->destination, value);
	case K_KEY:
	case K_KNOWN_HOSTS:
	case K_RSYNC:
		if (!is_abs(value)) {
			c->err = "must be an absolute path without quotes";
			return 0;
		}
		return set_str(k == K_KEY ? &j->key : k == K_RSYNC ?
		    &j->rsync : &j->known_hosts, value);
	case K_BWLIMIT:
		return set_bwlimit(c, value);
	case K_CIPHER:
		return set_cipher(c, value);
	case K_ATOMIC:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			c->err = "atomic must be yes or no";
			return 0;
		}
		j->atomic = strcmp(value, "yes") == 0;
		return 1;
	case K_PORT:
	case K_RETRIES:
		return set_count(c, k, value);
	case K_TIMEOUT:
	case K_IO_TIMEOUT:
	case K_CONNECT_TIMEOUT:
	case K_ALIVE:
	case K_RETRY_DELAY:
	case K_EVERY:
		return set_duration(c, k, value);
	case K_OPTIONS:
		if (add_options(&j->options, value, &c->err) == -1)
			return 0;
		return 1;
	case K_EXCLUDE:
		if (value[0] == '\0' || j->excludes.n >= MAX_JOB_LIST) {
			c->err = value[0] ? "too many excludes" :
			    "empty exclude";
			return 0;
		}
		strvec_push(&j->excludes, xstrdup(value));
		return 1;
	case K_SSH_OPTION:
		if (check_ssh_option(value, &c->err) == -1)
			return 0;
		if (j->ssh_options.n >= MAX_JOB_LIST) {
			c->err = "too many ssh options";
			return 0;
		}
		strvec_push(&j->ssh_options, xstrdup(value));
		return 1;
	}
	return 0;
}

/* Bounds libinih does not check for us (job.c MUST 3). */
static int
prescan(const char *text, int *line, const char **errstr)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t col = 0, total = 0;

	*line = 1;
	for (; *p != '\0'; p++, total++) {
		if (total >= MAX_JOB_FILE) {
			*errstr = "job file too large";
			return -1;
		}
		if (*p == '\n') {
			(*line)++;
			col = 0;
			continue;
		}
		if (++col > MAX_JOB_LINE) {
			*errstr = "line too long";
			return -1;
		}
		if ((*p < 0x20 && *p != '\t' && *p != '\r') || *p == 0x7f) {
			*errstr = "control character";
			return -1;
		}
	}
	*line = 0;
	return 0;
}

/* Cross-field checks after parsing (job.c MUST 1). */
static int
validate(struct job *j, const char *dir, const char **errstr)
{
	size_t i;

	/*
	 * job.c MUST 2: rsync deletes a missing argument's file when it meets
	 * it, whatever the delete mode: no --delete-delay holds that back.
	 */
	for (i = 0; j->atomic && i < j->options.n; i++)
		if (strcmp(j->options.v[i], "--delete-missing-args") == 0) {
			*errstr = "options: --delete-missing-args deletes at "
			    "once, which atomic = yes cannot delay (set "
			    "atomic = no, or drop it)";
			return -1;
		}
	if (j->direction == 0 || j->source == NULL ||
	    j->destination == NULL || j->key == NULL) {
		*errstr = "direction, source, destination and key are required";
		return -1;
	}
	if (j->direction == JOB_PUSH) {
		j->local = j->source;
		j->remote = j->destination;
	} else {
		j->local = j->destination;
		j->remote = j->source;
	}
	if (!is_abs(j->local)) {
		*errstr = j->direction == JOB_PUSH ?
		    "push: source must be an absolute local path" :
		    "pull: destination must be an absolute local path";
		return -1;
	}
	if (parse_remote(j->remote, &j->host, errstr) == -1)
		return -1;
	if (j->known_hosts == NULL) {
		if (dir == NULL || has_quote(dir) || dir[0] != '/') {
			*errstr = "known_hosts is required";
			return -1;
		}
		j->known_hosts = xasprintf("%s/%s.known_hosts", dir, j->name);
	}
	return 0;
}

int
job_parse(const char *text, const char *name, const char *dir,
    struct job *j, int *line, const char **errstr)
{
	struct ctx c;
	int rc;

	memset(j, 0, sizeof(*j));
	*line = 0;
	if (!job_valid_name(name)) {
		*errstr = "job names are letters, digits, '.', '_' and '-'";
		return -1;
	}
	j->name = xstrdup(name);
	j->cipher = xstrdup(JOB_CIPHERS);
	j->rsync = NULL;
	j->timeout = 6 * 3600;
	j->io_timeout = 300;
	j->connect_timeout = 30;
	j->alive_interval = 15;
	j->retries = 3;
	j->atomic = 1;
	j->retry_delay = 30;
	if (prescan(text, line, errstr) == -1)
		goto fail;
	memset(&c, 0, sizeof(c));
	c.j = j;
	ini_allow_multiline = false;
	ini_allow_inline_comments = false;
	ini_allow_no_value = false;
	ini_stop_on_first_error = true;
	/*
	 * job.c MUST 3: libinih's stack buffer is INI_MAX_LINE (200) bytes; a
	 * heap buffer that grows to the line, '\n' and NUL holds every line the
	 * prescan let through.  (Debian's libinih takes these at run time.)
	 */
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_initial_alloc = 256;
	ini_max_line = MAX_JOB_LINE + 3;
	if ((rc = ini_parse_string(text, handler, &c)) != 0) {
		*line = rc > 0 ? rc : 0;
		*errstr = c.err ? c.err : rc > 0 ?
		    "syntax error: expected key = value or [job]" :
		    "cannot parse";
		goto fail;
	}
	if (j->rsync == NULL)
		j->rsync = xstrdup(RSYNC_PATH);
	if (validate(j, dir, errstr) == -1)
		goto fail;
	return 0;
 fail:
	job_free(j);
	return -1;
}

int
job_load(const char *path, struct job *j, int *line, const char **errstr)
{
	char *text, *name, *dir, *base, *dot;
	ssize_t n;
	size_t len = 0;
	int fd, rc;

	*line = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		*errstr = strerror(errno);
		return -1;
	}
	text = xmalloc(MAX_JOB_FILE + 2);
	while (len <= MAX_JOB_FILE &&
	    (n = read(fd, text + len, MAX_JOB_FILE + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = '\0';
	if (len > MAX_JOB_FILE || strlen(text) != len) {
		*errstr = len > MAX_JOB_FILE ? "job file too large" :
		    "NUL byte in job file";
		free(text);
		return -1;
	}
	base = strrchr(path, '/');
	dir = base ? xstrndup(path, (size_t)(base - path)) : xstrdup(".");
	name = xstrdup(base ? base + 1 : path);
	if ((dot = strrchr(name, '.')) != NULL && dot != name)
		*dot = '\0';
	if (dir[0] != '/') {
		/* an absolute directory for the default known_hosts */
		base = realpath(dir, NULL);
		free(dir);
		dir = base ? base : xstrdup("");
	}
	rc = job_parse(text, name, dir, j, line, errstr);
	if (rc == 0)
		j->path = xstrdup(path);
	free(text);
	free(name);
	free(dir);
	return rc;
}

void
job_free(struct job *j)
{
	free(j->name);
	free(j->path);
	free(j->source);
	free(j->destination);
	free(j->host);
	free(j->key);
	free(j->known_hosts);
	free(j->rsync);
	free(j->bwlimit);
	free(j->cipher);
	strvec_free(&j->options);
	strvec_free(&j->excludes);
	strvec_free(&j->ssh_options);
	memset(j, 0, sizeof(*j));
}

char *
job_find(const char *job, const char *jobs_dir, char **name,
    const char **errstr)
{
	char *dirs[2] = { NULL, NULL }, *p, *dot;
	const char *base;
	struct stat st;
	int i;

	*name = NULL;
	if (strchr(job, '/') != NULL) {
		base = strrchr(job, '/') + 1;
		*name = xstrdup(base);
		if ((dot = strrchr(*name, '.')) != NULL && dot != *name)
			*dot = '\0';
		if (!job_valid_name(*name)) {
			*errstr = "job file names are letters, digits, "
			    "'.', '_' and '-'";
			free(*name);
			*name = NULL;
			return NULL;
		}
		return xstrdup(job);
	}
	if (!job_valid_name(job)) {
		*errstr = "job names are letters, digits, '.', '_' and '-'";
		return NULL;
	}
	if (jobs_dir != NULL)
		dirs[0] = xstrdup(jobs_dir);
	else {
		dirs[0] = paths_jobs_dir();
		dirs[1] = xstrdup(PATHS_ETC_JOBS);
	}
	for (i = 0; i < 2 && dirs[i] != NULL; i++) {
		p = xasprintf("%s/%s.conf", dirs[i], job);
		if (stat(p, &st) == 0) {
			free(dirs[0]);
			free(dirs[1]);
			*name = xstrdup(job);
			return p;
		}
		free(p);
	}
	free(dirs[0]);
	free(dirs[1]);
	*errstr = "no such job (looked for JOB.conf in the jobs directories)";
	return NULL;
}
