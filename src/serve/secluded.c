/*
 * secluded.c - read the arguments a client sends with rsync -s.
 *
 * MUST invariants (tests/unit/test_secluded.c, tests/fuzz/fuzz_secluded.c):
 *  1. MUST NOT consume a byte past the list's terminating empty string:
 *     the protocol that follows belongs to rsync.
 *  2. MUST bound bytes (MAX_SECLUDED_BYTES), arguments
 *     (MAX_SECLUDED_ARGS), one argument (MAX_SECLUDED_ARG) and time
 *     (the caller's timeout); a bound reached is a refusal, never a
 *     truncated list.
 *  3. MUST take the list only when it starts with "rsync", as rsync's
 *     client sends it.
 *  4. MUST hand every argument on byte for byte ("." stays "."): serve
 *     then checks them as it checks command-line words.
 *  5. MUST write each argument back as one command-line word that
 *     cmdline.c splits and unescapes to exactly that argument.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "secluded.h"

void
secluded_init(struct secluded *s)
{
	memset(&s->args, 0, sizeof(s->args));
	s->curlen = 0;
	s->total = 0;
	s->seen_argv0 = 0;
}

void
secluded_free(struct secluded *s)
{
	strvec_free(&s->args);
}

int
secluded_feed(struct secluded *s, const char *buf, size_t n, size_t *used,
    const char **errstr)
{
	const char *nul;
	size_t k, take;

	*used = 0;
	while (*used < n) {
		k = n - *used;
		nul = memchr(buf + *used, '\0', k);
		take = nul != NULL ? (size_t)(nul - (buf + *used)) : k;
		/* secluded.c MUST 2: one argument, and the whole list */
		if (s->curlen + take > MAX_SECLUDED_ARG) {
			*errstr = "a secluded argument is too long";
			return SECL_ERR;
		}
		if (s->total + take + (nul != NULL) > MAX_SECLUDED_BYTES) {
			*errstr = "the secluded arguments are too long";
			return SECL_ERR;
		}
		memcpy(s->cur + s->curlen, buf + *used, take);
		s->curlen += take;
		s->total += take;
		*used += take;
		if (nul == NULL)
			return SECL_MORE;
		(*used)++;		/* the NUL */
		s->total++;
		s->cur[s->curlen] = '\0';
		if (!s->seen_argv0) {
			/* secluded.c MUST 3 */
			if (strcmp(s->cur, "rsync") != 0) {
				*errstr = "the secluded arguments do not start "
				    "with \"rsync\"";
				return SECL_ERR;
			}
			s->seen_argv0 = 1;
		} else if (s->curlen == 0)
			return SECL_DONE;	/* secluded.c MUST 1: stop right here */
		else {
			if (s->args.n >= MAX_SECLUDED_ARGS) {
				*errstr = "too many secluded arguments";
				return SECL_ERR;
			}
			strvec_push(&s->args, xstrndup(s->cur, s->curlen));
		}
		s->curlen = 0;
	}
	return SECL_MORE;
}

static long long
now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Wait until fd is readable, within the deadline; 0 or -1. */
static int
wait_readable(int fd, long long deadline, const char **errstr)
{
	struct pollfd pf;
	long long left;
	int r;

	for (;;) {
		if ((left = deadline - now_ms()) <= 0) {
			*errstr = "timed out reading the secluded arguments";
			return -1;
		}
		pf.fd = fd;
		pf.events = POLLIN;
		r = poll(&pf, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == -1 && errno != EINTR) {
			*errstr = "cannot wait for the secluded arguments";
			return -1;
		}
	}
}

/*
 * Look at what is waiting on fd without taking it: MSG_PEEK on a
 * socket, tee(2) into a private pipe for a pipe.  The count, 0 at end
 * of input, or -1 (errno EINVAL: fd can do neither).
 */
static ssize_t
peek(int fd, int kind, const int pp[2], char *buf, size_t sz)
{
	ssize_t n;

	if (kind == S_IFSOCK)
		return recv(fd, buf, sz, MSG_PEEK | MSG_DONTWAIT);
	if (kind != S_IFIFO || pp[0] == -1) {
		errno = EINVAL;
		return -1;
	}
	n = tee(fd, pp[1], sz, SPLICE_F_NONBLOCK);
	if (n <= 0)
		return n;
	return read(pp[0], buf, (size_t)n);
}

