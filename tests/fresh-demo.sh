#!/bin/sh
# tests/fresh-demo.sh: the README's main job (make demo) as a brand-new
# machine would run it, on this one.  In private mount and PID namespaces it
# hides what a fresh Debian machine lacks: /run is empty (no /run/sshd),
# /etc/ssh holds no host keys, /dev has no log socket, PID 1 is not
# systemd, HOME has no .ssh, and no address but 127.0.0.1 is needed (the
# demo's sshd is reached through ProxyCommand, no socket at all).
# make check runs it as root; as another user it is skipped (exit 77).
# tests/fresh-machine.sh does the same on a debootstrap'ed Debian 12.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "fresh-demo: skipped (needs root and unshare)"
	exit 77
fi
exec unshare -m -p -f --propagation private sh -eu -c '
top=$1
mount -t proc proc /proc
mount -t tmpfs -o mode=755 tmpfs /run
if [ -d /etc/ssh ]; then
	keep=$(mktemp -d)
	# the client config only: no host keys, no sshd_config
	[ -f /etc/ssh/ssh_config ] && cp /etc/ssh/ssh_config "$keep/"
	mount -t tmpfs -o mode=755 tmpfs /etc/ssh
	[ -f "$keep/ssh_config" ] && cp "$keep/ssh_config" /etc/ssh/
	rm -rf "$keep"
fi
if [ -e /dev/log ]; then
	mount --bind /dev/null /dev/log
fi
home=$(mktemp -d /tmp/fresh-home.XXXXXX)
trap "rm -rf $home" EXIT
ls /etc/ssh/ssh_host_* >/dev/null 2>&1 && { echo "fresh-demo: host keys still visible" >&2; exit 1; }
[ -S /dev/log ] && { echo "fresh-demo: /dev/log still a socket" >&2; exit 1; }
[ "$(cat /proc/1/comm)" != systemd ] || { echo "fresh-demo: PID 1 is systemd" >&2; exit 1; }
cd "$top" && env HOME="$home" make -s demo
[ ! -e "$home/.ssh" ] || { echo "fresh-demo: the demo made $home/.ssh" >&2; exit 1; }
echo "fresh-demo: make demo passed with an empty /run, no host keys, no /dev/log, no systemd, no ~/.ssh"
' fresh-demo "$top"
