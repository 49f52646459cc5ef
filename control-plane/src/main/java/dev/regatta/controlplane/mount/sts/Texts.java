package dev.regatta.controlplane.mount.sts;

/** Caller-supplied text in refusal reasons: kept short, so that a reason stays a line in a log and an audit row. */
public final class Texts {

    private static final int LIMIT = 100;

    private Texts() {
    }

    public static String clip(String text) {
        if (text == null) {
            return "";
        }
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() <= LIMIT ? oneLine : oneLine.substring(0, LIMIT) + "...";
    }
}
