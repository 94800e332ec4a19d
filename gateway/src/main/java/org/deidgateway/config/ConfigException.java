package org.deidgateway.config;

/** A configuration or installation problem; the message names the file and the key at fault. */
public class ConfigException extends Exception {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
