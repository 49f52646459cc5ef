package dev.regatta.mount.mounting;

import dev.regatta.mount.Environment;
import dev.regatta.mount.MountFailure;
import dev.regatta.mount.Narrator;
import dev.regatta.mount.aws.Credentials;
import dev.regatta.mount.aws.SigningRegion;
import dev.regatta.mount.aws.StsProofSigner;
import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import dev.regatta.mount.controlplane.ControlPlaneUnreachable;
import dev.regatta.mount.controlplane.MountApiClient;
import dev.regatta.mount.controlplane.MountGrant;
import dev.regatta.mount.controlplane.RefusalAdvice;
import dev.regatta.mount.enrollment.CertificateEnrollment;
import dev.regatta.mount.enrollment.Enrollment;
import dev.regatta.mount.enrollment.UnmountReporter;
import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.locks.LockRedirect;
import dev.regatta.mount.locks.LoopbackAddresses;
import dev.regatta.mount.nfs.NfsMountCommand;
import dev.regatta.mount.options.FileSystemId;
import dev.regatta.mount.options.Locks;
import dev.regatta.mount.options.MountOptions;
import dev.regatta.mount.preflight.Preconditions;
import dev.regatta.mount.state.MountState;
import dev.regatta.mount.state.StateStore;
import dev.regatta.mount.tunnel.TunnelProcess;
import dev.regatta.mount.tunnel.TunnelSpec;
import dev.regatta.mount.tunnel.TunnelStartFailure;
import dev.regatta.pki.Pem;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One {@code mount -t regatta}: check the machine, prove who we are, get a certificate for a fresh key, start the
 * tunnel, mount, and leave the mount to the watchdog. Whatever fails, nothing is left behind: no tunnel, no key,
 * no state file, and a mount session the control plane admitted is reported unused.
 */
public final class Mounter {

    /** mount.nfs retries a server that does not answer for two minutes by default; give it that and a little. */
    private static final Duration KERNEL_MOUNT_TIMEOUT = Duration.ofMinutes(3);
    /** What mount.nfs says when a mount with locks finds no rpc.statd and cannot start it. */
    private static final String NO_STATD = "rpc.statd is not running";

    private final Environment environment;
    private final Narrator narrator;

    public Mounter(Environment environment, Narrator narrator) {
        this.environment = environment;
        this.narrator = narrator;
    }

