package org.deidgateway.forward;

import org.deidgateway.net.AssociateAccept;
import org.deidgateway.net.AssociateReject;
import org.deidgateway.net.AssociateRequest;
import org.deidgateway.net.AssociateRequest.ProposedContext;
import org.deidgateway.net.AssociateRequestEncoder;
import org.deidgateway.net.PDataWriter;
import org.deidgateway.net.Pdu;
import org.deidgateway.net.PduEncoder;
import org.deidgateway.net.PduEncoder.AcceptedContext;
import org.deidgateway.net.PresentationDataValue;
import org.deidgateway.net.ProtocolException;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client-side PDUs, checked against the project's own parsers and by hand. */
class UpperLayerEncodingTest {

    private static final List<ProposedContext> CONTEXTS = List.of(
            new ProposedContext(1, "1.2.840.10008.1.1", List.of("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")),
            new ProposedContext(3, "1.2.840.10008.5.1.4.1.1.2", List.of("1.2.840.10008.1.2.4.91")));

    @Test
    void anAssociationRequestParsesBackToWhatWasProposed() throws Exception {
        byte[] pdu = AssociateRequestEncoder.encode("STORESCP", "DEIDGW", CONTEXTS, 262144);
        assertEquals(Pdu.ASSOCIATE_RQ, pdu[0]);
        Pdu read = Pdu.read(new ByteArrayInputStream(pdu), 1 << 16);
        AssociateRequest request = AssociateRequest.parse(read.body());
        assertEquals("STORESCP", request.calledAeTitle());
        assertEquals("DEIDGW", request.callingAeTitle());
        assertEquals(AssociateRequest.DICOM_APPLICATION_CONTEXT, request.applicationContext());
        assertEquals(CONTEXTS, request.contexts());
        assertEquals(262144, request.peerMaxPduLength());
        assertEquals("1.2.826.0.1.3680043.10.1329.1", request.implementationClassUid());
        assertEquals("DEIDGW_010", request.implementationVersionName());
        // AE titles are space-padded to 16 bytes at fixed offsets
        assertEquals("STORESCP        ", new String(pdu, 10, 16, java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void anAssociationRequestRefusesWhatAPeerCouldOnlyAbortOn() {
        assertThrows(IllegalArgumentException.class, () -> AssociateRequestEncoder.encode("A_TITLE_LONGER_THAN_16", "DEIDGW", CONTEXTS, 0));
        assertThrows(IllegalArgumentException.class, () -> AssociateRequestEncoder.encode("BACK\\SLASH", "DEIDGW", CONTEXTS, 0));
        assertThrows(IllegalArgumentException.class, () -> AssociateRequestEncoder.encode("X", "DEIDGW",
                List.of(new ProposedContext(2, "1.2.840.10008.1.1", List.of("1.2.840.10008.1.2"))), 0));
        assertThrows(IllegalArgumentException.class, () -> AssociateRequestEncoder.encode("X", "DEIDGW",
                List.of(new ProposedContext(1, "not a uid", List.of("1.2.840.10008.1.2"))), 0));
    }

    @Test
    void anAcceptParsesTheResultOfEveryContextAndThePeerLimit() throws Exception {
        AssociateRequest request = AssociateRequest.parse(
                Pdu.read(new ByteArrayInputStream(AssociateRequestEncoder.encode("STORESCP", "DEIDGW", CONTEXTS, 0)), 1 << 16).body());
        byte[] ac = PduEncoder.associateAccept(request, List.of(new AcceptedContext(1, 0, "1.2.840.10008.1.2"),
                new AcceptedContext(3, AcceptedContext.TRANSFER_SYNTAXES_NOT_SUPPORTED, null)), 16384, "1.2.3", "PEER_1");
        AssociateAccept accept = AssociateAccept.parse(Arrays.copyOfRange(ac, 6, ac.length));
        assertEquals(16384, accept.peerMaxPduLength());
        assertEquals("1.2.3", accept.implementationClassUid());
        assertEquals("PEER_1", accept.implementationVersionName());
        assertEquals(new AcceptedContext(1, 0, "1.2.840.10008.1.2"), accept.context(1));
        assertEquals(AcceptedContext.TRANSFER_SYNTAXES_NOT_SUPPORTED, accept.context(3).result());
        assertNull(accept.context(3).transferSyntax());
        assertNull(accept.context(5));
        // a truncated accept is a protocol error, not an exception from deep inside
        assertThrows(ProtocolException.class, () -> AssociateAccept.parse(Arrays.copyOfRange(ac, 6, ac.length - 3)));
    }

    @Test
    void aRejectSaysWhetherToTryAgainAndWhy() throws Exception {
        AssociateReject calledAe = AssociateReject.parse(Arrays.copyOfRange(PduEncoder.associateReject(1, 1, 7), 6, 10));
        assertTrue(calledAe.permanent());
        assertEquals("rejected permanently by the called application: called AE title not recognized", calledAe.describe());
        AssociateReject busy = AssociateReject.parse(Arrays.copyOfRange(PduEncoder.associateReject(2, 3, 2), 6, 10));
        assertFalse(busy.permanent());
        assertEquals("rejected for now by the peer's presentation layer: local limit exceeded", busy.describe());
    }

    @Test
    void aDataSetIsSplitIntoPdusNoLargerThanThePeerTakesAndTheLastIsFlagged() throws Exception {
        byte[] data = new byte[10_001];
        new Random(7).nextBytes(data);
        for (int max : new int[] {4096, 1000, 10_007, 10_008, 1 << 20}) {
            ByteArrayOutputStream wire = new ByteArrayOutputStream();
            PDataWriter writer = new PDataWriter(wire, Math.min(max, 256 * 1024));
            writer.append(5, false, new ByteArrayInputStream(data));
            writer.flush();
            ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
            ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
            boolean last = false;
            Pdu pdu;
            while ((pdu = Pdu.read(in, 1 << 30)) != null) {
                assertFalse(last, "nothing after the last fragment");
                assertEquals(Pdu.P_DATA_TF, pdu.type());
                assertTrue(pdu.body().length <= max, "PDU of " + pdu.body().length + " with a limit of " + max);
                List<PresentationDataValue> pdvs = PresentationDataValue.split(pdu.body());
                assertEquals(1, pdvs.size());
                PresentationDataValue pdv = pdvs.get(0);
                assertEquals(5, pdv.contextId());
                assertFalse(pdv.command());
                last = pdv.last();
                reassembled.write(pdu.body(), pdv.offset(), pdv.length());
            }
            assertTrue(last, "the final fragment is flagged last (limit " + max + ")");
            assertArrayEquals(data, reassembled.toByteArray());
        }
    }

    @Test
    void smallPdusAreGatheredIntoFewWritesEachHoldingWholePdus() throws Exception {
        byte[] data = new byte[525_000];
        new Random(11).nextBytes(data);
        CountedWrites wire = new CountedWrites();
        List<Integer> writes = wire.lengths;
        PDataWriter writer = new PDataWriter(wire, 16384);
        writer.append(3, false, new ByteArrayInputStream(data));
        writer.flush();
        int pdus = (data.length + 16377) / 16378;
        assertEquals(33, pdus);
        // 4 PDUs of 16 KiB fit in each 64 KiB write: 9 writes, not 33
        assertEquals((pdus + 3) / 4, writes.size(), "writes " + writes);
        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        ByteArrayOutputStream reassembled = new ByteArrayOutputStream();
        int offset = 0;
        for (int length : writes) {
            // every write ends on a PDU boundary: a partial PDU is never left waiting in the socket
            int end = offset + length;
            while (in.available() > wire.size() - end) {
                Pdu pdu = Pdu.read(in, 1 << 20);
                PresentationDataValue pdv = PresentationDataValue.split(pdu.body()).get(0);
                assertTrue(pdu.body().length <= 16384);
                assertEquals(pdv.last(), end == wire.size() && in.available() == 0);
                reassembled.write(pdu.body(), pdv.offset(), pdv.length());
            }
            assertEquals(wire.size() - end, in.available(), "write of " + length + " bytes cut a PDU");
            offset = end;
        }
        assertArrayEquals(data, reassembled.toByteArray());
    }

    @Test
    void aCommandAppendedBeforeItsDataSetGoesOutInTheSameWrite() throws Exception {
        CountedWrites wire = new CountedWrites();
        List<Integer> writes = wire.lengths;
        PDataWriter writer = new PDataWriter(wire, 16384);
        writer.append(1, true, new byte[200]);
        assertEquals(0, wire.size(), "nothing written before the flush");
        writer.append(1, false, new ByteArrayInputStream(new byte[1000]));
        writer.flush();
        assertEquals(List.of(12 + 200 + 12 + 1000), writes);
        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        PresentationDataValue command = PresentationDataValue.split(Pdu.read(in, 1 << 20).body()).get(0);
        PresentationDataValue dataSet = PresentationDataValue.split(Pdu.read(in, 1 << 20).body()).get(0);
        assertTrue(command.command() && command.last());
        assertTrue(!dataSet.command() && dataSet.last());
        assertEquals(1000, dataSet.length());
    }

    @Test
    void aMessageCutShortByItsSourceLeavesNothingAheadOfTheNextOne() throws Exception {
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        PDataWriter writer = new PDataWriter(wire, 16384);
        writer.append(1, true, new byte[100]);
        java.io.InputStream failing = new java.io.InputStream() {
            private int left = 5000;

            @Override
            public int read() throws java.io.IOException {
                if (left-- <= 0) {
                    throw new java.io.IOException("disk error");
                }
                return 7;
            }
        };
        assertThrows(java.io.IOException.class, () -> writer.append(1, false, failing));
        assertEquals(0, wire.size(), "the cut message stayed in the buffer");
        writer.append(3, true, new byte[] {1, 2});
        writer.flush();
        Pdu only = Pdu.read(new ByteArrayInputStream(wire.toByteArray()), 1 << 20);
        assertEquals(3, PresentationDataValue.split(only.body()).get(0).contextId());
        assertEquals(12 + 2, wire.size(), "only the new message was written");
    }

    @Test
    void pDataBodiesAreReadIntoOneBufferAndOnlyTheirOwnLengthCounts() throws Exception {
        byte[] large = new byte[3000];
        new Random(3).nextBytes(large);
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.write(PduEncoder.pData(1, false, false, large, 0, large.length));
        wire.write(PduEncoder.pData(1, false, true, new byte[] {1, 2, 3}, 0, 3));
        // a PDV whose length points past its own PDU, into what the buffer still holds of the one before
        wire.write(new byte[] {Pdu.P_DATA_TF, 0, 0, 0, 0, 8, 0, 0, 0, 100, 1, 2, 9, 9});
        wire.write(PduEncoder.pData(1, false, true, new byte[8000], 0, 8000));
        wire.write(PduEncoder.releaseResponse());
        ByteArrayInputStream in = new ByteArrayInputStream(wire.toByteArray());
        byte[] buffer = new byte[4096];

        Pdu first = Pdu.read(in, 1 << 20, buffer);
        assertSame(buffer, first.body(), "read into the buffer given");
        assertEquals(large.length + 6, first.length());
        PresentationDataValue pdv = PresentationDataValue.split(first.body(), first.length()).get(0);
        assertArrayEquals(large, Arrays.copyOfRange(first.body(), pdv.offset(), pdv.offset() + pdv.length()));

        Pdu second = Pdu.read(in, 1 << 20, buffer);
        assertSame(buffer, second.body());
        List<PresentationDataValue> pdvs = PresentationDataValue.split(second.body(), second.length());
        assertEquals(1, pdvs.size(), "the stale bytes after the PDU are not read as PDVs");
        assertEquals(3, pdvs.get(0).length());
        assertTrue(pdvs.get(0).last());

        Pdu forged = Pdu.read(in, 1 << 20, buffer);
        assertThrows(ProtocolException.class, () -> PresentationDataValue.split(forged.body(), forged.length()));

        Pdu larger = Pdu.read(in, 1 << 20, buffer);
        assertNotSame(buffer, larger.body(), "a PDU larger than the buffer gets its own body");
        assertEquals(8006, larger.body().length);
        Pdu release = Pdu.read(in, 1 << 20, buffer);
        assertEquals(Pdu.RELEASE_RP, release.type());
        assertEquals(release.body().length, release.length());
        assertNull(Pdu.read(in, 1 << 20, buffer));
    }

    /** What a socket would see: the length of every write. */
    private static final class CountedWrites extends ByteArrayOutputStream {
        final List<Integer> lengths = new java.util.ArrayList<>();

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            lengths.add(len);
            super.write(b, off, len);
        }
    }
}
