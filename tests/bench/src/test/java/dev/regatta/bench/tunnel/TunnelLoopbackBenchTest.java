package dev.regatta.bench.tunnel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The tunnel-loopback benchmark as tests/bench/tunnel-loopback runs it: a process of its own. */
class TunnelLoopbackBenchTest {

    @Test
    void benchPrintsBothThroughputsAndTheRatio() throws Exception {
        Process bench = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), TunnelLoopbackBench.class.getName(),
                "--seconds", "1", "--warm-up-seconds", "0", "--reply-kib", "64"))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String output = new String(bench.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(bench.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(bench.exitValue()).isZero();
            assertThat(output).containsPattern("plain TCP: +\\d+\\.\\d MiB/s")
                    .containsPattern("TLS tunnel: +\\d+\\.\\d MiB/s")
                    .containsPattern("ratio: +\\d+% of plain TCP \\(target: at least 85%");
        } finally {
            bench.destroyForcibly();
        }
    }
}
