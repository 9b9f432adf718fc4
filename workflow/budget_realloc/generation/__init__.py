"""Generation: n samples (or one greedy decode) per problem, one shard of problems per job."""

from .sampling import Sampling
from .shard import generate_shard

__all__ = ["Sampling", "generate_shard"]
