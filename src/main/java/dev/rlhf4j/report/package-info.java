/**
 * The HTML report of a run directory: {@link dev.rlhf4j.report.RunReport} writes one self-contained page (inline
 * SVG, nothing fetched) from the run's files, which {@link dev.rlhf4j.report.RunFiles} finds by content;
 * {@link dev.rlhf4j.report.Svg} draws the charts. It reads run files (JSON) only, never a model.
 */
package dev.rlhf4j.report;
