package dev.regatta.dataplane.nfs.rpc;

import org.glassfish.grizzly.Buffer;

/**
 * Follows ONC RPC record marking (RFC 5531, 11) over a TCP stream as its bytes arrive, without keeping them: each
 * fragment starts with a 4-byte marker, its high bit set on a record's last fragment, the rest its length. It
 * counts what each record will cost (markers included, so that endless empty fragments cost too) and notices the
 * marker that takes a record past a limit before its bytes arrive. Not thread-safe: one per connection, fed in
 * order.
 */
final class RecordMarkers {

    /** Receives the size of each record that ended in the bytes just followed. */
    interface RecordEnd {
        void ended(long recordBytes);
    }

    private final int maxRecordBytes;
    private int markerBytes;
    private int marker;
    private long fragmentLeft;
    private boolean lastFragment;
    private long recordBytes;

    RecordMarkers(int maxRecordBytes) {
        this.maxRecordBytes = maxRecordBytes;
    }

    /**
     * Follows the bytes from {@code bytes}' position to its limit (it does not move the position).
     *
     * @return the size announced for a record that exceeds the limit (following stops there), or -1
     */
    long follow(Buffer bytes, RecordEnd onEnd) {
        int pos = bytes.position();
        int end = bytes.limit();
        while (pos < end) {
            if (markerBytes < 4) {
                marker = (marker << 8) | (bytes.get(pos++) & 0xff);
                recordBytes++;
                if (++markerBytes == 4) {
                    fragmentLeft = marker & 0x7fffffffL;
                    lastFragment = marker < 0;
                    if (recordBytes + fragmentLeft > maxRecordBytes) {
                        return recordBytes + fragmentLeft;
                    }
                    if (fragmentLeft == 0) {
                        fragmentEnded(onEnd);
                    }
                }
                continue;
            }
            int take = (int) Math.min(fragmentLeft, end - pos);
            pos += take;
            fragmentLeft -= take;
            recordBytes += take;
            if (fragmentLeft == 0) {
                fragmentEnded(onEnd);
            }
        }
        return -1;
    }

    /** Whether the stream stopped inside a record. */
    boolean midRecord() {
        return markerBytes > 0 || recordBytes > 0;
    }

    private void fragmentEnded(RecordEnd onEnd) {
        markerBytes = 0;
        marker = 0;
        if (lastFragment) {
            onEnd.ended(recordBytes);
            recordBytes = 0;
        }
    }
}
