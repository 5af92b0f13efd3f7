"""Realistic processor events for `paybus trigger`, shaped as the processors send them today."""
