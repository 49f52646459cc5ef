package dev.regatta.mount.preflight;

import dev.regatta.mount.MountFailure;
import dev.regatta.mount.Narrator;
import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.host.CommandRunner;
import dev.regatta.mount.host.HostFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Whether this machine can mount NFS at all: the kernel's client, and the {@code mount.nfs} that drives it. */
final class KernelNfsClient {

    private static final Duration MODPROBE_TIMEOUT = Duration.ofSeconds(30);

    private final HostFiles files;
    private final CommandRunner commands;
    private final Narrator narrator;

    KernelNfsClient(HostFiles files, CommandRunner commands, Narrator narrator) {
        this.files = files;
        this.commands = commands;
        this.narrator = narrator;
    }

    void require() {
        if (!kernelKnowsNfs()) {
            // The client is usually a module that is loaded on first use; mount(8) would load it, so may we.
            narrator.say("nfs is not in " + files.kernelFilesystems() + "; loading the module: modprobe nfs");
            CommandResult modprobe = commands.run(List.of("modprobe", "nfs"), MODPROBE_TIMEOUT);
            if (!kernelKnowsNfs()) {
                throw MountFailure.mountFailed("this kernel has no NFS client: nfs is not in "
                        + files.kernelFilesystems() + " and 'modprobe nfs' did not add it"
                        + (modprobe.stderr().isBlank() ? "" : " (" + modprobe.stderr().strip() + ")")
                        + "; install the kernel's NFS modules (e.g. linux-modules-extra) or use a kernel with NFS");
            }
        }
        narrator.say("the kernel has an NFS client");
        Path helper = files.nfsMountHelpers().stream().filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> MountFailure.mountFailed("mount.nfs is not installed (looked for "
                        + files.nfsMountHelpers() + "); install nfs-common (Debian, Ubuntu) or nfs-utils (RHEL, "
                        + "Amazon Linux)"));
        narrator.say("the NFS mount program is " + helper);
    }

    private boolean kernelKnowsNfs() {
        try {
            // Lines are "nodev\tnfs" or "\text4": the name is the last field.
            return Files.readAllLines(files.kernelFilesystems()).stream()
                    .map(line -> line.strip().split("\\s+"))
                    .anyMatch(fields -> fields[fields.length - 1].equals("nfs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + files.kernelFilesystems(), e);
        }
    }
}
