# regatta-mount %postun ($1: 0 erase, 1 upgrade): on upgrade, restart a running watchdog on the new jars.
# RPM has no purge: an erase keeps a changed regatta.conf (as .rpmsave) and the mounts' keys and logs in
# /var/lib/regatta and /var/log/regatta, which live mounts may still use; delete them by hand.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  [ "$1" -ge 1 ] && systemctl try-restart regatta-watchdog.service >/dev/null 2>&1 || :
fi
exit 0
