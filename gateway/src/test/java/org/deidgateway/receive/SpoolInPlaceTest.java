package org.deidgateway.receive;

import org.deidgateway.testsupport.TestDatabases;
import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFileException;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.SpoolPreamble;
import org.deidgateway.store.Database;
import org.deidgateway.store.FileRecycler;
import org.deidgateway.testsupport.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spool files reused in place keep an earlier, longer object's bytes after the new object. These
 * tests put a real CT there, write a smaller MR over it, and show that every reader stops where the
 * MR ends, and that the start-up check refuses the file whenever its preamble's length, checksum or
 * name is broken on purpose, rather than reading the CT's bytes as part of the MR.
 */
class SpoolInPlaceTest {

    private static final String EXPLICIT_LE = "1.2.840.10008.1.2.1";
    private static final String CT_CLASS = "1.2.840.10008.5.1.4.1.1.2";
    private static final String MR_CLASS = "1.2.840.10008.5.1.4.1.1.4";

    @TempDir
    Path dir;

    @Test
    void aSmallerObjectInAReusedFileIsReadToItsEndAndNeverIntoTheOldObjectsBytes() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        Path mr = TestData.pydicom("MR_small.dcm");
        try (Database db = TestDatabases.open(dir.resolve("deid.db"));
             FileRecycler recycler = FileRecycler.forFolders(Set.of(spoolFolder), spoolFolder)) {
            Spool spool = new Spool(spoolFolder, recycler);
            MrOverCt written = mrOverCt(spool, recycler);
            Path reused = written.file();
            byte[] oldBytes = written.ctBytes();
            long oldLength = oldBytes.length;
            long mrLength = DicomFiles.sizeOf(reused);
            assertEquals(oldLength, Files.size(reused), "the file kept its length, and so its blocks");
            assertTrue(mrLength < oldLength, mrLength + " against " + oldLength);
            byte[] now = Files.readAllBytes(reused);
            assertArrayEquals(Arrays.copyOfRange(oldBytes, (int) mrLength, (int) oldLength),
                    Arrays.copyOfRange(now, (int) mrLength, (int) oldLength), "the CT's bytes are still there after the MR");

            // every reader stops at the MR's end: same elements as the MR sent, nothing of the CT
            AttributeList expected = DicomFiles.read(mr).dataset();
            long pixelBytes = expected.get(TagFromName.PixelData).getVL();
            for (org.deidgateway.dicom.DicomObject object : new org.deidgateway.dicom.DicomObject[] {
                    DicomFiles.read(reused), DicomFiles.openVerified(reused), DicomFiles.open(reused)}) {
                AttributeList got = object.dataset();
                Set<AttributeTag> gotTags = tags(got);
                if (object.pixels() != null) {
                    // left on disk: found where the MR's pixel data lie, as long as the MR's
                    assertEquals(pixelBytes, object.pixels().valueLength());
                    gotTags.add(TagFromName.PixelData);
                }
                assertEquals(tags(expected), gotTags);
                assertEquals(Attribute.getSingleStringValueOrEmptyString(expected, TagFromName.SOPInstanceUID),
                        Attribute.getSingleStringValueOrEmptyString(got, TagFromName.SOPInstanceUID));
            }
            assertEquals(MR_CLASS, DicomFiles.verifyComplete(reused).sopClassUid());
            assertEquals(mrLength, SpoolPreamble.verify(reused));

            // the start-up check: the MR is recorded again, the unused reservations (empty) go
            IntakeLog intake = new IntakeLog(db);
            IntakeLog.Recovery recovery = intake.recover(spoolFolder, "DEIDGW");
            assertEquals(1, recovery.recorded(), recovery.toString() + " " + java.util.Arrays.toString(spoolFolder.toFile().list()));
            assertTrue(Files.exists(reused));
        }
    }

    @Test
    void aBrokenLengthChecksumOrNameIsRefusedAtStartInsteadOfReadingTheOldObject() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        try (Database db = TestDatabases.open(dir.resolve("deid.db"));
             FileRecycler recycler = FileRecycler.forFolders(Set.of(spoolFolder), spoolFolder)) {
            Spool spool = new Spool(spoolFolder, recycler);
            IntakeLog intake = new IntakeLog(db);
            for (String breakage : new String[] {"length", "content", "name", "writing"}) {
                MrOverCt written = mrOverCt(spool, recycler);
                Path file = written.file();
                long oldLength = written.ctBytes().length;
                long mrLength = DicomFiles.sizeOf(file);
                switch (breakage) {
                    // the length now takes in the CT's tail: the checksum no longer matches
                    case "length" -> putLong(file, 16, oldLength);
                    // one byte of the MR's pixel data as a crash could leave it, mixed with an older object
                    case "content" -> flip(file, mrLength - 10);
                    // a reused file still carrying the preamble it was committed with under its former name
                    case "name" -> {
                        Path renamed = file.resolveSibling("renamed-" + breakage + ".dcm");
                        Files.move(file, renamed);
                        file = renamed;
                    }
                    // cut while it was arriving
                    case "writing" -> write(file, 0, SpoolPreamble.writing());
                    default -> throw new IllegalStateException(breakage);
                }
                Path broken = file;
                assertThrows(DicomFileException.class, () -> SpoolPreamble.verify(broken), breakage);
                IntakeLog.Recovery recovery = intake.recover(spoolFolder, "DEIDGW");
                assertEquals(0, recovery.recorded(), breakage);
                assertFalse(Files.exists(broken), breakage + ": deleted as incomplete");
            }
        }
    }

    @Test
    void aCommittedLengthBeyondTheFileIsRefusedByEveryReader() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        try (FileRecycler recycler = FileRecycler.forFolders(Set.of(spoolFolder), spoolFolder)) {
            Spool spool = new Spool(spoolFolder, recycler);
            Path file = receive(spool, TestData.pydicom("MR_small.dcm"), MR_CLASS);
            putLong(file, 16, Files.size(file) + 1);
            assertThrows(DicomFileException.class, () -> DicomFiles.read(file));
            assertThrows(DicomFileException.class, () -> DicomFiles.openVerified(file));
            assertThrows(DicomFileException.class, () -> DicomFiles.verifyComplete(file));
        }
    }

    @Test
    void aFileLeavingTheSpoolForTheQuarantineIsCutToItsObjectAndAnOrdinaryPart10File() throws Exception {
        Path spoolFolder = dir.resolve("spool");
        try (FileRecycler recycler = FileRecycler.forFolders(Set.of(spoolFolder), spoolFolder)) {
            Spool spool = new Spool(spoolFolder, recycler);
            Path file = mrOverCt(spool, recycler).file();
            long length = DicomFiles.sizeOf(file);
            SpoolPreamble.detach(file);
            assertEquals(length, Files.size(file));
            assertEquals(SpoolPreamble.Kind.NONE, SpoolPreamble.read(file).kind());
            // dcmdump, which knows nothing of our preamble, reads it to its end without complaint
            Process dump = new ProcessBuilder("dcmdump", "-q", file.toString()).redirectErrorStream(true).start();
            String out = new String(dump.getInputStream().readAllBytes());
            assertEquals(0, dump.waitFor(), out);
            assertTrue(out.contains("MRImageStorage"), out);
        }
    }

    /** The MR's file, and the bytes of the CT the file held before it. */
    private record MrOverCt(Path file, byte[] ctBytes) {
    }

    /**
     * Receives a CT, hands its file back, and receives the smaller MR: the next batch of
     * reservations starts with the handed-back file, so the MR goes into the CT's blocks.
     */
    private static MrOverCt mrOverCt(Spool spool, FileRecycler recycler) throws Exception {
        Path ct = receive(spool, TestData.pydicom("CT_small.dcm"), CT_CLASS);
        byte[] ctBytes = Files.readAllBytes(ct);
        recycler.retire(ct);
        spool.releaseReserved();
        return new MrOverCt(receive(spool, TestData.pydicom("MR_small.dcm"), MR_CLASS), ctBytes);
    }

    /** Sends a Part 10 file's data set through the spool as the receiver does, and commits it. */
    private static Path receive(Spool spool, Path part10, String sopClass) throws Exception {
        byte[] bytes = Files.readAllBytes(part10);
        int metaLength = ByteBuffer.wrap(bytes, 140, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int dataSetStart = 144 + metaLength;
        String instance = Attribute.getSingleStringValueOrEmptyString(DicomFiles.read(part10).dataset(),
                TagFromName.SOPInstanceUID);
        Spool.Incoming incoming = spool.begin(FileMetaHeader.encode(sopClass, instance, EXPLICIT_LE, "PACS1", "DEIDGW"));
        for (int at = dataSetStart; at < bytes.length; at += 4096) {
            incoming.write(bytes, at, Math.min(4096, bytes.length - at));
        }
        incoming.flush();
        assertEquals(instance, DicomFiles.verifyComplete(incoming.file(), incoming.objectLength()).sopInstanceUid());
        return incoming.commit();
    }

    private static Set<AttributeTag> tags(AttributeList list) {
        return new TreeSet<>(list.keySet());
    }

    private static void putLong(Path file, long at, long value) throws Exception {
        write(file, at, ByteBuffer.allocate(8).putLong(value).array());
    }

    private static void flip(Path file, long at) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x5A)).rewind();
            channel.write(one, at);
        }
    }

    private static void write(Path file, long at, byte[] bytes) throws Exception {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), at);
        }
    }
}
