package dev.regatta.dataplane.model;

/**
 * How durable a write must be before it is acknowledged. The {@link #code()} is NFSv3's stable_how, written on the
 * wire; it is explicit so the constants' order means nothing.
 */
public enum Stability {
    /** May be lost by a crash until COMMIT; the write verifier tells the client to resend. */
    UNSTABLE(0),
    /** The data is durable; metadata needed to read it back too. */
    DATA_SYNC(1),
    FILE_SYNC(2);

    private final int code;

    Stability(int code) {
        this.code = code;
    }

    /** The wire code (stable_how: UNSTABLE = 0, DATA_SYNC = 1, FILE_SYNC = 2). */
    public int code() {
        return code;
    }

    /** The stability with this code; any other code is an {@link IllegalArgumentException}. */
    public static Stability ofCode(int code) {
        for (Stability s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("no stable_how has code " + code);
    }
}
