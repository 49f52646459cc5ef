package dev.regatta.mount.host;

/** How a command ended, with what it wrote. */
public record CommandResult(int exitCode, String stdout, String stderr) {

    public boolean succeeded() {
        return exitCode == 0;
    }
}
