/* fingerprint.h - OpenSSH-style SHA256 key fingerprints (pure). */
#ifndef RSGUARD_FINGERPRINT_H
#define RSGUARD_FINGERPRINT_H

#include <stddef.h>
#include <stdint.h>

#define FP_LEN	(7 + 43 + 1)	/* "SHA256:" + unpadded base64 + NUL */

void	 sha256(const uint8_t *, size_t, uint8_t out[32]);

/*
 * From a line "publickey TYPE BASE64..." (sshd's ExposeAuthInfo file) or
 * "TYPE BASE64 ..." write "TYPE SHA256:..." into buf.  Returns 0, or -1 if
 * the line holds no decodable key.
 */
int	 fingerprint_line(const char *, char *buf, size_t bufsz);

#endif
