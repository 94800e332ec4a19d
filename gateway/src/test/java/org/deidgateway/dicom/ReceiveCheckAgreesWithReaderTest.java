package org.deidgateway.dicom;

import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The receiver's check before Success ({@link DicomFiles#verifyComplete}) and the processor's read
 * ({@link DicomFiles#openVerified}) must agree: an object the check accepts must be readable, or the
 * peer is told Success for an object that then goes to quarantine as unreadable. Seeded mutations of
 * real files (VR codes, lengths, header bytes) probe the gap; every one that passes the check is read.
 */
class ReceiveCheckAgreesWithReaderTest {

    private static final List<String> FILES = List.of("CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm",
            "MR_small_implicit.dcm", "rtplan.dcm", "test-SR.dcm", "JPEG2000.dcm", "SC_rgb_rle.dcm", "rtstruct.dcm",
            "reportsi.dcm");
    /** -Dfuzz.rounds and -Dfuzz.seed run it longer or differently; the suite runs the defaults. */
    private static final int ROUNDS_PER_FILE = Integer.getInteger("fuzz.rounds", 300);

    @TempDir
    Path dir;

    @Test
    void whatTheCheckAcceptsTheReaderReads() throws Exception {
        Random random = new Random(Long.getLong("fuzz.seed", 20261206L));
        int accepted = 0;
        int refused = 0;
        List<String> disagreements = new ArrayList<>();
        for (String name : FILES) {
            byte[] original = Files.readAllBytes(TestData.pydicom(name));
            List<Integer> vrOffsets = vrOffsets(original);
            for (int round = 0; round < ROUNDS_PER_FILE; round++) {
                byte[] mutated = original.clone();
                String what = mutate(mutated, vrOffsets, random);
                Path file = Files.write(dir.resolve("m.dcm"), mutated);
                try {
                    DicomFiles.verifyComplete(file);
                } catch (DicomFileException e) {
                    refused++;
                    continue;
                }
                accepted++;
                try {
                    DicomFiles.openVerified(file);
                } catch (DicomFileException e) {
                    disagreements.add(name + " " + what + ": " + e.getMessage());
                }
            }
        }
        assertTrue(refused > 1000 && accepted > 500, "the mutations exercise both sides: " + refused + " refused, "
                + accepted + " accepted");
        assertEquals(0, disagreements.size(), disagreements.size() + " of " + accepted + " accepted objects unreadable, "
                + "for example " + disagreements.subList(0, Math.min(10, disagreements.size())));
    }

    /** Where the data set's explicit VR codes are: two capitals of a defined VR after a 4-byte tag. */
    private static List<Integer> vrOffsets(byte[] file) {
        List<Integer> offsets = new ArrayList<>();
        int end = Math.min(file.length - 2, 64 * 1024);
        for (int i = 136; i < end; i++) {
            int code = (file[i] & 0xFF) << 8 | (file[i + 1] & 0xFF);
            if (VrCodes.isDefined(code)) {
                offsets.add(i);
            }
        }
        return offsets;
    }

    private static String mutate(byte[] file, List<Integer> vrOffsets, Random random) {
        int headerEnd = Math.min(file.length, 4096);
        switch (random.nextInt(4)) {
            case 0 -> {
                if (vrOffsets.isEmpty()) {
                    return mutateBytes(file, headerEnd, random);
                }
                int at = vrOffsets.get(random.nextInt(vrOffsets.size()));
                file[at] = (byte) random.nextInt(256);
                file[at + 1] = (byte) random.nextInt(256);
                return "VR at " + at + " -> random bytes";
            }
            case 1 -> {
                if (vrOffsets.isEmpty()) {
                    return mutateBytes(file, headerEnd, random);
                }
                int at = vrOffsets.get(random.nextInt(vrOffsets.size()));
                String[] codes = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD",
                    "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN",
                    "UR", "US", "UT", "UV"};
                String code = codes[random.nextInt(codes.length)];
                file[at] = (byte) code.charAt(0);
                file[at + 1] = (byte) code.charAt(1);
                return "VR at " + at + " -> " + code;
            }
            case 2 -> {
                if (vrOffsets.isEmpty()) {
                    return mutateBytes(file, headerEnd, random);
                }
                int at = vrOffsets.get(random.nextInt(vrOffsets.size())) + 2;
                int delta = random.nextInt(17) - 8;
                file[at] = (byte) (file[at] + (delta == 0 ? 1 : delta));
                return "length after VR at " + (at - 2) + " by " + delta;
            }
            default -> {
                return mutateBytes(file, headerEnd, random);
            }
        }
    }

    private static String mutateBytes(byte[] file, int headerEnd, Random random) {
        StringBuilder what = new StringBuilder("bytes");
        for (int n = 1 + random.nextInt(3); n > 0; n--) {
            int at = 132 + random.nextInt(headerEnd - 132);
            file[at] = (byte) random.nextInt(256);
            what.append(' ').append(at);
        }
        return what.toString();
    }
}
