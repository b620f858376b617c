package dev.rlhf4j.data;

/** One message of a dialogue. {@code role} is {@code user}, {@code assistant} or {@code system}. */
public record Turn(String role, String content) {
    public static final String USER = "user";
    public static final String ASSISTANT = "assistant";
    public static final String SYSTEM = "system";

    public static Turn user(String content) {
        return new Turn(USER, content);
    }

    public static Turn assistant(String content) {
        return new Turn(ASSISTANT, content);
    }
}
