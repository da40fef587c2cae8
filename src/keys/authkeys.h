/* authkeys.h - an authorized_keys line, parsed and emitted as sshd (pure). */
#ifndef RSGUARD_AUTHKEYS_H
#define RSGUARD_AUTHKEYS_H

#include <stddef.h>

/*
 * Bounds.  sshd itself reads lines of any length with getline(); 16 KiB
 * is OpenSSH's SSH_MAX_PUBKEY_BYTES and holds a 16384-bit RSA key with
 * room for options.  Longer lines are refused, not truncated.
 */
#define MAX_AUTHKEYS_LINE	16384	/* bytes, without the newline */
#define MAX_AUTHKEYS_OPTS	64	/* options before the key */
#define MAX_AUTHKEYS_VALUE	8192	/* bytes of one dequoted value */
#define MAX_AUTHKEYS_BLOB	8192	/* bytes of a decoded key blob */

/* Option ids: indexes into the sorted table authkeys_opttab[]. */
enum ak_opt {
	AKO_AGENT_FWD, AKO_CERT_AUTHORITY, AKO_COMMAND, AKO_ENVIRONMENT,
	AKO_EXPIRY_TIME, AKO_FROM, AKO_NO_AGENT_FWD, AKO_NO_PORT_FWD,
	AKO_NO_PTY, AKO_NO_TOUCH_REQUIRED, AKO_NO_USER_RC,
	AKO_NO_VERIFY_REQUIRED, AKO_NO_X11_FWD, AKO_PERMITLISTEN,
	AKO_PERMITOPEN, AKO_PORT_FWD, AKO_PRINCIPALS, AKO_PTY, AKO_RESTRICT,
	AKO_TOUCH_REQUIRED, AKO_TUNNEL, AKO_USER_RC, AKO_VERIFY_REQUIRED,
	AKO_X11_FWD,
	AKO_COUNT
};

struct ak_optdef {
	const char	*name;	/* as documented; case-insensitive */
	int		 value;	/* 1: takes ="value", 0: a flag */
	int		 once;	/* 1: sshd refuses it twice */
};
extern const struct ak_optdef authkeys_opttab[AKO_COUNT];

/* Why a line was refused (for lint's codes). */
enum ak_err {
	AKE_NONE, AKE_LIMIT, AKE_OPTIONS, AKE_KEYTYPE, AKE_BASE64,
	AKE_BLOB, AKE_MISMATCH
};

struct ak_option {
	enum ak_opt	 id;
	char		*value;	/* dequoted; NULL for a flag */
};

struct ak_line {
	int		 blank;		/* blank or comment: nothing else */
	size_t		 nopts;
	struct ak_option opts[MAX_AUTHKEYS_OPTS];
	char		*type;		/* declared key type */
	char		*b64;		/* the base64 text */
	unsigned char	*blob;		/* decoded */
	size_t		 bloblen;
	char		*comment;	/* "" when none; NUL-free */
	enum ak_err	 err;		/* on failure */
};

/*
 * Parse one line (len bytes, no newline; NUL bytes are refused) into *l.
 * Returns 0 (caller frees with authkeys_free), or -1 with *errstr set to
 * a static reason and l->err to its class; nothing is left to free.
 */
int	 authkeys_parse_line(const char *, size_t, struct ak_line *,
	    const char **);
void	 authkeys_free(struct ak_line *);

/* Id of an option name (case-insensitive, exact), or -1. */
int	 authkeys_opt_lookup(const char *, size_t);
/* The first option with this id, or NULL. */
const struct ak_option *authkeys_opt_get(const struct ak_line *, enum ak_opt);

/*
 * 1 if name is a key type OpenSSH 9 reads in authorized_keys; *blobtype
 * (may be NULL) gets the type string the blob must carry.
 */
int	 authkeys_keytype(const char *, size_t, const char **blobtype);

/*
 * Quote a value for an option: malloc'd "\"...\"" that sshd dequotes to
 * exactly `value', or NULL with *errstr when sshd cannot represent it
 * (a newline, a backslash at the end, over MAX_AUTHKEYS_VALUE).
 */
char	*authkeys_quote(const char *, const char **);

/*
 * The whole line for *l (without newline), malloc'd; NULL with *errstr
 * if a value cannot be quoted or the line would exceed the bound.
 */
char	*authkeys_format(const struct ak_line *, const char **);

/*
 * The one emitter of lines and fragments for people to install:
 * authkeys_format, then checked by parsing it back (authkeys.c MUST 4: the same
 * options, values, key type, base64 text and comment).  With no key
 * (type NULL) only the options part is emitted and checked, a fragment
 * to put before a key.  Malloc'd; NULL with *errstr.
 */
char	*authkeys_emit(const struct ak_line *, const char **);

/* 1 if both lines carry the same key (type and blob), else 0. */
int	 authkeys_same_key(const struct ak_line *, const struct ak_line *);

#endif
