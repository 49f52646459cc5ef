package dev.regatta.dataplane.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DataDirectoryClaimTest {

    @TempDir
    Path dir;

    @Test
    void aSecondUpOnTheSameDataDirectoryIsRefusedWhileTheFirstHoldsIt() throws Exception {
        Path controlPlane = ControlPlaneProcess.dataDirOf(dir);
        try (DataDirectoryClaim first = DataDirectoryClaim.acquire(dir, controlPlane)) {
            assertThatThrownBy(() -> DataDirectoryClaim.acquire(dir, controlPlane))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("another regatta up is running on " + dir);
        }
        DataDirectoryClaim.acquire(dir, controlPlane).close();
    }

    @Test
    void noControlPlaneRunsOnAFreshDirectory() {
        assertThat(DataDirectoryClaim.controlPlanesOn(ControlPlaneProcess.dataDirOf(dir))).isEmpty();
    }
}
