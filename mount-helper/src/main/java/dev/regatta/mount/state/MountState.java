package dev.regatta.mount.state;

import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.options.MountAccess;
import dev.regatta.mount.tunnel.TunnelProcess;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * Everything the watchdog needs to look after one mount, kept in {@code <state_dir>/<FS_ID>-<mount key>.json}.
 * No secrets: the key stays in its own 0600 file, named here.
 *
 * @param mountPoint         the directory, as the mount table names it
 * @param mountId            the control plane's ID of this mount's session: renewals name it and keep it; it changes
 *                           only when the control plane starts a new session instead (see the watchdog)
 * @param nodeAddress        the data-plane node the tunnel connects to (with several members, the one it tries first)
 * @param localPort          the tunnel's port on its address, which the kernel mount names and so never changes
 * @param tunnelStartedAt    tells the tunnel apart from a later process with the same PID
 * @param certificateIssuedAt,expiresAt the certificate's validity, for renewal
 * @param nfsOptions         the kernel mount's options, as run
 * @param controlPlane       where the certificate came from, and where renewals go
 * @param awsProfile         the {@code awsprofile=} option, or null for the default chain
 * @param createdAt          when mount.regatta set the mount up
 * @param listenAddress      the tunnel's loopback address, the NFS server's address for the kernel: the mount's own
 *                           (127.0.77.x), or 127.0.0.1 (and null in state files written before there were others)
 * @param portmapperPort     the port of the tunnel's portmapper, 0 for none
 * @param lockRedirect       whether mount.regatta's netfilter rule sends {@code listenAddress}:111 to that portmapper
 *                           (so NFS locks go to the data plane), to be removed with the mount
 * @param memberAddresses    every address the tunnel connects to, {@code nodeAddress} first: the members of the file
 *                           system's replication group; null in state files written before there were groups (then
 *                           {@code nodeAddress} alone). A helper of the version before ignores it (unknown fields
 *                           are) and keeps to {@code nodeAddress}, so a state file stays readable both ways.
 */
public record MountState(String fileSystemId, String mountPoint, String mountId, String principal,
                         String nodeAddress, int localPort, long tunnelPid, Instant tunnelStartedAt,
                         String keyFile, String certificateFile, String caFile,
                         Instant certificateIssuedAt, Instant expiresAt, MountAccess access, List<String> nfsOptions,
                         String controlPlane, String stsEndpoint, String region, String awsProfile,
                         Instant createdAt, String listenAddress, int portmapperPort, boolean lockRedirect,
                         List<String> memberAddresses) {

    /** The tunnel's address; 127.0.0.1 for a state file written before mounts had their own. */
    public String address() {
        return listenAddress == null ? "127.0.0.1" : listenAddress;
    }

    /** The addresses the tunnel connects to; {@code nodeAddress} alone for a state file from before groups. */
    public List<String> members() {
        return memberAddresses == null || memberAddresses.isEmpty() ? List.of(nodeAddress) : memberAddresses;
    }

    public TunnelProcess tunnel() {
        return new TunnelProcess(tunnelPid, tunnelStartedAt, localPort, portmapperPort);
    }

    public CredentialFiles credentials() {
        return new CredentialFiles(Path.of(keyFile).getParent());
    }

    public MountState withTunnel(TunnelProcess tunnel) {
        return new MountState(fileSystemId, mountPoint, mountId, principal, nodeAddress, tunnel.port(), tunnel.pid(),
                tunnel.startedAt(), keyFile, certificateFile, caFile, certificateIssuedAt, expiresAt, access,
                nfsOptions, controlPlane, stsEndpoint, region, awsProfile, createdAt, listenAddress,
                tunnel.portmapperPort(), lockRedirect, memberAddresses);
    }

    /** After a fallback to local locks: other NFS options, and no netfilter rule any more. */
    public MountState withLocalLocks(List<String> newNfsOptions) {
        return new MountState(fileSystemId, mountPoint, mountId, principal, nodeAddress, localPort, tunnelPid,
                tunnelStartedAt, keyFile, certificateFile, caFile, certificateIssuedAt, expiresAt, access,
                newNfsOptions, controlPlane, stsEndpoint, region, awsProfile, createdAt, listenAddress, portmapperPort,
                false, memberAddresses);
    }

    /** @param newMembers the addresses the tunnel connects to now, the one to try first at the head */
    public MountState withCertificate(String newMountId, List<String> newMembers, Instant issuedAt,
                                      Instant newExpiry) {
        return new MountState(fileSystemId, mountPoint, newMountId, principal, newMembers.get(0), localPort,
                tunnelPid, tunnelStartedAt, keyFile, certificateFile, caFile, issuedAt, newExpiry, access, nfsOptions,
                controlPlane, stsEndpoint, region, awsProfile, createdAt, listenAddress, portmapperPort,
                lockRedirect, List.copyOf(newMembers));
    }

    @Override
    public String toString() {
        return fileSystemId + " at " + mountPoint;
    }

    /** Names a mount point in file names: two mounts of one file system in two directories do not collide. */
    public static String keyOf(Path mountPoint) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(mountPoint.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
