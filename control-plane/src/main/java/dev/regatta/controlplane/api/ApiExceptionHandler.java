package dev.regatta.controlplane.api;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.context.MessageSourceResolvable;
import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Errors of the admin and node API as RFC 9457 problem+json whose {@code detail} says what to fix. Validation
 * problems also list each field and its reason in {@code errors}. A caller never sees a stack trace or a Java class
 * name.
 * <p>
 * Scoped to the packages of those controllers: the mount endpoint has an advice of its own (it audits every
 * refusal), and when two advices apply to one controller Spring tries them in bean registration order, so a global
 * one here would take the mount endpoint's exceptions. Errors outside any controller (no such route, wrong method)
 * are answered by {@link ProblemErrorController}.
 */
@RestControllerAdvice(basePackages = {"dev.regatta.controlplane.grant", "dev.regatta.controlplane.token",
        "dev.regatta.controlplane.security", "dev.regatta.controlplane.node", "dev.regatta.controlplane.status"})
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(ApiExceptionHandler.class);
    /** Jackson's words for a key given twice (StreamReadFeature.STRICT_DUPLICATE_DETECTION). */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate Object property \"([^\"]{0,200})\"");

    /** One invalid field (or query parameter) and why. */
    public record FieldProblem(String field, String message) {
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        ex.getBindingResult().getFieldErrors().forEach(e -> problems.add(fieldProblem(e)));
        ex.getBindingResult().getGlobalErrors().forEach(e -> problems.add(new FieldProblem(null,
                e.getDefaultMessage())));
        return invalid(ex, problems, headers, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> problems = new ArrayList<>();
        ex.getParameterValidationResults().forEach(result -> {
            if (result instanceof ParameterErrors errors) {
                errors.getFieldErrors().forEach(e -> problems.add(fieldProblem(e)));
            } else {
                String parameter = requestName(result.getMethodParameter());
                result.getResolvableErrors().forEach(e -> problems.add(new FieldProblem(parameter,
                        message(e))));
            }
        });
        return invalid(ex, problems, headers, request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, unreadableBody(ex));
        FieldProblem field = unreadableField(ex);
        if (field != null) {
            body.setProperty("errors", List.of(field));
        }
        return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(TypeMismatchException ex, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String what = ex.getRequiredType() == null ? "value" : describe(ex.getRequiredType());
        String detail = "parameter '" + ex.getPropertyName() + "': '" + shorten(String.valueOf(ex.getValue()))
                + "' is not " + what;
        return problem(ex, HttpStatus.BAD_REQUEST, detail, headers, request);
    }

    /** A bug or an outage: the caller gets a reference to quote, the log gets the stack trace. */
    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception ex, WebRequest request) {
        String reference = UUID.randomUUID().toString();
        LOG.error("unexpected error answering {} (reference {})", request.getDescription(false), reference, ex);
        return problem(ex, HttpStatus.INTERNAL_SERVER_ERROR, "the control plane failed unexpectedly; its log has "
                + "the cause under reference " + reference, new HttpHeaders(), request);
    }

    private ResponseEntity<Object> invalid(Exception ex, List<FieldProblem> problems, HttpHeaders headers,
            WebRequest request) {
        String detail = problems.stream()
                .map(p -> p.field() == null ? p.message() : p.field() + ": " + p.message())
                .collect(Collectors.joining("; ", "invalid request: ", ""));
        ProblemDetail body = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        body.setProperty("errors", problems);
        return handleExceptionInternal(ex, body, headers, HttpStatus.BAD_REQUEST, request);
    }

    private ResponseEntity<Object> problem(Exception ex, HttpStatus status, String detail, HttpHeaders headers,
            WebRequest request) {
        return handleExceptionInternal(ex, ProblemDetail.forStatusAndDetail(status, detail), headers, status,
                request);
    }

    /** The name the caller used: the query parameter's or path variable's, not the Java parameter's. */
    private static String requestName(MethodParameter parameter) {
        RequestParam query = parameter.getParameterAnnotation(RequestParam.class);
        if (query != null && !query.name().isEmpty()) {
            return query.name();
        }
        PathVariable path = parameter.getParameterAnnotation(PathVariable.class);
        if (path != null && !path.name().isEmpty()) {
            return path.name();
        }
        return parameter.getParameterName();
    }

    private static FieldProblem fieldProblem(FieldError e) {
        if (e.isBindingFailure()) {
            return new FieldProblem(e.getField(), "has the wrong type");
        }
        return new FieldProblem(e.getField(), message(e));
    }

    private static String message(MessageSourceResolvable e) {
        return e.getDefaultMessage() == null ? "is invalid" : e.getDefaultMessage();
    }

    /**
     * What is wrong with a body that could not be read, in words for the caller: where the JSON is broken, or which
     * field is unknown, repeated or of the wrong type. Never a Java class name.
     */
    public static String unreadableBody(HttpMessageNotReadableException ex) {
        FieldProblem field = unreadableField(ex);
        if (field != null) {
            return "field '" + field.field() + "' " + field.message();
        }
        Throwable cause = ex.getCause();
        if (cause instanceof StreamReadException syntax) {
            TokenStreamLocation at = syntax.getLocation();
            return "the body is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")") + ": " + shorten(firstLine(syntax.getOriginalMessage()));
        }
        return "the request needs a JSON body (Content-Type: application/json)";
    }

    /** The field a body could not be read for, and why; null when the fault is not one field's. */
    private static FieldProblem unreadableField(HttpMessageNotReadableException ex) {
        Throwable cause = ex.getCause();
        if (cause instanceof UnrecognizedPropertyException unknown) {
            return new FieldProblem(shorten(path(unknown)), "is not a field of this request"
                    + (unknown.getKnownPropertyIds() == null ? "" : " (its fields: " + unknown.getKnownPropertyIds()
                    .stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")"));
        }
        if (cause instanceof StreamReadException syntax && syntax.getOriginalMessage() != null) {
            Matcher duplicate = DUPLICATE.matcher(syntax.getOriginalMessage());
            if (duplicate.lookingAt()) {
                String parent = path(syntax);
                return new FieldProblem(parent.isEmpty() ? duplicate.group(1) : parent + "." + duplicate.group(1),
                        "appears more than once");
            }
            return null;
        }
        if (cause instanceof MismatchedInputException mismatch && !mismatch.getPath().isEmpty()) {
            String expected = mismatch.getTargetType() == null ? "a value of another type"
                    : describe(mismatch.getTargetType());
            return new FieldProblem(path(mismatch), "must be " + expected);
        }
        if (cause instanceof JacksonException json && !json.getPath().isEmpty()) {
            return new FieldProblem(path(json), "cannot be read as the documented type");
        }
        return null;
    }

    /** {@code grants[0].access}, from Jackson's path of property names and indexes. */
    private static String path(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    private static String describe(Class<?> type) {
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining(", "));
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number in range";
        }
        if (type == Double.class || type == double.class) {
            return "a number";
        }
        if (type == String.class) {
            return "a string";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "a JSON object of the documented shape";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    private static String shorten(String value) {
        return value.length() <= 80 ? value : value.substring(0, 80) + "...";
    }
}
