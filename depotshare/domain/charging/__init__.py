"""Charging rules shared by both OCPP versions: meter readings, session anomalies."""
