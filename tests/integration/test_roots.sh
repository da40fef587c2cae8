#!/bin/bash
# Several roots per key: serve --root NAME=DIR:MODE.  The first component
# of every path names a root; each root has its own mode; a transfer names
# one root, never leaves it, and is logged and locked with it.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# roots_tree: $S/www (ro), $S/db (wo), $S/bk (rw), $S/out (no root).
roots_tree() {
	new_scratch
	mkdir -p "$S/www/sub" "$S/db" "$S/bk" "$S/out" "$S/dst" "$S/src"
	echo index >"$S/www/index.html"
	echo deep >"$S/www/sub/page"
	echo old >"$S/db/old.sql"
	echo secret >"$S/out/secret"
	echo dump >"$S/src/dump.sql"
	ROOTS="--root www=$S/www:ro --root db=$S/db:wo --root bk=$S/bk:rw"
}

t_roots_modes() {
	roots_tree
	# shellcheck disable=SC2086
	authorize $ROOTS
	rs -a "$IT_HOST:www/" "$S/dst/w/" || { fail "pull of www/ exit $?"; return 1; }
	same_tree "$S/www" "$S/dst/w" || return 1
	rs -a "$IT_HOST:www/sub/page" "$IT_HOST:/www/index.html" "$S/dst/two/" || { fail "pull of two www files exit $?"; return 1; }
	[ -f "$S/dst/two/page" ] && [ -f "$S/dst/two/index.html" ] || { fail "two files: $(ls "$S/dst/two")"; return 1; }
	rs -a "$S/src/" "$IT_HOST:db/" || { fail "push into db/ exit $?"; return 1; }
	cmp -s "$S/src/dump.sql" "$S/db/dump.sql" || { fail "db/dump.sql not pushed"; return 1; }
	rs -a "$S/src/dump.sql" "$IT_HOST:bk/new/" || { fail "push into bk/new/ exit $?"; return 1; }
	rs -a "$IT_HOST:bk/new/dump.sql" "$S/dst/" || { fail "pull from rw bk exit $?"; return 1; }
	# each root's own mode
	rsq -a "$S/src/" "$IT_HOST:www/"
	expect_refused $? "sending to read-only server is not allowed" || return 1
	[ ! -e "$S/www/dump.sql" ] || { fail "pushed into ro www"; return 1; }
	rsq -a "$IT_HOST:db/" "$S/dst/d/"
	expect_refused $? "reading from write-only server is not allowed" || return 1
	[ ! -e "$S/dst/d/old.sql" ] || { fail "pulled from wo db"; return 1; }
}

# A client that tries to reach another root, or no root at all.
t_roots_no_escape() {
	roots_tree
	ln -s "$S/db" "$S/www/todb"
	ln -s ../db "$S/www/todb2"
	ln -s "$S/out" "$S/www/toout"
	# shellcheck disable=SC2086
	authorize $ROOTS
	rsq -a "$IT_HOST:www/../db/" "$S/dst/"
	expect_refused $? "do not use .. in arg" || return 1
	rsq -a "$IT_HOST:www/index.html" "$IT_HOST:bk/" "$S/dst/"
	expect_refused $? "one transfer names one root" || return 1
	# the client escapes braces (a literal name, no such root) ...
	rsq -a "$IT_HOST:{www,bk}/" "$S/dst/"
	expect_refused $? "no root {www,bk}" || return 1
	# ... unless --old-args: then serve expands them, as rrsync does
	rsq -a --old-args "$IT_HOST:{www,bk}/" "$S/dst/"
	expect_refused $? "one transfer names one root" || return 1
	rsq -a "$IT_HOST:nope/" "$S/dst/"
	expect_refused $? "no root nope (this key has www, db, bk)" || return 1
	rsq -a "$IT_HOST:" "$S/dst/"
	expect_refused $? "names no root" || return 1
	rsq -a "$IT_HOST:*/" "$S/dst/"
	expect_refused $? "a root is named by its name, not a pattern" || return 1
	for l in todb todb2 toout; do
		rsq -a "$IT_HOST:www/$l/" "$S/dst/$l/"
		expect_refused $? "unsafe arg" || return 1
	done
	[ ! -e "$S/dst/old.sql" ] && [ ! -e "$S/dst/toout/secret" ] || { fail "reached out of www"; return 1; }
	# an option value names the other root
	rsq -a --backup-dir=www/x -b "$S/src/" "$IT_HOST:bk/"
	expect_refused $? "one transfer names one root" || return 1
}

