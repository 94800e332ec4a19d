package org.deidgateway.dicom;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What the spool writes into the 128-byte Part 10 preamble (PS3.10 7.1 leaves its content to the
 * application) so that a spool file can be reused in place: its blocks stay allocated and written
 * from one object to the next, and an fdatasync over them then commits no file system journal.
 * Such a file is longer than its object whenever an earlier object was longer; the preamble says
 * where the object ends, and a CRC-32C over the object and the preamble's own fields says whether
 * what lies there is the object committed under this file's name.
 * <p>
 * Three kinds of preamble: {@link Kind#WRITING} (put there before the first byte of an object, so
 * that a file cut by a crash is never taken for a complete one), {@link Kind#COMMITTED} (written
 * just before the object's fsync), and anything else ({@link Kind#NONE}: zeros, or another
 * writer's), for which the object is the whole file. Readers bound every read by
 * {@link #objectLength}; only the start-up check, which must tell a complete object from a cut or
 * stale one, pays for {@link #verify}.
 */
public final class SpoolPreamble {

    public static final int LENGTH = 128;
    private static final byte[] WRITING_MAGIC = "DEID-SPOOL-WIP-1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] COMMITTED_MAGIC = "DEID-SPOOL-OBJ-1".getBytes(StandardCharsets.US_ASCII);
    private static final int LENGTH_AT = 16;
    private static final int CRC_AT = 24;
    private static final int NAME_AT = 32;
    private static final int NAME_LENGTH = LENGTH - NAME_AT;

    public enum Kind { NONE, WRITING, COMMITTED }

    /** A preamble read back; {@code objectLength} and {@code name} only for {@link Kind#COMMITTED}. */
    public record State(Kind kind, long objectLength, int crc, String name) {
    }

    private SpoolPreamble() {
    }

    /** The preamble of a file an object is being written into. */
    public static byte[] writing() {
        byte[] preamble = new byte[LENGTH];
        System.arraycopy(WRITING_MAGIC, 0, preamble, 0, WRITING_MAGIC.length);
        return preamble;
    }

    /**
     * The preamble of a complete object of {@code objectLength} bytes (preamble included) whose
     * bytes after the preamble have the running checksum {@code content}; {@code fileName} is the
     * name it is committed under.
     */
    public static byte[] committed(long objectLength, CRC32C content, String fileName) {
        byte[] name = fileName.getBytes(StandardCharsets.US_ASCII);
        if (name.length > NAME_LENGTH) {
            throw new IllegalArgumentException("spool file name longer than " + NAME_LENGTH + " bytes");
        }
        ByteBuffer preamble = ByteBuffer.allocate(LENGTH);
        preamble.put(COMMITTED_MAGIC).putLong(LENGTH_AT, objectLength);
        preamble.position(NAME_AT);
        preamble.put(name);
        byte[] bytes = preamble.array();
        preamble.putInt(CRC_AT, seal(content, bytes));
        return bytes;
    }

    /** The content checksum finished with the preamble's fields (magic, length, name), so a changed length breaks it too. */
    private static int seal(CRC32C content, byte[] preamble) {
        content.update(preamble, 0, CRC_AT);
        content.update(preamble, NAME_AT, NAME_LENGTH);
        return (int) content.getValue();
    }

    public static State parse(byte[] head) {
        if (head.length < LENGTH) {
            return new State(Kind.NONE, -1, 0, "");
        }
        if (Arrays.equals(head, 0, WRITING_MAGIC.length, WRITING_MAGIC, 0, WRITING_MAGIC.length)) {
            return new State(Kind.WRITING, -1, 0, "");
        }
        if (!Arrays.equals(head, 0, COMMITTED_MAGIC.length, COMMITTED_MAGIC, 0, COMMITTED_MAGIC.length)) {
            return new State(Kind.NONE, -1, 0, "");
        }
        ByteBuffer b = ByteBuffer.wrap(head);
        int end = NAME_AT;
        while (end < LENGTH && head[end] != 0) {
            end++;
        }
        return new State(Kind.COMMITTED, b.getLong(LENGTH_AT), b.getInt(CRC_AT),
                new String(head, NAME_AT, end - NAME_AT, StandardCharsets.US_ASCII));
    }

    /** The preamble of a file, or {@link Kind#NONE} for a file shorter than one. */
    public static State read(Path file) throws IOException, DicomFileException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel);
        } catch (NoSuchFileException e) {
            throw new DicomFileException("no such file");
        }
    }

    private static State read(FileChannel channel) throws IOException {
        return parse(head(channel));
    }

    /** The first {@value #LENGTH} bytes, fewer for a shorter file (which {@link #parse} takes for no preamble). */
    private static byte[] head(FileChannel channel) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(LENGTH);
        while (head.hasRemaining() && channel.read(head, head.position()) >= 0) {
            // until full or the end of the file
        }
        return java.util.Arrays.copyOf(head.array(), head.position());
    }

    /**
     * Where the object in a file ends: the committed length, or the file's size for a file without
     * a spool preamble. A file still being written (or cut while it was), or whose committed length
     * does not fit in it, holds no readable object.
     */
    public static long objectLength(Path file, long fileSize) throws IOException, DicomFileException {
        if (fileSize < LENGTH) {
            return fileSize;
        }
        State state = read(file);
        return switch (state.kind()) {
            case NONE -> fileSize;
            case WRITING -> throw new DicomFileException("incomplete: cut while it was being received");
            case COMMITTED -> {
                if (state.objectLength() < LENGTH + 4 || state.objectLength() > fileSize) {
                    throw new DicomFileException("damaged: its spool preamble gives a length the file does not hold");
                }
                yield state.objectLength();
            }
        };
    }

    /**
     * Makes a spool file an ordinary Part 10 file before it leaves the spool (into the quarantine,
     * where people and other tools read it): cut to its object, the preamble zeros again.
     */
    public static void detach(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            State state = read(channel);
            // a file still marked as being written stays so: it holds no complete object to read
            if (state.kind() != Kind.COMMITTED || state.objectLength() > channel.size()) {
                return;
            }
            channel.truncate(state.objectLength());
            ByteBuffer zeros = ByteBuffer.allocate(LENGTH);
            while (zeros.hasRemaining()) {
                channel.write(zeros, zeros.position());
            }
        }
    }

    /**
     * The start-up check of a committed spool file: committed under this very name (a reused file
     * still carries the preamble of the object it held under its former name until a new one is
     * committed) and the checksum over its length matches. Returns the object's length.
     */
    public static long verify(Path file) throws IOException, DicomFileException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            byte[] head = head(channel);
            State state = parse(head);
            if (state.kind() != Kind.COMMITTED) {
                throw new DicomFileException("incomplete: no committed spool preamble");
            }
            if (!state.name().equals(file.getFileName().toString())) {
                throw new DicomFileException("stale: its preamble names another file (a reused file never committed)");
            }
            long length = state.objectLength();
            if (length < LENGTH + 4 || length > channel.size()) {
                throw new DicomFileException("damaged: its spool preamble gives a length the file does not hold");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer buffer = ByteBuffer.allocateDirect(256 * 1024);
            long at = LENGTH;
            while (at < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - at));
                int n = channel.read(buffer, at);
                if (n < 0) {
                    throw new DicomFileException("damaged: the file ends before its object");
                }
                buffer.flip();
                crc.update(buffer);
                at += n;
            }
            if (seal(crc, head) != state.crc()) {
                throw new DicomFileException("damaged: its checksum does not match (cut or mixed with an earlier object)");
            }
            return length;
        } catch (NoSuchFileException e) {
            throw new DicomFileException("no such file");
        }
    }
}
