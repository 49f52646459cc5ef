package dev.regatta.mount.aws;

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

/**
 * Signs the proof exactly as docs/control-plane-protocols.md requires: a SigV4 POST of GetCallerIdentity to STS's
 * {@code /}, with the control plane's server ID and the file system ID among the signed headers (so the proof is
 * good for this service and this file system only), and a random nonce, also signed, so that two proofs made in
 * the same second differ: the control plane admits each proof for one mount only.
 */
public final class StsProofSigner {

    public static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";
    /** Spelt the way the control plane's HTTP stack passes it on unchanged, so the signature still matches. */
    public static final String CONTENT_TYPE = "application/x-www-form-urlencoded; charset=UTF-8";
    public static final String SERVER_ID_HEADER = "x-regatta-server-id";
    public static final String FILE_SYSTEM_ID_HEADER = "x-regatta-fs-id";
    public static final String NONCE_HEADER = "x-regatta-nonce";
    private static final String SERVICE = "sts";
    private static final int NONCE_BYTES = 16;

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    public StsProofSigner(Clock clock) {
        this.clock = clock;
    }

    public StsProof sign(AwsCredentialsIdentity credentials, URI stsEndpoint, String region, String serverId,
                         String fileSystemId) {
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(stsEndpoint)
                .putHeader("Content-Type", CONTENT_TYPE)
                .putHeader(SERVER_ID_HEADER, serverId)
                .putHeader(FILE_SYSTEM_ID_HEADER, fileSystemId)
                .putHeader(NONCE_HEADER, HexFormat.of().formatHex(nonce))
                .build();
        // The signer adds Host, X-Amz-Date, X-Amz-Security-Token (for session credentials) and Authorization,
        // and signs every header of the request.
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(BODY))
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
        Map<String, String> headers = new LinkedHashMap<>();
        signed.request().headers().forEach((name, values) -> headers.put(name, String.join(",", values)));
        return new StsProof(SdkHttpMethod.POST.name(), stsEndpoint.toString(), Map.copyOf(headers), BODY);
    }
}
