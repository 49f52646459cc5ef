package dev.regatta.mount.locks;

import dev.regatta.mount.MountFailure;

import java.nio.file.Path;
import java.util.Set;

/**
 * Each mount's own loopback address, from 127.0.77.1-254 (all of 127.0.0.0/8 is the loopback interface's on
 * Linux): the kernel's NFS client keeps one lock host per server address, and asks rpcbind at that address, so each
 * tunnel needs an address of its own. A mount point starts its search at an address of its own (its path's hash),
 * so a remount tends to get the address it had, and a new mount rarely takes one that the kernel still remembers.
 */
public final class LoopbackAddresses {

    public static final String PREFIX = "127.0.77.";
    private static final int COUNT = 254;

    private LoopbackAddresses() {
    }

    /** @param taken the addresses of the other mounts */
    public static String choose(Path mountPoint, Set<String> taken) {
        int start = Math.floorMod(mountPoint.toString().hashCode(), COUNT);
        for (int i = 0; i < COUNT; i++) {
            String address = PREFIX + (1 + (start + i) % COUNT);
            if (!taken.contains(address)) {
                return address;
            }
        }
        throw MountFailure.mountFailed("all " + COUNT + " tunnel addresses " + PREFIX + "1-254 are in use by other "
                + "mounts");
    }
}
