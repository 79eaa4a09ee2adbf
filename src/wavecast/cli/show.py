"""Placeholder until this command group lands; replaced by its implementation."""


def register(sub) -> None:
    return None
