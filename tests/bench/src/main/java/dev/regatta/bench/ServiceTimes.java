package dev.regatta.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An NFS server's service times per procedure, from its Prometheus timer histogram ({@code nfs_requests_seconds}:
 * count, sum and cumulative buckets by {@code procedure} and {@code status}). The difference of two scrapes is one
 * phase's calls; its percentiles are interpolated inside the bucket that holds them, as Prometheus's
 * histogram_quantile does, so they are as fine as the buckets (the data plane's are at most a third apart).
 */
final class ServiceTimes {

    /**
     * One procedure's calls (a status other than ok is part of the key: "write/NFS3ERR_IO"): how many, their total
     * seconds, and the cumulative count at or under each bucket bound (ascending; the last bound is +Inf).
     */
    record Procedure(long count, double seconds, double[] bounds, long[] cumulative) {
        double mean() {
            return count > 0 ? seconds / count : Double.NaN;
        }

        /**
         * The q-quantile (0 < q < 1) in seconds: linear inside the bucket that holds rank q * count; NaN without
         * calls; +Infinity when the rank lies in the +Inf bucket (slower than the last finite bound).
         */
        double quantile(double q) {
            // the +Inf bucket, not count: the two are separate series, and a scrape may fall between their updates
            long n = bounds.length == 0 ? 0 : cumulative[bounds.length - 1];
            if (n <= 0) {
                return Double.NaN;
            }
            double rank = q * n;
            for (int i = 0; i < bounds.length; i++) {
                if (cumulative[i] >= rank && cumulative[i] > 0) {
                    if (Double.isInfinite(bounds[i])) {
                        return Double.POSITIVE_INFINITY;
                    }
                    double lower = i == 0 ? 0 : bounds[i - 1];
                    long below = i == 0 ? 0 : cumulative[i - 1];
                    long in = cumulative[i] - below;
                    return in == 0 ? bounds[i] : lower + (bounds[i] - lower) * (rank - below) / in;
                }
            }
            return Double.POSITIVE_INFINITY;
        }

        /** The highest finite bound: what "+Infinity" from quantile means ("slower than this"). */
        double lastFiniteBound() {
            for (int i = bounds.length - 1; i >= 0; i--) {
                if (!Double.isInfinite(bounds[i])) {
                    return bounds[i];
                }
            }
            return Double.NaN;
        }

        /** This scrape's calls less an earlier scrape's (null: none then). */
        Procedure minus(Procedure before) {
            if (before == null || before.count > count) {
                return this; // none then, or the server restarted since (its counters began again)
            }
            long[] c = new long[cumulative.length];
            for (int i = 0; i < bounds.length; i++) {
                c[i] = cumulative[i] - before.at(bounds[i]);
            }
            return new Procedure(count - before.count, seconds - before.seconds, bounds, c);
        }

        private long at(double bound) {
            for (int i = 0; i < bounds.length; i++) {
                if (bounds[i] == bound) {
                    return cumulative[i];
                }
            }
            return 0;
        }
    }

    /** By procedure key, in name order. */
    final Map<String, Procedure> procedures;

    ServiceTimes(Map<String, Procedure> procedures) {
        this.procedures = Collections.unmodifiableMap(new TreeMap<>(procedures));
    }

    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}\\s+(\\S+)");
    private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** The series of timer {@code metric} (e.g. nfs_requests_seconds) in a Prometheus text scrape. */
    static ServiceTimes parse(String scrape, String metric) {
        Map<String, Long> counts = new TreeMap<>();
        Map<String, Double> sums = new TreeMap<>();
        Map<String, TreeMap<Double, Long>> buckets = new TreeMap<>();
        for (String line : scrape.split("\n")) {
            Matcher m = SAMPLE.matcher(line);
            if (!m.find() || !m.group(1).startsWith(metric + "_")) {
                continue;
            }
            String series = m.group(1).substring(metric.length() + 1);
            Map<String, String> labels = new TreeMap<>();
            Matcher l = LABEL.matcher(m.group(2));
            while (l.find()) {
                labels.put(l.group(1), l.group(2));
            }
            String proc = labels.get("procedure");
            if (proc == null) {
                continue;
            }
            String status = labels.getOrDefault("status", "ok");
            String key = status.equals("ok") ? proc : proc + "/" + status;
            double value;
            try {
                value = Double.parseDouble(m.group(3));
            } catch (NumberFormatException e) {
                continue;
            }
            switch (series) {
                case "count" -> counts.put(key, (long) value);
                case "sum" -> sums.put(key, value);
                case "bucket" -> {
                    String le = labels.get("le");
                    if (le != null) {
                        buckets.computeIfAbsent(key, k -> new TreeMap<>()).put(bound(le), (long) value);
                    }
                }
                default -> {
                    // _max and the like: not needed
                }
            }
        }
        Map<String, Procedure> procs = new TreeMap<>();
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            TreeMap<Double, Long> b = buckets.getOrDefault(e.getKey(), new TreeMap<>());
            double[] bounds = new double[b.size()];
            long[] cumulative = new long[b.size()];
            int i = 0;
            for (Map.Entry<Double, Long> be : b.entrySet()) {
                bounds[i] = be.getKey();
                cumulative[i++] = be.getValue();
            }
            procs.put(e.getKey(), new Procedure(e.getValue(), sums.getOrDefault(e.getKey(), 0.0), bounds, cumulative));
        }
        return new ServiceTimes(procs);
    }

    private static double bound(String le) {
        return switch (le) {
            case "+Inf", "Inf", "+inf" -> Double.POSITIVE_INFINITY;
            default -> Double.parseDouble(le);
        };
    }

    /** The calls made between {@code before} and this scrape, procedures without any left out. */
    ServiceTimes minus(ServiceTimes before) {
        Map<String, Procedure> d = new TreeMap<>();
        for (Map.Entry<String, Procedure> e : procedures.entrySet()) {
            Procedure p = e.getValue().minus(before == null ? null : before.procedures.get(e.getKey()));
            if (p.count() > 0) {
                d.put(e.getKey(), p);
            }
        }
        return new ServiceTimes(d);
    }

    long total() {
        return procedures.values().stream().mapToLong(Procedure::count).sum();
    }

    /**
     * NFSv3's procedures in the order a client sends them over a file's life (find it, make it, write it, commit it,
     * read it, list, rename, remove): ties among main procedures keep this order (CREATE, WRITE, COMMIT).
     */
    static final List<String> CLIENT_ORDER = List.of("lookup", "access", "getattr", "setattr", "mkdir", "create",
            "symlink", "mknod", "link", "write", "commit", "read", "readlink", "readdir", "readdirplus", "rename",
            "remove", "rmdir", "fsstat", "fsinfo", "pathconf", "null");

    /**
     * The phase's main procedures: those answered ok that made at least a tenth of its calls (and at least one),
     * most frequent first, ties in {@link #CLIENT_ORDER}; at most {@code max}.
     */
    List<String> dominant(int max) {
        long total = total();
        List<Map.Entry<String, Procedure>> es = new ArrayList<>(procedures.entrySet());
        es.removeIf(e -> e.getKey().contains("/") || e.getValue().count() * 10 < total);
        es.sort(Comparator.<Map.Entry<String, Procedure>>comparingLong(e -> -e.getValue().count())
                .thenComparingInt(e -> CLIENT_ORDER.contains(e.getKey()) ? CLIENT_ORDER.indexOf(e.getKey()) : CLIENT_ORDER.size()));
        return es.stream().limit(max).map(Map.Entry::getKey).toList();
    }

    /** A duration for people: "85us", "2.4ms", "1.2s"; "> 10s" past the last bound; "-" for NaN. */
    static String human(double seconds, Procedure of) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        if (Double.isInfinite(seconds)) {
            return ">" + human(of.lastFiniteBound(), of);
        }
        double us = seconds * 1e6;
        if (us < 1000) {
            return String.format(Locale.ROOT, "%.0fus", us);
        }
        if (us < 1e6) {
            return String.format(Locale.ROOT, us < 10_000 ? "%.2fms" : "%.1fms", us / 1000);
        }
        return String.format(Locale.ROOT, "%.2fs", seconds);
    }

    /** "CREATE 310us/950us WRITE 45us/120us": p50/p99 of the dominant procedures, for the table. */
    String summary(int max) {
        StringBuilder sb = new StringBuilder();
        for (String name : dominant(max)) {
            Procedure p = procedures.get(name);
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(name.toUpperCase(Locale.ROOT)).append(' ').append(human(p.quantile(0.5), p)).append('/')
                    .append(human(p.quantile(0.99), p));
        }
        return sb.toString();
    }

    /** One line per procedure: count, mean, p50, p99 (the details file). */
    String table(String indent) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%s%-24s %8s %10s %10s %10s%n", indent, "procedure", "count", "mean", "p50", "p99"));
        for (Map.Entry<String, Procedure> e : procedures.entrySet()) {
            Procedure p = e.getValue();
            sb.append(String.format(Locale.ROOT, "%s%-24s %8d %10s %10s %10s%n", indent, e.getKey().toUpperCase(Locale.ROOT),
                    p.count(), human(p.mean(), p), human(p.quantile(0.5), p), human(p.quantile(0.99), p)));
        }
        return sb.toString();
    }
}
