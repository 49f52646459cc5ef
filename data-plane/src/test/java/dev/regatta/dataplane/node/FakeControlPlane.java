package dev.regatta.dataplane.node;

import dev.regatta.pki.KeyMaterial;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The control plane's side of node registration and heartbeat, per docs/control-plane-protocols.md, checking what
 * the node sends: the bootstrap token, a CSR whose signature verifies, the node token, and the heartbeat's shape.
 * Whatever it finds wrong it answers with 400 and records in {@link #problems}. It can be stopped and started again
 * on the same port, to play an outage.
 */
final class FakeControlPlane implements AutoCloseable {

    static final String BOOTSTRAP_TOKEN = "bootstrap-secret-0123456789";
    static final int HEARTBEAT_SECONDS = 1;
    /** The interval the answers tell the node; a test may lengthen it. */
    volatile int heartbeatSeconds = HEARTBEAT_SECONDS;

    /** A registration as received, with the subject of its CSR. */
    record Registered(String nodeId, String name, String address, String csrSubject) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final KeyPair caKeys = KeyMaterial.generate();
    private final X509Certificate ca;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    final List<Registered> registrations = new CopyOnWriteArrayList<>();
    /** Heartbeat bodies by node ID, in arrival order. */
    final Map<String, List<JsonNode>> heartbeats = new ConcurrentHashMap<>();
    final List<String> problems = new CopyOnWriteArrayList<>();
    final AtomicInteger refusedRegistrations = new AtomicInteger();
    /** The file systems assigned to every node, in the wire format. */
    private volatile List<Map<String, Object>> assignment = List.of();
    private HttpServer server;
    private int port;

    FakeControlPlane() throws Exception {
        this.ca = issue(new X500Name("CN=Regatta test CA,O=Regatta"), caKeys.getPublic(), true);
        start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    synchronized void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        port = server.getAddress().getPort();
        server.createContext("/api/v1/nodes", this::handle);
        server.start();
    }

    synchronized void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        stop();
    }

    void assign(List<Map<String, Object>> fileSystems) {
        assignment = List.copyOf(fileSystems);
    }

    /** Forgets a node, as deleting it in the control plane does: its token no longer works. */
    void forget(String nodeId) {
        tokens.remove(nodeId);
    }

    List<JsonNode> heartbeatsOf(String nodeId) {
        return heartbeats.getOrDefault(nodeId, List.of());
    }

    static Map<String, Object> fileSystem(String id, URI endpoint, String bucket, String keyPrefix, int flushDelay,
                                          List<Map<String, Object>> grants) {
        Map<String, Object> fs = new LinkedHashMap<>();
        fs.put("id", id);
        fs.put("bucket", bucket);
        fs.put("region", "us-east-1");
        fs.put("endpoint", endpoint.toString());
        fs.put("keyPrefix", keyPrefix);
        fs.put("defaultUid", 0);
        fs.put("defaultGid", 0);
        fs.put("defaultFileMode", 420);
        fs.put("defaultDirMode", 493);
        fs.put("flushDelaySeconds", flushDelay);
        fs.put("cacheTtlSeconds", 3600);
        fs.put("grants", grants);
        return fs;
    }

    static Map<String, Object> grant(String id) {
        return Map.of("id", id, "principal", "arn:aws:iam::123456789012:role/app", "access", "READ_WRITE",
                "rootSquash", false);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("POST")) {
                answer(exchange, 405, Map.of("detail", "POST only"));
            } else if (path.equals("/api/v1/nodes")) {
                register(exchange);
            } else if (path.matches("/api/v1/nodes/[^/]+/heartbeat")) {
                heartbeat(exchange, path.split("/")[4]);
            } else {
                answer(exchange, 404, Map.of("detail", "no such endpoint " + path));
            }
        } catch (Exception e) {
            problems.add(e.toString());
            throw new IOException(e);
        }
    }

    private void register(HttpExchange exchange) throws Exception {
        if (!("Bearer " + BOOTSTRAP_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            refusedRegistrations.incrementAndGet();
            answer(exchange, 401, Map.of("detail", "wrong bootstrap token"));
            return;
        }
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        String name = body.path("name").asText(null);
        String address = body.path("address").asText(null);
        String csrPem = body.path("csr").asText("");
        PKCS10CertificationRequest csr;
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            csr = (PKCS10CertificationRequest) parser.readObject();
        }
        if (name == null || address == null || !address.matches(".+:\\d+") || csr == null
                || !csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getSubjectPublicKeyInfo()))) {
            problems.add("bad registration: " + body);
            answer(exchange, 400, Map.of("detail", "name, address (host:port) and a signed CSR are required"));
            return;
        }
        String nodeId = String.format("node-%017x", ids.incrementAndGet());
        String token = "node-token-" + nodeId + "-" + System.nanoTime();
        tokens.put(nodeId, token);
        X509Certificate certificate = issue(new X500Name("CN=" + nodeId + ",O=Regatta"),
                new JcaPKCS10CertificationRequest(csr).getPublicKey(), false);
        registrations.add(new Registered(nodeId, name, address,
                csr.getSubject().getRDNs(BCStyle.CN)[0].getFirst().getValue().toString()));
        answer(exchange, 201, Map.of("nodeId", nodeId, "nodeToken", token, "certificate", pem(certificate),
                "caCertificates", List.of(pem(ca)), "heartbeatIntervalSeconds", heartbeatSeconds));
    }

    private void heartbeat(HttpExchange exchange, String nodeId) throws Exception {
        String token = tokens.get(nodeId);
        if (token == null || !("Bearer " + token).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            answer(exchange, 401, Map.of("detail", "unknown node or wrong node token"));
            return;
        }
        JsonNode body = JSON.readTree(exchange.getRequestBody());
        if (!body.path("fileSystems").isArray()) {
            problems.add("heartbeat without fileSystems: " + body);
            answer(exchange, 400, Map.of("detail", "fileSystems is required"));
            return;
        }
        for (JsonNode fs : body.get("fileSystems")) {
            for (String field : List.of("fileSystemId", "cacheBytes", "dirtyBytes", "oldestUnsyncedSeconds",
                    "cacheHitRatio", "connectedClients", "s3Requests", "nfsOperations")) {
                if (!fs.hasNonNull(field)) {
                    problems.add("heartbeat file system without " + field + ": " + fs);
                }
            }
        }
        heartbeats.computeIfAbsent(nodeId, k -> new CopyOnWriteArrayList<>()).add(body);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("heartbeatIntervalSeconds", heartbeatSeconds);
        answer.put("fileSystems", new ArrayList<>(assignment));
        answer(exchange, 200, answer);
    }

    private X509Certificate issue(X500Name subject, java.security.PublicKey key, boolean isCa) throws Exception {
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                isCa ? subject : new X500Name("CN=Regatta test CA,O=Regatta"), BigInteger.valueOf(now.toEpochMilli()),
                java.util.Date.from(now.minus(1, ChronoUnit.MINUTES)), java.util.Date.from(now.plus(30, ChronoUnit.DAYS)),
                subject, key);
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKeys.getPrivate())));
    }

    private static String pem(X509Certificate certificate) throws Exception {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject("CERTIFICATE", certificate.getEncoded()));
        }
        return out.toString();
    }

    private static void answer(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type",
                status >= 400 ? "application/problem+json" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
