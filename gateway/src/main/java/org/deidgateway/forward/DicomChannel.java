package org.deidgateway.forward;

import java.nio.file.Path;

/**
 * A DICOM peer as destination: C-STORE over one association kept open between objects; after a
 * failure the association is dropped and the next attempt opens a new one.
 */
public final class DicomChannel implements DeliveryChannel {

    private final Destination destination;
    private DicomStoreClient client;

    public DicomChannel(Destination destination) {
        this.destination = destination;
    }

    /** Parses {@code AE@HOST:PORT} (the configuration has checked its form). */
    public static Destination parse(String aeAtHostPort, String callingAeTitle) {
        int at = aeAtHostPort.indexOf('@');
        int colon = aeAtHostPort.lastIndexOf(':');
        if (at < 1 || colon < at) {
            throw new IllegalArgumentException("'" + aeAtHostPort + "' is not AE@HOST:PORT");
        }
        return new Destination(aeAtHostPort.substring(at + 1, colon), Integer.parseInt(aeAtHostPort.substring(colon + 1)),
                aeAtHostPort.substring(0, at), callingAeTitle, java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60));
    }

    @Override
    public void deliver(Path file, String relativePath) throws DeliveryException {
        if (client == null) {
            client = new DicomStoreClient(destination);
        }
        try {
            StoreStatus status = storeOnce(file);
            if (!status.stored()) {
                String message = String.format("%s refused the object: status 0x%04X %s", destination.calledAeTitle(),
                        status.code(), status.errorComment());
                throw new DeliveryException(message, status.permanent());
            }
        } catch (ForwardException e) {
            close();
            // a rejected association would dead-letter every object for a wrong AE title: keep them and retry
            throw new DeliveryException(e.getMessage(), e.permanent() && !e.refusesAssociation());
        }
    }

    /**
     * One store; if it failed on an association kept from earlier objects (the peer restarted or
     * dropped an idle connection in the meantime, which shows only when sending), once more at once
     * on a new association rather than after the destination's back-off.
     */
    private StoreStatus storeOnce(Path file) throws ForwardException {
        int opened = client.associationsOpened();
        try {
            return client.store(file);
        } catch (ForwardException e) {
            boolean onKeptAssociation = opened > 0 && client.associationsOpened() == opened;
            if (e.permanent() || !onKeptAssociation) {
                throw e;
            }
            close();
            client = new DicomStoreClient(destination);
            return client.store(file);
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
