"""HTTP plumbing of the API: errors, security headers, body limit, rate limits, telemetry, docs."""
