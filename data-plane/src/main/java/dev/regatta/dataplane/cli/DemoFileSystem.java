package dev.regatta.dataplane.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The embedded default's file system, made through the control plane's admin API like an operator would: found by
 * name on later starts, so a restart serves the same file system (and the same cache) again.
 */
final class DemoFileSystem {

    static final String NAME = "demo";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoFileSystem() {
    }

    /**
     * The ID of the file system named {@link #NAME}, created over {@code bucket} with {@code replicas} nodes and
     * {@code flushDeadline} (a file system's own setting once it exists) if there is none yet.
     */
    static String ensure(URI api, String adminToken, String bucket, String prefix, URI s3Endpoint, String region,
                         int replicas, Duration flushDeadline) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        JsonNode all = call(http, HttpRequest.newBuilder(api.resolve("/api/v1/file-systems")).GET(), adminToken, 200);
        for (JsonNode fs : all) {
            if (NAME.equals(fs.path("name").asText())) {
                if (!bucket.equals(fs.path("bucket").asText())) {
                    throw new IllegalStateException("the control plane's file system '" + NAME + "' (" + fs.path("id")
                            .asText() + ") serves bucket '" + fs.path("bucket").asText() + "', not '" + bucket
                            + "'; use another --data-dir for another bucket");
                }
                // A group's members are placed once, when it is made: another count is another data directory.
                int made = fs.path("replicas").asInt(1);
                if (made != replicas) {
                    throw new IllegalStateException("the control plane's file system '" + NAME + "' ("
                            + fs.path("id").asText() + ") is served by " + made + (made == 1 ? " node" : " nodes")
                            + ", not " + replicas + "; run up with --replicas " + made + ", or use another --data-dir");
                }
                return fs.path("id").asText();
            }
        }
        ObjectNode create = JSON.createObjectNode().put("name", NAME).put("bucket", bucket).put("region", region)
                .put("replicas", replicas)
                .put("flushDelaySeconds", Math.max(1, flushDeadline.toSeconds()));
        if (s3Endpoint != null) {
            create.put("endpoint", s3Endpoint.toString());
        }
        if (prefix != null && !prefix.isEmpty()) {
            create.put("keyPrefix", prefix);
        }
        JsonNode made = call(http, HttpRequest.newBuilder(api.resolve("/api/v1/file-systems"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(create))), adminToken, 201);
        return made.path("id").asText();
    }

    /**
     * The name of the node that leads the file system's group, once the control plane has heard it say so.
     *
     * @throws IllegalStateException when none does within {@code timeout}, with what the status says
     */
    static String awaitLeader(URI api, String adminToken, String fsId, Duration timeout)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode status;
        do {
            status = call(http, HttpRequest.newBuilder(api.resolve("/api/v1/file-systems/" + fsId + "/status")).GET(),
                    adminToken, 200);
            String leader = status.path("leader").asText(null);
            if (leader != null) {
                for (JsonNode member : status.path("members")) {
                    if (leader.equals(member.path("nodeId").asText())) {
                        return member.path("node").asText();
                    }
                }
            }
            Thread.sleep(250);
        } while (System.nanoTime() < deadline);
        throw new IllegalStateException("no node leads file system " + fsId + " after " + timeout + ": "
                + status.path("placement").asText("?") + "; see data-plane.log in each node's directory");
    }

    private static JsonNode call(HttpClient http, HttpRequest.Builder request, String adminToken, int expected)
            throws IOException, InterruptedException {
        HttpRequest built = request.header("Authorization", "Bearer " + adminToken)
                .timeout(Duration.ofSeconds(30)).build();
        HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(built.method() + " " + built.uri() + " answered "
                    + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body());
    }
}
