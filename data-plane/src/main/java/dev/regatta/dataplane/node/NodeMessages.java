package dev.regatta.dataplane.node;

import java.util.List;

/** The JSON bodies of node registration and heartbeat (docs/control-plane-protocols.md). */
final class NodeMessages {

    private NodeMessages() {
    }

    /** POST /api/v1/nodes, with the bootstrap token. */
    record RegistrationRequest(String name, String address, String csr, String nfsAddress, String replicationAddress,
                               String zone) {
    }

    /** Its 201 answer; the token is shown this once. */
    record Registration(String nodeId, String nodeToken, String certificate, List<String> caCertificates,
                        int heartbeatIntervalSeconds) {

        @Override
        public String toString() {
            return "Registration[" + nodeId + "]";
        }
    }

    /** POST /api/v1/nodes/{nodeId}/heartbeat, with the node token; the node's facts as they are now. */
    record HeartbeatRequest(List<FileSystemReport> fileSystems, String nfsAddress, String replicationAddress,
                            String zone) {
    }

    /** Its 200 answer: every file system assigned to this node now, with its grants. */
    record HeartbeatAnswer(int heartbeatIntervalSeconds, List<AssignedFileSystem> fileSystems) {

        HeartbeatAnswer {
            fileSystems = fileSystems == null ? List.of() : List.copyOf(fileSystems);
        }
    }
}
