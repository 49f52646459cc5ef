package dev.regatta.controlplane.node;

import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The data-plane nodes' side of the protocol (docs/control-plane-protocols.md); {@link NodeAuthenticationFilter}
 * has checked their tokens before these run.
 */
@RestController
@RequestMapping("/api/v1/nodes")
public class NodeController {

    private final NodeRegistrar registrar;
    private final HeartbeatService heartbeats;

    public NodeController(NodeRegistrar registrar, HeartbeatService heartbeats) {
        this.registrar = registrar;
        this.heartbeats = heartbeats;
    }

    /** Authorization: Bearer &lt;bootstrap token&gt;. */
    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public RegistrationResponse register(@Valid @RequestBody RegistrationRequest request) {
        return registrar.register(request);
    }

    /** Authorization: Bearer &lt;node token&gt;. */
    @PostMapping("/{nodeId}/heartbeat")
    public HeartbeatResponse heartbeat(@PathVariable("nodeId") String nodeId,
                                       @Valid @RequestBody HeartbeatRequest request) {
        return heartbeats.heartbeat(nodeId, request);
    }
}
