"""Users, offices, teams, roles and the access scope that every list goes through."""
