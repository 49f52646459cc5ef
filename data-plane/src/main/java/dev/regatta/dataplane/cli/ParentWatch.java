package dev.regatta.dataplane.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ends a data plane when the process that started it ends, however that one ends ({@code kill -9} included):
 * {@code regatta up --replicas N} runs its nodes as children with a pipe as standard input and never writes to it,
 * so the pipe closes only when {@code up}'s process is gone. Only on request ({@value #ENVIRONMENT}=true, as the
 * control plane's own watch), since a node run as a service has no such parent.
 */
final class ParentWatch {

    private static final Logger log = LoggerFactory.getLogger(ParentWatch.class);

    /** The environment variable by which the starting process asks for this. */
    static final String ENVIRONMENT = "REGATTA_EXIT_WITH_STDIN";

    private ParentWatch() {
    }

    /** Starts watching standard input if the environment asks for it. */
    static void startIfRequested() {
        if ("true".equalsIgnoreCase(System.getenv(ENVIRONMENT))) {
            watch(System.in);
        }
    }

    /** Exits the JVM (its shutdown hook closes the node, which flushes) once {@code in} ends. */
    private static void watch(InputStream in) {
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            try {
                while (in.read() >= 0) {
                    // nothing is ever written: only the end matters
                }
            } catch (IOException e) {
                // a broken pipe ends it as well
            }
            log.warn("standard input closed: the process that started this node has ended; stopping");
            System.exit(0);
        });
    }
}
