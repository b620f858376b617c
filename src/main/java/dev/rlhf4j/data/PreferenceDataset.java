package dev.rlhf4j.data;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.format.HhFormat;
import dev.rlhf4j.data.format.MossFormat;
import dev.rlhf4j.data.format.PairsFormat;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Loads a preference file into {@link PreferencePair}s.
 *
 * <p>The file is JSON Lines (blank lines ignored) or one JSON array of records, either of them
 * optionally gzip-compressed (recognised by its magic bytes). The format is named, or detected from
 * the first record ({@code auto}): a {@code prompt} field means {@code pairs}, a string
 * {@code chosen} holding {@code \n\nHuman:} means {@code hh}, an array of strings {@code chosen}
 * means {@code moss}.
 *
 * <p>An invalid record (bad JSON, a missing or null field, a wrong type) is a {@link DataException}
 * naming {@code file:line} and the problem; with {@code skipInvalid} it is skipped and counted
 * instead. Records with empty or identical responses are kept and counted in the {@link DataReport}.
 */
public final class PreferenceDataset {
    private PreferenceDataset() {}

    /** Reads one element of a JSON array: more elements follow, so they are not "trailing tokens". */
    private static final ObjectReader ELEMENT_READER =
            Json.MAPPER.reader().without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** The formats known, in the order detection tries them. */
    public static final List<PreferenceFormat> FORMATS =
            List.of(new PairsFormat(), new HhFormat(), new MossFormat());

    /** The format of that name ({@code hh}, {@code pairs}, {@code moss}). */
    public static PreferenceFormat format(String name) {
        for (PreferenceFormat f : FORMATS) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown data format '" + name + "'; expected auto, "
                + String.join(", ", FORMATS.stream().map(PreferenceFormat::name).toList()));
    }

    /** The format the first record looks like, if any. */
    public static Optional<PreferenceFormat> detect(JsonNode firstRecord) {
        return FORMATS.stream().filter(f -> f.detects(firstRecord)).findFirst();
    }

    /** Loads with format detection, failing on the first invalid record. */
    public static LoadResult load(Path file) {
        return load(file, "auto", false);
    }

    /**
     * Loads a preference file.
     *
     * @param format      {@code auto} (or null) to detect, else {@code hh}, {@code pairs} or {@code moss}
     * @param skipInvalid skip and count invalid records instead of failing on the first
     * @throws DataException on an invalid record (unless skipped), a JSON array that does not parse,
     *                       text that is not UTF-8, an empty file, or an unreadable file
     */
    public static LoadResult load(Path file, String format, boolean skipInvalid) {
        boolean auto = format == null || format.equals("auto");
        Loader loader = new Loader(file, auto ? null : format(format.toLowerCase(Locale.ROOT)), skipInvalid);
        try (BufferedReader reader = Jsonl.openText(file)) {
            if (firstNonSpace(reader) == '[') {
                loader.readArray(reader);
            } else {
                loader.readLines(reader);
            }
        } catch (CharacterCodingException e) {
            throw new DataException(loader.name, loader.line + 1, "text is not valid UTF-8", e);
        } catch (IOException e) {
            throw new DataException(file.toString(), 0, "cannot read: " + e, e);
        }
        if (loader.format == null) {
            throw new DataException(loader.name, 0, "no records (empty file)");
        }
        return new LoadResult(loader.pairs, loader.tally.report(
                loader.format.name(), auto, file.toString(), loader.line, loader.pairs.size()));
    }

    /** Peeks at the first character that is neither whitespace nor a byte-order mark. */
    private static int firstNonSpace(BufferedReader reader) throws IOException {
        reader.mark(1);
        if (reader.read() != '\uFEFF') {
            reader.reset();
        }
        reader.mark(1 << 16);
        int c;
        int n = 0;
        do {
            c = reader.read();
        } while (c >= 0 && (Character.isWhitespace(c) || c == '\uFEFF') && ++n < (1 << 16) - 1);
        reader.reset();
        return c;
    }

    /** The state of one load. */
    private static final class Loader {
        final String name;
        final boolean skipInvalid;
        final ReportTally tally = new ReportTally();
        final List<PreferencePair> pairs = new ArrayList<>();
        PreferenceFormat format;
        int line;

        Loader(Path file, PreferenceFormat format, boolean skipInvalid) {
            Path fileName = file.getFileName();
            this.name = fileName == null ? file.toString() : fileName.toString();
            this.format = format;
            this.skipInvalid = skipInvalid;
        }

        void readLines(BufferedReader reader) throws IOException {
            String text;
            while ((text = reader.readLine()) != null) {
                line++;
                if (line == 1 && text.startsWith("\uFEFF")) {
                    text = text.substring(1);
                }
                if (text.isBlank()) {
                    continue;
                }
                JsonNode node;
                try {
                    node = Json.MAPPER.readTree(text);
                } catch (JsonProcessingException e) {
                    invalid(new DataException(name, line, "bad JSON at column "
                            + e.getLocation().getColumnNr() + ": " + e.getOriginalMessage(), e));
                    continue;
                }
                record(node);
            }
        }

        /** A JSON array: {@code line} counts elements. Bad JSON here cannot be skipped. */
        void readArray(BufferedReader reader) throws IOException {
            try (JsonParser p = Json.MAPPER.createParser(reader)) {
                p.nextToken(); // [
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == null) {
                        throw new DataException(name, 0, "bad JSON: the array is not closed");
                    }
                    int element = line + 1;
                    JsonNode node = ELEMENT_READER.readTree(p);
                    line = element;
                    record(node == null ? NullNode.getInstance() : node);
                }
                if (p.nextToken() != null) {
                    throw new DataException(name, 0, "bad JSON: content after the closing ']' at line "
                            + p.currentLocation().getLineNr());
                }
            } catch (JsonProcessingException e) {
                throw new DataException(name, 0, "bad JSON at line " + e.getLocation().getLineNr()
                        + ", column " + e.getLocation().getColumnNr() + " (after element " + line + "): "
                        + e.getOriginalMessage(), e);
            }
        }

        void record(JsonNode node) {
            if (!(node instanceof ObjectNode record)) {
                invalid(new DataException(name, line, "record is not a JSON object (got "
                        + node.getNodeType().name().toLowerCase(Locale.ROOT) + ")"));
                return;
            }
            if (format == null) {
                format = detect(record).orElseThrow(() -> new DataException(name, line,
                        "cannot detect the format from the first record (fields " + fieldNames(record)
                                + "); expected 'prompt' (pairs), a '\\n\\nHuman:' transcript in 'chosen' (hh)"
                                + " or an array of strings in 'chosen' (moss)"));
            }
            Set<Anomaly> anomalies = EnumSet.noneOf(Anomaly.class);
            PreferencePair pair;
            try {
                pair = format.parse(record, name, line, anomalies::add);
            } catch (DataException e) {
                invalid(e);
                return;
            }
            pairs.add(pair);
            tally.pair(pair);
            String where = ReportTally.where(pair.id(), pair.file(), pair.line());
            anomalies.forEach(a -> tally.anomaly(a, where));
        }

        void invalid(DataException e) {
            if (!skipInvalid) {
                throw e;
            }
            tally.invalid(e.getMessage());
        }

        private static String fieldNames(ObjectNode record) {
            List<String> names = new ArrayList<>();
            record.fieldNames().forEachRemaining(names::add);
            return names.toString();
        }
    }
}
