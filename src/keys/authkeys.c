/*
 * authkeys.c - one authorized_keys line, parsed the way sshd(8) parses it
 * (OpenSSH 9: auth2-pubkeyfile.c, auth-options.c, sshkey_read) and
 * emitted so that sshd parses it back to the same thing.  Pure: no I/O,
 * no exit; allocation failure is just another error.
 *
 * MUST invariants (tests/unit/test_authkeys.c, tests/fuzz/fuzz_authkeys.c):
 *  1. MUST refuse, never truncate, input over a MAX_AUTHKEYS_* bound.
 *  2. MUST accept an option only from the sorted table, with sshd's
 *     grammar: names case-insensitive, values double-quoted, where only
 *     \" is an escape.
 *  3. MUST decode the key blob strictly and refuse a blob whose own type
 *     is not the declared type.
 *  4. MUST emit only lines that parse back to the same options, values,
 *     key and comment (emit-parse round trip).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authkeys.h"

/*
 * Sorted by strcasecmp (checked by a unit test); order matches enum ak_opt.
 * Names are spelled as sshd(8) documents them.
 */
const struct ak_optdef authkeys_opttab[AKO_COUNT] = {
	{ "agent-forwarding",	0, 0 },
	{ "cert-authority",	0, 0 },
	{ "command",		1, 1 },
	{ "environment",	1, 0 },
	{ "expiry-time",	1, 0 },
	{ "from",		1, 1 },
	{ "no-agent-forwarding", 0, 0 },
	{ "no-port-forwarding",	0, 0 },
	{ "no-pty",		0, 0 },
	{ "no-touch-required",	0, 0 },
	{ "no-user-rc",		0, 0 },
	{ "no-verify-required",	0, 0 },
	{ "no-X11-forwarding",	0, 0 },
	{ "permitlisten",	1, 0 },
	{ "permitopen",		1, 0 },
	{ "port-forwarding",	0, 0 },
	{ "principals",		1, 1 },
	{ "pty",		0, 0 },
	{ "restrict",		0, 0 },
	{ "touch-required",	0, 0 },
	{ "tunnel",		1, 0 },
	{ "user-rc",		0, 0 },
	{ "verify-required",	0, 0 },
	{ "X11-forwarding",	0, 0 },
};

