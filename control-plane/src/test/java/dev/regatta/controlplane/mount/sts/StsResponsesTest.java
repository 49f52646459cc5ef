package dev.regatta.controlplane.mount.sts;

import dev.regatta.controlplane.iam.CallerArn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StsResponsesTest {

    @Test
    void readsWhoTheCallerIs() {
        CallerIdentity identity = StsResponses.callerIdentity(bytes("""
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <GetCallerIdentityResult>
                    <Arn>arn:aws:sts::123456789012:assumed-role/app/i-0abc</Arn>
                    <UserId>AROAEXAMPLE:i-0abc</UserId>
                    <Account>123456789012</Account>
                  </GetCallerIdentityResult>
                  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
                </GetCallerIdentityResponse>"""));
        assertThat(identity.arn().kind()).isEqualTo(CallerArn.Kind.ASSUMED_ROLE);
        assertThat(identity.arn().name()).isEqualTo("app");
        assertThat(identity.account()).isEqualTo("123456789012");
        assertThat(identity.userId()).isEqualTo("AROAEXAMPLE:i-0abc");
    }

    @Test
    void noEntityIsEverExpanded(@TempDir Path dir) throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "arn:aws:iam::123456789012:user/from-a-file");
        String external = """
                <?xml version="1.0"?>
                <!DOCTYPE r [<!ENTITY x SYSTEM "%s">]>
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                <GetCallerIdentityResult><Arn>&x;</Arn><UserId>u</UserId><Account>123456789012</Account>
                </GetCallerIdentityResult></GetCallerIdentityResponse>""".formatted(secret.toUri());
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes(external)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOCTYPE");

        String laughs = """
                <?xml version="1.0"?>
                <!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">&b;
                </GetCallerIdentityResponse>""";
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes(laughs)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOCTYPE");
    }

    @Test
    void anythingButOneWellFormedAnswerIsRefused() {
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes("""
                <GetCallerIdentityResponse xmlns="https://example.com/not-sts/"><GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>u</UserId><Account>123456789012</Account>
                </GetCallerIdentityResult></GetCallerIdentityResponse>"""))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes("""
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/u</Arn><Arn>arn:aws:iam::123456789012:user/v</Arn>
                <UserId>u</UserId><Account>123456789012</Account>
                </GetCallerIdentityResult></GetCallerIdentityResponse>"""))).hasMessageContaining("one Arn");
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes("""
                <GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>
                <Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>u</UserId><Account>210987654321</Account>
                </GetCallerIdentityResult></GetCallerIdentityResponse>"""))).hasMessageContaining("not the account");
        assertThatThrownBy(() -> StsResponses.callerIdentity(bytes("{\"Arn\": \"x\"}")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsTheCodeOfAnError() {
        assertThat(StsResponses.errorCode(bytes("""
                <ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>
                  <RequestId>r</RequestId>
                </ErrorResponse>"""))).hasValue("SignatureDoesNotMatch");
        assertThat(StsResponses.errorCode(bytes("<html>Bad gateway</html>"))).isEmpty();
        assertThat(StsResponses.errorCode(new byte[0])).isEmpty();
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
