package dev.regatta.tunnel.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.util.List;

/**
 * Builds each end's Netty TLS context: TLS 1.3 (BoringSSL, or the JDK's), mutual authentication, Regatta's certificate
 * checks.
 */
public final class TlsContexts {

    private static final String TLS_1_3 = "TLSv1.3";
    /**
     * AES-128-GCM first: on CPUs with AES instructions it is the fastest, and the tunnel carries bulk file data. The
     * others stay for peers that lack it.
     */
    private static final List<String> CIPHER_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    /**
     * BoringSSL (netty-tcnative) where its native library loads: it encrypts the tunnel's bulk data with a fraction of
     * the JDK engine's CPU, which on a busy instance is throughput. The JDK's TLS is the fallback elsewhere.
     */
    private static final SslProvider PROVIDER = OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;

    /**
     * The tunnel protocol both ends name in ALPN: TLS 1.3 carrying {@code StreamFraming}. A peer that names another
     * (or none) is refused after the handshake with a message saying so, rather than misreading its bytes.
     */
    public static final String TUNNEL_PROTOCOL = "regatta-tunnel/1";
    /**
     * A callback line: a connection the instance opens so that the node can call the instance's lock manager back
     * through it (NLM GRANTED, replies to asynchronous calls, SM_NOTIFY). The node's end starts each stream with the
     * program and version it wants ({@code CallbackHeader}); the rest is {@code StreamFraming} as in the tunnel.
     */
    public static final String CALLBACK_PROTOCOL = "regatta-callback/1";

    private TlsContexts() {
    }

    private static ApplicationProtocolConfig alpn(String... protocols) {
        return new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                // The only failure behaviours BoringSSL's engine supports; the ends check the outcome themselves.
                ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                protocols);
    }

    /** Whether the tunnel's TLS is BoringSSL's here, which works on native memory. */
    public static boolean isNative() {
        return PROVIDER == SslProvider.OPENSSL;
    }

    /** Which TLS implementation the tunnel uses here, for the start-up log. */
    public static String engine() {
        return PROVIDER == SslProvider.OPENSSL ? "BoringSSL" : "the JDK's TLS (BoringSSL's native library did not load: "
                + OpenSsl.unavailabilityCause() + ")";
    }

    /** The data-plane node's end: presents the node certificate and requires a mount's client certificate. */
    public static SslContext server(TlsCredentials credentials) throws SSLException {
        return server(credentials, PROVIDER);
    }

    /**
     * As {@link #server(TlsCredentials)} with the given TLS implementation instead of the best one here: the two
     * refuse a certificate with different alerts, and the tests check both.
     */
    public static SslContext server(TlsCredentials credentials, SslProvider provider) throws SSLException {
        return SslContextBuilder.forServer(credentials.privateKey(), credentials.chain())
                .sslProvider(provider)
                .protocols(TLS_1_3)
                .ciphers(CIPHER_SUITES)
                .clientAuth(ClientAuth.REQUIRE)
                .applicationProtocolConfig(alpn(TUNNEL_PROTOCOL, CALLBACK_PROTOCOL))
                .trustManager(new ClientCertificateTrustManager(credentials.caCertificates(),
                        provider == SslProvider.OPENSSL))
                .build();
    }

    /**
     * The instance's end: presents the mount's client certificate and verifies the node's.
     *
     * @param protocol {@link #TUNNEL_PROTOCOL} or {@link #CALLBACK_PROTOCOL}
     */
    public static SslContext client(TlsCredentials credentials, NodeVerification verification, String protocol)
            throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(PROVIDER)
                .protocols(TLS_1_3)
                .ciphers(CIPHER_SUITES)
                .keyManager(credentials.privateKey(), credentials.chain())
                .applicationProtocolConfig(alpn(protocol))
                .trustManager(new NodeCertificateTrustManager(credentials.caCertificates(), verification))
                .endpointIdentificationAlgorithm(verification.endpointIdentificationAlgorithm())
                .build();
    }
}
