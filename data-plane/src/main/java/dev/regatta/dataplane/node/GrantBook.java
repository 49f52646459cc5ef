package dev.regatta.dataplane.node;

import java.util.List;

/**
 * The grants of each file system assigned to this node, as of the last heartbeat answer. The TLS front asks it
 * whether a client certificate's grant still exists: a grant removed in the control plane is gone from here
 * within one heartbeat.
 */
public interface GrantBook {

    boolean isActive(String fileSystemId, String grantId);

    /** The file system's grants; empty when it is not assigned here. */
    List<Grant> grantsOf(String fileSystemId);
}
