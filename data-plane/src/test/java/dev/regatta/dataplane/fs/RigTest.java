package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What the file system and sync tests share: one local S3 endpoint per test class, a fresh {@link FsTestRig} per
 * test (opened by the test or its set-up, closed after it), and the helpers they assert with.
 */
public abstract class RigTest {

    protected static LocalS3Endpoint endpoint;

    @TempDir
    protected Path dir;

    protected FsTestRig rig;
    protected RegattaFileSystem fs;
    protected long root;

    @BeforeAll
    static void startS3() {
        endpoint = FsTestRig.startEndpoint();
    }

    @AfterAll
    static void stopS3() {
        endpoint.close();
    }

    /** A rig over a fresh store and bucket, with directories listed again after {@code revalidateAfter}. */
    protected FsTestRig open(Duration revalidateAfter) {
        rig = new FsTestRig(endpoint, dir, revalidateAfter, false);
        fs = rig.fs;
        root = fs.rootId();
        return rig;
    }

    @AfterEach
    void closeRig() {
        if (rig != null) {
            rig.close();
        }
    }

    /** The error a call fails with; a call that succeeds fails the test. */
    public static FsError errorOf(ThrowingCall call) {
        try {
            call.run();
        } catch (FsException e) {
            return e.error();
        }
        throw new AssertionError("expected an FsException");
    }

    /** A file system call, for {@link #errorOf}. */
    public interface ThrowingCall {
        void run() throws FsException;
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
