// Reference values from the JDK for the generator-backend's ports of java.util.Random,
// Collections.shuffle, UUID.nameUUIDFromBytes, ZonedDateTime and the original's
// generators. Regenerate (JDK 17+):
//   java JavaReference.java random > ../java-random.json
//   java JavaReference.java generators > ../java-generators.json
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.*;

public class JavaReference {
    static final long[] SEEDS = {31423434L, 84744291L, 55701923L, 73244573L, 7371661L, 33774923L, 33774924L,
            24524555L, 24524556L, 3424233L, 44134134L, 44134135L, 0L, -1L, 1L << 47, Long.MIN_VALUE, 123456789012345L};
    static final int[] BOUNDS = {1, 2, 3, 5, 7, 10, 16, 31, 100, 1 << 30, (1 << 30) + 1, Integer.MAX_VALUE};

    static String q(String s) { return "\"" + s + "\""; }

    static UUID nextUuid(Random r) {
        byte[] b = new byte[8];
        r.nextBytes(b);
        return UUID.nameUUIDFromBytes(b);
    }

    static String bytes(byte[] b) {
        StringJoiner j = new StringJoiner(",", "[", "]");
        for (byte x : b) j.add(Integer.toString(x & 0xff));
        return j.toString();
    }

    static void random() {
        StringJoiner out = new StringJoiner(",\n", "[\n", "\n]");
        for (long seed : SEEDS) {
            StringBuilder o = new StringBuilder("{\"seed\":" + q(Long.toString(seed)));
            Random r = new Random(seed);
            StringJoiner ints = new StringJoiner(",", "[", "]");
            for (int i = 0; i < 8; i++) ints.add(Integer.toString(r.nextInt()));
            o.append(",\"nextInt\":").append(ints);
            r = new Random(seed);
            StringJoiner doubles = new StringJoiner(",", "[", "]");
            // Double.toString gives the shortest repr that round-trips, like JS.
            for (int i = 0; i < 8; i++) doubles.add(q(Double.toString(r.nextDouble())));
            o.append(",\"nextDouble\":").append(doubles);
            r = new Random(seed);
            byte[] b5 = new byte[5];
            byte[] b8 = new byte[8];
            byte[] b13 = new byte[13];
            r.nextBytes(b5);
            r.nextBytes(b8);
            r.nextBytes(b13);
            o.append(",\"nextBytes5_8_13\":[").append(bytes(b5)).append(",").append(bytes(b8)).append(",").append(bytes(b13)).append("]");
            StringJoiner bounded = new StringJoiner(",", "{", "}");
            for (int bound : BOUNDS) {
                r = new Random(seed);
                StringJoiner v = new StringJoiner(",", "[", "]");
                for (int i = 0; i < 6; i++) v.add(Integer.toString(r.nextInt(bound)));
                bounded.add(q(Integer.toString(bound)) + ":" + v);
            }
            o.append(",\"nextIntBounded\":").append(bounded);
            r = new Random(seed);
            StringJoiner uuids = new StringJoiner(",", "[", "]");
            for (int i = 0; i < 4; i++) uuids.add(q(nextUuid(r).toString()));
            o.append(",\"nextUuid\":").append(uuids);
            r = new Random(seed);
            List<Integer> list = new ArrayList<>();
            for (int i = 0; i < 10; i++) list.add(i);
            StringJoiner shuffles = new StringJoiner(",", "[", "]");
            for (int i = 0; i < 3; i++) {
                Collections.shuffle(list, r);
                shuffles.add(list.toString().replace(" ", ""));
            }
            o.append(",\"shuffle10x3\":").append(shuffles);
            o.append("}");
            out.add(o);
        }
        System.out.println(out);
    }

    // ---- the original's generators, with their constants (see shared spec generator.md) ----
    static final ZoneId WARSAW = ZoneId.of("Europe/Warsaw");
    static final ZonedDateTime SERVICE_START_AT = ZonedDateTime.parse("2020-01-01T00:00:00+01:00[Europe/Warsaw]");
    static final long[] PLANS = {5L * 1024 * 1024 * 1024, 10L * 1024 * 1024 * 1024};

    static String msisdn(Random r) { return "48" + (long) (r.nextDouble() * 1_000_000_000L); }

    static class Agreements {
        final Random id = new Random(31423434), signedAt = new Random(55701923), msisdn = new Random(84744291), plan = new Random(73244573);
        String next(int count) {
            StringJoiner j = new StringJoiner(",", "[", "]");
            for (int i = 0; i < count; i++) {
                UUID uuid = nextUuid(id);
                String m = msisdn(msisdn);
                ZonedDateTime s = SERVICE_START_AT.minusDays((long) (20 * signedAt.nextDouble())).minusDays(10);
                long p = PLANS[(int) (plan.nextDouble() * PLANS.length)];
                j.add("{\"id\":" + q(uuid.toString()) + ",\"msisdn\":" + q(m) + ",\"signedAt\":" + q(s.toString())
                        + ",\"signedAtMs\":" + s.toInstant().toEpochMilli()
                        + ",\"serviceStartAt\":" + q(SERVICE_START_AT.toString()) + ",\"billingPeriodTimeZone\":\"Europe/Warsaw\""
                        + ",\"maxBytesInBillingPeriod\":" + p + "}");
            }
            return j.toString();
        }
    }

