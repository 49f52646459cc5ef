package dev.regatta.dataplane.s3;

import software.amazon.awssdk.http.ContentStreamProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Streams {@code length} bytes of a local file from {@code offset}, opening a fresh stream for every attempt
 * (the SDK calls {@link #newStream()} again on retries) and closing the previous one. Nothing is buffered on the
 * heap beyond the SDK's own copy buffer.
 */
final class FileRegionContentProvider implements ContentStreamProvider, AutoCloseable {

    private final Path file;
    private final long offset;
    private final long length;
    private RegionStream current;

    FileRegionContentProvider(Path file, long offset, long length) {
        this.file = file;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public synchronized InputStream newStream() {
        closeCurrent();
        try {
            current = new RegionStream(FileChannel.open(file, StandardOpenOption.READ), offset, length);
            return current;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + file, e);
        }
    }

    @Override
    public String name() {
        return "FileRegion";
    }

    @Override
    public synchronized void close() {
        closeCurrent();
    }

    private void closeCurrent() {
        if (current != null) {
            try {
                current.close();
            } catch (IOException ignored) {
                // a read-only channel: nothing to lose
            }
            current = null;
        }
    }

    /** Positional reads from a channel, at most {@code remaining} bytes; ends early (short) if the file does. */
    private static final class RegionStream extends InputStream {
        private final FileChannel channel;
        private long position;
        private long remaining;
        private long mark;
        private long markRemaining;

        RegionStream(FileChannel channel, long offset, long length) {
            this.channel = channel;
            this.position = offset;
            this.remaining = length;
            this.mark = offset;
            this.markRemaining = length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (remaining <= 0) {
                return -1;
            }
            int want = (int) Math.min(len, remaining);
            int n = channel.read(ByteBuffer.wrap(b, off, want), position);
            if (n <= 0) {
                return n < 0 ? -1 : 0;
            }
            position += n;
            remaining -= n;
            return n;
        }

        @Override
        public long skip(long n) {
            long k = Math.max(0, Math.min(n, remaining));
            position += k;
            remaining -= k;
            return k;
        }

        @Override
        public int available() {
            return (int) Math.min(Integer.MAX_VALUE, remaining);
        }

        @Override
        public boolean markSupported() {
            return true;
        }

        @Override
        public synchronized void mark(int readLimit) {
            mark = position;
            markRemaining = remaining;
        }

        @Override
        public synchronized void reset() {
            position = mark;
            remaining = markRemaining;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