int
secluded_read(int fd, int timeout_ms, struct strvec *out, const char **errstr)
{
	static struct secluded s;	/* MAX_SECLUDED_ARG: off the stack */
	char buf[4096];
	long long deadline = now_ms() + timeout_ms;
	struct stat st;
	size_t used, want;
	ssize_t n;
	int kind = 0, pp[2] = { -1, -1 }, r = SECL_MORE, can_peek = 1;
	int can_seek;

	secluded_init(&s);
	if (fstat(fd, &st) == 0)
		kind = (int)(st.st_mode & S_IFMT);
	if (kind == S_IFIFO && pipe2(pp, O_CLOEXEC | O_NONBLOCK) == -1)
		can_peek = 0;
	if (kind != S_IFIFO && kind != S_IFSOCK)
		can_peek = 0;
	/* a regular file (not from sshd, but a test's or a script's) */
	can_seek = kind == S_IFREG && lseek(fd, 0, SEEK_CUR) != -1;
	while (r == SECL_MORE) {
		if (wait_readable(fd, deadline, errstr) == -1)
			goto fail;
		/*
		 * secluded.c MUST 1: peek, then take exactly what the parser
		 * used; a file reads ahead and seeks back; where neither
		 * is possible, one byte at a time.
		 */
		want = 1;
		if (kind == S_IFREG && can_seek) {
			/* a file: read ahead, then seek back to the end */
			if ((n = read(fd, buf, sizeof(buf))) <= 0) {
				*errstr = n == 0 ? "the connection ended "
				    "inside the secluded arguments" :
				    "cannot read the secluded arguments";
				goto fail;
			}
			r = secluded_feed(&s, buf, (size_t)n, &used, errstr);
			if (r == SECL_ERR)
				goto fail;
			if (used < (size_t)n &&
			    lseek(fd, -(off_t)((size_t)n - used), SEEK_CUR) ==
			    -1) {
				*errstr = "cannot read the secluded arguments";
				goto fail;
			}
			continue;
		}
		if (can_peek) {
			n = peek(fd, kind, pp, buf, sizeof(buf));
			if (n == -1 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (n == -1) {
				can_peek = 0;
				continue;
			}
			if (n == 0) {
				*errstr = "the connection ended inside the "
				    "secluded arguments";
				goto fail;
			}
			r = secluded_feed(&s, buf, (size_t)n, &used, errstr);
			if (r == SECL_ERR)
				goto fail;
			want = used;
		}
		/* take the bytes the parser used (or one, not peeking) */
		n = read(fd, buf, want);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;	/* nothing taken: peek again */
		if (n <= 0 || (can_peek && (size_t)n != want)) {
			*errstr = n == 0 ? "the connection ended inside the "
			    "secluded arguments" :
			    "cannot read the secluded arguments";
			goto fail;
		}
		if (!can_peek) {
			r = secluded_feed(&s, buf, 1, &used, errstr);
			if (r == SECL_ERR)
				goto fail;
		}
	}
	if (pp[0] != -1) {
		close(pp[0]);
		close(pp[1]);
	}
	*out = s.args;
	return 0;
 fail:
	if (pp[0] != -1) {
		close(pp[0]);
		close(pp[1]);
	}
	secluded_free(&s);
	return -1;
}

long
secluded_flag(const char *rest)
{
	const char *w = rest, *q;

	if (strncmp(w, "--sender ", 9) == 0)
		w += 9;
	if (w[0] != '-' || w[1] == '-')
		return -1;
	for (q = w + 1; *q != '\0' && *q != ' ' && *q != 'e'; q++)
		if (*q == 's')
			return q - rest;
	return -1;
}

int
secluded_iconv(const char *rest)
{
	return strncmp(rest, "--iconv", 7) == 0 ||
	    strstr(rest, " --iconv") != NULL;
}

/* secluded.c MUST 5: one argument as one word. */
static char *
escape_word(char *o, const char *a)
{
	static const char plain[] = "-_./,:+=@%*?[]~^";

	for (; *a != '\0'; a++) {
		if (!((unsigned char)*a >= 0x80 ||
		    (*a >= 'a' && *a <= 'z') || (*a >= 'A' && *a <= 'Z') ||
		    (*a >= '0' && *a <= '9') || strchr(plain, *a) != NULL))
			*o++ = '\\';
		*o++ = *a;
	}
	return o;
}

char *
secluded_command(const char *rest, long at, const struct strvec *args,
    const char **errstr)
{
	static const char head[] = "rsync --server ";
	size_t i, len, restlen = strlen(rest);
	const char *p;
	char *full, *o;

	if (at < 1 || (size_t)at >= restlen || rest[at] != 's') {
		*errstr = "rsync -s: no -s in the command";
		return NULL;
	}
	len = sizeof(head) + restlen;
	for (i = 0; i < args->n; i++) {
		if (strncmp(args->v[i], "--iconv", 7) == 0) {
			*errstr = SECLUDED_ICONV_MSG;
			return NULL;
		}
		for (p = args->v[i]; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				*errstr = "rsync -s: a secluded argument holds "
				    "a control character";
				return NULL;
			}
		len += 1 + 2 * (size_t)(p - args->v[i]);
		if (len > 2 * MAX_SECLUDED_BYTES + 256) {
			*errstr = "rsync -s: the secluded arguments are "
			    "too long";
			return NULL;
		}
	}
	full = o = xmalloc(len);
	memcpy(o, head, sizeof(head) - 1);
	o += sizeof(head) - 1;
	/* the 's' goes; a bare "-s" word goes whole */
	if (rest[at - 1] == '-' && (rest[at + 1] == ' ' ||
	    rest[at + 1] == '\0')) {
		memcpy(o, rest, (size_t)at - 1);
		o += at - 1;
		p = rest + at + 1 + (rest[at + 1] == ' ');
	} else {
		memcpy(o, rest, (size_t)at);
		o += at;
		p = rest + at + 1;
	}
	memcpy(o, p, strlen(p));
	o += strlen(p);
	while (o > full + sizeof(head) - 1 && o[-1] == ' ')
		o--;
	for (i = 0; i < args->n; i++) {
		*o++ = ' ';
		o = escape_word(o, args->v[i]);
	}
	*o = '\0';
	return full;
}
