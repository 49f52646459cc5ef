package dev.regatta.bench;

import java.nio.file.Path;

/** One system under test, addressed by paths relative to its root. */
interface Target {
    String name();

    /** Brings the system up on an empty bucket (or empty directory). */
    void start() throws Exception;

    void stop();

    /** Drops every client-side cache of file data so that the next read is cold. Not timed. */
    void goCold() throws Exception;

    /** Returns once the bucket holds every change made so far (no-op where changes are synchronous). */
    void waitBucket() throws Exception;

    /** Copies a local file in and makes it durable (fsync / COMMIT). */
    void writeStream(Path src, String rel) throws Exception;

    /** Reads a whole file, discarding the data; returns the bytes read. */
    long readStream(String rel) throws Exception;

    void mkdir(String rel) throws Exception;

    /** Create, write, close (close-to-open: the data is flushed/committed on close). */
    void writeSmall(String rel, byte[] data) throws Exception;

    /** Lists a directory with the attributes of every entry (ls -l); returns the number of entries. */
    int listStat(String rel) throws Exception;

    /** Opens and reads a whole small file; returns the bytes read. */
    int readSmall(String rel) throws Exception;

    void delete(String rel) throws Exception;

    /** Writes {@code block} at each offset, with {@code threads} in flight, then fsync / COMMIT. */
    void randomWrites(String rel, long[] offsets, byte[] block, int threads) throws Exception;

    void rename(String from, String to) throws Exception;

    /** Whether its S3 requests go through the counting proxy. */
    boolean usesS3();

    /** Where the local S3 endpoint keeps the bucket's objects (one file per key), or null without a bucket. */
    Path bucketDir();

    /**
     * The local directory this system serves as it is (disk, ganesha), where files put behind its back are what it
     * shows; null for the systems over a bucket.
     */
    default Path localDir() {
        return null;
    }

    /**
     * The server's service times per NFS procedure so far, from its own histograms (a phase's are the difference of
     * two), or null where the system publishes none.
     */
    default ServiceTimes serviceTimes() throws Exception {
        return null;
    }

    /** Anything worth noting about how this system ran (printed after the table). */
    default String notes() {
        return "";
    }
}
