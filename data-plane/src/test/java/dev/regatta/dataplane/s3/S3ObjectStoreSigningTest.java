package dev.regatta.dataplane.s3;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How an upload goes over the wire to an endpoint on plain HTTP, seen by a bare HTTP server standing in for S3 at the
 * HTTP boundary (it answers every PUT with an ETag, and starts a multipart upload when asked).
 */
class S3ObjectStoreSigningTest {

    private record Seen(String method, Map<String, List<String>> headers, byte[] body) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private S3ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            seen.add(new Seen(exchange.getRequestMethod(), Map.copyOf(exchange.getRequestHeaders()), body));
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef\"");
            if (exchange.getRequestMethod().equals("POST")) { // CreateMultipartUpload
                byte[] xml = ("<InitiateMultipartUploadResult><Bucket>bucket</Bucket><Key>big</Key>"
                        + "<UploadId>u1</UploadId></InitiateMultipartUploadResult>").getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, xml.length);
                exchange.getResponseBody().write(xml);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        store = S3ObjectStore.create(endpoint, "us-east-1", "access", "secret", "bucket", true,
                new SimpleMeterRegistry());
    }

    @AfterEach
    void stop() {
        store.close();
        server.stop(0);
    }

    @Test
    void aPutOverPlainHttpSendsItsBodyAsItIsSignedByItsHash() throws Exception {
        byte[] content = new byte[4096];
        new Random(1).nextBytes(content);
        Path file = Files.write(tmp.resolve("f"), content);

        assertThat(store.put("dir/f", file, 0, content.length, Map.of("uid", "1000"))).isEqualTo("0123456789abcdef");

        assertThat(seen).hasSize(1);
        Seen put = seen.get(0);
        assertThat(put.method()).isEqualTo("PUT");
        String sha256 = sha256(content);
        assertThat(sha256(put.body())).as("the body as it is, not framed in aws-chunked signatures").isEqualTo(sha256);
        assertThat(header(put, "x-amz-content-sha256")).isEqualTo(sha256);
        assertThat(header(put, "Authorization")).contains("x-amz-content-sha256");
        assertThat(put.headers().getOrDefault("Content-encoding", List.of())).doesNotContain("aws-chunked");
    }

    @Test
    void aPartUpToThePlainBodyLimitGoesAsItIsAndALargerBodyInAwsChunkedEncoding() throws Exception {
        // Some servers buffer an unchunked signed body whole to check its hash (S3Proxy refuses one over 32 MiB):
        // above the limit the body keeps aws-chunked, which a server checks chunk by chunk.
        byte[] content = new byte[(int) S3ObjectStore.PLAIN_BODY_LIMIT + 1];
        new Random(2).nextBytes(content);
        Path file = Files.write(tmp.resolve("big"), content);

        ObjectStore.MultipartUpload upload = store.startMultipart("big", Map.of());
        upload.uploadPart(1, file, 0, S3ObjectStore.PLAIN_BODY_LIMIT);
        store.put("big-single", file, 0, content.length, Map.of());

        List<Seen> puts = seen.stream().filter(s -> s.method().equals("PUT")).toList();
        assertThat(puts).hasSize(2);
        Seen part = puts.get(0);
        byte[] partBytes = java.util.Arrays.copyOf(content, (int) S3ObjectStore.PLAIN_BODY_LIMIT);
        assertThat(header(part, "x-amz-content-sha256")).isEqualTo(sha256(partBytes));
        assertThat(sha256(part.body())).isEqualTo(sha256(partBytes));
        Seen single = puts.get(1);
        assertThat(header(single, "x-amz-content-sha256")).isEqualTo("STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
        assertThat(header(single, "x-amz-decoded-content-length")).isEqualTo(Integer.toString(content.length));
        assertThat(single.body().length).as("framed in chunk signatures").isGreaterThan(content.length);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    private static String header(Seen s, String name) {
        return s.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }
}
