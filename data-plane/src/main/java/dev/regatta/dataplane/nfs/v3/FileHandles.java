package dev.regatta.dataplane.nfs.v3;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import java.nio.ByteBuffer;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * NFS file handles. A handle is made as {@code 2 | export tag (8) | file id (8) | MAC (16)}, 33 bytes: the tag is
 * derived from the export's path and the MAC (HMAC-SHA256, cut to 16 bytes) is under the export's own handle key,
 * so every member of a file system's replication group makes and accepts the same handles, and a client keeps its
 * handles across a failover. The MAC keeps clients from forging handles for inodes they were never shown.
 *
 * <p>Handles of format 1, {@code 1 | export index (4) | file id (8) | MAC (16)} under the node's key, are what nodes
 * made before file systems had keys of their own; they are still accepted, so that clients mounted across an upgrade
 * keep working, but never made any more.
 */
public final class FileHandles {

    /** The format made now: the export's tag and key. */
    static final byte VERSION = 2;
    /** The format of nodes before file systems had their own keys: the node's export index and key. */
    static final byte NODE_VERSION = 1;
    public static final int MAC_BYTES = 16;
    public static final int LENGTH = 1 + 8 + 8 + MAC_BYTES;
    static final int NODE_LENGTH = 1 + 4 + 8 + MAC_BYTES;
    /** NFS3_FHSIZE. */
    public static final int MAX_LENGTH = 64;

    /** The export and file a handle names. */
    public record Resolved(ExportTable.Export export, long fileId) {
    }

    private final Mac nodeMac;
    /** Each export's MAC, made once per key (an export's key is set when its file system first serves). */
    private final Map<Integer, Signer> signers = new ConcurrentHashMap<>();

    private record Signer(byte[] key, Mac prototype) {
    }

    /** @param nodeKey the node's own key, which checks format-1 handles */
    public FileHandles(byte[] nodeKey) {
        if (nodeKey == null || nodeKey.length == 0) {
            throw new IllegalArgumentException("handle key must not be empty");
        }
        nodeMac = hmac(nodeKey);
    }

    /** @throws FsException JUKEBOX when the export's file system is not served here yet (it has no key) */
    public byte[] encode(ExportTable.Export export, long fileId) throws FsException {
        ByteBuffer b = ByteBuffer.allocate(LENGTH);
        b.put(VERSION).putLong(export.tag()).putLong(fileId);
        b.put(mac(signer(export).prototype(), b.array(), LENGTH - MAC_BYTES), 0, MAC_BYTES);
        return b.array();
    }

    /**
     * The export and file id a handle names.
     *
     * @throws FsException BADHANDLE when the handle has the wrong length, format or MAC; STALE when its export is not
     *                     served here; JUKEBOX when the export's file system is not ready to serve yet
     */
    public Resolved decode(byte[] handle, ExportTable exports) throws FsException {
        if (handle != null && handle.length == LENGTH && handle[0] == VERSION) {
            ByteBuffer b = ByteBuffer.wrap(handle, 1, 16);
            long tag = b.getLong();
            long fileId = b.getLong();
            ExportTable.Export export = exports.byTag(tag).orElse(null);
            if (export == null) {
                // Without the export's key the MAC cannot be checked: say nothing more than that it is not here.
                throw new FsException(FsError.STALE, "no export with tag " + Long.toHexString(tag));
            }
            check(signer(export).prototype(), handle);
            return new Resolved(export, fileId);
        }
        if (handle != null && handle.length == NODE_LENGTH && handle[0] == NODE_VERSION) {
            check(nodeMac, handle);
            ByteBuffer b = ByteBuffer.wrap(handle, 1, 12);
            int index = b.getInt();
            long fileId = b.getLong();
            ExportTable.Export export = exports.byIndex(index)
                    .orElseThrow(() -> new FsException(FsError.STALE, "no export " + index));
            return new Resolved(export, fileId);
        }
        throw new FsException(FsError.BADHANDLE, "malformed file handle");
    }

    /** A format-1 handle, as nodes made them before: only for tests of the upgrade path. */
    byte[] encodeNodeHandle(int exportIndex, long fileId) {
        ByteBuffer b = ByteBuffer.allocate(NODE_LENGTH);
        b.put(NODE_VERSION).putInt(exportIndex).putLong(fileId);
        b.put(mac(nodeMac, b.array(), NODE_LENGTH - MAC_BYTES), 0, MAC_BYTES);
        return b.array();
    }

    private Signer signer(ExportTable.Export export) throws FsException {
        byte[] key = export.handleKey().get();
        if (key == null) {
            throw new FsException(FsError.JUKEBOX, "file system of " + export.path() + " is not served here yet");
        }
        Signer current = signers.get(export.index());
        if (current != null && current.key() == key) {
            return current;
        }
        Signer made = new Signer(key, hmac(key));
        signers.put(export.index(), made);
        return made;
    }

    private static void check(Mac prototype, byte[] handle) throws FsException {
        byte[] expected = mac(prototype, handle, handle.length - MAC_BYTES);
        if (!MessageDigest.isEqual(Arrays.copyOf(expected, MAC_BYTES),
                Arrays.copyOfRange(handle, handle.length - MAC_BYTES, handle.length))) {
            throw new FsException(FsError.BADHANDLE, "file handle MAC mismatch");
        }
    }

    private static Mac hmac(byte[] key) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.clone(), "HmacSHA256"));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static byte[] mac(Mac prototype, byte[] data, int len) {
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
