package dev.regatta.dataplane.sync;

import dev.regatta.dataplane.fs.Caller;
import dev.regatta.dataplane.fs.FsTestRig;
import dev.regatta.dataplane.s3.LocalS3Endpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class GitLikeMarkerTest {
    @TempDir
    Path dir;

    @Test
    void emptiedObjectDirectoriesKeepTheirMarkers() throws Exception {
        try (LocalS3Endpoint s3 = LocalS3Endpoint.startFilesystem(dir.resolve("s3"), 0, FsTestRig.ACCESS_KEY,
                FsTestRig.SECRET_KEY);
             FsTestRig rig = new FsTestRig(s3, dir.resolve("d"), Duration.ofMillis(500), false)) {
            rig.startSync(Duration.ofMillis(100), Duration.ofSeconds(5), 16 << 20, 8 << 20);
            long root = rig.fs.rootId();
            long objects = rig.mkdir(root, "objects");
            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 20; i++) {
                    String name = String.format("%02x", i);
                    long d;
                    try {
                        d = rig.fs.lookup(Caller.ROOT, objects, name).fileId();
                    } catch (dev.regatta.dataplane.model.FsException e) {
                        d = rig.mkdir(objects, name);
                    }
                    long tmp = rig.create(d, "tmp_obj_" + round);
                    rig.write(tmp, 0, "object " + round + " " + i);
                    rig.fs.rename(Caller.ROOT, d, "tmp_obj_" + round, d, "hash" + round);
                }
                Thread.sleep(150 * (round + 1));
                // "gc": remove the loose objects; every other directory is removed too, then made again
                for (int i = 0; i < 20; i++) {
                    String name = String.format("%02x", i);
                    long d = rig.fs.lookup(Caller.ROOT, objects, name).fileId();
                    rig.fs.remove(Caller.ROOT, d, "hash" + round);
                    if (i % 2 == 0) {
                        rig.fs.rmdir(Caller.ROOT, objects, name);
                        rig.mkdir(objects, name);
                    }
                }
            }
            assertThat(rig.sync.flush(Duration.ofSeconds(60))).isTrue();
            for (int i = 0; i < 20; i++) {
                String key = String.format("objects/%02x/", i);
                assertThat(rig.exists(key)).as(key).isTrue();
            }
        }
    }
}
