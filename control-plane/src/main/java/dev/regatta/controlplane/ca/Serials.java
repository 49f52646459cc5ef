package dev.regatta.controlplane.ca;

import java.math.BigInteger;
import java.security.SecureRandom;

/** Certificate serial numbers: 127 random bits, positive, as the CA/Browser Forum asks (at least 64). */
final class Serials {

    private static final SecureRandom RANDOM = new SecureRandom();

    private Serials() {
    }

    static BigInteger next() {
        return new BigInteger(127, RANDOM).setBit(126);
    }
}
