package dev.regatta.controlplane.node;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * A data-plane node asking to join (docs/control-plane-protocols.md).
 *
 * @param address host:port of its TLS front, which clients' tunnels connect to
 * @param csr     PEM PKCS#10 request for its server certificate
 */
public record RegistrationRequest(
        @NotBlank(message = "is required") @Size(max = 128)
        @Pattern(regexp = "\\P{Cntrl}*", message = "must not contain control characters") String name,
        @NotBlank(message = "is required") @Size(max = 300) String address,
        @NotBlank(message = "is required") @Size(max = 16384) String csr) {
}
