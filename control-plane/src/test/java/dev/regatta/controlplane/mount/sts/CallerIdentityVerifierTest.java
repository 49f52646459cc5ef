package dev.regatta.controlplane.mount.sts;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What goes over the wire to STS, byte for byte: an HTTP server made of a bare socket, so that nothing between the
 * control plane's HTTP client and the test rewrites a header.
 */
class CallerIdentityVerifierTest {

    private static final String IDENTITY = """
            <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
              <GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAEXAMPLE</UserId>
                <Account>123456789012</Account>
              </GetCallerIdentityResult>
            </GetCallerIdentityResponse>""";

    private final ServerSocket sts = bind();
    private final ServerSocket elsewhere = bind();
    private final URI stsUri = URI.create("http://127.0.0.1:" + sts.getLocalPort() + "/");
    private final CallerIdentityVerifier verifier = new CallerIdentityVerifier(
            TestProperties.allowingSts("http://127.0.0.1:" + sts.getLocalPort()));

    @AfterEach
    void close() throws IOException {
        verifier.close();
        sts.close();
        elsewhere.close();
    }

    @Test
    void theSignedRequestReachesStsVerbatim() throws Exception {
        // An SDK's own content type, lower-case charset and all: exactly what was signed must arrive.
        Map<String, String> signed = new LinkedHashMap<>(ProofSigner.headersOf(ProofSigner.sign(
                SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(stsUri)
                        .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                        .putHeader("x-regatta-server-id", "rg-0123456789abcdef")
                        .putHeader("x-regatta-fs-id", "fs-0123456789abcdef0").build(),
                Caller.roleSession("123456789012", "app", "i-0abc").credentials(), ProofSigner.BODY,
                Clock.systemUTC())));
        Map<String, String> sent = new LinkedHashMap<>(signed);
        sent.put("X-Unsigned", "dropped");
        StsProof proof = StsProof.read(new StsRequest("POST", stsUri.toString(), sent, ProofSigner.BODY),
                new StsEndpoints(TestProperties.allowingSts("http://127.0.0.1:" + sts.getLocalPort())));
        CompletableFuture<String> received = answerOnce(sts, "200 OK", IDENTITY);

        CallerIdentity identity = verifier.verify(proof);

        assertThat(identity.arn().arn()).isEqualTo("arn:aws:iam::123456789012:user/alice");
        String request = received.get(5, TimeUnit.SECONDS);
        List<String> lines = request.substring(0, request.indexOf("\r\n\r\n")).lines().toList();
        assertThat(lines.getFirst()).isEqualTo("POST / HTTP/1.1");
        signed.forEach((name, value) -> assertThat(lines).as(name).contains(name + ": " + value));
        assertThat(lines).contains("Content-Length: " + ProofSigner.BODY.length());
        assertThat(lines).noneMatch(line -> line.startsWith("X-Unsigned"));
        assertThat(request.substring(request.indexOf("\r\n\r\n") + 4)).isEqualTo(ProofSigner.BODY);
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        StsProof proof = proof();
        answerOnce(sts, "307 Temporary Redirect\r\nLocation: http://127.0.0.1:" + elsewhere.getLocalPort() + "/", "");
        CompletableFuture<String> followed = answerOnce(elsewhere, "200 OK", IDENTITY);

        assertThatThrownBy(() -> verifier.verify(proof)).isInstanceOfSatisfying(ProofRefusedException.class,
                refusal -> assertThat(refusal.status().value()).isEqualTo(503));
        assertThat(followed).isNotDone();
    }

    @Test
    void aHugeAnswerIsCutShort() throws Exception {
        StsProof proof = proof();
        answerOnce(sts, "200 OK", IDENTITY.replace("<UserId>", "<UserId>" + "x".repeat(100_000)));

        assertThatThrownBy(() -> verifier.verify(proof)).isInstanceOfSatisfying(ProofRefusedException.class,
                refusal -> assertThat(refusal.reason()).contains("not a GetCallerIdentity response"));
    }

    private StsProof proof() {
        return StsProof.read(new StsRequest("POST", stsUri.toString(),
                        ProofSigner.sign(Caller.user("123456789012", "alice"), stsUri, "rg-0123456789abcdef",
                                "fs-0123456789abcdef0", Clock.systemUTC()), ProofSigner.BODY),
                new StsEndpoints(TestProperties.allowingSts("http://127.0.0.1:" + sts.getLocalPort())));
    }

    /** Accepts one connection, returns what it read, and answers {@code status} with {@code body}. */
    private static CompletableFuture<String> answerOnce(ServerSocket server, String status, String body) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                String request = readRequest(socket.getInputStream());
                byte[] content = body.getBytes(StandardCharsets.UTF_8);
                socket.getOutputStream().write(("HTTP/1.1 " + status + "\r\nContent-Type: text/xml\r\n"
                        + "Content-Length: " + content.length + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(content);
                return request;
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    private static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        while (!bytes.toString(StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            bytes.write(b);
        }
        String head = bytes.toString(StandardCharsets.ISO_8859_1);
        int length = head.lines().filter(line -> line.regionMatches(true, 0, "Content-Length:", 0, 15))
                .mapToInt(line -> Integer.parseInt(line.substring(15).strip())).findFirst().orElse(0);
        bytes.write(in.readNBytes(length));
        return bytes.toString(StandardCharsets.ISO_8859_1);
    }

    private static ServerSocket bind() {
        try {
            return new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }
}
