package dev.regatta.dataplane.fs;

/**
 * The attributes a caller asks to change; a null field stays as it is.
 *
 * @param mode permission bits (07777)
 * @param atime the new access time
 * @param mtime the new modification time
 */
public record SetAttributes(Integer mode, Integer uid, Integer gid, Long size, TimeChange atime, TimeChange mtime) {

    public static final SetAttributes NONE = new SetAttributes(null, null, null, null, null, null);

    public boolean isEmpty() {
        return mode == null && uid == null && gid == null && size == null && atime == null && mtime == null;
    }

    /** A time to set: the server's clock at the moment of the change, or a value the client gives. */
    public record TimeChange(boolean serverTime, long nanos) {
        public static TimeChange now() {
            return new TimeChange(true, 0);
        }

        public static TimeChange at(long nanos) {
            return new TimeChange(false, nanos);
        }
    }
}
