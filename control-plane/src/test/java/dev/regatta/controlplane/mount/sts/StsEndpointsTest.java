package dev.regatta.controlplane.mount.sts;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StsEndpointsTest {

    private final StsEndpoints endpoints = new StsEndpoints(TestProperties.allowingSts(
            "https://sts.us-east-1.amazonaws.com", "https://sts.amazonaws.com:443", "http://localhost:8090"));

    @Test
    void anAllowedEndpointIsWhereTheProofGoes() {
        StsEndpoints.Endpoint endpoint = endpoints.resolve("https://sts.us-east-1.amazonaws.com/");
        assertThat(endpoint.uri()).isEqualTo(URI.create("https://sts.us-east-1.amazonaws.com/"));
        assertThat(endpoint.hostHeader()).isEqualTo("sts.us-east-1.amazonaws.com");
    }

    @Test
    void schemeAndHostIgnoreCaseAndADefaultPortMayBeSpelledOut() {
        assertThat(endpoints.resolve("HTTPS://STS.US-EAST-1.amazonaws.com:443/").uri())
                .isEqualTo(URI.create("https://sts.us-east-1.amazonaws.com/"));
        assertThat(endpoints.resolve("https://sts.amazonaws.com/").hostHeader()).isEqualTo("sts.amazonaws.com");
    }

    @Test
    void aNonDefaultPortIsPartOfTheHostHeader() {
        StsEndpoints.Endpoint endpoint = endpoints.resolve("http://localhost:8090/");
        assertThat(endpoint.uri()).isEqualTo(URI.create("http://localhost:8090/"));
        assertThat(endpoint.hostHeader()).isEqualTo("localhost:8090");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://sts.us-east-1.amazonaws.com.evil.example/",
            "https://evilsts.us-east-1.amazonaws.com/",
            "https://sts.us-east-1.amazonaws.com./",
            "https://sts.us-east-1.amazonaws.com:8443/",
            "http://sts.us-east-1.amazonaws.com/",
            "https://sts.us-east-1.amazonaws.com@evil.example/",
            "https://user:password@sts.us-east-1.amazonaws.com/",
            "https://evil.example#@sts.us-east-1.amazonaws.com/",
            "https://evil.example\\@sts.us-east-1.amazonaws.com/",
            "https://169.254.169.254/",
            "http://localhost:8091/",
            "http://127.0.0.1:8090/",
            "//sts.us-east-1.amazonaws.com/",
            "file:///etc/passwd",
            "mailto:sts.us-east-1.amazonaws.com",
            "https://sts.us-east-1.amazonaws.com",
            "https://sts.us-east-1.amazonaws.com/other",
            "https://sts.us-east-1.amazonaws.com/%2e%2e/",
            "https://sts.us-east-1.amazonaws.com/?Action=AssumeRole",
            "https://sts.us-east-1.amazonaws.com/#x",
            "not a url"})
    void anythingElseIsRefused(String url) {
        assertThatThrownBy(() -> endpoints.resolve(url))
                .isInstanceOfSatisfying(ProofRefusedException.class, refusal -> {
                    assertThat(refusal.status().value()).isEqualTo(400);
                    assertThat(refusal.reason()).startsWith("stsRequest.url");
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://sts.amazonaws.com", "https://sts.amazonaws.com/path", "https://u@sts.amazonaws.com",
            "sts.amazonaws.com"})
    void anUnusableAllowedEntryStopsStartup(String entry) {
        assertThatThrownBy(() -> new StsEndpoints(TestProperties.allowingSts(entry)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("regatta.sts.allowed-endpoints");
    }
}
