package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.cache.BufferPool;
import dev.regatta.dataplane.model.Stability;
import java.nio.ByteBuffer;
import java.util.List;

/** The results of file system calls; each carries what the protocol needs for weak cache consistency. */
public final class Results {
    private Results() {
    }

    /** A name found in a directory. */
    public record Lookup(long fileId, Attributes attributes, Attributes directory) {
    }

    /** A new inode made in a directory. */
    public record Created(long fileId, Attributes attributes, Wcc directory) {
    }

    /**
     * Bytes read and who gives their buffer back: {@link #release} once they are sent or no longer needed (the NFS
     * reply does, once Grizzly has written them); bytes that are never released are simply collected.
     */
    public record Read(BufferPool.Loan bytes, boolean eof, Attributes attributes) {
        /** Bytes of no pool. */
        public Read(ByteBuffer data, boolean eof, Attributes attributes) {
            this(BufferPool.Loan.unpooled(data), eof, attributes);
        }

        /** The bytes read (the lent buffer itself): not to be used after {@link #release}. */
        public ByteBuffer data() {
            return bytes.bytes();
        }

        /** Gives the buffer back to its pool (the first call only). */
        public void release() {
            bytes.release();
        }
    }

    public record Written(int count, Stability committed, Wcc file) {
    }

    public record Renamed(Wcc from, Wcc to) {
    }

    public record Linked(Attributes file, Wcc directory) {
    }

    /** The granted subset of the requested NFSv3 ACCESS3 bits. */
    public record Access(int granted, Attributes attributes) {
    }

    public record Readlink(String target, Attributes attributes) {
    }

    /**
     * One directory entry. The cookie is stable for the entry's life: reading on from it continues after this
     * entry even when other entries are added or removed meanwhile.
     *
     * @param attributes filled only for READDIRPLUS-style calls
     */
    public record DirEntry(String name, long fileId, long cookie, Attributes attributes) {
    }

    public record Listing(List<DirEntry> entries, boolean eof, long cookieVerifier, Attributes directory) {
    }

    public record FsStat(long totalBytes, long freeBytes, long availableBytes, long totalFiles, long freeFiles,
                         long availableFiles, Attributes attributes) {
    }
}
