package dev.regatta.controlplane.mount;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;

import java.util.Map;

/**
 * A signed STS GetCallerIdentity request as the client made it, for the control plane to send to STS in its place.
 * Its headers include the SigV4 Authorization header and often a session token: never log them.
 */
public record StsRequest(
        @NotBlank String method,
        @NotBlank String url,
        @NotEmpty Map<String, @NotNull String> headers,
        @NotNull String body) {

    /** Header names only: their values include the signature and the session token. */
    @Override
    public String toString() {
        return "StsRequest[method=" + method + ", url=" + url + ", headers="
                + (headers == null ? null : headers.keySet()) + "]";
    }
}
