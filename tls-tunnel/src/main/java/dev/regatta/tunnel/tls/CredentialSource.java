package dev.regatta.tunnel.tls;

import java.io.IOException;
import java.security.GeneralSecurityException;

/**
 * Where an end's current credentials come from. Asked again at each reload, so that a renewed certificate (node
 * certificates last 30 days, a mount's one hour) takes effect without a restart.
 */
@FunctionalInterface
public interface CredentialSource {

    TlsCredentials load() throws IOException, GeneralSecurityException;
}
