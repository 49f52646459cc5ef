package dev.regatta.dataplane;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The data plane's packages form a ladder: a package may use the rungs below it, never its own rung's neighbours or
 * anything above. A new upward arrow (or a package not on the ladder) fails here, so the layering in
 * docs/architecture.md stays true without anyone remembering it.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.regatta.dataplane.";

    /** Top to bottom; packages on one rung are peers and do not use each other. */
    static final List<List<String>> LADDER = List.of(
            List.of("cli"),
            List.of("server"),
            List.of("front"),
            List.of("nfs"),
            List.of("fs"),
            List.of("sync"),
            List.of("cache"),
            List.of("meta", "s3", "locks", "node"),
            List.of("model", "files"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.regatta.dataplane");

    @Test
    void everyPackageIsOnTheLadderAndUsesOnlyTheRungsBelowIt() {
        assertThat(violations(MAIN)).isEmpty();
    }

    @Test
    void noPackagesDependOnEachOtherInACycle() {
        slices().matching("dev.regatta.dataplane.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void anUpwardArrowIsCaught() {
        // A test-only class in meta that uses fs: the check must name it.
        JavaClasses upward = new ClassFileImporter().importClasses(
                dev.regatta.dataplane.meta.UpwardArrowFixture.class);
        assertThat(violations(upward)).singleElement().asString()
                .contains("meta.UpwardArrowFixture").contains("fs.");
    }

    /** Every dependency between two of our packages that does not point down the ladder. */
    static List<String> violations(JavaClasses classes) {
        List<String> found = new ArrayList<>();
        for (JavaClass c : classes) {
            String from = topPackage(c.getPackageName());
            if (from == null) {
                continue;
            }
            if (rung(from) < 0) {
                found.add(c.getName() + " is in package '" + from + "', which is not on the ladder");
                continue;
            }
            TreeSet<String> targets = new TreeSet<>();
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = topPackage(d.getTargetClass().getPackageName());
                if (to != null && !to.equals(from) && !(rung(to) > rung(from))) {
                    targets.add(d.getTargetClass().getName());
                }
            }
            if (!targets.isEmpty()) {
                found.add(c.getName().substring(ROOT.length()) + " (" + from + ") uses " + String.join(", ",
                        targets.stream().map(t -> t.substring(ROOT.length())).toList()));
            }
        }
        return found;
    }

    private static String topPackage(String packageName) {
        if (!(packageName + ".").startsWith(ROOT)) {
            return null;
        }
        String rest = packageName.substring(Math.min(packageName.length(), ROOT.length()));
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }

    private static int rung(String pkg) {
        for (int i = 0; i < LADDER.size(); i++) {
            if (LADDER.get(i).contains(pkg)) {
                return i;
            }
        }
        return -1;
    }
}
