"""JSON text exactly as the Java CLI prints it (Jackson 3's compact writer and its
DefaultPrettyPrinter), so ``python3 -m shm4j get``/``watch`` print what ``shm4j`` prints.

Pretty form: ``"key" : value``, objects one member per line indented two spaces per enclosing
object (arrays do not indent), arrays on one line as ``[ 1, 2 ]``, empty ``{ }`` and ``[ ]``.
Floating-point numbers as Java's ``Double.toString``: plain in [1e-3, 1e7), else ``d.dddE±n``.
"""
import math
from decimal import ROUND_HALF_EVEN, Context, Decimal


def dumps(value, pretty=False):
    out = []
    _write(value, out, pretty, 0)
    return "".join(out)


def _write(v, out, pretty, level):
    if isinstance(v, dict):
        if not v:
            out.append("{ }" if pretty else "{}")
            return
        out.append("{")
        for n, (key, item) in enumerate(v.items()):
            if pretty:
                out.append(("\n" if n == 0 else ",\n") + "  " * (level + 1) + _string(str(key)) + " : ")
            else:
                out.append(("" if n == 0 else ",") + _string(str(key)) + ":")
            _write(item, out, pretty, level + 1)
        out.append("\n" + "  " * level + "}" if pretty else "}")
    elif isinstance(v, (list, tuple)):
        if not v:
            out.append("[ ]" if pretty else "[]")
            return
        out.append("[ " if pretty else "[")
        for n, item in enumerate(v):
            if n:
                out.append(", " if pretty else ",")
            _write(item, out, pretty, level)
        out.append(" ]" if pretty else "]")
    elif isinstance(v, str):
        out.append(_string(v))
    elif v is True or v is False:
        out.append("true" if v else "false")
    elif v is None:
        out.append("null")
    elif isinstance(v, int):
        out.append(str(v))
    elif isinstance(v, float):
        out.append(java_double(v))
    else:
        raise TypeError("not a JSON value: %r" % (v,))


# Jackson's escapes: short ones for \b \t \n \f \r, else \u00XX with upper-case hex for
# the other control characters (json.dumps writes lower case).
_ESCAPES = {c: "\\u%04X" % c for c in range(0x20)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\b"): "\\b", ord("\t"): "\\t", ord("\n"): "\\n",
                 ord("\f"): "\\f", ord("\r"): "\\r"})


def _string(s):
    return '"' + s.translate(_ESCAPES) + '"'


def java_double(d):
    """``Double.toString(d)`` (JDK 19+: the shortest digits that round-trip, as Python's repr)."""
    if math.isnan(d) or math.isinf(d):
        return '"%s"' % ("NaN" if math.isnan(d) else "Infinity" if d > 0 else "-Infinity")
    if d == 0:
        return "-0.0" if math.copysign(1.0, d) < 0 else "0.0"
    if 1e-3 <= abs(d) < 1e7:
        return repr(d)  # plain notation with at least one fractional digit, as Java
    _, digits, exponent = Decimal(repr(abs(d))).normalize().as_tuple()
    if len(digits) == 1:
        # One digit is shortest: Java picks the 1- or 2-digit decimal that rounds to d and is
        # closest to it, which differs only for subnormals (5e-324 prints as 4.9E-324).
        two = Context(prec=2, rounding=ROUND_HALF_EVEN).plus(Decimal(abs(d)))
        if float(two) == abs(d):
            _, digits, exponent = two.normalize().as_tuple()
    mantissa = str(digits[0]) + "." + ("".join(map(str, digits[1:])) or "0")
    return "%s%sE%d" % ("-" if d < 0 else "", mantissa, len(digits) - 1 + exponent)
