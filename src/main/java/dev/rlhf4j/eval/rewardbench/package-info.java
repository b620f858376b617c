/**
 * RewardBench (v1) and RewardBench 2 scoring of a reward model on the benchmarks' released files, with the figures
 * computed as allenai/reward-bench computes them (per-subset accuracy, the leaderboard's section and overall scores, the
 * best-of-4 rule and the Ties subset's formula).
 */
package dev.rlhf4j.eval.rewardbench;
