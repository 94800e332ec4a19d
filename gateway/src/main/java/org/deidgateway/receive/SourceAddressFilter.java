package org.deidgateway.receive;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The source addresses the listener takes connections from: IPv4 and IPv6 addresses and CIDR
 * blocks. Entries must be literals, never host names, so that the check never waits on DNS and a
 * changed DNS record cannot widen it. No entries: every address is admitted. An IPv4 peer that
 * reaches an IPv6 socket arrives as an IPv4 address (Java unwraps ::ffff:a.b.c.d), so IPv4 blocks
 * match it either way.
 */
public final class SourceAddressFilter {

    public static final SourceAddressFilter ANY = new SourceAddressFilter(List.of(), List.of());

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final String IPV6 = "[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*";

    private record Block(byte[] network, int prefixBits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> blocks;
    private final List<String> entries;

    private SourceAddressFilter(List<Block> blocks, List<String> entries) {
        this.blocks = blocks;
        this.entries = entries;
    }

    /**
     * Parses entries such as {@code 10.20.0.0/16}, {@code 192.168.1.7} or {@code fd00::/8}.
     *
     * @throws IllegalArgumentException naming the first entry that is not an address or block
     */
    public static SourceAddressFilter parse(List<String> entries) {
        List<Block> blocks = new ArrayList<>();
        for (String entry : entries) {
            blocks.add(block(entry));
        }
        return new SourceAddressFilter(List.copyOf(blocks), List.copyOf(entries));
    }

    public boolean admits(InetAddress address) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] bytes = address.getAddress();
        return blocks.stream().anyMatch(b -> b.contains(bytes));
    }

    public boolean admitsAll() {
        return blocks.isEmpty();
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "any address" : String.join(", ", entries);
    }

    private static Block block(String entry) {
        if (entry == null || entry.isBlank()) {
            throw new IllegalArgumentException("an empty entry is not an address");
        }
        String text = entry.strip();
        int slash = text.indexOf('/');
        String addressPart = slash < 0 ? text : text.substring(0, slash);
        byte[] network = literal(addressPart, entry);
        int maxBits = network.length * 8;
        int prefix = maxBits;
        if (slash >= 0) {
            String bits = text.substring(slash + 1);
            if (!bits.matches("\\d{1,3}") || Integer.parseInt(bits) > maxBits) {
                throw new IllegalArgumentException("'" + entry + "': the prefix length must be 0 to " + maxBits);
            }
            prefix = Integer.parseInt(bits);
        }
        Block block = new Block(network, prefix);
        // 10.1.2.3/8 is almost always a typing mistake for 10.0.0.0/8 or 10.1.2.3/32: say so
        byte[] masked = network.clone();
        for (int bit = prefix; bit < maxBits; bit++) {
            masked[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
        }
        if (!Arrays.equals(masked, network)) {
            throw new IllegalArgumentException("'" + entry + "' has address bits set beyond its /" + prefix
                    + " prefix; write the block's first address");
        }
        return block;
    }

    private static byte[] literal(String text, String entry) {
        Matcher v4 = IPV4.matcher(text);
        if (v4.matches()) {
            byte[] bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                int octet = Integer.parseInt(v4.group(i + 1));
                if (octet > 255) {
                    throw new IllegalArgumentException("'" + entry + "' is not an IPv4 address");
                }
                bytes[i] = (byte) octet;
            }
            return bytes;
        }
        if (text.matches(IPV6)) {
            try {
                // a string with a colon that starts with a hex digit or colon is parsed as a literal, never looked up
                return InetAddress.getByName(text).getAddress();
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("'" + entry + "' is not an IPv6 address");
            }
        }
        throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block (host names are not allowed)");
    }
}
