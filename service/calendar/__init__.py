"""The working-day calendar: Chinese public holidays and 调休 make-up days per year, seeded from
the `holidays` package and edited by the admin; a year without data is flagged, never guessed."""
