package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Asks STS who signed a proof, by sending the client's signed GetCallerIdentity request exactly as it was signed.
 * A signature STS rejects is the caller's fault (403); STS unreachable, slow, throttling or failing is not (503).
 */
@Component
public class CallerIdentityVerifier implements AutoCloseable {

    /** A GetCallerIdentity answer is well under 1 KiB; more is not STS. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024;

    private final HttpClient http;
    private final Duration timeout;

    CallerIdentityVerifier(ControlPlaneProperties properties) {
        timeout = properties.sts().timeout();
        // HTTP/1.1: the Host header a proof signed is exactly the one sent (HTTP/2 would send :authority instead).
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(timeout)
                .build();
    }

    /** @throws ProofRefusedException 403 when STS rejects the proof, 503 when STS cannot be asked */
    public CallerIdentity verify(StsProof proof) {
        HttpRequest.Builder request = HttpRequest.newBuilder(proof.uri())
                .timeout(timeout)
                .POST(HttpRequest.BodyPublishers.ofString(proof.body(), StandardCharsets.UTF_8));
        proof.headersToSend().forEach(request::header);

        int status;
        byte[] body;
        try {
            HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = response.statusCode();
            try (InputStream in = response.body()) {
                body = in.readNBytes(MAX_RESPONSE_BYTES);
            }
        } catch (HttpTimeoutException e) {
            throw ProofRefusedException.unavailable("STS at " + proof.uri() + " did not answer within "
                    + timeout.toSeconds() + " s; try again later");
        } catch (IOException e) {
            String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw ProofRefusedException.unavailable("STS at " + proof.uri() + " is unreachable (" + cause + "); try "
                    + "again later");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ProofRefusedException.unavailable("interrupted while asking STS at " + proof.uri());
        }
        return identityFrom(proof, status, body);
    }

    private static CallerIdentity identityFrom(StsProof proof, int status, byte[] body) {
        if (status == 200) {
            try {
                return StsResponses.callerIdentity(body);
            } catch (IllegalArgumentException e) {
                throw ProofRefusedException.unavailable("STS at " + proof.uri() + " answered 200 with something that "
                        + "is not a GetCallerIdentity response: " + e.getMessage());
            }
        }
        String code = StsResponses.errorCode(body).orElse("no error code");
        if (status >= 400 && status < 500 && !code.equals("Throttling")) {
            throw ProofRefusedException.forbidden("STS rejected the proof (HTTP " + status + ", " + Texts.clip(code)
                    + "): sign a fresh GetCallerIdentity request with valid credentials");
        }
        throw ProofRefusedException.unavailable("STS at " + proof.uri() + " could not answer (HTTP " + status + ", "
                + Texts.clip(code) + "); try again later");
    }

    @Override
    public void close() {
        http.close();
    }
}
