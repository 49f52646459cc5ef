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
import java.util.List;
import java.util.regex.Pattern;

/**
 * A name S3 accepts for a general-purpose bucket (the current naming rules, which S3-compatible stores follow too).
 * Checked here so that a typo fails when the file system is made, not at its first S3 request on a node.
 * Null is valid: combine with {@code @NotNull} where a bucket is required.
 */
@Documented
@Constraint(validatedBy = BucketName.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface BucketName {

    String message() default "is not a valid S3 bucket name";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<BucketName, String> {

        private static final Pattern ALLOWED = Pattern.compile("[a-z0-9.-]*");
        private static final Pattern IP_ADDRESS = Pattern.compile("\\d+\\.\\d+\\.\\d+\\.\\d+");
        private static final List<String> RESERVED_PREFIXES = List.of("xn--", "sthree-", "amzn-s3-demo-");
        private static final List<String> RESERVED_SUFFIXES = List.of("-s3alias", "--ol-s3", ".mrap", "--x-s3",
                "--table-s3");

        @Override
        public boolean isValid(String name, ConstraintValidatorContext context) {
            if (name == null) {
                return true;
            }
            String problem = problem(name);
            if (problem != null) {
                // A fixed reason, never the input: message templates are interpolated.
                context.disableDefaultConstraintViolation();
                context.buildConstraintViolationWithTemplate(problem).addConstraintViolation();
            }
            return problem == null;
        }

        static String problem(String name) {
            if (name.length() < 3 || name.length() > 63) {
                return "must be 3 to 63 characters long";
            }
            if (!ALLOWED.matcher(name).matches()) {
                return "may contain only lowercase letters, digits, dots and hyphens";
            }
            if (!Character.isLetterOrDigit(name.charAt(0)) || !Character.isLetterOrDigit(name.charAt(name.length() - 1))) {
                return "must begin and end with a letter or digit";
            }
            if (name.contains("..")) {
                return "must not contain two adjacent dots";
            }
            if (IP_ADDRESS.matcher(name).matches()) {
                return "must not be formatted as an IP address";
            }
            if (RESERVED_PREFIXES.stream().anyMatch(name::startsWith)) {
                return "must not begin with a prefix S3 reserves (xn--, sthree-, amzn-s3-demo-)";
            }
            if (RESERVED_SUFFIXES.stream().anyMatch(name::endsWith)) {
                return "must not end with a suffix S3 reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)";
            }
            return null;
        }
    }
}
