package dev.regatta.controlplane.grant;

/** What a grant, a mount and its certificate allow. */
public enum Access {
    READ_WRITE,
    READ_ONLY;

    /** Whether a grant of this access admits a mount asking for {@code requested}. */
    public boolean admits(Access requested) {
        return this == READ_WRITE || requested == READ_ONLY;
    }
}
