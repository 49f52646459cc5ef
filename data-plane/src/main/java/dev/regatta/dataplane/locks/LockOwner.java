package dev.regatta.dataplane.locks;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * Who holds a lock: a process on a client host, as NLM names it ({@code caller_name}, {@code svid}, the opaque owner
 * handle {@code oh}), on the client's network identity. Locks of different owners conflict; the locks of one owner
 * never conflict with each other, they replace each other.
 *
 * <p>The network identity (the client's address, or for a connection relayed by the node's TLS front the instance
 * behind it) is part of the owner, as Linux's lockd ties an NLM host to its address and its name: two machines that
 * call themselves the same ({@code localhost}, cloned images) and use the same process IDs stay different owners,
 * and a host can only free its own locks (FREE_ALL, SM_NOTIFY).
 *
 * <p>A share reservation's owner is the same without a {@code svid} (0).
 *
 * @see LockManager
 */
public final class LockOwner {

    private final String client;
    private final String host;
    private final int svid;
    private final byte[] handle;
    private final int hash;

    /**
     * @param client the client's network identity, e.g. {@code 10.0.0.9}
     * @param host   the client's own name for itself, NLM's {@code caller_name}
     * @param svid   the process on the client (NLM's {@code svid}, unsigned 32-bit)
     * @param handle NLM's opaque owner handle {@code oh}
     */
    public LockOwner(String client, String host, int svid, byte[] handle) {
        this.client = Objects.requireNonNull(client, "client");
        this.host = Objects.requireNonNull(host, "host");
        this.svid = svid;
        this.handle = handle == null ? new byte[0] : handle.clone();
        this.hash = Objects.hash(client, host.toLowerCase(Locale.ROOT), svid, Arrays.hashCode(this.handle));
    }

    public String client() {
        return client;
    }

    public String host() {
        return host;
    }

    public int svid() {
        return svid;
    }

    public byte[] handle() {
        return handle.clone();
    }

    /** Whether this owner runs on the host that calls itself {@code name} (case-insensitive) at {@code client}. */
    public boolean isOn(String client, String name) {
        return this.client.equals(client) && host.equalsIgnoreCase(name);
    }

    /** Host names are case-insensitive; everything else compares exactly. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LockOwner other && svid == other.svid && client.equals(other.client)
                && host.equalsIgnoreCase(other.host) && Arrays.equals(handle, other.handle);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return host + "@" + client + " svid " + Integer.toUnsignedString(svid) + " oh "
                + (printable(handle) ? new String(handle, java.nio.charset.StandardCharsets.US_ASCII)
                : HexFormat.of().formatHex(handle));
    }

    private static boolean printable(byte[] b) {
        for (byte c : b) {
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return b.length > 0;
    }
}
