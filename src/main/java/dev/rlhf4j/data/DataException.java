package dev.rlhf4j.data;

/**
 * A problem with input data. The message names the file and, where there is one, the 1-based line
 * (or JSON array element) and the problem: {@code data.jsonl:1037: field 'rejected' is missing}.
 */
public class DataException extends RuntimeException {
    private final String file;
    private final int line;

    public DataException(String file, int line, String problem) {
        this(file, line, problem, null);
    }

    public DataException(String file, int line, String problem, Throwable cause) {
        super(line > 0 ? file + ":" + line + ": " + problem : file + ": " + problem, cause);
        this.file = file;
        this.line = line;
    }

    /** The file (its name) the problem is in. */
    public String file() {
        return file;
    }

    /** The 1-based line or element index, or 0 when the problem is not in one record. */
    public int line() {
        return line;
    }
}
