package dev.regatta.controlplane;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The control plane's packages form a one-way ladder: each rung may use the rungs below it and never one above, so
 * that a feature can be read, changed and tested with only what is under it in mind. The ladder, bottom to top:
 * <ol>
 * <li>the root package: the application, its properties, IDs and secrets;</li>
 * <li>infrastructure: {@code api} (problem answers, strict JSON), {@code audit}, {@code database}, {@code iam}
 * (principals and ARNs), {@code service} (this deployment's server ID);</li>
 * <li>{@code filesystem} and {@code token}, which depend on no other feature;</li>
 * <li>{@code grant} (who may mount a file system, at which access level);</li>
 * <li>{@code ca}, which certifies nodes and the mounts grants admit;</li>
 * <li>{@code node} (registration, heartbeats and the nodes' reports);</li>
 * <li>{@code mount} (mount authentication; its STS proof checking in {@code mount.sts});</li>
 * <li>{@code status}, which aggregates what admins see of file systems;</li>
 * <li>{@code security}, which puts the features' filters and the admins' tokens together.</li>
 * </ol>
 * Packages on one rung do not depend on each other either, and no packages, sub-packages included, form a cycle.
 */
class ArchitectureTest {

    private static final String ROOT = "dev.regatta.controlplane";

    /** Bottom first: each rung's packages, relative to {@link #ROOT}. */
    private static final List<List<String>> LADDER = List.of(
            List.of("api", "audit", "database", "iam", "service"),
            List.of("filesystem", "token"),
            List.of("grant"),
            List.of("ca"),
            List.of("node"),
            List.of("mount"),
            List.of("status"),
            List.of("security"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void theFeaturePackagesFormNoCycle() {
        slices().matching(ROOT + ".(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void noPackageFormsACycleWithItsSubPackagesOrAnyOther() {
        slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void eachPackageUsesOnlyTheRungsBelowIt() {
        ladder().check(MAIN);
    }

    @Test
    void packagesOnOneRungDoNotUseEachOther() {
        for (List<String> rung : LADDER) {
            for (String user : rung) {
                for (String used : rung) {
                    if (!user.equals(used)) {
                        noClasses().that().resideInAPackage(ROOT + "." + user + "..")
                                .should().dependOnClassesThat().resideInAPackage(ROOT + "." + used + "..")
                                .check(MAIN);
                    }
                }
            }
        }
    }

    @Test
    void theRootPackageUsesNoFeature() {
        noClasses().that().resideInAPackage(ROOT)
                .should().dependOnClassesThat().resideInAPackage(ROOT + ".*..")
                .check(MAIN);
    }

    /** Each rung may only be used by the rungs above it. */
    private static LayeredArchitecture ladder() {
        LayeredArchitecture ladder = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (int i = 0; i < LADDER.size(); i++) {
            ladder = ladder.layer(rungName(i)).definedBy(LADDER.get(i).stream()
                    .map(name -> ROOT + "." + name + "..").toArray(String[]::new));
        }
        for (int i = 0; i < LADDER.size() - 1; i++) {
            ladder = ladder.whereLayer(rungName(i)).mayOnlyBeAccessedByLayers(rungNamesFrom(i + 1));
        }
        return ladder.whereLayer(rungName(LADDER.size() - 1)).mayNotBeAccessedByAnyLayer();
    }

    private static String[] rungNamesFrom(int first) {
        String[] names = new String[LADDER.size() - first];
        for (int i = first; i < LADDER.size(); i++) {
            names[i - first] = rungName(i);
        }
        return names;
    }

    private static String rungName(int i) {
        return String.join("+", LADDER.get(i));
    }
}
