package dev.regatta.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Issue 17's figure, "durable operations' p50 with three replicas at most 2x the single-node figure": for each phase
 * that both {@code regatta} and {@code regatta-3} ran, the server's p50 of each durable procedure both answered ok
 * (CREATE, REMOVE, SETATTR, COMMIT: those whose reply promises the change is stable, which a group must first
 * replicate) on the group's leader beside the single data plane, their ratio, and whether every ratio is at most 2.
 * WRITE is left out: the histograms key calls by procedure and status only, so a FILE_SYNC WRITE cannot be told from
 * an UNSTABLE one (and the clients here write UNSTABLE, then COMMIT). A figure to read, never asserted.
 */
final class ReplicaComparison {
    static final String SINGLE = "regatta";
    static final String GROUP = "regatta-3";
    /** In the order a client sends them (as {@link ServiceTimes#CLIENT_ORDER}). */
    static final List<String> DURABLE = List.of("setattr", "create", "commit", "remove");
    static final int GOAL = 2;

    private ReplicaComparison() {
    }

    /** One phase's service times on both systems. */
    record Phase(String name, ServiceTimes single, ServiceTimes group) {
    }

    /** One durable procedure of one phase, as each system answered it. */
    record Line(String phase, String procedure, ServiceTimes.Procedure group, ServiceTimes.Procedure single) {
        /** The group's p50 over the single node's; NaN when either lies past the last bucket bound (unknown). */
        double ratio() {
            double g = group.quantile(0.5);
            double s = single.quantile(0.5);
            return Double.isInfinite(g) || Double.isInfinite(s) || s <= 0 ? Double.NaN : g / s;
        }
    }

    /** The durable procedures that both systems answered ok in a phase, phases in the order given. */
    static List<Line> lines(List<Phase> phases) {
        List<Line> lines = new ArrayList<>();
        for (Phase p : phases) {
            for (String proc : DURABLE) {
                ServiceTimes.Procedure g = p.group().procedures.get(proc);
                ServiceTimes.Procedure s = p.single().procedures.get(proc);
                if (g != null && s != null && g.count() > 0 && s.count() > 0) {
                    lines.add(new Line(p.name(), proc, g, s));
                }
            }
        }
        return lines;
    }

    /** The block printed under the table: a line per durable procedure and phase, then whether the goal is met. */
    static String report(List<Phase> phases) {
        List<Line> lines = lines(phases);
        StringBuilder sb = new StringBuilder();
        sb.append("Issue 17, durable operations with 3 replicas (").append(GROUP).append(", served by the group's leader)")
                .append(" beside 1 (").append(SINGLE).append("): the server's p50 per call; goal: ratio at most ")
                .append(GOAL).append('\n');
        sb.append("(WRITE is not in it: the histograms do not tell FILE_SYNC from UNSTABLE; a p50 of few calls only says "
                + "which bucket they fell in)\n");
        if (lines.isEmpty()) {
            return sb.append("no phase had a durable procedure answered ok by both\n").toString();
        }
        String fmt = "%-36s %-9s %14s %12s %7s %15s%n";
        sb.append(String.format(Locale.ROOT, fmt, "phase", "procedure", GROUP + " p50", SINGLE + " p50", "ratio",
                "calls (3 / 1)"));
        List<String> over = new ArrayList<>();
        int unknown = 0;
        for (Line l : lines) {
            double r = l.ratio();
            sb.append(String.format(Locale.ROOT, fmt, l.phase(), l.procedure().toUpperCase(Locale.ROOT),
                    ServiceTimes.human(l.group().quantile(0.5), l.group()),
                    ServiceTimes.human(l.single().quantile(0.5), l.single()),
                    Double.isNaN(r) ? "-" : String.format(Locale.ROOT, "%.2fx", r),
                    l.group().count() + " / " + l.single().count()));
            if (Double.isNaN(r)) {
                unknown++;
            } else if (r > GOAL) {
                over.add(String.format(Locale.ROOT, "%s in %s %.2fx", l.procedure().toUpperCase(Locale.ROOT), l.phase(), r));
            }
        }
        sb.append(verdict(lines.size(), over, unknown)).append('\n');
        return sb.toString();
    }

    private static String verdict(int ratios, List<String> over, int unknown) {
        String head = "every ratio at most " + GOAL + ": ";
        if (over.isEmpty() && unknown == 0) {
            return head + "yes (" + ratios + " of " + ratios + ")";
        }
        List<String> parts = new ArrayList<>();
        if (!over.isEmpty()) {
            parts.add(over.size() + " of " + ratios + " over: " + String.join(", ", over));
        }
        if (unknown > 0) {
            parts.add(unknown + " of " + ratios + " unknown (a p50 past the last bucket bound)");
        }
        return head + (over.isEmpty() ? "not known; " : "no; ") + String.join("; ", parts);
    }
}
