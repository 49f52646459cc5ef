package dev.regatta.mount.options;

/** What a mount asks for, named as the control plane names it; {@code ro} in the options asks for read-only. */
public enum Access {
    READ_WRITE("rw"),
    READ_ONLY("ro");

    private final String nfsOption;

    Access(String nfsOption) {
        this.nfsOption = nfsOption;
    }

    /** The kernel mount's option for it, so the kernel refuses writes before they reach the data plane. */
    public String nfsOption() {
        return nfsOption;
    }
}
