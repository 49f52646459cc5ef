package dev.regatta.mount.enrollment;

import dev.regatta.mount.Narrator;
import dev.regatta.mount.aws.StsProof;
import dev.regatta.mount.aws.StsProofSigner;
import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import dev.regatta.mount.controlplane.MountApiClient;
import dev.regatta.mount.controlplane.MountGrant;
import dev.regatta.mount.controlplane.MountRequest;
import dev.regatta.mount.options.MountAccess;
import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

import java.net.URI;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Mount authentication from the client's side, the same for a mount and for a renewal (which names the mount it
 * renews): learn the control plane's server ID, make a key pair and its request, sign the STS proof for this service
 * and this file system, and ask.
 */
public final class CertificateEnrollment {

    /** A node's TLS address: a host (a name, an IPv4 address or a bracketed IPv6 one) and a port. */
    private static final Pattern NODE_ADDRESS = Pattern.compile("([^\\s,\\[\\]]+|\\[[0-9a-fA-F:.]+\\]):\\d{1,5}");

    private final StsProofSigner signer;
    private final Narrator narrator;

    public CertificateEnrollment(StsProofSigner signer, Narrator narrator) {
        this.signer = signer;
        this.narrator = narrator;
    }

    /**
     * A new mount.
     *
     * @throws ControlPlaneRefusal when the control plane says no, or answers with a certificate that is not what was
     *                             asked for
     * @throws dev.regatta.mount.controlplane.ControlPlaneUnreachable when it does not answer
     */
    public Enrollment enroll(MountApiClient controlPlane, AwsCredentialsIdentity credentials, URI stsEndpoint,
                             String region, String fileSystemId, MountAccess access) {
        return enroll(controlPlane, credentials, stsEndpoint, region, fileSystemId, access, Optional.empty());
    }

    /**
     * A new mount, or with {@code renews} a new certificate for that mount: the control plane then keeps the mount's
     * ID and session (an older control plane may start a new session all the same; the grant says which).
     *
     * @throws ControlPlaneRefusal when the control plane says no, or answers with a certificate that is not what was
     *                             asked for
     * @throws dev.regatta.mount.controlplane.ControlPlaneUnreachable when it does not answer
     */
    public Enrollment enroll(MountApiClient controlPlane, AwsCredentialsIdentity credentials, URI stsEndpoint,
                             String region, String fileSystemId, MountAccess access, Optional<String> renews) {
        String serverId = controlPlane.serverId();
        narrator.say("control plane " + controlPlane.base() + " is server " + serverId);

        KeyPair keys = KeyMaterial.generate();
        String csr = KeyMaterial.certificateRequest(keys, fileSystemId);
        narrator.say("made a new EC P-256 key pair and its certificate request");

        StsProof proof = signer.sign(credentials, stsEndpoint, region, serverId, fileSystemId);
        narrator.say("signed the STS GetCallerIdentity proof for " + stsEndpoint + " (region " + region
                + ", signed for server " + serverId + " and " + fileSystemId + ")");

        narrator.say(renews.map(id -> "asking the control plane to renew mount " + id + " (" + access + " access to "
                + fileSystemId + ")").orElse("asking the control plane for " + access + " access to " + fileSystemId));
        MountGrant grant = controlPlane.requestMount(new MountRequest(fileSystemId, access, proof, csr,
                renews.orElse(null)));
        X509Certificate certificate = checked(grant, keys, fileSystemId, access);
        narrator.say("granted to " + grant.principal() + ": mount " + grant.mountId() + " on node "
                + grant.nodeAddress() + (grant.members().size() == 1 ? "" : " (of the replication group "
                + String.join(", ", grant.members()) + ")") + ", certificate valid until " + grant.expiresAt());
        return new Enrollment(grant, keys, certificate.getNotBefore().toInstant());
    }

    /** A certificate for another key or file system could only fail later, in the tunnel, less clearly. */
    private static X509Certificate checked(MountGrant grant, KeyPair keys, String fileSystemId, MountAccess access) {
        X509Certificate certificate;
        try {
            certificate = Pem.certificate(grant.certificate());
        } catch (CertificateException | RuntimeException e) {
            throw wrong("a certificate that cannot be read (" + e.getMessage() + ")");
        }
        if (!KeyMaterial.certifies(certificate, keys.getPublic())) {
            throw wrong("a certificate for another key than the one this mount made");
        }
        if (!fileSystemId.equals(grant.fileSystemId()) || grant.access() != access) {
            throw wrong("a mount of " + grant.fileSystemId() + " with " + grant.access() + " access, not "
                    + fileSystemId + " with " + access);
        }
        if (grant.nodeAddress() == null || grant.nodeAddress().isBlank() || grant.caCertificates() == null
                || grant.caCertificates().isEmpty() || grant.expiresAt() == null) {
            throw wrong("a mount without a node address, CA certificates or expiry");
        }
        for (String address : grant.members()) {
            // The tunnel's command line lists them with commas.
            if (address == null || !NODE_ADDRESS.matcher(address).matches()) {
                throw wrong("a node address that is not host:port: '" + address + "'");
            }
        }
        return certificate;
    }

    private static ControlPlaneRefusal wrong(String what) {
        return new ControlPlaneRefusal(201, "the control plane answered with " + what, Optional.empty());
    }
}
