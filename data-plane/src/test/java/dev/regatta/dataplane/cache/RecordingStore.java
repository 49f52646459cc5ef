package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.s3.ForwardingObjectStore;
import dev.regatta.dataplane.s3.ObjectStore;
import dev.regatta.dataplane.s3.ObjectStoreException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bucket as the file system sees it (a real S3 endpoint behind), recording every ranged read it is asked for
 * and able to hold some back until the test lets them go: requests from an offset on before they are sent, or
 * one request after its first slice arrived.
 */
final class RecordingStore extends ForwardingObjectStore {

    /** One ranged read as asked for. */
    record Get(long offset, long length) {
        long end() {
            return offset + length;
        }
    }

    private final List<Get> gets = new ArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger held = new AtomicInteger();
    private volatile long holdFrom = Long.MAX_VALUE;
    private volatile long holdAfterFirstSliceOf = -1;
    private volatile CountDownLatch gate = new CountDownLatch(0);

    RecordingStore(ObjectStore real) {
        super(real);
    }

    /** The reads asked for so far, in the order they were asked. */
    synchronized List<Get> gets() {
        return List.copyOf(gets);
    }

    /** Reads asked for from {@code offset} on wait, before they are sent, until {@link #release()}. */
    void holdFrom(long offset) {
        gate = new CountDownLatch(1);
        holdFrom = offset;
    }

    /** The read that starts at {@code offset} waits after handing over its first slice until {@link #release()}. */
    void holdAfterFirstSlice(long offset) {
        gate = new CountDownLatch(1);
        holdAfterFirstSliceOf = offset;
    }

    void release() {
        holdFrom = Long.MAX_VALUE;
        holdAfterFirstSliceOf = -1;
        gate.countDown();
    }

    /** Waits until {@code n} reads are being held (a safety limit only keeps a broken build from hanging). */
    void awaitHeld(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (held.get() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("only " + held.get() + " reads held, expected " + n);
            }
            Thread.sleep(5);
        }
    }

    int held() {
        return held.get();
    }

    /** Waits until no read is in flight (a safety limit only keeps a broken build from hanging). */
    void awaitQuiet() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (inFlight.get() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(inFlight.get() + " reads still in flight");
            }
            Thread.sleep(5);
        }
    }

    @Override
    public ByteBuffer read(String key, long offset, int length, String expectedEtag) throws ObjectStoreException {
        asked(offset, length);
        try {
            if (offset >= holdFrom) {
                hold();
            }
            return real.read(key, offset, length, expectedEtag);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    @Override
    public long readSlices(String key, long offset, long length, String expectedEtag, int sliceBytes,
                           SliceConsumer consumer) throws ObjectStoreException {
        asked(offset, length);
        try {
            if (offset >= holdFrom) {
                hold();
            }
            boolean holdAfterFirst = offset == holdAfterFirstSliceOf;
            return real.readSlices(key, offset, length, expectedEtag, sliceBytes, (at, slice) -> {
                consumer.accept(at, slice);
                if (holdAfterFirst && at == offset) {
                    hold();
                }
            });
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private synchronized void asked(long offset, long length) {
        gets.add(new Get(offset, length));
        inFlight.incrementAndGet();
    }

    private void hold() {
        CountDownLatch g = gate;
        held.incrementAndGet();
        try {
            g.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            held.decrementAndGet();
        }
    }

}
