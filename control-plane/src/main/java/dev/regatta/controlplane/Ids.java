package dev.regatta.controlplane;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Identifiers shaped like AWS's: a kind prefix and 17 random hex digits ({@code fs-0123456789abcdef0}). */
public final class Ids {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    public static String newId(String prefix) {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return prefix + "-" + HexFormat.of().formatHex(bytes).substring(0, 17);
    }

    /** Whether {@code id} has the shape {@link #newId} gives for {@code prefix}. */
    public static boolean isId(String prefix, String id) {
        return id != null && id.matches(java.util.regex.Pattern.quote(prefix) + "-[0-9a-f]{17}");
    }
}
