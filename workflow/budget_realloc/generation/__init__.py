"""Generation: n samples (or one greedy decode) per problem, one shard of problems per job, or
samples generated elsewhere read from files.

Import from the submodules (``generate``, ``gather``, ``sampling``, ``sample_files``): gathering
and the readers of sample files must not pull in torch.
"""
