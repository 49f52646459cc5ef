package dev.regatta.dataplane.nfs.nlm;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Where the node reaches a client's RPC services when it calls the client back: its lock manager (NLM v4, for
 * GRANTED and the answers to *_MSG calls, and the lease's probe) and its status monitor (NSM v1, for SM_NOTIFY
 * after a restart). The default, {@link PortmapCallbackTarget}, asks the portmapper at the client's address.
 * A client behind the TLS front cannot be reached at its address; a target that routes through the tunnel plugs in
 * here.
 *
 * <p>Called on the node's callback threads, never on RPC worker threads; may block up to {@code timeout}.
 */
public interface CallbackTarget {

    /**
     * The TCP address of {@code program} {@code version} at the client.
     *
     * @throws IOException when the client cannot be reached or does not offer the program
     */
    InetSocketAddress locate(NlmPeer peer, int program, int version, Duration timeout) throws IOException;

    /** A call to an address {@link #locate} gave failed: forget it, if it was remembered. */
    default void failed(NlmPeer peer, int program, int version) {
    }
}
