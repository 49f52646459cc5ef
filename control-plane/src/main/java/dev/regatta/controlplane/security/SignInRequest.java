package dev.regatta.controlplane.security;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** The console's sign-in ({@code POST /api/v1/session}); never logged with its password. */
public record SignInRequest(@NotNull(message = "is required") @Size(max = 256) String username,
                            @NotNull(message = "is required") @Size(max = 1024) String password) {

    @Override
    public String toString() {
        return "SignInRequest[username=" + username + "]";
    }
}
