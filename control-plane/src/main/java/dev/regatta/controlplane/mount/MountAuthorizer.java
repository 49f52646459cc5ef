package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.FileSystemRepository;
import dev.regatta.controlplane.filesystem.Member;
import dev.regatta.controlplane.filesystem.ReplicationGroup;
import dev.regatta.controlplane.filesystem.ReplicationGroups;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.grant.GrantRepository;
import dev.regatta.controlplane.mount.sts.CallerIdentity;
import dev.regatta.controlplane.mount.sts.CallerIdentityVerifier;
import dev.regatta.controlplane.mount.sts.ProofRefusedException;
import dev.regatta.controlplane.mount.sts.StsEndpoints;
import dev.regatta.controlplane.mount.sts.StsProof;
import dev.regatta.controlplane.mount.sts.StsRequest;
import dev.regatta.controlplane.mount.sts.Texts;
import dev.regatta.controlplane.mount.sts.UsedProofs;
import dev.regatta.controlplane.service.ServerIdentity;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Decides whether a well-formed mount request, renewal or unmount report may go through, in the contract's order:
 * the cheap checks of the proof first, so that nothing unbound to this deployment and file system, or stale, ever
 * reaches STS; then who the caller is; then, for a renewal or an unmount, whether the session named is the caller's;
 * then what it may do and where: the group's leader, or without a known one its first live member.
 */
@Component
class MountAuthorizer {

    private final StsEndpoints endpoints;
    private final ServerIdentity serverIdentity;
    private final FileSystemRepository fileSystems;
    private final CallerIdentityVerifier verifier;
    private final GrantRepository grants;
    private final ReplicationGroups groups;
    private final UsedProofs usedProofs;
    private final MountSessionRepository sessions;
    private final ControlPlaneProperties.Sts sts;
    private final Duration nodeDeadAfter;

    MountAuthorizer(StsEndpoints endpoints, ServerIdentity serverIdentity, FileSystemRepository fileSystems,
                    CallerIdentityVerifier verifier, GrantRepository grants, ReplicationGroups groups,
                    UsedProofs usedProofs, MountSessionRepository sessions, ControlPlaneProperties properties) {
        this.endpoints = endpoints;
        this.serverIdentity = serverIdentity;
        this.fileSystems = fileSystems;
        this.verifier = verifier;
        this.grants = grants;
        this.groups = groups;
        this.usedProofs = usedProofs;
        this.sessions = sessions;
        this.sts = properties.sts();
        this.nodeDeadAfter = properties.nodes().deadAfter();
    }

    /** @throws MountRefusedException for the first check that fails */
    AuthorizedMount authorize(MountRequest request, Instant now) {
        VerifiedCaller verified = verify(request.fileSystemId(), request.stsRequest(), now);
        FileSystem fileSystem = verified.fileSystem();
        CallerIdentity caller = verified.caller();
        try {
            MountSession renewed = request.renews() == null ? null : renewable(request, verified);
            Grant grant = GrantSelection.decidingGrant(grants.forFileSystem(fileSystem.id()), caller.arn(),
                    request.access()).orElseThrow(() -> MountRefusedException.forbidden("no grant of "
                    + fileSystem.id() + " admits " + caller.arn() + ": an admin can grant its role, user or account"));
            if (!grant.access().admits(request.access())) {
                throw MountRefusedException.forbidden("grant " + grant.id() + " (" + grant.principal() + ") admits "
                        + caller.arn() + " to " + fileSystem.id() + " read-only: mount it with access READ_ONLY");
            }
            ReplicationGroup group = groups.of(fileSystem, now);
            List<Member> routes = group.routes();
            if (routes.isEmpty()) {
                throw MountRefusedException.unavailable(group.unavailable(nodeDeadAfter));
            }
            return new AuthorizedMount(fileSystem, caller, grant, routes.getFirst(),
                    routes.stream().map(Member::address).toList(), renewed);
        } catch (MountRefusedException e) {
            throw e.of(verified.arn());
        }
    }

    /**
     * An unmount report: the same proof checks as a mount, then the session must be one of the proof's file system
     * and have been made by the same caller. A session that already ended is returned as it is (a repeated report).
     *
     * @throws MountRefusedException for the first check that fails
     */
    Ending authorizeUnmount(String mountId, UnmountRequest request, Instant now) {
        VerifiedCaller verified = verify(request.fileSystemId(), request.stsRequest(), now);
        try {
            MountSession session = sessions.find(mountId)
                    .filter(found -> found.fileSystemId().equals(verified.fileSystem().id()))
                    .orElseThrow(() -> MountRefusedException.notFound("there is no mount " + mountId + " of "
                            + verified.fileSystem().id()));
            if (!session.principalArn().equals(verified.arn())) {
                throw MountRefusedException.forbidden("mount " + mountId + " was made by another IAM identity than "
                        + verified.arn() + ": only the identity that mounted can report its unmount");
            }
            return new Ending(verified, session);
        } catch (MountRefusedException e) {
            throw e.of(verified.arn());
        }
    }

