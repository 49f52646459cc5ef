# regatta-mount %post ($1: 1 install, 2 upgrade): directory modes, the state_dir, and the watchdog's unit
# enabled on a first install (and started where systemd runs). Works without systemd (a container, a chroot).
mkdir -p /var/lib/regatta /var/log/regatta
chmod 0700 /var/lib/regatta
chmod 0750 /var/log/regatta
if [ -d /run/systemd/system ] && [ -x /usr/bin/systemd-tmpfiles ]; then
  systemd-tmpfiles --create regatta.conf >/dev/null 2>&1 || :
fi
if [ "$1" -eq 1 ] && [ -x /usr/bin/systemctl ]; then
  systemctl --no-reload enable regatta-watchdog.service >/dev/null 2>&1 || :
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  # With no mount the watchdog exits at once.
  [ "$1" -eq 1 ] && systemctl start regatta-watchdog.service >/dev/null 2>&1 || :
fi
exit 0
