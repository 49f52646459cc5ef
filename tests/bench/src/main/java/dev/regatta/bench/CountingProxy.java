package dev.regatta.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A byte-for-byte TCP relay in front of the S3 endpoint that parses each HTTP request head (it never rewrites one:
 * the Host header and the body pass through unchanged, so SigV4 signatures stay valid) and counts it by S3 operation.
 * Responses are relayed raw. Requests bodies are framed by Content-Length or chunked transfer coding.
 */
final class CountingProxy implements AutoCloseable {
    static final List<String> TYPES = List.of("ListObjectsV2", "ListObjects", "HeadObject", "GetObject", "PutObject",
            "CopyObject", "CreateMultipartUpload", "UploadPart", "UploadPartCopy", "CompleteMultipartUpload",
            "DeleteObject", "DeleteObjects", "other");

    private final ServerSocket server;
    private volatile int upstreamPort;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> otherDetail = new ConcurrentHashMap<>();
    private final AtomicLong lastRequestNanos = new AtomicLong(System.nanoTime());
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    CountingProxy() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
        Thread t = new Thread(this::acceptLoop, "proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    void upstream(int port) {
        this.upstreamPort = port;
    }

    /** Counts since start, every type present (zero when none). */
    Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String t : TYPES) {
            LongAdder a = counts.get(t);
            m.put(t, a == null ? 0L : a.sum());
        }
        return m;
    }

    Map<String, Long> otherSnapshot() {
        Map<String, Long> m = new TreeMap<>();
        otherDetail.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** System.nanoTime() of the last byte relayed either way. */
    long lastActivityNanos() {
        return lastRequestNanos.get();
    }

    long nanosSinceLastRequest() {
        return System.nanoTime() - lastRequestNanos.get();
    }

    static Map<String, Long> diff(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> m = new LinkedHashMap<>();
        after.forEach((k, v) -> m.put(k, v - before.getOrDefault(k, 0L)));
        return m;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket c = server.accept();
                Thread.ofVirtual().start(() -> relay(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(Socket client) {
        open.add(client);
        try (client; Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort)) {
            open.add(up);
            client.setTcpNoDelay(true);
            up.setTcpNoDelay(true);
            InputStream upIn = up.getInputStream();
            OutputStream clientOut = client.getOutputStream();
            Thread back = Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[64 * 1024];
                try {
                    int n;
                    while ((n = upIn.read(buf)) >= 0) {
                        clientOut.write(buf, 0, n);
                        clientOut.flush();
                        lastRequestNanos.set(System.nanoTime());
                    }
                    client.shutdownOutput();
                } catch (IOException ignored) {
                    // the other side closed
                }
            });
            InputStream in = new BufferedInputStream(client.getInputStream(), 64 * 1024);
            OutputStream upOut = up.getOutputStream();
            while (true) {
                byte[] head = readHead(in);
                if (head == null) {
                    break;
                }
                String text = new String(head, StandardCharsets.ISO_8859_1);
                String[] lines = text.split("\r\n");
                String[] requestLine = lines[0].split(" ");
                Map<String, String> h = new HashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        h.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
                    }
                }
                String method = requestLine[0];
                String target = requestLine.length > 1 ? requestLine[1] : "/";
                String type = classify(method, target, h);
                counts.computeIfAbsent(type, k -> new LongAdder()).increment();
                if (type.equals("other")) {
                    otherDetail.computeIfAbsent(method + " " + shape(target), k -> new LongAdder()).increment();
                }
                lastRequestNanos.set(System.nanoTime());
                upOut.write(head);
                String te = h.getOrDefault("transfer-encoding", "");
                if (te.toLowerCase(Locale.ROOT).contains("chunked")) {
                    relayChunked(in, upOut);
                } else if (h.containsKey("content-length")) {
                    copy(in, upOut, Long.parseLong(h.get("content-length")));
                }
                upOut.flush();
                lastRequestNanos.set(System.nanoTime());
            }
            up.shutdownOutput();
            back.join();
        } catch (IOException | InterruptedException | RuntimeException ignored) {
            // a connection that breaks ends its relay; the client sees the error
        } finally {
            open.remove(client);
        }
    }

    /** Query parameter names only: enough to tell operations apart without keys in the log. */
    private static String shape(String target) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        boolean object = objectLevel(path);
        return (object ? "/bucket/key" : "/bucket") + (q < 0 ? "" : "?" + String.join("&", params(target.substring(q + 1))));
    }

    private static Set<String> params(String query) {
        Set<String> s = new HashSet<>();
        for (String p : query.split("&")) {
            if (!p.isEmpty()) {
                int eq = p.indexOf('=');
                s.add(eq < 0 ? p : p.substring(0, eq));
            }
        }
        return s;
    }

    private static boolean objectLevel(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        int slash = p.indexOf('/');
        return slash >= 0 && slash < p.length() - 1;
    }

    static String classify(String method, String target, Map<String, String> h) {
        int q = target.indexOf('?');
        String path = q < 0 ? target : target.substring(0, q);
        Set<String> ps = q < 0 ? Set.of() : params(target.substring(q + 1));
        boolean object = objectLevel(path);
        boolean copy = h.containsKey("x-amz-copy-source");
        boolean sub = ps.contains("acl") || ps.contains("tagging") || ps.contains("location") || ps.contains("versioning");
        switch (method) {
            case "GET":
                if (sub) {
                    return "other";
                }
                if (!object) {
                    if (ps.contains("uploads")) {
                        return "other";
                    }
                    return ps.contains("list-type") ? "ListObjectsV2" : "ListObjects";
                }
                return ps.contains("uploadId") ? "other" : "GetObject";
            case "HEAD":
                return object ? "HeadObject" : "other";
            case "PUT":
                if (!object || sub) {
                    return "other";
                }
                boolean part = ps.contains("partNumber") && ps.contains("uploadId");
                if (part) {
                    return copy ? "UploadPartCopy" : "UploadPart";
                }
                return copy ? "CopyObject" : "PutObject";
            case "POST":
                if (ps.contains("uploads")) {
                    return "CreateMultipartUpload";
                }
                if (ps.contains("uploadId")) {
                    return "CompleteMultipartUpload";
                }
                if (ps.contains("delete")) {
                    return "DeleteObjects";
                }
                return "other";
            case "DELETE":
                return object && !ps.contains("uploadId") && !sub ? "DeleteObject" : "other";
            default:
                return "other";
        }
    }

    private static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
        int state = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                return null;
            }
            b.write(c);
            state = switch (state) {
                case 0 -> c == '\r' ? 1 : 0;
                case 1 -> c == '\n' ? 2 : (c == '\r' ? 1 : 0);
                case 2 -> c == '\r' ? 3 : 0;
                case 3 -> c == '\n' ? 4 : (c == '\r' ? 1 : 0);
                default -> 0;
            };
            if (state == 4) {
                return b.toByteArray();
            }
            if (b.size() > 1 << 20) {
                throw new IOException("request head too large");
            }
        }
    }

    private static String readLine(InputStream in, OutputStream out) throws IOException {
        StringBuilder sb = new StringBuilder();
        int prev = -1;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("eof in chunked body");
            }
            out.write(c);
            if (prev == '\r' && c == '\n') {
                return sb.substring(0, sb.length() - 1);
            }
            sb.append((char) c);
            prev = c;
        }
    }

    private static void relayChunked(InputStream in, OutputStream out) throws IOException {
        while (true) {
            String line = readLine(in, out);
            int semi = line.indexOf(';');
            long size = Long.parseLong((semi < 0 ? line : line.substring(0, semi)).trim(), 16);
            if (size == 0) {
                while (!readLine(in, out).isEmpty()) {
                    // trailers
                }
                return;
            }
            copy(in, out, size + 2);
        }
    }

    private static void copy(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        while (n > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, n));
            if (r < 0) {
                throw new IOException("eof in body");
            }
            out.write(buf, 0, r);
            n -= r;
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