    /** What an unmount report ends, and who reported it. */
    record Ending(VerifiedCaller reporter, MountSession session) {
    }

    /**
     * The proof's checks, in the contract's order, up to who the caller is: the cheap ones first, so that nothing
     * unbound to this deployment and file system, or stale, ever reaches STS.
     */
    private VerifiedCaller verify(String fileSystemId, StsRequest stsRequest, Instant now) {
        StsProof proof;
        try {
            proof = StsProof.read(stsRequest, endpoints);
        } catch (ProofRefusedException e) {
            throw MountRefusedException.of(e);
        }
        requireBoundTo(proof, fileSystemId);
        requireFresh(proof, now);
        FileSystem fileSystem = fileSystems.find(fileSystemId).orElseThrow(() ->
                MountRefusedException.notFound("there is no file system " + fileSystemId));
        requireUnused(proof, now);
        try {
            return new VerifiedCaller(fileSystem, verifier.verify(proof));
        } catch (ProofRefusedException e) {
            if (e.status().is5xxServerError()) {
                // STS never judged the proof (unreachable, failing, throttling): the client may retry with it.
                usedProofs.release(proof.fingerprint());
            }
            throw MountRefusedException.of(e);
        }
    }

    /**
     * The session a renewal continues: it must exist, be of the same file system, have been made by the same caller
     * (the very ARN), not have ended, and keep its access. Any of these failing is a 409, which tells the client that
     * this session cannot go on (it may mount anew), unlike a 403, which says the caller may not mount at all.
     */
    private MountSession renewable(MountRequest request, VerifiedCaller verified) {
        String id = request.renews();
        MountSession session = sessions.find(id)
                .filter(found -> found.fileSystemId().equals(request.fileSystemId()))
                .orElseThrow(() -> MountRefusedException.conflict("there is no mount " + id + " of "
                        + request.fileSystemId() + " to renew: mount anew, without renews"));
        if (!session.principalArn().equals(verified.arn())) {
            throw MountRefusedException.conflict("mount " + id + " was made by another IAM identity than "
                    + verified.arn() + ": only the identity that mounted can renew it; mount anew, without renews");
        }
        if (session.ended()) {
            throw MountRefusedException.conflict("mount " + id + " ended at " + session.endedAt() + " ("
                    + session.endReason() + ") and cannot be renewed: mount anew, without renews");
        }
        if (session.access() != request.access()) {
            throw MountRefusedException.conflict("mount " + id + " is " + session.access() + " and a renewal keeps "
                    + "its access: renew it with access " + session.access() + ", or mount anew");
        }
        return session;
    }

    private void requireBoundTo(StsProof proof, String fileSystemId) {
        if (!proof.serverId().equals(serverIdentity.serverId())) {
            throw MountRefusedException.badRequest("the STS request's signed " + StsProof.SERVER_ID_HEADER + " is '"
                    + Texts.clip(proof.serverId()) + "' but this server is '" + serverIdentity.serverId()
                    + "' (GET /api/v1/service): the proof was made for another Regatta deployment");
        }
        if (!proof.fileSystemId().equals(fileSystemId)) {
            throw MountRefusedException.badRequest("the STS request's signed " + StsProof.FILE_SYSTEM_ID_HEADER
                    + " is '" + Texts.clip(proof.fileSystemId()) + "' but the mount asks for " + fileSystemId);
        }
    }

    /** Claimed before STS is asked, so that two requests racing with one proof cannot both get through. */
    private void requireUnused(StsProof proof, Instant now) {
        Instant usableUntil = proof.signedAt().plus(sts.maxRequestAge()).plus(sts.maxClockSkew());
        if (!usedProofs.claim(proof.fingerprint(), usableUntil, now)) {
            throw MountRefusedException.badRequest("this STS request was already used: each mount, renewal and "
                    + "unmount report needs a newly signed one");
        }
    }

    private void requireFresh(StsProof proof, Instant now) {
        if (proof.signedAt().isBefore(now.minus(sts.maxRequestAge()))) {
            throw MountRefusedException.badRequest("the STS request was signed at " + proof.signedAt() + ", more than "
                    + sts.maxRequestAge().toMinutes() + " minutes ago: sign a fresh one");
        }
        if (proof.signedAt().isAfter(now.plus(sts.maxClockSkew()))) {
            throw MountRefusedException.badRequest("the STS request was signed at " + proof.signedAt()
                    + ", in the future: the client's clock is more than " + sts.maxClockSkew().toMinutes()
                    + " minutes ahead of " + now);
        }
    }
}
