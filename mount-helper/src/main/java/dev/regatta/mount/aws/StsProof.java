package dev.regatta.mount.aws;

import java.util.Map;

/**
 * A signed STS GetCallerIdentity request that the control plane sends to STS in the helper's place, to learn who
 * asks. It carries a signature and often a session token: {@link #toString()} names the headers only.
 */
public record StsProof(String method, String url, Map<String, String> headers, String body) {

    @Override
    public String toString() {
        return "StsProof[method=" + method + ", url=" + url + ", headers=" + headers.keySet() + "]";
    }
}
