package dev.regatta.controlplane.filesystem;

import jakarta.validation.Constraint;
import jakarta.validation.ConstraintValidator;
import jakarta.validation.ConstraintValidatorContext;
import jakarta.validation.Payload;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.URI;
import java.net.URISyntaxException;

/**
 * An S3-compatible endpoint: an absolute http or https URI with a host and nothing a client could not use as a
 * base URL (no credentials, query or fragment). Null and the empty string are valid: both mean AWS's endpoint.
 */
@Documented
@Constraint(validatedBy = S3Endpoint.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface S3Endpoint {

    String message() default "is not a usable S3 endpoint";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<S3Endpoint, String> {

        /** Far more than any real endpoint; a bound so that an endpoint cannot carry a payload. */
        static final int MAX_LENGTH = 2048;

        @Override
        public boolean isValid(String endpoint, ConstraintValidatorContext context) {
            if (endpoint == null || endpoint.isEmpty()) {
                return true;
            }
            String problem = problem(endpoint);
            if (problem != null) {
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            }
            return problem == null;
        }

        static String problem(String endpoint) {
            if (endpoint.length() > MAX_LENGTH) {
                return "must be at most " + MAX_LENGTH + " characters";
            }
            URI uri;
            try {
                uri = new URI(endpoint);
            } catch (URISyntaxException e) {
                return "is not a URI (example: https://s3.example.com:9000)";
            }
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())) {
                return "must be an absolute http:// or https:// URI";
            }
            if (uri.getHost() == null) {
                return "must name a host (example: https://s3.example.com:9000)";
            }
            if (uri.getRawUserInfo() != null) {
                return "must not contain credentials";
            }
            if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                return "must not have a query or fragment";
            }
            return null;
        }
    }
}
