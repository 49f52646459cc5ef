package dev.regatta.mount.aws;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;

import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * On EC2 the default chain ends at the instance profile, through IMDSv2: a token from a PUT with its TTL, then the
 * role's credentials with that token. IMDS is a WireMock here, named by the SDK's endpoint override; the profile
 * files point at nothing so that the chain gets that far.
 */
class ImdsCredentialsTest {

    private static final String TOKEN = "imds-session-token";
    private static final Map<String, String> PROPERTIES = Map.of(
            "aws.ec2MetadataServiceEndpoint", "",
            "aws.sharedCredentialsFile", "",
            "aws.configFile", "",
            "aws.disableEc2Metadata", "false");

    @TempDir
    Path temp;
    private WireMockServer imds;
    private final Map<String, String> saved = new java.util.HashMap<>();

    @BeforeEach
    void setUp() {
        // Credentials in this process's environment would come first in the chain; the test is about the last link.
        assumeTrue(System.getenv("AWS_ACCESS_KEY_ID") == null && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI")
                == null && System.getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") == null
                && System.getenv("AWS_WEB_IDENTITY_TOKEN_FILE") == null && System.getenv("AWS_PROFILE") == null,
                "AWS credentials in the environment would be found before IMDS");
        imds = new WireMockServer(options().dynamicPort());
        imds.start();
        PROPERTIES.keySet().forEach(key -> saved.put(key, System.getProperty(key)));
        System.setProperty("aws.ec2MetadataServiceEndpoint", imds.baseUrl());
        System.setProperty("aws.sharedCredentialsFile", temp.resolve("no-credentials").toString());
        System.setProperty("aws.configFile", temp.resolve("no-config").toString());
        System.setProperty("aws.disableEc2Metadata", "false");

        imds.stubFor(put(urlEqualTo("/latest/api/token")).willReturn(aResponse().withBody(TOKEN)
                .withHeader("x-aws-ec2-metadata-token-ttl-seconds", "21600")));
        imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(TOKEN))
                .willReturn(aResponse().withBody("app-role")));
        imds.stubFor(get(urlEqualTo("/latest/meta-data/iam/security-credentials/app-role"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(TOKEN))
                .willReturn(aResponse().withBody("""
                        {"Code": "Success", "LastUpdated": "%s", "Type": "AWS-HMAC",
                         "AccessKeyId": "ASIAIMDSEXAMPLE", "SecretAccessKey": "imds-secret",
                         "Token": "imds-role-session-token", "Expiration": "%s"}""".formatted(
                        Instant.now().truncatedTo(ChronoUnit.SECONDS),
                        Instant.now().plusSeconds(6 * 3600).truncatedTo(ChronoUnit.SECONDS)))));
    }

    @AfterEach
    void tearDown() {
        if (imds != null) {
            imds.stop();
        }
        saved.forEach((key, value) -> {
            if (value == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, value);
            }
        });
    }

    @Test
    void theDefaultChainGetsTheInstanceRolesCredentialsThroughImdsV2() {
        AwsCredentials credentials = Credentials.resolve(new SdkCredentialSource(), Optional.empty());

        assertThat(credentials).isInstanceOf(AwsSessionCredentials.class);
        assertThat(credentials.accessKeyId()).isEqualTo("ASIAIMDSEXAMPLE");
        assertThat(((AwsSessionCredentials) credentials).sessionToken()).isEqualTo("imds-role-session-token");
        assertThat(Credentials.origin(credentials, Optional.empty()))
                .isEqualTo("the AWS default chain (temporary session credentials)");

        imds.verify(putRequestedFor(urlEqualTo("/latest/api/token"))
                .withHeader("x-aws-ec2-metadata-token-ttl-seconds", matching("[1-9][0-9]*")));
        imds.verify(getRequestedFor(urlEqualTo("/latest/meta-data/iam/security-credentials/"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(TOKEN)));
        imds.verify(getRequestedFor(urlEqualTo("/latest/meta-data/iam/security-credentials/app-role"))
                .withHeader("x-aws-ec2-metadata-token", equalTo(TOKEN)));
    }

    @Test
    void aNamedProfileThatIsNotThereIsAClearError() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Credentials.resolve(new SdkCredentialSource(),
                        Optional.of("ops")))
                .isInstanceOf(dev.regatta.mount.MountFailure.class)
                .hasMessageStartingWith("no AWS credentials in profile 'ops' (awsprofile=ops): ")
                .hasMessageEndingWith("; check ~/.aws/credentials and ~/.aws/config of root");
    }
}
