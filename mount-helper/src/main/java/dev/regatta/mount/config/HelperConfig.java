package dev.regatta.mount.config;

import dev.regatta.mount.options.Locks;
import dev.regatta.mount.options.PortRange;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything mount.regatta and its watchdog read from {@code /etc/regatta/regatta.conf}, in one typed place.
 * {@link #defaults()} works without a file against a control plane on this machine ({@code regatta up}).
 *
 * @param controlPlane       the control plane's API; {@code -o control-plane=} overrides it per mount
 * @param region             the region to sign the STS proof for; empty: the SDK's region chain, else us-east-1
 * @param stsEndpoint        where the proof is addressed; empty: STS's regional endpoint for the region
 * @param tunnelPortRange    local ports a tunnel may listen on when no {@code port=} is given
 * @param stateDir           one JSON file per mount, and the watchdog's lock
 * @param libDir             each mount's private key and certificates
 * @param logDir             the tunnels' and the watchdog's logs
 * @param tunnelStartTimeout how long a new tunnel has to say it listens
 * @param watchdogInterval   time between the watchdog's passes
 * @param renewalMargin      renew a certificate this long before it expires (at most; a third of a short
 *                           certificate's lifetime when that is less)
 * @param unmountedGrace     a mount not seen in the mount table for this long after it was set up is cleaned up
 *                           (the grace covers {@code --no-mount}, where the user runs the kernel mount)
 * @param locks              NFS locks through the tunnel: off, auto or required; {@code -o locks=} overrides it
 */
public record HelperConfig(URI controlPlane, Optional<String> region, Optional<URI> stsEndpoint,
                           PortRange tunnelPortRange, Path stateDir, Path libDir, Path logDir,
                           Duration tunnelStartTimeout, Duration watchdogInterval, Duration renewalMargin,
                           Duration unmountedGrace, Locks locks) {

    /** With NFS locks {@code auto}, the default. */
    public HelperConfig(URI controlPlane, Optional<String> region, Optional<URI> stsEndpoint,
                        PortRange tunnelPortRange, Path stateDir, Path libDir, Path logDir,
                        Duration tunnelStartTimeout, Duration watchdogInterval, Duration renewalMargin,
                        Duration unmountedGrace) {
        this(controlPlane, region, stsEndpoint, tunnelPortRange, stateDir, libDir, logDir, tunnelStartTimeout,
                watchdogInterval, renewalMargin, unmountedGrace, Locks.AUTO);
    }

    public static final Path DEFAULT_FILE = Path.of("/etc/regatta/regatta.conf");
    /** The environment variable that names another configuration file. */
    public static final String FILE_VARIABLE = "REGATTA_CONFIG";

    public static HelperConfig defaults() {
        return new HelperConfig(URI.create("http://127.0.0.1:8080"), Optional.empty(), Optional.empty(),
                new PortRange(21049, 21548), Path.of("/var/run/regatta"), Path.of("/var/lib/regatta"),
                Path.of("/var/log/regatta"), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofMinutes(15),
                Duration.ofMinutes(2));
    }

    /**
     * STS's endpoint for the proof: the configured one, or the region's. Always with the path {@code /}, the only
     * URL form the control plane accepts.
     */
    public URI stsEndpointFor(String signingRegion) {
        URI endpoint = stsEndpoint.orElseGet(() -> URI.create("https://sts." + signingRegion + ".amazonaws.com"
                + (signingRegion.startsWith("cn-") ? ".cn" : "")));
        return endpoint.resolve("/");
    }
}