    /** @param kernelMount false for {@code --no-mount}: print the kernel mount instead of running it */
    public void mount(FileSystemId fileSystem, Path requestedMountPoint, MountOptions options, boolean kernelMount) {
        HelperConfig config = environment.config();
        String fsId = fileSystem.value();
        narrator.say("mounting " + fsId + " at " + requestedMountPoint + " with " + options.access() + " access");
        Locks locks = options.locks().orElse(config.locks());
        if (!kernelMount && locks == Locks.REQUIRED) {
            throw MountFailure.usage("locks=required needs the kernel mount on this machine: the mount --no-mount "
                    + "prints runs elsewhere, where this machine's netfilter rule cannot send its lock lookups to the "
                    + "tunnel; use locks=off or auto");
        }
        // --no-mount: the printed mount runs elsewhere (another machine, a VM guest reaching 127.0.0.1 here), as
        // before: the tunnel on 127.0.0.1 and locks local to that client.
        boolean wantLocks = kernelMount && locks != Locks.OFF;

        Path mountPoint = new Preconditions(environment.host(), environment.commands(), narrator)
                .check(requestedMountPoint, kernelMount);

        String region = SigningRegion.resolve(options.region(), config.region(), options.awsProfile());
        URI stsEndpoint = config.stsEndpointFor(region);
        AwsCredentials credentials = Credentials.resolve(environment.credentials(), options.awsProfile());
        narrator.say("AWS credentials from " + Credentials.origin(credentials, options.awsProfile())
                + "; signing for region " + region);

        URI controlPlaneUrl = options.controlPlane().orElse(config.controlPlane());
        MountApiClient controlPlane = new MountApiClient(controlPlaneUrl);
        Enrollment enrollment = enroll(controlPlane, credentials, stsEndpoint, region, fsId, options);
        MountGrant grant = enrollment.grant();

        CredentialFiles files = CredentialFiles.of(config.libDir(), fsId, MountState.keyOf(mountPoint));
        StateStore states = new StateStore(config.stateDir());
        LockRedirect redirects = new LockRedirect(environment.commands());
        try {
            stopStaleTunnel(states, fsId, mountPoint, redirects);
            String address = kernelMount ? LoopbackAddresses.choose(mountPoint, otherAddresses(states, fsId,
                    mountPoint)) : TunnelSpec.DEFAULT_ADDRESS;
            files.write(Pem.privateKeyText(enrollment.keys().getPrivate()), grant.certificate(),
                    grant.caCertificates());
            narrator.say("wrote the key (0600) and certificates to " + files.directory());
            TunnelProcess tunnel = startTunnel(fsId, grant.members(), files, options, address, wantLocks);
            boolean[] redirected = {false};
            try {
                if (wantLocks) {
                    redirected[0] = redirectLockLookups(redirects, address, tunnel, locks, mountPoint);
                } else {
                    narrator.say("NFS locks stay on this instance (" + (kernelMount ? "locks=off" : "--no-mount")
                            + "): " + NfsMountCommand.LOCAL_LOCKS_SAID);
                }
                List<String> nfsOptions = NfsMountCommand.options(tunnel.port(), options.access(),
                        options.nfsOptions(), redirected[0]);
                MountState state = new MountState(fsId, mountPoint.toString(), grant.mountId(), grant.principal(),
                        grant.nodeAddress(), tunnel.port(), tunnel.pid(), tunnel.startedAt(), files.key().toString(),
                        files.certificate().toString(), files.caCertificates().toString(), enrollment.issuedAt(),
                        grant.expiresAt(), options.access(), nfsOptions, controlPlaneUrl.toString(),
                        stsEndpoint.toString(), region, options.awsProfile().orElse(null),
                        environment.clock().instant(), address, tunnel.portmapperPort(), redirected[0],
                        grant.members());
                // Written before the kernel mount, so that if mount.regatta dies during it the watchdog still
                // finds the tunnel (and the netfilter rule) and cleans up.
                states.write(state);
                narrator.say("state in " + states.fileOf(state));
                if (kernelMount) {
                    kernelMount(states, state, options, locks, redirects, redirected);
                } else {
                    environment.out().println(NfsMountCommand.display(NfsMountCommand.command(address, fsId,
                            mountPoint, nfsOptions)));
                }
            } catch (RuntimeException | IOException e) {
                if (redirected[0]) {
                    removeRedirect(redirects, address);
                }
                environment.tunnels().stop(tunnel);
                states.delete(fsId, mountPoint);
                throw e;
            }
        } catch (RuntimeException | IOException e) {
            deleteQuietly(files);
            reportUnused(controlPlane, credentials, stsEndpoint, region, fsId, grant);
            if (e instanceof IOException) {
                throw MountFailure.system("cannot write this mount's files: " + e.getMessage(), e);
            }
            throw (RuntimeException) e;
        }
        startWatchdog(grant);
    }

    /** The mount works without the watchdog until the certificate expires: a failure to start it is a warning. */
    private void startWatchdog(MountGrant grant) {
        try {
            environment.watchdogs().ensureRunning();
            narrator.say("the watchdog looks after the tunnel and renews the certificate before "
                    + grant.expiresAt());
        } catch (RuntimeException e) {
            environment.err().println("mount.regatta: warning: mounted, but the watchdog did not start ("
                    + e.getMessage() + "); without it the certificate is not renewed after " + grant.expiresAt()
                    + ": run 'mount.regatta watchdog' (see " + environment.config().logDir() + ")");
        }
    }

    private Enrollment enroll(MountApiClient controlPlane, AwsCredentials credentials, URI stsEndpoint,
                              String region, String fsId, MountOptions options) {
        try {
            return new CertificateEnrollment(new StsProofSigner(environment.clock()), narrator)
                    .enroll(controlPlane, credentials, stsEndpoint, region, fsId, options.access());
        } catch (ControlPlaneRefusal refusal) {
            throw RefusalAdvice.failure(refusal, fsId, options.access());
        } catch (ControlPlaneUnreachable unreachable) {
            throw RefusalAdvice.failure(unreachable);
        }
    }

