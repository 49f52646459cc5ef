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
 * The client hosts that took locks, kept durably so that whoever serves the locks next (this node after a restart,
 * or another member of a file system's replication group after a failover) can tell each of them (NSM's SM_NOTIFY),
 * upon which they reclaim their locks. This is what rpc.statd's {@code sm/} directory is to a Linux server. A host is
 * written, durably, before its first lock is granted; the NSM state number (odd while served, one step higher at
 * each start of service) is kept beside it.
 *
 * <p>Where they are kept is a {@link Shelf}: a directory (a node's {@code <data-dir>/nlm}) or a file system's
 * metadata store (replicated with its group). Two records: {@code hosts} (a comment line, then one line per host:
 * four URL-encoded fields separated by spaces) and {@code state} (a decimal number), each replaced whole.
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

    /** Where the two records are kept. */
    public interface Shelf {
        /** The record's bytes, or null when there is none yet. */
        byte[] read(String name) throws IOException;

        /** Replaces the record, durably (on a group: on a majority of its members) before returning. */
        void write(String name, byte[] bytes) throws IOException;
    }

    private final Shelf shelf;
    private final String where;
    private final Map<String, Host> hosts = new LinkedHashMap<>();

    private MonitoredHosts(Shelf shelf, String where) {
        this.shelf = shelf;
        this.where = where;
    }

    /** Hosts kept only in memory: a restart forgets them (tests, and a node without a data directory). */
    public static MonitoredHosts inMemory() {
        return new MonitoredHosts(null, "memory");
    }

    /** Loads the hosts kept in {@code dir}; an unreadable line is logged and skipped. */
    public static MonitoredHosts open(Path dir) throws IOException {
        return on(new Shelf() {
            @Override
            public byte[] read(String name) throws IOException {
                try {
                    return Files.readAllBytes(dir.resolve(name));
                } catch (NoSuchFileException e) {
                    return null;
                }
            }

            @Override
            public void write(String name, byte[] bytes) throws IOException {
                DurableFiles.replace(dir.resolve(name), bytes, false);
            }
        }, dir.toString());
    }

    /**
     * Loads the hosts kept on {@code shelf}; an unreadable line is logged and skipped.
     *
     * @param where what the shelf is, for the log
     */
    public static MonitoredHosts on(Shelf shelf, String where) throws IOException {
        MonitoredHosts m = new MonitoredHosts(shelf, where);
        byte[] kept = shelf.read("hosts");
        List<String> lines = kept == null ? List.of() : new String(kept, StandardCharsets.UTF_8).lines().toList();
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.trim().split(" ");
            if (f.length != 4) {
                log.warn("{}: skipping an unreadable line of the NLM hosts: {}", where, line);
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
        byte[] kept = shelf == null ? null : shelf.read("state");
        if (kept != null) {
            try {
                state = Integer.parseInt(new String(kept, StandardCharsets.UTF_8).trim());
            } catch (NumberFormatException e) {
                log.warn("{}: the NSM state is not a number; starting it again from 1", where);
                state = 0;
            }
        }
        int next = (state & 1) == 0 ? state + 1 : state + 2;
        if (next <= 0) {
            next = 1;
        }
        if (shelf != null) {
            shelf.write("state", (next + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return next;
    }

    private void save() throws IOException {
        if (shelf == null) {
            return;
        }
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        for (Host h : hosts.values()) {
            b.append(encode(h.client())).append(' ').append(encode(h.name())).append(' ')
                    .append(encode(h.address())).append(' ').append(encode(h.server())).append('\n');
        }
        shelf.write("hosts", b.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String s) {
        // URLEncoder never writes '~' (it encodes it), so it can stand for the empty string.
        return s.isEmpty() ? "~" : URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String decode(String s) {
        return s.equals("~") ? "" : URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
