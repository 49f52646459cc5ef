package dev.regatta.controlplane.node;

import java.util.List;

/** @param nodeToken the node's secret for its heartbeats; shown only here */
public record RegistrationResponse(String nodeId, String nodeToken, String certificate, List<String> caCertificates,
                                   long heartbeatIntervalSeconds) {
}
