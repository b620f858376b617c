/** The command line: one thin command class per subcommand over the library, shared option mixins, named exit codes. */
package dev.rlhf4j.cli;
