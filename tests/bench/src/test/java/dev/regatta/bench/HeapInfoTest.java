package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The data plane's heap figure, read from what {@code jcmd GC.heap_info} prints, against the goal. */
class HeapInfoTest {

    @Test
    void theUsedFigureOfTheHeapLineIsTakenNotThatOfMetaspace() {
        HeapInfo heap = HeapInfo.parse("""
                12345:
                garbage-first heap   total reserved 6172672K, committed 69632K, used 40415K [0x0000000687400000, 0x0000000800000000)
                 region size 4096K, 9 young (36864K), 2 survivors (8192K)
                 Metaspace       used 35000K, committed 35500K, reserved 1114112K
                """);

        assertThat(heap.usedBytes()).isEqualTo(40415L * 1024);
        assertThat(heap.line()).startsWith("garbage-first heap");
        assertThat(heap.against(512L << 20)).isEqualTo("39.5 MiB (goal < 512 MiB: met)");
    }

    @Test
    void aHeapOverTheGoalSaysSo() {
        HeapInfo heap = HeapInfo.parse(" garbage-first heap   total 2097152K, used 1200M [0x0, 0x1)\n");

        assertThat(heap.usedBytes()).isEqualTo(1200L << 20);
        assertThat(heap.against(512L << 20)).isEqualTo("1200.0 MiB (goal < 512 MiB: NOT met)");
    }

    @Test
    void outputWithoutAHeapFigureIsShownAsItIs() {
        HeapInfo heap = HeapInfo.parse("12345:\nCould not attach\n");

        assertThat(heap.usedBytes()).isEqualTo(-1);
        assertThat(heap.against(512L << 20)).isEqualTo("unknown: 12345:\nCould not attach");
    }
}
