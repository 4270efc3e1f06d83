"""Where a JSON text first breaks RFC 8259 and what was expected there, for the CLI's messages:
"line 3, column 7: expected ',' or '}', found '"'". The same steps as the Java CLI's
``io.shm4j.cli.JsonSyntax``, so that both print the same line; run only after the parser refused
the text. Lines and columns count from 1, a column in characters (code points). No recursion:
a deeply nested text is walked with an explicit stack."""

_SPACE = " \t\n\r"
_ESCAPES = "\"\\/bfnrt"
_HEX = "0123456789abcdefABCDEF"


class _Fail(Exception):
    pass


class _Walk:
    def __init__(self, text):
        self.text = text
        self.at = 0

    def peek(self):
        return self.text[self.at] if self.at < len(self.text) else ""

    def space(self):
        while self.peek() and self.peek() in _SPACE:
            self.at += 1

    def fail(self, expected):
        line = self.text.count("\n", 0, self.at) + 1
        line_start = self.text.rfind("\n", 0, self.at) + 1
        c = self.peek()
        # Printable ASCII as itself, anything else by its code: unambiguous in any terminal.
        found = ("the end of the input" if not c else "'%s'" % c if 0x20 < ord(c) < 0x7f else "U+%04X" % ord(c))
        raise _Fail("line %d, column %d: expected %s, found %s" % (line, self.at - line_start + 1, expected, found))

    def member(self):
        if self.peek() != '"':
            self.fail("a member name in double quotes")
        self.string()
        self.space()
        if self.peek() != ":":
            self.fail("':'")
        self.at += 1

    def string(self):
        self.at += 1  # the opening quote
        while True:
            c = self.peek()
            if not c:
                self.fail("'\"' to end the string")
            if c == '"':
                self.at += 1
                return
            if ord(c) < 0x20:
                self.fail("a character of the string (control characters must be escaped, e.g. \\n)")
            self.at += 1
            if c == "\\":
                e = self.peek()
                if e == "u":
                    self.at += 1
                    for _ in range(4):
                        if not self.peek() or self.peek() not in _HEX:
                            self.fail("a hex digit of \\uXXXX")
                        self.at += 1
                elif e and e in _ESCAPES:
                    self.at += 1
                else:
                    self.fail("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")

    def digits(self):
        start = self.at
        while self.peek() and "0" <= self.peek() <= "9":
            self.at += 1
        return self.at > start

    def number(self):
        if self.peek() == "-":
            self.at += 1
        if self.peek() == "0":
            self.at += 1
        elif not self.digits():
            self.fail("a digit")
        if self.peek() == ".":
            self.at += 1
            if not self.digits():
                self.fail("a digit after '.'")
        if self.peek() in ("e", "E"):
            self.at += 1
            if self.peek() in ("+", "-"):
                self.at += 1
            if not self.digits():
                self.fail("a digit of the exponent")

    def literal(self, word):
        for ch in word:
            if self.peek() != ch:
                self.fail("'%s'" % word)
            self.at += 1

    def walk(self):
        stack = []  # "{" or "[" for each container being read
        need_value = True
        while True:
            self.space()
            if need_value:
                c = self.peek()
                if c in ("{", "["):
                    self.at += 1
                    self.space()
                    if self.peek() == ("}" if c == "{" else "]"):
                        self.at += 1
                        need_value = False
                        continue
                    stack.append(c)
                    if c == "{":
                        self.member()
                    continue
                if c == '"':
                    self.string()
                elif c == "-" or "0" <= c <= "9" and c:
                    self.number()
                elif c == "t":
                    self.literal("true")
                elif c == "f":
                    self.literal("false")
                elif c == "n":
                    self.literal("null")
                else:
                    self.fail("a value")
                need_value = False
                continue
            if not stack:
                if self.peek():
                    self.fail("end of input after the value")
                return
            container, c = stack[-1], self.peek()
            if c == ",":
                self.at += 1
                if container == "{":
                    self.space()
                    self.member()
                need_value = True
            elif c == ("}" if container == "{" else "]"):
                self.at += 1
                stack.pop()
            else:
                self.fail("',' or '}'" if container == "{" else "',' or ']'")


def error(text):
    """Where ``text`` breaks the JSON grammar, as "line L, column C: expected X, found Y", or None."""
    try:
        _Walk(text).walk()
    except _Fail as e:
        return str(e)
    return None
