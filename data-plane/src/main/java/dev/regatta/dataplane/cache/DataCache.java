package dev.regatta.dataplane.cache;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * File bytes on local disk: one sparse file per inode. Which ranges of it are valid is the metadata store's
 * business (the inode's residency map); this class only moves bytes and remembers, for eviction, how much each
 * inode holds and when it was last used.
 */
public final class DataCache implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DataCache.class);
    private static final int OPEN_FILES = 256;

    private final Path dir;
    private final Map<Long, FileChannel> open = new LinkedHashMap<>(OPEN_FILES, 0.75f, true);
    private final Map<Long, Usage> usage = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock[] locks = new ReentrantReadWriteLock[64];
    /**
     * The cache directory's file system, found once: finding it ({@link Files#getFileStore}) reads and parses the
     * mount table, and WRITE asks for the free space every time; asking a found store is one statvfs.
     */
    private final FileStore store;

    /** Bytes an inode holds in the cache and when it was last read or written (System.nanoTime()). */
    public record Usage(long bytes, long lastUsedNanos) {
    }

    public DataCache(Path dir) {
        this.dir = dir;
        try {
            Files.createDirectories(dir);
            this.store = Files.getFileStore(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cache directory " + dir, e);
        }
        for (int i = 0; i < locks.length; i++) {
            locks[i] = new ReentrantReadWriteLock();
        }
    }

    /**
     * The lock over one inode's bytes: readers and UNSTABLE writers share it (positional reads and writes need no
     * exclusion, and each write's change of the inode is one metadata transaction); what makes bytes durable (a
     * stable write, a COMMIT), a truncate, a fill from the object and eviction hold it alone. Taken before the
     * metadata lock, never after.
     */
    public ReentrantReadWriteLock lockFor(long id) {
        return locks[Long.hashCode(id) & (locks.length - 1)];
    }

    public Path file(long id) {
        return dir.resolve(Long.toHexString(id & 0xff)).resolve(Long.toString(id));
    }

    public void write(long id, long offset, ByteBuffer data) throws IOException {
        retryIfClosed(id, ch -> {
            ByteBuffer src = data.duplicate();
            long pos = offset;
            while (src.hasRemaining()) {
                pos += ch.write(src, pos);
            }
        });
    }

    /**
     * Fills {@code dst} from its position to its limit with the bytes from {@code offset}; bytes past the end of the
     * local file read as zeros. Every byte is written: {@code dst} may be a reused buffer holding another file's
     * bytes.
     */
    public void read(long id, long offset, ByteBuffer dst) throws IOException {
        int start = dst.position();
        retryIfClosed(id, ch -> {
            dst.position(start);
            long pos = offset;
            while (dst.hasRemaining()) {
                int n = ch.read(dst, pos);
                if (n < 0) {
                    while (dst.hasRemaining()) {
                        dst.put((byte) 0);
                    }
                    return;
                }
                pos += n;
            }
        });
    }

    public void force(long id) throws IOException {
        retryIfClosed(id, ch -> ch.force(false));
    }

    /** Syncs the inode's cache file if it has one (never making one); returns whether it had. */
    public boolean forceIfPresent(long id) throws IOException {
        if (!Files.exists(file(id))) {
            return false;
        }
        force(id);
        return true;
    }

    public void truncate(long id, long size) throws IOException {
        retryIfClosed(id, ch -> {
            if (ch.size() > size) {
                ch.truncate(size);
            }
        });
    }

    private interface ChannelIo {
        void run(FileChannel channel) throws IOException;
    }

    /**
     * Runs I/O on the inode's channel. The pool of open channels may close one under a slow caller when it makes
     * room for others; the caller then simply reopens it.
     */
    private void retryIfClosed(long id, ChannelIo io) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                io.run(channel(id));
                return;
            } catch (ClosedChannelException e) {
                if (attempt >= 3 || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
            }
        }
    }

    public void delete(long id) {
        synchronized (open) {
            FileChannel ch = open.remove(id);
            closeQuietly(ch);
        }
        usage.remove(id);
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            log.warn("cannot delete cache file {}: {}", file(id), e.toString());
        }
    }

    public void recordUsage(long id, long residentBytes) {
        if (residentBytes <= 0) {
            usage.remove(id);
        } else {
            usage.put(id, new Usage(residentBytes, System.nanoTime()));
        }
    }

    public void touch(long id) {
        usage.computeIfPresent(id, (k, u) -> new Usage(u.bytes(), System.nanoTime()));
    }

    public Map<Long, Usage> usage() {
        return Map.copyOf(usage);
    }

    public long residentBytes() {
        long total = 0;
        for (Usage u : usage.values()) {
            total += u.bytes();
        }
        return total;
    }

    /** Free space on the cache's disk, for refusing writes before the disk is full. */
    public long usableSpace() {
        try {
            return store.getUsableSpace();
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The inode's open channel, opened (and its file made) if need be. The file is opened outside the pool's monitor:
     * making a file is a metadata change of the disk's file system, and every other cache read and write would
     * wait for it.
     */
    private FileChannel channel(long id) throws IOException {
        synchronized (open) {
            FileChannel ch = open.get(id);
            if (ch != null && ch.isOpen()) {
                return ch;
            }
        }
        Path f = file(id);
        FileChannel opened;
        try {
            opened = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (NoSuchFileException e) {
            // The first file of its directory: asking for the directory every time cost a failed mkdir and an
            // exception per new file.
            Files.createDirectories(f.getParent());
            opened = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }
        synchronized (open) {
            FileChannel ch = open.get(id);
            if (ch != null && ch.isOpen()) {
                closeQuietly(opened); // another caller opened it meanwhile
                return ch;
            }
            open.put(id, opened);
            if (open.size() > OPEN_FILES) {
                var eldest = open.entrySet().iterator().next();
                open.remove(eldest.getKey());
                closeQuietly(eldest.getValue());
            }
            return opened;
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to flush: writers force before they acknowledge
            }
        }
    }

    @Override
    public void close() {
        synchronized (open) {
            open.values().forEach(DataCache::closeQuietly);
            open.clear();
        }
    }
}
