package org.deidgateway.forward;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body kept up to a bound and read to its end: a peer answering with far more than a
 * STOW-RS response costs no memory, and the connection stays reusable. {@link Body#complete()}
 * says whether anything was dropped.
 */
final class BoundedBody implements BodySubscriber<BoundedBody.Body> {

    record Body(byte[] bytes, boolean complete) {
    }

    private final int limit;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CompletableFuture<Body> result = new CompletableFuture<>();
    private boolean dropped;

    BoundedBody(int limit) {
        this.limit = limit;
    }

    @Override
    public CompletionStage<Body> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        for (ByteBuffer buffer : buffers) {
            int room = limit - kept.size();
            int take = Math.min(room, buffer.remaining());
            if (take < buffer.remaining()) {
                dropped = true;
            }
            byte[] bytes = new byte[take];
            buffer.get(bytes);
            kept.write(bytes, 0, take);
        }
    }

    @Override
    public void onError(Throwable error) {
        result.completeExceptionally(error);
    }

    @Override
    public void onComplete() {
        result.complete(new Body(kept.toByteArray(), !dropped));
    }
}
