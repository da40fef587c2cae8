#!/bin/bash
# Option paths that name DIR by its absolute path under -absolute: an
# alias of DIR's root, as transfer arguments are (rrsync would read
# --link-dest=/srv/push/base as DIR/srv/push/base: no hard links, or a
# refusal that names a race).  Without -absolute, and for a path not
# under DIR, a leading "/" keeps meaning DIR's root, as in rrsync.  An
# option value naming DIR itself is DIR, not the destination directory.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# abs_setup [SERVE-OPTS...]: $S/src a tree, $S/srv (real path $SRV) the
# served DIR.
abs_setup() {
	new_scratch
	mkdir "$S/srv"
	make_tree "$S/src"
	SRV=$(cd "$S/srv" && pwd -P)
	authorize "$@" "$SRV"
}

# no_dir_in_dir: nothing was made under DIR that spells DIR's own path.
no_dir_in_dir() {
	local top=${SRV#/}
	top=${top%%/*}
	[ ! -e "$SRV/$top" ] ||
		{ fail "made $SRV/$top: $(cd "$SRV" && find "$top" | head -4 | tr '\n' ' ')"; return 1; }
}

# same_inode A B
same_inode() { [ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ]; }

t_abs_basis_dirs() {
	abs_setup -absolute
	local f
	rs -a "$S/src/" "$IT_HOST:$SRV/snap1/" || { fail "first push exit $?"; return 1; }
	echo changed >"$S/src/sub/b.txt"
	rs -a --link-dest="$SRV/snap1" "$S/src/" "$IT_HOST:$SRV/snap2/" ||
		{ fail "--link-dest push exit $?"; return 1; }
	same_tree "$S/src" "$SRV/snap2" || return 1
	for f in a.txt sub/deep/c.txt sub/big.bin; do
		same_inode "$SRV/snap1/$f" "$SRV/snap2/$f" ||
			{ fail "--link-dest=$SRV/snap1: $f not hard-linked"; return 1; }
	done
	! same_inode "$SRV/snap1/sub/b.txt" "$SRV/snap2/sub/b.txt" ||
		{ fail "changed sub/b.txt hard-linked"; return 1; }
	rs -a --compare-dest="$SRV/snap1" "$S/src/" "$IT_HOST:$SRV/snap3/" ||
		{ fail "--compare-dest push exit $?"; return 1; }
	[ ! -e "$SRV/snap3/a.txt" ] && [ -f "$SRV/snap3/sub/b.txt" ] ||
		{ fail "--compare-dest=$SRV/snap1 not used: $(cd "$SRV/snap3" && find . -type f | tr '\n' ' ')"; return 1; }
	rs -a --stats --copy-dest="$SRV/snap2" "$S/src/" "$IT_HOST:$SRV/snap4/" >"$S/stats" ||
		{ fail "--copy-dest push exit $?"; return 1; }
	same_tree "$S/src" "$SRV/snap4" || return 1
	grep -q '^Number of regular files transferred: 0$' "$S/stats" ||
		{ fail "--copy-dest=$SRV/snap2 not used: $(grep 'files transferred' "$S/stats")"; return 1; }
	! same_inode "$SRV/snap2/a.txt" "$SRV/snap4/a.txt" || { fail "--copy-dest linked"; return 1; }
	no_dir_in_dir
}

# --link-dest naming DIR itself, by its path or as "/": DIR's root.
t_abs_link_dest_dir_root() {
	local v
	abs_setup -absolute
	cp -a "$S/src/." "$SRV/"
	for v in "$SRV" /; do
		rm -rf "$SRV/snap"
		rs -a --link-dest="$v" "$S/src/" "$IT_HOST:$SRV/snap/" ||
			{ fail "--link-dest=$v exit $?"; return 1; }
		same_inode "$SRV/a.txt" "$SRV/snap/a.txt" ||
			{ fail "--link-dest=$v: a.txt not hard-linked to DIR/a.txt"; return 1; }
	done
}

# --backup-dir naming DIR itself (by its path, or "/" as for rrsync):
# the backup lands in DIR, not in the destination directory.
t_abs_backup_dir() {
	local v
	abs_setup -absolute
	mkdir "$SRV/sub"
	for v in "$SRV/bak" "$SRV" /; do
		echo v1 >"$SRV/sub/f"
		touch -d 2001-01-01 "$SRV/sub/f"
		echo "v2 $v" >"$S/f"
		rs -a --backup --backup-dir="$v" --suffix=.old "$S/f" "$IT_HOST:$SRV/sub/" ||
			{ fail "--backup-dir=$v exit $?"; return 1; }
		case $v in "$SRV/bak") v=$SRV/bak ;; *) v=$SRV ;; esac
		[ "$(cat "$v/f.old" 2>/dev/null)" = v1 ] ||
			{ fail "--backup-dir: no $v/f.old ($(cd "$SRV" && find . -name 'f*' | tr '\n' ' '))"; return 1; }
		rm -f "$v/f.old"
	done
	[ ! -e "$SRV/sub/f.old" ] || { fail "backup made in the destination"; return 1; }
	no_dir_in_dir
}

t_abs_temp_partial_log() {
	abs_setup -absolute
	mkdir "$SRV/tmpd"
	rs -a --temp-dir="$SRV/tmpd" --partial-dir="$SRV/.part" \
		-M--log-file="$SRV/push.log" "$S/src/" "$IT_HOST:$SRV/dst/" ||
		{ fail "exit $?"; return 1; }
	same_tree "$S/src" "$SRV/dst" || return 1
	grep -q 'total size' "$SRV/push.log" 2>/dev/null || { fail "no log in DIR/push.log"; return 1; }
	no_dir_in_dir
}

t_abs_files_from() {
	abs_setup -ro -absolute
	cp -a "$S/src/." "$SRV/"
	printf 'a.txt\nsub/b.txt\n' >"$SRV/list"
	mkdir "$S/out"
	rs -a --files-from=":$SRV/list" "$IT_HOST:$SRV/" "$S/out/" || { fail "exit $?"; return 1; }
	[ "$(cd "$S/out" && find . -type f | sort | tr '\n' ' ')" = "./a.txt ./sub/b.txt " ] ||
		{ fail "got $(cd "$S/out" && find . -type f | tr '\n' ' ')"; return 1; }
}

# Not an alias: without -absolute, or a path that only starts like DIR.
t_abs_not_alias() {
	abs_setup
	mkdir "$SRV/tmpd"
	rsq -a --temp-dir="$SRV/tmpd" "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "receiver option path does not exist: $SRV/tmpd" || return 1
	abs_setup -absolute
	mkdir "$SRV/tmpd"
	rsq -a --temp-dir="${SRV}x/tmpd" "$S/src/" "$IT_HOST:dst/"
	expect_refused $? "receiver option path does not exist: ${SRV}x/tmpd" || return 1
	[ "$(cd "$SRV" && find . | sort)" = "$(printf '.\n./tmpd')" ] ||
		{ fail "something was made: $(cd "$SRV" && find . | tr '\n' ' ')"; return 1; }
}

run_tests t_abs_basis_dirs t_abs_link_dest_dir_root t_abs_backup_dir \
	t_abs_temp_partial_log t_abs_files_from t_abs_not_alias
