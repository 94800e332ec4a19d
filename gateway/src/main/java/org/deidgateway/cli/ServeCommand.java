package org.deidgateway.cli;

import org.deidgateway.config.DestinationConfig;
import org.deidgateway.config.DicomConfig;
import org.deidgateway.config.GatewayConfig;
import org.deidgateway.config.ProjectConfig;
import org.deidgateway.forward.DeliveryChannel;
import org.deidgateway.forward.DicomChannel;
import org.deidgateway.forward.FolderChannel;
import org.deidgateway.forward.Forwarder;
import org.deidgateway.forward.Outbox;
import org.deidgateway.forward.StowRsChannel;
import org.deidgateway.forward.StowRsEndpoint;
import org.deidgateway.keystore.GatewayKeystore;
import org.deidgateway.catalog.CatalogGauges;
import org.deidgateway.catalog.CatalogStore;
import org.deidgateway.metrics.GatewayMetrics;
import org.deidgateway.metrics.MetricsServer;
import org.deidgateway.config.PixelsConfig;
import org.deidgateway.pipeline.PixelStage;
import org.deidgateway.pipeline.ProcessingLoop;
import org.deidgateway.pixel.PixelCleaner;
import org.deidgateway.pixel.PixelMaskRules;
import org.deidgateway.pixel.TesseractOcr;
import org.deidgateway.pipeline.Processor;
import org.deidgateway.pipeline.ProjectRouter;
import org.deidgateway.pipeline.QueueRetention;
import org.deidgateway.curate.CurationStore;
import org.deidgateway.profile.Action;
import org.deidgateway.profile.ConfidentialityProfile;
import org.deidgateway.profile.TagOverride;
import org.deidgateway.profile.ProfileCatalog;
import org.deidgateway.receive.DicomListener;
import org.deidgateway.receive.IntakeLog;
import org.deidgateway.receive.IntakeRecorder;
import org.deidgateway.receive.ReceiverSettings;
import org.deidgateway.receive.SourceAddressFilter;
import org.deidgateway.receive.Spool;
import org.deidgateway.receive.StoreService;
import org.deidgateway.store.Database;
import org.deidgateway.store.FileRecycler;
import org.deidgateway.tls.CertificateSummary;
import org.deidgateway.tls.TlsConfigCheck;
import org.deidgateway.tls.TlsMaterial;
import org.deidgateway.vault.IdentityVault;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the gateway: receive over DICOM (C-ECHO, C-STORE), de-identify each object with its "
                + "project's profile, seal the patient links in the vault, and forward to every destination through a "
                + "durable outbox. An object is answered with Success only once it is on disk and recorded.",
                "Objects whose pixels may show identity (Burned In Annotation = YES, Secondary Capture, Ultrasound) are "
                + "cleaned when the project's profile has clean-pixel-data: known text regions blanked (deid pixel-rules), "
                + "names, IDs and dates found by OCR blanked, and the result read again; what is still readable, and text "
                + "no rule covers, goes to the quarantine. Without the option such objects are quarantined (unless the "
                + "project accepts screen captures), as are objects that cannot be de-identified.",
                "SIGTERM (or Ctrl-C) stops receiving, finishes the object in hand and exits; what is left resumes at the "
                + "next start. The keystore passphrase comes from DEID_PASSPHRASE or a prompt.",
                "With dicom.tls.enabled the listener speaks TLS only, and destinations with tls: true are sent to over TLS; "
                + "the certificates come from the keystore (deid tls --help) and are read once, at start."})
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--home", required = true, paramLabel = "DIR", description = "Installation home.")
    Path home;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            try (HomeAccess access = HomeAccess.open(home)) {
                GatewayConfig config = access.config();
                List<DestinationConfig> destinations = config.destinationsOrEmpty();
                if (destinations.isEmpty()) {
                    throw new CliException("no destination configured; add one, for example: deid destination add --home "
                            + home + " --name out --folder /srv/deid-out", CliException.FAILURE);
                }
                GatewayKeystore keystore = access.keystore();
                TlsMaterial tls = TlsConfigCheck.needed(config) ? TlsMaterial.from(keystore) : null;
                if (tls != null) {
                    TlsConfigCheck.check(access.layout.configFile(), config, tls);
                }
                IdentityVault vault = access.vault();
                ProjectRouter router = new ProjectRouter(routes(access, keystore));
                Path homeDir = access.layout.home();
                DicomConfig dicom = config.dicomOrDefault();
                FileRecycler recycler = FileRecycler.forFolders(java.util.Set.of(homeDir.resolve("spool")),
                        homeDir.resolve("spool"), homeDir.resolve("outbox"));
                Spool spool = new Spool(homeDir.resolve("spool"), recycler);
                spool.removeLeftovers();
                IntakeLog intake = new IntakeLog(access.database());
                IntakeLog.Recovery recovery = intake.recover(spool.folder(), dicom.aeTitleOrDefault());
                if (recovery.recorded() > 0) {
                    System.err.println("deid: " + recovery.recorded() + " received objects found in the spool without their"
                            + " record (the last run ended before writing it); recorded now");
                }
                Outbox outbox = new Outbox(access.database());
                GatewayMetrics metrics = GatewayMetrics.prometheus();
                List<Forwarder> forwarders = new ArrayList<>();
                int purged = CurationCommand.purgeReleased(access);
                if (purged > 0) {
                    System.err.println("deid: " + purged + " held stage-one copies of released cases deleted (retention passed)");
                }
                Processor.Folders folders = new Processor.Folders(spool.folder(), homeDir.resolve("outbox"),
                        homeDir.resolve("quarantine"), homeDir.resolve("curation"), recycler);
                CatalogGauges catalog = new CatalogGauges(new CatalogStore(access.database()),
                        config.projects().stream().map(ProjectConfig::name).toList(), metrics);
                Processor processor = new Processor(access.database(), folders, router, vault,
                        destinations.stream().map(DestinationConfig::name).toList(), metrics,
                        () -> {
                            forwarders.forEach(Forwarder::wake);
                            catalog.changed();
                        });
                processor.useThreads(config.processingOrDefault().threadsOrDefault());
                PixelStage pixelStage = pixelStage(config.pixelsOrDefault(), access.database(), folders, router, processor,
                        metrics);

                processor.recoverOutbox();
                ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "housekeeping");
                    t.setDaemon(true);
                    return t;
                });
                int keepDeliveredDays = config.queueOrDefault().keepDeliveredDaysOrDefault();
                Database database = access.database();
                housekeeping.scheduleWithFixedDelay(() -> QueueRetention.forgetQuietly(database, keepDeliveredDays),
                        0, 1, TimeUnit.HOURS);
                housekeeping.scheduleWithFixedDelay(catalog::tick, 0, 1, TimeUnit.SECONDS);
                List<Thread> threads = new ArrayList<>();
                for (DestinationConfig d : destinations) {
                    int lanes = d.associationsOrDefault();
                    for (int lane = 0; lane < lanes; lane++) {
                        Forwarder f = new Forwarder(d.name(), new Outbox.Lane(lane, lanes),
                                channel(d, dicom.aeTitleOrDefault(), tls), outbox, homeDir.resolve("outbox"), spool.folder(),
                                recycler, metrics);
                        forwarders.add(f);
                        threads.add(start("forward-" + d.name() + (lanes > 1 ? "-" + (lane + 1) : ""), f));
                    }
                    metrics.gauge("deid.outbox.pending", "deliveries waiting, by destination",
                            () -> quietly(() -> outbox.pendingAndFailing(d.name())[0]), "destination", d.name());
                }
                ProcessingLoop processing = new ProcessingLoop(processor);
                processor.onPixelsCleaned(processing::wake);
                threads.add(start("process", processing));
                List<ProcessingLoop> pixelWorkers = new ArrayList<>();
                int workers = config.pixelsOrDefault().workersOrDefault();
                for (int i = 0; i < workers; i++) {
                    ProcessingLoop worker = pixelStage.worker(i, workers);
                    pixelWorkers.add(worker);
                    threads.add(start("pixels-" + i, worker));
                }
                IntakeRecorder recorder = new IntakeRecorder(intake, processing::wake);
                Thread recording = start("intake", recorder);

                Set<String> projectAes = new HashSet<>();
                config.projects().stream().map(ProjectConfig::calledAeTitle).filter(a -> a != null).forEach(projectAes::add);
                ReceiverSettings settings = new ReceiverSettings(dicom.aeTitleOrDefault(), dicom.bindAddressOrDefault(),
                        dicom.portOrDefault(), dicom.maxAssociationsOrDefault(), dicom.maxWaitingConnectionsOrDefault(),
                        Duration.ofSeconds(dicom.artimTimeoutSecondsOrDefault()),
                        Duration.ofSeconds(dicom.idleTimeoutSecondsOrDefault()), ReceiverSettings.DEFAULT_MAX_PDU_LENGTH,
                        Set.copyOf(dicom.allowedCallingAeTitlesOrEmpty()), projectAes)
                        .withAllowedSources(SourceAddressFilter.parse(dicom.allowedSourceAddressesOrEmpty()));
                boolean listenerTls = dicom.tlsOrDefault().enabledOrFalse();
                if (listenerTls) {
                    settings = settings.withTls(tls.listener(dicom.tlsOrDefault().requireClientCertificateOrFalse()));
                    warnIfExpiringSoon(tls);
                }
                DicomListener listener = DicomListener.start(settings, new StoreService(spool, recorder, metrics), metrics);
                metrics.gauge("deid.queue.received", "objects received and not yet processed",
                        () -> quietly(() -> intake.count(IntakeLog.STATE_RECEIVED)));
                metrics.gauge("deid.queue.pixels", "objects waiting for Clean Pixel Data (OCR)",
                        () -> quietly(() -> intake.count(PixelStage.WAITING)));
                CurationStore curation = CurationCommand.store(access);
                metrics.gauge("deid.curation.held", "instances of two-stage projects held for a curator's release",
                        () -> quietly(curation::waitingCount));
                MetricsServer monitoring = startMonitoring(config, metrics, listener, access, outbox, destinations);

                CountDownLatch stopRequested = new CountDownLatch(1);
                CountDownLatch stopped = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stopRequested.countDown();
                    try {
                        stopped.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "deid-serve-shutdown"));
                System.out.println("deid-gateway receiving as " + settings.aeTitle() + " on " + settings.bindAddress() + ":"
                        + listener.port() + listenerDescription(settings) + "; destinations: " + String.join(", ",
                        destinations.stream().map(d -> d.name() + " (" + d.kind() + " " + d.target()
                                + (d.tlsOrFalse() ? " over TLS" : "") + (d.associationsOrDefault() > 1
                                ? ", " + d.associationsOrDefault() + " at once" : "") + ")").toList()));
                System.out.println("send a study with: TCP_NODELAY=1 storescu " + (listenerTls ? "+tls KEY.pem CERT.pem +cf GATEWAY.pem " : "")
                        + "-aec " + settings.aeTitle() + " 127.0.0.1 " + listener.port() + " FILES..." + (listenerTls
                        ? " (GATEWAY.pem from deid tls export-cert; +tla instead of +tls KEY.pem CERT.pem when no client "
                        + "certificate is required)" : ""));
                System.out.flush();
                try {
                    stopRequested.await();
                } finally {
                    if (monitoring != null) {
                        monitoring.close();
                    }
                    listener.close();
                    // the rows of what was received go in before processing stops
                    recorder.stop();
                    recording.join(30_000);
                    processing.stop();
                    pixelWorkers.forEach(ProcessingLoop::stop);
                    forwarders.forEach(Forwarder::stop);
                    for (Thread t : threads) {
                        t.join(30_000);
                    }
                    processor.close();
                    housekeeping.shutdownNow();
                    spool.releaseReserved();
                    recycler.close();
                    access.checkpoint(keystore);
                    System.err.println("deid: stopped; " + new IntakeLog(access.database()).count(IntakeLog.STATE_RECEIVED)
                            + " objects wait to be processed, " + outbox.count(Outbox.PENDING) + " deliveries pending");
                    stopped.countDown();
                }
                return 0;
            }
        });
    }

    private static final int BIRTH_DATE = 0x00100030;

    /**
     * The pixel stage with the site's mask rules and the OCR program. An unusable rules file or a
     * missing OCR program does not stop the gateway: objects that need their pixels cleaned go to the
     * quarantine with the reason until it is fixed, and everything else flows.
     */
    private PixelStage pixelStage(PixelsConfig settings, Database db, Processor.Folders folders, ProjectRouter router,
                                  Processor processor, GatewayMetrics metrics) throws Exception {
        PixelCleaner cleaner = null;
        String unavailable = null;
        try {
            TesseractOcr ocr = new TesseractOcr(settings.tesseractOrDefault(),
                    Duration.ofSeconds(settings.ocrTimeoutSecondsOrDefault()));
            cleaner = new PixelCleaner(PixelMaskRules.forHome(home), ocr, settings.maxFramesOrDefault());
            String missing = ocr.unavailableReason();
            if (missing != null) {
                System.err.println("deid: " + missing + "; objects whose pixel data need cleaning go to the quarantine");
            }
        } catch (PixelMaskRules.RulesException e) {
            unavailable = "Clean Pixel Data cannot run: " + e.getMessage();
            System.err.println("deid: " + unavailable + "; objects whose pixel data need cleaning go to the quarantine "
                    + "until the file is fixed and the gateway restarted");
        }
        PixelStage stage = new PixelStage(db, folders, router, processor, cleaner, unavailable, metrics);
        stage.deleteStaleCopies();
        processor.usePixelStage(stage);
        return stage;
    }

    private List<ProjectRouter.Route> routes(HomeAccess access, GatewayKeystore keystore) throws Exception {
        List<ProjectRouter.Route> routes = new ArrayList<>();
        for (ProjectConfig project : access.config().projects()) {
            ConfidentialityProfile profile = ProfileCatalog.forHome(home).load(project.profile());
            if (profile.anonymizes()) {
                // offsets drawn per run and kept nowhere cannot stay the same for one patient across restarts
                throw new CliException("project " + project.name() + ": profile '" + profile.name() + "' shifts dates by a "
                        + "per-patient offset that is kept nowhere, so a daemon cannot apply it to studies that arrive over "
                        + "months; make it the release profile of a two-stage project (projects." + project.name()
                        + ".mode two-stage, curation.release-profile " + profile.name() + ")", CliException.FAILURE);
            }
            if (project.twoStage()) {
                // a held copy stays inside the hospital: its birth date is kept for the release to shift with the
                // case's other dates, so that ages stay right in the anonymized case
                profile = profile.withOverrideUnlessSet(new TagOverride(BIRTH_DATE, Action.KEEP, null,
                        "two-stage project: held inside the hospital; shifted with the case's dates at release"));
            }
            routes.add(new ProjectRouter.Route(project, access.engine(project, profile, keystore), profile.pseudonymizes()));
        }
        return routes;
    }

    private static MetricsServer startMonitoring(GatewayConfig config, GatewayMetrics metrics, DicomListener listener,
                                                 HomeAccess access, Outbox outbox, List<DestinationConfig> destinations)
            throws java.io.IOException {
        int port = config.metricsOrDefault().portOrDefault();
        if (port == 0) {
            return null;
        }
        MetricsServer.Checks live = () -> Map.of("dicom-listener", listener.listening());
        MetricsServer.Checks ready = () -> {
            Map<String, Boolean> checks = new LinkedHashMap<>();
            checks.put("dicom-listener", listener.listening());
            checks.put("database-writable", quietly(() -> {
                access.database().setMeta("health.probe", java.time.Instant.now().toString());
                return 1L;
            }) == 1L);
            for (DestinationConfig d : destinations) {
                checks.put("destination-" + d.name(), quietly(() -> outbox.pendingAndFailing(d.name())[1]) == 0L);
            }
            return checks;
        };
        MetricsServer server = MetricsServer.start(config.metricsOrDefault().bindAddressOrDefault(), port, metrics, live, ready);
        System.out.println("metrics and health on http://" + config.metricsOrDefault().bindAddressOrDefault() + ":"
                + server.port() + "/metrics, /health/live, /health/ready");
        return server;
    }

    /** A gauge or check reads the database; a failure reads as -1 rather than breaking the scrape. */
    private interface Reading {
        long read() throws Exception;
    }

    private static long quietly(Reading reading) {
        try {
            return reading.read();
        } catch (Exception e) {
            return -1;
        }
    }

    private static String listenerDescription(ReceiverSettings settings) {
        String tls = settings.tls() == null ? "" : settings.tls().requireClientCertificate()
                ? " over TLS (client certificate required)" : " over TLS";
        String sources = settings.allowedSources().admitsAll() ? "" : " from " + settings.allowedSources();
        return tls + sources;
    }

    /** A certificate that lapses stops every TLS peer at once: say so a month ahead, at each start. */
    private static void warnIfExpiringSoon(TlsMaterial tls) {
        tls.ownChain().ifPresent(chain -> {
            CertificateSummary own = CertificateSummary.of(chain[0]);
            if (own.notAfter().isBefore(java.time.Instant.now().plus(Duration.ofDays(30)))) {
                System.err.println("deid: warning: the gateway's TLS certificate " + own.oneLine() + " expires on "
                        + own.notAfter() + "; renew it with deid tls generate --replace or deid tls import --replace");
            }
        });
    }

    private static DeliveryChannel channel(DestinationConfig d, String callingAe, TlsMaterial tls) throws Exception {
        return switch (d.kind()) {
            case "folder" -> new FolderChannel(Path.of(d.folder()));
            case "dicom" -> new DicomChannel(d.tlsOrFalse()
                    ? DicomChannel.parse(d.dicom(), callingAe).withTls(tls.clientContext())
                    : DicomChannel.parse(d.dicom(), callingAe));
            // null: the JDK's trust store (javax.net.ssl.trustStore in DEID_JAVA_OPTS to change it)
            default -> new StowRsChannel(stowRsEndpoint(d), null);
        };
    }

    /** The endpoint of a STOW-RS destination, with its credential read from the environment variable it names. */
    static StowRsEndpoint stowRsEndpoint(DestinationConfig d) throws CliException {
        StowRsEndpoint endpoint = StowRsEndpoint.of(URI.create(d.stowRs()));
        if (d.auth() == null) {
            return endpoint;
        }
        String secret = System.getenv(d.authEnv());
        if (secret == null || secret.isBlank()) {
            throw new CliException("destination " + d.name() + ": the environment variable " + d.authEnv()
                    + " (auth-env) is not set; it must hold the " + (DestinationConfig.AUTH_BASIC.equals(d.auth())
                    ? "USER:PASSWORD" : "bearer token") + " for " + d.stowRs(), CliException.FAILURE);
        }
        try {
            return endpoint.withAuthorization(DestinationConfig.AUTH_BASIC.equals(d.auth())
                    ? StowRsEndpoint.basic(secret.strip()) : StowRsEndpoint.bearer(secret.strip()));
        } catch (IllegalArgumentException e) {
            throw new CliException("destination " + d.name() + ": " + d.authEnv() + ": " + e.getMessage(), CliException.FAILURE);
        }
    }

    private static Thread start(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.start();
        return t;
    }
}
