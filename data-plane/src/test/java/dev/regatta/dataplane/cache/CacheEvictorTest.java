package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CacheEvictorTest {

    @TempDir
    Path dir;

    MetadataStore store;
    DataCache cache;
    SimpleMeterRegistry metrics;

    @BeforeEach
    void open() {
        store = MetadataStore.open(dir.resolve("meta"));
        cache = new DataCache(dir.resolve("cache"));
        metrics = new SimpleMeterRegistry();
    }

    @AfterEach
    void close() {
        cache.close();
        store.close();
    }

    CacheEvictor evictor(Duration ttl, long maxBytes, double high, double low) {
        return new CacheEvictor(store, cache, ttl, maxBytes, high, low, metrics);
    }

    /** A synced file with {@code bytes} cached. */
    Inode cached(long id, int bytes) throws IOException {
        Inode i = Inode.newLocal(id, FileType.REGULAR, 0644, 0, 0, 0);
        i.addLink(1, "f" + id);
        i.write(0, bytes, 0);
        i.recordSync(i.copy(), List.of("f" + id), "etag" + id, true, 0);
        store.write(Durability.BUFFERED, tx -> tx.putInodeQuietly(i));
        cache.write(id, 0, ByteBuffer.wrap(new byte[bytes]));
        cache.recordUsage(id, bytes);
        return i;
    }

    boolean evicted(long id) {
        return !Files.exists(cache.file(id)) && store.read(tx -> tx.inode(id)).present().isEmpty()
                && !cache.usage().containsKey(id);
    }

    boolean kept(long id) {
        return Files.exists(cache.file(id)) && !store.read(tx -> tx.inode(id)).present().isEmpty()
                && cache.usage().containsKey(id);
    }

    @Test
    void cleanInodeOlderThanTtlIsEvicted() throws Exception {
        cached(10, 1000);
        CacheEvictor e = evictor(Duration.ofMillis(50), 1L << 30, 0.9, 0.7);
        e.run();
        assertThat(kept(10)).as("young file stays").isTrue();
        Thread.sleep(80);
        e.run();
        assertThat(evicted(10)).isTrue();
        assertThat(cache.residentBytes()).isZero();
        assertThat(metrics.counter("cache_evictions_total").count()).isEqualTo(1);
        assertThat(metrics.counter("cache_evicted_bytes_total").count()).isEqualTo(1000);
    }

    @Test
    void touchedInodeIsNotExpired() throws Exception {
        cached(10, 100);
        CacheEvictor e = evictor(Duration.ofMillis(100), 1L << 30, 0.9, 0.7);
        Thread.sleep(70);
        cache.touch(10);
        Thread.sleep(50);
        e.run();
        assertThat(kept(10)).isTrue();
    }

    @Test
    void dirtyInodesAreNeverEvicted() throws Exception {
        Inode content = cached(11, 100);
        content.write(0, 10, 1);
        Inode attrs = cached(12, 100);
        attrs.changed(1);
        store.write(Durability.BUFFERED, tx -> tx.putInodeQuietly(content).putInodeQuietly(attrs));
        cached(13, 100);
        store.write(Durability.BUFFERED, tx -> tx.markDirty(13, System.currentTimeMillis())); // queued, flags clear
        Inode neverSynced = cached(14, 100);
        neverSynced.recordSync(neverSynced.copy(), List.of(), null, false, 0); // clean, but in no object
        store.write(Durability.BUFFERED, tx -> tx.putInodeQuietly(neverSynced));
        CacheEvictor e = evictor(Duration.ZERO, 10, 0.5, 0.1); // everything expired and far above watermark
        Thread.sleep(5);
        e.run();
        assertThat(kept(11)).isTrue();
        assertThat(kept(12)).isTrue();
        assertThat(kept(13)).isTrue();
        assertThat(kept(14)).as("bytes that exist nowhere else").isTrue();
        assertThat(metrics.counter("cache_evictions_total").count()).isZero();
    }

    @Test
    void aboveHighWatermarkLeastRecentlyUsedGoUntilLowWatermark() throws Exception {
        for (long id = 1; id <= 5; id++) {
            cached(id + 20, 300);
            Thread.sleep(3); // distinct last-used times, id 21 oldest
        }
        cache.touch(21); // 21 becomes the most recent
        // 1500 resident, high 1200*0.9=1080, low 1200*0.5=600
        CacheEvictor e = evictor(Duration.ofHours(1), 1200, 0.9, 0.5);
        e.run();
        assertThat(evicted(22)).isTrue();
        assertThat(evicted(23)).isTrue();
        assertThat(evicted(24)).isTrue();
        assertThat(kept(25)).isTrue();
        assertThat(kept(21)).isTrue();
        assertThat(cache.residentBytes()).isEqualTo(600);
        // 600 is below the high watermark: a second pass evicts nothing
        e.run();
        assertThat(cache.residentBytes()).isEqualTo(600);
    }

    @Test
    void belowHighWatermarkNothingIsShrunk() throws Exception {
        cached(31, 300);
        cached(32, 300);
        CacheEvictor e = evictor(Duration.ofHours(1), 1000, 0.9, 0.1);
        e.run();
        assertThat(kept(31)).isTrue();
        assertThat(kept(32)).isTrue();
    }

    @Test
    void watermarkSkipsDirtyAndKeepsGoingWithCleanOnes() throws Exception {
        Inode dirty = cached(41, 500);
        dirty.write(0, 1, 1);
        store.write(Durability.BUFFERED, tx -> tx.putInodeQuietly(dirty).markDirty(41, System.currentTimeMillis()));
        Thread.sleep(3);
        cached(42, 500);
        Thread.sleep(3);
        cached(43, 500);
        CacheEvictor e = evictor(Duration.ofHours(1), 1000, 0.9, 0.6); // 1500 > 900; down to 600
        e.run();
        assertThat(kept(41)).isTrue();
        assertThat(evicted(42)).isTrue();
        assertThat(evicted(43)).isTrue();
        assertThat(cache.residentBytes()).isEqualTo(500);
    }

    @Test
    void recoverDeletesFilesOfUnknownInodesAndCountsTheRest() throws Exception {
        cached(51, 200);
        cache.write(52, 0, ByteBuffer.wrap(new byte[70])); // no inode 52
        cache.write(0x1ff, 0, ByteBuffer.wrap(new byte[10])); // another shard directory
        Path stray = dir.resolve("cache").resolve("README");
        Files.writeString(stray, "not a cache file");
        cache.close();
        cache = new DataCache(dir.resolve("cache")); // as after a restart: no usage known
        assertThat(cache.residentBytes()).isZero();
        CacheEvictor e = evictor(Duration.ofHours(1), 1L << 30, 0.9, 0.7);
        e.recover(dir.resolve("cache"));
        assertThat(Files.exists(cache.file(52))).isFalse();
        assertThat(Files.exists(cache.file(0x1ff))).isFalse();
        assertThat(Files.exists(cache.file(51))).isTrue();
        assertThat(Files.exists(stray)).isTrue();
        assertThat(cache.residentBytes()).isEqualTo(200);
    }
}
