package dev.regatta.mount.config;

import dev.regatta.mount.MountFailure;
import dev.regatta.mount.options.MountOptions;
import dev.regatta.mount.options.Locks;
import dev.regatta.mount.options.PortRange;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Reads {@code regatta.conf}: {@code key = value} lines, {@code #} comments, blank lines. An unknown key is an error
 * rather than ignored, so a misspelt setting does not silently keep its default.
 */
public final class ConfigFile {

    private static final List<String> KEYS = List.of("control_plane", "region", "sts_endpoint", "tunnel_port_range",
            "state_dir", "lib_dir", "log_dir", "tunnel_start_timeout_seconds", "watchdog_interval_seconds",
            "renewal_margin_seconds", "unmounted_grace_seconds", "locks");

    private ConfigFile() {
    }

    /**
     * The file {@code REGATTA_CONFIG} names, or {@code /etc/regatta/regatta.conf}. Only the default file may be
     * missing (then the defaults apply): a file named on purpose that is not there is a mistake to report.
     */
    public static HelperConfig load(Map<String, String> environment) {
        String named = environment.get(HelperConfig.FILE_VARIABLE);
        if (named != null && !named.isBlank()) {
            return read(Path.of(named));
        }
        return Files.exists(HelperConfig.DEFAULT_FILE) ? read(HelperConfig.DEFAULT_FILE) : HelperConfig.defaults();
    }

    public static HelperConfig read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            throw MountFailure.usage("configuration file " + file + " does not exist (" + HelperConfig.FILE_VARIABLE
                    + " names it)");
        } catch (IOException e) {
            throw MountFailure.usage("cannot read configuration file " + file + ": " + e.getMessage());
        }
        Map<String, String> settings = new LinkedHashMap<>();
        Map<String, String> whereSet = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = file + " line " + (i + 1);
            int equals = line.indexOf('=');
            if (equals < 0) {
                throw MountFailure.usage(where + ": expected key = value");
            }
            String key = line.substring(0, equals).strip();
            String value = line.substring(equals + 1).strip();
            if (!KEYS.contains(key)) {
                throw MountFailure.usage(where + ": unknown setting '" + key + "' (known: " + String.join(", ", KEYS)
                        + ")");
            }
            if (value.isEmpty()) {
                throw MountFailure.usage(where + ": " + key + " has no value (delete the line for the default)");
            }
            if (settings.put(key, value) != null) {
                throw MountFailure.usage(where + ": " + key + " is already set at " + whereSet.get(key));
            }
            whereSet.put(key, where);
        }
        return build(settings, whereSet);
    }

    private static HelperConfig build(Map<String, String> settings, Map<String, String> where) {
        HelperConfig d = HelperConfig.defaults();
        return new HelperConfig(
                setting(settings, where, "control_plane", MountOptions::httpUrl, d.controlPlane()),
                Optional.ofNullable(setting(settings, where, "region", (w, v) -> MountOptions.region(v), null)),
                Optional.ofNullable(setting(settings, where, "sts_endpoint", ConfigFile::stsUrl, null)),
                setting(settings, where, "tunnel_port_range", (w, v) -> PortRange.parse(v, w), d.tunnelPortRange()),
                setting(settings, where, "state_dir", ConfigFile::directory, d.stateDir()),
                setting(settings, where, "lib_dir", ConfigFile::directory, d.libDir()),
                setting(settings, where, "log_dir", ConfigFile::directory, d.logDir()),
                setting(settings, where, "tunnel_start_timeout_seconds", ConfigFile::seconds, d.tunnelStartTimeout()),
                setting(settings, where, "watchdog_interval_seconds", ConfigFile::seconds, d.watchdogInterval()),
                setting(settings, where, "renewal_margin_seconds", ConfigFile::seconds, d.renewalMargin()),
                setting(settings, where, "unmounted_grace_seconds", ConfigFile::seconds, d.unmountedGrace()),
                setting(settings, where, "locks", (w, v) -> Locks.parse(v, w), d.locks()));
    }

    private static <T> T setting(Map<String, String> settings, Map<String, String> where, String key,
                                 BiFunction<String, String, T> parse, T otherwise) {
        String value = settings.get(key);
        return value == null ? otherwise : parse.apply(where.get(key), value);
    }

    private static URI stsUrl(String where, String value) {
        URI url = MountOptions.httpUrl(where, value);
        if (url.getRawQuery() != null || url.getRawFragment() != null || url.getRawUserInfo() != null
                || !(url.getRawPath().isEmpty() || url.getRawPath().equals("/"))) {
            throw MountFailure.usage(where + ": sts_endpoint must be scheme://host[:port] only, e.g. "
                    + "https://sts.us-east-1.amazonaws.com (the proof is always addressed to its path /)");
        }
        return url;
    }

    private static Path directory(String where, String value) {
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            throw MountFailure.usage(where + ": '" + value + "' is not an absolute path");
        }
        return path;
    }

    private static Duration seconds(String where, String value) {
        try {
            long seconds = Long.parseLong(value);
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw MountFailure.usage(where + ": '" + value + "' is not a whole number of seconds above 0");
    }
}
