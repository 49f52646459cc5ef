package dev.regatta.dataplane.locks;

import dev.regatta.dataplane.files.DurableFiles;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client hosts that took locks here, kept on disk so that after a restart the node can tell each of them it
 * restarted (NSM's SM_NOTIFY), upon which they reclaim their locks. This is what rpc.statd's {@code sm/} directory
 * is to a Linux server. A host is written, durably, before its first lock is granted; the node's NSM state number
 * (odd while up, one higher at each start) is kept beside it.
 *
 * <p>Files: {@code hosts} (a comment line, then one line per host: four URL-encoded fields separated by spaces) and
 * {@code state} (a decimal number), both replaced atomically.
 */
public final class MonitoredHosts {

    private static final Logger log = LoggerFactory.getLogger(MonitoredHosts.class);
    private static final String HEADER = "# regatta NLM hosts v1: client-identity caller-name address server-name";

    /**
     * A client host.
     *
     * @param client  its network identity (the address its calls come from, or the instance behind the TLS front)
     * @param name    its own name, NLM's {@code caller_name}
     * @param address where to reach it (its portmapper and status monitor)
     * @param server  this node's address as the client used it: the name the client's status monitor knows the node
     *                by, sent as {@code mon_name} in SM_NOTIFY
     */
    public record Host(String client, String name, String address, String server) {
        String key() {
            return client + " " + name.toLowerCase(Locale.ROOT);
        }
    }

    private final Path dir;
    private final Map<String, Host> hosts = new LinkedHashMap<>();

    private MonitoredHosts(Path dir) {
        this.dir = dir;
    }

    /** Hosts kept only in memory: a restart forgets them (tests, and a node without a data directory). */
    public static MonitoredHosts inMemory() {
        return new MonitoredHosts(null);
    }

    /** Loads the hosts kept in {@code dir}; an unreadable line is logged and skipped. */
    public static MonitoredHosts open(Path dir) throws IOException {
        MonitoredHosts m = new MonitoredHosts(dir);
        List<String> lines;
        try {
            lines = Files.readAllLines(dir.resolve("hosts"), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            lines = List.of();
        }
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split(" ");
            if (f.length != 4) {
                log.warn("{}: skipping an unreadable line: {}", dir.resolve("hosts"), line);
                continue;
            }
            Host h = new Host(decode(f[0]), decode(f[1]), decode(f[2]), decode(f[3]));
            m.hosts.put(h.key(), h);
        }
        return m;
    }

    public synchronized List<Host> all() {
        return List.copyOf(hosts.values());
    }

    public synchronized boolean contains(String client, String name) {
        return hosts.containsKey(new Host(client, name, "", "").key());
    }

    /**
     * Adds a host, or updates its addresses, and has it on disk before returning.
     *
     * @return whether anything changed
     */
    public synchronized boolean add(Host host) throws IOException {
        Host known = hosts.get(host.key());
        if (host.equals(known)) {
            return false;
        }
        hosts.put(host.key(), host);
        try {
            save();
        } catch (IOException e) {
            if (known == null) {
                hosts.remove(host.key());
            } else {
                hosts.put(host.key(), known);
            }
            throw e;
        }
        return true;
    }

    /** Forgets the hosts {@code which} accepts. */
    public synchronized int removeIf(Predicate<Host> which) throws IOException {
        int before = hosts.size();
        hosts.values().removeIf(which);
        int removed = before - hosts.size();
        if (removed > 0) {
            save();
        }
        return removed;
    }

    /**
     * Moves the node's NSM state number on to the next odd number, on disk, and returns it: the number clients
     * compare to tell a restart from a repeated notification.
     */
    public synchronized int nextState() throws IOException {
        int state = 0;
        if (dir != null) {
            try {
                state = Integer.parseInt(Files.readString(dir.resolve("state"), StandardCharsets.UTF_8).trim());
            } catch (NoSuchFileException e) {
                state = 0;
            } catch (NumberFormatException e) {
                log.warn("{}: not a number; starting the NSM state again from 1", dir.resolve("state"));
                state = 0;
            }
        }
        int next = (state & 1) == 0 ? state + 1 : state + 2;
        if (next <= 0) {
            next = 1;
        }
        if (dir != null) {
            DurableFiles.replace(dir.resolve("state"), (next + "\n").getBytes(StandardCharsets.UTF_8), false);
        }
        return next;
    }

    private void save() throws IOException {
        if (dir == null) {
            return;
        }
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Host h : hosts.values()) {
            b.append(encode(h.client())).append(' ').append(encode(h.name())).append(' ')
                    .append(encode(h.address())).append(' ').append(encode(h.server())).append('\n');
        }
        DurableFiles.replace(dir.resolve("hosts"), b.toString().getBytes(StandardCharsets.UTF_8), false);
    }

    private static String encode(String s) {
        // URLEncoder never writes '~' (it encodes it), so it can stand for the empty string.
        return s.isEmpty() ? "~" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return s.equals("~") ? "" : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
