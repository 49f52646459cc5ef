package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.audit.AuditEvent.Decision;
import dev.regatta.controlplane.audit.AuditEvent;
import dev.regatta.controlplane.audit.AuditLog;
import dev.regatta.controlplane.ca.CertificateAuthority;
import dev.regatta.controlplane.ca.CertificationRequests;
import dev.regatta.controlplane.ca.ClientIdentity;
import dev.regatta.controlplane.ca.IssuedCertificate;
import dev.regatta.controlplane.mount.sts.Texts;
import jakarta.validation.Validator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.stream.Collectors;

/**
 * Admits or refuses a mount or a renewal (rate limit, shape and CSR, authorization, then the client certificate),
 * and ends a mount's session when the client reports the unmount. Every decision is one audit row and one log line
 * (a throttled source's 429s: one counted row and one line per window); the only way out without one is an
 * unexpected error (a 500).
 */
@Service
public class MountAdmission {

    private static final Logger LOG = LoggerFactory.getLogger(MountAdmission.class);

    private final SourceThrottle throttle;
    private final Validator validator;
    private final MountAuthorizer authorizer;
    private final CertificateAuthority authority;
    private final MountSessionRepository sessions;
    private final AuditLog audit;
    private final TransactionTemplate transaction;

    MountAdmission(SourceThrottle throttle, Validator validator, MountAuthorizer authorizer,
                 CertificateAuthority authority, MountSessionRepository sessions, AuditLog audit,
                 TransactionTemplate transaction) {
        this.throttle = throttle;
        this.validator = validator;
        this.authorizer = authorizer;
        this.authority = authority;
        this.sessions = sessions;
        this.audit = audit;
        this.transaction = transaction;
    }

    /**
     * A new mount, or the renewal of one when the request {@code renews} it.
     *
     * @param source the caller's IP address
     * @throws MountRefusedException already audited and logged
     */
    public MountResponse mount(MountRequest request, String source) {
        Instant now = now();
        String what = request.renews() == null ? "mount" : "renewal";
        try {
            throttle.requireUnderLimit(source, now);
            requireWellFormed(request);
            requireCertifiable(request.csr());
            AuthorizedMount authorized = authorizer.authorize(request, now);
            return admit(request, authorized, source, now);
        } catch (MountRefusedException refusal) {
            record(refusal, what, wellFormedFileSystemId(request.fileSystemId()), source, now);
            throw refusal;
        }
    }

    /**
     * The client's report that a mount ended: ends its session. A report of a session that already ended changes
     * nothing and is answered like the first, so that a client may repeat a report whose answer it did not get.
     *
     * @param source the caller's IP address
     * @throws MountRefusedException already audited and logged
     */
    public UnmountResponse unmount(String mountId, UnmountRequest request, String source) {
        Instant now = now();
        try {
            throttle.requireUnderLimit(source, now);
            if (!Ids.isId("mount", mountId)) {
                throw MountRefusedException.badRequest("'" + Texts.clip(mountId) + "' in the path is not a mount ID "
                        + "(mount- and 17 lowercase hex digits)");
            }
            requireWellFormed(request);
            MountAuthorizer.Ending ending = authorizer.authorizeUnmount(mountId, request, now);
            return end(ending, source, now);
        } catch (MountRefusedException refusal) {
            record(refusal, "unmount report", wellFormedFileSystemId(request.fileSystemId()), source, now);
            throw refusal;
        }
    }

    /**
     * A body that is not even a mount request or unmount report (bad JSON, a wrong type): refused and audited like
     * any other.
     */
    MountRefusedException refuseUnreadable(boolean unmountReport, String problem, String source) {
        Instant now = now();
        MountRefusedException refusal;
        try {
            throttle.requireUnderLimit(source, now);
            refusal = MountRefusedException.badRequest("the body is not " + (unmountReport ? "an unmount report"
                    : "a mount request") + ": " + problem);
        } catch (MountRefusedException throttled) {
            refusal = throttled;
        }
        record(refusal, unmountReport ? "unmount report" : "mount", null, source, now);
        return refusal;
    }

