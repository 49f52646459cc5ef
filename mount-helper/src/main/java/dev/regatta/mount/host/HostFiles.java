package dev.regatta.mount.host;

import java.nio.file.Path;
import java.util.List;

/**
 * Where this machine tells about itself. Real paths in production; tests write their own files and point here.
 *
 * @param processStatus     {@code /proc/self/status}, for the effective user ID
 * @param mountTable        {@code /proc/self/mountinfo}
 * @param kernelFilesystems {@code /proc/filesystems}
 * @param nfsMountHelpers   where the NFS client's {@code mount.nfs} may be installed; one must exist
 */
public record HostFiles(Path processStatus, Path mountTable, Path kernelFilesystems, List<Path> nfsMountHelpers) {

    public static HostFiles real() {
        return new HostFiles(Path.of("/proc/self/status"), Path.of("/proc/self/mountinfo"),
                Path.of("/proc/filesystems"), List.of(Path.of("/sbin/mount.nfs"), Path.of("/usr/sbin/mount.nfs")));
    }
}
