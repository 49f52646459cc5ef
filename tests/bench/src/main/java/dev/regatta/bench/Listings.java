package dev.regatta.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Workload 0, listings at scale (run first, before anything lists the root): N objects are put straight into the system's bucket by another S3 client (this
 * class, signing its own requests), then the system's first {@code ls -l} of their prefix is timed with the S3
 * requests it makes, beside a bare ListObjectsV2 of the same prefix (the floor any listing pays). For Regatta, the
 * data plane's heap after a full GC is noted too (what holding the listing costs).
 */
final class Listings {
    static final String WORKLOAD = "0 listings";
    private static final String PREFIX = "listing/";
    private static final Pattern KEY_COUNT = Pattern.compile("<KeyCount>(\\d+)</KeyCount>");
    private static final Pattern NEXT = Pattern.compile("<NextContinuationToken>([^<]+)</NextContinuationToken>");
    private static final Pattern CONTENTS = Pattern.compile("<Contents>(.*?)</Contents>", Pattern.DOTALL);
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final Bench bench;
    private final Target target;
    private final int objects;
    private final HttpClient http = HttpClient.newHttpClient();
    private final String accessKey;
    private final String secretKey;

    private Listings(Bench bench, Target target, int objects) throws IOException {
        this.bench = bench;
        this.target = target;
        this.objects = objects;
        // ./regatta s3 keeps its keys beside the blob store: <data dir>/s3-credentials.properties, <data dir>/s3/<bucket>
        Path credentials = target.bucketDir().getParent().getParent().resolve("s3-credentials.properties");
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(credentials)) {
            p.load(in);
        }
        this.accessKey = p.getProperty("access-key");
        this.secretKey = p.getProperty("secret-key");
    }

    /** Runs the workload on a system with a bucket (the raw disk has none). */
    static void run(Bench bench, Target target, int objects) throws Exception {
        if (!target.usesS3() || target.bucketDir() == null) {
            return;
        }
        new Listings(bench, target, objects).run();
    }

    private void run() throws Exception {
        bench.parallel(objects, i -> put(PREFIX + String.format("f%06d", i), ("object " + i).getBytes(StandardCharsets.UTF_8)));
        Map<String, Long> before = bench.proxy.snapshot();
        long t0 = System.nanoTime();
        int pages = bareList();
        double bareS = (System.nanoTime() - t0) / 1e9;
        bench.rows.add(new Bench.Row(WORKLOAD, "bare ListObjectsV2 of " + objects, target.name(), bareS, bareS, objects,
                "keys/s", CountingProxy.diff(bench.proxy.snapshot(), before), null));
        System.out.printf("  %-34s %9.3f s  (%d pages, by the bench's own client)%n", "bare ListObjectsV2 of " + objects,
                bareS, pages);
        bench.phase(target, WORKLOAD, "first ls -l of " + objects, objects, "files/s", () -> {
            int n = target.listStat(PREFIX.substring(0, PREFIX.length() - 1));
            if (n != objects) {
                throw new IOException("ls -l showed " + n + " entries of " + objects);
            }
        });
        if (target instanceof RegattaTarget regatta) {
            HeapInfo heap = regatta.heapAfterGc();
            bench.details.append(target.name()).append(" | ").append(WORKLOAD).append(" | data plane heap after GC: ")
                    .append(heap.line()).append('\n');
            System.out.println("  data plane heap after GC: " + heap.line());
        }
    }

    /** Lists the prefix to the end through the proxy; returns the pages. */
    private int bareList() throws Exception {
        String token = null;
        int pages = 0;
        int keys = 0;
        do {
            Map<String, String> query = new TreeMap<>();
            query.put("list-type", "2");
            query.put("prefix", PREFIX);
            query.put("delimiter", "/");
            if (token != null) {
                query.put("continuation-token", token);
            }
            String body = send("GET", "/" + LocalS3.BUCKET, query, new byte[0]);
            pages++;
            Matcher count = KEY_COUNT.matcher(body);
            if (count.find()) {
                keys += Integer.parseInt(count.group(1));
            }
            Matcher next = NEXT.matcher(body);
            token = body.contains("<IsTruncated>true</IsTruncated>") && next.find() ? next.group(1) : null;
        } while (token != null);
        if (keys != objects) {
            throw new IOException("bare listing found " + keys + " keys of " + objects);
        }
        return pages;
    }

    /**
     * Lists one prefix (one page of up to 1000 keys) with the bench's own client: each key's size and ETag, to check
     * that objects made without S3 requests ({@link Seeder}) are listed as they were written.
     */
    static Map<String, String[]> sizesAndEtags(Bench bench, Target target, String prefix) throws Exception {
        return new Listings(bench, target, 0).page(prefix);
    }

    private Map<String, String[]> page(String prefix) throws Exception {
        Map<String, String> query = new TreeMap<>();
        query.put("list-type", "2");
        query.put("prefix", prefix);
        query.put("delimiter", "/");
        String body = send("GET", "/" + LocalS3.BUCKET, query, new byte[0]);
        Map<String, String[]> found = new TreeMap<>();
        Matcher m = CONTENTS.matcher(body);
        while (m.find()) {
            String c = m.group(1);
            found.put(field(c, "Key"), new String[] {field(c, "Size"), field(c, "ETag").replace("&quot;", "").replace("\"", "")});
        }
        return found;
    }

    private static String field(String xml, String name) {
        Matcher m = Pattern.compile("<" + name + ">([^<]*)</" + name + ">").matcher(xml);
        return m.find() ? m.group(1) : "";
    }

    private void put(String key, byte[] data) throws Exception {
        send("PUT", "/" + LocalS3.BUCKET + "/" + key, Map.of(), data);
    }

    /** One request to the endpoint (through the counting proxy), signed with AWS Signature Version 4. */
    private String send(String method, String path, Map<String, String> query, byte[] body) throws Exception {
        String host = "127.0.0.1:" + bench.proxy.port();
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String amzDate = AMZ_DATE.format(now);
        String day = amzDate.substring(0, 8);
        String payloadHash = hex(sha256(body));
        StringBuilder canonicalQuery = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(query).entrySet()) {
            if (!canonicalQuery.isEmpty()) {
                canonicalQuery.append('&');
            }
            canonicalQuery.append(encode(e.getKey())).append('=').append(encode(e.getValue()));
        }
        String canonicalPath = String.join("/", List.of(path.split("/", -1)).stream().map(Listings::encode).toList());
        String signedHeaders = "host;x-amz-content-sha256;x-amz-date";
        String canonicalRequest = method + "\n" + canonicalPath + "\n" + canonicalQuery + "\n" + "host:" + host + "\n"
                + "x-amz-content-sha256:" + payloadHash + "\n" + "x-amz-date:" + amzDate + "\n\n" + signedHeaders + "\n"
                + payloadHash;
        String scope = day + "/us-east-1/s3/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + hex(sha256(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, "us-east-1");
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        String signature = hex(hmac(key, toSign));
        String uri = "http://" + host + canonicalPath + (canonicalQuery.isEmpty() ? "" : "?" + canonicalQuery);
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .header("x-amz-date", amzDate)
                .header("x-amz-content-sha256", payloadHash)
                .header("Authorization", "AWS4-HMAC-SHA256 Credential=" + accessKey + "/" + scope
                        + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature)
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IOException(method + " " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return response.body();
    }

    /** RFC 3986 encoding, as SigV4 wants it ('~' kept, space as %20). */
    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A").replace("%7E", "~");
    }

    private static byte[] sha256(byte[] data) throws GeneralSecurityException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
