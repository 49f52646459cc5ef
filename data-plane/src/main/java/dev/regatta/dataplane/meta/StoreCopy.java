package dev.regatta.dataplane.meta;

import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A copy of a file system's whole store, from its replication group's leader to a member behind the start of the
 * leader's log (a node that was away while the log behind a snapshot went, or a new node joining a group with a long
 * history). Ratis tells such a member to install a snapshot; the member pulls one, piece by piece, through Ratis's own
 * read-only requests to the leader ({@link MetadataStateMachine#query}): no second channel between nodes, and the
 * same transport security as the log.
 *
 * <p>What a copy holds: every record of every column family, as of a moment when everything the leader had written
 * was committed (the copy's log index, {@link Point}); and of the files' bytes, those not in S3 yet (an inode's
 * changed ranges that the leader's cache holds). Bytes the leader fetched from S3 are not sent: the member fetches
 * them itself when it needs them, as it does while it follows. The member then applies the log after the copy's
 * index, as after a restart. The bytes are read a little later than the records; the entries after the copy's index
 * write them again (file changes are positional, so applying one again in order changes nothing).
 *
 * <p>Requests and replies are a wire format between versions of Regatta (big-endian): a request is a code byte, then
 * <ul>
 *   <li>{@link #OPEN}: nothing; the reply is the copy's session (8 bytes), its log term and index (8 each) and the
 *   store's number of column families (4);</li>
 *   <li>{@link #RECORDS}: session, family (4), the last key received (a 4-byte length, -1 for none, then its bytes);
 *   the reply is whether more follow (1), a count (4), and each record: key and value, each a 4-byte length and its
 *   bytes;</li>
 *   <li>{@link #BYTES}: session, file ID (8), offset (8), length (4, at most {@link #PIECE_BYTES}); the reply is the
 *   bytes;</li>
 *   <li>{@link #CLOSE}: session; the reply is empty.</li>
 * </ul>
 */
final class StoreCopy {

    private static final Logger log = LoggerFactory.getLogger(StoreCopy.class);

    /** Request codes: never reuse or renumber one. */
    static final byte OPEN = 1;
    static final byte RECORDS = 2;
    static final byte BYTES = 3;
    static final byte CLOSE = 4;
    /** The most one reply carries: well under Ratis's message limit, and a piece a slow link sends in a second. */
    static final int PIECE_BYTES = 1 << 20;
    /** A copy not asked for anything this long is dropped on the leader (its receiver gave up or died). */
    private static final Duration IDLE = Duration.ofMinutes(2);

    private StoreCopy() {
    }

    /** Where a copy starts: the store as it is at a committed log entry. */
    record Point(MetadataStore.View view, TermIndex at) {
    }

    /** How a receiver asks the leader: one request, one reply. */
    @FunctionalInterface
    interface Leader {
        ByteBuffer ask(ByteBuffer request) throws IOException;
    }

    /** The leader's side: answers receivers' requests from views of its store, one per copy under way. */
    static final class Source implements AutoCloseable {
        private record Session(Point point, AtomicLong lastUsedNanos) {
        }

        private final Supplier<Point> opener;
        private final FollowerFiles files;
        private final Map<Long, Session> sessions = new ConcurrentHashMap<>();
        private final AtomicLong ids = new AtomicLong(System.nanoTime());

        /** @param opener takes a view of the store at a committed entry (the leader's log, which knows when) */
        Source(Supplier<Point> opener, FollowerFiles files) {
            this.opener = opener;
            this.files = files;
        }

        ByteBuffer answer(ByteBuffer request) throws IOException {
            dropIdle();
            byte code = request.get();
            switch (code) {
                case OPEN -> {
                    Point point = opener.get();
                    long id = ids.incrementAndGet();
                    sessions.put(id, new Session(point, new AtomicLong(System.nanoTime())));
                    log.info("a member copies this store at log index {} (copy {})", point.at(), id);
                    return ByteBuffer.allocate(28).putLong(id).putLong(point.at().getTerm())
                            .putLong(point.at().getIndex()).putInt(point.view().families()).flip();
                }
                case RECORDS -> {
                    Session session = session(request.getLong());
                    int family = request.getInt();
                    int length = request.getInt();
                    byte[] after = null;
                    if (length >= 0) {
                        after = new byte[length];
                        request.get(after);
                    }
                    MetadataStore.Records records = session.point().view().records(family, after, PIECE_BYTES);
                    int size = 1 + 4;
                    for (byte[][] r : records.records()) {
                        size += 8 + r[0].length + r[1].length;
                    }
                    ByteBuffer reply = ByteBuffer.allocate(size).put((byte) (records.more() ? 1 : 0))
                            .putInt(records.records().size());
                    for (byte[][] r : records.records()) {
                        reply.putInt(r[0].length).put(r[0]).putInt(r[1].length).put(r[1]);
                    }
                    return reply.flip();
                }
                case BYTES -> {
                    session(request.getLong());
                    long fileId = request.getLong();
                    long offset = request.getLong();
                    int length = request.getInt();
                    if (length < 0 || length > PIECE_BYTES) {
                        throw new IOException("a copy asked for " + length + " bytes at once; at most "
                                + PIECE_BYTES);
                    }
                    ByteBuffer bytes = ByteBuffer.allocate(length);
                    files.read(fileId, offset, bytes);
                    return bytes.flip();
                }
                case CLOSE -> {
                    Session session = sessions.remove(request.getLong());
                    if (session != null) {
                        session.point().view().close();
                    }
                    return ByteBuffer.allocate(0);
                }
                default -> throw new IOException("a copy request has code " + code
                        + ", which this version of Regatta does not know");
            }
        }

        private Session session(long id) throws IOException {
            Session session = sessions.get(id);
            if (session == null) {
                throw new IOException("copy " + id + " is not open on this member (it was dropped after "
                        + IDLE.toSeconds() + " s idle, or this member no longer leads)");
            }
            session.lastUsedNanos().set(System.nanoTime());
            return session;
        }

        private void dropIdle() {
            long now = System.nanoTime();
            sessions.entrySet().removeIf(e -> {
                if (now - e.getValue().lastUsedNanos().get() > IDLE.toNanos()) {
                    e.getValue().point().view().close();
                    return true;
                }
                return false;
            });
        }

        @Override
        public void close() {
            sessions.values().forEach(s -> s.point().view().close());
            sessions.clear();
        }
    }

    /**
     * The receiver's side: empties {@code store} and {@code files}, pulls a copy from {@code leader} into them, syncs
     * both, and returns the log entry the copy stands at (the member applies the log after it).
     */
    static TermIndex install(MetadataStore store, FollowerFiles files, Leader leader) throws IOException {
        ByteBuffer opened = leader.ask(ByteBuffer.allocate(1).put(OPEN).flip());
        long session = opened.getLong();
        TermIndex at = TermIndex.valueOf(opened.getLong(), opened.getLong());
        int families = opened.getInt();
        try {
            if (families != store.families()) {
                throw new IOException("the leader's store has " + families + " column families and this member's "
                        + store.families() + ": the two run versions of Regatta that cannot copy a store");
            }
            store.clearForCopy(files);
            Map<Long, RangeSet> unsynced = new HashMap<>();
            long records = 0;
            for (int family = 0; family < families; family++) {
                byte[] after = null;
                boolean more = true;
                while (more) {
                    ByteBuffer request = ByteBuffer.allocate(1 + 8 + 4 + 4 + (after == null ? 0 : after.length))
                            .put(RECORDS).putLong(session).putInt(family).putInt(after == null ? -1 : after.length);
                    if (after != null) {
                        request.put(after);
                    }
                    ByteBuffer reply = leader.ask(request.flip());
                    more = reply.get() != 0;
                    int count = reply.getInt();
                    List<byte[][]> piece = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        byte[] key = new byte[reply.getInt()];
                        reply.get(key);
                        byte[] value = new byte[reply.getInt()];
                        reply.get(value);
                        if (family == store.inodeFamily()) {
                            value = ownCachedRanges(ByteBuffer.wrap(key).getLong(), value, unsynced);
                        }
                        piece.add(new byte[][]{key, value});
                    }
                    store.putCopied(family, piece);
                    records += count;
                    if (count > 0) {
                        after = piece.getLast()[0];
                    }
                }
            }
            long bytes = 0;
            for (Map.Entry<Long, RangeSet> file : unsynced.entrySet()) {
                for (RangeSet.Range range : file.getValue().ranges()) {
                    for (long offset = range.start(); offset < range.end(); offset += PIECE_BYTES) {
                        int length = (int) Math.min(PIECE_BYTES, range.end() - offset);
                        ByteBuffer piece = leader.ask(ByteBuffer.allocate(1 + 8 + 8 + 8 + 4).put(BYTES)
                                .putLong(session).putLong(file.getKey()).putLong(offset).putInt(length).flip());
                        if (piece.remaining() != length) {
                            throw new IOException("the leader sent " + piece.remaining() + " bytes of inode "
                                    + file.getKey() + " at " + offset + " for " + length + " asked");
                        }
                        files.write(file.getKey(), offset, piece);
                        bytes += length;
                    }
                }
            }
            files.syncChanged();
            store.flush();
            log.info("copied the leader's store at log index {}: {} records, {} bytes of {} files not yet in S3",
                    at, records, bytes, unsynced.size());
            return at;
        } finally {
            try {
                leader.ask(ByteBuffer.allocate(9).put(CLOSE).putLong(session).flip());
            } catch (IOException e) {
                // the leader drops an idle copy by itself
            }
        }
    }

    /**
     * A copied inode, counting as cached here only what the copy brings of it: the bytes it changed that are not in
     * S3 yet ({@code unsynced} gets them, to be fetched next).
     */
    private static byte[] ownCachedRanges(long id, byte[] encoded, Map<Long, RangeSet> unsynced) {
        Inode inode = Inode.decode(encoded);
        RangeSet brought = inode.contentDirty() ? inode.dirtyRanges().copy() : new RangeSet();
        inode.retainPresent(brought);
        if (!inode.present().isEmpty()) {
            unsynced.put(id, inode.present().copy());
        }
        return inode.encode();
    }
}
