package dev.regatta.controlplane.token;

import dev.regatta.controlplane.api.Problems;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Admin API tokens: made, listed without their secrets, revoked. */
@RestController
@RequestMapping("/api/v1/tokens")
public class ApiTokenController {

    private final ApiTokens tokens;

    public ApiTokenController(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    public CreatedApiToken create(@Valid @RequestBody CreateApiTokenRequest request) {
        return tokens.create(request.name());
    }

    @GetMapping
    public List<ApiToken> list() {
        return tokens.list();
    }

    /** Revokes the token: it no longer authenticates, and stays listed with its revocation time. */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    public void revoke(@PathVariable("id") String id) {
        Problems.requireId("token", id, "API token");
        if (!tokens.revoke(id)) {
            throw Problems.notFound("no API token " + id);
        }
    }
}
