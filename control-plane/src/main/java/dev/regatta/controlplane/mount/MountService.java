package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.audit.AuditEvent;
import dev.regatta.controlplane.audit.AuditEvent.Decision;
import dev.regatta.controlplane.audit.AuditLog;
import dev.regatta.controlplane.ca.CertificateAuthority;
import dev.regatta.controlplane.ca.ClientIdentity;
import dev.regatta.controlplane.ca.IssuedCertificate;
import jakarta.validation.Validator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

import java.time.Instant;
import java.util.stream.Collectors;

/**
 * Admits or refuses a mount: rate limit, shape, authorization, then the client certificate. Every decision is one
 * audit row and one log line; the only way out without one is an unexpected error (a 500).
 */
@Service
public class MountService {

    private static final Logger LOG = LoggerFactory.getLogger(MountService.class);

    private final SourceThrottle throttle;
    private final Validator validator;
    private final MountAuthorizer authorizer;
    private final CertificateAuthority authority;
    private final MountSessionRepository sessions;
    private final AuditLog audit;
    private final TransactionTemplate transaction;

    MountService(SourceThrottle throttle, Validator validator, MountAuthorizer authorizer,
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
     * @param source the caller's IP address
     * @throws MountRefusedException already audited and logged
     */
    public MountResponse mount(MountRequest request, String source) {
        Instant now = Instant.now();
        try {
            throttle.requireUnderLimit(source, now);
            requireWellFormed(request);
            Admission admission = authorizer.authorize(request, now);
            return admit(request, admission, source, now);
        } catch (MountRefusedException refusal) {
            record(refusal, wellFormedFileSystemId(request), source, now);
            throw refusal;
        }
    }

    /** A body that is not even a mount request (bad JSON, a wrong type): refused and audited like any other. */
    MountRefusedException refuseUnreadable(String problem, String source) {
        Instant now = Instant.now();
        MountRefusedException refusal;
        try {
            throttle.requireUnderLimit(source, now);
            refusal = MountRefusedException.badRequest("the body is not a mount request: " + problem);
        } catch (MountRefusedException throttled) {
            refusal = throttled;
        }
        record(refusal, null, source, now);
        return refusal;
    }

    private void requireWellFormed(MountRequest request) {
        var violations = validator.validate(request);
        if (!violations.isEmpty()) {
            throw MountRefusedException.badRequest(violations.stream()
                    .map(v -> v.getPropertyPath() + " " + v.getMessage())
                    .sorted()
                    .collect(Collectors.joining("; ")));
        }
    }

    private MountResponse admit(MountRequest request, Admission admission, String source, Instant now) {
        String mountId = Ids.newId("mount");
        String principal = admission.caller().arn().arn();
        IssuedCertificate certificate;
        try {
            certificate = authority.issueClientCertificate(request.csr(), new ClientIdentity(mountId,
                    admission.fileSystem().id(), request.access(), admission.grant().id(), principal));
        } catch (IllegalArgumentException e) {
            throw MountRefusedException.badRequest("the CSR cannot be certified: " + Texts.clip(e.getMessage()))
                    .of(principal);
        }
        String reason = "mount " + mountId + " " + request.access() + " by grant " + admission.grant().id() + " via node "
                + admission.node().id();
        transaction.executeWithoutResult(status -> {
            sessions.insert(new MountSession(mountId, admission.fileSystem().id(), admission.grant().id(), principal,
                    request.access(), source, admission.node().id(), certificate.serialHex(), certificate.notAfter(),
                    now));
            audit.record(new AuditEvent(now, admission.fileSystem().id(), principal, source, Decision.ALLOWED, 201,
                    reason));
        });
        LOG.info("mount admitted: fs={} principal={} source={} {}", admission.fileSystem().id(), principal, source,
                reason);
        return new MountResponse(mountId, admission.fileSystem().id(), admission.node().address(), request.access(),
                principal, certificate.pem(), authority.caCertificatesPem(), certificate.notAfter());
    }

    private void record(MountRefusedException refusal, String fileSystemId, String source, Instant now) {
        audit.record(new AuditEvent(now, fileSystemId, refusal.principalArn(), source, Decision.REFUSED,
                refusal.status().value(), refusal.reason()));
        if (refusal.status().is5xxServerError()) {
            LOG.warn("mount refused ({}): fs={} principal={} source={} reason: {}", refusal.status().value(),
                    fileSystemId, refusal.principalArn(), source, refusal.reason());
        } else {
            LOG.info("mount refused ({}): fs={} principal={} source={} reason: {}", refusal.status().value(),
                    fileSystemId, refusal.principalArn(), source, refusal.reason());
        }
    }

    /** The audit row names the file system asked for only when it is an ID, never arbitrary caller text. */
    private static String wellFormedFileSystemId(MountRequest request) {
        return Ids.isId("fs", request.fileSystemId()) ? request.fileSystemId() : null;
    }
}
