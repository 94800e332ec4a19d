package org.deidgateway.cli;

import com.pixelmed.dicom.Attribute;
import com.pixelmed.dicom.AttributeList;
import com.pixelmed.dicom.TagFromName;
import org.deidgateway.dicom.DicomFiles;
import org.deidgateway.dicom.DicomObject;
import org.deidgateway.pixel.MaskRule;
import org.deidgateway.pixel.PixelMaskRules;
import org.deidgateway.pixel.Rect;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "pixel-rules", mixinStandardHelpOptions = true,
        description = "The mask rules of Clean Pixel Data (profiles/pixel-masks.yaml, and HOME/profiles/pixel-masks.yaml "
                + "of a site): list them, or say which apply to a file and why.",
        subcommands = {PixelRulesCommand.ListRules.class, PixelRulesCommand.Test.class})
final class PixelRulesCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the rules, where each comes from, "
            + "what it matches and the rectangles it blanks.")
    static final class ListRules implements Callable<Integer> {
        @Option(names = "--home", paramLabel = "DIR", description = "Also read the site's rules in DIR/profiles/pixel-masks.yaml.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                for (MaskRule rule : PixelMaskRules.forHome(home).rules()) {
                    System.out.println(rule.name() + "  (" + rule.file() + ")");
                    System.out.println("  matches     " + rule.describe());
                    System.out.println("  blanks      " + rule.rectangles());
                    System.out.println("  source      " + rule.source().replaceAll("\\s+", " "));
                }
                return 0;
            });
        }
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = "Say which rules apply to a DICOM file, the rectangles they blank on its image, and for every "
                    + "other rule the first criterion the file does not fit. Reads header values only (Modality, "
                    + "Manufacturer, model, SOP Class, Rows, Columns and the attributes rules name); prints no patient data. "
                    + "Exit code 0 when a rule applies, 1 when none does, 2 for bad input.")
    static final class Test implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "A DICOM file (Part 10).")
        Path file;

        @Option(names = "--home", paramLabel = "DIR", description = "Also read the site's rules in DIR/profiles/pixel-masks.yaml.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                PixelMaskRules rules;
                try {
                    rules = PixelMaskRules.forHome(home);
                } catch (PixelMaskRules.RulesException e) {
                    throw new CliException(e.getMessage(), CliException.USAGE);
                }
                DicomObject object;
                try {
                    object = DicomFiles.open(file);
                } catch (org.deidgateway.dicom.DicomFileException e) {
                    throw new CliException(file + ": " + e.getMessage(), CliException.USAGE);
                }
                AttributeList dataset = object.dataset();
                int rows = Attribute.getSingleIntegerValueOrDefault(dataset, TagFromName.Rows, 0);
                int columns = Attribute.getSingleIntegerValueOrDefault(dataset, TagFromName.Columns, 0);
                System.out.println("file      " + file);
                System.out.println("image     " + text(dataset, TagFromName.Modality) + ", " + columns + "x" + rows
                        + ", SOP Class " + text(dataset, TagFromName.SOPClassUID));
                PixelMaskRules.Verdict verdict = rules.match(dataset);
                for (MaskRule rule : verdict.matching()) {
                    System.out.println("applies   " + rule.name() + ": fits " + rule.describe());
                    try {
                        List<Rect> rects = rule.rectanglesFor(columns, rows);
                        System.out.println("          blanks " + rects);
                    } catch (org.deidgateway.pixel.PixelDataException e) {
                        System.out.println("          error: " + e.getMessage() + " (the object would go to the quarantine)");
                    }
                }
                verdict.mismatches().forEach((name, why) -> System.out.println("no        " + name + ": " + why));
                if (verdict.matching().isEmpty()) {
                    System.out.println("result    no rule applies: OCR alone decides (text it cannot clear keeps the object in quarantine)");
                    return 1;
                }
                return 0;
            });
        }
    }


    private static String text(AttributeList dataset, com.pixelmed.dicom.AttributeTag tag) {
        String v = Attribute.getSingleStringValueOrEmptyString(dataset, tag).trim();
        return v.isEmpty() ? "(none)" : v;
    }
}
