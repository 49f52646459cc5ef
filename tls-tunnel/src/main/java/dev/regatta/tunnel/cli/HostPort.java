package dev.regatta.tunnel.cli;

import dev.regatta.tunnel.client.NodeAddress;
import picocli.CommandLine;

import java.net.InetSocketAddress;

/** A {@code host:port} argument; an IPv6 host is written in brackets ({@code [::1]:20490}). */
record HostPort(String host, int port) {

    static HostPort parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("'" + text + "' is not host:port");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has a port outside 0-65535");
        }
        return new HostPort(host, port);
    }

    InetSocketAddress resolved() {
        return new InetSocketAddress(host, port);
    }

    static final class Converter implements CommandLine.ITypeConverter<HostPort> {
        @Override
        public HostPort convert(String value) {
            return parse(value);
        }
    }

    /** A node's TLS address to connect to (a host name stays a name: the node's certificate is checked against it). */
    static final class NodeConverter implements CommandLine.ITypeConverter<NodeAddress> {
        @Override
        public NodeAddress convert(String value) {
            HostPort parsed = parse(value);
            return new NodeAddress(parsed.host(), parsed.port());
        }
    }
}
