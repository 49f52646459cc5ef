package dev.regatta.mount.locks;

import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.host.CommandRunner;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The netfilter rule that sends a mount's rpcbind lookups to its tunnel's portmapper: the kernel's NFS lock client
 * asks rpcbind at the server's address, port 111, where this machine's own rpcbind would answer with its own lockd.
 * With nftables, in a table of mount.regatta's own ({@code table ip regatta}), one NAT output chain per mount,
 * named after its address:
 * <pre>
 * table ip regatta {
 *   chain lock-127-0-77-5 {
 *     type nat hook output priority -100; policy accept;
 *     ip daddr 127.0.77.5 tcp dport 111 dnat to 127.0.77.5:R
 *     ip daddr 127.0.77.5 udp dport 111 dnat to 127.0.77.5:R
 *   }
 * }
 * </pre>
 * A chain of its own per mount can be replaced (a restarted tunnel's new portmapper port) and removed without rule
 * handles, each in one nft transaction.
 */
public final class LockRedirect {

    public static final String TABLE = "regatta";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** The code {@link CommandRunner}s give a command that could not be run at all. */
    private static final int CANNOT_RUN = 127;

    /** Why the rule is not in place: a short reason for the one-line warning, and the details for {@code -v}. */
    public record Refusal(String reason, String detail) {
    }

    private final CommandRunner commands;

    public LockRedirect(CommandRunner commands) {
        this.commands = commands;
    }

    public static String chain(String address) {
        return "lock-" + address.replace('.', '-');
    }

    /** Adds (or replaces) the mount's rule. @return empty when it is in place */
    public Optional<Refusal> install(String address, int portmapperPort) {
        CommandResult result = commands.run(installCommand(address, portmapperPort), TIMEOUT);
        if (result.succeeded()) {
            return Optional.empty();
        }
        String said = (result.stderr() + result.stdout()).strip();
        if (result.exitCode() == CANNOT_RUN && said.startsWith("cannot run")) {
            return Optional.of(new Refusal("nft (nftables) is not installed",
                    said + "; install nftables so that mount.regatta can send " + address + ":111 (rpcbind, asked "
                            + "by the kernel's lock client) to the tunnel"));
        }
        String firstLine = said.lines().findFirst().orElse("no message");
        return Optional.of(new Refusal("nft could not add mount.regatta's netfilter rule (" + firstLine + ")",
                "nft exited with " + result.exitCode() + ": " + said.replace("\n", " | ")));
    }

    /** Removes the mount's rule. @return empty when it is gone, else what nft said */
    public Optional<String> remove(String address) {
        CommandResult result = commands.run(removeCommand(address), TIMEOUT);
        if (result.succeeded()) {
            return Optional.empty();
        }
        return Optional.of(("nft exited with " + result.exitCode() + ": " + (result.stderr() + result.stdout())
                .strip()).replace("\n", " | "));
    }

    /** One transaction: the table and chain if missing, then the chain's rules replaced. */
    public static List<String> installCommand(String address, int portmapperPort) {
        String chain = "ip " + TABLE + " " + chain(address);
        String target = " dport 111 dnat to " + address + ":" + portmapperPort;
        return List.of("nft", "add table ip " + TABLE + "; "
                + "add chain " + chain + " { type nat hook output priority -100; policy accept; }; "
                + "flush chain " + chain + "; "
                + "add rule " + chain + " ip daddr " + address + " tcp" + target + "; "
                + "add rule " + chain + " ip daddr " + address + " udp" + target);
    }

    public static List<String> removeCommand(String address) {
        String chain = "ip " + TABLE + " " + chain(address);
        return List.of("nft", "flush chain " + chain + "; delete chain " + chain);
    }
}
