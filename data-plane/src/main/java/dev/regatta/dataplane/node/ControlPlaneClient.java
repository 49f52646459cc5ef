package dev.regatta.dataplane.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The node's side of registration and heartbeat over HTTP: JSON in and out, failures as {@link ControlPlaneException}s.
 * Given several control-plane instances, it stays with the one that last answered and tries the others in turn when
 * it does not answer (no connection, or 502/503/504); a refusal is an answer, and every instance would give it.
 */
final class ControlPlaneClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final List<String> baseUrls;
    /** The instance that answered last: asked first. */
    private volatile int current;
    private final HttpClient http;

    ControlPlaneClient(List<URI> baseUrls) {
        this.baseUrls = baseUrls.stream().map(u -> u.toString().replaceAll("/+$", "")).toList();
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    /** The instance asked first now. */
    String baseUrl() {
        return baseUrls.get(current);
    }

    NodeMessages.Registration register(String bootstrapToken, NodeMessages.RegistrationRequest request)
            throws ControlPlaneException {
        NodeMessages.Registration r = post("/api/v1/nodes", bootstrapToken, request, 201,
                NodeMessages.Registration.class);
        if (r.nodeId() == null || !NODE_ID.matcher(r.nodeId()).matches() || r.nodeToken() == null
                || r.nodeToken().isBlank() || r.certificate() == null) {
            throw new ControlPlaneException(ControlPlaneException.Kind.REFUSED,
                    "the registration answer lacks a usable node ID, token or certificate", null);
        }
        return r;
    }

    NodeMessages.HeartbeatAnswer heartbeat(String nodeId, String nodeToken, NodeMessages.HeartbeatRequest request)
            throws ControlPlaneException {
        return post("/api/v1/nodes/" + nodeId + "/heartbeat", nodeToken, request, 200,
                NodeMessages.HeartbeatAnswer.class);
    }

    private <T> T post(String path, String bearer, Object body, int expected, Class<T> answer)
            throws ControlPlaneException {
        int first = current;
        ControlPlaneException unanswered = null;
        for (int i = 0; i < baseUrls.size(); i++) {
            int at = (first + i) % baseUrls.size();
            try {
                T answered = post(baseUrls.get(at), path, bearer, body, expected, answer);
                current = at;
                return answered;
            } catch (ControlPlaneException e) {
                if (e.kind() != ControlPlaneException.Kind.UNREACHABLE) {
                    current = at;
                    throw e;
                }
                unanswered = unanswered == null ? e : new ControlPlaneException(e.kind(),
                        unanswered.getMessage() + "; " + e.getMessage(), e);
            }
        }
        throw unanswered;
    }

    private <T> T post(String baseUrl, String path, String bearer, Object body, int expected, Class<T> answer)
            throws ControlPlaneException {
        String what = "POST " + baseUrl + path;
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Authorization", "Bearer " + bearer)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                    .build();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the body of " + what, e);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new ControlPlaneException(ControlPlaneException.Kind.UNREACHABLE, what + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlPlaneException(ControlPlaneException.Kind.UNREACHABLE, what + ": interrupted", e);
        }
        int status = response.statusCode();
        if (status == expected) {
            try {
                return JSON.readValue(response.body(), answer);
            } catch (JsonProcessingException e) {
                throw new ControlPlaneException(ControlPlaneException.Kind.REFUSED,
                        what + ": unreadable answer: " + e.getOriginalMessage(), e);
            }
        }
        String message = what + ": HTTP " + status + detail(response.body());
        if (status == 401) {
            throw new ControlPlaneException(ControlPlaneException.Kind.UNAUTHORIZED, message, null);
        }
        // A gateway or a control plane that is starting answers 502/503/504: the same as no answer for us.
        ControlPlaneException.Kind kind = status >= 500 ? ControlPlaneException.Kind.UNREACHABLE
                : ControlPlaneException.Kind.REFUSED;
        throw new ControlPlaneException(kind, message, null);
    }

    /** The problem's {@code detail}, which says what to fix. */
    private static String detail(String body) {
        try {
            JsonNode problem = JSON.readTree(body);
            if (problem != null && problem.hasNonNull("detail")) {
                return " (" + problem.get("detail").asText() + ")";
            }
        } catch (JsonProcessingException | RuntimeException e) {
            // not a problem document; the status says enough
        }
        return "";
    }
}
