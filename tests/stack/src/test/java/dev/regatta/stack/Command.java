package dev.regatta.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A command run to completion, as a user would run it in a shell. */
record Command(int exit, String out, String err) {

    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    static Command run(Map<String, String> env, List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
                Path.of("/dev/null").toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        // Read both streams on their own threads: a full pipe would block the command.
        StringBuilder out = new StringBuilder();
        StringBuilder err = new StringBuilder();
        Thread outReader = Thread.ofPlatform().start(() -> drain(process.getInputStream(), out));
        Thread errReader = Thread.ofPlatform().start(() -> drain(process.getErrorStream(), err));
        if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + TIMEOUT);
        }
        outReader.join();
        errReader.join();
        return new Command(process.exitValue(), out.toString(), err.toString());
    }

    /** The Java program {@code mainClass} of a module's jar and its {@code target/lib}. */
    static List<String> java(String module, String mainClass, String... args) {
        Path repo = Path.of(System.getProperty("regatta.repo", "../..")).toAbsolutePath().normalize();
        String version = System.getProperty("regatta.version", "0.1.0-SNAPSHOT");
        Path target = repo.resolve(module).resolve("target");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-cp", target.resolve("regatta-" + module + "-" + version + ".jar") + ":"
                        + target.resolve("lib") + "/*", mainClass));
        command.addAll(List.of(args));
        return command;
    }

    private static void drain(java.io.InputStream in, StringBuilder into) {
        try (in) {
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            synchronized (into) {
                into.append(text);
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    @Override
    public String toString() {
        return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
}
