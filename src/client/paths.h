/*
 * paths.h - where the client commands keep things (the XDG base
 * directories, HOME, /etc/rsguard, /var/lib/rsguard), and mkdir -p.
 */
#ifndef RSGUARD_PATHS_H
#define RSGUARD_PATHS_H

#include <sys/types.h>

/* root's keys and the system's jobs; root's state */
#define PATHS_ETC	"/etc/rsguard"
#define PATHS_VAR	"/var/lib/rsguard"
/* the jobs directory looked in after the user's */
#define PATHS_ETC_JOBS	PATHS_ETC "/jobs"

/*
 * The user's home: $HOME when absolute, else the passwd entry's
 * directory, else "/".  Not allocated.
 */
const char	*paths_home(void);
/* $XDG_CONFIG_HOME/rest when that is absolute, else HOME/.config/rest. */
char	*paths_config(const char *rest);
/* $XDG_STATE_HOME/rest when that is absolute, else HOME/.local/state/rest. */
char	*paths_state(const char *rest);

/* The default jobs directory for this user (allocated). */
char	*paths_jobs_dir(void);
/* The default state directory: PATHS_VAR for root (allocated). */
char	*paths_state_dir(void);
/* The default key directory: PATHS_ETC/keys for root (allocated). */
char	*paths_keys_dir(void);
/* The user's systemd unit directory (allocated). */
char	*paths_user_units_dir(void);

/* paths_mkdirs flag: the last component is opened O_NOFOLLOW */
#define PATHS_NOFOLLOW	0x1

/*
 * mkdir -p: open path (absolute, or relative to the cwd) as a directory,
 * making each missing component with mode exactly (the umask undone
 * through an O_PATH pin of the new directory).  Parents are followed as
 * mkdir -p follows them.  *made (when not NULL) is 1 if the last
 * component was made here.  Returns an O_DIRECTORY descriptor, or -1
 * with errno.
 */
int	 paths_mkdirs(const char *path, mode_t mode, int flags, int *made);

#endif
