package dev.regatta.mount;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** What {@code mount.regatta --version} says: the project's version, written into the jar by the build. */
public final class BuildVersion implements IVersionProvider {

    /** The version, e.g. {@code 0.1.0}; the build fills it in, so a missing one is a broken build. */
    public static String version() {
        try (InputStream in = BuildVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is missing from mount.regatta's jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"mount.regatta " + version()};
    }
}
