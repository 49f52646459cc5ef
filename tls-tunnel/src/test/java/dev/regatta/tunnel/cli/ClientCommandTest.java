package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.client.NodeAddress;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code regatta-tunnel client}'s node addresses as the command line gives them, and the mistakes it refuses. */
class ClientCommandTest {

    private static final List<String> FILES = List.of("--key", "k.pem", "--cert", "c.pem", "--ca", "ca.pem");

    @Test
    void takesTheMembersCommaSeparatedOrRepeatedInTheirOrder() {
        ClientCommand command = parse("--connect", "10.0.0.5:20490,node-b.internal:20490", "--connect",
                "[fd00::7]:20490");

        assertThat(command.nodes).containsExactly(new NodeAddress("10.0.0.5", 20490),
                new NodeAddress("node-b.internal", 20490), new NodeAddress("fd00::7", 20490));
        assertThat(command.holdSeconds).isEqualTo(60);
        assertThat(command.connectAttempts).as("no limit but the hold time").isNull();
    }

    @Test
    void aSingleAddressIsOneNodeAsBefore() {
        ClientCommand command = parse("--connect", "10.0.0.5:20490", "--node-id", "node-0123456789abcdef0");

        assertThat(command.nodes).containsExactly(new NodeAddress("10.0.0.5", 20490));
    }

    @Test
    void refusesANodeIdWithSeveralAddresses() {
        assertRefused("--node-id names one node, but --connect gives 2 (10.0.0.5:20490, 10.0.0.6:20490): leave "
                        + "--node-id out", "--connect", "10.0.0.5:20490,10.0.0.6:20490", "--node-id",
                "node-0123456789abcdef0");
    }

    @Test
    void refusesAnAddressGivenTwice() {
        assertRefused("--connect names an address twice: 10.0.0.5:20490, 10.0.0.5:20490", "--connect",
                "10.0.0.5:20490", "--connect", "10.0.0.5:20490");
    }

    @Test
    void refusesAListWithSomethingThatIsNotAnAddress() {
        assertRefused("'20490' is not host:port", "--connect", "10.0.0.5:20490,20490");
        assertRefused("a node's port must be 1-65535, not 0", "--connect", "10.0.0.5:0");
    }

    @Test
    void refusesANegativeHoldTime() {
        assertRefused("--hold-seconds cannot be negative", "--connect", "10.0.0.5:20490", "--hold-seconds", "-1");
    }

    private static ClientCommand parse(String... arguments) {
        ClientCommand command = new ClientCommand();
        new CommandLine(command).parseArgs(withFiles(arguments));
        return command;
    }

    private static void assertRefused(String expectedMessage, String... arguments) {
        StringWriter err = new StringWriter();
        int exitCode = new CommandLine(new ClientCommand()).setErr(new PrintWriter(err)).execute(withFiles(arguments));

        assertThat(exitCode).as(err.toString()).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains(expectedMessage);
    }

    private static String[] withFiles(String... arguments) {
        List<String> all = new ArrayList<>(List.of(arguments));
        all.addAll(FILES);
        return all.toArray(String[]::new);
    }
}
