/* snapshot.h - append-only snapshots of pushes (serve -snapshots). */
#ifndef RSGUARD_SNAPSHOT_H
#define RSGUARD_SNAPSHOT_H

#include <stddef.h>
#include <time.h>

#define SNAP_NAME_LEN	16	/* 20261207T210546Z */
#define SNAP_NAME_MAX	(SNAP_NAME_LEN + 2)	/* -1 .. -9 on a clash */
#define SNAP_MAX	65536	/* snapshots a store may hold */
#define SNAP_STAGING	".rsguard-staging."	/* + pid: never a snapshot */
#define SNAP_LATEST	"latest"

/* --keep=daily:7,weekly:4,...: how many of each period to keep. */
enum keep_period {
	KEEP_LAST, KEEP_HOURLY, KEEP_DAILY, KEEP_WEEKLY, KEEP_MONTHLY,
	KEEP_YEARLY, KEEP_NPERIODS
};

struct keep {
	int		 set;			/* --keep given */
	unsigned	 n[KEEP_NPERIODS];	/* 0: that period keeps none */
};

/*
 * Parse a --keep value (pure).  Returns 0, or -1 with *errstr (static).
 */
int	 keep_parse(const char *, struct keep *, const char **errstr);

/* 1 if name is a snapshot's name (YYYYMMDDTHHMMSSZ, maybe -1 .. -9). */
int	 snap_name_ok(const char *);

/*
 * Which of the n snapshot names (sorted, oldest first) to keep under *k:
 * keepv[i] set to 1 or 0.  The newest is always kept (pure).
 */
void	 snap_select(const char *const *names, size_t n, const struct keep *k,
	    int *keepv);

/*
 * The store's snapshot names, sorted oldest first, into *names (malloc'd
 * array of malloc'd strings) and *n.  Returns 0, or -1 (errno; E2BIG:
 * more than SNAP_MAX).
 */
int	 snap_list(int storefd, char ***names, size_t *n);
void	 snap_list_free(char **, size_t);

/*
 * Remove the tree name beneath dirfd without following any link.
 * Returns 0, or -1 (errno).
 */
int	 snap_remove(int dirfd, const char *name);

/*
 * Remove what earlier, killed pushes left: every SNAP_STAGING* entry
 * (the caller holds the store's lock).  Returns how many were removed,
 * or -1 (errno).
 */
int	 snap_clean_staging(int storefd);

/* A push being staged. */
struct snap_stage {
	char		 staging[sizeof(SNAP_STAGING) + 24];	/* its name */
	char		 newest[SNAP_NAME_MAX + 1];	/* "": none yet */
	int		 basisfd;	/* newest, open; -1: none */
	int		 cleaned;	/* staging dirs of killed pushes removed */
};

/*
 * Stage a push in the store (the caller holds its lock): remove what
 * killed pushes left, find the newest snapshot (the link base), and
 * unless dry, make the staging directory.  Returns 0, or -1 (errno)
 * with *what naming the step that failed.
 */
int	 snap_stage(int storefd, int dry, struct snap_stage *,
	    const char **what);

/*
 * The directory rel (a normalized, DIR-relative path: no "..") names in
 * the newest snapshot, reached without following a link: rel itself,
 * else its parent, else none.  Its length is returned (0: the snapshot
 * itself; -1: none) and it is copied to out.
 */
int	 snap_link_base(int basisfd, const char *rel, char *out, size_t);

/*
 * Apply --keep to the store after a commit: every snapshot snap_select
 * does not keep is removed, and told to report(name, errno or 0).
 * Returns how many were removed, or -1 (errno) if the store cannot be
 * listed.
 */
int	 snap_prune(int storefd, const struct keep *,
	    void (*report)(const char *, int));

/*
 * Make staging (the store's new SNAP_STAGING<pid>) its snapshot, named
 * for time t (UTC) into name (SNAP_NAME_MAX + 1), by an atomic rename
 * that never replaces, once its data is on disk (syncfs); then point
 * "latest" at it, atomically.  Returns 0, or -1 (errno) with *what
 * naming the step that failed; name is "" unless the snapshot was made
 * (then only "latest" could not be moved).
 */
int	 snap_commit(int storefd, const char *staging, time_t t, char *name,
	    const char **what);

#endif
