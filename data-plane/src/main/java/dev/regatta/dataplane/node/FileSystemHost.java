package dev.regatta.dataplane.node;

import java.util.List;

/** What the node agent needs from the data plane: serving file systems on demand, and their status. */
public interface FileSystemHost {

    /**
     * Serves the file system as export {@code /<id>}, or restarts it if it is served with other settings.
     *
     * @param nodeId this node's ID: its name among the members of the file system's replication group
     * @throws RuntimeException when it cannot be served (a bad setting, a local disk problem)
     */
    void serve(AssignedFileSystem fileSystem, String nodeId);

    /** Stops serving it: uploads what it can within a bounded wait, then closes it; its local state stays. */
    void stop(String fileSystemId);

    /**
     * Asks to be told when a served file system's status changes in a way the control plane must hear of at once:
     * this node started or stopped leading its replication group (mounts are routed to the leader).
     */
    void onStatusChange(Runnable tell);

    /** The status of every file system served now. */
    List<FileSystemReport> reports();
}
