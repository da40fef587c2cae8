#!/bin/bash
# Append-only snapshots: serve -wo -snapshots DIR.  Every push lands in a
# fresh staging dir linked against the newest snapshot and becomes
# DIR/<UTC time> only when rsync exits 0; the client can never modify,
# delete or read an earlier snapshot; --keep prunes; -ro restores.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

snap_tree() {
	new_scratch
	mkdir -p "$S/store" "$S/src/d" "$S/dst" "$S/empty"
	echo a >"$S/src/a"
	echo b >"$S/src/b"
	echo c >"$S/src/d/c"
}
snaps() { find "$S/store" -mindepth 1 -maxdepth 1 -name '2*' -printf '%f\n' | sort; }
nsnaps() { snaps | wc -l; }
staging_left() { find "$S/store" -mindepth 1 -maxdepth 1 -name '.rsguard-staging.*' | grep -q .; }
ino() { stat -c %i "$1"; }

t_snap_push_links() {
	local first second third ex
	snap_tree
	authorize "--log=$S/log -wo -snapshots $S/store"
	rs -a "$S/src/" "$IT_HOST:" || { fail "first push exit $?"; return 1; }
	[ "$(nsnaps)" = 1 ] || { fail "first push: snapshots $(snaps)"; return 1; }
	first=$(snaps)
	[ "$(readlink "$S/store/latest")" = "$first" ] || { fail "latest -> $(readlink "$S/store/latest")"; return 1; }
	same_tree "$S/src" "$S/store/$first" || return 1
	# --explain tells the plan, and makes nothing
	ex=$(SSH_ORIGINAL_COMMAND="rsync --server -logDtpre.iLsfxCIvu . ." $SERVE --log=none --explain -wo -snapshots "$S/store")
	grep -q "^snapshot: a push is staged in $S/store/.rsguard-staging.* link base: $first\$" <<<"$ex" || { fail "explain: $ex"; return 1; }
	grep -q -- "--link-dest=$S/store/$first " <<<"$ex" || { fail "explain argv: $ex"; return 1; }
	! staging_left && [ "$(nsnaps)" = 1 ] || { fail "--explain made something"; return 1; }
	echo changed >"$S/src/a"
	rs -a "$S/src/" "$IT_HOST:" || { fail "second push exit $?"; return 1; }
	[ "$(nsnaps)" = 2 ] || { fail "second push: snapshots $(snaps)"; return 1; }
	second=$(snaps | tail -1)
	[ "$second" != "$first" ] && [ "$(readlink "$S/store/latest")" = "$second" ] || { fail "latest not moved to $second"; return 1; }
	same_tree "$S/src" "$S/store/$second" || return 1
	[ "$(cat "$S/store/$first/a")" = a ] || { fail "first snapshot changed"; return 1; }
	# unchanged files are hard links into the newest, changed ones not
	[ "$(ino "$S/store/$first/b")" = "$(ino "$S/store/$second/b")" ] || { fail "b not linked against the newest"; return 1; }
	[ "$(ino "$S/store/$first/d/c")" = "$(ino "$S/store/$second/d/c")" ] || { fail "d/c not linked"; return 1; }
	[ "$(ino "$S/store/$first/a")" != "$(ino "$S/store/$second/a")" ] || { fail "a changed but linked"; return 1; }
	# a push into a subdir links against the same subdir
	rs -a "$S/src/d/" "$IT_HOST:d/" || { fail "push to d/ exit $?"; return 1; }
	third=$(snaps | tail -1)
	[ "$(ino "$S/store/$second/d/c")" = "$(ino "$S/store/$third/d/c")" ] || { fail "d/ push not linked"; return 1; }
	! staging_left || { fail "staging left"; return 1; }
	grep -q "snapshot $S/store/$second made; linked against $first" "$S/log" || { fail "no snapshot record: $(cat "$S/log")"; return 1; }
}

