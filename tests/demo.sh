#!/bin/sh
# make demo: a real guarded mirror on this machine, over a private sshd
# reached through "ProxyCommand sshd -i" (no port, loopback only).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rsguard=$top/rsguard
. "$top/tests/sshd-env.sh"
sshd=$SSHD
work=$(mktemp -d /tmp/rsguard-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "a private sshd with its own host key"
mkdir -p "$work/srv/export" "$work/srv/incoming" "$work/client/data"
ssh-keygen -q -t ed25519 -N '' -f "$work/hostkey"
: > "$work/authorized_keys"
chmod 600 "$work/authorized_keys"
cat > "$work/sshd_config" <<EOT
HostKey $work/hostkey
AuthorizedKeysFile $work/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
PidFile none
LogLevel ERROR
ExposeAuthInfo yes
EOT
sshd_env "$work/sshd_config"
echo "localhost $(cat "$work/hostkey.pub")" > "$work/known_hosts"

say "rsguard keygen: a dedicated key, outside ~/.ssh"
"$rsguard" keygen --dir "$work/keys" demo | sed -n '1,3p'
key=$work/keys/demo

# The kernel sandbox around rsync: required where the kernel has it all.
sbopt=
if SSH_ORIGINAL_COMMAND='rsync --server --sender -vlr . .' \
    "$rsguard" serve --log=none --explain --sandbox=require -ro "$work" \
    >/dev/null 2>&1; then
	sbopt="--sandbox require"
fi

say "rsguard authorize: the restricted line, installed atomically"
# NB. through "ProxyCommand sshd -i" sshd sees no client address: it
# calls it UNKNOWN, so that is what from= names here.
"$rsguard" authorize --key "$key.pub" --from UNKNOWN $sbopt \
    --log "$work/serve.log" --install --file "$work/authorized_keys" \
    -ro "$work/srv/export" >/dev/null
"$rsguard" authorize --key "$key.pub" --from UNKNOWN $sbopt \
    --log "$work/serve.log" --install --file "$work/authorized_keys" \
    -ro "$work/srv/export" >/dev/null
echo "installed twice, lines in the file: $(wc -l < "$work/authorized_keys")"
ssh_cmd="ssh -F none -i $key -o IdentitiesOnly=yes -o IdentityAgent=none \
-o BatchMode=yes -o StrictHostKeyChecking=yes \
-o UserKnownHostsFile=$work/known_hosts \
-o ProxyCommand='$sshd -i -f $work/sshd_config'"
sed 's/AAAA[^ ]*/AAAA.../' "$work/authorized_keys"

say "rsguard lint: what sshd will make of that file"
# RSG013 left out: this private sshd runs with StrictModes no under /tmp.
RSGUARD_SSHD_CONFIG=$work/sshd_config "$rsguard" lint --ignore RSG013 "$work/authorized_keys" || true

say "rsguard check: the key works, and does nothing else"
"$rsguard" check --key "$key" -o UserKnownHostsFile="$work/known_hosts" \
    -o ProxyCommand="$sshd -i -f $work/sshd_config" "$(id -un)@localhost"

say "server data to mirror"
for i in 1 2 3; do
	mkdir -p "$work/srv/export/dir$i"
	head -c $((i * 40000)) /dev/urandom > "$work/srv/export/dir$i/blob$i"
	echo "note $i" > "$work/srv/export/note$i.txt"
done
ln -s note1.txt "$work/srv/export/latest"
find "$work/srv/export" | sed "s|$work/||"

say "pull mirror: rsync -a --delete through the guarded key"
rsync -a --delete --stats -e "$ssh_cmd" "$(id -un)@localhost:/" \
    "$work/client/data/" | sed -n '/Number of files:/p;/Total bytes received/p'
diff -r "$work/srv/export" "$work/client/data" && echo "mirror identical: yes"

say "the kernel sandbox rsync ran in (rsguard serve --explain)"
SSH_ORIGINAL_COMMAND='rsync --server --sender -logDtpre.iLsfxCIvu . .' \
    "$rsguard" serve --log=none --explain -ro "$work/srv/export" |
    grep '^sandbox' | sed 's/^/  /'
grep -o 'sandbox=[^ ]*' "$work/serve.log" | sort | uniq -c

say "second run: nothing changes"
rsync -ai --delete -e "$ssh_cmd" "$(id -un)@localhost:/" "$work/client/data/"
echo "(no itemized changes above = up to date)"


say "rsguard mirror: the same pull as a job, and a push job, both pinned"
# A second key for pushes: one key, one forced command.
"$rsguard" keygen --dir "$work/keys" demo-push >/dev/null
"$rsguard" authorize --key "$work/keys/demo-push.pub" --from UNKNOWN $sbopt \
    --log "$work/serve.log" --install --file "$work/authorized_keys" \
    -wo "$work/srv/incoming" >/dev/null
mkdir -p "$work/jobs" "$work/state" "$work/client/mirror"
for job in pull push; do
	if [ $job = pull ]; then
		src="$(id -un)@localhost:/" dst=$work/client/mirror jkey=$key
	else
		src=$work/client/data dst="$(id -un)@localhost:/" \
		    jkey=$work/keys/demo-push
	fi
	cat > "$work/jobs/$job.conf" <<EOT
[job]
direction = $job
source = $src
destination = $dst
key = $jkey
options = -a --delete
timeout = 2m
retries = 2
retry_delay = 1s
every = 1h
ssh_option = ProxyCommand=$sshd -i -f $work/sshd_config
EOT
done
sed -n '/^\[job\]/,$p' "$work/jobs/pull.conf"
jobopts="--jobs-dir $work/jobs"
"$rsguard" trust $jobopts --yes pull
cp "$work/jobs/pull.known_hosts" "$work/jobs/push.known_hosts"
"$rsguard" mirror $jobopts --state-dir "$work/state" pull
diff -r "$work/srv/export" "$work/client/mirror" && echo "pull job: identical"
"$rsguard" mirror $jobopts --state-dir "$work/state" push
diff -r "$work/client/data" "$work/srv/incoming" && echo "push job: identical"
"$rsguard" mirror -n $jobopts pull | grep -oE -- "--delay-updates|--delete-delay|(StrictHostKeyChecking|UserKnownHostsFile|IdentitiesOnly|BatchMode)=[^' ]*" | sed 's/^/  /'

say "rsguard status"
"$rsguard" status $jobopts --state-dir "$work/state"
sed 's/^/  /' "$work/state/pull.json"

say "what the key cannot do"
if eval "$ssh_cmd" "$(id -un)@localhost" sh -c id 2>&1; then
	echo "UNEXPECTED: shell allowed"; exit 1
fi
if rsync -a -e "$ssh_cmd" "$work/client/data/" \
    "$(id -un)@localhost:/" 2>&1 | grep 'error'; then :; fi
if rsync -a -e "$ssh_cmd" "$(id -un)@localhost:../../../etc/passwd" \
    "$work/client/" 2>&1 | grep 'error'; then :; fi
[ ! -e "$work/client/passwd" ] && echo "escape attempts refused: yes"

say "the server's log"
sed 's/^/  /' "$work/serve.log"
echo
echo "demo finished: a guarded mirror ran end to end."
