package org.deidgateway.receive;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CIDR matching and the messages for entries that are not addresses. */
class SourceAddressFilterTest {

    @Test
    void blocksAndSingleAddressesMatchByPrefix() throws Exception {
        SourceAddressFilter filter = SourceAddressFilter.parse(List.of("10.20.0.0/16", "192.168.1.7", "172.16.0.0/12",
                "fd00::/8", "2001:db8::1"));
        assertTrue(filter.admits(InetAddress.getByName("10.20.255.1")));
        assertFalse(filter.admits(InetAddress.getByName("10.21.0.1")));
        assertTrue(filter.admits(InetAddress.getByName("192.168.1.7")));
        assertFalse(filter.admits(InetAddress.getByName("192.168.1.8")));
        assertTrue(filter.admits(InetAddress.getByName("172.31.255.255")), "a prefix that is not a multiple of 8");
        assertFalse(filter.admits(InetAddress.getByName("172.32.0.0")));
        assertTrue(filter.admits(InetAddress.getByName("fdab::5")));
        assertFalse(filter.admits(InetAddress.getByName("fe80::1")));
        assertTrue(filter.admits(InetAddress.getByName("2001:db8::1")));
        // an IPv4 peer on an IPv6 socket arrives as ::ffff:a.b.c.d, which Java hands over as IPv4
        assertTrue(filter.admits(InetAddress.getByName("::ffff:10.20.1.1")));
        assertFalse(filter.admitsAll());
    }

    @Test
    void emptyAdmitsEveryoneAndZeroPrefixAdmitsAFamily() throws Exception {
        assertTrue(SourceAddressFilter.parse(List.of()).admits(InetAddress.getByName("8.8.8.8")));
        SourceAddressFilter v4 = SourceAddressFilter.parse(List.of("0.0.0.0/0"));
        assertTrue(v4.admits(InetAddress.getByName("8.8.8.8")));
        assertFalse(v4.admits(InetAddress.getByName("::1")));
    }

    @Test
    void badEntriesAreNamedAndHostNamesRefused() {
        assertEquals("'pacs.example.org' is not an IP address or CIDR block (host names are not allowed)",
                assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("pacs.example.org")))
                        .getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("10.0.0.0/33")))
                .getMessage().contains("prefix length must be 0 to 32"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("300.1.1.1")))
                .getMessage().contains("not an IPv4 address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("10.1.2.3/8")))
                .getMessage().contains("bits set beyond its /8 prefix"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("fd00::zz")))
                .getMessage().contains("not an IP address"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SourceAddressFilter.parse(List.of("1::2::3")))
                .getMessage().contains("not an IPv6 address"));
    }
}
