/* version.h - the version every command prints for --version. */
#ifndef RSGUARD_VERSION_H
#define RSGUARD_VERSION_H

#define RSGUARD_VERSION	"0.1.0"

#endif
