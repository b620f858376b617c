/** What made an artifact: command, arguments, input hashes, seed, versions. */
package dev.rlhf4j.provenance;
