package dev.regatta.bench;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The data plane's heap in use, as {@code jcmd <pid> GC.heap_info} prints it after {@code GC.run}: the figure the
 * issue's goal (a bounded heap at a million known entries) is read against.
 *
 * @param usedBytes the heap's "used" figure, -1 when the output has none
 * @param line      the line it came from (the whole output when none matched), for the details
 */
record HeapInfo(long usedBytes, String line) {
    /** The line of the heap itself ("garbage-first heap   total ..., committed ..., used 40415K [...)"). */
    private static final Pattern USED = Pattern.compile("\\bheap\\b.*?\\bused (\\d+)([KMG])");

    static HeapInfo parse(String heapInfo) {
        for (String line : heapInfo.split("\n")) {
            Matcher m = USED.matcher(line);
            if (m.find()) {
                long n = Long.parseLong(m.group(1));
                long unit = switch (m.group(2)) {
                    case "K" -> 1L << 10;
                    case "M" -> 1L << 20;
                    default -> 1L << 30;
                };
                return new HeapInfo(n * unit, line.trim());
            }
        }
        return new HeapInfo(-1, heapInfo.trim());
    }

    /** "123.4 MiB (goal < 512 MiB)" or what jcmd said when it said no figure. */
    String against(long goalBytes) {
        if (usedBytes < 0) {
            return "unknown: " + line;
        }
        return String.format("%.1f MiB (goal < %d MiB: %s)", usedBytes / 1048576.0, goalBytes >> 20,
                usedBytes < goalBytes ? "met" : "NOT met");
    }
}
