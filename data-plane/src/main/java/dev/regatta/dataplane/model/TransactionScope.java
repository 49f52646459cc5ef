package dev.regatta.dataplane.model;

/**
 * Whether this thread is inside a metadata transaction. The metadata store opens and closes the scope; the S3
 * client refuses to send a request inside one. A transaction holds the file system's metadata lock, so an S3 call
 * there (tens of milliseconds, or a minute when S3 is down) would stall every other caller: the rule is enforced
 * here rather than left to a comment. It lives in the bottom package because the store and the S3 client are peers
 * that must not import each other.
 */
public final class TransactionScope {

    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private TransactionScope() {
    }

    /** Marks this thread as inside a transaction (nested reads count). */
    public static void enter() {
        DEPTH.get()[0]++;
    }

    /** Leaves the innermost transaction this thread entered. */
    public static void exit() {
        int[] depth = DEPTH.get();
        if (depth[0] == 0) {
            throw new IllegalStateException("no metadata transaction is open on this thread");
        }
        depth[0]--;
    }

    public static boolean isOpen() {
        return DEPTH.get()[0] > 0;
    }

    /** Throws if this thread is inside a metadata transaction; {@code what} names the refused call for the log. */
    public static void requireOutside(String what) {
        if (isOpen()) {
            throw new IllegalStateException(what + " inside a metadata transaction: S3 is never called while the"
                    + " metadata lock is held");
        }
    }
}
