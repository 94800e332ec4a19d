package org.deidgateway.pixel;

import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.CodeStringAttribute;
import com.pixelmed.dicom.LongStringAttribute;
import com.pixelmed.dicom.TagFromName;
import com.pixelmed.dicom.UnsignedShortAttribute;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelMaskRulesTest {

    private static AttributeList image(String modality, String manufacturer, String model, int columns, int rows,
                                       String imageType) throws Exception {
        AttributeList list = new AttributeList();
        put(list, new CodeStringAttribute(TagFromName.Modality), modality);
        put(list, new LongStringAttribute(TagFromName.Manufacturer), manufacturer);
        put(list, new LongStringAttribute(TagFromName.ManufacturerModelName), model);
        if (imageType != null) {
            CodeStringAttribute type = new CodeStringAttribute(TagFromName.ImageType);
            for (String v : imageType.split("\\\\")) {
                type.addValue(v);
            }
            list.put(type);
        }
        UnsignedShortAttribute r = new UnsignedShortAttribute(TagFromName.Rows);
        r.addValue(rows);
        list.put(r);
        UnsignedShortAttribute c = new UnsignedShortAttribute(TagFromName.Columns);
        c.addValue(columns);
        list.put(c);
        return list;
    }

    private static void put(AttributeList list, com.pixelmed.dicom.Attribute a, String value) throws Exception {
        if (value != null) {
            a.addValue(value);
            list.put(a);
        }
    }

    private static PixelMaskRules shipped() throws Exception {
        return PixelMaskRules.fromText(Files.readString(Path.of("../profiles/pixel-masks.yaml")), "pixel-masks.yaml");
    }

    @Test
    void shippedRulesParseAndEachSaysWhereItComesFrom() throws Exception {
        PixelMaskRules rules = shipped();
        assertTrue(rules.rules().size() >= 2);
        for (MaskRule rule : rules.rules()) {
            assertTrue(rule.source().length() > 40, rule.name() + " says where it comes from");
        }
    }

    @Test
    void ultrasoundBannerIsAShareOfTheRows() throws Exception {
        PixelMaskRules.Verdict v = shipped().match(image("US", "Any", "Model", 640, 480, null));
        assertEquals(List.of("ultrasound-banner"), v.matching().stream().map(MaskRule::name).toList());
        assertEquals(List.of(new Rect(0, 0, 640, 48)), v.matching().get(0).rectanglesFor(640, 480));
        assertTrue(v.mismatches().get("ge-lightspeed-vct-dose-report").startsWith("modality does not fit"));
    }

    @Test
    void doseReportRuleNeedsEveryCriterionAndSaysWhichFailed() throws Exception {
        PixelMaskRules rules = shipped();
        AttributeList report = image("CT", "GE MEDICAL SYSTEMS", "LightSpeed VCT", 512, 512, "DERIVED\\SECONDARY\\SCREEN SAVE");
        assertEquals(List.of("ge-lightspeed-vct-dose-report"), rules.match(report).matching().stream().map(MaskRule::name).toList());
        AttributeList axial = image("CT", "GE MEDICAL SYSTEMS", "LightSpeed VCT", 512, 512, "ORIGINAL\\PRIMARY\\AXIAL");
        assertEquals("ImageType does not fit, wanted one of [*SCREEN SAVE*]",
                rules.match(axial).mismatches().get("ge-lightspeed-vct-dose-report"));
        AttributeList bigger = image("CT", "GE MEDICAL SYSTEMS", "LightSpeed VCT", 1024, 512, "DERIVED\\SECONDARY\\SCREEN SAVE");
        assertEquals("columns 1024 is not 512", rules.match(bigger).mismatches().get("ge-lightspeed-vct-dose-report"));
        AttributeList noModel = image("CT", "GE MEDICAL SYSTEMS", null, 512, 512, "DERIVED\\SECONDARY\\SCREEN SAVE");
        assertEquals("model is absent, wanted one of [LightSpeed VCT]", rules.match(noModel).mismatches().get("ge-lightspeed-vct-dose-report"));
    }

    @Test
    void rangesAndHeaderTagsByNumber() throws Exception {
        PixelMaskRules rules = PixelMaskRules.fromText("""
                rules:
                  - name: wide
                    source: test
                    match:
                      columns: 600-800
                      header:
                        "(0008,0070)": ["acme*", "ACME"]
                    rectangles:
                      - [10, 10, 100, 20]
                """, "t.yaml");
        assertEquals(1, rules.match(image("US", "Acme Corp", null, 640, 480, null)).matching().size());
        assertEquals(0, rules.match(image("US", "Acme Corp", null, 900, 480, null)).matching().size());
        assertEquals(0, rules.match(image("US", "Other", null, 640, 480, null)).matching().size());
    }

    @Test
    void aRectangleOutsideTheImageIsAnErrorNotAClip() throws Exception {
        PixelMaskRules rules = PixelMaskRules.fromText("""
                rules:
                  - name: big
                    source: test
                    match: {modality: US}
                    rectangles:
                      - [600, 0, 100, 20]
                """, "t.yaml");
        MaskRule rule = rules.rules().get(0);
        PixelDataException e = assertThrows(PixelDataException.class, () -> rule.rectanglesFor(640, 480));
        assertEquals("pixel-mask rule 'big' rectangle 1 [600, 0, 100, 20] does not lie inside the 640x480 image", e.getMessage());
    }

    @Test
    void malformedFilesNameTheLineAndKey() {
        assertError("""
                rules:
                  - name: a
                    source: s
                    match: {modality: US}
                    rectangles:
                      - [0, 0, wide, 10]
                """, "t.yaml line 6: 'rectangles[0].width' must be a number of pixels or a percentage like \"10%\", not 'wide'");
        assertError("""
                rules:
                  - name: a
                    source: s
                    match:
                      modality: US
                      colour: red
                    rectangles:
                      - [0, 0, 10, 10]
                """, "t.yaml line 6: 'colour' is not a known key (allowed: [columns, header, manufacturer, modality, model, rows, sop-class])");
        assertError("""
                rules:
                  - name: a
                    source: s
                    rectangles:
                      - [0, 0, 10, 10]
                """, "t.yaml line 2: 'match' is missing: a rule without criteria would blank every image (write the criteria)");
        assertError("""
                rules:
                  - name: a
                    source: s
                    match: {rows: 500-400}
                    rectangles: [[0, 0, 10, 10]]
                """, "t.yaml line 4: 'rows' range '500-400' is empty");
        assertError("""
                rules:
                  - name: a
                    source: s
                    match: {header: {NoSuchKeyword: x}}
                    rectangles: [[0, 0, 10, 10]]
                """, "t.yaml line 4: 'NoSuchKeyword' is neither a PS3.6 keyword nor a tag (gggg,eeee)");
        assertError("""
                rules:
                  - name: a
                    source: s
                    match: {modality: US}
                    rectangles: [[0, 0, "120%", 10]]
                """, "t.yaml line 5: 'rectangles[0].width' must be more than 0 (and at most 100%)");
        assertError("rules: [\n  - name: a\n", null);
    }

    private static void assertError(String yaml, String expected) {
        PixelMaskRules.RulesException e = assertThrows(PixelMaskRules.RulesException.class,
                () -> PixelMaskRules.fromText(yaml, "t.yaml"));
        if (expected != null) {
            assertEquals(expected, e.getMessage());
        } else {
            assertTrue(e.getMessage().startsWith("t.yaml line "), e.getMessage());
        }
    }
}
