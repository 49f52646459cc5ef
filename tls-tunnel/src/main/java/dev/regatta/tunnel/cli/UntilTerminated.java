package dev.regatta.tunnel.cli;

import java.util.concurrent.CountDownLatch;

/** Keeps a command running until the process is told to stop (SIGTERM, Ctrl-C), then closes what it runs. */
final class UntilTerminated {

    private UntilTerminated() {
    }

    /** Closes {@code resources} in order when the JVM shuts down; never returns normally. */
    static void run(AutoCloseable... resources) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (AutoCloseable resource : resources) {
                try {
                    resource.close();
                } catch (Exception e) {
                    // Shutting down: nothing more useful to do than to close the rest.
                }
            }
        }, "regatta-tunnel-shutdown"));
        new CountDownLatch(1).await();
    }
}
