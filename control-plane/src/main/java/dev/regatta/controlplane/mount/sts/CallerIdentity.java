package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.iam.CallerArn;

/** Who STS said signed a proof (GetCallerIdentity's answer). */
public record CallerIdentity(CallerArn arn, String account, String userId) {
}
