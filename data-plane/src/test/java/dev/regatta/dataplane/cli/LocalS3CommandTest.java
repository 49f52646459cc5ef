package dev.regatta.dataplane.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code regatta s3} given input it cannot serve. */
class LocalS3CommandTest {

    @TempDir
    Path tmp;

    @Test
    void aBucketNameS3WouldRefuseIsAOneLineUsageErrorAndStartsNothing() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new RegattaCli());
        cli.setErr(new PrintWriter(err));
        Path dataDir = tmp.resolve("data");

        int exit = cli.execute("s3", "--data-dir", dataDir.toString(), "--s3-port", "0", "--bucket", "hb");

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("invalid S3 bucket name 'hb'").doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(Files.exists(dataDir)).as("nothing made before the check").isFalse();
    }
}
