package dev.regatta.stack;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A GetCallerIdentity request signed with SigV4 by the AWS SDK, bound to one control plane and one file system by
 * the signed {@code x-regatta-*} headers: what a client sends to {@code POST /api/v1/mounts} to prove who it is.
 */
final class StsProof {

    static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";

    private StsProof() {
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
