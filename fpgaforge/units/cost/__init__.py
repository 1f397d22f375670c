"""What every unit's cost model shares: estimates, resource model, energy, board view."""
