"""The torch target (placeholder until written)."""


def context(net, spec):
    """Not yet."""
    raise NotImplementedError
