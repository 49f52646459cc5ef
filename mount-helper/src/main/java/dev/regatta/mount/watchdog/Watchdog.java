package dev.regatta.mount.watchdog;

import dev.regatta.mount.Environment;
import dev.regatta.mount.MountFailure;
import dev.regatta.mount.Narrator;
import dev.regatta.mount.aws.Credentials;
import dev.regatta.mount.aws.StsProofSigner;
import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import dev.regatta.mount.controlplane.ControlPlaneUnreachable;
import dev.regatta.mount.controlplane.EndedMount;
import dev.regatta.mount.controlplane.MountApiClient;
import dev.regatta.mount.controlplane.MountGrant;
import dev.regatta.mount.enrollment.CertificateEnrollment;
import dev.regatta.mount.enrollment.Enrollment;
import dev.regatta.mount.enrollment.UnmountReporter;
import dev.regatta.mount.host.MountTable;
import dev.regatta.mount.locks.LockRedirect;
import dev.regatta.mount.nfs.NfsMountCommand;
import dev.regatta.mount.state.MountState;
import dev.regatta.mount.state.StateStore;
import dev.regatta.mount.tunnel.TunnelProcess;
import dev.regatta.mount.tunnel.TunnelSpec;
import dev.regatta.mount.tunnel.TunnelStartFailure;
import dev.regatta.pki.Pem;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * One pass over the mounts, for each: cleans up after an unmount and reports it to the control plane, restarts a
 * tunnel that died, renews a certificate that expires soon (keeping the mount's session). Each mount is on its own: a
 * problem with one is logged and the pass goes on.
 */
public final class Watchdog {

    /**
     * After a refused or failed renewal, the next attempt waits this long (or as long as a 429 asks): the
     * control plane counts refusals, and a watchdog asking every few seconds would only lock this machine out.
     */
    static final Duration RENEWAL_RETRY = Duration.ofMinutes(1);

    private final Environment environment;
    private final HelperConfig config;
    private final StateStore states;
    private final WatchdogLog log;
    private final LockRedirect redirects;
    private final Map<Path, Instant> nextRenewalAttempt = new HashMap<>();
    private final Set<Path> reportedUnreadable = new HashSet<>();
    /**
     * Sessions the control plane would not renew (409): their mount asks for a new session straight away next time,
     * rather than a doomed renewal first, which would only add a refusal to this machine's count.
     */
    private final Set<String> notRenewable = new HashSet<>();

    public Watchdog(Environment environment, WatchdogLog log) {
        this.environment = environment;
        this.config = environment.config();
        this.states = new StateStore(config.stateDir());
        this.log = log;
        this.redirects = new LockRedirect(environment.commands());
    }

    /** @return how many mounts it still looks after */
    public int pass() {
        MountTable table = new MountTable(environment.host().mountTable());
        int watched = 0;
        for (MountState state : states.all(this::unreadable)) {
            try {
                if (lookAfter(state, table)) {
                    watched++;
                }
            } catch (RuntimeException | IOException e) {
                watched++;
                log.log(state + ": " + e);
            }
        }
        return watched;
    }

    private boolean lookAfter(MountState state, MountTable table) throws IOException {
        Instant now = environment.clock().instant();
        // Within the grace a mount not in this machine's table is still being set up, or (--no-mount) is used from
        // elsewhere: its tunnel and certificate are looked after all the same.
        if (!table.isMounted(Path.of(state.mountPoint()), "nfs", NfsMountCommand.source(state.address(),
                state.fileSystemId()))
                && !now.isBefore(state.createdAt().plus(config.unmountedGrace()))) {
            cleanUp(state);
            return false;
        }
        MountState current = keepTunnelRunning(state);
        renewIfDue(current, now);
        return true;
    }

    private void cleanUp(MountState state) throws IOException {
        environment.tunnels().stop(state.tunnel());
        if (state.lockRedirect()) {
            redirects.remove(state.address()).ifPresentOrElse(
                    failure -> log.log(state + ": could not remove its netfilter rule (table ip " + LockRedirect.TABLE
                            + ", chain " + LockRedirect.chain(state.address()) + "): " + failure),
                    () -> log.log(state + ": removed its netfilter rule for " + state.address() + ":111"));
        }
        state.credentials().delete();
        states.delete(state);
        nextRenewalAttempt.remove(states.fileOf(state));
        notRenewable.remove(state.mountId());
        log.log(state + " is no longer mounted: stopped its tunnel (pid " + state.tunnelPid() + "), removed its key, "
                + "certificates and state");
        reportUnmount(state);
    }

    /**
     * Best effort, once, after the cleanup: a report that fails leaves the session listed as live until its
     * certificate expires, which is all it costs, so it is logged and never retried or thrown.
     */
    private void reportUnmount(MountState state) {
        String mount = "mount " + state.mountId();
        String consequence = environment.clock().instant().isBefore(state.expiresAt())
                ? "; the control plane lists " + mount + " as live until its certificate expires at "
                + state.expiresAt() + ", and nothing else depends on the report"
                : "; its certificate expired at " + state.expiresAt() + ", so the control plane no longer lists it "
                + "as live anyway";
        try {
            EndedMount ended = new UnmountReporter(new StsProofSigner(environment.clock())).report(state,
                    environment.credentials());
            log.log(state + ": told the control plane at " + state.controlPlane() + " that " + mount + " ended; it "
                    + "ended the mount's session at " + ended.endedAt());
        } catch (ControlPlaneRefusal refusal) {
            log.log(state + ": the control plane at " + state.controlPlane() + " refused the report that " + mount
                    + " ended (HTTP " + refusal.status() + "): " + refusal.detail() + consequence
                    + UnmountAdvice.of(refusal));
        } catch (ControlPlaneUnreachable | MountFailure e) {
            log.log(state + ": could not tell the control plane that " + mount + " ended: " + e.getMessage()
                    + consequence);
        } catch (RuntimeException e) {
            log.log(state + ": could not tell the control plane that " + mount + " ended (" + e + ")" + consequence);
        }
    }

    private MountState keepTunnelRunning(MountState state) throws IOException {
        if (environment.tunnels().isRunning(state.tunnel())) {
            return state;
        }
        log.log(state + ": its tunnel (pid " + state.tunnelPid() + ") is not running; restarting it on "
                + state.address() + ":" + state.localPort());
        return restartTunnel(state);
    }

    /** Starts the tunnel of {@code state} towards its members. */
    private MountState restartTunnel(MountState state) throws IOException {
        // The same address and port, which the kernel mount names, and the same portmapper port, which the netfilter
        // rule names (if it is taken now, the tunnel fails to start and the next pass tries again).
        TunnelSpec spec = new TunnelSpec(state.fileSystemId(), state.members(), state.credentials(),
                OptionalInt.of(state.localPort()), config.tunnelPortRange(), config.logDir(), state.address(),
                state.portmapperPort() != 0, state.portmapperPort());
        try {
            TunnelProcess tunnel = environment.tunnels().start(spec);
            MountState restarted = state.withTunnel(tunnel);
            states.write(restarted);
            log.log(state + ": tunnel to " + spec.nodes() + " running again (pid " + tunnel.pid() + ")");
            if (restarted.lockRedirect() && tunnel.portmapperPort() != state.portmapperPort()) {
                redirects.install(state.address(), tunnel.portmapperPort()).ifPresentOrElse(
                        refusal -> log.log(state + ": could not point its netfilter rule at the new portmapper port "
                                + tunnel.portmapperPort() + ": " + refusal.detail()),
                        () -> log.log(state + ": its netfilter rule now names portmapper port "
                                + tunnel.portmapperPort()));
            }
            return restarted;
        } catch (TunnelStartFailure e) {
            log.log(state + ": " + e.getMessage());
            return state;
        }
    }

    private void renewIfDue(MountState state, Instant now) throws IOException {
        Path file = states.fileOf(state);
        Instant due = RenewalPolicy.renewAt(state.certificateIssuedAt(), state.expiresAt(), config.renewalMargin());
        if (now.isBefore(due) || now.isBefore(nextRenewalAttempt.getOrDefault(file, Instant.MIN))) {
            return;
        }
        String keepsWorking = now.isBefore(state.expiresAt())
                ? "the mount keeps working until its certificate expires at " + state.expiresAt()
                : "its certificate expired at " + state.expiresAt() + ", so the mount does not work until renewed";
        try {
            Enrollment enrollment;
            if (notRenewable.contains(state.mountId())) {
                enrollment = enroll(state, Optional.empty());
            } else {
                try {
                    enrollment = enroll(state, Optional.of(state.mountId()));
                } catch (ControlPlaneRefusal refusal) {
                    if (refusal.status() != 409) {
                        throw refusal;
                    }
                    // The control plane will not continue this session (it does not know it, it ended, or this
                    // machine's identity is not the one that mounted): the mount is still in use, so it gets a new
                    // session, which is authorized like any mount.
                    log.log(state + ": the control plane will not renew mount " + state.mountId() + " (HTTP 409): "
                            + refusal.detail() + "; asking for a new mount session instead");
                    notRenewable.add(state.mountId());
                    enrollment = enroll(state, Optional.empty());
                }
            }
            renewed(state, enrollment);
            nextRenewalAttempt.remove(file);
        } catch (ControlPlaneRefusal refusal) {
            log.log(state + ": the control plane refused to renew the certificate (HTTP " + refusal.status() + "): "
                    + refusal.detail() + "; " + keepsWorking);
            nextRenewalAttempt.put(file, now.plus(refusal.retryAfter().filter(after -> after.compareTo(RENEWAL_RETRY)
                    > 0).orElse(RENEWAL_RETRY)));
        } catch (ControlPlaneUnreachable | MountFailure e) {
            log.log(state + ": cannot renew the certificate: " + e.getMessage() + "; " + keepsWorking);
            nextRenewalAttempt.put(file, now.plus(RENEWAL_RETRY));
        }
    }

    private Enrollment enroll(MountState state, Optional<String> renews) {
        return new CertificateEnrollment(new StsProofSigner(environment.clock()), Narrator.silent())
                .enroll(new MountApiClient(URI.create(state.controlPlane())),
                        Credentials.resolve(environment.credentials(), Optional.ofNullable(state.awsProfile())),
                        URI.create(state.stsEndpoint()), state.region(), state.fileSystemId(), state.access(), renews);
    }

    /**
     * New key and certificate in place (the tunnel reloads them); a new node, or other members or another order of
     * them (a failover puts the new leader first), means a new tunnel on the same port. The mount ID is the one the
     * control plane answered: the same for a renewal, a new one for a new session.
     */
    private void renewed(MountState state, Enrollment enrollment) throws IOException {
        MountGrant grant = enrollment.grant();
        state.credentials().write(Pem.privateKeyText(enrollment.keys().getPrivate()), grant.certificate(),
                grant.caCertificates());
        MountState renewed = state.withCertificate(grant.mountId(), grant.members(), enrollment.issuedAt(),
                grant.expiresAt());
        states.write(renewed);
        if (grant.mountId().equals(state.mountId())) {
            log.log(state + ": renewed the certificate of mount " + grant.mountId() + " (valid until "
                    + grant.expiresAt() + ")");
        } else {
            log.log(state + ": renewed the certificate under a new mount session " + grant.mountId() + " (was "
                    + state.mountId() + "; valid until " + grant.expiresAt() + ")");
        }
        if (!renewed.members().equals(state.members())) {
            log.log(state + ": " + (state.members().size() == 1 && renewed.members().size() == 1
                    ? "the file system moved from node " + state.nodeAddress() + " to " + renewed.nodeAddress()
                    : "the file system's nodes are now " + String.join(", ", renewed.members()) + " (were "
                    + String.join(", ", state.members()) + ")") + "; restarting the tunnel");
            environment.tunnels().stop(renewed.tunnel());
            restartTunnel(renewed);
        }
    }

    private void unreadable(Path file, IOException e) {
        if (reportedUnreadable.add(file)) {
            log.log("cannot read the state file " + file + " (" + e.getMessage() + "); that mount is not looked after");
        }
    }
}
