package dev.regatta.mount.testing;

import com.fasterxml.jackson.databind.JsonNode;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What STS would do with a proof: recompute the SigV4 signature from the headers it signed, their values as sent,
 * the body and the caller's secret, and compare. Also reads the signed header names, which the control plane checks.
 */
public final class ProofCheck {

    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/([0-9]{8})/([^/]+)/sts/aws4_request, SignedHeaders=([^,]+), "
                    + "Signature=[0-9a-f]{64}");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private ProofCheck() {
    }

    /** Header names are case-insensitive: the proof's map, keyed in lower case. */
    public static Map<String, String> headers(JsonNode stsRequest) {
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        stsRequest.path("headers").fields().forEachRemaining(e -> headers.put(e.getKey(), e.getValue().asText()));
        return headers;
    }

    public static List<String> signedHeaders(JsonNode stsRequest) {
        return Arrays.asList(matcher(headers(stsRequest).get("Authorization")).group(4).split(";"));
    }

    public static String accessKeyId(JsonNode stsRequest) {
        return matcher(headers(stsRequest).get("Authorization")).group(1);
    }

    /** Whether the signature is what {@code secret} gives for what was signed. */
    public static boolean signatureMatches(JsonNode stsRequest, String secretAccessKey) {
        Map<String, String> headers = headers(stsRequest);
        Matcher authorization = matcher(headers.get("Authorization"));
        SdkHttpRequest.Builder request = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(
                stsRequest.path("method").asText())).uri(URI.create(stsRequest.path("url").asText()));
        for (String name : authorization.group(4).split(";")) {
            // The signer adds these two itself, from its clock and the credentials.
            if (!name.equals("x-amz-date") && !name.equals("x-amz-security-token")) {
                request.putHeader(name, headers.get(name));
            }
        }
        String token = headers.get("X-Amz-Security-Token");
        AwsCredentialsIdentity credentials = token != null
                ? AwsSessionCredentialsIdentity.create(authorization.group(1), secretAccessKey, token)
                : AwsCredentialsIdentity.create(authorization.group(1), secretAccessKey);
        Instant signedAt = AMZ_DATE.parse(headers.get("X-Amz-Date"), Instant::from);
        String expected = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(request.build())
                .payload(ContentStreamProvider.fromUtf8String(stsRequest.path("body").asText()))
                .putProperty(AwsV4HttpSigner.REGION_NAME, authorization.group(3))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "sts")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request().firstMatchingHeader("Authorization").orElseThrow();
        return expected.equals(headers.get("Authorization"));
    }

    private static Matcher matcher(String authorization) {
        Matcher matcher = AUTHORIZATION.matcher(String.valueOf(authorization));
        if (!matcher.matches()) {
            throw new AssertionError("not a SigV4 Authorization header for sts: " + authorization);
        }
        return matcher;
    }
}
