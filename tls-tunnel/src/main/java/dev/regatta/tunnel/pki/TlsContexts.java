package dev.regatta.tunnel.pki;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

import javax.net.ssl.SSLException;
import java.util.List;

/** Builds each end's Netty TLS context: the JDK's TLS 1.3, mutual authentication, Regatta's certificate checks. */
public final class TlsContexts {

    private static final String TLS_1_3 = "TLSv1.3";
    /**
     * AES-128-GCM first: on CPUs with AES instructions it is the fastest, and the tunnel carries bulk file data. The
     * others stay for peers that lack it.
     */
    private static final List<String> CIPHER_SUITES =
            List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

    private TlsContexts() {
    }

    /** The data-plane node's end: presents the node certificate and requires a mount's client certificate. */
    public static SslContext server(TlsCredentials credentials) throws SSLException {
        return SslContextBuilder.forServer(credentials.privateKey(), credentials.chain())
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_1_3)
                .ciphers(CIPHER_SUITES)
                .clientAuth(ClientAuth.REQUIRE)
                .trustManager(new ClientCertificateTrustManager(credentials.caCertificates()))
                .build();
    }

    /** The instance's end: presents the mount's client certificate and verifies the node's. */
    public static SslContext client(TlsCredentials credentials, NodeVerification verification) throws SSLException {
        return SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .protocols(TLS_1_3)
                .ciphers(CIPHER_SUITES)
                .keyManager(credentials.privateKey(), credentials.chain())
                .trustManager(new NodeCertificateTrustManager(credentials.caCertificates(), verification))
                .endpointIdentificationAlgorithm(verification.endpointIdentificationAlgorithm())
                .build();
    }
}
