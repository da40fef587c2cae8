#!/bin/bash
# Transfers that rsguard must allow and carry out correctly, over real ssh.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Layout used by most tests: $S/src (local source), $S/srv (served DIR),
# $S/out (local pull destination).
# shellcheck disable=SC2120
setup_rw() {
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/src"
	authorize "$@" "$S/srv"
}

t_push_pull_a() {
	setup_rw
	rs -a "$S/src/" "$IT_HOST:dst/" || { fail "push exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/dst" || return 1
	rs -a "$IT_HOST:dst/" "$S/out/" || { fail "pull exit $?"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
	[ -L "$S/out/link-to-b" ] || { fail "symlink not kept as symlink"; return 1; }
	[ "$(stat -c %Y "$S/out/a.txt")" = "$(stat -c %Y "$S/src/a.txt")" ] ||
		{ fail "mtime not preserved"; return 1; }
}

t_avz_delete() {
	setup_rw
	mkdir -p "$S/srv/dst/stale-dir"
	echo stale >"$S/srv/dst/stale.txt"
	echo stale >"$S/srv/dst/stale-dir/x"
	rs -avz --delete "$S/src/" "$IT_HOST:dst/" >/dev/null || { fail "push exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/dst" || return 1
	mkdir -p "$S/out"; echo stale >"$S/out/local-stale"
	rs -avz --delete "$IT_HOST:dst/" "$S/out/" >/dev/null || { fail "pull exit $?"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
}

t_partial_dir_pull() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	rs -a --partial-dir=.rsync-partial "$IT_HOST:dst/" "$S/out/" || { fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
	[ ! -e "$S/out/.rsync-partial" ] || { fail "local partial dir left behind"; return 1; }
}

t_partial_dir_push() {
	setup_rw
	rs -a --partial-dir=.rsync-partial "$S/src/" "$IT_HOST:dst/" || { fail "exit $?"; return 1; }
	# what plain local rsync makes of the same transfer
	mkdir "$S/local"
	"$RSYNC" -a --partial-dir=.rsync-partial "$S/src/" "$S/local/dst/" ||
		{ fail "local rsync exit $?"; return 1; }
	local p
	for p in "$S/srv/.rsync-partial" "$S/srv/dst/.rsync-partial"; do
		if [ -e "$p" ]; then
			[ -d "$p" ] && [ ! -L "$p" ] || { fail "$p is not a directory"; return 1; }
			[ "$(stat -c %a "$p")" = 700 ] ||
				{ fail "$p has mode $(stat -c %a "$p"), want 700"; return 1; }
			[ -z "$(ls -A "$p")" ] || { fail "$p not empty after success"; return 1; }
			rmdir "$p"
		fi
	done
	same_tree "$S/local" "$S/srv" || return 1
}

t_link_dest_existing() {
	setup_rw
	rs -a "$S/src/" "$IT_HOST:snap1/" || { fail "first push exit $?"; return 1; }
	echo changed >"$S/src/sub/b.txt"
	rs -a --link-dest=snap1 "$S/src/" "$IT_HOST:snap2/" ||
		{ fail "link-dest push exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/snap2" || return 1
	local f
	for f in a.txt sub/deep/c.txt sub/big.bin run.sh priv; do
		[ "$(stat -c %i "$S/srv/snap1/$f")" = "$(stat -c %i "$S/srv/snap2/$f")" ] &&
			[ "$(stat -c %h "$S/srv/snap2/$f")" = 2 ] ||
			{ fail "unchanged $f not hard-linked (links=$(stat -c %h "$S/srv/snap2/$f"))"; return 1; }
	done
	[ "$(stat -c %h "$S/srv/snap2/sub/b.txt")" = 1 ] ||
		{ fail "changed file sub/b.txt is hard-linked"; return 1; }
	[ "$(cat "$S/srv/snap1/sub/b.txt")" = beta ] || { fail "basis modified"; return 1; }
	[ -z "$(find "$S/srv" -name '.rsguard-empty-basis*')" ] || { fail "placeholder left"; return 1; }
}

t_link_dest_missing() {
	setup_rw
	rs -a --link-dest=nosuch "$S/src/" "$IT_HOST:snap1/" || { fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/snap1" || return 1
	local left
	left=$(find "$S/srv" -name '.rsguard-empty-basis*' -o -name '.rrsync-empty-basis*')
	[ -z "$left" ] || { fail "placeholder left behind: $left"; return 1; }
	[ ! -e "$S/srv/nosuch" ] || { fail "missing basis dir was created"; return 1; }
	[ "$(ls -A "$S/srv")" = snap1 ] || { fail "unexpected entries: $(ls -A "$S/srv" | tr '\n' ' ')"; return 1; }
}

# backup_case BACKUPDIR
backup_case() {
	local bdir=$1
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	echo old-beta >"$S/srv/dst/sub/b.txt"
	touch -d '2001-01-01' "$S/srv/dst/sub/b.txt"
	rs -a --backup --backup-dir="$bdir" "$S/src/" "$IT_HOST:dst/" || { fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/dst" || return 1
	local got
	got=$(cat "$S/srv/$bdir/sub/b.txt" 2>/dev/null || cat "$S/srv/dst/$bdir/sub/b.txt" 2>/dev/null)
	[ "$got" = old-beta ] || { fail "no backup of sub/b.txt under $bdir ($(cd "$S/srv" && find . | tr '\n' ' '))"; return 1; }
	[ -d "$S/srv/$bdir" ] && [ ! -L "$S/srv/$bdir" ] || { fail "$bdir not a directory in DIR"; return 1; }
}
t_backup_dir() { backup_case bak; }
t_backup_dir_nested() { backup_case bak/2026/07; }

t_temp_dir_existing() {
	setup_rw
	mkdir "$S/srv/tmpd"
	rs -a --temp-dir=tmpd "$S/src/" "$IT_HOST:dst/" || { fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/srv/dst" || return 1
	[ -z "$(ls -A "$S/srv/tmpd")" ] || { fail "temp dir not empty"; return 1; }
}

t_temp_dir_missing() {
	setup_rw
	local before after
	before=$(cd "$S/srv" && find . | sort)
	rsq -a --temp-dir=nosuch "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "receiver option path does not exist" || return 1
	after=$(cd "$S/srv" && find . | sort)
	[ "$before" = "$after" ] || { fail "something was created: $after"; return 1; }
}

t_relative_dot_pull() {
	setup_rw
	mkdir -p "$S/srv/base/keep/deeper"
	echo one >"$S/srv/base/keep/deeper/f1"
	echo two >"$S/srv/base/keep/f2"
	mkdir "$S/out"
	rs -aR "$IT_HOST:base/./keep/" "$S/out/" || { fail "exit $?"; return 1; }
	[ "$(cat "$S/out/keep/deeper/f1" 2>/dev/null)" = one ] &&
		[ "$(cat "$S/out/keep/f2" 2>/dev/null)" = two ] ||
		{ fail "wrong -R result: $(cd "$S/out" && find . | tr '\n' ' ')"; return 1; }
	[ ! -e "$S/out/base" ] || { fail "path before /./ was reproduced"; return 1; }
}

t_files_from_pull() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	printf 'a.txt\nsub/deep/c.txt\n' | rs -a --files-from=- "$IT_HOST:dst/" "$S/out/" ||
		{ fail "exit $?"; return 1; }
	local got
	got=$(cd "$S/out" && find . -type f | sort | tr '\n' ' ')
	[ "$got" = "./a.txt ./sub/deep/c.txt " ] || { fail "got files: $got"; return 1; }
	cmp -s "$S/out/sub/deep/c.txt" "$S/src/sub/deep/c.txt" || { fail "content differs"; return 1; }
}

t_files_from_push() {
	setup_rw
	printf 'run.sh\nsub/b.txt\n' | rs -a --files-from=- "$S/src/" "$IT_HOST:dst/" ||
		{ fail "exit $?"; return 1; }
	local got
	got=$(cd "$S/srv/dst" && find . -type f | sort | tr '\n' ' ')
	[ "$got" = "./run.sh ./sub/b.txt " ] || { fail "got files: $got"; return 1; }
	[ "$(stat -c %a "$S/srv/dst/run.sh")" = 755 ] || { fail "mode not kept"; return 1; }
}

t_fifo_pull_no_hang() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	mkfifo "$S/srv/dst/pipe"
	local e rc
	e=$(rsync_e)
	timeout 20 "$RSYNC" -e "$e" -a "$IT_HOST:dst/" "$S/out/" 2>"$LAST_ERR"
	rc=$?
	[ "$rc" != 124 ] || { fail "pull with a FIFO in the tree hung (timeout)"; return 1; }
	[ "$rc" = 0 ] || [ "$rc" = 23 ] || { fail "exit $rc"; return 1; }
	rm -f "$S/srv/dst/pipe" "$S/out/pipe"
	same_tree "$S/src" "$S/out" || return 1
}

t_dangling_symlink_pull() {
	setup_rw
	mkdir "$S/srv/dst"
	ln -s ../does/not/exist "$S/srv/dst/dangle"
	rs -a "$IT_HOST:dst/" "$S/out/" || { fail "exit $?"; return 1; }
	[ -L "$S/out/dangle" ] || { fail "not delivered as a symlink"; return 1; }
	[ "$(readlink "$S/out/dangle")" = ../does/not/exist ] ||
		{ fail "target $(readlink "$S/out/dangle")"; return 1; }
}

t_pull_single_file() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	mkdir "$S/out"
	rs -a "$IT_HOST:dst/sub/big.bin" "$S/out/" || { fail "exit $?"; return 1; }
	cmp -s "$S/out/big.bin" "$S/src/sub/big.bin" || { fail "content differs"; return 1; }
	rs -a "$IT_HOST:dst/a.txt" "$S/out/renamed" || { fail "exit $? (renamed)"; return 1; }
	[ -f "$S/out/renamed" ] && cmp -s "$S/out/renamed" "$S/src/a.txt" ||
		{ fail "renamed pull wrong"; return 1; }
	[ "$(ls -A "$S/out" | tr '\n' ' ')" = "big.bin renamed " ] || { fail "extra files"; return 1; }
}

t_push_single_file_existing() {
	setup_rw
	echo old >"$S/srv/target"
	echo new-content >"$S/newf"
	rs -a "$S/newf" "$IT_HOST:target" || { fail "exit $?"; return 1; }
	[ -f "$S/srv/target" ] && [ "$(cat "$S/srv/target")" = new-content ] ||
		{ fail "target not replaced: $(cat "$S/srv/target")"; return 1; }
	[ ! -e "$S/srv/newf" ] || { fail "created newf instead"; return 1; }
}

t_push_single_file_new() {
	setup_rw
	mkdir "$S/srv/d"
	echo fresh >"$S/newf"
	rs -a "$S/newf" "$IT_HOST:brand-new" || { fail "exit $?"; return 1; }
	[ -f "$S/srv/brand-new" ] && [ "$(cat "$S/srv/brand-new")" = fresh ] ||
		{ fail "brand-new not created as file: $(ls -la "$S/srv")"; return 1; }
	rs -a "$S/newf" "$IT_HOST:d/other" || { fail "exit $? (d/other)"; return 1; }
	[ -f "$S/srv/d/other" ] && [ "$(cat "$S/srv/d/other")" = fresh ] ||
		{ fail "d/other not created"; return 1; }
}

# A destination whose parent is missing is refused (rsync would fail too),
# unless --mkpath, when rsguard makes the parents beneath the pinned dir.
t_push_missing_parent() {
	setup_rw
	echo data >"$S/newf"
	rsq -a "$S/newf" "$IT_HOST:no/such/dir/"
	expect_refused $? "no such file or directory in the restricted dir" || return 1
	[ ! -e "$S/srv/no" ] || { fail "created $S/srv/no"; return 1; }
	rs -a --mkpath "$S/newf" "$IT_HOST:no/such/dir/" ||
		{ fail "exit $? (--mkpath)"; return 1; }
	[ "$(cat "$S/srv/no/such/dir/newf" 2>/dev/null)" = data ] ||
		{ fail "--mkpath did not deliver: $(find "$S/srv")"; return 1; }
}

# Option values naming DIR's root itself ("/" means DIR) stay DIR.
t_option_dir_is_root() {
	setup_rw
	mkdir -p "$S/src"
	echo v2 >"$S/src/f"
	echo v1 >"$S/srv/f"
	rs -a --backup --backup-dir=/ --suffix=.old "$S/src/" "$IT_HOST:sub/" ||
		{ fail "exit $?"; return 1; }
	[ "$(cat "$S/srv/sub/f")" = v2 ] || { fail "sub/f wrong"; return 1; }
}

# What the accepted command needs reaches the sandbox (serve's
# prepare_sandbox): a sender may write its --log-file and remove its
# sources with --remove-source-files, and --iconv finds its converters.
t_sandbox_pull_log_file() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	rs -a -M--log-file=pull.log "$IT_HOST:dst/" "$S/out/" ||
		{ fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
	! grep -q "failed to open log-file" "$LAST_ERR" ||
		{ fail "log refused: $(head -2 "$LAST_ERR")"; return 1; }
	grep -q "total size" "$S/srv/pull.log" 2>/dev/null ||
		{ fail "no log written in DIR"; return 1; }
}

t_sandbox_pull_remove_source_files() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	rs -a --remove-source-files "$IT_HOST:dst/" "$S/out/" ||
		{ fail "exit $?"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
	[ -z "$(find "$S/srv/dst" ! -type d ! -type l)" ] ||
		{ fail "sources left: $(find "$S/srv/dst" -type f | head -3)"; return 1; }
}

t_sandbox_pull_iconv() {
	setup_rw
	cp -a "$S/src" "$S/srv/dst"
	rs -a --iconv=utf8,latin1 "$IT_HOST:dst/" "$S/out/" ||
		{ fail "exit $?: $(head -2 "$LAST_ERR")"; return 1; }
	same_tree "$S/src" "$S/out" || return 1
}

run_tests t_push_missing_parent t_option_dir_is_root t_push_pull_a t_avz_delete t_partial_dir_pull t_partial_dir_push \
	t_link_dest_existing t_link_dest_missing t_backup_dir t_backup_dir_nested \
	t_temp_dir_existing t_temp_dir_missing t_relative_dot_pull \
	t_files_from_pull t_files_from_push t_fifo_pull_no_hang \
	t_dangling_symlink_pull t_pull_single_file t_push_single_file_existing \
	t_push_single_file_new t_sandbox_pull_log_file \
	t_sandbox_pull_remove_source_files t_sandbox_pull_iconv
