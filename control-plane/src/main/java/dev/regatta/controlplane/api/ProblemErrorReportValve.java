package dev.regatta.controlplane.api;

import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Tomcat's own error page, for what Tomcat refuses before the application sees it (a path with an encoded '/' or a
 * NUL, a request line or headers over {@code server.max-http-request-header-size}), as problem+json like the rest of
 * the API instead of Tomcat's HTML. Installed on the host by {@link TomcatErrors}; instantiated by Tomcat by name.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    private static final Logger LOG = LoggerFactory.getLogger(ProblemErrorReportValve.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int code = response.getStatus();
        if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        HttpStatus status = HttpStatus.resolve(code);
        String detail;
        if (code >= 500) {
            String reference = UUID.randomUUID().toString();
            LOG.error("unexpected error answering {} {} (reference {})", request.getMethod(),
                    request.getRequestURI(), reference, throwable);
            detail = "the control plane failed unexpectedly; its log has the cause under reference " + reference;
        } else if (code == 400) {
            detail = "malformed request" + reason(response) + ": the path must not contain an encoded '/', '\\' or "
                    + "NUL, and the request line and headers must fit in the server's limit";
        } else {
            detail = (status == null ? "HTTP " + code : status.getReasonPhrase()) + reason(response);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", status == null ? "HTTP " + code : status.getReasonPhrase());
        body.put("status", code);
        body.put("detail", detail);
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response.getOutputStream().write(JSON.writeValueAsBytes(body));
            response.finishResponse();
        } catch (IOException | IllegalStateException e) {
            LOG.debug("could not write the error answer for {}", request.getRequestURI(), e);
        }
    }

    /** Tomcat's words for the refusal (its own text, not the caller's), shortened. */
    private static String reason(Response response) {
        String message = response.getMessage();
        if (message == null || message.isBlank()) {
            return "";
        }
        String clean = message.replaceAll("\\p{Cntrl}", "?");
        return " (" + (clean.length() <= 100 ? clean : clean.substring(0, 100) + "...") + ")";
    }
}
