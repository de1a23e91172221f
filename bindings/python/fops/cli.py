"""The fops command."""


def main() -> int:
    return 0
