package org.deidgateway.profile;

/** The action for one attribute and why, in words a hospital IT reader can check against PS3.15. */
public record Decision(Action action, String reason) {
}
