package dev.regatta.controlplane.status;

import dev.regatta.controlplane.api.Problems;
import dev.regatta.controlplane.audit.AuditEvent;
import dev.regatta.controlplane.audit.AuditLog;
import dev.regatta.controlplane.filesystem.FileSystemService;
import dev.regatta.controlplane.mount.MountSessionRepository;
import dev.regatta.controlplane.mount.MountView;
import dev.regatta.controlplane.node.FileSystemReportRepository;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.Size;
import org.springframework.format.annotation.DateTimeFormat;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What is happening on file systems: the nodes' reports, their groups, current mounts, and the mount decisions.
 */
@RestController
@RequestMapping("/api/v1")
public class StatusController {

    private final FileSystemService fileSystems;
    private final FileSystemOverview overview;
    private final FileSystemReportRepository reports;
    private final MountSessionRepository sessions;
    private final AuditLog audit;

    public StatusController(FileSystemService fileSystems, FileSystemOverview overview,
                            FileSystemReportRepository reports, MountSessionRepository sessions, AuditLog audit) {
        this.fileSystems = fileSystems;
        this.overview = overview;
        this.reports = reports;
        this.sessions = sessions;
        this.audit = audit;
    }

    /** The leader's latest report, and the group: its members, their roles and lag, and how it is placed. */
    @GetMapping("/file-systems/{id}/status")
    public FileSystemStatus status(@PathVariable("id") String id) {
        return overview.status(fileSystems.require(id));
    }

    /**
     * The reports of the last {@code minutes} (kept for 24 hours), oldest first, with the counters as rates.
     *
     * @param minutes how far back, 1..1440
     */
    @GetMapping("/file-systems/{id}/history")
    public FileSystemHistory history(@PathVariable("id") String id,
                                     @RequestParam(name = "minutes", defaultValue = "60") @Min(1) @Max(1440)
                                     int minutes) {
        fileSystems.require(id);
        Instant to = Instant.now();
        Instant from = to.minus(Duration.ofMinutes(minutes));
        return FileSystemHistory.of(id, from, to, reports.history(id, from));
    }

    /**
     * @param state LIVE (the default): sessions not ended whose certificate is valid; ENDED: unmount reported;
     *              EXPIRED: certificate lapsed without an unmount report; ALL
     * @param limit at most this many, newest first; default: every live session, or the newest 100 of the others
     */
    @GetMapping("/file-systems/{id}/mounts")
    public List<MountView> mounts(@PathVariable("id") String id,
                                  @RequestParam(name = "state", defaultValue = "LIVE") MountView.Filter state,
                                  @RequestParam(name = "limit", required = false) @Min(1) @Max(1000) Integer limit) {
        fileSystems.require(id);
        int most = limit != null ? limit : state == MountView.Filter.LIVE ? Integer.MAX_VALUE : 100;
        return sessions.mounts(id, state, most, Instant.now());
    }

    /**
     * @param principal part of the caller's ARN (a role name finds its sessions)
     * @param throttled true: only the counted 429s of throttled sources; false: every decision but those
     * @param since     only events at or after this instant (ISO-8601, e.g. 2026-11-26T09:00:00Z)
     * @param before    only events before this instant: the next page back is {@code before} the oldest shown
     */
    @GetMapping("/audit-events")
    public List<AuditEvent> auditEvents(
            @RequestParam(name = "fileSystemId", required = false) String fileSystemId,
            @RequestParam(name = "decision", required = false) AuditEvent.Decision decision,
            @RequestParam(name = "principal", required = false) @Size(max = 2048) String principal,
            @RequestParam(name = "throttled", required = false) Boolean throttled,
            @RequestParam(name = "since", required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME)
            Instant since,
            @RequestParam(name = "before", required = false) @DateTimeFormat(iso = DateTimeFormat.ISO.DATE_TIME)
            Instant before,
            @RequestParam(name = "limit", defaultValue = "100") @Min(1) @Max(1000) int limit) {
        if (fileSystemId != null) {
            Problems.requireId("fs", fileSystemId, "file system");
        }
        return audit.events(fileSystemId, decision, principal == null || principal.isBlank() ? null
                : principal.strip(), throttled, since, before, limit);
    }
}
