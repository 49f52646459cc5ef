package dev.regatta.controlplane.status;

import dev.regatta.controlplane.filesystem.CreateFileSystemRequest;
import dev.regatta.controlplane.filesystem.FileSystemService;
import dev.regatta.controlplane.filesystem.UpdateFileSystemRequest;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

import java.util.List;

/**
 * The admins' file system API. {@link FileSystemService} makes, changes and deletes them; its answers are the
 * {@link FileSystemDetails} the console shows (node, group, status, grants, mounts), which is why it sits here, above the
 * features it draws on, and not in the filesystem package.
 */
@RestController
@RequestMapping("/api/v1/file-systems")
public class FileSystemController {

    private final FileSystemService service;
    private final FileSystemOverview overview;

    public FileSystemController(FileSystemService service, FileSystemOverview overview) {
        this.service = service;
        this.overview = overview;
    }

    @PostMapping
    public ResponseEntity<FileSystemDetails> create(@Valid @RequestBody CreateFileSystemRequest request) {
        FileSystemDetails created = overview.details(service.create(request));
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}")
                .buildAndExpand(created.fileSystem().id()).toUri()).body(created);
    }

    @GetMapping
    public List<FileSystemListing> list() {
        return overview.list(service.list());
    }

    @GetMapping("/{id}")
    public FileSystemDetails get(@PathVariable("id") String id) {
        return overview.details(service.require(id));
    }

    /**
     * @param force change the bucket, region, endpoint or prefix even while clients have it mounted
     */
    @PatchMapping("/{id}")
    public FileSystemDetails update(@PathVariable("id") String id,
                                    @Valid @RequestBody UpdateFileSystemRequest request,
                                    @RequestParam(name = "force", defaultValue = "false") boolean force) {
        return overview.details(service.update(id, request, force));
    }

    /**
     * @param force delete even while clients have it mounted
     */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void delete(@PathVariable("id") String id,
                       @RequestParam(name = "force", defaultValue = "false") boolean force) {
        service.delete(id, force);
    }
}
