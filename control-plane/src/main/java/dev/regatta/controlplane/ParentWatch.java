package dev.regatta.controlplane;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ends the control plane when the process that started it ends, however that one ends ({@code kill -9} included):
 * {@code regatta up} runs the control plane as its child with a pipe as standard input and never writes to it, so
 * the pipe closes only when {@code up}'s process is gone. Without this, a killed {@code up} left the control plane
 * and its PostgreSQL running, holding the data directory and the API port. Only on request
 * ({@value #ENVIRONMENT}=true), since a control plane run as a service has no such parent.
 */
public final class ParentWatch {

    private static final Logger log = LoggerFactory.getLogger(ParentWatch.class);

    /** The environment variable by which the starting process asks for this. */
    public static final String ENVIRONMENT = "REGATTA_EXIT_WITH_STDIN";

    private ParentWatch() {
    }

    /** Starts watching standard input if the environment asks for it. */
    public static void startIfRequested() {
        if ("true".equalsIgnoreCase(System.getenv(ENVIRONMENT))) {
            watch(System.in);
        }
    }

    /** Exits the JVM (its shutdown hooks stop Spring and the embedded PostgreSQL) once {@code in} ends. */
    static void watch(InputStream in) {
        Thread.ofPlatform().daemon().name("parent-watch").start(() -> {
            try {
                while (in.read() >= 0) {
                    // nothing is ever written: only the end matters
                }
            } catch (IOException e) {
                // a broken pipe ends it as well
            }
            log.warn("standard input closed: the process that started the control plane has ended; stopping");
            System.exit(0);
        });
    }
}
