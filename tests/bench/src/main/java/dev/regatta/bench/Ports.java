package dev.regatta.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which local ports are bound, and by whom, from the kernel's socket tables (/proc/net): so that the bench can wait
 * for a port to be free, see a server listening, and show that nothing it started still holds one.
 */
final class Ports {
    private Ports() {
    }

    private static final String LISTEN = "0A";

    /** A TCP socket listening on the port (IPv4 or IPv6). */
    static boolean listening(int port) {
        return !inodes(port, true).isEmpty();
    }

    /** Any TCP listener or UDP socket on the port. */
    static boolean bound(int port) {
        return !inodes(port, false).isEmpty();
    }

    /**
     * Waits up to {@code seconds} for nothing to be bound to the port (a portmapper that a test elsewhere runs may hold
     * 111 for a while); whether it is free now.
     */
    static boolean awaitFree(int port, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (bound(port) && System.nanoTime() < deadline) {
            Thread.sleep(500);
        }
        return !bound(port);
    }

    /** Who holds the port: "pid 123 (rpcbind)", or what is known when no process shows it. */
    static String owner(int port) {
        List<String> inodes = inodes(port, false);
        if (inodes.isEmpty()) {
            return "nobody";
        }
        List<String> owners = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
            for (Path proc : procs) {
                try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
                    for (Path fd : fds) {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:[") && inodes.contains(target.substring(8, target.length() - 1))) {
                            owners.add("pid " + proc.getFileName() + " (" + Files.readString(proc.resolve("comm")).strip() + ")");
                            break;
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    // gone, or not ours to read
                }
            }
        } catch (IOException e) {
            return "a process this bench cannot see";
        }
        return owners.isEmpty() ? "a socket without a visible process" : String.join(", ", owners);
    }

    /** The socket inodes on the port: TCP listeners, and (unless listenOnly) UDP sockets. */
    private static List<String> inodes(int port, boolean listenOnly) {
        String hex = String.format(Locale.ROOT, ":%04X", port);
        List<String> found = new ArrayList<>();
        for (String table : listenOnly ? List.of("tcp", "tcp6") : List.of("tcp", "tcp6", "udp", "udp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of("/proc/net", table));
            } catch (IOException e) {
                continue; // no IPv6, say
            }
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 9 && f[1].endsWith(hex) && (table.startsWith("udp") || f[3].equals(LISTEN))) {
                    found.add(f[9]);
                }
            }
        }
        return found;
    }
}
