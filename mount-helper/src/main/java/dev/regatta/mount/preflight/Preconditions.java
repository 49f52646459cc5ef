package dev.regatta.mount.preflight;

import dev.regatta.mount.MountFailure;
import dev.regatta.mount.Narrator;
import dev.regatta.mount.host.CommandRunner;
import dev.regatta.mount.host.HostFiles;
import dev.regatta.mount.host.MountTable;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What must hold before anything is asked of the control plane, each failure with its own message: it is cheaper
 * for the user to learn now that the directory is missing than after a certificate was issued for nothing.
 */
public final class Preconditions {

    private final HostFiles files;
    private final CommandRunner commands;
    private final Narrator narrator;

    public Preconditions(HostFiles files, CommandRunner commands, Narrator narrator) {
        this.files = files;
        this.commands = commands;
        this.narrator = narrator;
    }

    /**
     * @param kernelMount false for {@code --no-mount}: the kernel mount is run elsewhere (another machine, a VM guest
     *                    reaching the tunnel), so this kernel's NFS client is not needed
     * @return the mount point as the mount table will name it (absolute, symbolic links resolved)
     */
    public Path check(Path mountPoint, boolean kernelMount) {
        requireRoot();
        Path directory = existingDirectory(mountPoint);
        requireNotMounted(directory);
        if (kernelMount) {
            new KernelNfsClient(files, commands, narrator).require();
        } else {
            narrator.say("--no-mount: not checking this kernel's NFS client; the printed mount runs elsewhere");
        }
        return directory;
    }

    private void requireRoot() {
        long uid = EffectiveUser.of(files.processStatus());
        if (uid != 0) {
            throw MountFailure.usage("only root can mount (effective user ID is " + uid + "): run it with sudo, or "
                    + "through mount(8) as root");
        }
        narrator.say("running as root");
    }

    private Path existingDirectory(Path mountPoint) {
        if (!Files.exists(mountPoint)) {
            throw MountFailure.mountFailed("mount point " + mountPoint + " does not exist: create it first (mkdir -p "
                    + mountPoint + ")");
        }
        if (!Files.isDirectory(mountPoint)) {
            throw MountFailure.mountFailed("mount point " + mountPoint + " is not a directory");
        }
        try {
            Path real = mountPoint.toRealPath();
            narrator.say("mount point " + real + " is a directory");
            return real;
        } catch (IOException e) {
            throw MountFailure.mountFailed("cannot resolve mount point " + mountPoint + ": " + e.getMessage());
        }
    }

    private void requireNotMounted(Path directory) {
        MountTable.Entry mounted = new MountTable(files.mountTable()).entries().stream()
                .filter(entry -> entry.mountPoint().equals(directory)).reduce((first, second) -> second)
                .orElse(null);
        if (mounted != null) {
            throw MountFailure.mountFailed(directory + " is already a mount point (" + mounted.source() + ", type "
                    + mounted.type() + "); unmount it first or choose another directory");
        }
        narrator.say("nothing is mounted at " + directory + " yet (" + files.mountTable() + ")");
    }
}
