package dev.regatta.controlplane.mount.sts;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A client's STS proof, checked for shape and ready to send: a SigV4-signed GetCallerIdentity for an allowed STS
 * endpoint, signing the headers that bind it to one Regatta deployment and one file system.
 *
 * <p>Only the POST form ({@code Action=GetCallerIdentity&Version=2011-06-15} in the body) is accepted: it is what
 * SDKs send and it leaves one exact body to check, where the GET form would need query canonicalisation too.
 *
 * <p>What goes to STS is every signed header with its exact value, the Authorization header, the session token
 * (some signers leave it unsigned), and the exact body; nothing else the client sent. The HTTP client writes Host
 * and Content-Length itself, so where signed they must already equal what it will write.
 *
 * @param headersToSend     names as the client wrote them, values exact; without Host and Content-Length
 * @param signedAt          X-Amz-Date
 * @param serverId          the signed {@code x-regatta-server-id}
 * @param fileSystemId      the signed {@code x-regatta-fs-id}
 */
public record StsProof(URI uri, Map<String, String> headersToSend, String body, SigV4Authorization authorization,
                Instant signedAt, String serverId, String fileSystemId) {

    public static final String SERVER_ID_HEADER = "x-regatta-server-id";
    public static final String FILE_SYSTEM_ID_HEADER = "x-regatta-fs-id";
    static final String BODY = "Action=GetCallerIdentity&Version=2011-06-15";

    private static final List<String> MUST_SIGN = List.of("host", "x-amz-date", SERVER_ID_HEADER,
            FILE_SYSTEM_ID_HEADER);
    /** Hop-by-hop headers java.net.http will not send as given: a proof that signed one cannot be replayed. */
    private static final Set<String> UNRELAYABLE = Set.of("connection", "expect", "upgrade", "transfer-encoding");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\t\\x20-\\x7e]*");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    /** @throws ProofRefusedException (400) naming the first thing wrong, in the order the contract lists them */
    public static StsProof read(StsRequest request, StsEndpoints endpoints) {
        StsEndpoints.Endpoint endpoint = endpoints.resolve(request.url());
        requireGetCallerIdentity(request);

        Map<String, String> headers = caseInsensitive(request.headers());
        String authorizationHeader = headers.get("authorization");
        if (authorizationHeader == null) {
            throw bad("the STS request has no Authorization header: sign it with SigV4");
        }
        SigV4Authorization authorization = SigV4Authorization.parse(authorizationHeader);
        for (String name : MUST_SIGN) {
            if (!authorization.signs(name)) {
                throw bad("the STS request's SignedHeaders must include " + name + " (it has "
                        + String.join(";", authorization.signedHeaders()) + ")");
            }
        }
        Map<String, String> toSend = new LinkedHashMap<>();
        for (String name : authorization.signedHeaders()) {
            String value = headers.get(name);
            if (value == null) {
                throw bad("the STS request signs the header " + name + " but does not carry it");
            }
            switch (name) {
                case "host" -> requireEqual("Host", value.strip(), endpoint.hostHeader());
                case "content-length" -> requireEqual("Content-Length", value.strip(),
                        Integer.toString(request.body().getBytes(StandardCharsets.UTF_8).length));
                default -> {
                    if (UNRELAYABLE.contains(name)) {
                        throw bad("the STS request signs the hop-by-hop header " + name + ": leave it unsigned");
                    }
                    toSend.put(originalName(request.headers(), name), value);
                }
            }
        }
        toSend.put(originalName(request.headers(), "authorization"), authorizationHeader);
        String sessionToken = headers.get("x-amz-security-token");
        if (sessionToken != null) {
            toSend.putIfAbsent(originalName(request.headers(), "x-amz-security-token"), sessionToken);
        }
        return new StsProof(endpoint.uri(), Collections.unmodifiableMap(toSend), request.body(), authorization,
                amzDate(headers.get("x-amz-date")), headers.get(SERVER_ID_HEADER).strip(),
                headers.get(FILE_SYSTEM_ID_HEADER).strip());
    }

    private static void requireGetCallerIdentity(StsRequest request) {
        if (!request.method().equals("POST")) {
            throw bad("stsRequest.method must be POST (with " + BODY + " as the body)");
        }
        Map<String, String> form = new TreeMap<>();
        for (String pair : request.body().split("&", -1)) {
            String[] keyValue = pair.split("=", 2);
            String key = formDecode(keyValue[0]);
            String value = keyValue.length == 2 ? formDecode(keyValue[1]) : "";
            if (form.putIfAbsent(key, value) != null) {
                throw bad("the STS request's body names " + Texts.clip(key) + " twice");
            }
        }
        if (!form.equals(Map.of("Action", "GetCallerIdentity", "Version", "2011-06-15"))) {
            throw bad("the STS request must be GetCallerIdentity: its body must be exactly " + BODY);
        }
    }

    private static String formDecode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw bad("the STS request's body is not form-encoded");
        }
    }

    private static Map<String, String> caseInsensitive(Map<String, String> headers) {
        Map<String, String> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> {
            if (!HEADER_NAME.matcher(name).matches()) {
                throw bad("stsRequest.headers has a name that is not an HTTP header name: " + Texts.clip(name));
            }
            if (!HEADER_VALUE.matcher(value).matches()) {
                throw bad("stsRequest.headers." + name + " has characters an HTTP header cannot carry");
            }
            if (byName.put(name, value) != null) {
                throw bad("stsRequest.headers has " + name + " twice (header names ignore case)");
            }
        });
        return byName;
    }

    private static String originalName(Map<String, String> headers, String lowerCaseName) {
        return headers.keySet().stream().filter(lowerCaseName::equalsIgnoreCase).findFirst().orElseThrow();
    }

    private static void requireEqual(String header, String signed, String sent) {
        if (!signed.equals(sent)) {
            throw bad("the STS request signs " + header + ": " + Texts.clip(signed) + " but it would reach STS as "
                    + header + ": " + sent);
        }
    }

    private static Instant amzDate(String value) {
        try {
            return AMZ_DATE.parse(value.strip(), Instant::from);
        } catch (DateTimeParseException e) {
            throw bad("the STS request's X-Amz-Date '" + Texts.clip(value) + "' is not of the form 20260101T000000Z");
        }
    }

    private static ProofRefusedException bad(String reason) {
        return ProofRefusedException.badRequest(reason);
    }

    /** SHA-256 of the Authorization header: names this proof without keeping its signature. */
    public byte[] fingerprint() {
        String authorization = headersToSend.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("authorization"))
                .map(Map.Entry::getValue)
                .findFirst().orElseThrow();
        try {
            return MessageDigest.getInstance("SHA-256").digest(authorization.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** Never the headers: they carry the signature and the session token. */
    @Override
    public String toString() {
        return "StsProof[uri=" + uri + ", signedHeaders=" + authorization.signedHeaders() + ", signedAt=" + signedAt
                + ", serverId=" + serverId + ", fileSystemId=" + fileSystemId + "]";
    }
}
