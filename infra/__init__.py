"""Infrastructure: settings, the Temporal client and codec, logs, metrics, tracing, health."""
