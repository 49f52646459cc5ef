package dev.regatta.mount.aws;

import dev.regatta.mount.MountFailure;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.core.exception.SdkException;

import java.util.Optional;

/** Resolves credentials once per proof, turning "none found" into advice. */
public final class Credentials {

    private Credentials() {
    }

    public static AwsCredentials resolve(CredentialSource source, Optional<String> awsProfile) {
        AwsCredentialsProvider provider;
        try {
            provider = source.provider(awsProfile);
            return provider.resolveCredentials();
        } catch (SdkException | IllegalArgumentException | IllegalStateException e) {
            String why = firstLine(e.getMessage());
            throw MountFailure.mountFailed(awsProfile
                    .map(name -> "no AWS credentials in profile '" + name + "' (awsprofile=" + name + "): " + why
                            + "; check ~/.aws/credentials and ~/.aws/config of root")
                    .orElse("no AWS credentials found: " + why + "; on EC2 attach an instance profile (IAM role) to "
                            + "the instance and allow IMDSv2, elsewhere set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
                            + "or name a profile with -o awsprofile=NAME"), e);
        }
    }

    /**
     * Where they came from and what kind they are, for {@code -v}; never the key itself. (The SDK names the provider
     * only by a metrics code, so the chain's link that answered is not told.)
     */
    public static String origin(AwsCredentials credentials, Optional<String> awsProfile) {
        return awsProfile.map(name -> "profile " + name).orElse("the AWS default chain")
                + (credentials instanceof AwsSessionCredentials ? " (temporary session credentials)"
                : " (a long-term access key)");
    }

    private static String firstLine(String message) {
        return message == null ? "no reason given" : message.lines().findFirst().orElse("no reason given");
    }
}
