package dev.regatta.controlplane.security;

import java.io.Serializable;

/**
 * Who an admin request comes from. Serializable: a console session keeps it in PostgreSQL (Spring Session JDBC
 * serializes the session's security context), where any control plane reads it back.
 *
 * @param name    the console's username, or the API token's name
 * @param tokenId the API token's ID; null for a console session
 */
public record AdminPrincipal(String name, Method method, String tokenId) implements Serializable {

    public enum Method { SESSION, API_TOKEN }

    @Override
    public String toString() {
        return method == Method.SESSION ? name : tokenId + " (" + name + ")";
    }
}
