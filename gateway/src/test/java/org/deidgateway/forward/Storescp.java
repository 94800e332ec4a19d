package org.deidgateway.forward;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** dcmtk's storescp on a free loopback port, as a real peer that is not ours. */
final class Storescp implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;

    private Storescp(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** Starts storescp writing into {@code dir} with extra options, and waits until it listens. */
    static Storescp start(Path dir, Path log, String... options) throws IOException, InterruptedException {
        return start(dir, log, freePort(), options);
    }

    /** As above, on a given port (a peer that restarts where it was). */
    static Storescp start(Path dir, Path log, int port, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("storescp", "-v", "-ta", "10", "-td", "10", "-od", dir.toString()));
        command.addAll(List.of(options));
        command.add(Integer.toString(port));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("TCP_NODELAY", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Storescp scp = new Storescp(pb.start(), port, log);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!scp.listening()) {
            if (!scp.process.isAlive() || System.nanoTime() > deadline) {
                scp.close();
                throw new IllegalStateException("storescp did not start listening: " + scp.log());
            }
            Thread.sleep(50);
        }
        return scp;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    int port() {
        return port;
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Associations storescp acknowledged: our readiness probe never gets that far. */
    long associationsAcknowledged() {
        return log().lines().filter(l -> l.contains("Association Acknowledged")).count();
    }

    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
