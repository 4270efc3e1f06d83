package io.shm4j.cli;

import io.shm4j.CodecException;
import io.shm4j.ContentType;
import io.shm4j.Snapshot;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code get}'s streaming copy of a published JSON payload ({@link JsonInput#publishedCompact})
 * prints exactly what the tree path printed before it ({@link JsonInput#published}, written by
 * the mapper), and refuses exactly what that refused, with the same message.
 */
class PublishedJsonTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"color\":\"blue\",\"threads\":4}",
            " {\n \"a\" : [ 1 , 2.5 , \"x\" ] ,\t\"b\" : { \"c\" : true , \"d\" : null , \"e\" : false } }\n",
            "{}", "[]", "[[],{},[{}]]", "{\"\":\"\"}",
            "0", "-0", "-0.0", "0.0", "1.0", "1.50", "1e2", "1E+2", "-1.5e-3", "100000000000000000000.0",
            "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
            "-123456789012345678901234567890", "3.141592653589793238462643383279", "4.9e-324", "1e-400",
            "1e400", "-1e400", "[1e309, 1.7976931348623157e308]",
            "\"plain\"", "\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\"\\u0000\\u001f\\u007f\\u0080\"",
            "\"\u00e9\u4e2d\ud83d\ude00\"", "\"\\ud83d\\ude00 \\u00e9\"", "\"</script> & ' <\"",
            "{\"a\":1,\"b\":2,\"a\":3}", "{\"x\":{\"a\":1,\"a\":{\"b\":[1,2]}},\"y\":[{\"k\":1},{\"k\":2}]}",
            "[{\"a\":1},{\"a\":2}]", "{\"a\":{\"a\":{\"a\":1}}}",
            "\"\\ud800\"", "{\"\\udc00\":1}", "[\"ok\",\"\\ud800x\"]",
            "", "   ", "{", "[1,]", "{\"a\":1,}", "1 2", "{} []", "nul", "NaN", "'single'", "01", "+1",
            "\"unterminated", "{\"a\" 1}", "[1] x", "tru", "// comment\n1",
    })
    void printsAndRefusesAsTheTree(String json) {
        for (boolean raw : new boolean[] {false, true}) {
            Snapshot s = new Snapshot(7, 0, ContentType.JSON, json.getBytes(StandardCharsets.UTF_8));
            String tree;
            try {
                JsonNode node = JsonInput.published(s, "region t version 7");
                tree = raw && node.isString() ? node.stringValue() : JsonInput.mapper().writeValueAsString(node);
            } catch (CodecException e) {
                assertThatThrownBy(() -> JsonInput.publishedCompact(s, "region t version 7", raw))
                        .isInstanceOf(CodecException.class).hasMessage(e.getMessage());
                continue;
            }
            assertThat(JsonInput.publishedCompact(s, "region t version 7", raw)).as("raw=%s", raw).isEqualTo(tree);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {499, 500, 501})
    void nestingLimitsAsTheTree(int depth) {
        char[] open = new char[depth];
        char[] close = new char[depth];
        Arrays.fill(open, '[');
        Arrays.fill(close, ']');
        printsAndRefusesAsTheTree(new String(open) + new String(close));
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 1001})
    void numberLengthLimitsAsTheTree(int digits) {
        printsAndRefusesAsTheTree("9".repeat(digits));
        printsAndRefusesAsTheTree("0." + "1".repeat(digits - 2));
    }

    @org.junit.jupiter.api.Test
    void notUtf8IsRefusedAsByTheTree() {
        Snapshot s = new Snapshot(7, 0, ContentType.JSON, new byte[] {'"', (byte) 0xff, '"'});
        assertThatThrownBy(() -> JsonInput.publishedCompact(s, "region t version 7", false))
                .isInstanceOf(CodecException.class)
                .hasMessage("region t version 7 is not UTF-8 text (JSON is UTF-8); its master must publish a valid value");
    }
}
