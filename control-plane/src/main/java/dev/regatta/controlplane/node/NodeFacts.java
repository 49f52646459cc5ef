package dev.regatta.controlplane.node;

import dev.regatta.controlplane.api.Problems;

/**
 * What a node says of itself beyond its name and TLS front, in its registration and again in each heartbeat (its
 * ports may change when it restarts): its failure domain and the addresses of its NFS port and replication server.
 * Each is null while unknown: older nodes send none of them.
 *
 * @param zone               failure domain label, e.g. eu-west-1a; placement keeps a group's members in distinct
 *                           zones
 * @param nfsAddress         host:port of its plain NFS port
 * @param replicationAddress host:port where its replication (Ratis gRPC) server listens; a node without one is
 *                           never made a member of a group of 3 or 5
 */
record NodeFacts(String zone, String nfsAddress, String replicationAddress) {

    /** A zone label, as a request field's {@code @Pattern}; the stored value is exactly the one sent. */
    static final String ZONE_PATTERN = "[A-Za-z0-9._-]{1,64}";
    static final String ZONE_MESSAGE = "must be 1 to 64 letters, digits, '.', '_' or '-' (example: eu-west-1a)";

    /**
     * The facts as sent, addresses checked like {@code address} (host:port) and stripped; the zone is checked by the
     * request's validation.
     *
     * @throws org.springframework.web.ErrorResponseException 400 naming the field that is not host:port
     */
    static NodeFacts of(String zone, String nfsAddress, String replicationAddress) {
        return new NodeFacts(zone, address("nfsAddress", nfsAddress),
                address("replicationAddress", replicationAddress));
    }

    private static String address(String field, String value) {
        if (value == null) {
            return null;
        }
        String stripped = value.strip();
        try {
            NodeAddress.parse(stripped);
        } catch (IllegalArgumentException e) {
            throw Problems.badRequest(field + ": " + e.getMessage());
        }
        return stripped;
    }
}
