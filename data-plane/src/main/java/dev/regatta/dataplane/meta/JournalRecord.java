package dev.regatta.dataplane.meta;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * File bytes made durable through the metadata log rather than by an fsync of their cache file: what a small COMMIT
 * or a small stable WRITE wrote, kept until the cache file itself is synced. Records of one file are replayed in
 * their order after a crash ({@code cache.DataJournal}).
 *
 * @param fileId   the file the bytes belong to
 * @param sequence the record's place among its file's records (later ones win)
 * @param pieces   the bytes and where they go in the file
 */
public record JournalRecord(long fileId, long sequence, List<Piece> pieces) {

    /** Stored layout: FORMAT, the piece count, then each piece's offset, length and bytes. */
    static final int FORMAT = 1;

    /** Bytes at {@code offset} of the file. */
    public record Piece(long offset, byte[] bytes) {
    }

    public long bytes() {
        long total = 0;
        for (Piece p : pieces) {
            total += p.bytes().length;
        }
        return total;
    }

    byte[] encodePieces() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 64, bytes() + 64));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(FORMAT);
            out.writeInt(pieces.size());
            for (Piece p : pieces) {
                out.writeLong(p.offset());
                out.writeInt(p.bytes().length);
                out.write(p.bytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static JournalRecord decode(long fileId, long sequence, byte[] data) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown journal record format " + format);
            }
            int count = in.readInt();
            List<Piece> pieces = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                long offset = in.readLong();
                byte[] b = new byte[in.readInt()];
                in.readFully(b);
                pieces.add(new Piece(offset, b));
            }
            return new JournalRecord(fileId, sequence, pieces);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
