package dev.regatta.dataplane.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** A port checked by binding it for a moment, for listeners that must announce their port before they start. */
public final class FreePort {

    private FreePort() {
    }

    /**
     * @param port 0 picks a free one
     * @return the port, free at the time of the call
     * @throws IOException naming the address when the port is taken
     */
    public static int check(String bindAddress, int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(bindAddress), port));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IOException("cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
