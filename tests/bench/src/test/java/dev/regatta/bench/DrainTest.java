package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * When Regatta's phase is over: nothing to upload or delete and no listed object waiting for its HEAD (those left
 * queued by the listings workload ran into the next phase), read from its metrics.
 */
class DrainTest {

    private static Map<String, Double> gauges(double dirty, double deletes, double heads) {
        Map<String, Double> m = new HashMap<>();
        m.put("sync_dirty_files", dirty);
        m.put("sync_pending_deletes", deletes);
        m.put("import_heads_queued", heads);
        m.put("import_head_concurrency", 16.0);
        return m;
    }

    @Test
    void aPhaseIsNotOverWhileListedObjectsWaitForTheirHeads() throws IOException {
        assertThat(RegattaTarget.drained(gauges(0, 0, 1200))).isFalse();
        assertThat(RegattaTarget.drained(gauges(3, 0, 0))).isFalse();
        assertThat(RegattaTarget.drained(gauges(0, 2, 0))).isFalse();
        assertThat(RegattaTarget.drained(gauges(0, 0, 0))).isTrue();
    }

    @Test
    void aDataPlaneWithoutTheGaugesIsAnErrorNotDrained() {
        Map<String, Double> m = gauges(0, 0, 0);
        m.remove("import_heads_queued");

        assertThatThrownBy(() -> RegattaTarget.drained(m)).isInstanceOf(IOException.class)
                .hasMessageContaining("import_heads_queued");
    }

    @Test
    void countersAreSummedOverTheSeriesWithTheGivenLabels() {
        Map<String, Double> scrape = Map.of(
                "import_listings_total{kind=\"first\"}", 3.0,
                "import_listings_total{kind=\"revalidation\"}", 7.0,
                "import_list_requests_total", 42.0,
                "import_list_requests_total_other", 1.0);

        assertThat(BusyDirectory.counter(scrape, "import_listings_total", "kind=\"revalidation\"")).isEqualTo(7.0);
        assertThat(BusyDirectory.counter(scrape, "import_listings_total")).isEqualTo(10.0);
        assertThat(BusyDirectory.counter(scrape, "import_list_requests_total")).isEqualTo(42.0);
        assertThat(BusyDirectory.counter(scrape, "import_absent_total")).isEqualTo(0.0);
    }
}
