package dev.regatta.tunnel.testing;

import dev.regatta.tunnel.tls.TlsContexts;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A TLS 1.3 client made with the JDK alone, free to present any certificate or none: what an attacker or a
 * misconfigured client would send, without the tunnel client's own checks in the way.
 */
public final class RawTlsClient {

    private RawTlsClient() {
    }

    /** Connects and completes the client's side of the handshake; {@code key} null presents no certificate. */
    public static SSLSocket connect(InetSocketAddress server, PrivateKey key, X509Certificate certificate,
                                    X509Certificate trustedCa) throws IOException {
        return connect(server, key, certificate, trustedCa, TlsContexts.TUNNEL_PROTOCOL);
    }

    /** As {@link #connect}, naming {@code protocol} in ALPN, or no protocol when it is null. */
    public static SSLSocket connect(InetSocketAddress server, PrivateKey key, X509Certificate certificate,
                                    X509Certificate trustedCa, String protocol) throws IOException {
        SslContextBuilder builder = SslContextBuilder.forClient().sslProvider(SslProvider.JDK)
                .protocols("TLSv1.3").trustManager(trustedCa).endpointIdentificationAlgorithm(null);
        if (key != null) {
            builder.keyManager(key, certificate);
        }
        JdkSslContext context = (JdkSslContext) builder.build();
        SSLSocket socket = (SSLSocket) context.context().getSocketFactory()
                .createSocket(server.getAddress(), server.getPort());
        socket.setEnabledProtocols(new String[] {"TLSv1.3"});
        if (protocol != null) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setApplicationProtocols(new String[] {protocol});
            socket.setSSLParameters(parameters);
        }
        socket.setSoTimeout((int) Await.DEFAULT.toMillis());
        socket.startHandshake();
        return socket;
    }

    /**
     * Whether the server ended the connection: in TLS 1.3 the server judges the client's certificate after the
     * client's handshake is complete, so a refusal shows up on the first read, as an alert or as the end of stream.
     */
    public static boolean endedByServer(SSLSocket socket) {
        try {
            socket.getOutputStream().write(1);
            return socket.getInputStream().read() == -1;
        } catch (IOException alertOrReset) {
            return true;
        }
    }

    /**
     * Presents {@code certificate} (or none, with {@code key} null) and returns how the server ended the connection
     * as the client saw it: the description of the TLS alert it received (e.g. {@code unknown_ca}), or a sentence
     * starting "no alert" when the connection ended without one.
     */
    public static String alertReceived(InetSocketAddress server, PrivateKey key, X509Certificate certificate,
                                       X509Certificate trustedCa) {
        try (SSLSocket socket = connect(server, key, certificate, trustedCa)) {
            // TLS 1.3: the client's handshake is done before the server judges its certificate; a refusal then
            // comes by itself. Wait for it before writing: a write after the server has sent its alert and closed
            // meets a reset ("Broken pipe"), which throws the alert away unread.
            socket.setSoTimeout((int) VERDICT_WAIT.toMillis());
            try {
                return ended(socket.getInputStream().read());
            } catch (SocketTimeoutException noVerdictYet) {
                socket.setSoTimeout((int) Await.DEFAULT.toMillis());
            }
            // No refusal so far: an admitted connection answers (the tests' backends echo), a slow refusal still comes.
            socket.getOutputStream().write(1);
            return ended(socket.getInputStream().read());
        } catch (IOException e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                Matcher alert = RECEIVED_ALERT.matcher(String.valueOf(cause.getMessage()));
                if (alert.find()) {
                    return alert.group(1);
                }
            }
            return "no alert: " + e;
        }
    }

    /** How long a refused client waits for the server's verdict before it writes. */
    private static final Duration VERDICT_WAIT = Duration.ofSeconds(2);

    private static String ended(int read) {
        return read == -1 ? "no alert: the connection ended" : "no alert: the connection was admitted";
    }

    /** How the JDK's TLS names an alert it received, e.g. "Received fatal alert: unknown_ca". */
    private static final Pattern RECEIVED_ALERT = Pattern.compile("Received fatal alert: (\\w+)");
}
