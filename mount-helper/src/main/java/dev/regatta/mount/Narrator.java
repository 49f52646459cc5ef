package dev.regatta.mount;

import java.io.PrintStream;

/** With {@code -v}, each step says on stderr what it does and what it found; without, it is silent. */
public final class Narrator {

    private final PrintStream err;
    private final boolean verbose;

    public Narrator(PrintStream err, boolean verbose) {
        this.err = err;
        this.verbose = verbose;
    }

    public static Narrator silent() {
        return new Narrator(System.err, false);
    }

    public void say(String message) {
        if (verbose) {
            err.println("mount.regatta: " + message);
        }
    }
}
