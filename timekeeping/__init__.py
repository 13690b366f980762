"""Time as FOAD tells it: Tehran time, Jalali dates and months, Persian wording, office hours."""
