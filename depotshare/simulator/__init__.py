"""A charge point simulator: N stations speaking OCPP 1.6J or 2.0.1 as clients of the `ocpp`
library, following the default life cycle or a scripted scenario. A pure client: it knows the
OCPP contract of DESIGN.md and nothing of the server's insides."""
