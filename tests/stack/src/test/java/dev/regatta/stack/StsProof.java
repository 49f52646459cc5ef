package dev.regatta.stack;

import dev.regatta.pki.KeyMaterial;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GetCallerIdentity request signed with SigV4 by the AWS SDK, bound to one control plane and one file system by
 * the signed {@code x-regatta-*} headers: what a client sends to {@code POST /api/v1/mounts} to prove who it is.
 */
final class StsProof {

    static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";

    private static final SecureRandom RANDOM = new SecureRandom();

    private StsProof() {
    }

    private static byte[] nonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /**
     * The body of {@code POST /api/v1/mounts} as mount.regatta sends it: a proof signed by {@code caller} for
     * {@code sts}, bound to the control plane {@code serverId} and the file system, and a certificate request for
     * {@code key}.
     */
    static Map<String, Object> mountRequest(AwsCredentialsIdentity caller, URI sts, String serverId,
                                            String fileSystemId, String access, KeyPair key) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("fileSystemId", fileSystemId);
        request.put("access", access);
        request.put("stsRequest", sign(caller, sts, serverId, fileSystemId));
        request.put("csr", KeyMaterial.certificateRequest(key, "stack-test"));
        return request;
    }

    /** The {@code stsRequest} object of a mount request. */
    static Map<String, Object> sign(AwsCredentialsIdentity credentials, URI sts, String serverId,
                                    String fileSystemId) {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(sts)
                .putHeader("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")
                .putHeader("x-regatta-server-id", serverId)
                .putHeader("x-regatta-fs-id", fileSystemId)
                // Each proof admits one mount, and SigV4 dates have one-second resolution: without a signed
                // nonce, two proofs of one caller for one file system within a second would be the same proof.
                .putHeader("x-regatta-nonce", HexFormat.of().formatHex(nonce()))
                .build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(request)
                .payload(ContentStreamProvider.fromUtf8String(BODY))
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")).request();
        Map<String, String> headers = new LinkedHashMap<>();
        signed.headers().forEach((name, values) -> headers.put(name, String.join(",", values)));
        return Map.of("method", "POST", "url", sts.toString(), "headers", headers, "body", BODY);
    }
}
