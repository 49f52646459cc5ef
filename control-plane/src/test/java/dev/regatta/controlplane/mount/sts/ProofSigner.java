package dev.regatta.controlplane.mount.sts;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/** Signs STS GetCallerIdentity requests with SigV4 for real, as mount.regatta does (region us-east-1, service sts). */
public final class ProofSigner {

    public static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    /**
     * SDKs write {@code charset=utf-8}; WireMock's Jetty rewrites that to UTF-8 when it parses the request, which
     * would break the fake STS's signature check (CallerIdentityVerifierTest sees the bytes on the wire instead).
     */
    public static final String CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8";
    private static final SecureRandom RANDOM = new SecureRandom();

    private ProofSigner() {
    }

    /**
     * A proof bound to {@code serverId} and {@code fileSystemId}; the result maps header names to values. Like
     * mount.regatta's, it signs a random {@code x-regatta-nonce}, so that two proofs signed in one second differ.
     */
    public static Map<String, String> sign(Caller caller, URI sts, String serverId, String fileSystemId, Clock clock) {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(sts)
                .putHeader("Content-Type", CONTENT_TYPE)
                .putHeader("x-regatta-server-id", serverId)
                .putHeader("x-regatta-fs-id", fileSystemId)
                .putHeader("x-regatta-nonce", HexFormat.of().formatHex(nonce))
                .build();
        return headersOf(sign(request, caller.credentials(), BODY, clock));
    }

    public static SignedRequest sign(SdkHttpRequest request, AwsCredentialsIdentity credentials, String body, Clock clock) {
        return AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    }

    public static Map<String, String> headersOf(SignedRequest signed) {
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().headers().forEach((name, values) -> headers.put(name, String.join(",", values)));
        return headers;
    }
}
