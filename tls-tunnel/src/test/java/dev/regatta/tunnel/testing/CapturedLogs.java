package dev.regatta.tunnel.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The events one logger writes while captured. Events come from the tunnel's event-loop threads while the test reads
 * them (logback's {@code ListAppender} keeps a plain list, which a reader saw change under it), and a line may be
 * logged just after what the test waited for: {@link #awaitWarnings} waits for it.
 */
public final class CapturedLogs implements AutoCloseable {

    private final Logger logger;
    private final Queue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            events.add(event);
        }
    };

    public CapturedLogs(Class<?> loggerOf) {
        logger = (Logger) LoggerFactory.getLogger(loggerOf);
        appender.start();
        logger.addAppender(appender);
    }

    /** Formatted messages at WARN and above containing {@code text}, logged so far. */
    public List<String> warnings(String text) {
        return events.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).filter(message -> message.contains(text)).toList();
    }

    /** {@link #warnings}, once there is at least one (or an AssertionError after {@link Await#DEFAULT}). */
    public List<String> awaitWarnings(String text) {
        Await.until("a warning containing '" + text + "' is logged", () -> !warnings(text).isEmpty());
        return warnings(text);
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        appender.stop();
    }
}
