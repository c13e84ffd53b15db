"""Pages of the teams app: rosters and deployments, monthly workload, the staff directory, expert visits."""
