package dev.regatta.tunnel.cli;

import picocli.CommandLine;

/** A {@code first-last} range of ports. */
record PortRange(int first, int last) {

    static PortRange parse(String text) {
        String[] parts = text.split("-", -1);
        try {
            if (parts.length == 2) {
                PortRange range = new PortRange(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
                if (range.first >= 1 && range.first <= range.last && range.last <= 65535) {
                    return range;
                }
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("'" + text + "' is not a port range such as 20049-20449");
    }

    static final class Converter implements CommandLine.ITypeConverter<PortRange> {
        @Override
        public PortRange convert(String value) {
            return parse(value);
        }
    }
}
