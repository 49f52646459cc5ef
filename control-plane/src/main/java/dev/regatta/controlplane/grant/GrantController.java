package dev.regatta.controlplane.grant;

import dev.regatta.controlplane.Ids;
import dev.regatta.controlplane.api.Problems;
import dev.regatta.controlplane.filesystem.FileSystemService;
import dev.regatta.controlplane.iam.PrincipalPattern;
import jakarta.validation.Valid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.time.Instant;
import java.util.List;

/**
 * Who may mount a file system. A change reaches the serving node with its next heartbeat; removing a grant does not
 * end mounts made under it until the node drops the grant (the data plane admits a certificate only while its
 * grant is among the node's grants).
 */
@RestController
@RequestMapping("/api/v1/file-systems/{fileSystemId}/grants")
public class GrantController {

    private static final Logger LOG = LoggerFactory.getLogger(GrantController.class);

    private final FileSystemService fileSystems;
    private final GrantRepository grants;

    public GrantController(FileSystemService fileSystems, GrantRepository grants) {
        this.fileSystems = fileSystems;
        this.grants = grants;
    }

    @PostMapping
    public ResponseEntity<GrantView> create(@PathVariable("fileSystemId") String fileSystemId,
                                            @Valid @RequestBody CreateGrantRequest request) {
        fileSystems.require(fileSystemId);
        PrincipalPattern principal;
        try {
            principal = PrincipalPattern.parse(request.principal());
        } catch (IllegalArgumentException e) {
            throw Problems.badRequest("principal: " + e.getMessage());
        }
        Grant grant = new Grant(Ids.newId("grant"), fileSystemId, principal,
                request.access() == null ? AccessLevel.READ_WRITE : request.access(),
                Boolean.TRUE.equals(request.rootSquash()), Instant.now());
        try {
            grants.insert(grant);
        } catch (DuplicateKeyException e) {
            throw Problems.conflict(fileSystemId + " already grants " + principal.text()
                    + "; delete that grant first to change its access or root squash");
        }
        LOG.info("grant {} on {}: {} {}{}", grant.id(), fileSystemId, principal.text(), grant.access(),
                grant.rootSquash() ? " with root squash" : "");
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}")
                .buildAndExpand(grant.id()).toUri()).body(GrantView.of(grant));
    }

    @GetMapping
    public List<GrantView> list(@PathVariable("fileSystemId") String fileSystemId) {
        fileSystems.require(fileSystemId);
        return grants.forFileSystem(fileSystemId).stream().map(GrantView::of).toList();
    }

    @DeleteMapping("/{grantId}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void delete(@PathVariable("fileSystemId") String fileSystemId,
                       @PathVariable("grantId") String grantId) {
        fileSystems.require(fileSystemId);
        Problems.requireId("grant", grantId, "grant");
        if (!grants.delete(fileSystemId, grantId)) {
            throw Problems.notFound("no grant " + grantId + " on file system " + fileSystemId);
        }
        LOG.info("grant {} on {} deleted", grantId, fileSystemId);
    }
}
