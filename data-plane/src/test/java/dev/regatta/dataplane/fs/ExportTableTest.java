package dev.regatta.dataplane.fs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ExportTableTest {

    private final VirtualFileSystem fs = new GatedFileSystem(null);

    @Test
    void exportsComeAndGo() {
        ExportTable table = new ExportTable();
        table.add(new ExportTable.Export(3, "/fs-b", fs, () -> null));
        table.add(new ExportTable.Export(1, "/fs-a", fs, () -> null));
        assertThat(table.byPath("/fs-a")).map(ExportTable.Export::index).contains(1);
        assertThat(table.byIndex(3)).map(ExportTable.Export::path).contains("/fs-b");
        assertThat(table.all()).extracting(ExportTable.Export::index).containsExactly(1, 3);

        assertThat(table.remove("/fs-a")).map(ExportTable.Export::index).contains(1);
        assertThat(table.byIndex(1)).isEmpty();
        assertThat(table.byPath("/fs-a")).isEmpty();
        assertThat(table.remove("/fs-a")).isEmpty();
        assertThat(table.all()).extracting(ExportTable.Export::path).containsExactly("/fs-b");
    }

    @Test
    void anAliasNamesItsIndexWheneverThatIsExported() {
        ExportTable table = new ExportTable();
        table.alias("/fs-demo", 2);
        assertThat(table.byPath("/fs-demo")).as("not exported yet").isEmpty();

        table.add(new ExportTable.Export(2, "/fs-0123456789abcdef0", fs, () -> null));
        assertThat(table.byPath("/fs-demo")).map(ExportTable.Export::path).contains("/fs-0123456789abcdef0");
        assertThat(table.all()).extracting(ExportTable.Export::path).containsExactly("/fs-0123456789abcdef0");

        table.remove("/fs-0123456789abcdef0");
        assertThat(table.byPath("/fs-demo")).isEmpty();
        table.add(new ExportTable.Export(2, "/fs-0123456789abcdef0", fs, () -> null));
        assertThat(table.byPath("/fs-demo")).as("served again").isPresent();

        assertThatThrownBy(() -> table.alias("/fs-0123456789abcdef0", 5)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aMountPathMatchesTheLongestExportOrAliasAboveIt() {
        ExportTable table = new ExportTable();
        table.add(new ExportTable.Export(0, "/fs-a", fs, () -> null));
        table.add(new ExportTable.Export(1, "/fs-a/nested", fs, () -> null));
        table.alias("/demo", 0);

        assertThat(table.match("/fs-a")).hasValueSatisfying(m -> {
            assertThat(m.export().index()).isZero();
            assertThat(m.below()).isEmpty();
        });
        assertThat(table.match("/fs-a/projects/x")).hasValueSatisfying(m -> {
            assertThat(m.export().index()).isZero();
            assertThat(m.below()).isEqualTo("/projects/x");
        });
        assertThat(table.match("/fs-a/nested/y")).hasValueSatisfying(m -> {
            assertThat(m.export().index()).isEqualTo(1);
            assertThat(m.below()).isEqualTo("/y");
        });
        assertThat(table.match("/demo/projects")).hasValueSatisfying(m -> {
            assertThat(m.export().path()).isEqualTo("/fs-a");
            assertThat(m.below()).isEqualTo("/projects");
        });
        assertThat(table.match("/fs-ab")).as("not a directory below /fs-a").isEmpty();
        assertThat(table.match("/other")).isEmpty();
    }

    @Test
    void anIndexOrPathNamesOneExportAtATime() {
        ExportTable table = new ExportTable();
        table.add(new ExportTable.Export(0, "/fs-a", fs, () -> null));
        assertThatThrownBy(() -> table.add(new ExportTable.Export(0, "/fs-b", fs, () -> null)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("/fs-a");
        assertThatThrownBy(() -> table.add(new ExportTable.Export(1, "/fs-a", fs, () -> null)))
                .isInstanceOf(IllegalStateException.class);
        assertThat(table.all()).hasSize(1);
    }

    @Test
    void concurrentChangesLoseNothing() throws Exception {
        ExportTable table = new ExportTable();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int index = i;
                done.add(pool.submit(() -> {
                    table.add(new ExportTable.Export(index, "/fs-" + index, fs, () -> null));
                    if (index % 2 == 0) {
                        table.remove("/fs-" + index);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
        assertThat(table.all()).hasSize(100).allMatch(e -> e.index() % 2 == 1);
        assertThat(table.byIndex(7)).isPresent();
    }
}
