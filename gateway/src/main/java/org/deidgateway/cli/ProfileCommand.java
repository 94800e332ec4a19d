package org.deidgateway.cli;

import com.pixelmed.dicom.AttributeTag;
import com.pixelmed.dicom.DicomDictionary;
import org.deidgateway.profile.DataDictionary;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.ConfidentialityTable;
import org.deidgateway.profile.Decision;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.profile.ProfileOption;
import org.deidgateway.profile.ProfileRules;
import org.deidgateway.profile.ProfileRules.Context;
import org.deidgateway.profile.SafePrivateTable;
import org.deidgateway.profile.TableRow;
import org.deidgateway.profile.TagOverride;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.stream.Collectors;

@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "List confidentiality profiles, show what one does to every tag, or explain one tag.",
        subcommands = {ProfileCommand.ListProfiles.class, ProfileCommand.Show.class, ProfileCommand.Explain.class})
final class ProfileCommand {

    static ProfileCatalog catalog(Path home) {
        return ProfileCatalog.forHome(home);
    }

    static ProfileRules rules(ConfidentialityProfile profile) {
        return new ProfileRules(profile, ConfidentialityTable.bundled(), SafePrivateTable.bundled());
    }

    static String options(ConfidentialityProfile profile) {
        return profile.options().isEmpty() ? "(Basic Profile only)"
                : profile.options().stream().map(ProfileOption::yamlName).collect(Collectors.joining(", "));
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the profiles and their options.")
    static final class ListProfiles implements java.util.concurrent.Callable<Integer> {
        @Option(names = "--home", paramLabel = "DIR", description = "Also list the profiles in DIR/profiles.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                ProfileCatalog catalog = catalog(home);
                for (String name : catalog.names()) {
                    ConfidentialityProfile p = catalog.load(name);
                    System.out.printf("%-16s %s%n", name, options(p));
                }
                return 0;
            });
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show what a profile does to every attribute of PS3.15 Table E.1-1, its overrides, "
                    + "and the defaults for attributes the table does not list.")
    static final class Show implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PROFILE", description = "Profile name (deid profile list).")
        String name;

        @Option(names = "--home", paramLabel = "DIR", description = "Also look for the profile in DIR/profiles.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                ConfidentialityProfile profile = catalog(home).load(name);
                ProfileRules rules = rules(profile);
                System.out.println("profile  " + profile.name());
                System.out.println("options  " + options(profile));
                System.out.println();
                System.out.printf("%-13s %-16s %-48s %s%n", "TAG", "ACTION", "ATTRIBUTE", "WHY");
                for (TableRow row : ConfidentialityTable.bundled().rows()) {
                    Decision d = decisionForRow(rules, row);
                    System.out.printf("%-13s %-16s %-48s %s%n", row.tag().length() > 13 ? row.tag().substring(0, 11) : row.tag(),
                            d.action().yamlName(), abbreviate(row.name(), 48), d.reason());
                }
                for (TagOverride o : profile.overrides().values()) {
                    if (ConfidentialityTable.bundled().rowFor(o.tag()).isEmpty()) {
                        System.out.printf("%-13s %-16s %-48s %s%n", ConfidentialityTable.formatTag(o.tag()),
                                o.action().yamlName(), abbreviate(nameOf(o.tag()), 48), "override");
                    }
                }
                System.out.println();
                System.out.println("Attributes not in the table: kept, except person names (PN), which are emptied;");
                System.out.println("inside content being cleaned or replaced (C or D on a sequence), free text (UT, LT, ST)");
                System.out.println("is cleaned or replaced too. File meta information (0002,xxxx) is rewritten.");
                System.out.println("Private attributes: removed" + (profile.has(ProfileOption.RETAIN_SAFE_PRIVATE)
                        ? ", except those in Table E.3.10-1 under their private creator." : "."));
                return 0;
            });
        }

        private static Decision decisionForRow(ProfileRules rules, TableRow row) {
            String t = row.tag().toUpperCase();
            if (t.startsWith("(GGGG")) {
                return rules.decidePrivate(0x00090010 + 0x1000, "");
            }
            int tag = t.startsWith("(50XX") ? 0x50000000 : t.startsWith("(60XX,3000") ? 0x60003000
                    : t.startsWith("(60XX,4000") ? 0x60004000 : ConfidentialityTable.parseTag(t);
            return rules.decide(tag, vrOf(tag), Context.TOP_LEVEL);
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = "Explain what a profile does to one tag, and why.")
    static final class Explain implements java.util.concurrent.Callable<Integer> {
        @Parameters(index = "0", paramLabel = "PROFILE", description = "Profile name (deid profile list).")
        String name;

        @Parameters(index = "1", paramLabel = "TAG",
                description = "The attribute: (gggg,eeee), gggg,eeee, ggggeeee or a keyword such as SeriesDescription.")
        String tagText;

        @Option(names = "--private-creator", paramLabel = "CREATOR",
                description = "For a private tag: the private creator that reserved its block.")
        String creator;

        @Option(names = "--home", paramLabel = "DIR", description = "Also look for the profile in DIR/profiles.")
        Path home;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                ConfidentialityProfile profile = catalog(home).load(name);
                int tag = parseTagOrKeyword(tagText);
                ProfileRules rules = rules(profile);
                boolean isPrivate = ((tag >>> 16) & 1) == 1;
                Decision d = isPrivate ? rules.decidePrivate(tag, creator)
                        : rules.decide(tag, vrOf(tag), Context.TOP_LEVEL);
                System.out.println(ConfidentialityTable.formatTag(tag) + " " + nameOf(tag));
                System.out.println("  profile " + profile.name() + ": " + d.action().yamlName());
                System.out.println("  why: " + d.reason());
                return 0;
            });
        }
    }

    static int parseTagOrKeyword(String text) throws CliException {
        String t = text.trim();
        if (t.matches("\\(?[0-9A-Fa-f]{4},?[0-9A-Fa-f]{4}\\)?")) {
            return ConfidentialityTable.parseTag(t.replace("(", "").replace(")", "").replace(",", ""));
        }
        AttributeTag tag = DicomDictionary.StandardDictionary.getTagFromName(t);
        if (tag == null) {
            throw new CliException("'" + text + "' is neither a tag such as (0008,103E) nor a known attribute keyword");
        }
        return (tag.getGroup() << 16) | tag.getElement();
    }

    /** The VR PS3.6 (2024e) gives the tag; PixelMed's dictionary for the command group PS3.6 leaves out. */
    static String vrOf(int tag) {
        var entry = DataDictionary.bundled().entry(tag).flatMap(DataDictionary.Entry::readingVr);
        if (entry.isPresent()) {
            return entry.get();
        }
        byte[] vr = DicomDictionary.StandardDictionary.getValueRepresentationFromTag(new AttributeTag(tag >>> 16, tag & 0xFFFF));
        return vr == null ? "UN" : new String(vr, java.nio.charset.StandardCharsets.US_ASCII);
    }

    static String nameOf(int tag) {
        if (((tag >>> 16) & 1) == 1) {
            return "(private attribute)";
        }
        var entry = DataDictionary.bundled().entry(tag).filter(e -> !e.name().isBlank());
        if (entry.isPresent()) {
            return entry.get().name() + (entry.get().retired() ? " (retired)" : "");
        }
        String name = DicomDictionary.StandardDictionary.getFullNameFromTag(new AttributeTag(tag >>> 16, tag & 0xFFFF));
        return name == null ? "(not in the PS3.6 data dictionary)" : name;
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
