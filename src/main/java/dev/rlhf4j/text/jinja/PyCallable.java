package dev.rlhf4j.text.jinja;

import java.util.List;
import java.util.Map;

/** Anything a template can call: a global function, a bound method, a macro, {@code loop.cycle}. */
@FunctionalInterface
interface PyCallable {
    Object call(List<Object> args, Map<String, Object> kwargs);
}
