/** The main job: strength, denoising and the five reward-model variants on the controlled task, compared against gold. */
package dev.rlhf4j.demo;
