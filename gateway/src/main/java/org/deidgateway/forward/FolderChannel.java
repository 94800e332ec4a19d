package org.deidgateway.forward;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * A folder as destination (the embedded default): each object is copied under its
 * PSEUDONYM/STUDY/SERIES/SOP.dcm path to a temporary name, fsynced and renamed, so a reader of the
 * folder never sees half a file. An unwritable or full folder is a transient failure: it may be fixed.
 */
public final class FolderChannel implements DeliveryChannel {

    private final Path folder;

    public FolderChannel(Path folder) {
        this.folder = folder;
    }

    @Override
    public void deliver(Path file, String relativePath) throws DeliveryException {
        Path target = folder.resolve(relativePath).normalize();
        if (!target.startsWith(folder.normalize())) {
            throw new DeliveryException("target path leaves the destination folder", true);
        }
        Path temp = target.resolveSibling(target.getFileName() + ".part");
        try {
            Files.createDirectories(target.getParent());
            Files.copy(file, temp, StandardCopyOption.REPLACE_EXISTING);
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // left for the next attempt, which replaces it
            }
            throw new DeliveryException("cannot write to " + folder + " (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", false);
        }
    }
}
