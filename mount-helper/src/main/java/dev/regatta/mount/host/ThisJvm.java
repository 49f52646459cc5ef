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
        // The tunnel's TLS is BoringSSL, a native library: allowed explicitly, so newer Javas do not warn about it.
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                mainClass);
    }
}
