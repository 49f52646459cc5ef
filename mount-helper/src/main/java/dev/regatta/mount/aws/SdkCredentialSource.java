package dev.regatta.mount.aws;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;

import java.util.Optional;

/**
 * The AWS SDK's own providers, so credentials are found exactly where the AWS CLI finds them: environment
 * variables, system properties, web identity, the shared profile files, container credentials, and on EC2 the
 * instance profile through IMDSv2 (a session token from a PUT, then the role's credentials with that token).
 */
public final class SdkCredentialSource implements CredentialSource {

    @Override
    public AwsCredentialsProvider provider(Optional<String> awsProfile) {
        return awsProfile.<AwsCredentialsProvider>map(name -> ProfileCredentialsProvider.builder().profileName(name)
                .build()).orElseGet(() -> DefaultCredentialsProvider.builder().build());
    }
}
