# regatta-mount %preun ($1: 0 erase, 1 upgrade): on erase, stop and disable the watchdog, and stop a watchdog
# mount.regatta started itself. Mounts and their tunnels keep working until their certificates expire.
if [ "$1" -eq 0 ]; then
  if [ -x /usr/bin/systemctl ]; then
    systemctl --no-reload disable regatta-watchdog.service >/dev/null 2>&1 || :
    [ -d /run/systemd/system ] && systemctl stop regatta-watchdog.service >/dev/null 2>&1 || :
  fi
  for cmdline in /proc/[0-9]*/cmdline; do
    pid="${cmdline#/proc/}"
    pid="${pid%/cmdline}"
    if tr '\0' ' ' < "$cmdline" 2>/dev/null | grep -q ' dev\.regatta\.mount\.MountRegatta watchdog\( \|$\)'; then
      kill "$pid" 2>/dev/null || :
    fi
  done
fi
exit 0
