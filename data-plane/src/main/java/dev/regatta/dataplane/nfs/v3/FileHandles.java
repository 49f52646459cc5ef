package dev.regatta.dataplane.nfs.v3;

import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * NFS file handles: {@code version(1) | export index(4) | file id(8) | HMAC-SHA256 truncated to 16 bytes}, 29 bytes.
 * The MAC keeps clients from forging handles for inodes they were never shown.
 */
public final class FileHandles {

    public static final byte VERSION = 1;
    public static final int MAC_BYTES = 16;
    public static final int LENGTH = 1 + 4 + 8 + MAC_BYTES;
    /** NFS3_FHSIZE. */
    public static final int MAX_LENGTH = 64;

    /** What a handle names. */
    public record Decoded(int exportIndex, long fileId) {
    }

    private final Mac prototype;

    public FileHandles(byte[] key) {
        if (key == null || key.length == 0) {
            throw new IllegalArgumentException("handle key must not be empty");
        }
        try {
            prototype = Mac.getInstance("HmacSHA256");
            prototype.init(new SecretKeySpec(key.clone(), "HmacSHA256"));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public byte[] encode(int exportIndex, long fileId) {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(VERSION).putInt(exportIndex).putLong(fileId);
        b.put(mac(b.array(), LENGTH - MAC_BYTES), 0, MAC_BYTES);
        return b.array();
    }

    /** @throws FsException BADHANDLE when the handle has the wrong length, version or MAC */
    public Decoded decode(byte[] handle) throws FsException {
        if (handle == null || handle.length != LENGTH || handle[0] != VERSION) {
            throw new FsException(FsError.BADHANDLE, "malformed file handle");
        }
        byte[] expected = mac(handle, LENGTH - MAC_BYTES);
        byte[] actual = new byte[MAC_BYTES];
        System.arraycopy(handle, LENGTH - MAC_BYTES, actual, 0, MAC_BYTES);
        if (!MessageDigest.isEqual(java.util.Arrays.copyOf(expected, MAC_BYTES), actual)) {
            throw new FsException(FsError.BADHANDLE, "file handle MAC mismatch");
        }
        ByteBuffer b = ByteBuffer.wrap(handle, 1, 12);
        return new Decoded(b.getInt(), b.getLong());
    }

    private byte[] mac(byte[] data, int len) {
        Mac mac;
        try {
            mac = (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
        mac.update(data, 0, len);
        return mac.doFinal();
    }
}
