package dev.regatta.controlplane.iam;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ARN that STS GetCallerIdentity returned for a mount's caller: an IAM user, an assumed-role session, or an
 * account root. An assumed-role ARN ({@code arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION}) carries the role's
 * name but not its path.
 */
public record CallerArn(String arn, String partition, String account, Kind kind, String name, String session) {

    public enum Kind { USER, ASSUMED_ROLE, ROOT, OTHER }

    private static final Pattern ARN = Pattern.compile("arn:(aws|aws-cn|aws-us-gov):(iam|sts)::(\\d{12}):(.+)");

    public static CallerArn parse(String arn) {
        Matcher m = ARN.matcher(arn == null ? "" : arn);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an IAM or STS principal ARN: " + arn);
        }
        String partition = m.group(1);
        String service = m.group(2);
        String account = m.group(3);
        String resource = m.group(4);
        if (service.equals("sts") && resource.startsWith("assumed-role/")) {
            String[] parts = resource.split("/", -1);
            if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
                throw new IllegalArgumentException("malformed assumed-role ARN: " + arn);
            }
            return new CallerArn(arn, partition, account, Kind.ASSUMED_ROLE, parts[1], parts[2]);
        }
        if (service.equals("iam") && resource.startsWith("user/")) {
            return new CallerArn(arn, partition, account, Kind.USER, lastSegment(resource), null);
        }
        if (service.equals("iam") && resource.equals("root")) {
            return new CallerArn(arn, partition, account, Kind.ROOT, null, null);
        }
        return new CallerArn(arn, partition, account, Kind.OTHER, null, null);
    }

    static String lastSegment(String resource) {
        return resource.substring(resource.lastIndexOf('/') + 1);
    }

    @Override
    public String toString() {
        return arn;
    }
}
