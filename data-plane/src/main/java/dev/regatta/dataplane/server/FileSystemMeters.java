package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.S3ObjectStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The meters of one file system: registered on the node's registry (so /metrics shows them) through a view that
 * tags each with {@code fs=<id>}, and read back from that view for the heartbeat. A node without a control plane
 * serves one file system and leaves its meters untagged, so that scripts reading e.g. {@code sync_dirty_files}
 * keep working.
 */
final class FileSystemMeters implements AutoCloseable {

    static final String TAG = "fs";

    private final MeterRegistry node;
    private final CompositeMeterRegistry view;

    private FileSystemMeters(MeterRegistry node, String fileSystemId) {
        this.node = node;
        this.view = new CompositeMeterRegistry();
        if (fileSystemId != null) {
            view.config().commonTags(TAG, fileSystemId);
        }
        view.add(node);
    }

    static FileSystemMeters tagged(MeterRegistry node, String fileSystemId) {
        return new FileSystemMeters(node, fileSystemId);
    }

    static FileSystemMeters untagged(MeterRegistry node) {
        return new FileSystemMeters(node, null);
    }

    /** Where the file system's parts register their meters. */
    MeterRegistry registry() {
        return view;
    }

    /** Reads served from the cache, of all reads since the file system started here; 0 before the first read. */
    double cacheHitRatio() {
        double hits = count("cache_reads_total", "result", "hit");
        double misses = count("cache_reads_total", "result", "miss");
        return hits + misses == 0 ? 0 : hits / (hits + misses);
    }

    /** S3 requests sent since the file system started here, by type (GET, PUT, LIST, ...). */
    Map<String, Long> s3Requests() {
        Map<String, Long> byType = new TreeMap<>();
        for (Counter c : view.find(S3ObjectStore.REQUESTS_METRIC).counters()) {
            byType.merge(c.getId().getTag("type").toUpperCase(Locale.ROOT), (long) c.count(), Long::sum);
        }
        return byType;
    }

    private double count(String name, String tag, String value) {
        return view.find(name).tag(tag, value).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Takes the file system's meters off the node's registry: a later instance registers fresh ones. */
    @Override
    public void close() {
        for (Meter meter : view.getMeters()) {
            view.remove(meter);
            node.remove(meter.getId());
        }
    }
}
