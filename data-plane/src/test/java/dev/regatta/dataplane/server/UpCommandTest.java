package dev.regatta.dataplane.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** `regatta up` as a newcomer runs it: a separate process that prints what the README promises. */
class UpCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsEndpointsAndMountLineThenServesAndKeepsStateAcrossRestart() throws Exception {
        List<String> first = runUp();
        assertThat(first).hasSize(5);
        assertThat(first.get(0)).matches("regatta: s3 http://127\\.0\\.0\\.1:\\d+ bucket demo access-key RG\\w+ "
                + "secret-key [0-9a-f]+");
        Matcher nfs = Pattern.compile("regatta: nfs 127\\.0\\.0\\.1:(\\d+) export /fs-demo").matcher(first.get(1));
        assertThat(nfs.matches()).as(first.get(1)).isTrue();
        String port = nfs.group(1);
        assertThat(first.get(2)).isEqualTo("regatta: mount with: mount -t nfs -o vers=3,proto=tcp,port=" + port
                + ",mountport=" + port + ",nolock 127.0.0.1:/fs-demo /mnt/demo");
        assertThat(first.get(3)).startsWith("regatta: metrics http://127.0.0.1:");
        assertThat(first.get(4)).isEqualTo("regatta: ready");
        assertThat(Files.isDirectory(dir.resolve("s3/demo"))).isTrue();

        // The same data directory keeps the bucket's keys.
        List<String> second = runUp();
        assertThat(second.get(0)).isEqualTo(first.get(0).replaceAll(":\\d+ bucket", second.get(0)
                .replaceAll(".*(:\\d+ bucket).*", "$1")));
    }

    /** Starts `regatta up` on free ports, reads its lines up to "ready", then stops it. */
    private List<String> runUp() throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                RegattaCli.class.getName(), "up", "--data-dir", dir.toString(), "--nfs-port", "0", "--s3-port", "0")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (!line.startsWith("regatta: ")) {
                    continue; // the test classpath's logging configuration logs to standard output
                }
                lines.add(line);
                if (line.equals("regatta: ready")) {
                    break;
                }
            }
        } finally {
            p.destroy();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("regatta up stops on SIGTERM").isTrue();
        }
        return lines;
    }
}
