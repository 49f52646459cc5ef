package dev.regatta.dataplane.node;

/**
 * An IAM principal's permission to mount a file system, as the control plane assigned it to this node.
 *
 * @param access {@code READ_WRITE} or {@code READ_ONLY}
 */
public record Grant(String id, String principal, String access, boolean rootSquash) {
}
