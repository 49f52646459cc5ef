package dev.regatta.controlplane.api;

import jakarta.servlet.RequestDispatcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class ProblemErrorControllerTest {

    @Test
    void aFailureNoAdviceAnsweredLogsItsCauseUnderTheReferenceTheCallerGets(CapturedOutput output) {
        MockHttpServletRequest request = new MockHttpServletRequest("POST", "/error");
        request.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 500);
        request.setAttribute(RequestDispatcher.ERROR_REQUEST_URI, "/api/v1/mounts");
        request.setAttribute(RequestDispatcher.ERROR_EXCEPTION, new IllegalStateException("the disk is on fire"));

        ResponseEntity<ProblemDetail> answer = new ProblemErrorController().error(request);

        assertThat(answer.getStatusCode().value()).isEqualTo(500);
        String detail = answer.getBody().getDetail();
        assertThat(detail).doesNotContain("disk");
        String reference = detail.replaceAll(".*reference ", "");
        assertThat(reference).matches("[0-9a-f-]{36}");
        assertThat(output.getAll()).contains("unexpected error answering POST /api/v1/mounts (reference "
                + reference + ")", "java.lang.IllegalStateException: the disk is on fire");
    }
}
