package org.deidgateway.tls;

import javax.security.auth.x500.X500Principal;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;

/**
 * What an operator needs to recognise a certificate: subject, issuer, validity, the names it is
 * valid for, and its SHA-256 fingerprint written as {@code openssl x509 -fingerprint -sha256}
 * prints it, so the two can be compared by eye.
 */
public record CertificateSummary(String subject, String issuer, Instant notBefore, Instant notAfter,
                                 List<String> subjectAlternativeNames, String sha256) {

    private static final int SAN_DNS = 2;
    private static final int SAN_IP = 7;

    public static CertificateSummary of(X509Certificate certificate) {
        return new CertificateSummary(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253),
                certificate.getIssuerX500Principal().getName(X500Principal.RFC2253),
                certificate.getNotBefore().toInstant(), certificate.getNotAfter().toInstant(),
                alternativeNames(certificate), fingerprint(certificate));
    }

    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        } catch (CertificateEncodingException e) {
            return "(not encodable)";
        }
    }

    public boolean selfSigned() {
        return subject.equals(issuer);
    }

    public boolean expired(Instant at) {
        return at.isAfter(notAfter);
    }

    /** One line for messages: subject, issuer and fingerprint. */
    public String oneLine() {
        return "'" + subject + "' (issued by '" + issuer + "', SHA-256 " + sha256 + ")";
    }

    private static List<String> alternativeNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> all = certificate.getSubjectAlternativeNames();
            if (all != null) {
                for (List<?> name : all) {
                    int type = (Integer) name.get(0);
                    if (type == SAN_DNS) {
                        names.add("DNS:" + name.get(1));
                    } else if (type == SAN_IP) {
                        names.add("IP:" + name.get(1));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            names.add("(unreadable subject alternative names)");
        }
        return names;
    }
}
