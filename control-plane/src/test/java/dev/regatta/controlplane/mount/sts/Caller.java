package dev.regatta.controlplane.mount.sts;

import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** An AWS identity a test signs proofs as: fixed test credentials and the ARN the fake STS says they belong to. */
public record Caller(String accessKeyId, String secretAccessKey, String sessionToken, String arn) {

    public static Caller roleSession(String account, String role, String session) {
        return new Caller(accessKeyId("ASIA", account + role + session), "secret-of-" + session,
                "session-token-of-" + session,
                "arn:aws:sts::" + account + ":assumed-role/" + role + "/" + session);
    }

    public static Caller user(String account, String name) {
        return new Caller(accessKeyId("AKIA", account + name), "secret-of-" + name, null,
                "arn:aws:iam::" + account + ":user/" + name);
    }

    private static String accessKeyId(String prefix, String owner) {
        return prefix + owner.toUpperCase().replaceAll("[^A-Z0-9]", "");
    }

    public String account() {
        return arn.split(":")[4];
    }

    public AwsCredentialsIdentity credentials() {
        return sessionToken == null ? AwsCredentialsIdentity.create(accessKeyId, secretAccessKey)
                : AwsSessionCredentialsIdentity.create(accessKeyId, secretAccessKey, sessionToken);
    }
}