/* Key types OpenSSH 9 reads, and the type string their blob carries. */
static const struct keytype {
	const char	*name;
	const char	*blob;
	int		 nstr;	/* SSH strings in a plain key blob; 0: cert */
} keytypes[] = {
	{ "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", 3 },
	{ "ecdsa-sha2-nistp256-cert-v01@openssh.com",
	    "ecdsa-sha2-nistp256-cert-v01@openssh.com", 0 },
	{ "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", 3 },
	{ "ecdsa-sha2-nistp384-cert-v01@openssh.com",
	    "ecdsa-sha2-nistp384-cert-v01@openssh.com", 0 },
	{ "ecdsa-sha2-nistp521", "ecdsa-sha2-nistp521", 3 },
	{ "ecdsa-sha2-nistp521-cert-v01@openssh.com",
	    "ecdsa-sha2-nistp521-cert-v01@openssh.com", 0 },
	/* NB. signature names read as RSA keys, as sshkey_type_from_name */
	{ "rsa-sha2-256", "ssh-rsa", 3 },
	{ "rsa-sha2-256-cert-v01@openssh.com",
	    "ssh-rsa-cert-v01@openssh.com", 0 },
	{ "rsa-sha2-512", "ssh-rsa", 3 },
	{ "rsa-sha2-512-cert-v01@openssh.com",
	    "ssh-rsa-cert-v01@openssh.com", 0 },
	{ "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
	    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", 0 },
	{ "sk-ecdsa-sha2-nistp256@openssh.com",
	    "sk-ecdsa-sha2-nistp256@openssh.com", 4 },
	{ "sk-ssh-ed25519-cert-v01@openssh.com",
	    "sk-ssh-ed25519-cert-v01@openssh.com", 0 },
	{ "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519@openssh.com", 3 },
	{ "ssh-dss", "ssh-dss", 5 },
	{ "ssh-dss-cert-v01@openssh.com", "ssh-dss-cert-v01@openssh.com", 0 },
	{ "ssh-ed25519", "ssh-ed25519", 2 },
	{ "ssh-ed25519-cert-v01@openssh.com",
	    "ssh-ed25519-cert-v01@openssh.com", 0 },
	{ "ssh-rsa", "ssh-rsa", 3 },
	{ "ssh-rsa-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com", 0 },
};

int
authkeys_opt_lookup(const char *s, size_t n)
{
	int lo = 0, hi = AKO_COUNT - 1, mid, c;
	size_t len;

	while (lo <= hi) {
		mid = (lo + hi) / 2;
		len = strlen(authkeys_opttab[mid].name);
		c = strncasecmp(s, authkeys_opttab[mid].name,
		    n < len ? n : len);
		if (c == 0)
			c = n < len ? -1 : n > len ? 1 : 0;
		if (c == 0)
			return mid;
		if (c < 0)
			hi = mid - 1;
		else
			lo = mid + 1;
	}
	return -1;
}

static const struct keytype *
keytype(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (strlen(keytypes[i].name) == n &&
		    memcmp(keytypes[i].name, s, n) == 0)
			return &keytypes[i];
	return NULL;
}

int
authkeys_keytype(const char *s, size_t n, const char **blobtype)
{
	size_t i;

	for (i = 0; i < sizeof(keytypes) / sizeof(keytypes[0]); i++)
		if (strlen(keytypes[i].name) == n &&
		    memcmp(keytypes[i].name, s, n) == 0) {
			if (blobtype != NULL)
				*blobtype = keytypes[i].blob;
			return 1;
		}
	return 0;
}

const struct ak_option *
authkeys_opt_get(const struct ak_line *l, enum ak_opt id)
{
	size_t i;

	for (i = 0; i < l->nopts; i++)
		if (l->opts[i].id == id)
			return &l->opts[i];
	return NULL;
}

void
authkeys_free(struct ak_line *l)
{
	size_t i;

	for (i = 0; i < l->nopts; i++)
		free(l->opts[i].value);
	free(l->type);
	free(l->b64);
	free(l->blob);
	free(l->comment);
	memset(l, 0, sizeof(*l));
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict base64: length a multiple of 4, '=' only as final padding, the
 * unused bits of the last group zero.  Returns the byte count or -1.
 */
static long
b64decode(const char *s, size_t n, unsigned char *out, size_t outsz)
{
	size_t i, o = 0, pad = 0;
	uint32_t acc;
	int j, v;

	if (n == 0 || n % 4 != 0)
		return -1;
	if (s[n - 1] == '=')
		pad = s[n - 2] == '=' ? 2 : 1;
	if (n / 4 * 3 - pad > outsz)
		return -1;
	for (i = 0; i < n; i += 4) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= n - pad) {
				v = 0;
				if (s[i + j] != '=')
					return -1;
			} else if ((v = b64val((unsigned char)s[i + j])) < 0)
				return -1;
			acc = acc << 6 | (uint32_t)v;
		}
		out[o++] = acc >> 16;
		if (i + 4 < n || pad < 2)
			out[o++] = (acc >> 8) & 0xff;
		if (i + 4 < n || pad < 1)
			out[o++] = acc & 0xff;
	}
	/* non-canonical: bits beyond the data must be zero */
	if ((pad == 1 && (acc & 0xff) != 0) || (pad == 2 && (acc & 0xffff)))
		return -1;
	return (long)o;
}

static int
is_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* The value checks sshd makes while parsing (auth-options.c). */
static const char *
check_value(enum ak_opt id, const char *v)
{
	size_t n = strlen(v), i;

	switch (id) {
	case AKO_ENVIRONMENT:
		for (i = 0; v[i] != '\0' && v[i] != '='; i++)
			if (!isalnum((unsigned char)v[i]) && v[i] != '_')
				return "invalid environment string";
		if (i == 0 || v[i] != '=')
			return "invalid environment string";
		break;
	case AKO_EXPIRY_TIME:
		if (n > 0 && v[n - 1] == 'Z')
			n--;
		if ((n != 8 && n != 12 && n != 14) || !is_digits(v, n))
			return "invalid expires time";
		break;
	case AKO_TUNNEL:
		if (strcmp(v, "any") != 0 && (n == 0 || n > 9 ||
		    !is_digits(v, n)))
			return "invalid tun device";
		break;
	case AKO_PERMITOPEN:
		if (strchr(v, ':') == NULL || strchr(v, ' ') != NULL)
			return "invalid permission hostname";
		break;
	case AKO_PERMITLISTEN:
		if (n == 0 || strchr(v, ' ') != NULL)
			return "invalid permission hostname";
		break;
	default:
		break;
	}
	return NULL;
}

