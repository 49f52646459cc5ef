package dev.regatta.dataplane.meta;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class RangeSetTest {

    private static RangeSet.Range r(long s, long e) {
        return new RangeSet.Range(s, e);
    }

    private static RangeSet of(long... bounds) {
        RangeSet set = new RangeSet();
        for (int i = 0; i < bounds.length; i += 2) {
            set.add(bounds[i], bounds[i + 1]);
        }
        return set;
    }

    @Test
    void addKeepsDisjointRangesSorted() {
        RangeSet set = of(20, 30, 0, 10);
        assertThat(set.ranges()).containsExactly(r(0, 10), r(20, 30));
        assertThat(set.totalLength()).isEqualTo(20);
    }

    @Test
    void addMergesOverlappingAndTouchingRanges() {
        RangeSet set = of(0, 10, 10, 20);
        assertThat(set.ranges()).containsExactly(r(0, 20));
        set.add(30, 40);
        set.add(25, 30);
        assertThat(set.ranges()).containsExactly(r(0, 20), r(25, 40));
        set.add(5, 27); // bridges both
        assertThat(set.ranges()).containsExactly(r(0, 40));
        set.add(50, 60);
        set.add(70, 80);
        set.add(45, 90); // swallows several
        assertThat(set.ranges()).containsExactly(r(0, 40), r(45, 90));
        set.add(40, 45);
        assertThat(set.ranges()).containsExactly(r(0, 90));
    }

    @Test
    void addIgnoresEmptyAndInvertedRanges() {
        RangeSet set = of(5, 5, 9, 3);
        assertThat(set.isEmpty()).isTrue();
        assertThat(set.totalLength()).isZero();
    }

    @Test
    void addInsideExistingRangeChangesNothing() {
        RangeSet set = of(0, 100);
        set.add(10, 20);
        assertThat(set.ranges()).containsExactly(r(0, 100));
    }

    @Test
    void removeSplitsARange() {
        RangeSet set = of(0, 100);
        set.remove(40, 60);
        assertThat(set.ranges()).containsExactly(r(0, 40), r(60, 100));
        assertThat(set.totalLength()).isEqualTo(80);
    }

    @Test
    void removeTrimsEdgesAndDropsCoveredRanges() {
        RangeSet set = of(0, 10, 20, 30, 40, 50, 60, 70);
        set.remove(5, 45);
        assertThat(set.ranges()).containsExactly(r(0, 5), r(45, 50), r(60, 70));
        set.remove(60, 70);
        assertThat(set.ranges()).containsExactly(r(0, 5), r(45, 50));
        set.remove(0, 5);
        assertThat(set.ranges()).containsExactly(r(45, 50));
        set.remove(50, 100); // touching, not overlapping
        assertThat(set.ranges()).containsExactly(r(45, 50));
    }

    @Test
    void removeExactlyAtRangeEndOfEarlierRange() {
        RangeSet set = of(0, 10);
        set.remove(5, 10);
        assertThat(set.ranges()).containsExactly(r(0, 5));
    }

    @Test
    void truncateRemovesEverythingFromOffset() {
        RangeSet set = of(0, 10, 20, 30, 40, 50);
        set.truncate(25);
        assertThat(set.ranges()).containsExactly(r(0, 10), r(20, 25));
        set.truncate(0);
        assertThat(set.isEmpty()).isTrue();
    }

    @Test
    void gapsListsMissingPartsInOrder() {
        RangeSet set = of(10, 20, 30, 40);
        assertThat(set.gaps(0, 50)).containsExactly(r(0, 10), r(20, 30), r(40, 50));
        assertThat(set.gaps(15, 35)).containsExactly(r(20, 30));
        assertThat(set.gaps(12, 18)).isEmpty();
        assertThat(set.gaps(20, 30)).containsExactly(r(20, 30));
        assertThat(new RangeSet().gaps(3, 7)).containsExactly(r(3, 7));
        assertThat(set.gaps(5, 5)).isEmpty();
    }

    @Test
    void coversAndOverlaps() {
        RangeSet set = of(10, 20, 30, 40);
        assertThat(set.covers(10, 20)).isTrue();
        assertThat(set.covers(12, 18)).isTrue();
        assertThat(set.covers(15, 35)).isFalse();
        assertThat(set.covers(5, 15)).isFalse();
        assertThat(set.covers(7, 7)).isTrue();
        assertThat(set.overlaps(0, 10)).isFalse();
        assertThat(set.overlaps(20, 30)).isFalse();
        assertThat(set.overlaps(19, 21)).isTrue();
        assertThat(set.overlaps(0, 100)).isTrue();
        assertThat(set.overlaps(35, 36)).isTrue();
        assertThat(set.overlaps(40, 50)).isFalse();
    }

    @Test
    void overlapsOfAnEmptyRangeIsFalse() {
        RangeSet set = of(0, 100);
        assertThat(set.overlaps(50, 50)).isFalse();
        assertThat(set.overlaps(60, 40)).isFalse();
    }

    @Test
    void copyIsIndependentAndEqual() {
        RangeSet set = of(0, 10);
        RangeSet copy = set.copy();
        assertThat(copy).isEqualTo(set);
        copy.add(20, 30);
        assertThat(set.ranges()).containsExactly(r(0, 10));
        assertThat(copy).isNotEqualTo(set);
    }

    @Test
    void randomizedAgainstBooleanArrayModel() {
        int n = 200;
        Random random = new Random(42);
        for (int round = 0; round < 200; round++) {
            RangeSet set = new RangeSet();
            boolean[] model = new boolean[n];
            for (int op = 0; op < 40; op++) {
                int a = random.nextInt(n + 1);
                int b = random.nextInt(n + 1);
                int s = Math.min(a, b);
                int e = Math.max(a, b);
                switch (random.nextInt(4)) {
                    case 0, 1 -> {
                        set.add(s, e);
                        for (int i = s; i < e; i++) {
                            model[i] = true;
                        }
                    }
                    case 2 -> {
                        set.remove(s, e);
                        for (int i = s; i < e; i++) {
                            model[i] = false;
                        }
                    }
                    default -> {
                        if (random.nextInt(4) == 0) {
                            set.truncate(s);
                            for (int i = s; i < n; i++) {
                                model[i] = false;
                            }
                        }
                    }
                }
                String ctx = "round " + round + " op " + op + " set " + set;
                assertThat(set.ranges()).as(ctx).isEqualTo(rangesOf(model));
                long total = 0;
                for (boolean bit : model) {
                    total += bit ? 1 : 0;
                }
                assertThat(set.totalLength()).as(ctx).isEqualTo(total);
                int qa = random.nextInt(n + 1);
                int qb = random.nextInt(n + 1);
                int qs = Math.min(qa, qb);
                int qe = Math.max(qa, qb);
                boolean all = true;
                boolean any = false;
                List<RangeSet.Range> gaps = new ArrayList<>();
                int gapStart = -1;
                for (int i = qs; i < qe; i++) {
                    all &= model[i];
                    any |= model[i];
                    if (!model[i] && gapStart < 0) {
                        gapStart = i;
                    } else if (model[i] && gapStart >= 0) {
                        gaps.add(r(gapStart, i));
                        gapStart = -1;
                    }
                }
                if (gapStart >= 0) {
                    gaps.add(r(gapStart, qe));
                }
                String q = ctx + " query [" + qs + "," + qe + ")";
                assertThat(set.covers(qs, qe)).as(q).isEqualTo(all);
                if (qs < qe) { // the empty query is covered by overlapsOfAnEmptyRangeIsFalse
                    assertThat(set.overlaps(qs, qe)).as(q).isEqualTo(any);
                }
                assertThat(set.gaps(qs, qe)).as(q).isEqualTo(gaps);
            }
        }
    }

    private static List<RangeSet.Range> rangesOf(boolean[] model) {
        List<RangeSet.Range> list = new ArrayList<>();
        int start = -1;
        for (int i = 0; i <= model.length; i++) {
            boolean bit = i < model.length && model[i];
            if (bit && start < 0) {
                start = i;
            } else if (!bit && start >= 0) {
                list.add(r(start, i));
                start = -1;
            }
        }
        return list;
    }

    @Test
    void coarseningJoinsTheNearestNeighboursFirstAndKeepsEveryAddedByte() {
        RangeSet set = of(0, 10, 100, 110, 112, 120, 500, 510);
        set.coarsen(3);
        assertThat(set.ranges()).containsExactly(r(0, 10), r(100, 120), r(500, 510));
        set.coarsen(2);
        assertThat(set.ranges()).containsExactly(r(0, 120), r(500, 510));
        set.coarsen(0); // a set is never coarsened below one range
        assertThat(set.ranges()).containsExactly(r(0, 510));
    }

    @Test
    void coarseningASetWithinItsBoundChangesNothing() {
        RangeSet set = of(0, 10, 20, 30);
        set.coarsen(2);
        assertThat(set.ranges()).containsExactly(r(0, 10), r(20, 30));
    }

    @Test
    void coarseningACopyLeavesTheOriginalExact() {
        RangeSet original = of(0, 10, 20, 30, 40, 50);
        RangeSet copy = original.copy();
        copy.coarsen(1);
        assertThat(copy.ranges()).containsExactly(r(0, 50));
        assertThat(original.ranges()).containsExactly(r(0, 10), r(20, 30), r(40, 50));
    }

    @Test
    void addingBytesTheSetHoldsLeavesACopyShared() {
        RangeSet original = of(0, 100);
        RangeSet copy = original.copy();
        copy.add(10, 20);
        original.add(200, 300);
        assertThat(copy.ranges()).containsExactly(r(0, 100));
        assertThat(original.ranges()).containsExactly(r(0, 100), r(200, 300));
    }
}
