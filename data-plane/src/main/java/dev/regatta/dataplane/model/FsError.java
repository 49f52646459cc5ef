package dev.regatta.dataplane.model;

/**
 * Why a file system call failed. The names follow POSIX errno where one exists; the protocol adapter
 * maps each to its wire status in one place.
 */
public enum FsError {
    PERM, NOENT, IO, NXIO, ACCES, EXIST, XDEV, NOTDIR, ISDIR, INVAL, FBIG, NOSPC, ROFS, MLINK,
    NAMETOOLONG, NOTEMPTY, DQUOT, STALE,
    /** A file handle that this server never issued or that cannot be decoded. */
    BADHANDLE,
    /** SETATTR's guard did not match the inode's ctime. */
    NOT_SYNC,
    /** A READDIR cookie that no longer names a position in the directory. */
    BAD_COOKIE,
    NOTSUPP, TOOSMALL, SERVERFAULT, BADTYPE,
    /** The data is not here yet (S3 unreachable or slow): the client should retry later. */
    JUKEBOX
}