    static class Files {
        final Random fileName = new Random(3424233);
        final Random shuffling = new Random(7371661);
        final List<Entry> entries = new ArrayList<>();
        int counter = 0;
        ZonedDateTime begin = SERVICE_START_AT.plusSeconds(86400);
        Files(int n) {
            Random m = new Random(84744291);
            for (int i = 0; i < n; i++) entries.add(new Entry(msisdn(m), i));
        }
        String next(int months) {
            String prefix = String.format("idr_%03d_", counter++);
            String suffix = String.format("_%s.csv", nextUuid(fileName));
            StringBuilder content = new StringBuilder();
            Set<String> seen = new HashSet<>();
            ZonedDateTime t = begin, end = begin.plusMonths(months);
            String firstDate = t.toLocalDate().toString();
            while (t.isBefore(end)) {
                Collections.shuffle(entries, shuffling);
                for (Entry e : entries) {
                    content.append(nextUuid(e.id)).append(';').append(t).append(';').append(e.value).append(';')
                            .append((long) (e.bytes.nextDouble() * (1L << 30))).append('\n');
                    seen.add(e.value);
                }
                t = t.plusSeconds(86400);
            }
            begin = t;
            return "{\"fileName\":" + q(prefix + firstDate + suffix) + ",\"response\":" + q("MSISDNs generated: " + String.join(", ", seen))
                    + ",\"content\":" + q(content.toString().replace("\n", "\\n")) + "}";
        }
    }

    static class Entry {
        final String value; final Random id, bytes;
        Entry(String value, int i) { this.value = value; id = new Random(33774923 + i); bytes = new Random(24524555 + i); }
    }

    static class DirectRecords {
        ZonedDateTime begin = SERVICE_START_AT.plusSeconds(86400);
        String next(int agreements, int months) {
            Random idRandom = new Random(31423434);
            StringJoiner j = new StringJoiner(",", "[", "]");
            for (int k = 0; k < agreements; k++) {
                UUID id = nextUuid(idRandom);
                Random internal = new Random(44134134 + k), bytes = new Random(24524555 + k);
                ZonedDateTime t = begin, end = begin.plusMonths(months);
                while (t.isBefore(end)) {
                    j.add("{\"agreementId\":" + q(id.toString()) + ",\"recordedAtMs\":" + t.toInstant().toEpochMilli()
                            + ",\"internalRecordId\":" + q(nextUuid(internal).toString())
                            + ",\"recordedBytes\":" + (long) (bytes.nextDouble() * 10 * 1024 * 1024) + "}");
                    t = t.plusSeconds(86400);
                }
                begin = t;
            }
            return j.toString();
        }
    }

    static void generators() {
        StringBuilder o = new StringBuilder("{\n");
        Agreements a1 = new Agreements();
        o.append("\"agreementsCount1x3\":[").append(a1.next(1)).append(",").append(a1.next(1)).append(",").append(a1.next(1)).append("],\n");
        Agreements a3 = new Agreements();
        o.append("\"agreementsCount3x2\":[").append(a3.next(3)).append(",").append(a3.next(3)).append("],\n");
        Files f1 = new Files(1);
        o.append("\"filesCount1Months1x4\":[").append(f1.next(1)).append(",").append(f1.next(1)).append(",").append(f1.next(1)).append(",").append(f1.next(1)).append("],\n");
        Files f5 = new Files(5);
        o.append("\"filesCount5Months2x2\":[").append(f5.next(2)).append(",").append(f5.next(2)).append("],\n");
        DirectRecords d = new DirectRecords();
        o.append("\"directCount2Months1x2\":[").append(d.next(2, 1)).append(",").append(d.next(2, 1)).append("],\n");
        // ZonedDateTime.toString() around both DST changes of 2020, one instant per hour
        StringJoiner z = new StringJoiner(",", "[", "]");
        for (long ms : new long[]{utc("2020-03-29T01:00:00Z"), utc("2020-10-25T01:00:00Z")}) {
            for (int h = -3; h <= 3; h++) {
                long at = ms + h * 3600_000L + (h == 2 ? 1500 : 0) + (h == 3 ? 7000 : 0);
                z.add("[" + at + "," + q(ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(at), WARSAW).toString()) + "]");
            }
        }
        o.append("\"zonedToString\":").append(z).append("\n}");
        System.out.println(o);
    }

    static long utc(String text) { return java.time.Instant.parse(text).toEpochMilli(); }

    public static void main(String[] args) {
        if (args.length == 1 && args[0].equals("random")) random();
        else if (args.length == 1 && args[0].equals("generators")) generators();
        else System.err.println("usage: java JavaReference.java random|generators");
    }
}
