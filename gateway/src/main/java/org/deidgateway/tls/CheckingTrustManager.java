package org.deidgateway.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The JDK's PKIX trust manager over the keystore's trusted certificates, with two additions: the
 * peer's own certificate must be within its validity period even when it is itself a trusted
 * entry (the JDK accepts a trusted end-entity certificate without looking at its dates), and
 * every refusal names the certificate and says why in words an operator can act on.
 */
final class CheckingTrustManager extends X509ExtendedTrustManager {

    private interface Check {
        void run() throws CertificateException;
    }

    private final X509ExtendedTrustManager pkix;
    private final boolean trustsAnything;

    CheckingTrustManager(X509ExtendedTrustManager pkix, boolean trustsAnything) {
        this.pkix = pkix;
        this.trustsAnything = trustsAnything;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, () -> pkix.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        check(chain, () -> pkix.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, () -> pkix.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        check(chain, () -> pkix.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> pkix.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain, () -> pkix.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    private void check(X509Certificate[] chain, Check pkixCheck) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new UntrustedCertificateException("the peer presented no certificate", null);
        }
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw refused(leaf, "it expired on " + day(leaf.getNotAfter()), e);
        } catch (CertificateNotYetValidException e) {
            throw refused(leaf, "it is not valid before " + day(leaf.getNotBefore()), e);
        }
        if (!trustsAnything) {
            throw refused(leaf, "the gateway keystore trusts no certificate (add one with deid tls trust)", null);
        }
        try {
            pkixCheck.run();
        } catch (CertificateException e) {
            throw refused(leaf, reason(e), e);
        }
    }

    private static String reason(CertificateException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("subject alternative name") || message.contains("No name matching")) {
            return "it does not name the host that was connected to (" + message + ")";
        }
        if (message.contains("PKIX path") || message.contains("certification path") || message.contains("No trusted certificate")) {
            return "it does not chain to a certificate trusted in the gateway keystore (deid tls list)";
        }
        if (message.contains("xtended key usage") || message.contains("KeyUsage")) {
            return "its key usage does not allow this use (" + message + ")";
        }
        return message;
    }

    private static UntrustedCertificateException refused(X509Certificate leaf, String why, Throwable cause) {
        return new UntrustedCertificateException("certificate " + CertificateSummary.of(leaf).oneLine()
                + " is not trusted: " + why, cause);
    }

    private static LocalDate day(java.util.Date date) {
        return LocalDate.ofInstant(date.toInstant(), ZoneOffset.UTC);
    }
}
