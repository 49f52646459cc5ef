#!/bin/bash
# Runs inside the test guest (Debian root, chroot from the initramfs): guest.sh SCENARIO NFSPORT ROLE.
# /mnt/share is the host's per-run share (this script, data, and out/ for manifests the host checks);
# /mnt/x is the NFS mount of the data plane's export. Prints @@PASS SCENARIO or @@FAIL SCENARIO: why.
scen=$1 port=$2 role=$3
[[ "$role" == none ]] && role=""
SH=/mnt/share
OUT=$SH/out/$scen${role:+-$role}
mkdir -p "$OUT"
export GIT_CONFIG_NOSYSTEM=1 HOME=/root
MOUNT_OPTS="vers=3,proto=tcp,port=$port,mountport=$port,mountproto=tcp,nolock,addr=10.0.2.2"
# Through the TLS tunnel the NFS client opens 4 connections to its one port (the tunnel gives each its own TLS one).
NCONNECT=1
if [[ "$role" == tunnel ]]; then NCONNECT=4; MOUNT_OPTS+=",nconnect=$NCONNECT"; fi

fail() { [[ -n "${ON_FAIL:-}" ]] && $ON_FAIL "$*"; echo "@@FAIL $scen: $*"; exit 1; }
pass() { echo "@@PASS $scen"; exit 0; }
note() { echo "@@NOTE $scen: $*"; }
mark() { echo "@@$*"; }
nfsmount() {
  busybox mount -t nfs -o "$MOUNT_OPTS" 10.0.2.2:/fs-demo "${1:-/mnt/x}" || fail "mount failed (port $port)"
}
nfsumount() { sync; umount "${1:-/mnt/x}" || fail "umount ${1:-/mnt/x} failed"; }
dropcaches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
# The guest's view of a tree, for the host to compare with the bucket: TYPE PATH DATA MODE UID GID MTIME.
manifest() { # DIR OUTFILE
  (cd "$1" || exit 1
   find . -mindepth 1 -type f -print0 | xargs -0 -r sha256sum > /tmp/manifest.sha || exit 1
   find . -mindepth 1 \( -type f -o -type l -o -type d \) -printf '%y %p %m %U %G %T@ %l\n' > /tmp/manifest.attr || exit 1
   awk 'FNR == NR { sum[$2] = $1; next }
        { mt = $6; sub(/\..*/, "", mt)
          if ($1 == "f") data = sum[$2]; else if ($1 == "l") data = $7; else data = "-"
          print $1, $2, data, $3, $4, $5, mt }' /tmp/manifest.sha /tmp/manifest.attr | sort) > "$2.tmp" && mv "$2.tmp" "$2"
}
# Deterministic data: MIB mebibytes, each mebibyte the seed prefixed with its index (so no two are equal).
gen() { # SEED MIB
  local i
  for ((i = 0; i < $2; i++)); do printf '%016d' "$i"; head -c $((1048576 - 16)) "$1"; done
}

s_io() {
  nfsmount; local D=/mnt/x/io L=/tmp/io
  mkdir "$D" "$L" || fail "mkdir"
  head -c 1048576 /dev/urandom > /tmp/seed
  # small: create, append, overwrite, truncate down and up
  echo hello > $D/a && echo world >> $D/a || fail "write a"
  [[ "$(cat $D/a)" == $'hello\nworld' ]] || fail "append: $(cat $D/a)"
  head -c 300000 /dev/urandom > $L/small; cp $L/small $D/small || fail "cp small"
  cmp $L/small $D/small || fail "small differs after cp"
  for f in $D $L; do truncate -s 12345 $f/small; truncate -s 400001 $f/small; printf 'tail' >> $f/small; done
  cmp $L/small $D/small || fail "small differs after truncate/extend/append"
  : > $D/empty; [[ -f $D/empty && ! -s $D/empty ]] || fail "empty file"
  # one 256 MiB file: sequential write with fsync, random writes, append, truncate
  gen /tmp/seed 256 > $L/big
  local t0=$SECONDS
  dd if=$L/big of=$D/big bs=1M conv=fsync status=none || fail "dd big"
  note "256 MiB written with conv=fsync in $((SECONDS - t0)) s"
  dropcaches
  [[ "$(sha $D/big)" == "$(sha $L/big)" ]] || fail "big differs after write"
  head -c 70000 /dev/urandom > /tmp/chunk
  local off
  for off in 0 1 4095 131071 1048577 77777777 150000000 268435455; do
    for f in $D $L; do dd if=/tmp/chunk of=$f/big bs=70000 oflag=seek_bytes seek=$off conv=notrunc status=none || fail "pwrite at $off"; done
  done
  for f in $D $L; do head -c 3000017 /tmp/seed >> $f/big; done
  dropcaches
  [[ "$(sha $D/big)" == "$(sha $L/big)" ]] || fail "big differs after random writes and append"
  for f in $D $L; do truncate -s 200000123 $f/big; done
  dropcaches
  [[ "$(stat -c %s $D/big)" == 200000123 ]] || fail "size after truncate: $(stat -c %s $D/big)"
  [[ "$(sha $D/big)" == "$(sha $L/big)" ]] || fail "big differs after truncate"
  rm $L/big
  # a file written and removed before it could be uploaded must not reach the bucket
  head -c 5000 /dev/urandom > $D/gone && rm $D/gone || fail "rm gone"
  manifest $D $OUT/manifest
  nfsumount; pass
}

s_tree() {
  nfsmount; tree_work /mnt/x
  manifest /mnt/x/tree $OUT/manifest
  ((NCONNECT == 1)) || check_nconnect
  nfsumount; pass
}
# The kernel spreads its calls over a mount's nconnect connections: after some work, all of them are up.
check_nconnect() {
  local up
  up=$(awk -v peer="$(printf '0202000A:%04X' "$port")" '$3 == peer && $4 == "01"' /proc/net/tcp | wc -l)
  ((up >= NCONNECT)) || fail "want $NCONNECT connections to 10.0.2.2:$port (nconnect), established: $up"
  note "$up connections to 10.0.2.2:$port (nconnect=$NCONNECT), each carried by its own TLS connection"
}
# mkdir/rmdir/rename in DIR/tree, checked by a listing (the `tree` scenario's work, also run by `mount-regatta`).
tree_work() { # DIR
  cd "$1" || fail "cd $1"
  mkdir tree && cd tree || fail "mkdir tree"
  mkdir -p a/b/c d/e empty1 empty2 || fail "mkdir -p"
  for f in a/1 a/b/2 a/b/c/3 d/4 d/e/5 top; do head -c $((RANDOM * 7)) /dev/urandom > $f || fail "write $f"; done
  mv top top-renamed || fail "rename file"
  mv a/1 d/1-moved || fail "rename file across dirs"
  mv a renamed-a || fail "rename dir"
  [[ -f renamed-a/b/c/3 && ! -e a ]] || fail "renamed dir content"
  mv d/e renamed-a/b/e-moved || fail "move dir across dirs"
  echo over > over; echo target > d/target; mv over d/target || fail "rename over an existing file"
  [[ "$(cat d/target)" == over ]] || fail "rename over: $(cat d/target)"
  rmdir empty2 || fail rmdir
  mkdir -p gone/x && rmdir gone/x gone || fail "rmdir nested"
  rmdir renamed-a 2>/dev/null && fail "rmdir of a non-empty dir succeeded"
  mkdir emptyd-renamed-src && mv emptyd-renamed-src empty3 || fail "rename empty dir"
  [[ -e a || -e top || -e empty2 || -e gone ]] && fail "old names still visible"
  # the same directory names removed and made again at once (git does this with objects/xx/)
  mkdir again1 && rmdir again1 && mkdir again1 || fail "rmdir/mkdir again1"
  mkdir again2 && echo x > again2/f && rm again2/f && rmdir again2 && mkdir again2 || fail "again2"
  mkdir again3 && echo x > again3/f && rm again3/f || fail "again3"
  sleep 3   # past the quiet period: the upload and the delete of again3/f are both due
  mkdir again4 && echo x > again4/f && sleep 3 && rm again4/f && rmdir again4 && mkdir again4 || fail "again4"
  cd /; dropcaches
  [[ "$(ls "$1/tree" | sort | paste -sd,)" == "again1,again2,again3,again4,d,empty1,empty3,renamed-a,top-renamed" ]] || fail "listing: $(ls "$1/tree" | paste -sd,)"
}

s_links() {
  nfsmount; mkdir /mnt/x/links && cd /mnt/x/links || fail mkdir
  echo "the target" > t; mkdir sub
  ln -s t sl && ln -s ../links/sub/../t rel && ln -s /nowhere/at/all dangling && ln -s sub dirlink || fail "symlink"
  [[ "$(readlink sl)" == t && "$(cat sl)" == "the target" ]] || fail "read through symlink"
  [[ "$(readlink dangling)" == /nowhere/at/all ]] || fail "readlink dangling: $(readlink dangling)"
  ln t h1 && ln t sub/h2 || fail "hard link"
  [[ "$(stat -c %h t)" == 3 ]] || fail "link count $(stat -c %h t), want 3"
  [[ "$(stat -c %i t)" == "$(stat -c %i sub/h2)" ]] || fail "hard link has another inode"
  echo "more" >> h1
  [[ "$(cat t)" == $'the target\nmore' ]] || fail "write through a hard link not seen by the other name"
  rm t || fail "rm t"
  [[ "$(stat -c %h h1)" == 2 && "$(cat sub/h2)" == $'the target\nmore' ]] || fail "after rm: count $(stat -c %h h1)"
  [[ -L sl && ! -e sl ]] || fail "sl should now dangle"
  echo "the target again" > t
  cd /; dropcaches
  [[ "$(stat -c %h /mnt/x/links/h1)" == 2 ]] || fail "link count after remount of caches: $(stat -c %h /mnt/x/links/h1)"
  manifest /mnt/x/links $OUT/manifest
  nfsumount; pass
}

s_meta() {
  nfsmount; local D=/mnt/x/meta
  if [[ "$role" == set ]]; then
    mkdir $D $D/d $D/d2 || fail mkdir
    echo one > $D/f1; echo two > $D/f2; echo three > $D/d/f3; ln -s f1 $D/sl
    chmod 640 $D/f1 && chmod 755 $D/f2 && chmod 600 $D/d/f3 && chmod 700 $D/d && chmod 1777 $D/d2 || fail chmod
    chown 1234:5678 $D/f1 && chown 42:43 $D/d && chown 65534:65534 $D/d/f3 || fail chown
    chown -h 7:8 $D/sl || fail "chown -h symlink"
    touch -d '2001-02-03 04:05:06 UTC' $D/f1 || fail "touch -d"
    touch -m -d @1000000000 $D/f2 && touch -d @1234567890 $D/d/f3 || fail "touch -m"
    touch -d '2010-01-01 00:00:00 UTC' $D/d || fail "touch dir"
    chmod 2750 $D/d2 && chown 1:2 $D/d2 && touch -d @1500000000 $D/d2 || fail "d2"
    [[ "$(stat -c '%a %u %g %Y' $D/f1)" == "640 1234 5678 981173106" ]] || fail "f1: $(stat -c '%a %u %g %Y' $D/f1)"
    manifest $D $OUT/manifest
  else
    dropcaches
    manifest $D /tmp/after
    diff "$SH/out/meta-set/manifest" /tmp/after > /tmp/d || fail "after restart the attributes differ: $(paste -sd'|' /tmp/d)"
  fi
  nfsumount; pass
}

s_git() {
  nfsmount; local D=/mnt/x/git/repo
  mkdir -p $D && cd $D || fail mkdir
  git init -q . || fail "git init"
  git config user.name t && git config user.email t@example.invalid
  local i j
  for i in $(seq 0 14); do mkdir -p src/m$i/sub; for j in $(seq 0 19); do
    { echo "file $i $j"; head -c $((RANDOM % 3000)) /dev/urandom | base64; } > src/m$i/sub/f$j.txt; done; done
  git add -A || fail "git add"
  git commit -q -m "300 files" || fail "git commit"
  [[ -z "$(git status --porcelain)" ]] || fail "status after commit: $(git status --porcelain | head -5 | paste -sd'|')"
  for i in $(seq 0 9); do echo change >> src/m$i/sub/f1.txt; done
  if ! { git mv src/m14 src/moved && git rm -q src/m13/sub/f0.txt; }; then
    ls -la --time-style=full-iso .git | sed 's/^/@@DIAG /'; stat .git/index.lock 2>&1 | sed 's/^/@@DIAG /'
    fail "git mv/rm (listing of .git above)"
  fi
  git commit -q -a -m "second" || fail "second commit"
  [[ -z "$(git status --porcelain)" ]] || fail "status after second commit: $(git status --porcelain | head -5 | paste -sd'|')"
  git gc -q || fail "git gc"
  cd /; dropcaches; cd $D
  [[ -z "$(git status --porcelain)" ]] || fail "status after dropping caches: $(git status --porcelain | head -5 | paste -sd'|')"
  git fsck --full --strict 2>&1 | tee /tmp/fsck; [[ ${PIPESTATUS[0]} == 0 ]] || fail "git fsck: $(head -3 /tmp/fsck | paste -sd'|')"
  [[ "$(git rev-list --count HEAD)" == 2 && "$(git ls-files | wc -l)" == 299 ]] || fail "history: $(git rev-list --count HEAD) commits, $(git ls-files | wc -l) files"
  cd /; manifest /mnt/x/git $OUT/manifest
  nfsumount; pass
}

s_untar() {
  nfsmount; mkdir -p /tmp/ref /mnt/x/untar || fail mkdir
  tar -xf $SH/data/small.tar -C /tmp/ref || fail "tar to tmpfs"
  local t0=$SECONDS
  tar -xf $SH/data/small.tar -C /mnt/x/untar || fail "tar to the mount"
  note "untar of $(find /tmp/ref -type f | wc -l) files took $((SECONDS - t0)) s"
  diff -r /tmp/ref /mnt/x/untar > /tmp/d 2>&1 || fail "diff -r: $(head -5 /tmp/d | paste -sd'|')"
  dropcaches
  diff -r /tmp/ref /mnt/x/untar > /tmp/d 2>&1 || fail "diff -r after dropping caches: $(head -5 /tmp/d | paste -sd'|')"
  (cd /tmp/ref && find . -mindepth 1 -printf '%y %p %m %T@\n' | sed 's/\.[0-9]*$//' | sort) > /tmp/a
  (cd /mnt/x/untar && find . -mindepth 1 -printf '%y %p %m %T@\n' | sed 's/\.[0-9]*$//' | sort) > /tmp/b
  diff /tmp/a /tmp/b > /tmp/d || fail "modes or mtimes differ: $(head -5 /tmp/d | paste -sd'|')"
  manifest /mnt/x/untar $OUT/manifest
  nfsumount; pass
}

# Two guests: B writes v1 and caches it, A overwrites (close), B re-opens and must see A's data at once.
s_twoclients() {
  nfsmount; local D=/mnt/x/twoclients i
  if [[ "$role" == b ]]; then
    mkdir -p $D || fail mkdir
    for i in 1 2 3 4; do head -c $((100000 * i)) /dev/urandom > $D/f$i; done
    head -c 4096 /dev/zero > $D/same
    for i in 1 2 3 4; do cat $D/f$i > /dev/null; done; cat $D/same > /dev/null; ls -l $D > /dev/null
    touch $SH/out/b-ready
    for i in $(seq 600); do [[ -e $SH/out/a-done ]] && break; sleep 0.5; done
    [[ -e $SH/out/a-done ]] || fail "A never finished"
    local f want got
    while read -r want f; do
      got=$(sha256sum "$D/$f" | cut -d' ' -f1)
      [[ "$got" == "$want" ]] || fail "close-to-open: $f has $got, A wrote $want"
    done < $SH/out/a-sums
    echo "written by b" > $D/from-b
    sync; touch $SH/out/b-done
  else
    for i in $(seq 600); do [[ -e $SH/out/b-ready ]] && break; sleep 0.5; done
    [[ -e $SH/out/b-ready ]] || fail "B never got ready"
    head -c 250000 /dev/urandom > $D/f1              # shorter
    head -c 450000 /dev/urandom > $D/f2              # longer
    head -c 1000 /dev/urandom >> $D/f3               # appended
    head -c 100000 /dev/urandom | dd of=$D/f4 bs=100000 seek=1 conv=notrunc status=none   # in place, same size
    head -c 4096 /dev/urandom > $D/same              # same size, new bytes
    head -c 77777 /dev/urandom > $D/new              # a name B never looked up
    (cd $D && sha256sum f1 f2 f3 f4 same new) > $SH/out/a-sums.tmp && mv $SH/out/a-sums.tmp $SH/out/a-sums
    touch $SH/out/a-done
    for i in $(seq 600); do [[ -e $SH/out/b-done ]] && break; sleep 0.5; done
    [[ -e $SH/out/b-done ]] || fail "B never finished"
    [[ "$(cat $D/from-b)" == "written by b" ]] || fail "A does not see B's file: $(cat $D/from-b 2>&1)"
    manifest $D $OUT/manifest
  fi
  nfsumount; pass
}

# The host kills the data plane (kill -9) and restarts it while dd ... conv=fsync runs.
s_crash() {
  nfsmount; mkdir -p /mnt/x/crash || fail mkdir
  head -c 1048576 /dev/urandom > /tmp/seed
  local want; want=$(gen /tmp/seed 160 | sha256sum | cut -d' ' -f1)
  mark "DD-START"
  local t0=$SECONDS
  gen /tmp/seed 160 | dd of=/mnt/x/crash/big bs=1M iflag=fullblock conv=fsync status=none || fail "dd failed with $?"
  mark "DD-END after $((SECONDS - t0)) s"
  echo after > /mnt/x/crash/after || fail "write after the restart"
  dropcaches
  [[ "$(sha /mnt/x/crash/big)" == "$want" ]] || fail "checksum after the crash: $(sha /mnt/x/crash/big), want $want; size $(stat -c %s /mnt/x/crash/big)"
  manifest /mnt/x/crash $OUT/manifest
  nfsumount; pass
}

# Keeps writing while the host stops S3 for a minute.
s_s3outage() {
  nfsmount; local D=/mnt/x/s3outage i=0 after=0 t0=$SECONDS
  mkdir -p $D || fail mkdir
  mark "WRITING"
  while :; do
    i=$((i + 1))
    head -c $((RANDOM * 20)) /dev/urandom > $D/f$i || fail "write f$i failed"
    ((i % 5 == 0)) && { echo "again $i" >> $D/f$((i - 3)) || fail "append"; }
    # f(i-5) was moved into d(i-4) when i-4 is a multiple of 11 (first at i = 70): only files still here are removed.
    ((i % 7 == 0 && (i - 4) % 11 != 0)) && { rm $D/f$((i - 5)) || fail "rm"; }
    ((i % 11 == 0)) && { mkdir -p $D/d$i && mv $D/f$((i - 1)) $D/d$i/ || fail "mkdir/mv"; }
    [[ -e $SH/out/s3-back ]] && after=$((after + 1))
    ((after >= 10)) && break
    ((SECONDS - t0 > 400)) && fail "the host never restarted S3"
    sleep 0.5
  done
  note "wrote $i files in $((SECONDS - t0)) s"
  dropcaches
  manifest $D $OUT/manifest
  nfsumount; pass
}

s_posix() {
  nfsmount; mkdir -p /mnt/x/posix/run || fail mkdir
  cd /mnt/x/posix/run
  $SH/data/posix-suite /mnt/x/posix/run > $OUT/output 2>&1
  echo "exit $?" >> $OUT/output
  cd /; nfsumount; pass
}

# mount -t regatta in the guest itself: mount(8) runs /sbin/mount.regatta (links into the share, see `run`), which
# proves the identity to the control plane at 10.0.2.2, gets a certificate, starts the TLS tunnel and its watchdog
# here, and runs mount.nfs to the tunnel on 127.0.0.1. Then the `tree` work, kill -9 of the tunnel (the watchdog
# restarts it on the same port; the tree reads back through it), umount, and the watchdog's cleanup.
s_mount_regatta() {
  local env=$SH/data/mount-regatta.env conf=/etc/regatta/regatta.conf
  [[ -f $env ]] || fail "the host wrote no $env"
  [[ -f $conf ]] || fail "no $conf (the root's /etc/regatta links to $SH/regatta/etc)"
  source "$env"   # FS_ID and the AWS credentials WireMock (STS) knows
  ON_FAIL=keep_jvm_crashes
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  local lib state_dir log_dir
  lib=$(conf_value lib_dir /var/lib/regatta); state_dir=$(conf_value state_dir /var/run/regatta)
  log_dir=$(conf_value log_dir /var/log/regatta)
  [[ -x /sbin/mount.regatta ]] || fail "/sbin/mount.regatta is not executable ($(ls -l /sbin/mount.regatta 2>&1))"
  local t0=$SECONDS
  if ! mount -v -t regatta "$FS_ID" /mnt/x > $OUT/mount.log 2>&1; then
    local tl; tl=$(ls "$log_dir"/tunnel-*.log 2>/dev/null | head -1)
    fail "mount -t regatta $FS_ID /mnt/x failed after $((SECONDS - t0)) s: $(awk '/^mount.regatta: /{m = ""} {m = m $0 "|"} END {print m}' $OUT/mount.log) (all: $OUT/mount.log${tl:+, tunnel log: $tl})"
  fi
  note "mount -t regatta took $((SECONDS - t0)) s"
  # The kernel's mount is NFS to the tunnel on this machine's loopback (the mount's own 127.0.77.N, or 127.0.0.1
  # from a mount.regatta before those), at the address and port the state file names.
  local info sf pid port opts addr
  sf=$(ls "$state_dir/$FS_ID"-*.json 2>/dev/null)
  [[ -n "$sf" && $(wc -l <<<"$sf") == 1 ]] || fail "want one state file $state_dir/$FS_ID-*.json, found: $(ls "$state_dir" 2>&1 | paste -sd' ')"
  pid=$(json_value tunnelPid "$sf"); port=$(json_value localPort "$sf"); addr=$(json_value listenAddress "$sf")
  [[ -z "$addr" || "$addr" == null ]] && addr=127.0.0.1
  [[ "$addr" == 127.* ]] || fail "the tunnel listens on $addr, not on a loopback address"
  json_value mountId "$sf" > $OUT/mount-id
  info=$(awk '$5 == "/mnt/x"' /proc/self/mountinfo)
  [[ -n "$info" ]] || fail "nothing mounted at /mnt/x after mount -t regatta succeeded"
  [[ "$(awk '{for (i = 1; i <= NF; i++) if ($i == "-") { print $(i+1), $(i+2); exit }}' <<<"$info")" == "nfs $addr:/$FS_ID" ]] \
    || fail "/mnt/x is not NFS from $addr:/$FS_ID: $info"
  [[ "$(json_value nodeAddress "$sf")" == "$NODE_ADDRESS" ]] || fail "the node's address is $(json_value nodeAddress "$sf"), want $NODE_ADDRESS: $(paste -sd' ' "$sf")"
  opts=$(awk '{for (i = 1; i <= NF; i++) if ($i == "-") print $(i+3)}' <<<"$info")
  [[ ",$opts," == *",port=$port,"* && ",$opts," == *",vers=3,"* ]] || fail "the kernel mount is not NFSv3 to the tunnel's port $port: $opts"
  note "kernel mount options: $opts"
  # Locks go through the tunnel only with nft (nftables) and rpc.statd. The root has nft (for the `locks` scenario),
  # but this guest runs no rpcbind, so rpc.statd cannot start: mount.regatta's locks=auto falls back to local locks
  # (nolock), says why (mount.nfs: rpc.statd is not running), and leaves no netfilter rule behind.
  note "locks through the tunnel: $(json_value lockRedirect "$sf")$(grep -m1 'warning: NFS locks' $OUT/mount.log | sed 's/^mount.regatta: warning: / (/; s/$/)/')"
  [[ "$(json_value lockRedirect "$sf")" == false && ",$opts," == *",local_lock=all,"* ]] \
    || fail "want local locks (no rpcbind, no rpc.statd in this guest): lockRedirect $(json_value lockRedirect "$sf"), options $opts"
  grep -q 'warning: NFS locks at /mnt/x stay on this instance' $OUT/mount.log || fail "mount.regatta did not say that locks stay local"
  if command -v nft > /dev/null && nft list chain ip regatta "lock-${addr//./-}" > /tmp/chain 2>&1; then
    fail "a netfilter rule for $addr is left after the fallback to local locks: $(paste -sd'|' /tmp/chain)"
  fi
  [[ -n "$pid" ]] && alive "$pid" || fail "the tunnel (pid '$pid' in $sf) is not running"
  # The tunnel gets the group's members (--connect a,b,c), the node's address first; one node here.
  tr '\0' ' ' < /proc/$pid/cmdline | grep -q "TunnelCli client " && [[ "$(tunnel_connects "$pid" | head -1)" == "$NODE_ADDRESS" ]] \
    || fail "pid $pid is not the tunnel to $NODE_ADDRESS first: $(tr '\0' ' ' < /proc/$pid/cmdline)"
  local key; key=$(json_value keyFile "$sf")
  [[ "$(stat -c %a "$key" 2>&1)" == 600 ]] || fail "the key $key has mode $(stat -c %a "$key" 2>&1), want 600"
  local wd; wd=$(pids_of 'dev.regatta.mount.MountRegatta watchdog')
  [[ -n "$wd" && $(wc -w <<<"$wd") == 1 ]] || fail "want one watchdog after the mount, found: '$wd'"
  tree_work /mnt/x
  manifest /mnt/x/tree $OUT/manifest
  # The tunnel dies: the watchdog restarts it on the same port, and the kernel's (hard) mount carries on through it.
  sync; t0=$SECONDS
  kill -9 "$pid"
  local i old=$pid
  # The watchdog writes the new PID once the new tunnel says it listens.
  for i in $(seq 360); do
    pid=$(json_value tunnelPid "$sf")
    [[ "$pid" != "$old" ]] && alive "$pid" && break
    sleep 0.5
  done
  [[ "$pid" != "$old" ]] && alive "$pid" || fail "the watchdog did not restart the killed tunnel within $((SECONDS - t0)) s: $(tail -3 "$log_dir/watchdog.log" 2>&1 | paste -sd'|')"
  [[ "$(json_value localPort "$sf")" == "$port" ]] || fail "the tunnel came back on port $(json_value localPort "$sf"), not $port"
  note "the watchdog restarted the killed tunnel (pid $old, now $pid) in $((SECONDS - t0)) s"
  dropcaches
  timeout -s KILL 300 bash -c "$(declare -f manifest); manifest /mnt/x/tree /tmp/after" \
    || fail "reading the tree through the restarted tunnel failed or hung (300 s)"
  diff $OUT/manifest /tmp/after > /tmp/d || fail "after the tunnel's restart the tree differs: $(head -5 /tmp/d | paste -sd'|')"
  note "the mount worked again $((SECONDS - t0)) s after the tunnel was killed"
  # umount(8) runs umount.nfs; then the watchdog must stop the tunnel and remove the key and state.
  sync; t0=$SECONDS
  umount /mnt/x > /tmp/umount.log 2>&1 || fail "umount /mnt/x failed: $(paste -sd'|' /tmp/umount.log)"
  [[ -s /tmp/umount.log ]] && note "umount said: $(paste -sd'|' /tmp/umount.log)"
  local clean=""
  for i in $(seq 240); do
    if [[ ! -e "$sf" && ! -e "$key" ]] && ! alive "$pid" && ! alive "$wd"; then
      clean=1; break
    fi
    sleep 0.5
  done
  [[ -n "$clean" ]] || fail "$((SECONDS - t0)) s after umount: state file $( [[ -e $sf ]] && echo kept || echo removed), key $( [[ -e $key ]] && echo kept || echo removed), tunnel $(alive "$pid" && echo running || echo stopped), watchdog $(alive "$wd" && echo running || echo stopped); watchdog.log: $(tail -3 "$log_dir/watchdog.log" 2>&1 | paste -sd'|')"
  note "the watchdog cleaned up $((SECONDS - t0)) s after umount"
  grep -q "$FS_ID at /mnt/x is no longer mounted: stopped its tunnel (pid $pid)" "$log_dir/watchdog.log" \
    || fail "watchdog.log does not tell of the cleanup: $(tail -3 "$log_dir/watchdog.log" 2>&1 | paste -sd'|')"
  [[ -z "$(ls -A "$lib/$FS_ID" 2>/dev/null)" ]] || fail "left in $lib/$FS_ID: $(ls -AR "$lib/$FS_ID" | paste -sd' ')"
  pass
}
# NFS locks (NLM v4, NSM) of two guests, each with rpcbind and rpc.statd, on one file system through
# `mount -t regatta -o locks=required` (the tunnel's portmapper, the nft rule for the mount's 127.0.77.N:111): flock
# and fcntl locks of A block B until A releases; non-overlapping ranges do not conflict; a counter incremented 1000
# times by each guest under a write lock ends at 2000; a lock of a process killed with kill -9 is released. The
# guests cannot reach each other: they meet through flag files in the share ($LF), whose mtimes are the host's
# clock, so the time between A's release and B's lock is measured on one clock.
LF=$SH/out/locks-flags
s_locks() {
  local env=$SH/data/locks.env other D=/mnt/x/work lockctl=$SH/data/lockctl
  [[ $role == a ]] && other=b || other=a
  [[ -f $env ]] || fail "the host wrote no $env"
  source "$env"   # FS_ID, NODE_ADDRESS and the AWS credentials WireMock (STS) knows
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  # This guest's mount.regatta configuration: its logs apart from the other guest's.
  export REGATTA_CONFIG=$SH/regatta/etc/locks-$role.conf
  ON_FAIL=locks_failed
  mkdir -p "$LF"
  # Both guests have the same host name, like instances of one image; both reach the node from the host's 127.0.0.1
  # through QEMU, like instances behind one NAT; and the kernel numbers its lock owners per server from 1 (1@NAME). The
  # node must tell them apart by their mounts.
  hostname clone || fail "hostname"
  cp /etc/hosts /tmp/hosts && echo "127.0.1.1 clone" >> /tmp/hosts && mount --bind /tmp/hosts /etc/hosts \
    || fail "cannot add clone to /etc/hosts"
  # rpc.statd keeps its state in /var/lib/nfs, on the read-only root: a tmpfs with the same contents.
  cp -a /var/lib/nfs /tmp/var-lib-nfs && mount -t tmpfs -o mode=755 nfs-state /var/lib/nfs \
    && cp -a /tmp/var-lib-nfs/. /var/lib/nfs/ || fail "cannot put /var/lib/nfs on a tmpfs"
  # rpcbind before the mount: the kernel's lockd registers with it, and rpc.statd (mount.nfs starts it through
  # start-statd, as on a machine without systemd) needs it.
  rpcbind || fail "rpcbind did not start"
  local i
  for i in $(seq 50); do rpcinfo -p 127.0.0.1 > /dev/null 2>&1 && break; sleep 0.2; done
  rpcinfo -p 127.0.0.1 > /dev/null 2>&1 || fail "rpcbind does not answer at 127.0.0.1:111"
  pidof rpc.statd > /dev/null && fail "rpc.statd runs before the mount (nothing should have started it)"
  local t0=$SECONDS
  if ! mount -v -t regatta -o locks=required "$FS_ID" /mnt/x > $OUT/mount.log 2>&1; then
    fail "mount -t regatta -o locks=required $FS_ID /mnt/x failed after $((SECONDS - t0)) s: $(awk '/^mount.regatta: /{m = ""} {m = m $0 "|"} END {print m}' $OUT/mount.log) (all: $OUT/mount.log)"
  fi
  note "$role: mount -t regatta -o locks=required took $((SECONDS - t0)) s"
  local sf addr port pm opts
  sf=$(ls /var/run/regatta/"$FS_ID"-*.json 2>/dev/null)
  [[ -n "$sf" && $(wc -l <<<"$sf") == 1 ]] || fail "want one state file /var/run/regatta/$FS_ID-*.json, found: $(ls /var/run/regatta 2>&1 | paste -sd' ')"
  addr=$(json_value listenAddress "$sf"); port=$(json_value localPort "$sf"); pm=$(json_value portmapperPort "$sf")
  [[ "$addr" == 127.0.77.* ]] || fail "the tunnel listens on '$addr', not on a per-mount 127.0.77.N"
  [[ "$(json_value lockRedirect "$sf")" == true ]] || fail "the state file says lockRedirect $(json_value lockRedirect "$sf"): $(paste -sd' ' "$sf")"
  grep -q 'warning: NFS locks' $OUT/mount.log && fail "mount.regatta fell back to local locks: $(grep -m1 'warning: NFS locks' $OUT/mount.log)"
  opts=$(awk '$5 == "/mnt/x" {for (i = 1; i <= NF; i++) if ($i == "-") print $(i+2), $(i+3)}' /proc/self/mountinfo)
  [[ "$opts" == "$addr:/$FS_ID "* ]] || fail "/mnt/x is not NFS from $addr:/$FS_ID: $opts"
  opts=${opts#* }
  [[ ",$opts," == *",port=$port,"* && ",$opts," == *",local_lock=none,"* && ",$opts," != *",nolock,"* ]] \
    || fail "the kernel mount is not NFSv3 with NLM locks to the tunnel's port $port (want local_lock=none, no nolock): $opts"
  note "$role: $addr:/$FS_ID, tunnel port $port, portmapper $addr:$pm; kernel mount options: $opts"
  # The rule, and rpcbind at the mount's address as a program sees it: the tunnel's portmapper, through the rule.
  nft list chain ip regatta "lock-${addr//./-}" > $OUT/nft-chain.txt 2>&1 || fail "no nft chain lock-${addr//./-}: $(paste -sd'|' $OUT/nft-chain.txt)"
  grep -q "ip daddr $addr tcp dport 111 dnat to $addr:$pm" $OUT/nft-chain.txt || fail "the nft chain has no dnat of $addr:111 to $addr:$pm: $(paste -sd'|' $OUT/nft-chain.txt)"
  # rpcinfo asks rpcbind at $addr:111 for NLM v4 over TCP, then calls its NULL procedure there: through the tunnel.
  timeout 60 rpcinfo -T tcp "$addr" 100021 4 > $OUT/rpcinfo-tunnel.txt 2>&1 \
    || fail "rpcinfo -T tcp $addr 100021 4 (the tunnel's portmapper through the rule, then NLM's NULL through the tunnel) failed: $(paste -sd'|' $OUT/rpcinfo-tunnel.txt)"
  note "$role: rpcinfo -T tcp $addr 100021 4: $(paste -sd' ' $OUT/rpcinfo-tunnel.txt)"
  timeout 60 rpcinfo -p "$addr" > $OUT/rpcinfo-p-tunnel.txt 2>&1
  note "$role: rpcinfo -p $addr: $(awk 'NR > 1 {print $1 "/" $2 "/" $3 "/" $4} NR == 1 && !/program/ {print}' $OUT/rpcinfo-p-tunnel.txt | paste -sd' ')"
  pidof rpc.statd > /dev/null || fail "rpc.statd is not running after the mount (mount.nfs starts it)"
  rpcinfo -p 127.0.0.1 > $OUT/rpcinfo-local.txt 2>&1
  note "$role: this guest's rpcbind has: $(awk 'NR > 1 {print $5 "/" $2 "/" $3}' $OUT/rpcinfo-local.txt | sort -u | paste -sd' ')"
  if [[ $role == a ]]; then
    mkdir -p $D || fail "mkdir $D"
    echo 0 > $D/counter && : > $D/flock-file && : > $D/ranges && : > $D/killed || fail "cannot create the lock files"
  fi
  rpcbind_count_start "$addr"
  stamp $role-mounted
  await $other-mounted 900
  if [[ $role == a ]]; then locks_a; else locks_b; fi
  # The counter: 1000 increments by each guest at once, each under a write lock of the whole file.
  stamp $role-count-ready; await $other-count-ready 300
  t0=$SECONDS
  local out rc
  out=$(timeout -s KILL 900 $lockctl count $D/counter 1000 2>&1); rc=$?
  ((rc == 0)) || fail "lockctl count exited with $rc after $((SECONDS - t0)) s: $out"
  note "$role: counter: $out (F_SETLKW)"
  stamp $role-count-done; await $other-count-done 900
  [[ "$(cat $D/counter)" == 2000 ]] || fail "the counter is '$(cat $D/counter)' after 1000 increments from each guest, want 2000"
  if [[ $role == b ]]; then
    local st en
    st=$(stat -c %.3Y $LF/a-count-ready $LF/b-count-ready | sort -n | tail -1)
    en=$(stat -c %.3Y $LF/a-count-done $LF/b-count-done | sort -n | tail -1)
    note "counter: 2000 increments by the two guests at once, ending at 2000, took $(awk -v s="$st" -v e="$en" 'BEGIN {printf "%.1f", e - s}') s"
    locks_unmount "$sf" "$addr"; stamp b-done
  else
    await b-done 300
    manifest $D $OUT/manifest
    locks_unmount "$sf" "$addr"
  fi
  pass
}
# A, the holder: holds each lock until B says it waits for it, then a few seconds more, then releases it.
locks_a() {
  local D=/mnt/x/work lockctl=$SH/data/lockctl out rc hp kp
  # flock(1): on NFS the kernel turns flock() into a whole-file NLM lock (local_lock=none).
  exec 8>> $D/flock-file
  timeout 120 flock -x -w 100 8 || fail "A could not flock $D/flock-file"
  stamp a-flock-held
  rpcbind_count_note
  await b-flock-waiting 300; sleep 5
  stamp a-flock-released; flock -u 8; exec 8>&-
  # fcntl byte ranges: A holds [0, 100).
  $lockctl hold $D/ranges 0 100 $LF/a-range-held $LF/a-range-go $LF/a-range-released > $OUT/hold-range.log 2>&1 & hp=$!
  await a-range-held 120
  await b-range-held 300    # B holds [100, 200) at the same time
  out=$(timeout 120 $lockctl try $D/ranges 100 100); rc=$?
  ((rc == 1)) || fail "A's F_SETLK of [100, 200), which B holds: want EAGAIN, got ($rc) $out"
  note "a: F_SETLK of [100, 200) while B holds it: $out"
  out=$(timeout 120 $lockctl try $D/ranges 200 50); rc=$?
  ((rc == 0)) || fail "A's F_SETLK of [200, 250), which nobody holds: want it locked, got ($rc) $out"
  stamp a-ranges-checked
  await b-range-waiting 300; sleep 5
  : > $LF/a-range-go
  wait $hp || fail "lockctl hold [0, 100) exited with $?: $(paste -sd'|' $OUT/hold-range.log)"
  # A lock of a process that is killed.
  $lockctl hold $D/killed 0 0 $LF/a-kill-held $LF/a-kill-never - > $OUT/hold-kill.log 2>&1 & kp=$!
  await a-kill-held 120
  await b-kill-waiting 300; sleep 5
  stamp a-killing; kill -9 $kp; wait $kp 2>/dev/null
  note "a: killed the holder (pid $kp) with kill -9"
}
# B, the contender: tries while A holds, then blocks until A releases, and measures the wait on the host's clock.
locks_b() {
  local D=/mnt/x/work lockctl=$SH/data/lockctl out rc t0 w1 w2 w3
  await a-flock-held 300
  timeout 120 flock -n -x -E 75 $D/flock-file true; rc=$?
  ((rc == 75)) || fail "B's flock -n of $D/flock-file while A holds it: want a conflict (75), got $rc"
  rpcbind_count_note
  stamp b-flock-waiting; t0=$SECONDS
  timeout 150 flock -x -w 120 -E 75 $D/flock-file -c ": > $LF/b-flock-got"; rc=$?
  ((rc == 0)) || fail "B's blocking flock did not get the lock after A released it (exit $rc after $((SECONDS - t0)) s)"
  [[ -e $LF/a-flock-released ]] || fail "B's blocking flock got the lock while A still held it"
  w1=$(between a-flock-released b-flock-got)
  note "flock: B's blocked flock got the lock $w1 s after A released it (B blocked $((SECONDS - t0)) s)"
  # fcntl byte ranges: A holds [0, 100).
  await a-range-held 300
  local r
  for r in "0 100" "50 10" "99 1" "0 0"; do
    out=$(timeout 120 $lockctl try $D/ranges $r); rc=$?
    ((rc == 1)) || fail "B's F_SETLK of (start len) $r while A holds [0, 100): want EAGAIN, got ($rc) $out"
  done
  note "b: F_SETLK of [0, 100) while A holds it: $out"
  out=$(timeout 120 $lockctl try $D/ranges 100 100); rc=$?
  ((rc == 0)) || fail "B's F_SETLK of [100, 200) while A holds [0, 100): want it locked, got ($rc) $out"
  $lockctl hold $D/ranges 100 100 $LF/b-range-held $LF/b-range-go - > $OUT/hold-range.log 2>&1 & local hp=$!
  await b-range-held 120
  await a-ranges-checked 300
  : > $LF/b-range-go; wait $hp || fail "B's lockctl hold [100, 200) exited with $?: $(paste -sd'|' $OUT/hold-range.log)"
  stamp b-range-waiting; t0=$SECONDS
  out=$(timeout 150 $lockctl wait $D/ranges 0 100 $LF/b-range-got); rc=$?
  ((rc == 0)) || fail "B's F_SETLKW of [0, 100) did not get the lock after A released it (exit $rc after $((SECONDS - t0)) s: $out)"
  [[ -e $LF/a-range-released ]] || fail "B's F_SETLKW of [0, 100) got the lock while A still held it"
  w2=$(between a-range-released b-range-got)
  note "fcntl: B's blocked F_SETLKW got [0, 100) $w2 s after A unlocked it (B $out)"
  # A blocked lock is granted when the node's GRANTED callback, through the mount's callback line, reaches this
  # guest's lockd; without it the client would only ask again after 30 s.
  note "blocked locks: granted $w1 s (flock) and $w2 s (fcntl) after the release"
  # A process that holds a lock is killed.
  await a-kill-held 300
  out=$(timeout 120 $lockctl try $D/killed 0 0); rc=$?
  ((rc == 1)) || fail "B's F_SETLK of the file whose lock A's process holds: want EAGAIN, got ($rc) $out"
  stamp b-kill-waiting; t0=$SECONDS
  out=$(timeout 150 $lockctl wait $D/killed 0 0 $LF/b-kill-got); rc=$?
  ((rc == 0)) || fail "B's F_SETLKW did not get the lock of A's killed process (exit $rc after $((SECONDS - t0)) s: $out)"
  [[ -e $LF/a-killing ]] || fail "B got the lock before A killed its holder"
  w3=$(between a-killing b-kill-got)
  note "kill -9: B's blocked F_SETLKW got the lock $w3 s after A killed the holder (B $out)"
}
# Unmounts, then waits for the watchdog to stop the tunnel and remove the state file and the nft chain.
locks_unmount() { # STATE_FILE ADDRESS
  local i t0
  sync; t0=$SECONDS
  umount /mnt/x > /tmp/umount.log 2>&1 || fail "umount /mnt/x failed: $(paste -sd'|' /tmp/umount.log)"
  for i in $(seq 240); do
    [[ ! -e "$1" ]] && ! nft list chain ip regatta "lock-${2//./-}" > /dev/null 2>&1 && break
    sleep 0.5
  done
  [[ ! -e "$1" ]] || fail "$((SECONDS - t0)) s after umount the state file $1 is still there"
  nft list chain ip regatta "lock-${2//./-}" > /dev/null 2>&1 && fail "$((SECONDS - t0)) s after umount the nft chain lock-${2//./-} is still there"
  note "$role: the watchdog removed the tunnel's state and the nft chain $((SECONDS - t0)) s after umount"
}
# The kernel's lock client asks rpcbind at the mount's address (port 111) for NLM before the first lock. A filter
# chain of the test's own, before mount.regatta's NAT chain (priority -200 < -100), counts what goes to $1:111.
rpcbind_count_start() { # ADDRESS
  nft "add table ip klocks; add chain ip klocks out { type filter hook output priority -200; policy accept; };
       add rule ip klocks out ip daddr $1 tcp dport 111 tcp flags syn counter;
       add rule ip klocks out ip daddr $1 udp dport 111 counter" || fail "cannot add the test's nft counters"
}
rpcbind_count_note() {
  note "$role: to $addr:111 after the first lock: $(nft list chain ip klocks out | sed -n 's/.*\(tcp\|udp\) dport 111.* counter packets \([0-9]*\).*/\2 \1/p' | paste -sd' ' | sed 's/tcp/TCP connections,/; s/udp/UDP datagrams/') (the kernel lock client's rpcbind queries, NATed to the tunnel's portmapper)"
}
stamp() { : > "$LF/$1"; }
# Waits for a flag of either guest; stops when the other guest failed.
await() { # NAME TIMEOUT_S
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    [[ -e $LF/$1 ]] && return 0
    [[ -e $LF/$other-failed ]] && fail "the other guest ($other) failed while this one waited for '$1': $(cat $LF/$other-failed)"
    sleep 0.2
  done
  fail "no '$1' within $2 s"
}
# Seconds from flag A to flag B, by their mtimes: the host's clock (9p), common to both guests.
between() { # A B
  awk -v a="$(stat -c %.3Y "$LF/$1")" -v b="$(stat -c %.3Y "$LF/$2")" 'BEGIN {printf "%.1f", b - a}'
}
locks_failed() {
  [[ -n "${LOCKS_FAILING:-}" ]] && return; LOCKS_FAILING=1
  echo "$*" > "$LF/$role-failed.tmp"; mv "$LF/$role-failed.tmp" "$LF/$role-failed"
  { echo "--- $*"; nft list ruleset; rpcinfo -p 127.0.0.1; ls -l /var/run/regatta; cat /var/run/regatta/*.json
    dmesg | grep -i -E 'lockd|nlm|statd|rpcbind|nfs'
    for p in /proc/[0-9]*; do echo "${p#/proc/} $(cat $p/wchan 2>/dev/null) $(tr '\0' ' ' < $p/cmdline 2>/dev/null)"; done
  } > $OUT/diag.txt 2>&1
  keep_jvm_crashes
}
# A JVM that crashes writes hs_err_pid*.log to its working directory, else /tmp (the guest's tmpfs): keep them.
keep_jvm_crashes() {
  local f
  for f in /tmp/hs_err_pid*.log /hs_err_pid*.log; do
    [[ -f "$f" ]] && cp "$f" "$OUT/" && note "a JVM crashed: $OUT/${f##*/} ($(grep -m1 -a '^#  SIG' "$f" | sed 's/^# *//'))"
  done
}
# A setting of /etc/regatta/regatta.conf, or DEFAULT.
conf_value() { # KEY DEFAULT
  local v; v=$(sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" /etc/regatta/regatta.conf | sed 's/[[:space:]]*$//')
  echo "${v:-$2}"
}
# A top-level string or number of a mount.regatta state file (Jackson, indented: "name" : value).
json_value() { # NAME FILE
  sed -n "s/^  \"$1\" : \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"
}
# Whether PID runs (a process that exited but is not reaped yet, a zombie, does not).
alive() { # PID
  local st; st=$(sed -n 's/.*) \(.\).*/\1/p' /proc/$1/stat 2>/dev/null)
  [[ -n "$st" && "$st" != Z ]]
}
# PIDs whose command line contains WORDS (arguments joined by spaces).
pids_of() { # WORDS
  local c
  for c in /proc/[0-9]*/cmdline; do
    tr '\0' ' ' < "$c" 2>/dev/null | grep -qF -- "$1" && { c=${c#/proc/}; echo "${c%/cmdline}"; }
  done
}

# The node addresses a tunnel process was given, one a line, in order: each --connect argument (a list a,b,c, or
# repeated) split at its commas.
tunnel_connects() { # PID
  tr '\0' '\n' < /proc/$1/cmdline 2>/dev/null \
    | awk 'p {print; p = 0; next} $0 == "--connect" {p = 1} /^--connect=/ {sub(/^--connect=/, ""); print}' | tr ',' '\n'
}

# Failover of a replication group under a writing kernel client (the host's `up --replicas 3`): this guest mounts the
# file system twice with mount -t regatta -o locks=required, at /mnt/x and /mnt/y (two mounts, two tunnels, each given
# the three members; to the node two clients), holds a POSIX lock through /mnt/x, and writes 2 MiB files with
# conv=fsync to /mnt/x, one after the other, each from random data in the tmpfs whose sha256 it keeps. Each finished
# file touches a progress flag in the share (its mtime is the host's clock). The host kills the leader (kill -9) while
# this writes, and says when the control plane names another leader (failover-done); after 5 more files the guest
# checks the lock, re-reads every file after dropping the caches and compares it with its source. A write or fsync
# that failed fails the scenario, and so does a lock the failover lost: the new leader tells the holder's host to
# reclaim (SM_NOTIFY through the mount's callback line) and refuses other locks during the file system's grace period.
s_failover() {
  local env=$SH/data/failover.env D=/mnt/x/stream L=lock/file lockctl=$SH/data/lockctl
  [[ -f $env ]] || fail "the host wrote no $env"
  source "$env"   # FS_ID, MEMBERS (the members' TLS fronts, host:port,...) and the AWS credentials WireMock knows
  export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
  LF=$SH/out/failover-flags other=host
  ON_FAIL=failover_failed
  mkdir -p "$LF/progress"
  # The members listen on the host's loopback, and the control plane gives their TLS fronts as 127.0.0.1:PORT (up
  # starts its nodes on 127.0.0.1 and has no option to advertise another address for them). Here 127.0.0.1 is the
  # guest's own loopback, so a NAT rule sends each member's port to 10.0.2.2, QEMU's address of the host's loopback.
  # route_localnet lets a packet from 127.0.0.1 leave by eth0 (and its answers in), the SNAT gives it this guest's
  # address. The tunnel still connects to, and verifies, 127.0.0.1: the address the members' certificates name.
  local m p
  for p in all lo eth0; do echo 1 > /proc/sys/net/ipv4/conf/$p/route_localnet || fail "cannot set route_localnet on $p"; done
  nft "add table ip kfailover
       add chain ip kfailover out { type nat hook output priority -150; policy accept; }
       add chain ip kfailover post { type nat hook postrouting priority 150; policy accept; }
       add rule ip kfailover post ip saddr 127.0.0.1 oifname eth0 snat to 10.0.2.15" > /tmp/nft.log 2>&1 \
    || fail "cannot add the members' NAT rules: $(paste -sd'|' /tmp/nft.log)"
  for m in ${MEMBERS//,/ }; do
    nft add rule ip kfailover out ip daddr 127.0.0.1 tcp dport "${m##*:}" dnat to 10.0.2.2 > /tmp/nft.log 2>&1 \
      || fail "cannot add the NAT rule of $m: $(paste -sd'|' /tmp/nft.log)"
  done
  for m in ${MEMBERS//,/ }; do
    timeout 20 bash -c "exec 3<>/dev/tcp/${m%:*}/${m##*:}" 2> /tmp/conn.log \
      || fail "cannot connect to the member $m through the NAT rule: $(paste -sd'|' /tmp/conn.log)"
  done
  note "the members' TLS fronts $MEMBERS reached through 10.0.2.2 (NAT of 127.0.0.1 in the guest)"
  # NFS locks through the tunnel, as in the locks scenario: rpcbind, and rpc.statd (mount.nfs starts it), whose
  # state goes on a tmpfs (the root is read-only).
  cp -a /var/lib/nfs /tmp/var-lib-nfs && mount -t tmpfs -o mode=755 nfs-state /var/lib/nfs \
    && cp -a /tmp/var-lib-nfs/. /var/lib/nfs/ || fail "cannot put /var/lib/nfs on a tmpfs"
  rpcbind || fail "rpcbind did not start"
  local i
  for i in $(seq 50); do rpcinfo -p 127.0.0.1 > /dev/null 2>&1 && break; sleep 0.2; done
  # Two mounts: /mnt/x writes and holds the lock, /mnt/y contends for it. One client's processes would not do: the
  # Linux client refuses a lock that conflicts with a lock of its own at once, without asking the server, so only a
  # second mount (another address, another NLM host, another mount to the node) asks the server who holds the lock.
  local mp sf_x sf_y
  for mp in /mnt/x /mnt/y; do
    local t0=$SECONDS log=$OUT/mount-${mp#/mnt/}.log
    # A configuration per mount, for its logs apart: both tunnels listen on the same port (at their own addresses),
    # and the tunnel's log is named by the file system and the port.
    if ! REGATTA_CONFIG=$SH/regatta/etc/failover-${mp#/mnt/}.conf mount -v -t regatta -o locks=required "$FS_ID" $mp > $log 2>&1; then
      fail "mount -t regatta -o locks=required $FS_ID $mp failed after $((SECONDS - t0)) s: $(awk '/^mount.regatta: /{m = ""} {m = m $0 "|"} END {print m}' $log) (all: $log)"
    fi
    note "mount -t regatta -o locks=required at $mp took $((SECONDS - t0)) s"
  done
  local sf pid opts want got
  for mp in /mnt/x /mnt/y; do
    sf=$(grep -l "\"mountPoint\" : \"$mp\"" /var/run/regatta/"$FS_ID"-*.json 2>/dev/null)
    [[ -n "$sf" && $(wc -l <<<"$sf") == 1 ]] || fail "want one state file of $mp in /var/run/regatta, found: $(grep -c mountPoint /var/run/regatta/* 2>&1 | paste -sd' ')"
    [[ $mp == /mnt/x ]] && sf_x=$sf || sf_y=$sf
    pid=$(json_value tunnelPid "$sf")
    opts=$(awk -v mp=$mp '$5 == mp {for (i = 1; i <= NF; i++) if ($i == "-") print $(i+3)}' /proc/self/mountinfo)
    [[ ",$opts," != *",soft,"* ]] || fail "$mp is a soft mount: $opts"
    [[ ",$opts," == *",local_lock=none,"* ]] || fail "want NLM locks at $mp (local_lock=none): $opts"
    # The tunnel was given every member, the one the control plane mounted first (its leader).
    [[ -n "$pid" ]] && alive "$pid" || fail "the tunnel of $mp (pid '$pid' in $sf) is not running"
    want=$(tr ',' '\n' <<<"$MEMBERS" | sort | paste -sd,); got=$(tunnel_connects "$pid" | sort | paste -sd,)
    [[ "$got" == "$want" ]] || fail "the tunnel of $mp connects to '$(tunnel_connects "$pid" | paste -sd,)', want the members $MEMBERS: $(tr '\0' ' ' < /proc/$pid/cmdline)"
    note "$mp: the tunnel's --connect $(tunnel_connects "$pid" | paste -sd,) (node $(json_value nodeAddress "$sf")); kernel mount options: $opts"
  done
  mkdir -p $D /mnt/x/lock && : > /mnt/x/$L || fail "mkdir $D /mnt/x/lock"
  # The lock: held through /mnt/x from before the kill until after the failover; a process on /mnt/y must get EAGAIN.
  local hp out rc
  $lockctl hold /mnt/x/$L 0 0 $LF/lock-held $LF/lock-go $LF/lock-released > $OUT/hold.log 2>&1 & hp=$!
  await lock-held 300
  out=$(timeout -s KILL 300 $lockctl try /mnt/y/$L 0 0 2>&1); rc=$?
  ((rc == 1)) || fail "before the failover, F_SETLK through the other mount of the file locked through /mnt/x: want EAGAIN, got ($rc) $out"
  note "before the failover: F_SETLK through /mnt/y of the file locked through /mnt/x: $out"
  # The stream: the host kills the leader once a few files are written.
  local n=0 after=0 s
  : > /tmp/sums
  dmesg > /tmp/dmesg.before
  stamp writing; t0=$SECONDS
  while :; do
    n=$((n + 1))
    head -c 2097152 /dev/urandom > /tmp/src || fail "cannot make the source of f$n"
    s=$(sha /tmp/src)
    dd if=/tmp/src of=$D/f$n bs=1M conv=fsync status=none; rc=$?
    ((rc == 0)) || fail "dd conv=fsync of f$n, $((SECONDS - t0)) s into the stream$([[ -e $LF/killed ]] && echo ", after the kill"), exited with $rc: $(dmesg | tail -3 | paste -sd'|')"
    echo "$s  f$n" >> /tmp/sums
    : > $LF/progress/$(printf '%05d' $n)
    [[ -e $LF/failover-done ]] && after=$((after + 1))
    ((after >= 5)) && break
    [[ -e $LF/host-failed ]] && fail "the host failed while this guest wrote f$n: $(cat $LF/host-failed)"
    ((SECONDS - t0 > 900)) && fail "the host did not say within 900 s that another member leads ($n files written)"
  done
  note "wrote $n files of 2 MiB, each with conv=fsync, in $((SECONDS - t0)) s; every write and fsync succeeded"
  dmesg > /tmp/dmesg.after
  diff /tmp/dmesg.before /tmp/dmesg.after | sed -n 's/^> //p' > $OUT/dmesg-during.txt
  grep -iE 'nfs|lockd|rpc' $OUT/dmesg-during.txt | head -5 | while read -r s; do note "kernel: $s"; done
  grep -qiE 'i/o error|error -5|EIO' $OUT/dmesg-during.txt && fail "the kernel logged an I/O error: $(grep -iE 'i/o error|error -5|EIO' $OUT/dmesg-during.txt | head -3 | paste -sd'|')"
  # The lock after the failover: the holder's host reclaimed it from the new leader during the grace period, so the
  # other mount is refused it (its F_SETLK waits out the grace period first: Linux retries a lock the server answers
  # DENIED_GRACE_PERIOD), the holder's unlock succeeds, and then the other mount gets it.
  t0=$SECONDS; out=$(timeout -s KILL 300 $lockctl try /mnt/y/$L 0 0 2>&1); rc=$?
  # An open that fails is no lock matter: the other mount lost its file system in the failover.
  [[ "$out" == *"lockctl: open "* ]] && fail "after the failover the other mount cannot open the lock file: $out"
  ((rc == 1)) || fail "after the failover, F_SETLK through /mnt/y of the file whose lock a process holds through /mnt/x since before the kill: want EAGAIN (the lock reclaimed), got ($rc) $out after $((SECONDS - t0)) s"
  note "after the failover: F_SETLK through /mnt/y of the file locked through /mnt/x: $out (the lock was reclaimed; answered in $((SECONDS - t0)) s)"
  stamp lock-go; t0=$SECONDS
  for ((i = 0; i < 1500; i++)); do alive $hp || break; sleep 0.2; done
  alive $hp && { kill -9 $hp; note "the holder did not end within 300 s of its go: killed"; }
  wait $hp; rc=$?
  ((rc == 0)) || fail "after the failover the holder's unlock failed (exit $rc): $(paste -sd'|' $OUT/hold.log)"
  note "after the failover: the holder's unlock succeeded ($((SECONDS - t0)) s)"
  out=$(timeout -s KILL 300 $lockctl try /mnt/y/$L 0 0 2>&1); rc=$?
  ((rc == 0)) || fail "after the holder's unlock, F_SETLK through /mnt/y: ($rc) $out"
  note "locks: the lock taken before the failover was reclaimed from the new leader, released by its holder, then granted to the other mount"
  # Every file as written, read back from the new leader.
  dropcaches
  (cd $D && sha256sum -c --quiet /tmp/sums) > /tmp/check 2>&1 || fail "re-read after the failover: $(head -5 /tmp/check | paste -sd'|')"
  [[ $(ls $D | wc -l) == $n ]] || fail "$D has $(ls $D | wc -l) files, want $n"
  note "all $n files read back after dropping the caches, each with its source's sha256"
  # The other mount, idle while the leader died, reads them too (its tunnel finds the new leader on its next call).
  (cd /mnt/y/stream && sha256sum -c --quiet /tmp/sums) > /tmp/check 2>&1 || fail "re-read through /mnt/y after the failover: $(head -5 /tmp/check | paste -sd'|')"
  note "all $n files read back through /mnt/y too"
  manifest $D $OUT/manifest
  # Unmounts, and the watchdog cleans up after each.
  sync
  umount /mnt/y > /tmp/umount.log 2>&1 || fail "umount /mnt/y failed: $(paste -sd'|' /tmp/umount.log)"
  role=/mnt/x locks_unmount "$sf_x" "$(json_value listenAddress "$sf_x")"
  for i in $(seq 120); do [[ ! -e "$sf_y" ]] && break; sleep 0.5; done
  [[ ! -e "$sf_y" ]] || fail "the state file of /mnt/y ($sf_y) is still there after its umount"
  pass
}
failover_failed() {
  [[ -n "${FAILOVER_FAILING:-}" ]] && return; FAILOVER_FAILING=1
  echo "$*" > "$LF/guest-failed.tmp"; mv "$LF/guest-failed.tmp" "$LF/guest-failed"
  { echo "--- $*"; nft list ruleset; ls -l /var/run/regatta; cat /var/run/regatta/*.json; dmesg | tail -50
    for p in /proc/[0-9]*; do echo "${p#/proc/} $(cat $p/wchan 2>/dev/null) $(tr '\0' ' ' < $p/cmdline 2>/dev/null)"; done
  } > $OUT/diag.txt 2>&1
  keep_jvm_crashes
}

case "$scen" in
  io|tree|links|meta|git|untar|twoclients|crash|s3outage|posix) "s_$scen" ;;
  mount-regatta) s_mount_regatta ;;
  locks) s_locks ;;
  failover) s_failover ;;
  *) fail "unknown scenario" ;;
esac
