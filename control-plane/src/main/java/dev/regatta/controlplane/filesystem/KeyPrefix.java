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
import java.nio.charset.StandardCharsets;

/**
 * The part of the bucket a file system serves. Stored normalised ({@link Validator#normalise}): no leading '/', a
 * trailing '/' unless empty, so that the data plane can prepend it to a path as it is. A prefix with an empty, '.' or '..'
 * segment is refused: its keys could never be paths. Null is valid (nothing given).
 */
@Documented
@Constraint(validatedBy = KeyPrefix.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface KeyPrefix {

    /** Half of S3's 1024-byte limit for a whole key, leaving the other half to the paths below the prefix. */
    int MAX_BYTES = 512;

    String message() default "is not a usable key prefix";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<KeyPrefix, String> {

        /** {@code "/data/logs"} becomes {@code "data/logs/"}; null and "" become "". */
        public static String normalise(String prefix) {
            if (prefix == null) {
                return "";
            }
            int start = 0;
            while (start < prefix.length() && prefix.charAt(start) == '/') {
                start++;
            }
            String trimmed = prefix.substring(start);
            return trimmed.isEmpty() || trimmed.endsWith("/") ? trimmed : trimmed + "/";
        }

        @Override
        public boolean isValid(String prefix, ConstraintValidatorContext context) {
            if (prefix == null) {
                return true;
            }
            String problem = problem(normalise(prefix));
            if (problem != null) {
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            }
            return problem == null;
        }

        static String problem(String normalised) {
            if (normalised.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
                return "must be at most " + MAX_BYTES + " bytes";
            }
            if (normalised.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                return "must not contain control characters";
            }
            // split drops the trailing empty segment that the final '/' makes
            for (String segment : normalised.isEmpty() ? new String[0] : normalised.split("/")) {
                if (segment.isEmpty()) {
                    return "must not contain '//'";
                }
                if (segment.equals(".") || segment.equals("..")) {
                    return "must not contain '.' or '..' segments";
                }
            }
            return null;
        }
    }
}
