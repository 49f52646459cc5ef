package dev.regatta.mount.watchdog;

/** Makes sure a watchdog looks after the mounts; called after each new mount. */
public interface WatchdogStarter {

    void ensureRunning();
}
