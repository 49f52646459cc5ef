package dev.regatta.dataplane.meta;

import java.nio.ByteBuffer;

/**
 * A change to a file's bytes that travels in a replicated transaction's log entry beside its batch: what followers
 * do to their cache files ({@link FollowerFiles}). Its kind is a stored code, kept in every member's log.
 *
 * @param kind   {@link #WRITE} or {@link #TRUNCATE}
 * @param offset where a write starts, or the size a truncate leaves
 * @param bytes  a write's bytes (from position to limit), or null
 */
record FileOp(byte kind, long fileId, long offset, ByteBuffer bytes) {

    /** Bytes written at an offset. Stored code: never reuse or renumber. */
    static final byte WRITE = 1;
    /** The file cut to a size. Stored code: never reuse or renumber. */
    static final byte TRUNCATE = 2;

    int encodedLength() {
        return 1 + 8 + 8 + (kind == WRITE ? 4 + bytes.remaining() : 0);
    }

    void encodeTo(ByteBuffer out) {
        out.put(kind).putLong(fileId).putLong(offset);
        if (kind == WRITE) {
            out.putInt(bytes.remaining()).put(bytes.duplicate());
        }
    }

    static FileOp decode(ByteBuffer in) {
        byte kind = in.get();
        long fileId = in.getLong();
        long offset = in.getLong();
        return switch (kind) {
            case WRITE -> {
                int length = in.getInt();
                ByteBuffer bytes = in.slice(in.position(), length);
                in.position(in.position() + length);
                yield new FileOp(kind, fileId, offset, bytes);
            }
            case TRUNCATE -> new FileOp(kind, fileId, offset, null);
            default -> throw new IllegalStateException("a file change of kind " + kind
                    + ", which this version of Regatta does not know");
        };
    }
}
