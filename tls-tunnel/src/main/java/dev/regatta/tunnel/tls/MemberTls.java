package dev.regatta.tunnel.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.io.IOException;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What the members of a replication group present to each other and check of each other, in both directions of a
 * connection (mutual TLS): each presents its node certificate, and accepts the other's when it is a node certificate
 * of the control plane's CA (for server authentication, as the CA issues them, naming a {@code regatta:node:} URI),
 * valid now. Any node of the CA may talk to another; which groups a node belongs to, the groups' configurations say.
 * The host a member was reached at is not checked: a node's certificate names the address it registered, and its
 * replication port may listen elsewhere.
 *
 * <p>The node's files are read again when they change (a renewed certificate, a new registration), so the next
 * connection uses what they hold; a connection keeps what it started with. Key and certificate are taken from one
 * reading: a key manager is asked for them in separate calls, by an alias naming the reading.
 */
public final class MemberTls {

    private static final String ROLE = "member";
    private static final String NODE_URI = "regatta:node:";
    /** The key exchange the JDK names for TLS 1.3, where the certificate's key only signs. */
    private static final String SIGNING = "UNKNOWN";

    /** One reading of the files: its number (in the alias) and what it held. */
    private record Reading(long number, List<Object> version, TlsCredentials credentials,
                           X509ExtendedTrustManager pkix) {
        String alias() {
            return "node-" + number;
        }
    }

    private final PemCredentialFiles files;
    private final AtomicReference<Reading> current = new AtomicReference<>();
    /** The reading before the current one, for a handshake that chose its alias just before a reload. */
    private final AtomicReference<Reading> previous = new AtomicReference<>();

    /** @throws IOException when the files are missing or do not fit together */
    public MemberTls(PemCredentialFiles files) throws IOException {
        this.files = Objects.requireNonNull(files, "files");
        current.set(read(1));
    }

    private Reading read(long number) throws IOException {
        List<Object> version = files.version();
        TlsCredentials credentials = files.load();
        return new Reading(number, version, credentials, CertificateChecks.pkix(credentials.caCertificates()));
    }

    /** The latest reading, after reading the files again if they changed; the last good one if they are unusable. */
    private Reading reading() {
        Reading now = current.get();
        try {
            if (!files.version().equals(now.version())) {
                Reading next = read(now.number() + 1);
                if (current.compareAndSet(now, next)) {
                    previous.set(now);
                }
                return current.get();
            }
        } catch (IOException | RuntimeException e) {
            // A renewal writes the files one by one: until they fit together again, the last good reading serves.
        }
        return now;
    }

    private Reading byAlias(String alias) {
        for (Reading r : new Reading[]{current.get(), previous.get()}) {
            if (r != null && r.alias().equals(alias)) {
                return r;
            }
        }
        return null;
    }

    /** This node's certificate and key, for both ends of a connection. */
    public X509ExtendedKeyManager keyManager() {
        return new X509ExtendedKeyManager() {
            @Override
            public String[] getClientAliases(String keyType, Principal[] issuers) {
                return new String[]{reading().alias()};
            }

            @Override
            public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
                return reading().alias();
            }

            @Override
            public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
                return reading().alias();
            }

            @Override
            public String[] getServerAliases(String keyType, Principal[] issuers) {
                return new String[]{reading().alias()};
            }

            @Override
            public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
                return reading().alias();
            }

            @Override
            public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
                return reading().alias();
            }

            @Override
            public X509Certificate[] getCertificateChain(String alias) {
                Reading r = byAlias(alias);
                return r == null ? null : r.credentials().chain().toArray(X509Certificate[]::new);
            }

            @Override
            public PrivateKey getPrivateKey(String alias) {
                Reading r = byAlias(alias);
                return r == null ? null : r.credentials().privateKey();
            }
        };
    }

    /** The check of the other member's certificate, whichever end of the connection it is on. */
    public X509ExtendedTrustManager trustManager() {
        return new X509ExtendedTrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                    throws CertificateException {
                check(chain);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                check(chain);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return reading().credentials().caCertificates().toArray(X509Certificate[]::new);
            }
        };
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        X509Certificate certificate = CertificateChecks.endEntity(chain, ROLE);
        CertificateChecks.requireCurrentlyValid(certificate, ROLE);
        CertificateChecks.requireExtendedKeyUsage(certificate, CertificateChecks.SERVER_AUTH, "serverAuth", ROLE);
        if (CertificateNames.uris(certificate).stream().noneMatch(uri -> uri.startsWith(NODE_URI))) {
            throw new CertificateException("the " + ROLE + " certificate '" + CertificateNames.subject(certificate)
                    + "' names no node (" + NODE_URI + "...): it is not a node certificate");
        }
        try {
            // The server variant, whichever end presents it: a node certificate is for server authentication. Its
            // key signs (TLS 1.3's "UNKNOWN" key exchange asks for digitalSignature, which node certificates have);
            // a client's authType ("EC") means nothing to the server variant, which refuses it.
            reading().pkix().checkServerTrusted(chain, SIGNING);
        } catch (CertificateException e) {
            throw CertificateChecks.untrusted(certificate, ROLE, e);
        }
    }
}
