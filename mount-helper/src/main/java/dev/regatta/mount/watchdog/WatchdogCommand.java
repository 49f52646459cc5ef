package dev.regatta.mount.watchdog;

import dev.regatta.mount.Environment;
import dev.regatta.mount.ExitCodes;
import dev.regatta.mount.state.StateStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code mount.regatta watchdog}: the one watchdog of this machine (it holds {@code <state_dir>/watchdog.lock}).
 * mount.regatta starts it after a mount when none runs; it stops by itself once no mount is left to look after.
 */
@Command(name = "watchdog", mixinStandardHelpOptions = true,
        description = {"Looks after the mounts: cleans up after unmounts, restarts dead tunnels, renews "
                + "certificates before they expire. Logs to <log_dir>/watchdog.log.",
                "mount.regatta starts it; it stops when no mount is left."})
public final class WatchdogCommand implements Callable<Integer> {

    @Option(names = "--once", description = "Make one pass over the mounts and exit.")
    boolean once;

    @Option(names = {"-v", "--verbose"}, description = "Repeat the log's lines on stderr.")
    boolean verbose;

    private final Supplier<Environment> environments;

    public WatchdogCommand(Supplier<Environment> environments) {
        this.environments = environments;
    }

    @Override
    public Integer call() throws IOException, InterruptedException {
        Environment environment = environments.get();
        WatchdogLog log = new WatchdogLog(environment.config().logDir(), environment.clock(),
                verbose ? Optional.of(environment.err()) : Optional.empty());
        WatchdogLock lock = new WatchdogLock(environment.config().stateDir());
        Optional<WatchdogLock.Held> held = lock.tryAcquire();
        if (held.isEmpty()) {
            environment.err().println("mount.regatta: another watchdog is running (it holds "
                    + environment.config().stateDir().resolve("watchdog.lock") + ")");
            return once ? ExitCodes.USAGE : ExitCodes.SUCCESS;
        }
        Watchdog watchdog = new Watchdog(environment, log);
        if (once) {
            try (WatchdogLock.Held ignored = held.get()) {
                watchdog.pass();
            }
            return ExitCodes.SUCCESS;
        }
        log.log("watchdog started (pid " + ProcessHandle.current().pid() + ")");
        return watch(environment, watchdog, lock, held.get(), log);
    }

    private static int watch(Environment environment, Watchdog watchdog, WatchdogLock lock, WatchdogLock.Held held,
                             WatchdogLog log) throws IOException, InterruptedException {
        Duration interval = environment.config().watchdogInterval();
        StateStore states = new StateStore(environment.config().stateDir());
        WatchdogLock.Held holding = held;
        while (true) {
            if (pass(watchdog, log) == 0) {
                holding.close();
                // A mount may have written its state and found the lock still taken just before it was released:
                // look again now that it is free, and carry on if so.
                if (states.all((file, e) -> { }).isEmpty()) {
                    log.log("no mounts left to look after; watchdog stops");
                    return ExitCodes.SUCCESS;
                }
                Optional<WatchdogLock.Held> again = lock.tryAcquire();
                if (again.isEmpty()) {
                    return ExitCodes.SUCCESS;
                }
                holding = again.get();
            }
            Thread.sleep(interval.toMillis());
        }
    }

    /** A pass that fails as a whole (an unreadable mount table) is logged and the next one tried. */
    private static int pass(Watchdog watchdog, WatchdogLog log) {
        try {
            return watchdog.pass();
        } catch (RuntimeException e) {
            log.log("watchdog pass failed: " + e);
            return 1;
        }
    }
}
