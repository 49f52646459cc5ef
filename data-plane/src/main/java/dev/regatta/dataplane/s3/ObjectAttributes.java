package dev.regatta.dataplane.s3;

import dev.regatta.dataplane.model.FileType;

import java.util.Objects;

/**
 * The POSIX attributes an object carries in its user metadata.
 *
 * @param type       the file type
 * @param mode       permission bits only (07777); the type bits come from {@code type}
 * @param uid        owner
 * @param gid        group
 * @param mtimeNanos modification time, nanoseconds since the epoch
 * @param rdevMajor  device major number (block and character devices; 0 otherwise)
 * @param rdevMinor  device minor number
 */
public record ObjectAttributes(FileType type, int mode, int uid, int gid, long mtimeNanos, int rdevMajor,
                               int rdevMinor) {

    public ObjectAttributes {
        Objects.requireNonNull(type, "type");
        mode &= 07777;
    }

    /** Attributes of a non-device file. */
    public static ObjectAttributes of(FileType type, int mode, int uid, int gid, long mtimeNanos) {
        return new ObjectAttributes(type, mode, uid, gid, mtimeNanos, 0, 0);
    }

    /** The full st_mode: type bits and permission bits. */
    public int stMode() {
        return type.modeBits() | mode;
    }

    public boolean isDevice() {
        return type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE;
    }
}
