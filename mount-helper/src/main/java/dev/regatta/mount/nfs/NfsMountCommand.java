package dev.regatta.mount.nfs;

import dev.regatta.mount.options.MountAccess;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The kernel mount mount.regatta runs: NFSv3 over TCP to the tunnel on its loopback address, with MOUNT on the same
 * port (so mount.nfs asks no rpcbind), the access the certificate carries, and the user's other options. With locks,
 * the kernel's lock client asks rpcbind at that address for NLM, and mount.regatta's netfilter rule sends it to the
 * tunnel's portmapper (docs/locks.md).
 */
public final class NfsMountCommand {

    /**
     * Locks local to this instance: to the kernel {@code nolock} is no NLM and {@code local_lock=all} (the mount
     * table shows both). It must be {@code nolock} rather than {@code local_lock=all} alone: with that, mount.nfs
     * still insists on rpc.statd, and the fallback is for machines where statd may not run. It is also what the
     * printed {@code --no-mount} command has always said.
     */
    public static final List<String> LOCAL_LOCKS = List.of("nolock");
    /** How the messages name local locks. */
    public static final String LOCAL_LOCKS_SAID = "nolock, that is local_lock=all";
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private NfsMountCommand() {
    }

    public static String source(String address, String fileSystemId) {
        return address + ":/" + fileSystemId;
    }

    /** @param locks whether NFS locks go to the data plane; if not, {@link #LOCAL_LOCKS} */
    public static List<String> options(int tunnelPort, MountAccess access, List<String> passedThrough, boolean locks) {
        List<String> options = new ArrayList<>(List.of("vers=3", "proto=tcp", "port=" + tunnelPort,
                "mountport=" + tunnelPort, access.nfsOption()));
        options.addAll(passedThrough);
        if (!locks) {
            options.addAll(LOCAL_LOCKS);
        }
        return options;
    }

    public static List<String> command(String address, String fileSystemId, Path mountPoint, List<String> options) {
        return List.of("mount", "-t", "nfs", "-o", String.join(",", options), source(address, fileSystemId),
                mountPoint.toString());
    }

    /** As a shell line a user can paste: words with spaces or quotes are single-quoted. */
    public static String display(List<String> command) {
        List<String> words = new ArrayList<>();
        for (String word : command) {
            words.add(SHELL_SAFE.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'");
        }
        return String.join(" ", words);
    }
}
