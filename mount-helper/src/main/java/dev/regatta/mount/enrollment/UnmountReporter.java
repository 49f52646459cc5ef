package dev.regatta.mount.enrollment;

import dev.regatta.mount.aws.CredentialSource;
import dev.regatta.mount.aws.Credentials;
import dev.regatta.mount.aws.StsProof;
import dev.regatta.mount.aws.StsProofSigner;
import dev.regatta.mount.controlplane.MountApiClient;
import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import dev.regatta.mount.controlplane.EndedMount;
import dev.regatta.mount.controlplane.UnmountReport;
import dev.regatta.mount.state.MountState;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Tells the control plane that a mount ended, so that it ends the mount's session instead of listing it as live until
 * its certificate expires. The report is authenticated like a mount: a fresh STS proof, signed for this service and
 * the mount's file system, by the identity that mounted.
 */
public final class UnmountReporter {

    /**
     * The report is a courtesy: a control plane that is slow to answer (it asks STS first) must not hold the
     * watchdog's pass, which looks after the other mounts, for long.
     */
    public static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final StsProofSigner signer;

    public UnmountReporter(StsProofSigner signer) {
        this.signer = signer;
    }

    /**
     * @throws ControlPlaneRefusal when the control plane refuses the report
     * @throws dev.regatta.mount.controlplane.ControlPlaneUnreachable when it does not answer
     */
    public EndedMount report(MountApiClient controlPlane, AwsCredentialsIdentity credentials, URI stsEndpoint,
                             String region, String fileSystemId, String mountId) {
        String serverId = controlPlane.serverId(TIMEOUT);
        StsProof proof = signer.sign(credentials, stsEndpoint, region, serverId, fileSystemId);
        return controlPlane.reportUnmount(mountId, new UnmountReport(fileSystemId, proof), TIMEOUT);
    }

    /**
     * The mount a state file describes, to the control plane it came from, signed as it was (same profile, region
     * and STS endpoint).
     *
     * @throws dev.regatta.mount.MountFailure when no AWS credentials can be found
     */
    public EndedMount report(MountState state, CredentialSource credentials) {
        return report(new MountApiClient(URI.create(state.controlPlane())),
                Credentials.resolve(credentials, Optional.ofNullable(state.awsProfile())),
                URI.create(state.stsEndpoint()), state.region(), state.fileSystemId(), state.mountId());
    }
}
