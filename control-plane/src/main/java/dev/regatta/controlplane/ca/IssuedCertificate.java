package dev.regatta.controlplane.ca;

import java.time.Instant;

/** A certificate the CA signed: PEM, its serial number in hex, and its expiry. */
public record IssuedCertificate(String pem, String serialHex, Instant notAfter) {
}
