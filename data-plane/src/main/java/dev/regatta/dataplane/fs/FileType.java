package dev.regatta.dataplane.fs;

/** The kinds of inode the file system holds; the order matches NFSv3's ftype3 minus one. */
public enum FileType {
    REGULAR, DIRECTORY, BLOCK_DEVICE, CHAR_DEVICE, SYMLINK, SOCKET, FIFO;

    /** The st_mode type bits (S_IFREG etc.) of this type. */
    public int modeBits() {
        return switch (this) {
            case REGULAR -> 0100000;
            case DIRECTORY -> 0040000;
            case BLOCK_DEVICE -> 0060000;
            case CHAR_DEVICE -> 0020000;
            case SYMLINK -> 0120000;
            case SOCKET -> 0140000;
            case FIFO -> 0010000;
        };
    }

    /** The type named by st_mode's type bits, or REGULAR when they name none (objects written by other tools). */
    public static FileType fromModeBits(int mode) {
        return switch (mode & 0170000) {
            case 0040000 -> DIRECTORY;
            case 0060000 -> BLOCK_DEVICE;
            case 0020000 -> CHAR_DEVICE;
            case 0120000 -> SYMLINK;
            case 0140000 -> SOCKET;
            case 0010000 -> FIFO;
            default -> REGULAR;
        };
    }
}
