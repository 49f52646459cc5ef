package dev.regatta.mount.host;

import java.nio.file.Path;
import java.util.List;

/**
 * A command line that runs a main class on this JVM's java and class path. The tunnel's jars are installed beside
 * mount.regatta's ({@code $REGATTA_HOME/lib}), so the class path that runs mount.regatta runs the tunnel too.
 */
public final class ThisJvm {

    private ThisJvm() {
    }

    public static List<String> program(String mainClass) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return List.of(java, "-cp", System.getProperty("java.class.path"), mainClass);
    }
}
