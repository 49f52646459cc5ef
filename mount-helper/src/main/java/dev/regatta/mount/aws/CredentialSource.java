package dev.regatta.mount.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

import java.util.Optional;

/** Where the AWS credentials that sign the proof come from; tests hand over fixed ones. */
public interface CredentialSource {

    /** @param awsProfile the {@code awsprofile=} option; empty: the SDK's default chain */
    AwsCredentialsProvider provider(Optional<String> awsProfile);
}
