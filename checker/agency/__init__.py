"""Service agencies: accounts, client portfolios, batch jobs and their results."""
