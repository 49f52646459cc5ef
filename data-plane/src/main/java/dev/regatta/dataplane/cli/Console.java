package dev.regatta.dataplane.cli;

/** The lines a person (or a script) reads on standard output; logs go to standard error. */
final class Console {

    private Console() {
    }

    static void say(String line) {
        System.out.println("regatta: " + line);
        System.out.flush();
    }
}
