package dev.regatta.controlplane.node;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.Secrets;
import dev.regatta.controlplane.api.Problems;
import dev.regatta.controlplane.ca.CertificateAuthority;
import dev.regatta.controlplane.ca.IssuedCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Instant;

/**
 * Admits data-plane nodes. A node registering at the address of a known node is that machine come back without its
 * token: it takes over the old node's places in file systems' groups (whose cache and log it holds) and the old
 * record goes.
 */
@Service
public class NodeRegistrar {

    private static final Logger LOG = LoggerFactory.getLogger(NodeRegistrar.class);

    private final NodeRepository nodes;
    private final CertificateAuthority ca;
    private final long heartbeatIntervalSeconds;

    public NodeRegistrar(NodeRepository nodes, CertificateAuthority ca, ControlPlaneProperties properties) {
        this.nodes = nodes;
        this.ca = ca;
        this.heartbeatIntervalSeconds = properties.nodes().heartbeatInterval().toSeconds();
    }

    @Transactional
    public RegistrationResponse register(RegistrationRequest request) {
        String nodeAddress = request.address().strip();
        NodeAddress address;
        try {
            address = NodeAddress.parse(nodeAddress);
        } catch (IllegalArgumentException e) {
            throw Problems.badRequest("address: " + e.getMessage());
        }
        NodeFacts facts = NodeFacts.of(request.zone(), request.nfsAddress(), request.replicationAddress());
        String nodeId = Ids.newId("node");
        IssuedCertificate certificate;
        try {
            certificate = ca.issueNodeCertificate(request.csr(), nodeId, address.host());
        } catch (IllegalArgumentException e) {
            // The CA's reasons name what is wrong: the CSR, its key or signature, or the address's host.
            throw Problems.badRequest(e.getMessage());
        }
        String token = Secrets.newSecret("rgn_");
        Instant now = Instant.now();
        nodes.insert(new Node(nodeId, request.name().strip(), nodeAddress, facts, now, now), Secrets.sha256(token),
                certificate.pem());
        LOG.info("data-plane node {} ('{}') registered at {} (zone {}, NFS {}, replication {}); certificate serial {} "
                        + "valid until {}", nodeId, request.name().strip(), nodeAddress, orNone(facts.zone()),
                orNone(facts.nfsAddress()), orNone(facts.replicationAddress()), certificate.serialHex(),
                certificate.notAfter());
        for (String previous : nodes.othersAt(nodeAddress, nodeId)) {
            int moved = nodes.handOver(previous, nodeId, now);
            nodes.delete(previous);
            LOG.warn("node {} registered anew at {} and replaces node {} (its places in {} file systems' groups "
                    + "handed over)", nodeId, nodeAddress, previous, moved);
        }
        return new RegistrationResponse(nodeId, token, certificate.pem(), ca.caCertificatesPem(),
                heartbeatIntervalSeconds);
    }

    private static String orNone(String fact) {
        return fact == null ? "none" : fact;
    }
}
