package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.filesystem.FileSystemRepository;
import dev.regatta.controlplane.grant.Grant;
import dev.regatta.controlplane.grant.GrantRepository;
import dev.regatta.controlplane.node.Node;
import dev.regatta.controlplane.node.NodeRepository;
import dev.regatta.controlplane.service.ServerIdentity;
import org.springframework.stereotype.Component;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides whether a well-formed mount request may go through, in the contract's order: the cheap checks of the
 * proof first, so that nothing unbound to this deployment and file system, or stale, ever reaches STS; then who the
 * caller is; then what it may do and where.
 */
@Component
class MountAuthorizer {

    private final StsEndpoints endpoints;
    private final ServerIdentity serverIdentity;
    private final FileSystemRepository fileSystems;
    private final CallerIdentityVerifier verifier;
    private final GrantRepository grants;
    private final NodeRepository nodes;
    private final UsedProofs usedProofs;
    private final ControlPlaneProperties.Sts sts;
    private final Duration nodeDeadAfter;

    MountAuthorizer(StsEndpoints endpoints, ServerIdentity serverIdentity, FileSystemRepository fileSystems,
                    CallerIdentityVerifier verifier, GrantRepository grants, NodeRepository nodes,
                    UsedProofs usedProofs, ControlPlaneProperties properties) {
        this.endpoints = endpoints;
        this.serverIdentity = serverIdentity;
        this.fileSystems = fileSystems;
        this.verifier = verifier;
        this.grants = grants;
        this.nodes = nodes;
        this.usedProofs = usedProofs;
        this.sts = properties.sts();
        this.nodeDeadAfter = properties.nodes().deadAfter();
    }

    /** @throws MountRefusedException for the first check that fails */
    Admission authorize(MountRequest request, Instant now) {
        StsProof proof = StsProof.read(request.stsRequest(), endpoints);
        requireBoundTo(proof, request.fileSystemId());
        requireFresh(proof, now);
        FileSystem fileSystem = fileSystems.find(request.fileSystemId()).orElseThrow(() ->
                MountRefusedException.notFound("there is no file system " + request.fileSystemId()));
        requireUnused(proof, now);
        CallerIdentity caller;
        try {
            caller = verifier.verify(proof);
        } catch (MountRefusedException e) {
            if (e.status().is5xxServerError()) {
                // STS never judged the proof (unreachable, failing, throttling): the client may retry with it.
                usedProofs.release(proof.fingerprint());
            }
            throw e;
        }
        try {
            Grant grant = GrantSelection.decidingGrant(grants.forFileSystem(fileSystem.id()), caller.arn(),
                    request.access()).orElseThrow(() -> MountRefusedException.forbidden("no grant of "
                    + fileSystem.id() + " admits " + caller.arn() + ": an admin can grant its role, user or account"));
            if (!grant.access().admits(request.access())) {
                throw MountRefusedException.forbidden("grant " + grant.id() + " (" + grant.principal() + ") admits "
                        + caller.arn() + " to " + fileSystem.id() + " read-only: mount it with access READ_ONLY");
            }
            Node node = nodes.liveNodeServing(fileSystem.id(), now.minus(nodeDeadAfter)).orElseThrow(() ->
                    MountRefusedException.unavailable("no live data-plane node serves " + fileSystem.id()
                            + " (none heartbeated within " + nodeDeadAfter.toSeconds() + " s); try again later"));
            return new Admission(fileSystem, caller, grant, node);
        } catch (MountRefusedException e) {
            throw e.of(caller.arn().arn());
        }
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
            throw MountRefusedException.badRequest("this STS request was already used for a mount: each mount "
                    + "needs a newly signed one");
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
