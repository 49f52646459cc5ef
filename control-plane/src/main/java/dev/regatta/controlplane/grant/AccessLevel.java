package dev.regatta.controlplane.grant;

/**
 * How much a grant lets a mount do, and so what the mount asks for and its client certificate says: read-write or
 * read-only. Stored and sent by its constant's name ({@code access} in the API, the database and the heartbeat), and
 * written into certificates as {@code regatta:access:read-write|read-only}.
 */
public enum AccessLevel {
    READ_WRITE,
    READ_ONLY;

    /** Whether a grant of this level admits a mount asking for {@code requested}. */
    public boolean admits(AccessLevel requested) {
        return this == READ_WRITE || requested == READ_ONLY;
    }
}
