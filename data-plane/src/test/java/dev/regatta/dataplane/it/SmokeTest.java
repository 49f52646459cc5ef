package dev.regatta.dataplane.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** The client library works against the data plane at all: MOUNT, CREATE, WRITE, READ, READDIR, and the upload. */
class SmokeTest {

    @TempDir
    Path tmp;
    ItHarness h;

    @BeforeEach
    void start() throws Exception {
        h = ItHarness.inMemory(UnaryOperator.identity()).start(tmp.resolve("data"));
    }

    @AfterEach
    void stop() {
        h.close();
    }

    @Test
    void mountCreateWriteRead() throws Exception {
        byte[] data = "hello regatta\n".getBytes(StandardCharsets.UTF_8);
        h.writeFile("/hello.txt", data);
        assertThat(h.readFile("/hello.txt")).isEqualTo(data);
        assertThat(h.list("/")).contains("hello.txt");
        h.flush();
        assertThat(h.objectBytes("hello.txt")).isEqualTo(data);
    }
}
