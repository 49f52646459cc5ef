package dev.regatta.controlplane.mount.sts;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The parts of a SigV4 Authorization header this service relies on: that it is SigV4 for STS, and which headers it
 * signed. The signature itself is STS's to check and is deliberately not kept here.
 *
 * @param signedHeaders lower-case names, as listed in SignedHeaders
 */
record SigV4Authorization(List<String> signedHeaders) {

    static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final Pattern HEADER_NAME = Pattern.compile("[a-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern SIGNATURE = Pattern.compile("[0-9a-f]{64}");

    /** @throws ProofRefusedException (400) for anything but a well-formed SigV4 header scoped to STS */
    static SigV4Authorization parse(String header) {
        String[] algorithmAndRest = header.strip().split(" ", 2);
        if (!algorithmAndRest[0].equals(ALGORITHM) || algorithmAndRest.length < 2) {
            throw malformed("it must start with " + ALGORITHM);
        }
        Map<String, String> parts = new HashMap<>();
        for (String part : algorithmAndRest[1].split(",")) {
            String[] keyValue = part.strip().split("=", 2);
            if (keyValue.length != 2 || parts.putIfAbsent(keyValue[0], keyValue[1]) != null) {
                throw malformed("expected Credential=..., SignedHeaders=..., Signature=... once each");
            }
        }
        String credential = required(parts, "Credential");
        String signedHeaders = required(parts, "SignedHeaders");
        String signature = required(parts, "Signature");

        // Credential = access key ID / date / region / service / aws4_request
        String[] scope = credential.split("/", -1);
        if (scope.length != 5 || !scope[3].equals("sts") || !scope[4].equals("aws4_request")) {
            throw malformed("its Credential must be scoped to the service sts (KEY/DATE/REGION/sts/aws4_request)");
        }
        List<String> names = Arrays.asList(signedHeaders.split(";", -1));
        if (names.stream().anyMatch(name -> !HEADER_NAME.matcher(name).matches())
                || names.stream().distinct().count() != names.size()) {
            throw malformed("SignedHeaders must be distinct lower-case header names separated by ';'");
        }
        if (!SIGNATURE.matcher(signature).matches()) {
            throw malformed("Signature must be 64 lower-case hex digits");
        }
        return new SigV4Authorization(List.copyOf(names));
    }

    boolean signs(String headerName) {
        return signedHeaders.contains(headerName.toLowerCase(Locale.ROOT));
    }

    private static String required(Map<String, String> parts, String key) {
        String value = parts.get(key);
        if (value == null || value.isEmpty()) {
            throw malformed("it has no " + key);
        }
        return value;
    }

    private static ProofRefusedException malformed(String problem) {
        return ProofRefusedException.badRequest("the STS request's Authorization header is not SigV4 for STS: "
                + problem);
    }
}
