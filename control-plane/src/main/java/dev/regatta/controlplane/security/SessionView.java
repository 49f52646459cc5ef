package dev.regatta.controlplane.security;

/**
 * Who the caller is.
 *
 * @param name   the admin's username, or the API token's name; null when not signed in
 * @param method how the request was authenticated; null when not signed in
 */
public record SessionView(boolean signedIn, String name, AdminPrincipal.Method method) {

    static final SessionView SIGNED_OUT = new SessionView(false, null, null);
}
