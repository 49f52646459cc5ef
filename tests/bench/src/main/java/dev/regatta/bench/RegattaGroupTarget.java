package dev.regatta.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Regatta with the file system served by a replication group (issue 17: "the bench with --replicas 3 beside one
 * replica"): three {@code ./regatta data-plane} processes on this machine, each started as {@link RegattaTarget}
 * starts its one (same S3 endpoint through the counting proxy, timings, data dir of its own) and given the group
 * ({@code --node-name node-N --group-members node-1=127.0.0.1:P1,... --replication-port PN}). Only the leader serves
 * NFS (the others answer JUKEBOX), so the bench mounts, scrapes and measures the leader: the member whose metrics
 * show {@code replication_leader 1}. None runs {@code --portmap}: the bench's own {@link PortmapStub} on 111 gives
 * the NFS client library the leader's port. Cold starts restart all three on fresh data dirs and find the leader
 * again.
 */
final class RegattaGroupTarget extends RegattaTarget {
    static final int MEMBERS = 3;
    /** Longer than a few election rounds (the data plane's election timeout is 1-2 s) on a loaded machine. */
    private static final long LEADER_TIMEOUT_NANOS = 90_000_000_000L;

    private PortmapStub portmap;
    /** The serving member's name ("node-2"), for the notes. */
    private String leader;

    RegattaGroupTarget(Path repo, Path work, Path logs, CountingProxy proxy) {
        super("regatta-3", repo, work, logs, proxy);
    }

    @Override
    Node launchPlanes(int generation) throws Exception {
        if (portmap == null && !Ports.awaitFree(PortmapStub.PORTMAP_PORT, 60)) {
            throw new IOException("port 111 is taken (" + Ports.owner(PortmapStub.PORTMAP_PORT) + "): the NFS client "
                    + "library finds the leader's port only through a portmapper there, and the bench answers for the "
                    + "group itself; stop that portmapper (e.g. systemctl stop rpcbind.socket rpcbind) to run regatta-3");
        }
        long t0 = System.nanoTime();
        int[] ports = replicationPorts();
        List<String> group = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            group.add(member(i) + "=127.0.0.1:" + ports[i]);
        }
        List<Proc.Daemon> launched = new ArrayList<>();
        for (int i = 0; i < MEMBERS; i++) {
            launched.add(launch(generation, "-" + member(i), List.of("--node-name", member(i),
                    "--group-members", String.join(",", group), "--replication-port", Integer.toString(ports[i]))));
        }
        List<Node> nodes = new ArrayList<>();
        for (Proc.Daemon d : launched) {
            nodes.add(ready(d));
        }
        double readyS = (System.nanoTime() - t0) / 1e9;
        int lead = awaitLeader(nodes);
        Node serving = nodes.get(lead);
        leader = member(lead);
        if (portmap == null) {
            portmap = new PortmapStub(PortmapStub.PORTMAP_PORT, serving.nfsPort());
        } else {
            portmap.answer(serving.nfsPort());
        }
        notes.append(String.format("data plane group #%d (%s): all %d members ready %.1f s after launch, %s led "
                        + "%.1f s after launch (NFS port %d, answered by the bench's portmap stub on 111)%s%n",
                generation, String.join(",", group), MEMBERS, readyS, leader, (System.nanoTime() - t0) / 1e9,
                serving.nfsPort(), revalidating()));
        return serving;
    }

    private static String member(int i) {
        return "node-" + (i + 1);
    }

    /**
     * A replication port per member, every one known before any starts (each member is told the whole group): below
     * Linux's ephemeral range (32768 and up), so that no connection opened meanwhile takes one.
     */
    private static int[] replicationPorts() throws IOException {
        SplittableRandom random = new SplittableRandom();
        Set<Integer> free = new LinkedHashSet<>();
        for (int attempt = 0; free.size() < MEMBERS; attempt++) {
            if (attempt == 1000) {
                throw new IOException("found no " + MEMBERS + " free ports for replication between 20000 and 32000");
            }
            int port = 20000 + random.nextInt(12000);
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                free.add(port);
            } catch (IOException taken) {
                // another
            }
        }
        return free.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The index of the member whose metrics say it leads (and serves) the file system. */
    private int awaitLeader(List<Node> nodes) throws Exception {
        long deadline = System.nanoTime() + LEADER_TIMEOUT_NANOS;
        while (true) {
            for (int i = 0; i < nodes.size(); i++) {
                if (!nodes.get(i).daemon().process.isAlive()) {
                    throw new IOException(member(i) + " exited (status " + nodes.get(i).daemon().process.exitValue()
                            + ") before the group had a leader; see " + nodes.get(i).daemon().log);
                }
                if (leads(nodes.get(i))) {
                    return i;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("no member of the group led within " + LEADER_TIMEOUT_NANOS / 1_000_000_000L
                        + " s (none showed replication_leader 1); see the members' logs, " + nodes.get(0).daemon().log
                        + " and the others beside it");
            }
            Thread.sleep(100);
        }
    }

    private boolean leads(Node node) throws IOException, InterruptedException {
        Double gauge = metrics(node.metrics(), List.of("replication_leader")).get("replication_leader");
        return gauge != null && gauge == 1;
    }

    /**
     * Before stopping the group, says whether the member measured still led it: had the lead moved (an election on a
     * busy machine), the calls since were answered JUKEBOX by a follower, and its figures are not a leader's.
     */
    @Override
    void stopPlane() {
        Node serving = serving();
        if (serving != null && serving.daemon().process.isAlive()) {
            try {
                if (!leads(serving)) {
                    String line = leader + ", the member measured, no longer led its group when it was stopped: "
                            + "an election moved the lead during the run; see " + serving.daemon().log;
                    notes.append(line).append('\n');
                    System.out.println("  note: " + line);
                }
            } catch (IOException e) {
                notes.append("could not ask ").append(leader).append(" whether it still led: ").append(e.getMessage())
                        .append('\n');
            } catch (InterruptedException e) {
                // stop the group all the same (an interrupted wait would leave its processes running), then say so
                super.stopPlane();
                Thread.currentThread().interrupt();
                return;
            }
        }
        super.stopPlane();
    }

    @Override
    public void stop() {
        super.stop();
        if (portmap != null) {
            portmap.close();
            notes.append(String.format("portmap stub on 127.0.0.1:111: answered %d GETPORT calls; closed%n",
                    portmap.getports()));
            portmap = null;
        }
    }
}
