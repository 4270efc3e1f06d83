package io.shm4j.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.DoubleToIntFunction;
import javax.imageio.ImageIO;

/**
 * The latency chart, drawn with java.awt in headless mode: one group per payload size, one bar per
 * peer up to its p50 on a log-10 scale, a whisker from p50 to p99 and a dot at p99.9. Only
 * one-follower cases (the follower sweep is in the table).
 */
final class LatencyChart {
    private static final int WIDTH = 1400;
    private static final int HEIGHT = 760;
    private static final int LEFT = 90;
    private static final int RIGHT = 230;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;
    /** One colour per peer, more than there are peers: a colour used twice made two peers' bars alike. */
    private static final Color[] PALETTE = {
            new Color(0xD62728), new Color(0xFF7F0E), new Color(0x1F77B4), new Color(0x2CA02C), new Color(0x9467BD),
            new Color(0x8C564B), new Color(0xE377C2), new Color(0x7F7F7F), new Color(0xBCBD22), new Color(0x17BECF),
            new Color(0x393B79), new Color(0x637939), new Color(0xE7BA52), new Color(0x303030), new Color(0x7B4173),
            new Color(0x98DF8A), new Color(0xAEC7E8), new Color(0xFF9896)};

    private LatencyChart() {
    }

    static void write(List<Summary> summaries, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Summary> shown = summaries.stream().filter(s -> s.followers() == 1 && s.pauseMicros() == 0 && s.hogs() == null && s.p50() != null).toList();
        List<String> peers = shown.stream().map(Summary::peer).distinct().toList();
        List<Integer> sizes = shown.stream().map(Summary::payloadBytes).distinct().sorted().toList();

        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
            g.drawString("publish → observe one-way latency, 1 follower (bar: p50, whisker: p99, dot: p99.9; log scale)", LEFT, 32);
            if (shown.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
                g.drawString("no successful case to show", LEFT, HEIGHT / 2);
            } else {
                draw(g, shown, peers, sizes);
            }
        } finally {
            g.dispose();
        }
        ImageIO.write(image, "png", file.toFile());
    }

    /** 10^decade nanoseconds as 1 ns, 10 ns, 100 ns, 1 µs, ... 100 s. */
    private static String decadeLabel(int decade) {
        String[] units = {"ns", "µs", "ms", "s"};
        int unit = Math.min(decade / 3, units.length - 1);
        return (long) Math.pow(10, decade - 3 * unit) + " " + units[unit];
    }

    private static void draw(Graphics2D g, List<Summary> shown, List<String> peers, List<Integer> sizes) {
        double low = shown.stream().mapToDouble(Summary::p50).min().orElseThrow();
        double high = shown.stream().mapToDouble(s -> Math.max(s.p50(), s.p999() == null ? 0 : s.p999())).max().orElseThrow();
        int minDecade = (int) Math.floor(Math.log10(Math.max(1, low)));
        int maxDecade = (int) Math.ceil(Math.log10(Math.max(10, high)));
        if (maxDecade == minDecade) {
            maxDecade++;
        }
        int plotBottom = HEIGHT - BOTTOM;
        int plotHeight = plotBottom - TOP;
        int plotWidth = WIDTH - LEFT - RIGHT;
        int finalMin = minDecade;
        int finalMax = maxDecade;
        DoubleToIntFunction y = nanos -> plotBottom
                - (int) Math.round((Math.log10(Math.max(nanos, Math.pow(10, finalMin))) - finalMin) / (finalMax - finalMin) * plotHeight);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        FontMetrics metrics = g.getFontMetrics();
        for (int decade = minDecade; decade <= maxDecade; decade++) {
            int yy = y.applyAsInt(Math.pow(10, decade));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(LEFT, yy, LEFT + plotWidth, yy);
            g.setColor(Color.BLACK);
            String label = decadeLabel(decade);
            g.drawString(label, LEFT - 8 - metrics.stringWidth(label), yy + 5);
        }
        g.drawLine(LEFT, TOP, LEFT, plotBottom);
        g.drawLine(LEFT, plotBottom, LEFT + plotWidth, plotBottom);

        int groupWidth = plotWidth / sizes.size();
        int barWidth = Math.max(4, (groupWidth - 30) / Math.max(1, peers.size()));
        for (int gi = 0; gi < sizes.size(); gi++) {
            int size = sizes.get(gi);
            int groupLeft = LEFT + gi * groupWidth + 15;
            String label = Units.bytes(size);
            g.setColor(Color.BLACK);
            g.drawString(label, groupLeft + (groupWidth - 30) / 2 - metrics.stringWidth(label) / 2, plotBottom + 22);
            for (int pi = 0; pi < peers.size(); pi++) {
                String peer = peers.get(pi);
                Summary s = shown.stream().filter(x -> x.peer().equals(peer) && x.payloadBytes() == size).findFirst().orElse(null);
                if (s == null) {
                    continue;
                }
                int x = groupLeft + pi * barWidth;
                int top = y.applyAsInt(s.p50());
                g.setColor(color(pi));
                g.fillRect(x + 1, top, barWidth - 2, plotBottom - top);
                int middle = x + barWidth / 2;
                g.setColor(Color.BLACK);
                g.setStroke(new BasicStroke(1.5f));
                if (s.p99() != null) {
                    int whisker = y.applyAsInt(s.p99());
                    g.drawLine(middle, top, middle, whisker);
                    g.drawLine(middle - barWidth / 4, whisker, middle + barWidth / 4, whisker);
                }
                if (s.p999() != null) {
                    int dot = y.applyAsInt(s.p999());
                    g.fillOval(middle - 3, dot - 3, 6, 6);
                }
            }
        }
        g.drawString("payload size", LEFT + plotWidth / 2 - 40, plotBottom + 50);

        int legendX = LEFT + plotWidth + 20;
        for (int pi = 0; pi < peers.size(); pi++) {
            int ly = TOP + 10 + pi * 24;
            g.setColor(color(pi));
            g.fillRect(legendX, ly - 12, 16, 16);
            g.setColor(Color.BLACK);
            g.drawString(peers.get(pi), legendX + 24, ly + 1);
        }
    }

    /** The colour of the {@code index}-th peer shown. */
    static Color color(int index) {
        return PALETTE[index % PALETTE.length];
    }
}