    private void requireWellFormed(Object request) {
        var violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw MountRefusedException.badRequest(violations.stream()
                    .map(v -> v.getPropertyPath() + " " + v.getMessage())
                    .sorted()
                    .collect(Collectors.joining("; ")));
        }
    }

    /** Before STS is asked: a CSR that cannot be certified must not cost an STS call (nor use up the proof). */
    private static void requireCertifiable(String csr) {
        try {
            CertificationRequests.certifiableKey(csr);
        } catch (IllegalArgumentException e) {
            throw MountRefusedException.badRequest("the CSR cannot be certified: " + Texts.clip(e.getMessage()));
        }
    }

    private MountResponse admit(MountRequest request, AuthorizedMount authorized, String source, Instant now) {
        MountSession renewed = authorized.renewed();
        String mountId = renewed == null ? Ids.newId("mount") : renewed.id();
        String fileSystemId = authorized.fileSystem().id();
        String principal = authorized.caller().arn().arn();
        IssuedCertificate certificate = authority.issueClientCertificate(request.csr(), new ClientIdentity(mountId,
                fileSystemId, request.access(), authorized.grant().id(), principal));
        String grantAndNode = request.access() + " by grant " + authorized.grant().id() + " via node "
                + authorized.node().nodeId();
        String reason = transaction.execute(status -> {
            String decision;
            if (renewed == null) {
                sessions.insert(MountSession.admitted(mountId, fileSystemId, authorized.grant().id(), principal,
                        request.access(), source, authorized.node().nodeId(), certificate.serialHex(),
                        certificate.notAfter(), now));
                decision = "mount " + mountId + " " + grantAndNode;
            } else {
                int renewals = sessions.renew(mountId, fileSystemId, authorized.grant().id(), source,
                        authorized.node().nodeId(), certificate.serialHex(), certificate.notAfter(), now)
                        .orElseThrow(() -> MountRefusedException.conflict("mount " + mountId + " ended while it was "
                                + "being renewed: mount anew, without renews").of(principal));
                decision = "renewal " + renewals + " of mount " + mountId + " " + grantAndNode
                        + ", certificate valid until " + certificate.notAfter();
            }
            audit.record(AuditEvent.decided(now, fileSystemId, principal, source, Decision.ALLOWED, 201,
                    decision));
            return decision;
        });
        LOG.info("{} admitted: fs={} principal={} source={} {}", renewed == null ? "mount" : "renewal", fileSystemId,
                principal, source, reason);
        return new MountResponse(mountId, fileSystemId, authorized.node().address(), authorized.memberAddresses(),
                request.access(), principal, certificate.pem(), authority.caCertificatesPem(), certificate.notAfter());
    }

    private UnmountResponse end(MountAuthorizer.Ending ending, String source, Instant now) {
        MountSession session = ending.session();
        String principal = ending.reporter().arn();
        String endReason = "unmount reported by the client from " + source;
        Ended ended = transaction.execute(status -> {
            if (!session.ended() && sessions.end(session.id(), now, endReason)) {
                String decision = "unmount of mount " + session.id() + " reported: its session ended";
                audit.record(AuditEvent.decided(now, session.fileSystemId(), principal, source, Decision.ALLOWED,
                        200, decision));
                return new Ended(session.endedBy(now, endReason), decision);
            }
            // Ended before, or by a report racing with this one: the end stands as it was.
            MountSession before = sessions.find(session.id()).filter(MountSession::ended)
                    .orElse(session.ended() ? session : session.endedBy(now, endReason));
            String decision = "unmount of mount " + session.id() + " reported again: its session had ended at "
                    + before.endedAt();
            audit.record(AuditEvent.decided(now, session.fileSystemId(), principal, source, Decision.ALLOWED, 200,
                    decision));
            return new Ended(before, decision);
        });
        LOG.info("unmount reported: fs={} principal={} source={} {}", session.fileSystemId(), principal, source,
                ended.decision());
        MountSession result = ended.session();
        return new UnmountResponse(result.id(), result.fileSystemId(), principal, result.endedAt(),
                result.endReason());
    }

    private record Ended(MountSession session, String decision) {
    }

    /** To the microsecond, as PostgreSQL keeps times: an answer says the very time a later one reads back. */
    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * A throttled source's 429s are counted in one audit row and one log line per failure window: a source that
     * keeps calling must not flood either.
     *
     * @param what "mount", "renewal", "unmount report"... as the log line names the request
     */
    private void record(MountRefusedException refusal, String what, String fileSystemId, String source,
                        Instant now) {
        AuditEvent event = AuditEvent.decided(now, fileSystemId, refusal.principalArn(), source, Decision.REFUSED,
                refusal.status().value(), refusal.reason());
        if (refusal.status() == HttpStatus.TOO_MANY_REQUESTS) {
            if (audit.recordThrottled(event, throttle.window())) {
                LOG.info("{} refused (429): source={} reason: {}; its further 429s within {} s are counted in "
                        + "this audit event, not logged", what, source, refusal.reason(),
                        throttle.window().toSeconds());
            }
            return;
        }
        audit.record(event);
        if (refusal.status().is5xxServerError()) {
            LOG.warn("{} refused ({}): fs={} principal={} source={} reason: {}", what, refusal.status().value(),
                    fileSystemId, refusal.principalArn(), source, refusal.reason());
        } else {
            LOG.info("{} refused ({}): fs={} principal={} source={} reason: {}", what, refusal.status().value(),
                    fileSystemId, refusal.principalArn(), source, refusal.reason());
        }
    }

    /** The audit row names the file system asked for only when it is an ID, never arbitrary caller text. */
    private static String wellFormedFileSystemId(String fileSystemId) {
        return Ids.isId("fs", fileSystemId) ? fileSystemId : null;
    }
}
