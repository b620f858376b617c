/**
 * An interpreter of the Jinja2 that chat templates use, rendering byte for byte as Python's jinja2 does in
 * transformers' setup: {@link dev.rlhf4j.text.jinja.Lexer} (whitespace control, trim/lstrip blocks) →
 * {@link dev.rlhf4j.text.jinja.Parser} (jinja2's grammar) → AST records ({@code Expr}, {@code Stmt}) →
 * {@link dev.rlhf4j.text.jinja.Interpreter} over Python-like values ({@code Py}, {@code Undefined},
 * {@code PyMethods}, {@code Filters}, {@code Tests}, {@code Json}). Entry point: {@link dev.rlhf4j.text.jinja.Template}.
 */
package dev.rlhf4j.text.jinja;
