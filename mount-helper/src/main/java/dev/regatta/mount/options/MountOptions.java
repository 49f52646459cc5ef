package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The {@code -o} options: the ones mount.regatta reads itself, and every other one, passed on to the kernel's NFS
 * mount unchanged (so {@code hard}, {@code timeo=}, {@code actimeo=}... work as with any NFS mount).
 *
 * @param port            the local tunnel port; empty: a free one in the tunnel port range
 * @param locks           {@code locks=}, {@code nolock} (off) or {@code lock} (required); empty: the config's
 * @param nfsOptions      passed through, in the order given
 */
public record MountOptions(MountAccess access, Optional<String> region, Optional<String> awsProfile,
                           Optional<URI> controlPlane, OptionalInt port, Optional<PortRange> tunnelPortRange,
                           Optional<Locks> locks, List<String> nfsOptions) {

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-[0-9]+");
    private static final int MAX_NCONNECT = 16;

    /**
     * Options that describe how the kernel reaches the server. mount.regatta decides them (NFSv3 over TCP, to the
     * tunnel on 127.0.0.1), so a user's value could only break the mount.
     */
    private static final Map<String, String> OWNED = Map.ofEntries(
            Map.entry("vers", "the NFS version is always 3"),
            Map.entry("nfsvers", "the NFS version is always 3"),
            Map.entry("v2", "the NFS version is always 3"),
            Map.entry("v3", "the NFS version is always 3"),
            Map.entry("v4", "the NFS version is always 3"),
            Map.entry("proto", "NFS always runs over TCP through the local TLS tunnel"),
            Map.entry("tcp", "NFS always runs over TCP through the local TLS tunnel"),
            Map.entry("udp", "NFS always runs over TCP through the local TLS tunnel"),
            Map.entry("mountport", "MOUNT shares the tunnel's port with NFS (use port= to choose it)"),
            Map.entry("mountproto", "MOUNT always runs over TCP through the local TLS tunnel"),
            Map.entry("mountvers", "the MOUNT version is always 3"),
            Map.entry("addr", "the kernel always talks to the mount's tunnel on its loopback address"),
            Map.entry("mountaddr", "the kernel always talks to the mount's tunnel on its loopback address"));

    /** Parses one or more {@code -o} values, each comma-separated; of {@code ro} and {@code rw} the last wins. */
    public static MountOptions parse(List<String> optionLists) {
        MountAccess access = MountAccess.READ_WRITE;
        String region = null;
        String awsProfile = null;
        URI controlPlane = null;
        Integer port = null;
        PortRange range = null;
        Locks locks = null;
        List<String> nfs = new ArrayList<>();
        for (String list : optionLists) {
            for (String option : list.split(",")) {
                if (option.isBlank()) {
                    continue;
                }
                String[] keyValue = option.strip().split("=", 2);
                String key = keyValue[0];
                String value = keyValue.length == 2 ? keyValue[1] : null;
                if (OWNED.containsKey(key)) {
                    throw MountFailure.usage("option '" + key + "' is set by mount.regatta: " + OWNED.get(key)
                            + "; remove it from -o");
                }
                switch (key) {
                    case "ro" -> access = MountAccess.READ_ONLY;
                    case "rw" -> access = MountAccess.READ_WRITE;
                    case "region" -> region = region(required(key, value));
                    case "awsprofile" -> awsProfile = required(key, value);
                    case "control-plane" -> controlPlane = httpUrl("option control-plane", required(key, value));
                    case "port" -> port = Ports.parse(required(key, value), "option port");
                    case "tunnelport-range" -> range = PortRange.parse(required(key, value), "option tunnelport-range");
                    case "nconnect" -> nfs.add("nconnect=" + nconnect(required(key, value)));
                    case "locks" -> locks = Locks.parse(required(key, value), "option locks");
                    case "nolock" -> locks = Locks.OFF;
                    case "lock" -> locks = Locks.REQUIRED;
                    default -> nfs.add(option.strip());
                }
            }
        }
        return new MountOptions(access, Optional.ofNullable(region), Optional.ofNullable(awsProfile),
                Optional.ofNullable(controlPlane), port == null ? OptionalInt.empty() : OptionalInt.of(port),
                Optional.ofNullable(range), Optional.ofNullable(locks), List.copyOf(nfs));
    }

    /** An http(s) URL with a host, as the control plane's address must be. */
    public static URI httpUrl(String where, String text) {
        try {
            URI uri = new URI(text.strip());
            if (("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                    && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // the message below says what is expected
        }
        throw MountFailure.usage(where + ": '" + text + "' is not an http:// or https:// URL with a host");
    }

    public static String region(String text) {
        if (!REGION.matcher(text).matches()) {
            throw MountFailure.usage("'" + text + "' is not an AWS region name such as us-east-1");
        }
        return text;
    }

    private static String required(String key, String value) {
        if (value == null || value.isBlank()) {
            throw MountFailure.usage("option '" + key + "' needs a value: " + key + "=...");
        }
        return value.strip();
    }

    private static int nconnect(String value) {
        try {
            int connections = Integer.parseInt(value);
            if (connections >= 1 && connections <= MAX_NCONNECT) {
                return connections;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw MountFailure.usage("option nconnect: '" + value + "' is not a number from 1 to " + MAX_NCONNECT);
    }
}
