package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FileType;

/**
 * The attributes of one inode as the file system reports them.
 *
 * @param mode permission bits only (07777); the type is in {@code type}
 * @param used bytes of local or remote storage the file occupies
 * @param fileId the inode number, stable for the inode's life and never reused
 * @param atimeNanos times are nanoseconds since the epoch
 */
public record Attributes(
        FileType type,
        int mode,
        int nlink,
        int uid,
        int gid,
        long size,
        long used,
        int rdevMajor,
        int rdevMinor,
        long fsid,
        long fileId,
        long atimeNanos,
        long mtimeNanos,
        long ctimeNanos) {

    /** The subset NFSv3 calls wcc_attr: what a client compares to decide whether its cache is still valid. */
    public WccAttributes wcc() {
        return new WccAttributes(size, mtimeNanos, ctimeNanos);
    }
}
