package dev.regatta.dataplane.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics endpoint answers all series, or only those a query names with {@code name[]=} (a counter by its name
 * without {@code _total}, as Prometheus's client names it).
 */
class MetricsEndpointTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private List<String> samples(MetricsEndpoint endpoint, String query) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + endpoint.port() + "/metrics" + query)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return Arrays.stream(r.body().split("\n")).filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
    }

    @Test
    void aQueryNamingSeriesGetsOnlyThoseAndNoQueryGetsAll() throws Exception {
        Gauge.builder("sync_dirty_files", () -> 3).register(registry);
        Gauge.builder("sync_pending_deletes", () -> 0).register(registry);
        Counter.builder("s3_requests_total").register(registry).increment(7);
        try (MetricsEndpoint endpoint = MetricsEndpoint.start("127.0.0.1", 0, registry)) {
            assertThat(samples(endpoint, "")).containsExactlyInAnyOrder(
                    "sync_dirty_files 3.0", "sync_pending_deletes 0.0", "s3_requests_total 7.0");
            assertThat(samples(endpoint, "?name%5B%5D=sync_dirty_files&name%5B%5D=s3_requests"))
                    .containsExactlyInAnyOrder("sync_dirty_files 3.0", "s3_requests_total 7.0");
            assertThat(samples(endpoint, "?name%5B%5D=no_such_series")).isEmpty();
        }
    }

    @Test
    void onlyNameParametersSelectSeries() {
        assertThat(MetricsEndpoint.requestedNames(null)).isEmpty();
        assertThat(MetricsEndpoint.requestedNames("x=1&name=a")).isEmpty();
        assertThat(MetricsEndpoint.requestedNames("name[]=a&name%5B%5D=b&name[]=")).containsExactly("a", "b");
    }
}
