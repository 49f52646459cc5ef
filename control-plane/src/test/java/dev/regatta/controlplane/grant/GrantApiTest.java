package dev.regatta.controlplane.grant;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GrantApiTest extends ApiTestBase {

    private String grants(String fileSystemId) {
        return "/api/v1/file-systems/" + fileSystemId + "/grants";
    }

    @Test
    void roleUserAndAccountGrantsAreMadeListedAndDeleted() {
        String fs = createFileSystem().get("id").asString();

        Api.Response role = admin().post(grants(fs), Map.of("principal", "arn:aws:iam::123456789012:role/app"));
        assertThat(role.status()).as(role.toString()).isEqualTo(201);
        assertThat(role.json().get("id").asString()).matches("grant-[0-9a-f]{17}");
        assertThat(role.json().get("access").asString()).as("default").isEqualTo("READ_WRITE");
        assertThat(role.json().get("rootSquash").asBoolean()).as("default").isFalse();
        assertThat(role.json().get("principalKind").asString()).isEqualTo("ROLE");

        Api.Response user = admin().post(grants(fs), Map.of("principal",
                "arn:aws:iam::123456789012:user/division/alice", "access", "READ_ONLY", "rootSquash", true));
        assertThat(user.status()).isEqualTo(201);
        assertThat(user.json().get("access").asString()).isEqualTo("READ_ONLY");
        assertThat(user.json().get("rootSquash").asBoolean()).isTrue();
        assertThat(user.json().get("principalKind").asString()).isEqualTo("USER");

        Api.Response account = admin().post(grants(fs), Map.of("principal", " 210987654321 "));
        assertThat(account.status()).isEqualTo(201);
        assertThat(account.json().get("principal").asString()).isEqualTo("210987654321");
        assertThat(account.json().get("principalKind").asString()).isEqualTo("ACCOUNT");

        JsonNode listed = admin().get(grants(fs)).json();
        assertThat(listed.findValuesAsString("principal")).containsExactly("arn:aws:iam::123456789012:role/app",
                "arn:aws:iam::123456789012:user/division/alice", "210987654321");
        assertThat(admin().get("/api/v1/file-systems/" + fs).json().get("grantCount").asInt()).isEqualTo(3);

        String userGrant = user.json().get("id").asString();
        assertThat(admin().delete(grants(fs) + "/" + userGrant).status()).isEqualTo(204);
        assertThat(admin().get(grants(fs)).json().findValuesAsString("id")).hasSize(2).doesNotContain(userGrant);
        assertThat(admin().delete(grants(fs) + "/" + userGrant).status()).isEqualTo(404);
    }

    @Test
    void aPrincipalOfTheWrongShapeIs400WithTheReason() {
        String fs = createFileSystem().get("id").asString();
        for (String bad : new String[]{"arn:aws:iam::123:role/app", "arn:aws:s3:::bucket", "12345678901",
                "arn:aws:sts::123456789012:assumed-role/app/session", "role/app"}) {
            Api.Response refused = admin().post(grants(fs), Map.of("principal", bad));
            assertThat(refused.status()).as(bad).isEqualTo(400);
            assertThat(refused.detail()).as(bad).startsWith("principal: ").contains("12-digit account ID");
        }
        Api.Response missing = admin().post(grants(fs), Map.of("access", "READ_ONLY"));
        assertThat(missing.status()).isEqualTo(400);
        assertThat(missing.detail()).contains("principal");
        Api.Response badAccess = admin().post(grants(fs), Map.of("principal", "123456789012", "access", "WRITE"));
        assertThat(badAccess.status()).isEqualTo(400);
        assertThat(badAccess.detail()).contains("access", "READ_WRITE", "READ_ONLY");
        assertThat(admin().get(grants(fs)).json().size()).isZero();
    }

    @Test
    void theSamePrincipalTwiceIsAConflict() {
        String fs = createFileSystem().get("id").asString();
        assertThat(admin().post(grants(fs), Map.of("principal", "123456789012")).status()).isEqualTo(201);
        Api.Response duplicate = admin().post(grants(fs), Map.of("principal", "123456789012", "access", "READ_ONLY"));
        assertThat(duplicate.status()).isEqualTo(409);
        assertThat(duplicate.detail()).contains("already grants 123456789012");
        String other = createFileSystem().get("id").asString();
        assertThat(admin().post(grants(other), Map.of("principal", "123456789012")).status())
                .as("another file system may grant it").isEqualTo(201);
    }

    @Test
    void grantsOfUnknownOrMalformedFileSystemsAndGrantIds() {
        assertThat(admin().get(grants("fs-00000000000000000")).status()).isEqualTo(404);
        assertThat(admin().post(grants("fs-00000000000000000"), Map.of("principal", "123456789012")).status())
                .isEqualTo(404);
        assertThat(admin().get(grants("nope")).status()).isEqualTo(400);
        String fs = createFileSystem().get("id").asString();
        assertThat(admin().delete(grants(fs) + "/grant-1").status()).isEqualTo(400);
        assertThat(admin().delete(grants(fs) + "/grant-00000000000000000").status()).isEqualTo(404);
    }
}
