package dev.regatta.dataplane.it;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fixture of the tests whose methods share one running data plane: started before the first test, closed after
 * the last, in the class's temporary directory (its data under {@code data}). One fixture instead of the same
 * start and stop copied into each class; a class that needs another bucket overrides {@link #harness}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OneHarnessPerClass {

    @TempDir
    static Path tmp;
    ItHarness h;

    /** The harness to start: the in-memory bucket with the default configuration, unless a class says otherwise. */
    ItHarness harness() throws Exception {
        return ItHarness.inMemory(c -> c);
    }

    @BeforeAll
    void startHarness() throws Exception {
        h = harness();
        h.start(tmp.resolve("data"));
    }

    @AfterAll
    void stopHarness() {
        if (h != null) {
            h.close();
        }
    }
}
