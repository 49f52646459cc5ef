package dev.regatta.dataplane.node;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The grants of each file system assigned to this node, as of the last heartbeat answer. The TLS front asks it
 * whether a client certificate's grant still exists: a grant removed in the control plane is gone from here
 * within one heartbeat. A grant made in the control plane a moment ago may not be here yet: {@link #refresh()}
 * fetches the grants now, so that a mount made right after its grant is not refused.
 */
public interface GrantBook {

    boolean isActive(String fileSystemId, String grantId);

    /** The file system's grants; empty when it is not assigned here. */
    List<Grant> grantsOf(String fileSystemId);

    /** Asks the control plane for the grants now; completes once its answer is in, or it failed to answer. */
    CompletionStage<Void> refresh();
}
