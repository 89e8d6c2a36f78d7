"""Platform library: tenancy, database launcher, health checks. No models; never imports apps."""
