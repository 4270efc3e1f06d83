package io.shm4j.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal Redis client speaking RESP2 over one loopback socket: enough for PING, PUBLISH and
 * SUBSCRIBE. Pulling pushed messages straight off the socket keeps the follower's path the same
 * as the other stream peers (block in {@code read}, copy into a heap array), with no client
 * library thread in between.
 */
final class RespConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RespConnection(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setTcpNoDelay(true);
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** Sends one command (an array of bulk strings) and flushes. */
    void send(byte[]... arguments) throws IOException {
        writeHeader('*', arguments.length);
        for (byte[] argument : arguments) {
            writeHeader('$', argument.length);
            out.write(argument);
            out.write('\r');
            out.write('\n');
        }
        out.flush();
    }

    /** Sends a command and returns its reply: a String, Long, byte[] or Object[]; an error throws. */
    Object call(String... arguments) throws IOException {
        byte[][] raw = new byte[arguments.length][];
        for (int i = 0; i < arguments.length; i++) {
            raw[i] = arguments[i].getBytes(StandardCharsets.UTF_8);
        }
        send(raw);
        return readReply();
    }

    /** Reads one reply of any type. */
    Object readReply() throws IOException {
        int type = readByte();
        String line = readLine();
        return switch (type) {
            case '+' -> line;
            case '-' -> throw new IOException("redis error: " + line);
            case ':' -> Long.parseLong(line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield null;
                }
                byte[] bulk = new byte[length];
                readBulkBody(bulk, length);
                yield bulk;
            }
            case '*' -> {
                Object[] items = new Object[Integer.parseInt(line)];
                for (int i = 0; i < items.length; i++) {
                    items[i] = readReply();
                }
                yield items;
            }
            default -> throw new IOException("unexpected RESP type byte '" + (char) type + "'");
        };
    }

    /**
     * Reads one pushed pub/sub message {@code [message, channel, payload]}, putting the payload
     * into {@code into} (which must be exactly its length).
     */
    void readMessageInto(byte[] into) throws IOException {
        expectHeader('*', 3);
        Object kind = readReply();
        readReply(); // channel
        if (!(kind instanceof byte[] k) || !new String(k, StandardCharsets.US_ASCII).equals("message")) {
            throw new IOException("expected a pub/sub message, got " + kind);
        }
        expectHeader('$', into.length);
        readBulkBody(into, into.length);
    }

    private void expectHeader(char type, int value) throws IOException {
        int actual = readByte();
        String line = readLine();
        if (actual != type || Integer.parseInt(line) != value) {
            throw new IOException("expected RESP '" + type + value + "', got '" + (char) actual + line + "'");
        }
    }

    private void readBulkBody(byte[] into, int length) throws IOException {
        int read = in.readNBytes(into, 0, length);
        if (read != length || readByte() != '\r' || readByte() != '\n') {
            throw new IOException("redis connection ended inside a bulk string");
        }
    }

    private int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("redis closed the connection");
        }
        return b;
    }

    private String readLine() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = readByte(); b != '\r'; b = readByte()) {
            line.append((char) b);
        }
        readByte(); // '\n'
        return line.toString();
    }

    private void writeHeader(char type, int value) throws IOException {
        out.write(type);
        out.write(Integer.toString(value).getBytes(StandardCharsets.US_ASCII));
        out.write('\r');
        out.write('\n');
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
