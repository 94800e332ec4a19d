package org.deidgateway.receive;

import org.deidgateway.tls.ListenerTls;

import java.time.Duration;
import java.util.Set;

/**
 * How the receiver listens and what it allows. {@code artim} bounds the silence of a new
 * connection before its association request (and the TLS handshake before it, and the wait for the
 * close after release); {@code idle} the silence inside an association. {@code maxWaitingConnections}
 * bounds the new connections that have sent nothing yet: they wait outside the
 * {@code maxAssociations} workers. An empty allow-list admits every calling AE title;
 * {@code tls} null: plain TCP.
 */
public record ReceiverSettings(String aeTitle, String bindAddress, int port, int maxAssociations,
                               int maxWaitingConnections, Duration artim, Duration idle, int maxPduLength,
                               Set<String> allowedCallingAeTitles, Set<String> projectAeTitles,
                               SourceAddressFilter allowedSources, ListenerTls tls) {

    public ReceiverSettings {
        allowedSources = allowedSources == null ? SourceAddressFilter.ANY : allowedSources;
    }

    public ReceiverSettings(String aeTitle, String bindAddress, int port, int maxAssociations, Duration artim, Duration idle,
                            int maxPduLength, Set<String> allowedCallingAeTitles) {
        this(aeTitle, bindAddress, port, maxAssociations, artim, idle, maxPduLength, allowedCallingAeTitles, Set.of());
    }

    public ReceiverSettings(String aeTitle, String bindAddress, int port, int maxAssociations, Duration artim, Duration idle,
                            int maxPduLength, Set<String> allowedCallingAeTitles, Set<String> projectAeTitles) {
        this(aeTitle, bindAddress, port, maxAssociations, DEFAULT_MAX_WAITING_CONNECTIONS, artim, idle, maxPduLength,
                allowedCallingAeTitles, projectAeTitles, null, null);
    }

    public ReceiverSettings(String aeTitle, String bindAddress, int port, int maxAssociations, int maxWaitingConnections,
                            Duration artim, Duration idle, int maxPduLength, Set<String> allowedCallingAeTitles,
                            Set<String> projectAeTitles) {
        this(aeTitle, bindAddress, port, maxAssociations, maxWaitingConnections, artim, idle, maxPduLength,
                allowedCallingAeTitles, projectAeTitles, null, null);
    }

    public ReceiverSettings(String aeTitle, String bindAddress, int port, int maxAssociations, Duration artim, Duration idle,
                            int maxPduLength, Set<String> allowedCallingAeTitles, Set<String> projectAeTitles,
                            SourceAddressFilter allowedSources, ListenerTls tls) {
        this(aeTitle, bindAddress, port, maxAssociations, DEFAULT_MAX_WAITING_CONNECTIONS, artim, idle, maxPduLength,
                allowedCallingAeTitles, projectAeTitles, allowedSources, tls);
    }

    /** Whether an association request may call this AE title: the gateway's own, or a project's. */
    public boolean answersTo(String calledAeTitle) {
        return aeTitle.equals(calledAeTitle) || projectAeTitles.contains(calledAeTitle);
    }

    /** The same settings with another bound on silent new connections. */
    public ReceiverSettings withMaxWaitingConnections(int value) {
        return new ReceiverSettings(aeTitle, bindAddress, port, maxAssociations, value, artim, idle, maxPduLength,
                allowedCallingAeTitles, projectAeTitles, allowedSources, tls);
    }

    public ReceiverSettings withAllowedSources(SourceAddressFilter filter) {
        return new ReceiverSettings(aeTitle, bindAddress, port, maxAssociations, maxWaitingConnections, artim, idle,
                maxPduLength, allowedCallingAeTitles, projectAeTitles, filter, tls);
    }

    public ReceiverSettings withTls(ListenerTls listenerTls) {
        return new ReceiverSettings(aeTitle, bindAddress, port, maxAssociations, maxWaitingConnections, artim, idle,
                maxPduLength, allowedCallingAeTitles, projectAeTitles, allowedSources, listenerTls);
    }

    public static final String DEFAULT_AE_TITLE = "DEIDGW";
    public static final int DEFAULT_PORT = 11112;
    public static final int DEFAULT_MAX_WAITING_CONNECTIONS = 1000;
    /** Largest PDU body we accept and announce: 256 KiB, the size dcmtk and Orthanc send well with. */
    public static final int DEFAULT_MAX_PDU_LENGTH = 256 * 1024;

    public static ReceiverSettings defaults(String bindAddress, int port) {
        return new ReceiverSettings(DEFAULT_AE_TITLE, bindAddress, port, 50, DEFAULT_MAX_WAITING_CONNECTIONS,
                Duration.ofSeconds(30), Duration.ofMinutes(5), DEFAULT_MAX_PDU_LENGTH, Set.of(), Set.of());
    }
}
