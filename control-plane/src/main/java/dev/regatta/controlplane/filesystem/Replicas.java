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

/**
 * How many nodes serve a file system: 1, 3 or 5. A group needs a majority of its members to take a write, so an
 * even count would survive no more failures than the odd one below it, and more than 5 only slows every write.
 * Null is valid (the default applies, or an update keeps the value).
 */
@Documented
@Constraint(validatedBy = Replicas.Validator.class)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
public @interface Replicas {

    String message() default "must be 1, 3 or 5 (the nodes serving it: 3 survive one down, 5 survive two)";

    Class<?>[] groups() default {};

    Class<? extends Payload>[] payload() default {};

    class Validator implements ConstraintValidator<Replicas, Integer> {

        @Override
        public boolean isValid(Integer replicas, ConstraintValidatorContext context) {
            return replicas == null || replicas == 1 || replicas == 3 || replicas == 5;
        }
    }
}
