package dev.regatta.controlplane.security;

/**
 * Who an admin request comes from.
 *
 * @param name    the console's username, or the API token's name
 * @param tokenId the API token's ID; null for a console session
 */
public record AdminPrincipal(String name, Method method, String tokenId) {

    public enum Method { SESSION, API_TOKEN }

    @Override
    public String toString() {
        return method == Method.SESSION ? name : tokenId + " (" + name + ")";
    }
}
