"""Time as FOAD tells it: Tehran time, Jalali dates and months, the Persian wording of time, office hours."""
