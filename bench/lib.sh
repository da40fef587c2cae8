# shellcheck shell=bash
# bench/lib.sh - shared by the bench scripts.

# bench_sshd_config DIR: a private sshd's config (host key and
# authorized_keys in DIR; public keys only; quiet; no pid file).
bench_sshd_config() {
	local T=$1
	cat <<EOF
HostKey $T/hostkey
AuthorizedKeysFile $T/authorized_keys
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
PidFile none
LogLevel ERROR
EOF
}
