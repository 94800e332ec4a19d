package org.deidgateway.deid;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The PS3.5 Table 6.2-1 grammar that decides whether a kept value is kept verbatim. */
class ValueGrammarTest {

    @ParameterizedTest(name = "{0} ''{1}'' -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            // times: the attack's value, and what real files carry
            "TM|112749 Hidden^Name^PID-9999|false",
            "TM|112749|true",
            "TM|112749.123456|true",
            "TM|11|true",
            "TM|1127|true",
            "TM|11:27:49.5|true",
            "TM|246000|false",
            "TM|112749.1234567|false",
            "TM|\"112749 \"|true",
            // dates
            "DA|20190304|true",
            "DA|2019.03.04|true",
            "DA|2019|true",
            "DA|201903|true",
            "DA|20190230|false",
            "DA|201913|false",
            "DA|20190304 Doe|false",
            "DA|2019-03-04|false",
            // date-times
            "DT|20190304101010.5+0100|true",
            "DT|2019|true",
            "DT|20191304|false",
            "DT|20190304101010+2500|false",
            "DT|20190304 Hidden|false",
            // ages, numbers
            "AS|045Y|true",
            "AS|45Y|false",
            "AS|045Y Doe|false",
            "IS|12|true",
            "IS|\" -12 \"|true",
            "IS|12 PID|false",
            "IS|99999999999|false",
            "DS|1.5|true",
            "DS|-1.5e-3|true",
            "DS|.5|true",
            "DS|1.5 Hidden|false",
            "DS|12345678901234567|false",
            // codes and UIDs
            "CS|ORIGINAL|true",
            "CS|CT PID-9999|false",
            "CS|ct|false",
            "CS|ABCDEFGHIJKLMNOPQ|false",
            "UI|1.2.840.10008.5.1.4.1.1.2|true",
            "UI|1.2.840.10008.5.1.4.1.1.2 Doe|false",
            "UI|1.02.3|false",
            "UI|1..2|false",
            // strings with a repertoire and a length
            "AE|STORESCP|true",
            "AE|\"   \"|true",
            "AE|ABCDEFGHIJKLMNOPQ|false",
            "SH|Short|true",
            "SH|ABCDEFGHIJKLMNOPQ|false",
            "LO|Chest CT with contrast|true",
            "PN|Doe^John^^^|true",
            "PN|Doe^John^A^B^C^D|false",
            "PN|a=b=c=d|false",
            "UR|http://example.org/a|true",
            "UR|http://example.org/a b|false",
    })
    void valuesAgainstTheirVr(String vr, String value, boolean conforms) {
        assertEquals(conforms, ValueGrammar.conforms(vr, value));
    }

    @ParameterizedTest(name = "{0} with control character {1}")
    @CsvSource({"LO,0", "SH,16", "PN,16", "LO,127", "ST,0", "UT,16", "LT,7"})
    void controlCharactersOfSwallowedElementsAreNotText(String vr, int control) {
        // the tag and length bytes of a following element, swallowed by a wrong length
        String swallowed = "CHEST" + (char) control + "PNHidden";
        assertEquals(false, ValueGrammar.conforms(vr, swallowed));
    }

    @ParameterizedTest(name = "{0} keeps format effectors")
    @CsvSource({"ST", "LT", "UT"})
    void textKeepsItsLineBreaks(String vr) {
        assertEquals(true, ValueGrammar.conforms(vr, "line one\r\nline two\ttabbed\fpage"));
        assertEquals(true, ValueGrammar.conforms(vr, "with ISO 2022 escape \u001b$B"));
    }

    @ParameterizedTest
    @CsvSource({"LO", "CS", "UI", "DA"})
    void padding(String vr) {
        assertEquals(true, ValueGrammar.conforms(vr, ""));
        assertEquals(true, ValueGrammar.conforms(vr, "\u0000"));
    }
}
