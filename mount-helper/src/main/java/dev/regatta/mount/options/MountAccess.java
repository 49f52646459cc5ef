package dev.regatta.mount.options;

/**
 * Whether a mount reads and writes or only reads, named as the control plane names it: what its options ask for
 * ({@code ro} asks for read-only) and what its grant allows.
 */
public enum MountAccess {
    READ_WRITE("rw"),
    READ_ONLY("ro");

    private final String nfsOption;

    MountAccess(String nfsOption) {
        this.nfsOption = nfsOption;
    }

    /** The kernel mount's option for it, so the kernel refuses writes before they reach the data plane. */
    public String nfsOption() {
        return nfsOption;
    }
}
