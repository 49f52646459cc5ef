package dev.regatta.dataplane.cache;

import dev.regatta.dataplane.meta.FollowerFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;

/**
 * This member's cache files as its replication group's log changes them, while it follows: the bytes clients wrote
 * on the leader, its cuts and its removals, each under the file's data lock like a client's own. Nothing is synced
 * as it is applied (the group's log holds the bytes); a snapshot syncs what changed since the last one before it lets
 * the log behind it go. While the member leads, a member copying its store reads the bytes not yet in S3 here.
 */
public final class ReplicaFiles implements FollowerFiles {

    private final DataCache cache;
    private final Set<Long> changed = ConcurrentHashMap.newKeySet();

    public ReplicaFiles(DataCache cache) {
        this.cache = cache;
    }

    @Override
    public void write(long fileId, long offset, ByteBuffer bytes) throws IOException {
        Lock lock = cache.lockFor(fileId).writeLock();
        lock.lock();
        try {
            changed.add(fileId);
            cache.write(fileId, offset, bytes);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void truncate(long fileId, long size) throws IOException {
        Lock lock = cache.lockFor(fileId).writeLock();
        lock.lock();
        try {
            changed.add(fileId);
            cache.truncate(fileId, size);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void read(long fileId, long offset, ByteBuffer dst) throws IOException {
        Lock lock = cache.lockFor(fileId).readLock();
        lock.lock();
        try {
            cache.read(fileId, offset, dst);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void delete(long fileId) {
        Lock lock = cache.lockFor(fileId).writeLock();
        lock.lock();
        try {
            changed.remove(fileId);
            cache.delete(fileId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void syncChanged() throws IOException {
        for (long fileId : List.copyOf(changed)) {
            changed.remove(fileId);
            cache.forceIfPresent(fileId);
        }
    }
}
