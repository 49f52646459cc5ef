package dev.regatta.controlplane.api;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real HTTP client for the API under test, as a script or the console would use it: an optional bearer token,
 * optional cookies, JSON in and out.
 */
public final class Api {

    public static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final URI base;
    private final Map<String, String> headers;

    private Api(HttpClient http, URI base, Map<String, String> headers) {
        this.http = http;
        this.base = base;
        this.headers = headers;
    }

    public static Api at(int port) {
        return new Api(HttpClient.newHttpClient(), URI.create("http://localhost:" + port), Map.of());
    }

    /** The same API called from another local address (127.x.y.z), which the server sees as the source. */
    public Api from(InetAddress source) {
        return new Api(HttpClient.newBuilder().localAddress(source).build(), base, headers);
    }

    /** The same API with a cookie jar, like a browser: cookies that answers set are sent back. */
    public Api withCookies(CookieManager cookies) {
        return new Api(HttpClient.newBuilder().cookieHandler(cookies).build(), base, headers);
    }

    public Api withBearer(String token) {
        return withHeader("Authorization", "Bearer " + token);
    }

    public Api withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new Api(http, base, more);
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response post(String path, Object body) {
        return send("POST", path, body);
    }

    public Response patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    /** @param body serialised to JSON, or sent as it is when a String */
    public Response send(String method, String path, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path));
        headers.forEach(request::header);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            String text = body instanceof String s ? s : JSON.writeValueAsString(body);
            request.method(method, HttpRequest.BodyPublishers.ofString(text));
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Response(int status, HttpHeaders headers, String body) {

        public JsonNode json() {
            return JSON.readTree(body);
        }

        /** The problem+json detail of an error answer. */
        public String detail() {
            return json().path("detail").asString();
        }

        public String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
