/**
 * A small reader of Parquet files into JSON rows: flat columns and lists (of values or of flat structs), PLAIN and
 * dictionary encodings, data pages v1 and v2, uncompressed, Snappy or gzip. Enough for the benchmark files on the
 * Hugging Face hub; anything else is refused with the column and what it uses.
 */
package dev.rlhf4j.data.parquet;
