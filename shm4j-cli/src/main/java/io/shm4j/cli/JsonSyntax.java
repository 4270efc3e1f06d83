package io.shm4j.cli;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Where a JSON text first breaks RFC 8259 and what was expected there, for the message of
 * {@code put}, {@code serve} and {@code get}: "line 3, column 7: expected ',' or '}', found
 * '"'". The parser (Jackson) only says that a text is refused; this walk, run after a refusal,
 * words the place the same way as Python's CLI ({@code shm4j._jsonsyntax}, the same steps), so
 * both print the same line. Lines and columns count from 1; a column counts characters (code
 * points). No recursion: a deeply nested text is walked with an explicit stack.
 */
final class JsonSyntax {
    private final int[] text;
    private int at;

    private JsonSyntax(String text) {
        this.text = text.codePoints().toArray();
    }

    /** Where {@code text} breaks the JSON grammar, as "line L, column C: expected X, found Y", or null if it does not. */
    static String error(String text) {
        return new JsonSyntax(text).walk();
    }

    private String walk() {
        Deque<Character> open = new ArrayDeque<>(); // '{' or '[' for each container being read
        boolean needValue = true;
        while (true) {
            space();
            if (needValue) {
                int c = peek();
                if (c == '{' || c == '[') {
                    at++;
                    space();
                    int close = c == '{' ? '}' : ']';
                    if (peek() == close) {
                        at++;
                        needValue = false;
                        continue;
                    }
                    open.push((char) c);
                    if (c == '{') {
                        String e = member();
                        if (e != null) {
                            return e;
                        }
                    }
                    continue;
                }
                String e = c == '"' ? string() : c == '-' || (c >= '0' && c <= '9') ? number()
                        : c == 't' ? literal("true") : c == 'f' ? literal("false") : c == 'n' ? literal("null")
                        : fail("a value");
                if (e != null) {
                    return e;
                }
                needValue = false;
                continue;
            }
            if (open.isEmpty()) {
                return peek() == -1 ? null : fail("end of input after the value");
            }
            char container = open.peek();
            int c = peek();
            if (c == ',') {
                at++;
                if (container == '{') {
                    space();
                    String e = member();
                    if (e != null) {
                        return e;
                    }
                }
                needValue = true;
            } else if (c == (container == '{' ? '}' : ']')) {
                at++;
                open.pop();
            } else {
                return fail(container == '{' ? "',' or '}'" : "',' or ']'");
            }
        }
    }

    /** A member name and its ':' (the value follows); null when well formed. */
    private String member() {
        if (peek() != '"') {
            return fail("a member name in double quotes");
        }
        String e = string();
        if (e != null) {
            return e;
        }
        space();
        if (peek() != ':') {
            return fail("':'");
        }
        at++;
        return null;
    }

    private String string() {
        at++; // the opening quote
        while (true) {
            int c = peek();
            if (c == -1) {
                return fail("'\"' to end the string");
            }
            if (c == '"') {
                at++;
                return null;
            }
            if (c < 0x20) {
                return fail("a character of the string (control characters must be escaped, e.g. \\n)");
            }
            at++;
            if (c == '\\') {
                int e = peek();
                if (e == 'u') {
                    at++;
                    for (int i = 0; i < 4; i++) {
                        if (Character.digit(peek(), 16) < 0) {
                            return fail("a hex digit of \\uXXXX");
                        }
                        at++;
                    }
                } else if (e != -1 && "\"\\/bfnrt".indexOf(e) >= 0) {
                    at++;
                } else {
                    return fail("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX");
                }
            }
        }
    }

    private String number() {
        if (peek() == '-') {
            at++;
        }
        if (peek() == '0') {
            at++;
        } else if (!digits()) {
            return fail("a digit");
        }
        if (peek() == '.') {
            at++;
            if (!digits()) {
                return fail("a digit after '.'");
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            at++;
            if (peek() == '+' || peek() == '-') {
                at++;
            }
            if (!digits()) {
                return fail("a digit of the exponent");
            }
        }
        return null;
    }

    private boolean digits() {
        int from = at;
        while (peek() >= '0' && peek() <= '9') {
            at++;
        }
        return at > from;
    }

    private String literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (peek() != word.charAt(i)) {
                return fail("'" + word + "'");
            }
            at++;
        }
        return null;
    }

    private void space() {
        while (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r') {
            at++;
        }
    }

    private int peek() {
        return at < text.length ? text[at] : -1;
    }

    /** "line L, column C: expected {@code expected}, found ..." for the character at {@code at}. */
    private String fail(String expected) {
        int line = 1;
        int lineStart = 0;
        for (int i = 0; i < at; i++) {
            if (text[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        int c = peek();
        // Printable ASCII as itself, anything else by its code: unambiguous in any terminal.
        String found = c == -1 ? "the end of the input" : c > 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("U+%04X", c);
        return "line " + line + ", column " + (at - lineStart + 1) + ": expected " + expected + ", found " + found;
    }
}
