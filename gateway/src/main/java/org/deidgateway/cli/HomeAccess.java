package org.deidgateway.cli;

import org.deidgateway.config.ConfigException;
import org.deidgateway.config.ConfigFile;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.HomeLayout;
import org.deidgateway.config.ProjectConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** Opens an installation home for a command: checks it is one, reads and validates its config. */
final class HomeAccess {

    final HomeLayout layout;
    final GatewayConfig config;

    private HomeAccess(HomeLayout layout, GatewayConfig config) {
        this.layout = layout;
        this.config = config;
    }

    static HomeAccess open(Path home) throws ConfigException {
        HomeLayout layout = new HomeLayout(home);
        if (!Files.isDirectory(home)) {
            throw new ConfigException(home + " is not a directory; create an installation with: deid init --home " + home);
        }
        if (!Files.isRegularFile(layout.configFile())) {
            throw new ConfigException(home + " is not a deid-gateway home (no deid.yaml); create one with: deid init --home "
                    + home);
        }
        return new HomeAccess(layout, ConfigFile.read(layout.configFile()));
    }

    /** The named project, or the only one when no name is given. */
    ProjectConfig project(String name) throws CliException {
        if (name == null) {
            if (config.projects().size() == 1) {
                return config.projects().get(0);
            }
            throw new CliException("this home has several projects; choose one with --project (" + projectNames() + ")");
        }
        return config.project(name).orElseThrow(() -> new CliException("no project '" + name + "' in "
                + layout.configFile() + " (projects: " + projectNames() + ")"));
    }

    private String projectNames() {
        return config.projects().stream().map(ProjectConfig::name).collect(Collectors.joining(", "));
    }
}
