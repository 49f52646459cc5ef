package dev.regatta.controlplane.filesystem;

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

@RestController
@RequestMapping("/api/v1/file-systems")
public class FileSystemController {

    private final FileSystemService service;

    public FileSystemController(FileSystemService service) {
        this.service = service;
    }

    @PostMapping
    public ResponseEntity<FileSystemDetails> create(@Valid @RequestBody CreateFileSystemRequest request) {
        FileSystemDetails created = service.create(request);
        return ResponseEntity.created(ServletUriComponentsBuilder.fromCurrentRequest().path("/{id}")
                .buildAndExpand(created.fileSystem().id()).toUri()).body(created);
    }

    @GetMapping
    public List<FileSystem> list() {
        return service.list();
    }

    @GetMapping("/{id}")
    public FileSystemDetails get(@PathVariable("id") String id) {
        return service.details(id);
    }

    /**
     * @param force change the bucket, region, endpoint or prefix even while clients have it mounted
     */
    @PatchMapping("/{id}")
    public FileSystemDetails update(@PathVariable("id") String id,
                                    @Valid @RequestBody UpdateFileSystemRequest request,
                                    @RequestParam(name = "force", defaultValue = "false") boolean force) {
        return service.update(id, request, force);
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