/* sshd's opt_dequote: *p at the opening quote; advances past the close. */
static char *
dequote(const char **p, const char *end, const char **errstr)
{
	const char *s = *p;
	char *ret;
	size_t i = 0;

	if (s >= end || *s != '"') {
		*errstr = "missing start quote";
		return NULL;
	}
	s++;
	if ((ret = malloc((size_t)(end - s) + 1)) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	while (s < end && *s != '"') {
		if (s[0] == '\\' && s + 1 < end && s[1] == '"')
			s++;
		ret[i++] = *s++;
		if (i > MAX_AUTHKEYS_VALUE) {
			free(ret);
			*errstr = "option value too long";
			return NULL;
		}
	}
	if (s >= end) {
		free(ret);
		*errstr = "missing end quote";
		return NULL;
	}
	ret[i] = '\0';
	*p = s + 1;
	return ret;
}

static int
parse_options(const char **pp, const char *end, struct ak_line *l,
    const char **errstr)
{
	const char *p = *pp, *name;
	const struct ak_optdef *d;
	size_t i;
	int id;

	while (p < end && *p != ' ' && *p != '\t') {
		name = p;
		while (p < end && *p != '=' && *p != ',' && *p != ' ' &&
		    *p != '\t')
			p++;
		if ((id = authkeys_opt_lookup(name, (size_t)(p - name))) < 0) {
			*errstr = "unsupported option";
			return -1;
		}
		d = &authkeys_opttab[id];
		if (l->nopts >= MAX_AUTHKEYS_OPTS) {
			*errstr = "too many options";
			l->err = AKE_LIMIT;
			return -1;
		}
		if (d->once)
			for (i = 0; i < l->nopts; i++)
				if (l->opts[i].id == (enum ak_opt)id) {
					*errstr = "option given twice";
					return -1;
				}
		l->opts[l->nopts].id = id;
		l->opts[l->nopts].value = NULL;
		if (d->value) {
			if (p >= end || *p != '=') {
				*errstr = "option needs a value";
				return -1;
			}
			p++;
			if ((l->opts[l->nopts].value = dequote(&p, end,
			    errstr)) == NULL) {
				if (strcmp(*errstr, "option value too long")
				    == 0)
					l->err = AKE_LIMIT;
				return -1;
			}
			l->nopts++;
			if ((*errstr = check_value(id,
			    l->opts[l->nopts - 1].value)) != NULL)
				return -1;
		} else if (p < end && *p == '=') {
			*errstr = "unknown key option";
			return -1;
		} else
			l->nopts++;
		if (p >= end || *p == ' ' || *p == '\t')
			break;
		if (*p != ',') {
			*errstr = "unknown key option";
			return -1;
		}
		if (++p >= end || *p == ' ' || *p == '\t') {
			*errstr = "unexpected end-of-options";
			return -1;
		}
	}
	*pp = p;
	return 0;
}

static char *
dupn(const char *s, size_t n)
{
	char *r;

	if ((r = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(r, s, n);
	r[n] = '\0';
	return r;
}

/* TYPE BASE64 [COMMENT] from p; fills l.  -1 with errstr, l->err. */
static int
parse_key(const char *p, const char *end, struct ak_line *l,
    const char **errstr)
{
	const char *t = p, *tend, *b, *bend, *blobtype;
	const struct keytype *kt;
	unsigned char *buf;
	uint32_t n;
	size_t off;
	long len;
	int k;

	while (p < end && *p != ' ' && *p != '\t')
		p++;
	tend = p;
	if ((kt = keytype(t, (size_t)(p - t))) == NULL) {
		*errstr = "unknown key type";
		l->err = AKE_KEYTYPE;
		return -1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	b = p;
	while (p < end && *p != ' ' && *p != '\t')
		p++;
	bend = p;
	if ((buf = malloc(MAX_AUTHKEYS_BLOB)) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	if ((len = b64decode(b, (size_t)(p - b), buf, MAX_AUTHKEYS_BLOB))
	    < 0) {
		free(buf);
		*errstr = "key is not valid base64";
		l->err = AKE_BASE64;
		return -1;
	}
	l->blob = buf;
	l->bloblen = (size_t)len;
	blobtype = kt->blob;
	/* a plain key's blob is exactly nstr SSH strings; a cert: its type */
	for (off = 0, k = 0; off < (size_t)len; k++) {
		if ((size_t)len - off < 4 || (n = (uint32_t)buf[off] << 24 |
		    (uint32_t)buf[off + 1] << 16 | (uint32_t)buf[off + 2] << 8 |
		    buf[off + 3]) > (size_t)len - off - 4) {
			*errstr = "key blob is truncated";
			l->err = AKE_BLOB;
			return -1;
		}
		if (k == 0 && (n != strlen(blobtype) ||
		    memcmp(buf + 4, blobtype, n) != 0)) {
			*errstr = "key blob type does not match the "
			    "declared type";
			l->err = AKE_MISMATCH;
			return -1;
		}
		off += 4 + n;
		if (kt->nstr == 0)
			break;
	}
	if (kt->nstr != 0 && k != kt->nstr) {
		*errstr = "key blob is truncated";
		l->err = AKE_BLOB;
		return -1;
	}
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if ((l->type = dupn(t, (size_t)(tend - t))) == NULL ||
	    (l->b64 = dupn(b, (size_t)(bend - b))) == NULL ||
	    (l->comment = dupn(p, (size_t)(end - p))) == NULL) {
		*errstr = "out of memory";
		return -1;
	}
	return 0;
}

int
authkeys_parse_line(const char *line, size_t len, struct ak_line *l,
    const char **errstr)
{
	const char *p = line, *end = line + len, *t;
	enum ak_err e;

	memset(l, 0, sizeof(*l));
	*errstr = NULL;
	/* sshd skips blank and comment lines whatever their length */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p == '#') {
		l->blank = 1;
		return 0;
	}
	if (len > MAX_AUTHKEYS_LINE) {
		*errstr = "line too long";
		l->err = AKE_LIMIT;
		return -1;
	}
	if (memchr(line, '\0', len) != NULL || memchr(line, '\n', len) !=
	    NULL) {
		*errstr = "NUL or newline in line";
		l->err = AKE_OPTIONS;
		return -1;
	}
	/* As sshd: a line that starts with a key type is a bare key. */
	for (t = p; t < end && *t != ' ' && *t != '\t'; t++)
		;
	if (!authkeys_keytype(p, (size_t)(t - p), NULL)) {
		l->err = AKE_OPTIONS;
		if (parse_options(&p, end, l, errstr) == -1)
			goto fail;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end) {
			*errstr = "options but no key";
			l->err = AKE_KEYTYPE;
			goto fail;
		}
	}
	l->err = AKE_NONE;
	if (parse_key(p, end, l, errstr) == -1)
		goto fail;
	return 0;
 fail:
	e = l->err == AKE_NONE ? AKE_OPTIONS : l->err;
	authkeys_free(l);
	l->err = e;
	return -1;
}

char *
authkeys_quote(const char *v, const char **errstr)
{
	size_t n = strlen(v), i, o = 0;
	char *r;

	if (n > MAX_AUTHKEYS_VALUE) {
		*errstr = "value too long";
		return NULL;
	}
	/* NB. a CR is representable: sshd's getline() splits at \n only */
	if (strchr(v, '\n') != NULL) {
		*errstr = "value holds a newline";
		return NULL;
	}
	/* "\" before the closing quote would escape it */
	if (n > 0 && v[n - 1] == '\\') {
		*errstr = "value ends in a backslash";
		return NULL;
	}
	if ((r = malloc(2 * n + 3)) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
	r[o++] = '"';
	for (i = 0; i < n; i++) {
		/* NB. a backslash stays as is: only \" is an escape */
		if (v[i] == '"')
			r[o++] = '\\';
		r[o++] = v[i];
	}
	r[o++] = '"';
	r[o] = '\0';
	return r;
}

/* The line for *l, or with !withkey its options part only. */
static char *
format(const struct ak_line *l, int withkey, const char **errstr)
{
	size_t i, n, o = 0, cap = MAX_AUTHKEYS_LINE + 1;
	const char *name;
	char *r, *q;

	if (withkey && (l->type == NULL || l->b64 == NULL)) {
		*errstr = "no key";
		return NULL;
	}
	if ((r = malloc(cap)) == NULL) {
		*errstr = "out of memory";
		return NULL;
	}
#define PUT(s, len) do {						\
	if (o + (len) >= cap)						\
		goto toolong;						\
	memcpy(r + o, (s), (len));					\
	o += (len);							\
} while (0)
	for (i = 0; i < l->nopts; i++) {
		if (i > 0)
			PUT(",", 1);
		name = authkeys_opttab[l->opts[i].id].name;
		PUT(name, strlen(name));
		if (l->opts[i].value == NULL)
			continue;
		if ((q = authkeys_quote(l->opts[i].value, errstr)) == NULL) {
			free(r);
			return NULL;
		}
		n = strlen(q);
		if (o + 1 + n >= cap) {
			free(q);
			goto toolong;
		}
		r[o++] = '=';
		memcpy(r + o, q, n);
		o += n;
		free(q);
	}
	if (!withkey)
		goto done;
	if (l->nopts > 0)
		PUT(" ", 1);
	PUT(l->type, strlen(l->type));
	PUT(" ", 1);
	PUT(l->b64, strlen(l->b64));
	if (l->comment != NULL && l->comment[0] != '\0') {
		PUT(" ", 1);
		PUT(l->comment, strlen(l->comment));
	}
#undef PUT
 done:
	r[o] = '\0';
	return r;
 toolong:
	free(r);
	*errstr = "line too long";
	return NULL;
}

char *
authkeys_format(const struct ak_line *l, const char **errstr)
{
	return format(l, 1, errstr);
}

static int
streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* 1 if b holds what a meant: the same options, values and key text. */
static int
same_line(const struct ak_line *a, const struct ak_line *b, int withkey)
{
	size_t i;

	if (a->nopts != b->nopts)
		return 0;
	for (i = 0; i < a->nopts; i++)
		if (a->opts[i].id != b->opts[i].id ||
		    !streq(a->opts[i].value, b->opts[i].value))
			return 0;
	if (!withkey)
		return 1;
	return streq(a->type, b->type) && streq(a->b64, b->b64) &&
	    streq(a->comment && a->comment[0] ? a->comment : "",
	    b->comment ? b->comment : "");
}

char *
authkeys_emit(const struct ak_line *l, const char **errstr)
{
	struct ak_line back;
	const char *p, *e;
	char *r;
	int withkey = l->type != NULL, rc;

	if ((r = format(l, withkey, errstr)) == NULL)
		return NULL;
	/* authkeys.c MUST 4: what sshd reads back is what was meant */
	if (withkey)
		rc = authkeys_parse_line(r, strlen(r), &back, &e);
	else {
		memset(&back, 0, sizeof(back));
		p = r;
		rc = parse_options(&p, r + strlen(r), &back, &e);
		if (rc == 0 && *p != '\0') {
			e = "options end early";
			rc = -1;
		}
	}
	if (rc == 0 && !same_line(l, &back, withkey)) {
		e = "emitted line does not read back";
		rc = -1;
	}
	authkeys_free(&back);
	if (rc == -1) {
		free(r);
		*errstr = e;
		return NULL;
	}
	return r;
}

int
authkeys_same_key(const struct ak_line *a, const struct ak_line *b)
{
	if (a->blank || b->blank || a->blob == NULL || b->blob == NULL)
		return 0;
	/* the blob carries the type; rsa-sha2-* and ssh-rsa are one key */
	return a->bloblen == b->bloblen &&
	    memcmp(a->blob, b->blob, a->bloblen) == 0;
}
