package dev.regatta.controlplane.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A data-plane node asking to join (docs/control-plane-protocols.md). Fields a newer node adds are ignored: the node
 * API is versioned by fields added over time, and the last three are absent from nodes older than replication.
 *
 * @param address            host:port of its TLS front, which clients' tunnels connect to
 * @param csr                PEM PKCS#10 request for its server certificate
 * @param zone               its failure domain, or null when unknown
 * @param nfsAddress         host:port of its plain NFS port, or null
 * @param replicationAddress host:port of its replication server, or null
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegistrationRequest(
        @NotBlank(message = "is required") @Size(max = 128)
        @Pattern(regexp = "\\P{Cntrl}*", message = "must not contain control characters") String name,
        @NotBlank(message = "is required") @Size(max = 300) String address,
        @NotBlank(message = "is required") @Size(max = 16384) String csr,
        @Pattern(regexp = NodeFacts.ZONE_PATTERN, message = NodeFacts.ZONE_MESSAGE) String zone,
        @Size(max = 300) String nfsAddress,
        @Size(max = 300) String replicationAddress) {
}
