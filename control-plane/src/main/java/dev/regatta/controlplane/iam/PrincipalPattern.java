package dev.regatta.controlplane.iam;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whom a grant admits: one IAM role (and every session assumed from it), one IAM user, or a whole account.
 * Parsing is strict, so that a typo in a grant fails when it is made rather than silently never matching.
 */
public record PrincipalPattern(String text, Kind kind, String partition, String account, String name) {

    public enum Kind { ACCOUNT, ROLE, USER }

    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    /** IAM names: 1-64 of [\w+=,.@-]; paths: / or /segment/.../ */
    private static final Pattern ROLE_OR_USER = Pattern.compile(
            "arn:(aws|aws-cn|aws-us-gov):iam::(\\d{12}):(role|user)(/(?:[\\w+=,.@-]+/)*)([\\w+=,.@-]{1,64})");

    public static PrincipalPattern parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("principal is empty: give a 12-digit account ID or an IAM role or "
                    + "user ARN");
        }
        String t = text.strip();
        if (ACCOUNT.matcher(t).matches()) {
            return new PrincipalPattern(t, Kind.ACCOUNT, null, t, null);
        }
        Matcher m = ROLE_OR_USER.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + t + "' is neither a 12-digit account ID nor an IAM role or user "
                    + "ARN (arn:aws:iam::123456789012:role/NAME or arn:aws:iam::123456789012:user/NAME)");
        }
        Kind kind = m.group(3).equals("role") ? Kind.ROLE : Kind.USER;
        return new PrincipalPattern(t, kind, m.group(1), m.group(2), m.group(5));
    }

    /** Whether this grant's principal covers the caller STS identified. */
    public boolean matches(CallerArn caller) {
        return switch (kind) {
            case ACCOUNT -> account.equals(caller.account());
            // The session ARN has no role path, so a role is recognised by partition, account and name.
            case ROLE -> caller.kind() == CallerArn.Kind.ASSUMED_ROLE && partition.equals(caller.partition())
                    && account.equals(caller.account()) && name.equals(caller.name());
            case USER -> caller.kind() == CallerArn.Kind.USER && text.equals(caller.arn());
        };
    }

    @Override
    public String toString() {
        return text;
    }
}
