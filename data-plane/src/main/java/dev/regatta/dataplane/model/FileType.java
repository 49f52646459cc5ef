package dev.regatta.dataplane.model;

/**
 * The kinds of inode the file system holds. Each has an explicit {@link #code()}: NFSv3's ftype3 value, which is
 * also what the metadata store writes, so reordering or adding constants never changes a stored inode or the wire.
 */
public enum FileType {
    REGULAR(1, 0100000),
    DIRECTORY(2, 0040000),
    BLOCK_DEVICE(3, 0060000),
    CHAR_DEVICE(4, 0020000),
    SYMLINK(5, 0120000),
    SOCKET(6, 0140000),
    FIFO(7, 0010000);

    private final int code;
    private final int modeBits;

    FileType(int code, int modeBits) {
        this.code = code;
        this.modeBits = modeBits;
    }

    /** The stored and wire code (NFSv3 ftype3: NF3REG = 1 ... NF3FIFO = 7). */
    public int code() {
        return code;
    }

    /** The type with this code; a code no type has is an {@link IllegalArgumentException}, never a guess. */
    public static FileType ofCode(int code) {
        for (FileType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        throw new IllegalArgumentException("no file type has code " + code);
    }

    /** The st_mode type bits (S_IFREG etc.) of this type. */
    public int modeBits() {
        return modeBits;
    }

    /** The type named by st_mode's type bits, or REGULAR when they name none (objects written by other tools). */
    public static FileType fromModeBits(int mode) {
        int bits = mode & 0170000;
        for (FileType t : values()) {
            if (t.modeBits == bits) {
                return t;
            }
        }
        return REGULAR;
    }
}
