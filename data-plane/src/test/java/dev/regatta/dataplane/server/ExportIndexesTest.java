package dev.regatta.dataplane.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ExportIndexesTest {

    @TempDir
    Path dir;

    @Test
    void indexesAreAllocatedOnceAndKept() throws Exception {
        Path file = dir.resolve("export-indexes");
        ExportIndexes indexes = ExportIndexes.open(file);
        assertThat(indexes.indexOf("fs-a")).isZero();
        assertThat(indexes.indexOf("fs-b")).isEqualTo(1);
        assertThat(indexes.indexOf("fs-a")).isZero();

        ExportIndexes reopened = ExportIndexes.open(file);
        assertThat(reopened.indexOf("fs-b")).isEqualTo(1);
        assertThat(reopened.indexOf("fs-c")).isEqualTo(2);
        assertThat(reopened.indexOf("fs-a")).isZero();
        assertThat(Files.readString(file)).contains("fs-a=0", "fs-b=1", "fs-c=2");
        assertThat(dir.resolve("export-indexes.tmp")).doesNotExist();
    }
}
