package dev.regatta.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The start-up cache's training workload does what it says against a real node: a run that silently did nothing
 * (a procedure answering an error, uploads not drained, imports not read) would train a useless cache.
 */
class AotTrainingTest {

    @Test
    void theTrainingRunsEveryStepAgainstARealNodeAndItsBucket(@TempDir Path dir) throws Exception {
        int workers = 2;
        int files = 12;
        AotTraining.Done done = AotTraining.run(dir, workers, files);

        // per worker and round: MKDIR, 9 calls per file, listing, FSSTAT, FSINFO, 2 per rename-and-remove, and
        // the large file's 32 writes, COMMIT, 64 random writes and 32 reads; plus MNT per client
        assertThat(done.calls()).isGreaterThan(2L * workers * (files * 9 + 32 + 64 + 32));
        // every small file left after the removals and the large file of each worker, twice
        assertThat(done.uploadedObjects()).isGreaterThanOrEqualTo(2L * workers * (files - files / 4 + 1));
        // each worker read its large imported object whole, cold, and some of the small ones
        assertThat(done.importedBytesRead()).isGreaterThan(workers * (24L << 20));
    }
}
