package dev.regatta.mount.testing;

import dev.regatta.mount.Environment;
import dev.regatta.mount.MountRegatta;
import dev.regatta.mount.config.HelperConfig;
import dev.regatta.mount.host.CommandResult;
import dev.regatta.mount.host.HostFiles;
import dev.regatta.mount.options.PortRange;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A machine in a temporary directory: its own /proc files, mount.nfs, configuration and directories, with fake
 * commands and tunnels, and credentials the {@link FakeControlPlane} knows. A successful fake {@code mount} adds
 * its line to the fake mount table, as the kernel would.
 */
public final class TestMachine {

    public final Path root;
    public final Path mountTable;
    public final Path kernelFilesystems;
    public final Path processStatus;
    public final FakeCommands commands = new FakeCommands();
    public final FakeTunnels tunnels = new FakeTunnels();
    public int watchdogStarts;
    /** Thrown by the watchdog starter when set. */
    public RuntimeException watchdogFailure;
    public HelperConfig config;
    public Clock clock = Clock.systemUTC();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final HostFiles host;

    public TestMachine(Path root, URI controlPlane) {
        this.root = root;
        try {
            Path proc = Files.createDirectories(root.resolve("proc"));
            mountTable = Files.writeString(proc.resolve("mountinfo"),
                    "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n");
            kernelFilesystems = Files.writeString(proc.resolve("filesystems"), "nodev\tsysfs\n\text4\nnodev\tnfs\n");
            processStatus = Files.writeString(proc.resolve("status"), status(0));
            Path mountNfs = Files.writeString(root.resolve("mount.nfs"), "#!/bin/sh\n");
            Files.setPosixFilePermissions(mountNfs, PosixFilePermissions.fromString("rwxr-xr-x"));
            host = new HostFiles(processStatus, mountTable, kernelFilesystems, List.of(mountNfs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        config = new HelperConfig(controlPlane, Optional.of("us-east-1"), Optional.empty(),
                new PortRange(21049, 21548), root.resolve("run"), root.resolve("lib"), root.resolve("log"),
                Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofMinutes(15), Duration.ofMinutes(5));
        commands.answer(this::kernel);
    }

    public Environment environment() {
        return new Environment(config, host, commands, tunnels, this::startWatchdog,
                profile -> StaticCredentialsProvider.create(AwsBasicCredentials.create(FakeControlPlane.ACCESS_KEY_ID,
                        FakeControlPlane.SECRET_ACCESS_KEY)),
                clock, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Runs mount.regatta with these arguments; returns its exit code. */
    public int run(String... args) {
        var cli = MountRegatta.commandLine(this::environment);
        cli.setOut(new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true));
        cli.setErr(new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true));
        return cli.execute(args);
    }

    private void startWatchdog() {
        if (watchdogFailure != null) {
            throw watchdogFailure;
        }
        watchdogStarts++;
    }

    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    public Path directory(String name) {
        try {
            return Files.createDirectories(root.resolve(name)).toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void effectiveUid(long uid) throws IOException {
        Files.writeString(processStatus, status(uid));
    }

    public void mounted(Path directory, String type, String source) {
        try {
            Files.writeString(mountTable, "99 22 0:52 / " + directory.toString().replace(" ", "\\040") + " rw,relatime"
                    + " shared:50 - " + type + " " + source + " rw,vers=3\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void unmountAll() throws IOException {
        Files.writeString(mountTable, Files.readAllLines(mountTable).stream()
                .filter(line -> !line.contains(" - nfs ")).map(line -> line + "\n").reduce("", String::concat));
    }

    /** Whether {@code nft} is installed here; it succeeds when it is. */
    public boolean nftInstalled = true;

    /**
     * {@code mount -t nfs -o OPTS SOURCE DIR} succeeds and shows up in the mount table; {@code nft} succeeds (or
     * cannot be run, see {@link #nftInstalled}); other commands fail.
     */
    public CommandResult kernel(List<String> command) {
        if (command.get(0).equals("nft")) {
            return nftInstalled ? new CommandResult(0, "", "")
                    : new CommandResult(127, "", "cannot run nft: Cannot run program \"nft\": error=2, No such file "
                    + "or directory");
        }
        if (command.get(0).equals("mount")) {
            mounted(Path.of(command.get(command.size() - 1)), "nfs", command.get(command.size() - 2));
            return new CommandResult(0, "", "");
        }
        return new CommandResult(1, "", command.get(0) + ": not in this test");
    }

    private static String status(long uid) {
        return "Name:\tjava\nUmask:\t0022\nState:\tR (running)\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid
                + "\nGid:\t0\t0\t0\t0\n";
    }
}
