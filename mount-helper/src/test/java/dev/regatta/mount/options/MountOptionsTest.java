package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MountOptionsTest {

    @Test
    void readsItsOwnOptionsAndPassesTheRestThroughInOrder() {
        MountOptions options = MountOptions.parse(List.of("ro,region=eu-west-1,awsprofile=ops,hard,timeo=600",
                "control-plane=https://regatta.example.com:8443,port=21100,tunnelport-range=22000-22100,nconnect=4,"
                        + "actimeo=1"));

        assertThat(options.access()).isEqualTo(MountAccess.READ_ONLY);
        assertThat(options.region()).hasValue("eu-west-1");
        assertThat(options.awsProfile()).hasValue("ops");
        assertThat(options.controlPlane()).hasValue(URI.create("https://regatta.example.com:8443"));
        assertThat(options.port()).hasValue(21100);
        assertThat(options.tunnelPortRange()).hasValue(new PortRange(22000, 22100));
        assertThat(options.nfsOptions()).containsExactly("hard", "timeo=600", "nconnect=4", "actimeo=1");
    }

    @Test
    void defaultsToReadWriteAndNothingElse() {
        MountOptions options = MountOptions.parse(List.of());

        assertThat(options.access()).isEqualTo(MountAccess.READ_WRITE);
        assertThat(options.region()).isEmpty();
        assertThat(options.port()).isEmpty();
        assertThat(options.nfsOptions()).isEmpty();
    }

    @Test
    void theLastOfRoAndRwWinsAsWithMount() {
        assertThat(MountOptions.parse(List.of("ro,rw")).access()).isEqualTo(MountAccess.READ_WRITE);
        assertThat(MountOptions.parse(List.of("rw", "ro")).access()).isEqualTo(MountAccess.READ_ONLY);
    }

    @Test
    void nolockAndLockChooseTheLocksModeAndAreNotPassedOn() {
        MountOptions nolock = MountOptions.parse(List.of("nolock,hard"));
        assertThat(nolock.nfsOptions()).containsExactly("hard");
        assertThat(nolock.locks()).contains(Locks.OFF);
        assertThat(MountOptions.parse(List.of("lock")).locks()).contains(Locks.REQUIRED);
        assertThat(MountOptions.parse(List.of("locks=off,locks=required")).locks()).contains(Locks.REQUIRED);
        assertThat(MountOptions.parse(List.of("locks=auto")).locks()).contains(Locks.AUTO);
        assertThat(MountOptions.parse(List.of("hard")).locks()).isEmpty();
        assertThatThrownBy(() -> MountOptions.parse(List.of("locks=maybe")))
                .isInstanceOf(MountFailure.class).hasMessage("option locks: 'maybe' is not off, auto or required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"vers=4", "nfsvers=3", "proto=udp", "mountport=2049", "addr=10.0.0.1", "mountproto=tcp",
            "udp", "tcp", "v4", "mountaddr=1.2.3.4", "mountvers=3"})
    void refusesTheOptionsItOwns(String option) {
        String key = option.split("=")[0];
        assertThatThrownBy(() -> MountOptions.parse(List.of("hard," + option)))
                .isInstanceOf(MountFailure.class)
                .hasMessageStartingWith("option '" + key + "' is set by mount.regatta: ")
                .hasMessageEndingWith("; remove it from -o")
                .satisfies(e -> assertThat(((MountFailure) e).exitCode()).isEqualTo(1));
    }

    @Test
    void explainsBadValues() {
        assertThatThrownBy(() -> MountOptions.parse(List.of("port=70000")))
                .hasMessage("option port: '70000' is not a TCP port (1 to 65535)");
        assertThatThrownBy(() -> MountOptions.parse(List.of("region=Mars")))
                .hasMessage("'Mars' is not an AWS region name such as us-east-1");
        assertThatThrownBy(() -> MountOptions.parse(List.of("region")))
                .hasMessage("option 'region' needs a value: region=...");
        assertThatThrownBy(() -> MountOptions.parse(List.of("control-plane=ftp://x")))
                .hasMessage("option control-plane: 'ftp://x' is not an http:// or https:// URL with a host");
        assertThatThrownBy(() -> MountOptions.parse(List.of("tunnelport-range=300-200")))
                .hasMessage("port range 300-200 is not A-B with 1 <= A <= B <= 65535");
        assertThatThrownBy(() -> MountOptions.parse(List.of("tunnelport-range=300")))
                .hasMessageContaining("is not a port range A-B");
        assertThatThrownBy(() -> MountOptions.parse(List.of("nconnect=17")))
                .hasMessage("option nconnect: '17' is not a number from 1 to 16");
    }

    @Test
    void fileSystemIdsAreFsAnd17LowerCaseHexDigits() {
        assertThat(new FileSystemId("fs-0123456789abcdef0").value()).isEqualTo("fs-0123456789abcdef0");
        assertThat(FileSystemId.fromMountSource("fs-0123456789abcdef0:/").value()).isEqualTo("fs-0123456789abcdef0");
        for (String bad : List.of("fs-0123456789ABCDEF0", "fs-0123456789abcdef", "0123456789abcdef0",
                "fs-0123456789abcdef0x", "demo")) {
            assertThatThrownBy(() -> new FileSystemId(bad)).as(bad).isInstanceOf(MountFailure.class)
                    .hasMessageStartingWith("'" + bad + "' is not a file system ID: expected fs- and 17 lower-case "
                            + "hex digits");
        }
    }
}
