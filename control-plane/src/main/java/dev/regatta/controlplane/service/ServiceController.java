package dev.regatta.controlplane.service;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** What a mount helper needs to know before it signs its proof; public, since it reveals nothing secret. */
@RestController
public class ServiceController {

    /** @param serverId the value of the signed {@code x-regatta-server-id} header of a mount proof */
    public record ServiceDescription(String serverId) {
    }

    private final ServerIdentity identity;

    public ServiceController(ServerIdentity identity) {
        this.identity = identity;
    }

    @GetMapping("/api/v1/service")
    public ServiceDescription describe() {
        return new ServiceDescription(identity.serverId());
    }
}
