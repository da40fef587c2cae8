/* keyfile.h - is a private key file usable by an unattended ssh? */
#ifndef RSGUARD_KEYFILE_H
#define RSGUARD_KEYFILE_H

#include <stddef.h>

/*
 * Check, locally and before any connection, that `path' names a private
 * key ssh will load in BatchMode: it exists, is a regular file, has no
 * group or other access, can be read, holds a private key (not a public
 * one) and loads without a passphrase (ssh-keygen -y).  0 if so; -1 with
 * the cause and its fix in why.
 */
int	 keyfile_check(const char *path, char *why, size_t whysz);

#endif