# ransomware holding the key: every way to reach an earlier snapshot
t_snap_old_untouchable() {
	snap_tree
	authorize "-wo -snapshots $S/store"
	rs -a "$S/src/" "$IT_HOST:" || { fail "push exit $?"; return 1; }
	old=$(snaps)
	sum=$(cd "$S/store/$old" && find . -type f -exec md5sum {} + | sort)
	rsq -a "$S/empty/" "$IT_HOST:../$old/"
	expect_refused $? "do not use .. in arg" || return 1
	rsq -a --delete "$S/empty/" "$IT_HOST:/$old/" || { fail "push to /$old/ exit $?"; return 1; }
	rsq -a --delete "$S/empty/" "$IT_HOST:" || { fail "--delete push exit $?"; return 1; }
	echo evil >"$S/empty/a"
	rsq -a --link-dest="$S/store/$old" "$S/empty/" "$IT_HOST:"
	expect_refused $? "option --link-dest has been disabled" || return 1
	rsq -a --inplace "$S/empty/" "$IT_HOST:$old/"
	expect_refused $? "option --inplace has been disabled" || return 1
	rsq -a --compare-dest=../x "$S/empty/" "$IT_HOST:"
	expect_refused $? "disabled" || return 1
	rsq -a --backup --backup-dir=../"$old" "$S/empty/" "$IT_HOST:"
	expect_refused $? "do not use .. in" || return 1
	rsq -a "$IT_HOST:$old/" "$S/dst/"
	expect_refused $? "reading from write-only server is not allowed" || return 1
	rsq -a "$IT_HOST:latest/" "$S/dst/"
	expect_refused $? "reading from write-only server is not allowed" || return 1
	[ -z "$(ls -A "$S/dst")" ] || { fail "read an old snapshot: $(ls -A "$S/dst")"; return 1; }
	now=$(cd "$S/store/$old" && find . -type f -exec md5sum {} + | sort)
	[ "$sum" = "$now" ] || { fail "old snapshot changed: $now"; return 1; }
	[ -e "$S/store/$old/b" ] || { fail "old snapshot lost b"; return 1; }
	! staging_left || { fail "staging left"; return 1; }
}

# a -ro key on the same DIR restores any snapshot
t_snap_restore() {
	snap_tree
	authorize "-wo -snapshots $S/store"
	rs -a "$S/src/" "$IT_HOST:" || { fail "push exit $?"; return 1; }
	old=$(snaps)
	authorize "-ro $S/store"
	rs -a "$IT_HOST:latest/" "$S/dst/l/" || { fail "restore latest/ exit $?"; return 1; }
	same_tree "$S/src" "$S/dst/l" || return 1
	rs -a "$IT_HOST:$old/d/" "$S/dst/d/" || { fail "restore $old/d/ exit $?"; return 1; }
	[ -f "$S/dst/d/c" ] || { fail "restore of d/ fetched nothing"; return 1; }
	rsq -a "$S/src/" "$IT_HOST:$old/"
	expect_refused $? "sending to read-only server is not allowed" || return 1
}

# a push that fails or is killed halfway is never a snapshot nor a base
t_snap_killed_push() {
	snap_tree
	authorize "--log=$S/log -wo -snapshots $S/store"
	rs -a "$S/src/" "$IT_HOST:" || { fail "push exit $?"; return 1; }
	base=$(snaps)
	head -c 4000000 /dev/urandom >"$S/src/big"
	# the rsync client itself (not a subshell), killed mid-transfer
	"$RSYNC" -e "$(rsync_e)" -a --bwlimit=200 "$S/src/" "$IT_HOST:" 2>/dev/null &
	pid=$!
	for _ in $(seq 50); do staging_left && break; sleep 0.1; done
	sleep 1
	kill -9 "$pid"; wait "$pid" 2>/dev/null
	for _ in $(seq 150); do staging_left || break; sleep 0.1; done
	! staging_left || { fail "staging of the killed push left"; return 1; }
	[ "$(snaps)" = "$base" ] || { fail "killed push made a snapshot: $(snaps)"; return 1; }
	[ "$(readlink "$S/store/latest")" = "$base" ] || { fail "latest moved"; return 1; }
	grep -q "push failed (status [1-9][0-9]*): no snapshot made, staging removed" "$S/log" || { fail "no failure record: $(cat "$S/log")"; return 1; }
	# a refused push leaves nothing either
	rsq -a --inplace "$S/src/" "$IT_HOST:"
	expect_refused $? "disabled" || return 1
	! staging_left || { fail "refused push left its staging"; return 1; }
	# refused after its staging was made: still nothing left
	rsq -a --temp-dir=nope "$S/src/" "$IT_HOST:"
	expect_refused $? "receiver option path does not exist: nope" || return 1
	! staging_left || { fail "push refused after staging left it"; return 1; }
	# staging left by a killed serve goes at the next push
	mkdir -p "$S/store/.rsguard-staging.999999/x"
	rm -f "$S/src/big"
	rs -a "$S/src/" "$IT_HOST:" || { fail "push after kill exit $?"; return 1; }
	! staging_left || { fail "stale staging not removed"; return 1; }
	[ "$(nsnaps)" = 2 ] || { fail "push after kill: $(snaps)"; return 1; }
	grep -q "removed the staging of 1 killed push" "$S/log" || { fail "no cleanup record"; return 1; }
}

