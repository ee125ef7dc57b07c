"""Who is calling (one principal for people and machine tokens) and what each role may do."""
