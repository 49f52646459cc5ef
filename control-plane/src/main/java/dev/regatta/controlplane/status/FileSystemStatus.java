package dev.regatta.controlplane.status;

/**
 * The status of a file system as the console shows it.
 *
 * @param latestReport null until the serving node has reported on it
 * @param summary      "no report yet", or when and by whom it was last reported
 */
public record FileSystemStatus(String fileSystemId, FileSystemReport latestReport, String summary) {

    public static FileSystemStatus of(String fileSystemId, FileSystemReport report) {
        return new FileSystemStatus(fileSystemId, report, report == null ? "no report yet"
                : "reported by " + report.nodeId() + " at " + report.reportedAt());
    }
}
