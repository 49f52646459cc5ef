package dev.regatta.mount.options;

import dev.regatta.mount.MountFailure;

/** A TCP port number written by a user. */
final class Ports {

    private Ports() {
    }

    static int parse(String text, String where) {
        try {
            int port = Integer.parseInt(text.strip());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // the message below says what is expected
        }
        throw MountFailure.usage(where + ": '" + text + "' is not a TCP port (1 to 65535)");
    }
}
