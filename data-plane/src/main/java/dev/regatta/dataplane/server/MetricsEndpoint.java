package dev.regatta.dataplane.server;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;

/**
 * Serves Prometheus's text format at /metrics, and /health for liveness checks. As Prometheus's own exporters do,
 * {@code /metrics?name[]=a&name[]=b} answers only those series (a counter by its name without {@code _total}): a
 * poller that wants two gauges (the benchmark waits for the sync backlog every 50 ms) need not make the node render
 * its 1,000 lines of histograms each time.
 */
final class MetricsEndpoint implements AutoCloseable {

    private static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;

    private MetricsEndpoint(HttpServer server) {
        this.server = server;
    }

    static MetricsEndpoint start(String bindAddress, int port, PrometheusMeterRegistry registry) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(bindAddress, port), 16);
        server.createContext("/metrics", exchange -> {
            Set<String> names = requestedNames(exchange.getRequestURI().getRawQuery());
            byte[] body = (names.isEmpty() ? registry.scrape() : registry.scrape(TEXT_FORMAT, names))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", TEXT_FORMAT);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.createContext("/health", exchange -> {
            byte[] body = "ok\n".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return new MetricsEndpoint(server);
    }

    /** The series a query names with {@code name[]=} (none: all of them). */
    static Set<String> requestedNames(String rawQuery) {
        Set<String> names = new LinkedHashSet<>();
        if (rawQuery == null) {
            return names;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && eq < pair.length() - 1
                    && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals("name[]")) {
                names.add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return names;
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
