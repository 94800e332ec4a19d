package org.deidgateway.pipeline;

import org.deidgateway.config.ProjectConfig;
import org.deidgateway.deid.Deidentifier;

import java.util.List;

/**
 * Chooses the project of a received object by the AE title it was sent to: the project that names
 * that called AE title, else the one project that names none.
 */
public final class ProjectRouter {

    /** A project ready to process: its configuration, its engine, and whether links go to the vault. */
    public record Route(ProjectConfig config, Deidentifier engine, boolean pseudonymizes) {
    }

    private final List<Route> routes;

    public ProjectRouter(List<Route> routes) {
        this.routes = List.copyOf(routes);
    }

    public Route route(String calledAe) {
        for (Route r : routes) {
            if (calledAe.equals(r.config().calledAeTitle())) {
                return r;
            }
        }
        List<Route> unnamed = routes.stream().filter(r -> r.config().calledAeTitle() == null).toList();
        return unnamed.size() == 1 ? unnamed.get(0) : null;
    }

    String projectOf(String calledAe) {
        Route r = route(calledAe);
        return r == null ? "" : r.config().name();
    }
}
