package dev.rlhf4j.serving;

/** A request the server refuses: the HTTP status (4xx) and the reason sent back as {@code {"error": reason}}. */
public final class BadRequest extends RuntimeException {
    private final int status;

    public BadRequest(int status, String reason) {
        super(reason);
        this.status = status;
    }

    public BadRequest(String reason) {
        this(400, reason);
    }

    public int status() {
        return status;
    }
}
