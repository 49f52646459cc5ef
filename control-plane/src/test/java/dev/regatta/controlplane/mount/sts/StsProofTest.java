package dev.regatta.controlplane.mount.sts;

import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class StsProofTest {

    private static final String URL = "https://sts.amazonaws.com/";
    private static final String SIGNED = "content-type;host;x-amz-date;x-regatta-fs-id;x-regatta-server-id";
    private static final String SIGNATURE = "0123456789abcdef".repeat(4);

    private final StsEndpoints endpoints = new StsEndpoints(TestProperties.allowingSts("https://sts.amazonaws.com"));

    @Test
    void sendsTheSignedHeadersTheAuthorizationAndTheSessionTokenAndNothingElse() {
        Map<String, String> headers = headers(SIGNED);
        headers.put("X-Amz-Security-Token", "token");
        headers.put("X-Forwarded-For", "10.0.0.1");
        headers.put("User-Agent", "mount.regatta");

        StsProof proof = StsProof.read(new StsRequest("POST", URL, headers, ProofSigner.BODY), endpoints);

        assertThat(proof.uri()).isEqualTo(URI.create(URL));
        assertThat(proof.headersToSend()).containsOnlyKeys("Content-Type", "X-Amz-Date", "x-regatta-fs-id",
                "x-regatta-server-id", "Authorization", "X-Amz-Security-Token");
        headers.forEach((name, value) -> {
            if (proof.headersToSend().containsKey(name)) {
                assertThat(proof.headersToSend().get(name)).as(name).isEqualTo(value);
            }
        });
        assertThat(proof.serverId()).isEqualTo("rg-0123456789abcdef");
        assertThat(proof.fileSystemId()).isEqualTo("fs-0123456789abcdef0");
        assertThat(proof.signedAt()).isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
        assertThat(proof.toString()).doesNotContain(SIGNATURE, "token");
    }

    @Test
    void headerNamesIgnoreCaseAndFormParametersMayComeInAnyOrder() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers(SIGNED).forEach((name, value) -> headers.put(name.toUpperCase(), value));
        StsProof proof = StsProof.read(new StsRequest("POST", URL, headers,
                "Version=2011-06-15&Action=GetCallerIdentity"), endpoints);
        assertThat(proof.headersToSend()).containsKeys("X-REGATTA-FS-ID", "AUTHORIZATION");
    }

    @Test
    void aSignedHostOrContentLengthMustBeWhatTheHttpClientWillWrite() {
        Map<String, String> portSpelledOut = headers(SIGNED);
        portSpelledOut.put("Host", "sts.amazonaws.com:443");
        refused(() -> read(portSpelledOut), "signs Host: sts.amazonaws.com:443 but it would reach STS as Host: "
                + "sts.amazonaws.com");

        Map<String, String> withLength = headers("content-length;" + SIGNED);
        withLength.put("Content-Length", "43");
        assertThat(read(withLength).headersToSend()).doesNotContainKey("Content-Length");
        withLength.put("Content-Length", "44");
        refused(() -> read(withLength), "signs Content-Length: 44");
    }

    @ParameterizedTest
    @ValueSource(strings = {"connection", "expect", "upgrade", "transfer-encoding"})
    void aSignedHopByHopHeaderCannotBeRelayed(String header) {
        Map<String, String> headers = headers(SIGNED + ";" + header);
        headers.put(header, "x");
        refused(() -> read(headers), "hop-by-hop header " + header);
    }

    @Test
    void everyBindingHeaderMustBeSigned() {
        for (String required : new String[]{"host", "x-amz-date", "x-regatta-server-id", "x-regatta-fs-id"}) {
            String signed = SIGNED.replace(required, "").replace(";;", ";").replaceAll("^;|;$", "");
            refused(() -> read(headers(signed)), "SignedHeaders must include " + required);
        }
    }

    @Test
    void aSignedHeaderMustBeThere() {
        Map<String, String> headers = headers(SIGNED);
        headers.remove("X-Amz-Date");
        refused(() -> read(headers), "signs the header x-amz-date but does not carry it");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "AWS4-HMAC-SHA256",
            "AWS4-ECDSA-P256-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=SH, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/s3/aws4_request, SignedHeaders=SH, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts, SignedHeaders=SH, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=SH, Signature=xyz",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=SH;host, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=Host;SH, Signature=SIG",
            "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sts/aws4_request, SignedHeaders=SH, SignedHeaders=SH, "
                    + "Signature=SIG"})
    void aMalformedAuthorizationIsRefused(String template) {
        Map<String, String> headers = headers(SIGNED);
        headers.put("Authorization", template.replace("SH", SIGNED).replace("SIG", SIGNATURE));
        refused(() -> read(headers), "Authorization header is not SigV4 for STS");
    }

    @Test
    void headersMustBeHeaders() {
        Map<String, String> twice = headers(SIGNED);
        twice.put("x-amz-date", twice.get("X-Amz-Date"));
        refused(() -> read(twice), "twice");

        Map<String, String> injected = headers(SIGNED);
        injected.put("x-regatta-fs-id", "fs-0123456789abcdef0\r\nX-Injected: 1");
        refused(() -> read(injected), "characters an HTTP header cannot carry");

        Map<String, String> badName = headers(SIGNED);
        badName.put("Bad Name", "x");
        refused(() -> read(badName), "not an HTTP header name");

        Map<String, String> noAuthorization = headers(SIGNED);
        noAuthorization.remove("Authorization");
        refused(() -> read(noAuthorization), "no Authorization header");

        Map<String, String> badDate = headers(SIGNED);
        badDate.put("X-Amz-Date", "yesterday");
        refused(() -> read(badDate), "X-Amz-Date 'yesterday'");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Action=AssumeRole&Version=2011-06-15", "Action=GetCallerIdentity",
            "Action=GetCallerIdentity&Version=2011-06-15&Extra=1",
            "Action=GetCallerIdentity&Action=GetCallerIdentity&Version=2011-06-15",
            "Action=GetCallerIdentity&Version=2011-06-15&", "Action=GetCallerIdentity&Version=%zz", ""})
    void onlyGetCallerIdentityIsSent(String body) {
        refused(() -> StsProof.read(new StsRequest("POST", URL, headers(SIGNED), body), endpoints),
                "the STS request");
    }

    @Test
    void theGetFormIsNotAccepted() {
        refused(() -> StsProof.read(new StsRequest("GET", URL, headers(SIGNED), ProofSigner.BODY), endpoints),
                "must be POST");
    }

    private StsProof read(Map<String, String> headers) {
        return StsProof.read(new StsRequest("POST", URL, headers, ProofSigner.BODY), endpoints);
    }

    private static Map<String, String> headers(String signedHeaders) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "sts.amazonaws.com");
        headers.put("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
        headers.put("X-Amz-Date", DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.now()));
        headers.put("x-regatta-server-id", "rg-0123456789abcdef");
        headers.put("x-regatta-fs-id", "fs-0123456789abcdef0");
        headers.put("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/sts/aws4_request, "
                + "SignedHeaders=" + signedHeaders + ", Signature=" + SIGNATURE);
        return headers;
    }

    private static void refused(ThrowingCallable call, String reason) {
        assertThatThrownBy(call).isInstanceOfSatisfying(ProofRefusedException.class, refusal -> {
            assertThat(refusal.status().value()).isEqualTo(400);
            assertThat(refusal.reason()).contains(reason);
        });
    }
}
