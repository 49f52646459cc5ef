package dev.regatta.controlplane.mount;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * Mount authentication (docs/control-plane-protocols.md): mounts, their renewals and unmount reports, each
 * authenticated by the STS proof in the body alone. Bodies are validated by {@link MountAdmission}, after the rate
 * limit, so that malformed requests count as refusals.
 */
@RestController
class MountController {

    private final MountAdmission admission;

    MountController(MountAdmission admission) {
        this.admission = admission;
    }

    /** A new mount, or with {@code renews} the renewal of one: either way a new certificate, hence 201. */
    @PostMapping("/api/v1/mounts")
    @ResponseStatus(HttpStatus.CREATED)
    MountResponse mount(@RequestBody MountRequest request, HttpServletRequest http) {
        return admission.mount(request, http.getRemoteAddr());
    }

    @PostMapping("/api/v1/mounts/{id}/unmount")
    UnmountResponse unmount(@PathVariable("id") String mountId, @RequestBody UnmountRequest request,
                            HttpServletRequest http) {
        return admission.unmount(mountId, request, http.getRemoteAddr());
    }
}