    /**
     * The control plane admitted a mount that failed here: its session ends now rather than looking live until its
     * certificate expires. Best effort, said only with {@code -v}: the failure being reported matters more.
     */
    private void reportUnused(MountApiClient controlPlane, AwsCredentials credentials, URI stsEndpoint,
                              String region, String fsId, MountGrant grant) {
        try {
            new UnmountReporter(new StsProofSigner(environment.clock())).report(controlPlane, credentials,
                    stsEndpoint, region, fsId, grant.mountId());
            narrator.say("told the control plane that mount " + grant.mountId() + " is not used; it ended its "
                    + "session");
        } catch (RuntimeException e) {
            narrator.say("could not tell the control plane that mount " + grant.mountId() + " is not used ("
                    + e.getMessage() + "); it lists the mount as live until its certificate expires at "
                    + grant.expiresAt());
        }
    }

    /** The addresses of the other mounts' tunnels, which this one must not share. */
    private Set<String> otherAddresses(StateStore states, String fsId, Path mountPoint) {
        java.nio.file.Path own = states.fileOf(fsId, mountPoint);
        return states.all((file, e) -> { }).stream().filter(state -> !states.fileOf(state).equals(own))
                .map(MountState::address).collect(Collectors.toSet());
    }

    /**
     * Puts the netfilter rule in place that sends the kernel's rpcbind lookups at {@code address} to the tunnel's
     * portmapper. @return whether it is; if not, locks stay local (auto, said in one line) or the mount fails
     * (required)
     */
    private boolean redirectLockLookups(LockRedirect redirects, String address, TunnelProcess tunnel, Locks locks,
                                        Path mountPoint) {
        Optional<LockRedirect.Refusal> refusal = tunnel.portmapperPort() == 0
                ? Optional.of(new LockRedirect.Refusal("the tunnel started no portmapper",
                "the tunnel did not say 'regatta-tunnel: portmapper " + address + ":<port>'"))
                : redirects.install(address, tunnel.portmapperPort());
        if (refusal.isEmpty()) {
            narrator.say("NFS locks go to the data plane: nft sends " + address + ":111 (rpcbind, TCP and UDP) to the "
                    + "tunnel's portmapper on " + address + ":" + tunnel.portmapperPort() + " (table ip "
                    + LockRedirect.TABLE + ", chain " + LockRedirect.chain(address) + ")");
            return true;
        }
        localLocks(locks, mountPoint, refusal.get().reason(), refusal.get().detail());
        return false;
    }

    /** Locks cannot go to the data plane: with locks=required that fails the mount, with auto it is said once. */
    private void localLocks(Locks locks, Path mountPoint, String reason, String detail) {
        narrator.say("NFS locks cannot go to the data plane: " + detail);
        if (locks == Locks.REQUIRED) {
            throw MountFailure.mountFailed("NFS locks cannot go to the data plane (locks=required): " + reason
                    + "; see docs/locks.md, or mount with -o locks=auto to keep locks on this instance");
        }
        environment.err().println("mount.regatta: warning: NFS locks at " + mountPoint + " stay on this instance ("
                + NfsMountCommand.LOCAL_LOCKS_SAID + "; other clients do not see them): " + reason);
    }

    private void removeRedirect(LockRedirect redirects, String address) {
        redirects.remove(address).ifPresentOrElse(
                failure -> environment.err().println("mount.regatta: could not remove the netfilter rule (table ip "
                        + LockRedirect.TABLE + ", chain " + LockRedirect.chain(address) + "): " + failure),
                () -> narrator.say("removed the netfilter rule for " + address + ":111"));
    }

    private TunnelProcess startTunnel(String fsId, List<String> nodeAddresses, CredentialFiles files,
                                      MountOptions options, String address, boolean portmapper) {
        HelperConfig config = environment.config();
        TunnelSpec spec = new TunnelSpec(fsId, nodeAddresses, files, options.port(),
                options.tunnelPortRange().orElse(config.tunnelPortRange()), config.logDir(), address, portmapper, 0);
        narrator.say("starting the TLS tunnel to " + spec.nodes() + " on " + address + ":"
                + (spec.listenPort().isPresent() ? spec.listenPort().getAsInt() : "(a free port of "
                + spec.portRange() + ")") + (portmapper ? ", with a portmapper for NFS locks" : ""));
        try {
            TunnelProcess tunnel = environment.tunnels().start(spec);
            narrator.say("the tunnel (pid " + tunnel.pid() + ") listens on " + address + ":" + tunnel.port()
                    + (tunnel.portmapperPort() == 0 ? "" : ", its portmapper on " + address + ":"
                    + tunnel.portmapperPort()) + "; its log is " + spec.logFile(tunnel.port()));
            return tunnel;
        } catch (TunnelStartFailure e) {
            throw MountFailure.mountFailed(e.getMessage());
        }
    }

