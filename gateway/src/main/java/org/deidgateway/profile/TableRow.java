package org.deidgateway.profile;

import java.util.Map;
import java.util.Optional;

/**
 * One row of PS3.15 Table E.1-1: the attribute (or tag pattern), its Basic Profile action and the
 * actions the options prescribe where they differ from it.
 */
public record TableRow(String tag, String name, TableAction basicAction, Map<ProfileOption, TableAction> optionActions,
                       boolean inStandardCompositeIod) {

    public Optional<TableAction> actionUnder(ProfileOption option) {
        return Optional.ofNullable(optionActions.get(option));
    }
}
