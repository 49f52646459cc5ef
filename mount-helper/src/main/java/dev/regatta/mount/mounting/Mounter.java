package dev.regatta.mount.mounting;

import dev.regatta.mount.Environment;
import dev.regatta.mount.MountFailure;
import dev.regatta.mount.Narrator;
import dev.regatta.mount.aws.Credentials;
import dev.regatta.mount.aws.SigningRegion;
import dev.regatta.mount.aws.StsProofSigner;
import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.controlplane.ControlPlaneClient;
import dev.regatta.mount.controlplane.ControlPlaneRefusal;
import dev.regatta.mount.controlplane.ControlPlaneUnreachable;
import dev.regatta.mount.controlplane.MountGrant;
import dev.regatta.mount.controlplane.RefusalAdvice;
import dev.regatta.mount.enrollment.CertificateEnrollment;
import dev.regatta.mount.enrollment.Enrollment;
import dev.regatta.mount.enrollment.UnmountReporter;
import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.keys.CredentialFiles;
import dev.regatta.mount.nfs.NfsMountCommand;
import dev.regatta.mount.options.FileSystemId;
import dev.regatta.mount.options.MountOptions;
import dev.regatta.mount.preflight.Preconditions;
import dev.regatta.mount.state.MountState;
import dev.regatta.mount.state.StateStore;
import dev.regatta.mount.tunnel.TunnelProcess;
import dev.regatta.mount.tunnel.TunnelSpec;
import dev.regatta.mount.tunnel.TunnelStartFailure;
import dev.regatta.tunnel.pki.Pem;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One {@code mount -t regatta}: check the machine, prove who we are, get a certificate for a fresh key, start the
 * tunnel, mount, and leave the mount to the watchdog. Whatever fails, nothing is left behind: no tunnel, no key,
 * no state file, and a mount session the control plane admitted is reported unused.
 */
public final class Mounter {

    /** mount.nfs retries a server that does not answer for two minutes by default; give it that and a little. */
    private static final Duration KERNEL_MOUNT_TIMEOUT = Duration.ofMinutes(3);

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

        Path mountPoint = new Preconditions(environment.host(), environment.commands(), narrator)
                .check(requestedMountPoint, kernelMount);

        String region = SigningRegion.resolve(options.region(), config.region(), options.awsProfile());
        URI stsEndpoint = config.stsEndpointFor(region);
        AwsCredentials credentials = Credentials.resolve(environment.credentials(), options.awsProfile());
        narrator.say("AWS credentials from " + Credentials.origin(credentials, options.awsProfile())
                + "; signing for region " + region);

        URI controlPlaneUrl = options.controlPlane().orElse(config.controlPlane());
        ControlPlaneClient controlPlane = new ControlPlaneClient(controlPlaneUrl);
        Enrollment enrollment = enroll(controlPlane, credentials, stsEndpoint, region, fsId, options);
        MountGrant grant = enrollment.grant();

        CredentialFiles files = CredentialFiles.of(config.libDir(), fsId, MountState.keyOf(mountPoint));
        StateStore states = new StateStore(config.stateDir());
        try {
            stopStaleTunnel(states, fsId, mountPoint);
            files.write(Pem.privateKeyText(enrollment.keys().getPrivate()), grant.certificate(),
                    grant.caCertificates());
            narrator.say("wrote the key (0600) and certificates to " + files.directory());
            TunnelProcess tunnel = startTunnel(fsId, grant.nodeAddress(), files, options);
            try {
                List<String> nfsOptions = NfsMountCommand.options(tunnel.port(), options.access(),
                        options.nfsOptions());
                MountState state = new MountState(fsId, mountPoint.toString(), grant.mountId(), grant.principal(),
                        grant.nodeAddress(), tunnel.port(), tunnel.pid(), tunnel.startedAt(), files.key().toString(),
                        files.certificate().toString(), files.caCertificates().toString(), enrollment.issuedAt(),
                        grant.expiresAt(), options.access(), nfsOptions, controlPlaneUrl.toString(),
                        stsEndpoint.toString(), region, options.awsProfile().orElse(null),
                        environment.clock().instant());
                // Written before the kernel mount, so that if mount.regatta dies during it the watchdog still
                // finds the tunnel and cleans up.
                states.write(state);
                narrator.say("state in " + states.fileOf(state));
                List<String> command = NfsMountCommand.command(fsId, mountPoint, nfsOptions);
                if (kernelMount) {
                    kernelMount(command, states, state);
                } else {
                    environment.out().println(NfsMountCommand.display(command));
                }
            } catch (RuntimeException | IOException e) {
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

    private Enrollment enroll(ControlPlaneClient controlPlane, AwsCredentials credentials, URI stsEndpoint,
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
    private void reportUnused(ControlPlaneClient controlPlane, AwsCredentials credentials, URI stsEndpoint,
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

    private TunnelProcess startTunnel(String fsId, String nodeAddress, CredentialFiles files, MountOptions options) {
        HelperConfig config = environment.config();
        TunnelSpec spec = new TunnelSpec(fsId, nodeAddress, files, options.port(),
                options.tunnelPortRange().orElse(config.tunnelPortRange()), config.logDir());
        narrator.say("starting the TLS tunnel to " + nodeAddress + " on 127.0.0.1:"
                + (spec.listenPort().isPresent() ? spec.listenPort().getAsInt() : "(a free port of "
                + spec.portRange() + ")"));
        try {
            TunnelProcess tunnel = environment.tunnels().start(spec);
            narrator.say("the tunnel (pid " + tunnel.pid() + ") listens on 127.0.0.1:" + tunnel.port() + "; its log is "
                    + spec.logFile(tunnel.port()));
            return tunnel;
        } catch (TunnelStartFailure e) {
            throw MountFailure.mountFailed(e.getMessage());
        }
    }

    /**
     * A state file for this very mount point while nothing is mounted there: left by a mount that died midway, or by
     * one unmounted just now, before the watchdog saw it. Its tunnel is stopped and its session reported ended.
     */
    private void stopStaleTunnel(StateStore states, String fsId, Path mountPoint) throws IOException {
        var stale = states.read(states.fileOf(fsId, mountPoint));
        if (stale.isPresent()) {
            narrator.say("stopping the tunnel of an earlier mount at " + mountPoint + " (mount "
                    + stale.get().mountId() + ")");
            environment.tunnels().stop(stale.get().tunnel());
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

    private void kernelMount(List<String> command, StateStore states, MountState state) {
        narrator.say("running: " + NfsMountCommand.display(command));
        CommandResult result = environment.commands().run(command, KERNEL_MOUNT_TIMEOUT);
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
