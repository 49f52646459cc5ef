package dev.regatta.dataplane.s3;

import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkServiceException;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Objects;

/**
 * What an S3 answer means for us: which failures are worth a retry, which are final, which mean "changed" or
 * "gone"; and the ETag forms S3 sends and expects. Kept apart from the client so the rules can be read (and tested)
 * in one place.
 */
final class S3Failures {

    private S3Failures() {
    }

    /** Maps an SDK failure to what the caller can do about it. */
    static ObjectStoreException.Kind classify(Throwable e) {
        if (isLocalFileProblem(e)) {
            return ObjectStoreException.Kind.PERMANENT;
        }
        if (e instanceof SdkServiceException se) {
            int status = se.statusCode();
            String code = e instanceof AwsServiceException ae && ae.awsErrorDetails() != null
                    ? Objects.toString(ae.awsErrorDetails().errorCode(), "") : "";
            if (code.equals("NoSuchBucket")) {
                return ObjectStoreException.Kind.PERMANENT;
            }
            if (status == 412 || code.equals("PreconditionFailed")) {
                return ObjectStoreException.Kind.PRECONDITION_FAILED;
            }
            if (status == 404 || code.equals("NoSuchKey") || code.equals("NoSuchUpload")) {
                return ObjectStoreException.Kind.NOT_FOUND;
            }
            if (status >= 500 || status == 429 || status == 409 || se.isThrottlingException()
                    || code.equals("SlowDown") || code.equals("RequestTimeout") || code.equals("Throttling")
                    || code.equals("ThrottlingException") || code.equals("RequestTimeTooSkewed")
                    || code.equals("InternalError") || code.equals("ServiceUnavailable")) {
                return ObjectStoreException.Kind.RETRYABLE;
            }
            return ObjectStoreException.Kind.PERMANENT;
        }
        // Connection refused/reset, timeouts (ApiCallAttemptTimeoutException is a client exception), truncated
        // responses, and I/O while reading a body.
        return ObjectStoreException.Kind.RETRYABLE;
    }

    private static boolean isLocalFileProblem(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof NoSuchFileException || t instanceof AccessDeniedException) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }

    /** A read at or past the end of the object (416, InvalidRange). */
    static boolean isRangeNotSatisfiable(Throwable e) {
        return e instanceof AwsServiceException se && (se.statusCode() == 416
                || (se.awsErrorDetails() != null && "InvalidRange".equals(se.awsErrorDetails().errorCode())));
    }

    /** ETags without surrounding quotes (S3 sends {@code "abc"}, some servers {@code abc}). */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) {
            e = e.substring(1, e.length() - 1);
        }
        return e;
    }

    /** The quoted form S3 expects in If-Match and x-amz-copy-source-if-match; null stays null. */
    static String quoteEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = normalizeEtag(etag);
        return "\"" + e + "\"";
    }
}
