package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.iam.CallerArn;

/** Who STS said signed a proof (GetCallerIdentity's answer). */
record CallerIdentity(CallerArn arn, String account, String userId) {
}
