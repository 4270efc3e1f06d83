package io.shm4j.bench;

import java.util.Locale;

/** Human-readable figures for the tables: durations, sizes, rates. */
final class Units {

    private Units() {
    }

    /** 195 ns, 3.47 µs, 1.20 ms, 2.00 s. */
    static String nanos(Double nanos) {
        if (nanos == null) {
            return "–";
        }
        double n = nanos;
        if (n < 1_000) {
            return String.format(Locale.ROOT, "%.0f ns", n);
        } else if (n < 1_000_000) {
            return String.format(Locale.ROOT, "%.2f µs", n / 1e3);
        } else if (n < 1_000_000_000) {
            return String.format(Locale.ROOT, "%.2f ms", n / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f s", n / 1e9);
    }

    /** 64 B, 1 KiB, 64 KiB, 1 MiB. */
    static String bytes(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return bytes / (1 << 20) + " MiB";
        } else if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return bytes / (1 << 10) + " KiB";
        }
        return bytes + " B";
    }

    /** 812, 12.3 k, 4.56 M (per second). */
    static String rate(Double perSecond) {
        if (perSecond == null) {
            return "–";
        }
        double r = perSecond;
        if (r < 1e3) {
            return String.format(Locale.ROOT, "%.0f", r);
        } else if (r < 1e6) {
            return String.format(Locale.ROOT, "%.1f k", r / 1e3);
        } else if (r < 1e9) {
            return String.format(Locale.ROOT, "%.2f M", r / 1e6);
        }
        return String.format(Locale.ROOT, "%.2f G", r / 1e9);
    }

    /** Bytes per second as MB/s or GB/s (decimal). */
    static String bandwidth(Double bytesPerSecond) {
        if (bytesPerSecond == null) {
            return "–";
        }
        double b = bytesPerSecond;
        return b >= 1e9 ? String.format(Locale.ROOT, "%.2f GB/s", b / 1e9) : String.format(Locale.ROOT, "%.1f MB/s", b / 1e6);
    }

    /** KiB as MiB with one decimal, or as KiB below 1 MiB. */
    static String kibAsMib(Double kib) {
        if (kib == null) {
            return "–";
        }
        return kib < 1024 ? String.format(Locale.ROOT, "%.0f KiB", kib) : String.format(Locale.ROOT, "%.1f MiB", kib / 1024);
    }

    /** A share of one core such as 0.3% or 100%. */
    static String percent(Double percent) {
        return percent == null ? "–" : String.format(Locale.ROOT, percent < 10 ? "%.1f%%" : "%.0f%%", percent);
    }

    /** A ratio such as 1.32x. */
    static String ratio(Double ratio) {
        return ratio == null ? "–" : String.format(Locale.ROOT, ratio < 10 ? "%.2fx" : "%.0fx", ratio);
    }
}
