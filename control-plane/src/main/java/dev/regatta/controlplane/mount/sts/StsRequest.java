package dev.regatta.controlplane.mount.sts;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

import java.util.Map;

/**
 * A signed STS GetCallerIdentity request as the client made it, for the control plane to send to STS in its place.
 * Its headers include the SigV4 Authorization header and often a session token: never log them.
 */
public record StsRequest(
        @NotBlank @Size(max = 16) String method,
        @NotBlank @Size(max = 2048) String url,
        @NotEmpty @Size(max = 32) Map<@Size(max = 128) String, @NotNull @Size(max = 8192) String> headers,
        @NotNull @Size(max = 1024) String body) {

    /** Header names only: their values include the signature and the session token. */
    @Override
    public String toString() {
        return "StsRequest[method=" + method + ", url=" + url + ", headers="
                + (headers == null ? null : headers.keySet()) + "]";
    }
}
