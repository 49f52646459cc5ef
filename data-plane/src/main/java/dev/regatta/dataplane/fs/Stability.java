package dev.regatta.dataplane.fs;

/** How durable a write must be before it is acknowledged (NFSv3 stable_how). */
public enum Stability {
    /** May be lost by a crash until COMMIT; the write verifier tells the client to resend. */
    UNSTABLE,
    /** The data is durable; metadata needed to read it back too. */
    DATA_SYNC,
    FILE_SYNC
}
