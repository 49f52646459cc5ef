package dev.regatta.controlplane.filesystem;

import java.time.Instant;
import java.util.List;

/**
 * The clients that may be using a file system: its mount sessions not ended whose certificate is still valid. Asked
 * before a file system's data moves or goes. Declared here and answered by the mount feature, which keeps the
 * sessions, so that file systems depend on no other feature.
 */
public interface LiveMounts {

    /** The certificate expiry of each live mount session of the file system at {@code now}. */
    List<Instant> certificateExpiries(String fileSystemId, Instant now);
}
