package dev.regatta.tunnel.tls;

import io.netty.handler.ssl.SslContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The TLS context new connections use, replaceable while connections are open: each connection keeps the context
 * it started with, so a renewed certificate applies to new connections and existing ones carry on undisturbed.
 */
public final class ReloadableSslContext {

    private static final Logger log = LoggerFactory.getLogger(ReloadableSslContext.class);

    /** Makes one end's context from credentials ({@link TlsContexts}). */
    @FunctionalInterface
    public interface Factory {
        SslContext create(TlsCredentials credentials) throws SSLException;
    }

    private record Loaded(SslContext context, TlsCredentials credentials) {
    }

    private final String role;
    private final CredentialSource source;
    private final Factory factory;
    private final AtomicReference<Loaded> current = new AtomicReference<>();

    /**
     * Loads the first credentials.
     *
     * @param role for logs, e.g. "tunnel server"
     */
    public ReloadableSslContext(String role, CredentialSource source, Factory factory)
            throws IOException, GeneralSecurityException {
        this.role = Objects.requireNonNull(role, "role");
        this.source = Objects.requireNonNull(source, "source");
        this.factory = Objects.requireNonNull(factory, "factory");
        current.set(load());
        log.info("{} presents '{}' (valid until {})", role, CertificateNames.subject(credentials().certificate()),
                credentials().certificate().getNotAfter().toInstant());
    }

    /** The context for a connection starting now. */
    public SslContext current() {
        return current.get().context();
    }

    /** The credentials of {@link #current()}. */
    public TlsCredentials credentials() {
        return current.get().credentials();
    }

    /**
     * Reads the credentials again and uses them for connections from now on. On failure the previous credentials
     * stay in use and the exception says why.
     */
    public void reload() throws IOException, GeneralSecurityException {
        Loaded loaded = load();
        current.set(loaded);
        log.info("{} reloaded its credentials: new connections present '{}' (valid until {})", role,
                CertificateNames.subject(loaded.credentials().certificate()),
                loaded.credentials().certificate().getNotAfter().toInstant());
    }

    private Loaded load() throws IOException, GeneralSecurityException {
        TlsCredentials credentials = source.load();
        return new Loaded(factory.create(credentials), credentials);
    }
}
