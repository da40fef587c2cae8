#!/bin/sh
# tests/fresh-machine.sh ROOT [demo|test|both]
#
# Run the README's set-up commands (./setup.sh demo, ./setup.sh test) on a
# brand-new Debian 12 system: ROOT is a debootstrap'ed tree (made here when
# it does not exist:  debootstrap --variant=minbase bookworm ROOT), into
# which a clean clone of this checkout's HEAD is copied.  What such a machine
# lacks is left out on purpose: no /run/sshd (an empty tmpfs /run), no ssh
# host keys in /etc/ssh until apt's openssh-server makes them, no syslog
# daemon and no /dev/log, no systemd as PID 1 (a new PID namespace whose
# init is sh), no ~/.ssh for root.  Networking is the host's (apt needs it).
#
# Not part of make check: it downloads packages.  Needs root, debootstrap,
# unshare(1).  Exit status: that of the last set-up command run.
set -eu
[ "$(id -u)" = 0 ] || { echo "fresh-machine: must run as root" >&2; exit 2; }
[ $# -ge 1 ] || { echo "usage: tests/fresh-machine.sh ROOT [demo|test|both]" >&2; exit 2; }
root=$1
what=${2:-both}
case $what in demo|test|both) ;; *) echo "fresh-machine: $what?" >&2; exit 2 ;; esac
top=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$root/bin/sh" ]; then
	command -v debootstrap >/dev/null ||
	    { echo "fresh-machine: apt-get install debootstrap" >&2; exit 2; }
	debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
# Debian 12 as installed: its security suite too (rsync 3.5.0 comes from it).
cat >"$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/root/.ssh" "$root/root/rsguard"
git -C "$top" archive --format=tar --prefix=rsguard/ HEAD | tar -C "$root/root" -xf -

# A private mount namespace and PID namespace: proc, dev, an empty /run and
# /tmp, and no /dev/log (a private /dev without it).
exec unshare -m -p -f --propagation private sh -eu -c '
root=$1 what=$2
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys" || :
mount -t tmpfs -o mode=755 tmpfs "$root/dev"
for n in null zero full random urandom tty; do
	: >"$root/dev/$n"; mount --bind "/dev/$n" "$root/dev/$n"
done
mkdir -p "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" || :
ln -sf pts/ptmx "$root/dev/ptmx"
ln -sf /proc/self/fd "$root/dev/fd"
mount -t tmpfs tmpfs "$root/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
run() {
	echo "== fresh-machine: ./setup.sh $1"
	chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	    TERM=dumb sh -c "cd /root/rsguard && ./setup.sh $1"
}
[ -e "$root/dev/log" ] && { echo "fresh-machine: /dev/log exists" >&2; exit 2; }
case $what in
demo) run demo ;;
test) run test ;;
both) run demo && run test ;;
esac
' fresh "$root" "$what"
