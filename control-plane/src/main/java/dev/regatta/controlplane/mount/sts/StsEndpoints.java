package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.springframework.stereotype.Component;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The SSRF guard: the control plane sends a proof only to an STS endpoint from {@code regatta.sts.allowed-endpoints},
 * never to a host the client named. The request goes to the allowed entry itself (rebuilt from its scheme, host and
 * port), so no difference between how this class and the HTTP client read a URL can redirect it.
 */
@Component
public class StsEndpoints {

    /** Where a proof goes and the Host header the HTTP client will send with it, which the proof must have signed. */
    record Endpoint(URI uri, String hostHeader) {
    }

    private final List<URI> allowed;

    StsEndpoints(ControlPlaneProperties properties) {
        allowed = properties.sts().allowedEndpoints();
        allowed.forEach(StsEndpoints::requireUsableEntry);
    }

    /** @throws ProofRefusedException (400) unless {@code url} is {@code /} at an allowed endpoint */
    Endpoint resolve(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw refusal(url, "is not a valid URL");
        }
        if (!uri.isAbsolute() || uri.isOpaque() || uri.getHost() == null) {
            throw refusal(url, "is not an absolute http(s) URL with a host");
        }
        if (uri.getRawUserInfo() != null) {
            throw refusal(url, "carries user information");
        }
        if (!"/".equals(uri.getRawPath()) || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw refusal(url, "must have the path / and no query or fragment (GetCallerIdentity goes in the POST "
                    + "body)");
        }
        return allowed.stream().filter(entry -> sameOrigin(entry, uri)).findFirst()
                .map(StsEndpoints::endpoint)
                .orElseThrow(() -> refusal(url, "is not an allowed STS endpoint; allowed: " + allowed.stream()
                        .map(URI::toString).collect(Collectors.joining(", "))));
    }

    private static boolean sameOrigin(URI entry, URI uri) {
        return entry.getScheme().equalsIgnoreCase(uri.getScheme()) && entry.getHost().equalsIgnoreCase(uri.getHost())
                && effectivePort(entry) == effectivePort(uri);
    }

    private static Endpoint endpoint(URI entry) {
        String scheme = entry.getScheme().toLowerCase(Locale.ROOT);
        String host = entry.getHost().toLowerCase(Locale.ROOT);
        int port = effectivePort(entry);
        // java.net.http leaves a scheme's default port out of Host; SigV4 signers do the same.
        String hostHeader = port == defaultPort(scheme) ? host : host + ":" + port;
        return new Endpoint(URI.create(scheme + "://" + hostHeader + "/"), hostHeader);
    }

    private static int effectivePort(URI uri) {
        return uri.getPort() != -1 ? uri.getPort() : defaultPort(uri.getScheme());
    }

    private static int defaultPort(String scheme) {
        return switch (scheme.toLowerCase(Locale.ROOT)) {
            case "https" -> 443;
            case "http" -> 80;
            default -> -1;
        };
    }

    private static void requireUsableEntry(URI entry) {
        boolean usable = entry.isAbsolute() && entry.getHost() != null && defaultPort(entry.getScheme()) != -1
                && entry.getRawUserInfo() == null && entry.getRawQuery() == null && entry.getRawFragment() == null
                && (entry.getRawPath() == null || entry.getRawPath().isEmpty() || entry.getRawPath().equals("/"));
        if (!usable) {
            throw new IllegalStateException("regatta.sts.allowed-endpoints: '" + entry + "' is not an http(s) URL "
                    + "of the form https://host[:port]");
        }
    }

    private static ProofRefusedException refusal(String url, String problem) {
        return ProofRefusedException.badRequest("stsRequest.url '" + Texts.clip(url) + "' " + problem);
    }
}
