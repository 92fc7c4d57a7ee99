// DeltaH — placeholder replaced below
