package dev.regatta.mount.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.regatta.mount.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * The calls of mount authentication (docs/control-plane-protocols.md): the server ID, a mount or its renewal, and
 * the unmount report; over the JDK's HTTP client.
 */
public final class MountApiClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** The control plane asks STS before it answers a mount, so its answer may take a few seconds. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_DETAIL = 500;

    private final URI base;
    private final HttpClient http;

    public MountApiClient(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    public URI base() {
        return base;
    }

    /** {@code GET /api/v1/service}: the server ID the proof must name. */
    public String serverId() {
        return serverId(REQUEST_TIMEOUT);
    }

    /** @param timeout how long to wait for the answer */
    public String serverId(Duration timeout) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(endpoint("api/v1/service")).GET()
                .header("Accept", "application/json").timeout(timeout).build());
        if (response.statusCode() != 200) {
            throw refusal(response);
        }
        JsonNode serverId = parse(response).path("serverId");
        if (!serverId.isTextual() || serverId.asText().isBlank()) {
            throw new ControlPlaneRefusal(response.statusCode(), base + " answered GET /api/v1/service without a "
                    + "serverId: is it a Regatta control plane?", Optional.empty());
        }
        return serverId.asText();
    }

    /**
     * {@code POST /api/v1/mounts}: the certificate for a mount or a renewal, or the control plane's reason why not.
     */
    public MountGrant requestMount(MountRequest request) {
        HttpResponse<String> response = post("api/v1/mounts", request, REQUEST_TIMEOUT);
        if (response.statusCode() != 201) {
            throw refusal(response);
        }
        return read(response, MountGrant.class, "the mount request", "a mount");
    }

    /**
     * {@code POST /api/v1/mounts/{mountId}/unmount}: tells the control plane that the mount ended, so that its
     * session does not look live until its certificate expires.
     *
     * @param timeout how long to wait for the answer (the control plane asks STS before it answers)
     */
    public EndedMount reportUnmount(String mountId, UnmountReport report, Duration timeout) {
        HttpResponse<String> response = post("api/v1/mounts/" + URLEncoder.encode(mountId, StandardCharsets.UTF_8)
                + "/unmount", report, timeout);
        if (response.statusCode() != 200) {
            throw refusal(response);
        }
        return read(response, EndedMount.class, "the unmount report", "an ended mount");
    }

    private HttpResponse<String> post(String path, Object request, Duration timeout) {
        String body;
        try {
            body = Json.MAPPER.writeValueAsString(request);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(HttpRequest.newBuilder(endpoint(path))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .timeout(timeout).build());
    }

    private <T> T read(HttpResponse<String> response, Class<T> type, String request, String expected) {
        try {
            return Json.MAPPER.readValue(response.body(), type);
        } catch (IOException e) {
            throw new ControlPlaneRefusal(response.statusCode(), base + " answered " + request + " with something "
                    + "that is not " + expected + " (" + e.getMessage().lines().findFirst().orElse("") + ")",
                    Optional.empty());
        }
    }

    private URI endpoint(String path) {
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        return URI.create(root).resolve(path);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ControlPlaneUnreachable(base, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlPlaneUnreachable(base, e);
        }
    }

    private ControlPlaneRefusal refusal(HttpResponse<String> response) {
        Optional<Duration> retryAfter = response.headers().firstValue("Retry-After")
                .flatMap(MountApiClient::seconds);
        return new ControlPlaneRefusal(response.statusCode(), detail(response), retryAfter);
    }

    /** The problem's {@code detail}; failing that, the start of whatever came (a proxy's error page, say). */
    private static String detail(HttpResponse<String> response) {
        try {
            JsonNode detail = Json.MAPPER.readTree(response.body()).path("detail");
            if (detail.isTextual() && !detail.asText().isBlank()) {
                return detail.asText();
            }
        } catch (IOException e) {
            // not problem+json: fall through to the raw body
        }
        String body = response.body() == null ? "" : response.body().strip();
        if (body.isEmpty()) {
            return "HTTP " + response.statusCode() + " without a reason";
        }
        return "HTTP " + response.statusCode() + ": "
                + (body.length() > MAX_DETAIL ? body.substring(0, MAX_DETAIL) + "..." : body);
    }

    private JsonNode parse(HttpResponse<String> response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            throw new ControlPlaneRefusal(response.statusCode(), base + " did not answer JSON: is it a Regatta "
                    + "control plane?", Optional.empty());
        }
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
