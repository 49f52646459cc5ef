package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;

/** Local TCP ports a tunnel may listen on, both ends included, written {@code A-B}. */
public record PortRange(int first, int last) {

    public PortRange {
        if (first < 1 || last > 65535 || first > last) {
            throw MountFailure.usage("port range " + first + "-" + last + " is not A-B with 1 <= A <= B <= 65535");
        }
    }

    public static PortRange parse(String text, String where) {
        String[] ends = text.strip().split("-", -1);
        if (ends.length != 2) {
            throw MountFailure.usage(where + ": '" + text + "' is not a port range A-B, e.g. 21049-21548");
        }
        return new PortRange(Ports.parse(ends[0], where), Ports.parse(ends[1], where));
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