# Options smuggled through secluded args meet the root's own rules.
t_roots_secluded() {
	roots_tree
	authorize "--root www=$S/www:ro --root bk=$S/bk:rw -no-del"
	rs -s -a "$IT_HOST:www/sub/" "$S/dst/s/" || { fail "-s pull of www/sub/ exit $?"; return 1; }
	[ -f "$S/dst/s/page" ] || { fail "-s pull fetched nothing"; return 1; }
	rsq -s -a --remove-source-files "$IT_HOST:www/index.html" "$S/dst/"
	[ $? != 0 ] && [ -f "$S/www/index.html" ] || { fail "--remove-source-files on ro www"; return 1; }
	echo keep >"$S/bk/keep"
	rsq -s -a --delete "$S/src/" "$IT_HOST:bk/"
	[ $? != 0 ] && [ -f "$S/bk/keep" ] || { fail "--delete under -no-del"; return 1; }
	rsq -s -a "$IT_HOST:bk/../www/" "$S/dst/x/"
	expect_refused $? "do not use .. in arg" || return 1
}

# The log names the root; the lock is the root's, not the others'.
t_roots_log_lock() {
	roots_tree
	command -v flock >/dev/null || { skip "no flock(1)"; return 0; }
	mkdir "$S/bk2"
	authorize "--root bk=$S/bk:rw --root bk2=$S/bk2:rw"
	sed -i "s|--log=none|--log=$S/log|" "$IT_SSHDIR/authorized_keys"
	( flock -x 8 && sleep 4 ) 8<"$S/bk" &
	local pid=$!
	sleep 0.5
	rs -a "$S/src/" "$IT_HOST:bk2/" || { fail "push into bk2 while bk is locked: exit $?"; kill "$pid"; return 1; }
	rsq -a "$S/src/" "$IT_HOST:bk/"
	expect_refused $? "Another instance of rrsync" || { kill "$pid"; return 1; }
	wait "$pid"
	grep -q "start .* dir=$S/bk2 root=bk2 " "$S/log" || { fail "no root=bk2 in the start record: $(cat "$S/log")"; return 1; }
	grep -q "refused .*Another instance" "$S/log" || { fail "no refusal record"; return 1; }
}

# Every root is checked at every connection, whichever the client names:
# a writable root holding the rsync serve runs refuses a pull of another.
t_roots_all_checked() {
	roots_tree
	mkdir "$S/bk/bin"
	cp "$RSYNC" "$S/bk/bin/rsync"
	authorize "--rsync=$S/bk/bin/rsync --root www=$S/www:ro --root bk=$S/bk:rw"
	rsq -a "$IT_HOST:www/" "$S/dst/w/"
	expect_refused $? "is writable and holds $S/bk/bin/rsync" || return 1
	[ ! -e "$S/dst/w/index.html" ] || { fail "served www next to an exposed bk"; return 1; }
	# read-only, the same root is no danger: the pull works
	authorize "--rsync=$S/bk/bin/rsync --root www=$S/www:ro --root bk=$S/bk:ro"
	rs -a "$IT_HOST:www/" "$S/dst/w/" || { fail "pull with bk read-only: exit $?"; return 1; }
	# a root that does not exist refuses every connection
	authorize "--root www=$S/www:ro --root gone=$S/gone:rw"
	rsq -a "$IT_HOST:www/" "$S/dst/g/"
	expect_refused $? "root gone: Restricted directory does not exist!" || return 1
}

# lint judges each root's DIR with its own mode.
t_roots_lint() {
	roots_tree
	local k ak=$S/ak
	k=$(cat "$IT_SSHDIR/client_ed25519.pub")
	printf 'restrict,command="%s serve --root www=%s:ro --root gone=%s:wo" %s\n' \
		"$RSGUARD" "$S/www" "$S/gone" "$k" >"$ak"
	"$RSGUARD" lint "$ak" >"$S/lint.out" 2>&1
	grep -q "RSG009: DIR $S/gone does not exist" "$S/lint.out" || { fail "no RSG009 for the missing root: $(cat "$S/lint.out")"; return 1; }
	grep -q "RSG009: DIR $S/www" "$S/lint.out" && { fail "RSG009 for an existing root"; return 1; }
	printf 'restrict,command="%s serve --root www=%s:ro --root www=%s:wo" %s\n' \
		"$RSGUARD" "$S/www" "$S/db" "$k" >"$ak"
	"$RSGUARD" lint "$ak" >"$S/lint.out" 2>&1
	grep -q "RSG017: .*--root www is given twice" "$S/lint.out" || { fail "no RSG017 for a twice-named root: $(cat "$S/lint.out")"; return 1; }
	return 0
}

run_tests t_roots_modes t_roots_no_escape t_roots_secluded t_roots_log_lock \
	t_roots_all_checked t_roots_lint
