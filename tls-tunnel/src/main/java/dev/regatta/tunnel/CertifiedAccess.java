package dev.regatta.tunnel;

/** What a mount may do with its file system, as its client certificate says ({@code regatta:access:...}). */
public enum CertifiedAccess {
    READ_WRITE("read-write"),
    READ_ONLY("read-only");

    /** The value after {@code regatta:access:} in a client certificate. */
    private final String uriValue;

    CertifiedAccess(String uriValue) {
        this.uriValue = uriValue;
    }

    static CertifiedAccess fromUriValue(String value) {
        for (CertifiedAccess access : values()) {
            if (access.uriValue.equals(value)) {
                return access;
            }
        }
        throw new IllegalArgumentException("unknown access 'regatta:access:" + value
                + "' (expected read-write or read-only)");
    }
}
