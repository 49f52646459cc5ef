package dev.regatta.controlplane.mount.sts;

import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

/**
 * STS's GetCallerIdentity as far as mount authentication sees it, in WireMock: it recomputes the SigV4 signature
 * over the request exactly as it arrived (its signed headers, its body) with the caller's secret, and answers the
 * caller's ARN when the signature matches, SignatureDoesNotMatch (403) when anything signed was changed on the way.
 */
public final class FakeSts implements ResponseDefinitionTransformerV2 {

    public static final String NAME = "fake-sts";
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "AWS4-HMAC-SHA256 Credential=([^/]+)/[^,]+, SignedHeaders=([^,]+), Signature=[0-9a-f]{64}");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Map<String, Caller> callers = new ConcurrentHashMap<>();

    public void know(Caller caller) {
        callers.put(caller.accessKeyId(), caller);
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean applyGlobally() {
        return false;
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        LoggedRequest request = event.getRequest();
        if (!request.getBodyAsString().equals(ProofSigner.BODY)) {
            return error(400, "InvalidAction", "Could not find operation for this request");
        }
        Matcher authorization = AUTHORIZATION.matcher(String.valueOf(request.getHeader("Authorization")));
        if (!authorization.matches()) {
            return error(403, "IncompleteSignature", "Authorization header is malformed");
        }
        Caller caller = callers.get(authorization.group(1));
        if (caller == null) {
            return error(403, "InvalidClientTokenId", "The security token included in the request is invalid.");
        }
        String expected = expectedAuthorization(request, authorization.group(2).split(";"), caller);
        if (!expected.equals(request.getHeader("Authorization"))) {
            return error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the "
                    + "signature you provided.");
        }
        return aResponse().withStatus(200).withHeader("Content-Type", "text/xml").withBody("""
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <GetCallerIdentityResult>
                    <Arn>%s</Arn>
                    <UserId>AIDAEXAMPLE:%s</UserId>
                    <Account>%s</Account>
                  </GetCallerIdentityResult>
                  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
                </GetCallerIdentityResponse>""".formatted(caller.arn(), caller.accessKeyId(), caller.account()))
                .build();
    }

    /** The Authorization header the caller's secret gives for the headers it signed, with the values that came. */
    private static String expectedAuthorization(LoggedRequest request, String[] signedHeaders, Caller caller) {
        String host = request.getHeader("Host");
        SdkHttpRequest.Builder signed = SdkHttpRequest.builder().method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + host + request.getUrl()));
        for (String name : signedHeaders) {
            if (!name.equals("x-amz-date") && !name.equals("x-amz-security-token")) {
                signed.putHeader(name, request.getHeader(name));
            }
        }
        AwsCredentialsIdentity credentials = request.containsHeader("X-Amz-Security-Token")
                ? AwsSessionCredentialsIdentity.create(caller.accessKeyId(), caller.secretAccessKey(),
                        request.getHeader("X-Amz-Security-Token"))
                : AwsCredentialsIdentity.create(caller.accessKeyId(), caller.secretAccessKey());
        Instant signedAt = AMZ_DATE.parse(request.getHeader("X-Amz-Date"), Instant::from);
        return ProofSigner.headersOf(ProofSigner.sign(signed.build(), credentials, request.getBodyAsString(),
                Clock.fixed(signedAt, ZoneOffset.UTC))).get("Authorization");
    }

    private static ResponseDefinition error(int status, String code, String message) {
        return aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody("""
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>
                  <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
                </ErrorResponse>""".formatted(code, message)).build();
    }
}
