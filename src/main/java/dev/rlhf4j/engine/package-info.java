/** Tensor-engine start-up (DJL over libtorch): offline mode, device choice, seeds. The only place that configures the engine. */
package dev.rlhf4j.engine;
