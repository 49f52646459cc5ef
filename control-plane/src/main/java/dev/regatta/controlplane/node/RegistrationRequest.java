package dev.regatta.controlplane.node;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A data-plane node asking to join (docs/control-plane-protocols.md). Fields a newer node adds are ignored: the node
 * API is versioned by fields added over time.
 *
 * @param address host:port of its TLS front, which clients' tunnels connect to
 * @param csr     PEM PKCS#10 request for its server certificate
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RegistrationRequest(
        @NotBlank(message = "is required") @Size(max = 128)
        @Pattern(regexp = "\\P{Cntrl}*", message = "must not contain control characters") String name,
        @NotBlank(message = "is required") @Size(max = 300) String address,
        @NotBlank(message = "is required") @Size(max = 16384) String csr) {
}
