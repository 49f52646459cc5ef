package dev.regatta.dataplane.node;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Makes the served file systems match the latest assignment: serves new ones, stops those gone, restarts those
 * whose settings changed. It works on its own thread, so that a slow stop (uploads before closing) never delays a
 * heartbeat; assignments that arrive meanwhile are coalesced into the newest. A file system that fails to start
 * is tried again with the next assignment.
 */
final class Reconciler implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

    private final FileSystemHost host;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("regatta-reconciler").factory());
    /** The newest assignment not applied yet, and this node's ID it was made for. */
    private final AtomicReference<Assignment> pending = new AtomicReference<>();
    /** What is served, as it was assigned; touched by the worker thread only. */
    private final Map<String, AssignedFileSystem> applied = new HashMap<>();
    /** Why each file system that cannot be served failed last, so that the same failure is logged once. */
    private final Map<String, String> failing = new HashMap<>();

    Reconciler(FileSystemHost host) {
        this.host = host;
    }

    private record Assignment(List<AssignedFileSystem> fileSystems, String nodeId) {
    }

    /** @param nodeId this node's ID, its name in the replication groups of the file systems assigned */
    void apply(List<AssignedFileSystem> assignment, String nodeId) {
        if (pending.getAndSet(new Assignment(List.copyOf(assignment), nodeId)) == null) {
            worker.execute(this::drain);
        }
    }

    private void drain() {
        Assignment next;
        while ((next = pending.getAndSet(null)) != null) {
            reconcile(next.fileSystems(), next.nodeId());
        }
    }

    private void reconcile(List<AssignedFileSystem> assignment, String nodeId) {
        Map<String, AssignedFileSystem> wanted = new LinkedHashMap<>();
        for (AssignedFileSystem fs : assignment) {
            wanted.putIfAbsent(fs.id(), fs);
        }
        failing.keySet().retainAll(wanted.keySet());
        Set<String> gone = new HashSet<>(applied.keySet());
        gone.removeAll(wanted.keySet());
        stopAll(gone);
        for (AssignedFileSystem fs : wanted.values()) {
            AssignedFileSystem current = applied.get(fs.id());
            if (current != null && !current.settingsDifferFrom(fs)) {
                applied.put(fs.id(), fs);
                continue;
            }
            if (current == null) {
                log.info("file system {} is assigned to this node", fs.id());
            }
            try {
                host.serve(fs, nodeId);
                applied.put(fs.id(), fs);
                if (failing.remove(fs.id()) != null) {
                    log.info("file system {} is served now", fs.id());
                }
            } catch (RuntimeException e) {
                applied.remove(fs.id());
                if (!e.toString().equals(failing.put(fs.id(), e.toString()))) {
                    log.error("cannot serve file system {} (bucket {}, region {}): {}; trying again with each "
                            + "heartbeat", fs.id(), fs.bucket(), fs.region(), e.toString(), e);
                }
            }
        }
    }

    /** Stops in parallel: each may spend a while uploading. */
    private void stopAll(Set<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try (ExecutorService stops = Executors.newVirtualThreadPerTaskExecutor()) {
            for (String id : ids) {
                log.info("file system {} is no longer assigned to this node; stopping it", id);
                stops.execute(() -> {
                    try {
                        host.stop(id);
                    } catch (RuntimeException e) {
                        log.error("stopping file system {} failed", id, e);
                    }
                });
            }
        }
        ids.forEach(applied::remove);
    }

    @Override
    public void close() {
        worker.shutdownNow();
        try {
            if (!worker.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("the reconciler did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
