package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.tls.PemCredentialFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Reloads an end's credentials when their files change, so that whoever renews the certificate (the node agent,
 * the mount helper) only has to rewrite the files. A reload that fails keeps the previous credentials and is
 * tried again at the next change, or at the next check while the files stay broken.
 */
final class CredentialWatcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CredentialWatcher.class);

    /** Reloads the credentials into the running end. */
    @FunctionalInterface
    interface Reload {
        void reload() throws Exception;
    }

    private final PemCredentialFiles files;
    private final Reload reload;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "regatta-tunnel-credential-watcher");
        thread.setDaemon(true);
        return thread;
    });
    private List<Object> loadedVersion;

    CredentialWatcher(PemCredentialFiles files, Reload reload, long checkSeconds) throws Exception {
        this.files = files;
        this.reload = reload;
        this.loadedVersion = files.version();
        timer.scheduleWithFixedDelay(this::check, checkSeconds, checkSeconds, TimeUnit.SECONDS);
    }

    private void check() {
        try {
            List<Object> version = files.version();
            if (Objects.equals(version, loadedVersion)) {
                return;
            }
            reload.reload();
            loadedVersion = version;
        } catch (Exception e) {
            log.warn("cannot reload the credentials from {}, {} and {}; new connections keep the previous ones: {}",
                    files.keyFile(), files.certificateFile(), files.caFile(), e.getMessage());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
