package dev.regatta.mount.nfs;

import dev.regatta.mount.options.Access;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The kernel mount mount.regatta runs: NFSv3 over TCP to the tunnel on 127.0.0.1, with MOUNT on the same port
 * (so no rpcbind is asked), the access the certificate carries, and the user's other options.
 */
public final class NfsMountCommand {

    /**
     * The data plane serves no NLM locks through the tunnel yet; without {@code nolock} the kernel would look for a
     * lock manager on 127.0.0.1 and hang or fail. Goes when locks exist.
     */
    public static final String WITHOUT_LOCKS = "nolock";
    public static final String TUNNEL_HOST = "127.0.0.1";
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./:=,@%+-]+");

    private NfsMountCommand() {
    }

    public static String source(String fileSystemId) {
        return TUNNEL_HOST + ":/" + fileSystemId;
    }

    public static List<String> options(int tunnelPort, Access access, List<String> passedThrough) {
        List<String> options = new ArrayList<>(List.of("vers=3", "proto=tcp", "port=" + tunnelPort,
                "mountport=" + tunnelPort, access.nfsOption()));
        options.addAll(passedThrough);
        options.add(WITHOUT_LOCKS);
        return options;
    }

    public static List<String> command(String fileSystemId, Path mountPoint, List<String> options) {
        return List.of("mount", "-t", "nfs", "-o", String.join(",", options), source(fileSystemId),
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