# --keep prunes after a good push and never the newest
t_snap_keep() {
	snap_tree
	authorize "--log=$S/log -wo -snapshots --keep=last:2 $S/store"
	for i in 1 2 3 4; do
		seq "$i" >"$S/src/a"	# another size: rsync's quick check
		rs -a "$S/src/" "$IT_HOST:" || { fail "push $i exit $?"; return 1; }
	done
	[ "$(nsnaps)" = 2 ] || { fail "--keep=last:2 left $(snaps)"; return 1; }
	[ "$(tail -1 "$S/store/latest/a")" = 4 ] || { fail "newest not kept: $(snaps) latest=$(readlink "$S/store/latest") a=$(cat "$S/store/latest/a" | tr "\n" " ") log: $(cat "$S/log")"; return 1; }
	[ "$(grep -c "removed (--keep)" "$S/log")" = 2 ] || { fail "prune records: $(grep keep "$S/log")"; return 1; }
	authorize "-wo -snapshots --keep=daily:1 $S/store"
	rs -a "$S/src/" "$IT_HOST:" || { fail "push exit $?"; return 1; }
	[ "$(nsnaps)" = 1 ] || { fail "--keep=daily:1 left $(snaps)"; return 1; }
}

# several roots: a :wo:snapshots root, the other roots as they were
t_snap_root() {
	snap_tree
	mkdir -p "$S/www"; echo w >"$S/www/w"
	authorize "--root bk=$S/store:wo:snapshots --root www=$S/www:ro"
	rs -a "$S/src/" "$IT_HOST:bk/" || { fail "push to bk/ exit $?"; return 1; }
	[ "$(nsnaps)" = 1 ] || { fail "bk/ push: $(snaps)"; return 1; }
	rs -a "$S/src/d/" "$IT_HOST:bk/d/" || { fail "push to bk/d/ exit $?"; return 1; }
	[ "$(nsnaps)" = 2 ] && [ -f "$S/store/latest/d/c" ] || { fail "bk/d/ push: $(snaps)"; return 1; }
	rs -a "$IT_HOST:www/" "$S/dst/" || { fail "pull of www exit $?"; return 1; }
	[ -f "$S/dst/w" ] || { fail "www pull fetched nothing"; return 1; }
	rsq -a "$S/src/" "$IT_HOST:bk/../www/"
	expect_refused $? ".." || return 1
}

# a good push that cannot become a snapshot says so and leaves no staging
t_snap_commit_fails() {
	local now n i j taken
	snap_tree
	authorize "--log=$S/log -wo -snapshots $S/store"
	# every name the next 20 seconds could take is taken
	now=$(date -u +%s)
	for i in $(seq 0 20); do
		n=$(date -u -d "@$((now + i))" +%Y%m%dT%H%M%SZ)
		mkdir "$S/store/$n"
		for j in 1 2 3 4 5 6 7 8 9; do mkdir "$S/store/$n-$j"; done
	done
	taken=$(nsnaps)
	rsq -a "$S/src/" "$IT_HOST:"
	expect_refused $? "the push arrived but is not a snapshot" || return 1
	[ "$(nsnaps)" = "$taken" ] || { fail "a snapshot appeared"; return 1; }
	! staging_left || { fail "staging of a push that is no snapshot left"; return 1; }
	# latest a real directory: the snapshot is made, latest stays
	rm -rf "$S/store"/2*
	mkdir "$S/store/latest"
	rsq -a "$S/src/" "$IT_HOST:"
	expect_refused $? "latest still points at the one before" || return 1
	[ "$(nsnaps)" = 1 ] && [ -d "$S/store/latest" ] && [ ! -L "$S/store/latest" ] || { fail "store: $(ls -A "$S/store")"; return 1; }
	grep -q "cannot point latest at the snapshot: .*; made 2" "$S/log" || { fail "no record: $(cat "$S/log")"; return 1; }
	! staging_left || { fail "staging left"; return 1; }
}

run_tests t_snap_push_links t_snap_commit_fails t_snap_old_untouchable t_snap_restore t_snap_killed_push t_snap_keep t_snap_root
