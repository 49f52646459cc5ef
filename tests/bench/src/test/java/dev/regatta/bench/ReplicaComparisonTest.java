package dev.regatta.bench;

import static dev.regatta.bench.ServiceTimesTest.M;
import static dev.regatta.bench.ServiceTimesTest.series;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 17's comparison under the table: the durable procedures' p50 on three replicas over one, per phase. */
class ReplicaComparisonTest {

    /** 10 calls, 5 under 50 us: p50 50 us. */
    static final String FAST = "5, 10, 10, 10";
    /** 10 calls in (50 us, 100 us]: p50 75 us. */
    static final String MEDIUM = "0, 10, 10, 10";
    /** 10 calls in (100 us, 1 ms]: p50 550 us. */
    static final String SLOW = "0, 0, 10, 10";

    private static String proc(String name, String status, String shape) {
        long[] c = Arrays.stream(shape.split(", ")).mapToLong(Long::parseLong).toArray();
        return series(name, status, c[0], c[1], c[2], c[3], 0.001);
    }

    private static ReplicaComparison.Phase phase(String name, String single, String group) {
        return new ReplicaComparison.Phase(name, ServiceTimes.parse(single, M), ServiceTimes.parse(group, M));
    }

    @Test
    void theRatioIsTheGroupsP50OverTheSingleNodes() {
        List<ReplicaComparison.Line> lines = ReplicaComparison.lines(List.of(
                phase("create 200 x 4 KiB", proc("create", "ok", FAST), proc("create", "ok", MEDIUM))));

        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst().procedure()).isEqualTo("create");
        assertThat(lines.getFirst().ratio()).isCloseTo(1.5, within(1e-9)); // 75 us over 50 us
    }

    @Test
    void onlyDurableProceduresThatBothAnsweredOkAreCompared() {
        String single = proc("create", "ok", FAST) + proc("commit", "ok", FAST) + proc("write", "ok", FAST)
                + proc("lookup", "ok", FAST) + proc("remove", "NFS3ERR_NOENT", FAST);
        String group = proc("create", "ok", SLOW) + proc("write", "ok", SLOW) + proc("lookup", "ok", SLOW)
                + proc("remove", "NFS3ERR_NOENT", SLOW) + proc("setattr", "ok", SLOW);

        List<ReplicaComparison.Line> lines = ReplicaComparison.lines(List.of(phase("untar", single, group)));

        assertThat(lines).extracting(ReplicaComparison.Line::procedure).containsExactly("create");
    }

    @Test
    void theBlockPrintsBothP50sTheRatioAndTheCallsAndSaysWhenEveryRatioIsAtMostTwo() {
        String block = ReplicaComparison.report(List.of(
                phase("create 200 x 4 KiB", proc("create", "ok", FAST) + proc("commit", "ok", MEDIUM),
                        proc("create", "ok", MEDIUM) + proc("commit", "ok", MEDIUM)),
                phase("delete 200", proc("remove", "ok", MEDIUM), proc("remove", "ok", FAST))));

        assertThat(block.lines().toList()).contains(
                String.format("%-36s %-9s %14s %12s %7s %15s", "create 200 x 4 KiB", "CREATE", "75us", "50us", "1.50x",
                        "10 / 10"),
                String.format("%-36s %-9s %14s %12s %7s %15s", "create 200 x 4 KiB", "COMMIT", "75us", "75us", "1.00x",
                        "10 / 10"),
                String.format("%-36s %-9s %14s %12s %7s %15s", "delete 200", "REMOVE", "50us", "75us", "0.67x",
                        "10 / 10"));
        assertThat(block).endsWith("every ratio at most 2: yes (3 of 3)\n");
    }

    @Test
    void aRatioOverTwoIsNamedWithItsPhase() {
        String block = ReplicaComparison.report(List.of(
                phase("create 200 x 4 KiB", proc("create", "ok", FAST), proc("create", "ok", SLOW)),
                phase("delete 200", proc("remove", "ok", FAST), proc("remove", "ok", FAST))));

        assertThat(block).contains("550us").endsWith(
                "every ratio at most 2: no; 1 of 2 over: CREATE in create 200 x 4 KiB 11.00x\n");
    }

    @Test
    void aP50PastTheLastBoundGivesNoRatioAndTheGoalIsNotKnown() {
        String block = ReplicaComparison.report(List.of(
                phase("rename dir of 100", proc("commit", "ok", FAST), proc("commit", "ok", "0, 0, 0, 10"))));

        assertThat(block).contains(">1.00ms").endsWith("every ratio at most 2: not known; 1 of 1 unknown "
                + "(a p50 past the last bucket bound)\n");
    }

    @Test
    void withoutACommonDurableCallTheBlockSaysSo() {
        String block = ReplicaComparison.report(List.of(
                phase("read 200", proc("lookup", "ok", FAST), proc("lookup", "ok", FAST))));

        assertThat(block).endsWith("no phase had a durable procedure answered ok by both\n");
    }
}
