package dev.regatta.controlplane.mount;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mount authentication (docs/control-plane-protocols.md): authenticated by the STS proof in the body alone. The
 * body is validated by {@link MountService}, after the rate limit, so that malformed requests count as refusals.
 */
@RestController
class MountController {

    private final MountService mounts;

    MountController(MountService mounts) {
        this.mounts = mounts;
    }

    @PostMapping("/api/v1/mounts")
    @ResponseStatus(HttpStatus.CREATED)
    MountResponse mount(@RequestBody MountRequest request, HttpServletRequest http) {
        return mounts.mount(request, http.getRemoteAddr());
    }
}