    /**
     * A state file for this very mount point while nothing is mounted there: left by a mount that died midway, or by
     * one unmounted just now, before the watchdog saw it. Its tunnel is stopped and its session reported ended.
     */
    private void stopStaleTunnel(StateStore states, String fsId, Path mountPoint, LockRedirect redirects)
            throws IOException {
        var stale = states.read(states.fileOf(fsId, mountPoint));
        if (stale.isPresent()) {
            narrator.say("stopping the tunnel of an earlier mount at " + mountPoint + " (mount "
                    + stale.get().mountId() + ")");
            environment.tunnels().stop(stale.get().tunnel());
            if (stale.get().lockRedirect()) {
                removeRedirect(redirects, stale.get().address());
            }
            try {
                new UnmountReporter(new StsProofSigner(environment.clock())).report(stale.get(),
                        environment.credentials());
                narrator.say("told the control plane that the earlier mount " + stale.get().mountId() + " ended");
            } catch (RuntimeException e) {
                narrator.say("could not tell the control plane that the earlier mount " + stale.get().mountId()
                        + " ended (" + e.getMessage() + ")");
            }
        }
    }

    /**
     * Runs the kernel mount. A mount with locks that mount.nfs refuses because rpc.statd is not running (and it could
     * not start it) is run again with local locks (auto), or fails (required).
     */
    private void kernelMount(StateStore states, MountState first, MountOptions options, Locks locks,
                             LockRedirect redirects, boolean[] redirected) throws IOException {
        MountState state = first;
        Path mountPoint = Path.of(state.mountPoint());
        List<String> command = NfsMountCommand.command(state.address(), state.fileSystemId(), mountPoint,
                state.nfsOptions());
        narrator.say("running: " + NfsMountCommand.display(command));
        CommandResult result = environment.commands().run(command, KERNEL_MOUNT_TIMEOUT);
        String firstSaid = (result.stderr() + result.stdout()).strip();
        if (!result.succeeded() && redirected[0] && firstSaid.contains(NO_STATD)) {
            removeRedirect(redirects, state.address());
            redirected[0] = false;
            localLocks(locks, mountPoint, "rpc.statd is not running and mount.nfs could not start it (NFS locks "
                    + "need it; start it with 'systemctl start rpc-statd')", "mount.nfs said: "
                    + firstSaid.replace("\n", " | "));
            state = state.withLocalLocks(NfsMountCommand.options(state.localPort(), state.access(),
                    options.nfsOptions(), false));
            states.write(state);
            command = NfsMountCommand.command(state.address(), state.fileSystemId(), mountPoint, state.nfsOptions());
            narrator.say("running: " + NfsMountCommand.display(command));
            result = environment.commands().run(command, KERNEL_MOUNT_TIMEOUT);
        }
        if (!result.succeeded()) {
            String said = (result.stderr() + result.stdout()).strip();
            throw MountFailure.mountFailed("the kernel NFS mount failed (mount exited with " + result.exitCode()
                    + ")" + (said.isEmpty() ? "" : ":\n  " + said.replace("\n", "\n  ")) + "\n  the tunnel was "
                    + "stopped; its log is " + TunnelSpec.logFile(environment.config().logDir(), state.fileSystemId(),
                    state.localPort()));
        }
        narrator.say(state.fileSystemId() + " is mounted at " + state.mountPoint());
    }

    private void deleteQuietly(CredentialFiles files) {
        try {
            files.delete();
        } catch (IOException e) {
            // The failure being reported matters more; no state file names this directory, so say where it is.
            environment.err().println("mount.regatta: could not remove " + files.directory() + ": " + e.getMessage());
        }
    }
}
