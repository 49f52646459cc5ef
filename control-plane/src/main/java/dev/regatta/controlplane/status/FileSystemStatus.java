package dev.regatta.controlplane.status;

import dev.regatta.controlplane.node.FileSystemReport;

/**
 * The status of a file system as the console shows it.
 *
 * @param latestReport null until the serving node has reported on it
 * @param summary      "no report yet", or when and by whom it was last reported, and how many files are failing to
 *                     upload if any are (their paths and errors are in the report)
 */
public record FileSystemStatus(String fileSystemId, FileSystemReport latestReport, String summary) {

    public static FileSystemStatus of(String fileSystemId, FileSystemReport report) {
        if (report == null) {
            return new FileSystemStatus(fileSystemId, null, "no report yet");
        }
        String summary = "reported by " + report.nodeId() + " at " + report.reportedAt();
        Integer failing = report.failingFiles();
        if (failing != null && failing > 0) {
            summary += "; " + failing + (failing == 1 ? " file is" : " files are") + " failing to upload, e.g. "
                    + report.failing().stream().findFirst().map(f -> f.path() + " (" + f.code() + ")").orElse("?");
        }
        return new FileSystemStatus(fileSystemId, report, summary);
    }
}
