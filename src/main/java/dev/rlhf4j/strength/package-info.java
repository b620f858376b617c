/** Preference strength from an ensemble of reward models (paper §2), its summary table, denoising by flip/drop/margin/smoothing (§3), and the decile experiment. */
package dev.rlhf4j.strength;
